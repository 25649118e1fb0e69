//! Per-triangle affine texture mapping, written out instead of calling OpenCV per triangle.
//!
//! The recipe warps each triangle of the photo onto the frame with an affine map. With ~900
//! triangles a frame, one `warpAffine` + mask + copy per triangle costs tens of microseconds of call
//! overhead each — tens of milliseconds a frame. This does the same maths directly: for every pixel
//! centre inside the triangle's bounding box, barycentric coordinates (edge functions, stepped
//! incrementally) give the photo position (bilinear sample), the shading and the opacity. Cost is
//! proportional to the covered pixels only (~1 ms for a face at 640x480).

use super::mesh::Texture;

/// One triangle to draw, already projected.
pub struct Tri {
    /// Frame positions (continuous pixels).
    pub p: [[f32; 2]; 3],
    /// Texture positions (continuous photo pixels).
    pub uv: [[f32; 2]; 3],
    /// Brightness factor per vertex.
    pub shade: [f32; 3],
    /// Opacity per vertex.
    pub alpha: [f32; 3],
}

/// A frame buffer: 8-bit, `channels` interleaved, rows of `width * channels` bytes.
pub struct Target<'a> {
    pub data: &'a mut [u8],
    pub width: usize,
    pub height: usize,
    pub channels: usize,
}

#[inline]
fn sample(tex: &Texture, u: f32, v: f32, ch: usize) -> f32 {
    // Pixel centres sit at +0.5: shift to index space, clamp to the border.
    let x = (u - 0.5).clamp(0.0, (tex.width - 1) as f32);
    let y = (v - 0.5).clamp(0.0, (tex.height - 1) as f32);
    let x0 = x as usize;
    let y0 = y as usize;
    let x1 = (x0 + 1).min(tex.width - 1);
    let y1 = (y0 + 1).min(tex.height - 1);
    let fx = x - x0 as f32;
    let fy = y - y0 as f32;
    let c = tex.channels;
    let row0 = y0 * tex.width * c;
    let row1 = y1 * tex.width * c;
    let d = &tex.data;
    let a = d[row0 + x0 * c + ch] as f32;
    let b = d[row0 + x1 * c + ch] as f32;
    let e = d[row1 + x0 * c + ch] as f32;
    let f = d[row1 + x1 * c + ch] as f32;
    let top = a + (b - a) * fx;
    let bot = e + (f - e) * fx;
    top + (bot - top) * fy
}

/// The pixels a non-degenerate triangle may cover on the target, and the scale of its edge functions:
/// the set-up both the textured and the eyeball rasterisers share.
struct Span {
    min_x: i64,
    max_x: i64,
    min_y: i64,
    max_y: i64,
    /// 1 / twice the signed area.
    inv: f32,
}

impl Span {
    /// None when the triangle is degenerate (or not finite) or lies off the target.
    fn of(target: &Target<'_>, [a, b, c]: [[f32; 2]; 3]) -> Option<Span> {
        let area = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
        if area.abs() < 1e-4 || !area.is_finite() {
            return None;
        }
        let min_x = a[0].min(b[0]).min(c[0]).floor().max(0.0) as i64;
        let max_x = (a[0].max(b[0]).max(c[0]).ceil() as i64).min(target.width as i64 - 1);
        let min_y = a[1].min(b[1]).min(c[1]).floor().max(0.0) as i64;
        let max_y = (a[1].max(b[1]).max(c[1]).ceil() as i64).min(target.height as i64 - 1);
        (min_x <= max_x && min_y <= max_y).then_some(Span {
            min_x,
            max_x,
            min_y,
            max_y,
            inv: 1.0 / area,
        })
    }

    /// Edge function of the vertex opposite p0 -> p1: its weight at point q (barycentric, sums to 1).
    #[inline]
    fn edge(&self, p0: [f32; 2], p1: [f32; 2], q: [f32; 2]) -> f32 {
        ((p1[0] - p0[0]) * (q[1] - p0[1]) - (q[0] - p0[0]) * (p1[1] - p0[1])) * self.inv
    }
}

/// Draws one triangle (any winding) over the target.
pub fn draw(target: &mut Target<'_>, tex: &Texture, t: &Tri) {
    let [a, b, c] = t.p;
    let Some(span) = Span::of(target, t.p) else {
        return;
    };
    // d(weight)/dx for each vertex.
    let dx = [
        (b[1] - c[1]) * span.inv,
        (c[1] - a[1]) * span.inv,
        (a[1] - b[1]) * span.inv,
    ];
    let lerp3 = |w: [f32; 3], v: [f32; 3]| w[0] * v[0] + w[1] * v[1] + w[2] * v[2];
    let us = [t.uv[0][0], t.uv[1][0], t.uv[2][0]];
    let vs = [t.uv[0][1], t.uv[1][1], t.uv[2][1]];
    let opaque = t.alpha.iter().all(|&x| x >= 1.0);
    // Small tolerance so shared edges leave no cracks (painter's order overdraws them anyway).
    const EPS: f32 = -1e-4;
    let ch = target.channels;
    let row_bytes = target.width * ch;
    for y in span.min_y..=span.max_y {
        let q = [span.min_x as f32 + 0.5, y as f32 + 0.5];
        let mut w = [span.edge(b, c, q), span.edge(c, a, q), span.edge(a, b, q)];
        let row = &mut target.data[y as usize * row_bytes..(y as usize + 1) * row_bytes];
        for x in span.min_x..=span.max_x {
            if w[0] >= EPS && w[1] >= EPS && w[2] >= EPS {
                let u = lerp3(w, us);
                let v = lerp3(w, vs);
                let s = lerp3(w, t.shade);
                let px = &mut row[x as usize * ch..x as usize * ch + ch];
                if opaque {
                    for (k, out) in px.iter_mut().enumerate() {
                        *out = (sample(tex, u, v, k) * s).clamp(0.0, 255.0) as u8;
                    }
                } else {
                    let al = lerp3(w, t.alpha).clamp(0.0, 1.0);
                    for (k, out) in px.iter_mut().enumerate() {
                        let src = sample(tex, u, v, k) * s;
                        let dst = *out as f32;
                        *out = (dst + (src - dst) * al).clamp(0.0, 255.0) as u8;
                    }
                }
            }
            w[0] += dx[0];
            w[1] += dx[1];
            w[2] += dx[2];
        }
    }
}

/// An eyeball as seen in the frame: the iris and pupil are concentric ellipses (the projected discs),
/// the rest of the opening is sclera.
pub struct EyeBall {
    /// Iris centre in the frame (continuous pixels).
    pub centre: [f32; 2],
    /// Unit vector along the ellipse's short axis (the projected gaze direction).
    pub axis: [f32; 2],
    /// Iris semi-axes: across (full radius) and along `axis` (foreshortened), pixels.
    pub radius: [f32; 2],
    /// Pupil radius over iris radius.
    pub pupil: f32,
    /// Colours per channel (up to 3 used), before shading.
    pub sclera: [f32; 3],
    pub iris: [f32; 3],
    pub pupil_colour: [f32; 3],
}

impl EyeBall {
    /// Colour of channel `ch` at frame point `q`: pupil, iris (with a darker limbal ring) or sclera,
    /// blended over about one pixel at each edge so the iris model sees a smooth boundary.
    #[inline]
    fn colour(&self, q: [f32; 2], ch: usize) -> f32 {
        let d = [q[0] - self.centre[0], q[1] - self.centre[1]];
        let along = d[0] * self.axis[0] + d[1] * self.axis[1];
        let across = -d[0] * self.axis[1] + d[1] * self.axis[0];
        let ra = self.radius[0].max(0.5);
        let rb = self.radius[1].max(0.5);
        let rho = ((across / ra).powi(2) + (along / rb).powi(2)).sqrt();
        // One pixel, in units of the normalised radius.
        let edge = 1.0 / rb.min(ra);
        let t_iris = ((1.0 - rho) / edge + 0.5).clamp(0.0, 1.0);
        let t_pupil = ((self.pupil - rho) / edge + 0.5).clamp(0.0, 1.0);
        let limbus = 1.0 - 0.35 * ((rho - 0.75) / 0.25).clamp(0.0, 1.0);
        let iris = self.iris[ch] * limbus;
        let inner = iris + (self.pupil_colour[ch] - iris) * t_pupil;
        self.sclera[ch] + (inner - self.sclera[ch]) * t_iris
    }
}

/// Draws one triangle of an eye opening (any winding) as eyeball, shaded by `shade`.
pub fn draw_eye(target: &mut Target<'_>, p: [[f32; 2]; 3], shade: f32, eye: &EyeBall) {
    let [a, b, c] = p;
    let Some(span) = Span::of(target, p) else {
        return;
    };
    const EPS: f32 = -1e-4;
    let ch = target.channels;
    let row_bytes = target.width * ch;
    for y in span.min_y..=span.max_y {
        let row = &mut target.data[y as usize * row_bytes..(y as usize + 1) * row_bytes];
        for x in span.min_x..=span.max_x {
            let q = [x as f32 + 0.5, y as f32 + 0.5];
            let w = [span.edge(b, c, q), span.edge(c, a, q), span.edge(a, b, q)];
            if w[0] >= EPS && w[1] >= EPS && w[2] >= EPS {
                let px = &mut row[x as usize * ch..x as usize * ch + ch];
                for (k, out) in px.iter_mut().enumerate() {
                    *out = (eye.colour(q, k) * shade).clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_triangle_copies_its_texture_and_nothing_else() {
        let tex = Texture {
            width: 4,
            height: 4,
            channels: 1,
            data: vec![200; 16],
        };
        let mut buf = vec![0u8; 20 * 20];
        let mut target = Target {
            data: &mut buf,
            width: 20,
            height: 20,
            channels: 1,
        };
        draw(
            &mut target,
            &tex,
            &Tri {
                p: [[2.0, 2.0], [18.0, 2.0], [2.0, 18.0]],
                uv: [[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]],
                shade: [0.5; 3],
                alpha: [1.0; 3],
            },
        );
        assert_eq!(buf[3 * 20 + 3], 100, "inside: texture x shade");
        assert_eq!(buf[17 * 20 + 17], 0, "outside untouched");
        let covered = buf.iter().filter(|&&v| v == 100).count();
        assert!((110..=140).contains(&covered), "{covered} ~ area 128");
    }
}
