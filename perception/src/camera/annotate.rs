//! Drawing what the pipeline saw: box, keypoints, eye contours, openness and head-pose axes.
//!
//! Used by `cabin perceive --annotate` so a user can check the pipeline on their own photo or video.

use super::eyes::LID_POINTS;
use super::pipeline::FrameAnalysis;
use crate::error::Result;
use cabin_bus::messages::Point2;
use opencv::core::{Mat, Point, Rect, Scalar};
use opencv::imgproc::{self, LINE_AA};
use opencv::prelude::*;

fn pt(p: Point2) -> Point {
    Point::new(p.x.round() as i32, p.y.round() as i32)
}

fn bgr(b: f64, g: f64, r: f64) -> Scalar {
    Scalar::new(b, g, r, 0.0)
}

/// Returns a BGR copy of `image` with the analysis drawn on it.
pub fn annotate(image: &Mat, a: &FrameAnalysis) -> Result<Mat> {
    let mut out = Mat::default();
    if image.channels() == 1 {
        imgproc::cvt_color_def(image, &mut out, imgproc::COLOR_GRAY2BGR)?;
    } else {
        out = image.try_clone()?;
    }
    let scale = (out.cols().max(out.rows()) as f64 / 640.0).max(0.5);
    let thick = scale.round().max(1.0) as i32;
    let text = |out: &mut Mat, s: &str, at: Point, colour: Scalar| -> Result<()> {
        imgproc::put_text(
            out,
            s,
            at,
            imgproc::FONT_HERSHEY_SIMPLEX,
            0.5 * scale,
            bgr(0.0, 0.0, 0.0),
            thick + 2,
            LINE_AA,
            false,
        )?;
        imgproc::put_text(
            out,
            s,
            at,
            imgproc::FONT_HERSHEY_SIMPLEX,
            0.5 * scale,
            colour,
            thick,
            LINE_AA,
            false,
        )?;
        Ok(())
    };
    let obs = &a.observation;
    let line_h = (18.0 * scale) as i32;
    text(
        &mut out,
        &format!("camera: {:?}  brightness {:.0}", obs.camera, obs.brightness),
        Point::new(8, line_h),
        bgr(255.0, 255.0, 255.0),
    )?;
    let Some(face) = &obs.face else {
        return Ok(out);
    };
    let b = &face.bbox;
    imgproc::rectangle(
        &mut out,
        Rect::new(
            b.x.round() as i32,
            b.y.round() as i32,
            b.width.round() as i32,
            b.height.round() as i32,
        ),
        bgr(0.0, 255.0, 0.0),
        thick,
        LINE_AA,
        0,
    )?;
    for (i, k) in face.keypoints.iter().enumerate() {
        let c = if i < 2 {
            bgr(0.0, 255.0, 255.0)
        } else {
            bgr(255.0, 128.0, 0.0)
        };
        imgproc::circle(&mut out, pt(*k), 2 * thick, c, -1, LINE_AA, 0)?;
    }
    for m in a.eyes.iter().flatten() {
        if m.contour.len() >= LID_POINTS {
            // Lower lid 0..=8, upper lid 0, 9..=15, 8.
            let lower: Vec<Point> = m.contour[0..=8].iter().map(|p| pt(*p)).collect();
            let mut upper = vec![pt(m.contour[0])];
            upper.extend(m.contour[9..16].iter().map(|p| pt(*p)));
            upper.push(pt(m.contour[8]));
            for (poly, c) in [(lower, bgr(255.0, 0.0, 0.0)), (upper, bgr(0.0, 0.0, 255.0))] {
                let v: opencv::core::Vector<Point> = poly.into_iter().collect();
                let polys: opencv::core::Vector<opencv::core::Vector<Point>> =
                    std::iter::once(v).collect();
                imgproc::polylines(&mut out, &polys, false, c, 1, LINE_AA, 0)?;
            }
        }
        let r = (m.iris[1].x - m.iris[3].x).hypot(m.iris[1].y - m.iris[3].y) / 2.0;
        imgproc::circle(
            &mut out,
            pt(m.iris[0]),
            r.round().max(1.0) as i32,
            bgr(0.0, 200.0, 255.0),
            1,
            LINE_AA,
            0,
        )?;
    }
    if let (Some(p), Some(nose)) = (&a.pose, face.keypoints.get(2)) {
        // Axes of the head: x (subject's left) red, y (down) green, z (forward, towards the camera) blue.
        let len = (b.width.max(b.height) * 0.6) as f64;
        let r = &p.rotation;
        for (col, sign, c) in [
            (0, 1.0, bgr(0.0, 0.0, 255.0)),
            (1, 1.0, bgr(0.0, 255.0, 0.0)),
            (2, -1.0, bgr(255.0, 0.0, 0.0)),
        ] {
            let end = Point2 {
                x: nose.x + (sign * r[col] * len) as f32,
                y: nose.y + (sign * r[3 + col] * len) as f32,
            };
            imgproc::arrowed_line(&mut out, pt(*nose), pt(end), c, thick, LINE_AA, 0, 0.15)?;
        }
    }
    let eye = |e: &cabin_bus::messages::EyeObservation| match e.openness {
        Some(o) => format!("{:.2} ({:.0}%)", e.openness_raw, o * 100.0),
        None => format!("{:.2}", e.openness_raw),
    };
    let lines = [
        format!("score {:.2}  zone {:?}", face.score, face.gaze_zone),
        format!(
            "openness R {}  L {}",
            eye(&face.right_eye),
            eye(&face.left_eye)
        ),
        format!(
            "yaw {:.0}  pitch {:.0}  roll {:.0}  gaze {:.0}/{:.0}",
            face.head_pose.yaw_deg,
            face.head_pose.pitch_deg,
            face.head_pose.roll_deg,
            face.gaze_yaw_deg,
            face.gaze_pitch_deg
        ),
    ];
    for (i, l) in lines.iter().enumerate() {
        text(
            &mut out,
            l,
            Point::new(8, line_h * (i as i32 + 2)),
            bgr(0.0, 255.0, 0.0),
        )?;
    }
    Ok(out)
}
