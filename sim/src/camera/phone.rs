//! A phone raised into the camera's view (Euro NCAP 2026 phone use, `[[driver.phone]]`): a rigid
//! rounded slab held in the driver's right hand, placed in the cabin where the script says the driver
//! looks at it, projected with the same pinhole camera as the face.
//!
//! The screen faces the driver's eyes. The driver camera sits on the steering column in front of the
//! driver, so it looks at the phone from the far side: it sees the phone's **back** (a dark glass or
//! plastic panel), its metal edge and the hand's fingers wrapped over the back, never the lit screen
//! (the culling below decides this geometrically; a phone turned towards the camera would show its
//! screen). The hand is a silhouette: palm and fingers as flat shapes over the back, the forearm as a
//! tapered band down to the elbow.
//!
//! Light: the camera's near-infrared illuminator falls off with the square of the distance, so a phone
//! and a hand at ~0.3 m are several times brighter than the face at 0.65 m (hands near a column camera
//! look white in real driver-monitor footage); the sun adds its share without falloff. The phone and the
//! hand are always nearer the camera than the face (the scenario keeps the phone 250-600 mm in front of
//! the eyes), so they are drawn after the face and its worn items, far to near among themselves:
//! the depth order of the whole scene. Everything is a function of the pose alone: deterministic.

use super::lighting::FrameLight;
use super::mesh::{cross, Texture};
use super::raster::Target;
use crate::scenario::HeldPhone;

/// A typical 6.1-inch phone: 150 x 72 x 8 mm, corners of 9 mm radius.
const HALF_W_MM: f32 = 36.0;
const HALF_H_MM: f32 = 75.0;
const THICK_MM: f32 = 8.0;
const CORNER_MM: f32 = 9.0;
const CORNER_STEPS: usize = 5;
/// Reflectance (x 255 = the face texture's units) of a dark back panel and of the metal frame.
const BACK_ALBEDO: f32 = 0.12;
const EDGE_ALBEDO: f32 = 0.45;
/// A lit screen emits (no shading): bluish white in colour; in the near infrared an LCD/OLED emits
/// almost nothing, only the glass's faint reflection.
const SCREEN_BGR: [f32; 3] = [235.0, 225.0, 205.0];
const SCREEN_IR: f32 = 25.0;
/// How far below its held place the phone is when it is down in the lap (out of the camera's view).
const LAP_DROP_MM: f32 = 420.0;
/// The right forearm's elbow, from the eyes (x image-right, y down, z away from the camera): beside
/// the driver's right hip-rib line, a little in front of the eyes.
const ELBOW_FROM_EYES_MM: [f32; 3] = [-200.0, 330.0, -90.0];
/// Mediapipe face-mesh cheek vertices (right, left) whose texture gives the hand its skin tone.
const CHEEKS: [usize; 2] = [50, 280];

/// What a drawn part of the phone and hand is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhonePartKind {
    /// The back panel (the face of the slab away from the driver).
    Back,
    /// The lit screen (faces the driver's eyes).
    Screen,
    /// One facet of the rounded edge.
    Edge,
    Palm,
    Finger,
    Forearm,
}

impl PhonePartKind {
    /// The phone itself, not the hand.
    pub fn is_phone(self) -> bool {
        matches!(
            self,
            PhonePartKind::Back | PhonePartKind::Screen | PhonePartKind::Edge
        )
    }
}

/// One drawn part, projected: its outline in the frame (continuous pixels) and its mean distance from
/// the camera (millimetres).
#[derive(Clone, Debug, PartialEq)]
pub struct PhonePart {
    pub kind: PhonePartKind,
    pub outline: Vec<[f32; 2]>,
    pub depth_mm: f32,
    /// Shading normal (unit, towards the camera's side for the hand's flat shapes).
    normal: [f32; 3],
    /// Mean position (camera millimetres).
    mid: [f32; 3],
}

/// The pinhole camera and where the driver's eyes are in it.
pub(crate) struct View {
    pub focal_px: f32,
    pub centre_px: [f32; 2],
    /// The eyes' midpoint of the driver sitting still (camera millimetres): the phone is fixed in the
    /// cabin, it does not follow the head.
    pub eyes_mm: [f32; 3],
}

impl View {
    fn project(&self, p: [f32; 3]) -> [f32; 2] {
        let z = p[2].max(1.0);
        [
            self.centre_px[0] + self.focal_px * p[0] / z,
            self.centre_px[1] + self.focal_px * p[1] / z,
        ]
    }
}

fn add(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
fn scale(a: [f32; 3], k: f32) -> [f32; 3] {
    [a[0] * k, a[1] * k, a[2] * k]
}
fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn unit(a: [f32; 3]) -> [f32; 3] {
    let n = dot(a, a).sqrt();
    if n > 1e-9 {
        scale(a, 1.0 / n)
    } else {
        [0.0, 0.0, -1.0]
    }
}

/// The phone's frame in the cabin: centre, right (`u`, towards the image's right), up along the
/// long side (`v`), and the screen's normal (`n`, towards the eyes).
struct Frame3 {
    c: [f32; 3],
    u: [f32; 3],
    v: [f32; 3],
    n: [f32; 3],
}

impl Frame3 {
    fn of(phone: &HeldPhone, eyes: [f32; 3]) -> Frame3 {
        let (y, p) = (
            (phone.yaw_deg as f32).to_radians(),
            (phone.pitch_deg as f32).to_radians(),
        );
        // The gaze direction of (yaw, pitch) in camera axes, as the renderer turns the eyes.
        let dir = [p.cos() * y.sin(), -p.sin(), -p.cos() * y.cos()];
        let drop = (1.0 - phone.raised.clamp(0.0, 1.0) as f32) * LAP_DROP_MM;
        let c = add(
            add(eyes, scale(dir, phone.distance_mm as f32)),
            [0.0, drop, 0.0],
        );
        let n = scale(dir, -1.0);
        let up = [0.0, -1.0, 0.0];
        let v = unit(add(up, scale(n, -dot(up, n))));
        let u = cross(n, v);
        Frame3 { c, u, v, n }
    }

    /// The cabin point at (a along u, b along v, c along n) from the phone's centre.
    fn at(&self, a: f32, b: f32, c: f32) -> [f32; 3] {
        add(
            self.c,
            add(scale(self.u, a), add(scale(self.v, b), scale(self.n, c))),
        )
    }

    fn dir(&self, a: f32, b: f32, c: f32) -> [f32; 3] {
        add(scale(self.u, a), add(scale(self.v, b), scale(self.n, c)))
    }
}

/// The rounded rectangle of the phone's outline in (u, v), counter-clockwise.
fn outline() -> Vec<[f32; 2]> {
    let (cw, ch) = (HALF_W_MM - CORNER_MM, HALF_H_MM - CORNER_MM);
    let mut pts = Vec::with_capacity(4 * (CORNER_STEPS + 1));
    for (k, (sx, sy)) in [(1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0)]
        .into_iter()
        .enumerate()
    {
        let a0 = -std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::FRAC_PI_2;
        for s in 0..=CORNER_STEPS {
            let a = a0 + s as f32 / CORNER_STEPS as f32 * std::f32::consts::FRAC_PI_2;
            pts.push([sx * cw + CORNER_MM * a.cos(), sy * ch + CORNER_MM * a.sin()]);
        }
    }
    pts
}

/// An ellipse in the phone's plane at depth `c`, as a polygon.
fn ellipse(f: &Frame3, centre: [f32; 2], semi: [f32; 2], c: f32) -> Vec<[f32; 3]> {
    (0..20)
        .map(|k| {
            let a = k as f32 / 20.0 * std::f32::consts::TAU;
            f.at(
                centre[0] + semi[0] * a.cos(),
                centre[1] + semi[1] * a.sin(),
                c,
            )
        })
        .collect()
}

/// A part in the cabin: kind, corners (camera mm), outward normal, and whether it is a facet of the
/// solid slab (culled when it faces away) or a flat part of the hand (seen from either side).
type Poly3 = (PhonePartKind, Vec<[f32; 3]>, [f32; 3], bool);

/// The parts of the phone and hand seen by the camera, far to near.
pub(crate) fn parts(phone: &HeldPhone, view: &View) -> Vec<PhonePart> {
    let f = Frame3::of(phone, view.eyes_mm);
    let ring = outline();
    let half_t = THICK_MM / 2.0;
    let mut polys: Vec<Poly3> = Vec::new();
    let face = |c: f32| -> Vec<[f32; 3]> { ring.iter().map(|p| f.at(p[0], p[1], c)).collect() };
    polys.push((PhonePartKind::Back, face(-half_t), scale(f.n, -1.0), true));
    polys.push((PhonePartKind::Screen, face(half_t), f.n, true));
    for i in 0..ring.len() {
        let (p, q) = (ring[i], ring[(i + 1) % ring.len()]);
        let e = [q[0] - p[0], q[1] - p[1]];
        let normal = unit(f.dir(e[1], -e[0], 0.0));
        polys.push((
            PhonePartKind::Edge,
            vec![
                f.at(p[0], p[1], -half_t),
                f.at(q[0], q[1], -half_t),
                f.at(q[0], q[1], half_t),
                f.at(p[0], p[1], half_t),
            ],
            normal,
            true,
        ));
    }
    // The right hand (the driver's right is the phone's -u side): the palm against the lower right
    // edge and the back, four fingers across the back, the thumb on the screen (out of sight).
    let back = scale(f.n, -1.0);
    polys.push((
        PhonePartKind::Palm,
        ellipse(
            &f,
            [-HALF_W_MM - 4.0, -HALF_H_MM + 42.0],
            [30.0, 46.0],
            -half_t - 14.0,
        ),
        back,
        false,
    ));
    for (k, len) in [56.0, 62.0, 58.0, 46.0].into_iter().enumerate() {
        let b = -12.0 - 18.0 * k as f32;
        let (a0, a1) = (-HALF_W_MM + 8.0, -HALF_W_MM + 8.0 + len);
        let c = -half_t - 8.0;
        polys.push((
            PhonePartKind::Finger,
            vec![
                f.at(a0, b - 8.0, c),
                f.at(a1, b - 7.0, c),
                f.at(a1 + 3.0, b, c),
                f.at(a1, b + 7.0, c),
                f.at(a0, b + 8.0, c),
            ],
            back,
            false,
        ));
    }
    let wrist = f.at(-HALF_W_MM - 8.0, -HALF_H_MM - 12.0, -half_t - 18.0);
    let elbow = add(
        add(view.eyes_mm, ELBOW_FROM_EYES_MM),
        [
            0.0,
            (1.0 - phone.raised.clamp(0.0, 1.0) as f32) * LAP_DROP_MM * 0.5,
            0.0,
        ],
    );
    let axis = unit([
        elbow[0] - wrist[0],
        elbow[1] - wrist[1],
        elbow[2] - wrist[2],
    ]);
    let side = unit(cross(axis, unit(scale(wrist, -1.0))));
    polys.push((
        PhonePartKind::Forearm,
        vec![
            add(wrist, scale(side, 28.0)),
            add(elbow, scale(side, 36.0)),
            add(elbow, scale(side, -36.0)),
            add(wrist, scale(side, -28.0)),
        ],
        unit(cross(side, axis)),
        false,
    ));

    let mut out: Vec<PhonePart> = polys
        .into_iter()
        .filter_map(|(kind, pts, normal, solid)| {
            let n = pts.len() as f32;
            let mid = scale(pts.iter().fold([0.0; 3], |s, &p| add(s, p)), 1.0 / n);
            let facing = dot(normal, scale(mid, -1.0)) > 0.0;
            // A facet of the solid slab facing away is hidden behind the slab (it is convex); a flat
            // part of the hand is seen from whichever side faces the camera.
            let normal = match (solid, facing) {
                (true, false) => return None,
                (false, false) => scale(normal, -1.0),
                _ => normal,
            };
            Some(PhonePart {
                kind,
                outline: pts.iter().map(|&p| view.project(p)).collect(),
                depth_mm: mid[2],
                normal,
                mid,
            })
        })
        .collect();
    // Far to near; the fingers lie over the back and the palm, whatever their mean depths say.
    let rank = |k: PhonePartKind| match k {
        PhonePartKind::Palm => 1,
        PhonePartKind::Finger => 2,
        _ => 0,
    };
    out.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then(b.depth_mm.total_cmp(&a.depth_mm))
    });
    out
}

/// The driver's skin tone: the face texture around the cheeks (per channel, texture units).
pub(crate) fn skin_tone(tex: &Texture, uv: &[[f32; 2]]) -> [f32; 3] {
    let mut sum = [0.0f32; 3];
    let mut n = 0.0f32;
    for &v in &CHEEKS {
        let Some(&[u, w]) = uv.get(v) else { continue };
        for dy in -2..=2 {
            for dx in -2..=2 {
                let x = (u as i64 + dx).clamp(0, tex.width as i64 - 1) as usize;
                let y = (w as i64 + dy).clamp(0, tex.height as i64 - 1) as usize;
                let o = (y * tex.width + x) * tex.channels;
                for (k, s) in sum.iter_mut().enumerate() {
                    *s += tex.data[o + k.min(tex.channels - 1)] as f32;
                }
                n += 1.0;
            }
        }
    }
    if n == 0.0 {
        return [128.0; 3];
    }
    sum.map(|s| s / n)
}

/// Draws the parts (from [`parts`]) over the frame.
pub(crate) fn draw(
    target: &mut Target<'_>,
    parts: &[PhonePart],
    light: &FrameLight,
    skin: [f32; 3],
    eye_distance_mm: f32,
) {
    let ir_colour = target.channels == 1;
    for part in parts {
        let colour = match part.kind {
            PhonePartKind::Screen => {
                let c = if ir_colour {
                    [SCREEN_IR; 3]
                } else {
                    SCREEN_BGR
                };
                fill(target, &part.outline, c);
                continue;
            }
            PhonePartKind::Back => [BACK_ALBEDO * 255.0; 3],
            PhonePartKind::Edge => [EDGE_ALBEDO * 255.0; 3],
            PhonePartKind::Palm | PhonePartKind::Finger | PhonePartKind::Forearm => skin,
        };
        // The illuminator sits at the camera.
        let to_cam = unit(scale(part.mid, -1.0));
        let lam_ir = dot(part.normal, to_cam).max(0.0);
        let lam_sun = dot(part.normal, light.sun_dir).max(0.0);
        let falloff = (eye_distance_mm / part.depth_mm.max(1.0)).powi(2);
        let shade =
            light.ir * falloff * (0.35 + 0.65 * lam_ir) + light.sun * (0.25 + 0.75 * lam_sun);
        fill(target, &part.outline, colour.map(|c| c * shade));
    }
}

/// Fills a polygon (even-odd) with a flat colour (the first `channels` of `colour`).
fn fill(target: &mut Target<'_>, poly: &[[f32; 2]], colour: [f32; 3]) {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in poly {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return;
        }
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    if poly.len() < 3 {
        return;
    }
    let clip = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi);
    let (x0, x1) = (
        clip(x0.floor(), target.width),
        clip(x1.ceil() + 1.0, target.width),
    );
    let (y0, y1) = (
        clip(y0.floor(), target.height),
        clip(y1.ceil() + 1.0, target.height),
    );
    let ch = target.channels;
    let px: Vec<u8> = (0..ch)
        .map(|k| colour[k.min(2)].clamp(0.0, 255.0) as u8)
        .collect();
    let mut xs: Vec<f32> = Vec::new();
    for y in y0..y1 {
        // Crossings of this row's pixel centres with the polygon's edges (scanline, even-odd).
        let q = y as f32 + 0.5;
        xs.clear();
        for i in 0..poly.len() {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            if (a[1] > q) != (b[1] > q) {
                xs.push(a[0] + (q - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
            }
        }
        xs.sort_by(f32::total_cmp);
        for pair in xs.chunks_exact(2) {
            let from = clip((pair[0] - 0.5).ceil(), x1).max(x0);
            let to = clip((pair[1] - 0.5).ceil(), x1);
            for x in from..to {
                let o = (y * target.width + x) * ch;
                target.data[o..o + ch].copy_from_slice(&px);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> View {
        View {
            focal_px: 686.0,
            centre_px: [320.0, 240.0],
            eyes_mm: [0.0, -36.0, 650.0],
        }
    }

    fn held(raised: f64) -> HeldPhone {
        HeldPhone {
            yaw_deg: -6.0,
            pitch_deg: -18.0,
            distance_mm: 360.0,
            raised,
        }
    }

    /// The camera on the column sees the back and the edge of a phone whose screen faces the eyes.
    #[test]
    fn the_camera_sees_the_back_not_the_screen() {
        let parts = parts(&held(1.0), &view());
        assert!(parts.iter().any(|p| p.kind == PhonePartKind::Back));
        assert!(parts.iter().any(|p| p.kind == PhonePartKind::Edge));
        assert!(!parts.iter().any(|p| p.kind == PhonePartKind::Screen));
        // Held below the eyes and to the driver's right (the image's left).
        let back = parts
            .iter()
            .find(|p| p.kind == PhonePartKind::Back)
            .expect("back");
        let n = back.outline.len() as f32;
        let c = back
            .outline
            .iter()
            .fold([0.0, 0.0], |s, p| [s[0] + p[0] / n, s[1] + p[1] / n]);
        assert!(c[0] < 320.0 && c[1] > 240.0, "{c:?}");
        // Nearer than the face.
        assert!(parts.iter().all(|p| p.depth_mm < 600.0));
    }

    /// Down in the lap, the phone is below the frame.
    #[test]
    fn a_lowered_phone_is_out_of_view() {
        for p in parts(&held(0.0), &view())
            .iter()
            .filter(|p| p.kind.is_phone())
        {
            assert!(p.outline.iter().all(|q| q[1] > 480.0), "{:?}", p.kind);
        }
    }

    #[test]
    fn a_filled_square_covers_its_pixels() {
        let mut buf = vec![0u8; 10 * 10];
        let mut t = Target {
            data: &mut buf,
            width: 10,
            height: 10,
            channels: 1,
        };
        fill(
            &mut t,
            &[[2.0, 2.0], [6.0, 2.0], [6.0, 6.0], [2.0, 6.0]],
            [9.0; 3],
        );
        assert_eq!(buf.iter().filter(|&&v| v == 9).count(), 16);
        assert_eq!(buf[2 * 10 + 2], 9);
        assert_eq!(buf[6 * 10 + 6], 0);
    }
}
