//! Worn items drawn over the rendered face: glasses and sunglasses (a frame around each eye, a bridge,
//! lenses that pass `ir_transmittance` of the light — the camera is near-infrared, where many
//! sunglasses are far more transparent than in the visible), a face mask, a cap. Drawn in the image
//! after the face, from the projected face-mesh landmarks, so they follow every head pose.

use super::mesh::{inside_polygon, FaceModel};
use super::raster::Target;
use crate::scenario::Worn;

/// Lens half-width over half the eye's corner-to-corner distance, and lens height over width.
const LENS_WIDTH: f32 = 1.5;
const LENS_ASPECT: f32 = 0.72;
/// Frame thickness over the lens half-height.
const FRAME: f32 = 0.16;
/// Grey levels (IR albedo x 255) of a dark frame, a light surgical mask, a dark cap.
const FRAME_GREY: f32 = 30.0;
const MASK_GREY: f32 = 205.0;
const CAP_GREY: f32 = 60.0;
/// Mask outline: face-oval from the image-right ear (454) round the chin to the image-left ear (234)
/// (FACE_OVAL positions 8..=28), then over the nose below the eyes (cheek 123, nose 195, cheek 352).
const MASK_TOP: [usize; 3] = [123, 195, 352];
/// Cap: the first hair ring over the top of the head, closed along the brows (image-right to left).
const CAP_BROW: [usize; 7] = [454, 293, 334, 9, 105, 63, 234];

pub(crate) fn draw(
    target: &mut Target<'_>,
    projected: &[[f32; 2]],
    shade: &[f32],
    worn: &Worn,
    m: &FaceModel,
) {
    let mean_shade = |ids: &[usize]| ids.iter().map(|&i| shade[i]).sum::<f32>() / ids.len() as f32;
    if worn.mask {
        let mut ids: Vec<usize> = (8..=28).map(|k| m.oval[k]).collect();
        ids.extend(MASK_TOP);
        let poly: Vec<[f32; 2]> = ids.iter().map(|&i| projected[i]).collect();
        fill(target, &poly, MASK_GREY * mean_shade(&ids));
    }
    if worn.cap {
        let ring = m.ring_start;
        let mut ids: Vec<usize> = (28..36).chain(0..=8).map(|k| ring + k).collect();
        ids.extend(CAP_BROW);
        let poly: Vec<[f32; 2]> = ids.iter().map(|&i| projected[i]).collect();
        fill(target, &poly, CAP_GREY * mean_shade(&CAP_BROW));
    }
    if let Some((transmittance, tinted)) = worn.eyewear {
        let mut inner = Vec::new();
        for eye in &m.eyes {
            let (outer_c, inner_c) = (
                projected[eye.contour[0] as usize],
                projected[eye.contour[8] as usize],
            );
            let n = eye.contour.len() as f32;
            let c = [
                eye.contour
                    .iter()
                    .map(|&i| projected[i as usize][0])
                    .sum::<f32>()
                    / n,
                eye.contour
                    .iter()
                    .map(|&i| projected[i as usize][1])
                    .sum::<f32>()
                    / n,
            ];
            let d = [inner_c[0] - outer_c[0], inner_c[1] - outer_c[1]];
            let len = (d[0] * d[0] + d[1] * d[1]).sqrt().max(1.0);
            let axis = [d[0] / len, d[1] / len];
            let half_w = len / 2.0 * LENS_WIDTH;
            let ids: Vec<usize> = eye.contour.iter().map(|&i| i as usize).collect();
            let s = mean_shade(&ids);
            lens(
                target,
                c,
                axis,
                half_w,
                transmittance as f32,
                tinted,
                FRAME_GREY * s,
            );
            inner.push([c[0] + axis[0] * half_w, c[1] + axis[1] * half_w]);
        }
        if let [a, b] = inner[..] {
            line(target, a, b, (FRAME * 12.0).max(1.5), FRAME_GREY);
        }
    }
}

/// Fills a polygon with a flat grey level (all channels).
fn fill(target: &mut Target<'_>, poly: &[[f32; 2]], grey: f32) {
    let (x0, y0, x1, y1) = bounds(target, poly.iter().copied());
    let v = grey.clamp(0.0, 255.0) as u8;
    for y in y0..y1 {
        for x in x0..x1 {
            if inside_polygon(poly, [x as f32 + 0.5, y as f32 + 0.5]) {
                let o = (y * target.width + x) * target.channels;
                target.data[o..o + target.channels].fill(v);
            }
        }
    }
}

/// One lens: an ellipse along the eye line; inside, the scene times the transmittance (plus a faint
/// reflection on tinted lenses); its rim is the frame.
fn lens(
    target: &mut Target<'_>,
    c: [f32; 2],
    axis: [f32; 2],
    half_w: f32,
    transmittance: f32,
    tinted: bool,
    frame_grey: f32,
) {
    let half_h = half_w * LENS_ASPECT;
    let r = half_w.max(half_h);
    let corners = [[c[0] - r, c[1] - r], [c[0] + r, c[1] + r]];
    let (x0, y0, x1, y1) = bounds(target, corners.into_iter());
    let glare = if tinted { 12.0 } else { 4.0 };
    for y in y0..y1 {
        for x in x0..x1 {
            let d = [x as f32 + 0.5 - c[0], y as f32 + 0.5 - c[1]];
            let along = d[0] * axis[0] + d[1] * axis[1];
            let across = -d[0] * axis[1] + d[1] * axis[0];
            let rho = ((along / half_w).powi(2) + (across / half_h).powi(2)).sqrt();
            if rho > 1.0 {
                continue;
            }
            let o = (y * target.width + x) * target.channels;
            for v in &mut target.data[o..o + target.channels] {
                *v = if rho > 1.0 - FRAME {
                    frame_grey.clamp(0.0, 255.0) as u8
                } else {
                    (*v as f32 * transmittance + glare).clamp(0.0, 255.0) as u8
                };
            }
        }
    }
}

/// A thick straight line (the bridge between the lenses).
fn line(target: &mut Target<'_>, a: [f32; 2], b: [f32; 2], width: f32, grey: f32) {
    let (x0, y0, x1, y1) = bounds(
        target,
        [
            [a[0].min(b[0]) - width, a[1].min(b[1]) - width],
            [a[0].max(b[0]) + width, a[1].max(b[1]) + width],
        ]
        .into_iter(),
    );
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = (d[0] * d[0] + d[1] * d[1]).max(1e-6);
    let v = grey.clamp(0.0, 255.0) as u8;
    for y in y0..y1 {
        for x in x0..x1 {
            let q = [x as f32 + 0.5 - a[0], y as f32 + 0.5 - a[1]];
            let t = ((q[0] * d[0] + q[1] * d[1]) / len2).clamp(0.0, 1.0);
            let e = [q[0] - t * d[0], q[1] - t * d[1]];
            if e[0] * e[0] + e[1] * e[1] <= width * width / 4.0 {
                let o = (y * target.width + x) * target.channels;
                target.data[o..o + target.channels].fill(v);
            }
        }
    }
}

/// Pixel bounds (x0, y0, x1, y1; end exclusive) of points, clipped to the target.
fn bounds(
    target: &Target<'_>,
    pts: impl Iterator<Item = [f32; 2]>,
) -> (usize, usize, usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in pts {
        if !(p[0].is_finite() && p[1].is_finite()) {
            continue;
        }
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    if x0 > x1 {
        return (0, 0, 0, 0);
    }
    let cx = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi);
    (
        cx(x0.floor(), target.width),
        cx(y0.floor(), target.height),
        cx(x1.ceil() + 1.0, target.width),
        cx(y1.ceil() + 1.0, target.height),
    )
}
