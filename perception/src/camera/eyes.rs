//! Eye crops aligned to the eye line, and the iris-landmark model that measures each eye.
//!
//! The iris model (mediapipe `iris_landmark`, see `scripts/MODELS.md`) takes a 64x64 crop of one eye and
//! returns 71 eye-contour/brow points and 5 iris points. It only knows the *image-left* eye, so the
//! image-right eye is cropped mirrored (the mirror is part of the same affine warp: no extra copy) and its
//! points are mapped back through the same transform.
//!
//! Crops ([`EyeCrop`]) are squares rotated to the eye line:
//! - first pass, from BlazeFace: centred on the eye keypoint, side 1.1 x the distance between the eye
//!   keypoints;
//! - refined pass (optional): centred between the eye corners the first pass found, side 2.3 x the corner
//!   distance (mediapipe's tracking ROI). It costs a second model run per eye, so the camera node leaves it
//!   off by default (the driver's own baseline absorbs the small bias) and `perceive` on stills turns it on.
//!
//! Dark crops (mean grey level below 70: night, IR) are brightened to a normal exposure (gain up to 4)
//! while the tensor is filled: the model was trained on well-exposed eyes.
//!
//! Openness is the eyelid aperture over the eye width: the mean of the three central upper-to-lower lid
//! distances (points 11-3, 12-4, 13-5) over the corner-to-corner distance (0-8). It is measured in the
//! crop, so it does not depend on the face's size, rotation or mirroring.

use super::frame::{Channels, FrameView};
use super::model_output::f32_outputs;
use crate::error::{PerceptionError, Result};
use cabin_bus::messages::Point2;
use opencv::core::{Mat, BORDER_REPLICATE, CV_8UC1, CV_8UC3};
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;

/// Iris model input side, pixels.
pub const CROP_SIZE: usize = 64;
/// Contour indices: 0 outer corner, 1-7 lower lid (outer -> inner), 8 inner corner, 9-15 upper lid.
pub const OUTER_CORNER: usize = 0;
pub const INNER_CORNER: usize = 8;
/// Lid pairs facing each other at the centre of the eye (upper, lower).
pub const OPEN_PAIRS: [(usize, usize); 3] = [(11, 3), (12, 4), (13, 5)];
/// Contour points kept for drawing: the lids and corners (0..=15).
pub const LID_POINTS: usize = 16;
/// An eye crop darker than this mean grey level (night, IR) is brightened before the model sees it...
pub const DARK_CROP_MEAN: f32 = 70.0;
/// ... to this mean, with at most this gain. Measured on rendered dark (gain 0.3), noisy (sigma 6), grey
/// frames: closed eyes read 0.25-0.41 of the open baseline instead of 0.35-0.44 without it.
pub const DARK_CROP_TARGET: f32 = 110.0;
pub const DARK_CROP_MAX_GAIN: f32 = 4.0;

/// A square, rotated region of the frame resampled to 64x64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EyeCrop {
    pub centre: Point2,
    pub side: f32,
    /// Rotation of the crop's x axis in the image, radians (clockwise, image y down).
    pub angle: f32,
    /// True for the image-right eye, fed mirrored.
    pub mirrored: bool,
}

impl EyeCrop {
    /// First pass: centred on `eye`, rotated to the line from the image-left to the image-right eye
    /// keypoint, side 1.1 x their distance.
    pub fn from_keypoints(
        eye: Point2,
        image_left: Point2,
        image_right: Point2,
        mirrored: bool,
    ) -> Self {
        let (dx, dy) = (image_right.x - image_left.x, image_right.y - image_left.y);
        EyeCrop {
            centre: eye,
            side: 1.1 * dx.hypot(dy),
            angle: dy.atan2(dx),
            mirrored,
        }
    }

    /// Refined pass: centred between the eye corners found by a previous pass (image pixels), rotated
    /// to the corner line, side 2.3 x the corner distance.
    pub fn from_corners(outer: Point2, inner: Point2, mirrored: bool) -> Self {
        // The crop's x axis runs from the outer to the inner corner for the image-left eye; for the
        // mirrored eye the same image direction (image-left to image-right) is inner -> outer.
        let (a, b) = if mirrored {
            (inner, outer)
        } else {
            (outer, inner)
        };
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        EyeCrop {
            centre: Point2 {
                x: (a.x + b.x) / 2.0,
                y: (a.y + b.y) / 2.0,
            },
            side: 2.3 * dx.hypot(dy),
            angle: dy.atan2(dx),
            mirrored,
        }
    }

    /// Crop axes in image pixels per crop pixel, and the image point of the crop's (0, 0) corner.
    fn axes(&self) -> ([f32; 2], [f32; 2], [f32; 2]) {
        let (s, c) = self.angle.sin_cos();
        let k = self.side / CROP_SIZE as f32;
        let flip = if self.mirrored { -1.0 } else { 1.0 };
        let ax = [flip * c * k, flip * s * k];
        let ay = [-s * k, c * k];
        let half = CROP_SIZE as f32 / 2.0;
        let origin = [
            self.centre.x - (ax[0] + ay[0]) * half,
            self.centre.y - (ax[1] + ay[1]) * half,
        ];
        (origin, ax, ay)
    }

    /// A point in crop pixels (0..64) as image pixels.
    pub fn to_image(&self, x: f32, y: f32) -> Point2 {
        let (o, ax, ay) = self.axes();
        Point2 {
            x: o[0] + x * ax[0] + y * ay[0],
            y: o[1] + x * ax[1] + y * ay[1],
        }
    }

    /// Inverse map for `warpAffine(.., WARP_INVERSE_MAP)` (pixel-index coordinates).
    fn inverse_map(&self) -> [f64; 6] {
        let (o, ax, ay) = self.axes();
        let (o, ax, ay) = (
            o.map(|v| v as f64),
            ax.map(|v| v as f64),
            ay.map(|v| v as f64),
        );
        [
            ax[0],
            ay[0],
            o[0] + 0.5 * (ax[0] + ay[0]) - 0.5,
            ax[1],
            ay[1],
            o[1] + 0.5 * (ax[1] + ay[1]) - 0.5,
        ]
    }

    fn is_usable(&self) -> bool {
        self.side.is_finite()
            && self.side >= 2.0
            && self.centre.x.is_finite()
            && self.centre.y.is_finite()
            && self.angle.is_finite()
    }
}

/// What the iris model measured on one eye, in image pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct EyeMeasurement {
    pub crop: EyeCrop,
    /// The 71 contour/brow points.
    pub contour: Vec<Point2>,
    /// Iris centre, then towards inner corner, top, outer corner, bottom.
    pub iris: [Point2; 5],
    /// Lid aperture over eye width.
    pub openness_raw: f32,
    /// Iris centre minus the corner midpoint, along (x) and across (y, down) the eye line, over eye width.
    pub iris_offset: Point2,
    /// Corner-to-corner distance, image pixels.
    pub width_px: f32,
}

impl EyeMeasurement {
    pub fn outer_corner(&self) -> Point2 {
        self.contour[OUTER_CORNER]
    }
    pub fn inner_corner(&self) -> Point2 {
        self.contour[INNER_CORNER]
    }
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Openness from contour points in any one coordinate frame: mean central lid gap / corner distance.
pub fn openness(contour: &[[f32; 2]]) -> Option<f32> {
    if contour.len() < LID_POINTS {
        return None;
    }
    let width = dist(contour[OUTER_CORNER], contour[INNER_CORNER]);
    let gap = OPEN_PAIRS
        .iter()
        .map(|&(u, l)| dist(contour[u], contour[l]))
        .sum::<f32>()
        / OPEN_PAIRS.len() as f32;
    let v = gap / width;
    (width > 1e-3 && v.is_finite()).then_some(v)
}

/// The iris-landmark model on ONNX Runtime, with its buffers kept between calls.
pub struct IrisModel {
    session: Session,
    crop: Mat,
    input: Vec<f32>,
    dark_mean: f32,
    target_mean: f32,
    max_gain: f32,
}

impl IrisModel {
    /// Loads `models/face/iris_landmark.onnx`.
    pub fn new() -> Result<Self> {
        Ok(IrisModel {
            session: crate::onnx::session("face/iris_landmark.onnx")?,
            crop: Mat::default(),
            input: vec![0.0; 3 * CROP_SIZE * CROP_SIZE],
            dark_mean: DARK_CROP_MEAN,
            target_mean: DARK_CROP_TARGET,
            max_gain: DARK_CROP_MAX_GAIN,
        })
    }

    /// Crops the eye into the input tensor (RGB, [0, 1], NCHW).
    fn fill_input(&mut self, frame: &FrameView, crop: &EyeCrop) -> Result<()> {
        frame.warp_square(
            &crop.inverse_map(),
            CROP_SIZE,
            BORDER_REPLICATE,
            &mut self.crop,
        )?;
        let gray = frame.channels() == Channels::Gray;
        let expected = if gray { CV_8UC1 } else { CV_8UC3 };
        if self.crop.typ() != expected || !self.crop.is_continuous() {
            return Err(PerceptionError::ModelOutput {
                model: "iris_landmark",
                reason: "unexpected eye crop type".into(),
            });
        }
        let px = self.crop.data_bytes()?;
        let plane = CROP_SIZE * CROP_SIZE;
        // Dark crops (night, IR) are brightened to a normal exposure before the model sees them.
        let mean = px.iter().map(|&v| v as u64).sum::<u64>() as f32 / px.len().max(1) as f32;
        let gain = if self.dark_mean > 0.0 && mean < self.dark_mean && mean > 1.0 {
            (self.target_mean / mean).min(self.max_gain)
        } else {
            1.0
        } / 255.0;
        let (r_i, b_i) = match frame.channels() {
            Channels::Rgb => (0, 2),
            _ => (2, 0),
        };
        for i in 0..plane {
            let (r, g, b) = if gray {
                (px[i], px[i], px[i])
            } else {
                (px[3 * i + r_i], px[3 * i + 1], px[3 * i + b_i])
            };
            self.input[i] = (r as f32 * gain).min(1.0);
            self.input[plane + i] = (g as f32 * gain).min(1.0);
            self.input[2 * plane + i] = (b as f32 * gain).min(1.0);
        }
        Ok(())
    }

    /// Measures one eye in the given crop.
    pub fn measure(&mut self, frame: &FrameView, crop: &EyeCrop) -> Result<EyeMeasurement> {
        if !crop.is_usable() {
            return Err(PerceptionError::ModelOutput {
                model: "iris_landmark",
                reason: format!("degenerate eye crop {crop:?}"),
            });
        }
        self.fill_input(frame, crop)?;
        let tensor =
            TensorRef::from_array_view(([1usize, 3, CROP_SIZE, CROP_SIZE], self.input.as_slice()))?;
        let outputs = self.session.run(ort::inputs!["input_1" => tensor])?;
        let [contour, iris] = f32_outputs(
            &outputs,
            "iris_landmark",
            [
                ("output_eyes_contours_and_brows", 71 * 3),
                ("output_iris", 5 * 3),
            ],
        )?;
        let bad = |reason: String| PerceptionError::ModelOutput {
            model: "iris_landmark",
            reason,
        };
        if contour.iter().chain(iris).any(|v| !v.is_finite()) {
            return Err(bad("non-finite landmarks".into()));
        }
        let crop_pts: Vec<[f32; 2]> = contour.chunks_exact(3).map(|c| [c[0], c[1]]).collect();
        let openness_raw = openness(&crop_pts).ok_or_else(|| bad("zero eye width".into()))?;
        let contour: Vec<Point2> = crop_pts.iter().map(|p| crop.to_image(p[0], p[1])).collect();
        let mut iris_pts = [Point2::default(); 5];
        for (dst, c) in iris_pts.iter_mut().zip(iris.chunks_exact(3)) {
            *dst = crop.to_image(c[0], c[1]);
        }
        // Eye axes in the image: x from the image-left corner to the image-right corner, y down across.
        let (outer, inner) = (contour[OUTER_CORNER], contour[INNER_CORNER]);
        let (l, r) = if crop.mirrored {
            (inner, outer)
        } else {
            (outer, inner)
        };
        let width_px = (r.x - l.x).hypot(r.y - l.y);
        let ex = [(r.x - l.x) / width_px, (r.y - l.y) / width_px];
        let ey = [-ex[1], ex[0]];
        let mid = [(l.x + r.x) / 2.0, (l.y + r.y) / 2.0];
        let d = [iris_pts[0].x - mid[0], iris_pts[0].y - mid[1]];
        let iris_offset = Point2 {
            x: (d[0] * ex[0] + d[1] * ex[1]) / width_px,
            y: (d[0] * ey[0] + d[1] * ey[1]) / width_px,
        };
        Ok(EyeMeasurement {
            crop: *crop,
            contour,
            iris: iris_pts,
            openness_raw,
            iris_offset,
            width_px,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_maps_its_centre_and_mirrors_x() {
        let c = EyeCrop {
            centre: Point2 { x: 100.0, y: 50.0 },
            side: 32.0,
            angle: 0.0,
            mirrored: false,
        };
        let p = c.to_image(32.0, 32.0);
        assert!((p.x - 100.0).abs() < 1e-4 && (p.y - 50.0).abs() < 1e-4);
        assert!((c.to_image(0.0, 0.0).x - 84.0).abs() < 1e-4);
        let m = EyeCrop {
            mirrored: true,
            ..c
        };
        assert!((m.to_image(0.0, 0.0).x - 116.0).abs() < 1e-4);
    }

    #[test]
    fn openness_is_gap_over_width() {
        let mut pts = vec![[0.0f32, 0.0]; 16];
        pts[0] = [0.0, 10.0];
        pts[8] = [20.0, 10.0];
        for (u, l) in OPEN_PAIRS {
            pts[u] = [10.0, 6.0];
            pts[l] = [10.0, 14.0];
        }
        assert!((openness(&pts).unwrap() - 0.4).abs() < 1e-6);
        pts[8] = pts[0];
        assert_eq!(openness(&pts), None);
    }
}
