//! BlazeFace face detection (mediapipe's short-range model, converted to ONNX at setup).
//!
//! Follows `scripts/MODELS.md` and its reference `scripts/models/face.py` exactly:
//! - **letterbox**: the frame is centred in a square (black padding) and resampled bilinearly to 128x128.
//!   One `warpAffine` does both, reading the frame's pixels in place (no padded copy, no colour
//!   conversion: the channel order is handled while filling the tensor);
//! - **input** NCHW RGB, `pixel / 127.5 - 1`;
//! - **anchors**: 896 unit anchors (stride 8 with 2 per cell, stride 16 with 6 per cell);
//! - **decoding**: box centre/size and 6 keypoints as offsets from the anchor, score = sigmoid(clip(logit));
//! - **weighted NMS** (mediapipe's): the best box and every box with IoU > 0.3 merge into their
//!   score-weighted mean, keeping the best score.
//!
//! The detector returns every candidate above `candidate_score` (0.5, mediapipe's own threshold). Deciding
//! that a face is *present* is the pipeline's job (see `PresenceConfig`): a dark headrest in an empty cabin
//! scored 0.51 on this model, so a higher threshold plus tracking rejects it.
//!
//! The same pass over the 128x128 image measures its brightness, contrast and clipped pixels for
//! [`CameraHealth`](super::CameraHealth): those statistics cost nothing extra here.

use super::frame::{Channels, FrameView};
use super::model_output::f32_outputs;
use crate::error::{PerceptionError, Result};
use cabin_bus::messages::Point2;
use opencv::core::{Mat, BORDER_CONSTANT, CV_8UC1, CV_8UC3};
use opencv::prelude::*;
use ort::session::Session;
use ort::value::TensorRef;
use serde::{Deserialize, Serialize};

/// BlazeFace input side, pixels.
pub const INPUT_SIZE: usize = 128;
const ANCHORS: usize = 896;
/// Keypoint order of a detection (subject's right eye first; it is the image-left eye).
pub const KEYPOINT_NAMES: [&str; 6] = [
    "right_eye",
    "left_eye",
    "nose_tip",
    "mouth",
    "right_ear_tragion",
    "left_ear_tragion",
];

/// Detector settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectorConfig {
    /// Candidates below this score are dropped before NMS (mediapipe: 0.5).
    pub candidate_score: f32,
    /// IoU above which boxes merge in the weighted NMS (mediapipe: 0.3).
    pub nms_iou: f32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            candidate_score: 0.5,
            nms_iou: 0.3,
        }
    }
}

/// One detected face, in frame pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// Left, top, right, bottom.
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// See [`KEYPOINT_NAMES`].
    pub keypoints: [Point2; 6],
}

impl Detection {
    pub fn iou(&self, o: &Detection) -> f32 {
        iou(
            [self.x0, self.y0, self.x1, self.y1],
            [o.x0, o.y0, o.x1, o.y1],
        )
    }
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
}

/// Image statistics of the letterboxed 128x128 picture (padding excluded), luma 0..255.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ImageStats {
    pub mean: f32,
    pub std: f32,
    /// Fraction of pixels at or above 250.
    pub saturated: f32,
    /// Standard deviation of the 8x8-block means (a 16x16 grid over the letterbox, padding excluded):
    /// the image's coarse structure with pixel noise averaged away. A covered lens under auto-exposure
    /// is bright enough and noisy, but has almost none.
    pub coarse_std: f32,
}

/// The 896 anchor centres in input pixels, in the model's output order.
pub fn anchors() -> Vec<[f32; 2]> {
    let mut out = Vec::with_capacity(ANCHORS);
    for (stride, per_cell) in [(8usize, 2usize), (16, 6)] {
        let n = INPUT_SIZE / stride;
        for y in 0..n {
            for x in 0..n {
                for _ in 0..per_cell {
                    out.push([
                        (x as f32 + 0.5) * stride as f32,
                        (y as f32 + 0.5) * stride as f32,
                    ]);
                }
            }
        }
    }
    out
}

fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

fn sigmoid_clipped(x: f32) -> f32 {
    let x = if x.is_nan() {
        -100.0
    } else {
        x.clamp(-100.0, 100.0)
    };
    1.0 / (1.0 + (-x).exp())
}

/// Decodes raw outputs (`regressors` 896x16, `classificators` 896) into detections in input pixels,
/// after weighted NMS, best first.
pub fn decode(
    regressors: &[f32],
    classificators: &[f32],
    anchors: &[[f32; 2]],
    config: &DetectorConfig,
) -> Vec<Detection> {
    let n = anchors
        .len()
        .min(classificators.len())
        .min(regressors.len() / 16);
    let mut cands: Vec<(f32, [f32; 4], [Point2; 6])> = Vec::new();
    for (i, a) in anchors.iter().enumerate().take(n) {
        let score = sigmoid_clipped(classificators[i]);
        if score < config.candidate_score {
            continue;
        }
        let r = &regressors[i * 16..i * 16 + 16];
        if r.iter().any(|v| !v.is_finite()) {
            continue;
        }
        let (cx, cy) = (a[0] + r[0], a[1] + r[1]);
        let (w, h) = (r[2], r[3]);
        let bbox = [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0];
        let mut kps = [Point2::default(); 6];
        for (k, kp) in kps.iter_mut().enumerate() {
            *kp = Point2 {
                x: a[0] + r[4 + 2 * k],
                y: a[1] + r[5 + 2 * k],
            };
        }
        cands.push((score, bbox, kps));
    }
    // Stable sort by descending score: ties keep anchor order, so the result is deterministic.
    cands.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = Vec::new();
    let mut remaining: Vec<usize> = (0..cands.len()).collect();
    while let Some(&best) = remaining.first() {
        let bb = cands[best].1;
        let (group, rest): (Vec<usize>, Vec<usize>) = remaining
            .iter()
            .partition(|&&j| iou(bb, cands[j].1) > config.nms_iou);
        // `best` has IoU 1 with itself unless its box is degenerate: keep it in its group regardless.
        let group = if group.contains(&best) {
            group
        } else {
            std::iter::once(best).chain(group).collect()
        };
        let rest: Vec<usize> = rest.into_iter().filter(|&j| j != best).collect();
        let total: f32 = group.iter().map(|&j| cands[j].0).sum();
        let mut bbox = [0.0f32; 4];
        let mut kps = [Point2::default(); 6];
        for &j in &group {
            let w = cands[j].0 / total;
            for (b, v) in bbox.iter_mut().zip(cands[j].1) {
                *b += v * w;
            }
            for (k, p) in kps.iter_mut().zip(cands[j].2) {
                k.x += p.x * w;
                k.y += p.y * w;
            }
        }
        out.push(Detection {
            score: cands[best].0,
            x0: bbox[0],
            y0: bbox[1],
            x1: bbox[2],
            y1: bbox[3],
            keypoints: kps,
        });
        remaining = rest;
    }
    out
}

/// The letterbox transform: an input point `q` maps to the frame point `q * scale - offset`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Letterbox {
    pub scale: f32,
    pub offset_x: f32,
    pub offset_y: f32,
}

impl Letterbox {
    pub fn new(width: i32, height: i32) -> Self {
        let side = width.max(height);
        Letterbox {
            scale: side as f32 / INPUT_SIZE as f32,
            offset_x: ((side - width) / 2) as f32,
            offset_y: ((side - height) / 2) as f32,
        }
    }
    pub fn to_frame(&self, p: Point2) -> Point2 {
        Point2 {
            x: p.x * self.scale - self.offset_x,
            y: p.y * self.scale - self.offset_y,
        }
    }
    /// Inverse map for `warpAffine(.., WARP_INVERSE_MAP)`: output pixel index -> frame pixel index
    /// (pixel centres at integers, so the half-pixel shifts of the continuous convention appear here).
    fn inverse_map(&self) -> [f64; 6] {
        let s = self.scale as f64;
        [
            s,
            0.0,
            0.5 * s - self.offset_x as f64 - 0.5,
            0.0,
            s,
            0.5 * s - self.offset_y as f64 - 0.5,
        ]
    }
}

/// BlazeFace on ONNX Runtime, with its buffers kept between frames.
pub struct FaceDetector {
    session: Session,
    anchors: Vec<[f32; 2]>,
    config: DetectorConfig,
    /// 128x128 resampled frame (1 or 3 channels), reused.
    small: Mat,
    /// NCHW input tensor, reused.
    input: Vec<f32>,
}

impl FaceDetector {
    /// Loads `models/face/blazeface.onnx`.
    pub fn new(config: DetectorConfig) -> Result<Self> {
        Ok(FaceDetector {
            session: crate::onnx::session("face/blazeface.onnx")?,
            anchors: anchors(),
            config,
            small: Mat::default(),
            input: vec![0.0; 3 * INPUT_SIZE * INPUT_SIZE],
        })
    }

    /// Letterboxes the frame into the input tensor and measures the image; no model run.
    pub fn preprocess(&mut self, frame: &FrameView) -> Result<(Letterbox, ImageStats)> {
        let lb = Letterbox::new(frame.width(), frame.height());
        frame.warp_square(
            &lb.inverse_map(),
            INPUT_SIZE,
            BORDER_CONSTANT,
            &mut self.small,
        )?;
        let expected = if frame.channels() == Channels::Gray {
            CV_8UC1
        } else {
            CV_8UC3
        };
        if self.small.typ() != expected || !self.small.is_continuous() {
            return Err(PerceptionError::ModelOutput {
                model: "blazeface",
                reason: "unexpected letterbox image type".into(),
            });
        }
        // Content region of the letterbox (rows/columns that sample the frame, not the padding).
        let inside = |lo: f32, extent: i32| {
            let first = ((lo / lb.scale) - 0.5).ceil().max(0.0) as usize;
            let last = (((lo + extent as f32) / lb.scale) - 0.5)
                .floor()
                .min(INPUT_SIZE as f32 - 1.0) as usize;
            (first, last.max(first))
        };
        let (c0, c1) = inside(lb.offset_x, frame.width());
        let (r0, r1) = inside(lb.offset_y, frame.height());
        let px = self.small.data_bytes()?;
        let plane = INPUT_SIZE * INPUT_SIZE;
        let (mut sum, mut sum2, mut sat, mut count) = (0u64, 0u64, 0u64, 0u64);
        const CELL: usize = 8;
        const CELLS: usize = INPUT_SIZE / CELL;
        let mut cell_sum = [0u32; CELLS * CELLS];
        let mut cell_n = [0u32; CELLS * CELLS];
        let (r_i, b_i) = match frame.channels() {
            Channels::Rgb => (0, 2),
            _ => (2, 0),
        };
        let input = &mut self.input;
        for y in 0..INPUT_SIZE {
            let in_rows = y >= r0 && y <= r1;
            for x in 0..INPUT_SIZE {
                let i = y * INPUT_SIZE + x;
                let (r, g, b) = if frame.channels() == Channels::Gray {
                    let v = px[i];
                    (v, v, v)
                } else {
                    (px[3 * i + r_i], px[3 * i + 1], px[3 * i + b_i])
                };
                input[i] = r as f32 / 127.5 - 1.0;
                input[plane + i] = g as f32 / 127.5 - 1.0;
                input[2 * plane + i] = b as f32 / 127.5 - 1.0;
                if in_rows && x >= c0 && x <= c1 {
                    // BT.601 luma in integers.
                    let l = (299 * r as u64 + 587 * g as u64 + 114 * b as u64) / 1000;
                    sum += l;
                    sum2 += l * l;
                    sat += (l >= 250) as u64;
                    count += 1;
                    let c = (y / CELL) * CELLS + x / CELL;
                    cell_sum[c] += l as u32;
                    cell_n[c] += 1;
                }
            }
        }
        let n = count.max(1) as f64;
        let mean = sum as f64 / n;
        let var = (sum2 as f64 / n - mean * mean).max(0.0);
        // Coarse structure: only cells entirely inside the picture.
        let means: Vec<f64> = cell_sum
            .iter()
            .zip(&cell_n)
            .filter(|(_, &n)| n as usize == CELL * CELL)
            .map(|(&s, &n)| s as f64 / n as f64)
            .collect();
        let coarse_std = if means.len() >= 2 {
            let m = means.iter().sum::<f64>() / means.len() as f64;
            (means.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / means.len() as f64).sqrt()
        } else {
            var.sqrt()
        };
        let stats = ImageStats {
            mean: mean as f32,
            std: var.sqrt() as f32,
            saturated: (sat as f64 / n) as f32,
            coarse_std: coarse_std as f32,
        };
        Ok((lb, stats))
    }

    /// Runs the model on the tensor filled by [`FaceDetector::preprocess`]; detections in frame pixels.
    pub fn run(&mut self, lb: &Letterbox) -> Result<Vec<Detection>> {
        let tensor = TensorRef::from_array_view((
            [1usize, 3, INPUT_SIZE, INPUT_SIZE],
            self.input.as_slice(),
        ))?;
        let outputs = self.session.run(ort::inputs!["input" => tensor])?;
        let [reg, cls] = f32_outputs(
            &outputs,
            "blazeface",
            [("regressors", ANCHORS * 16), ("classificators", ANCHORS)],
        )?;
        let mut dets = decode(reg, cls, &self.anchors, &self.config);
        for d in &mut dets {
            let p0 = lb.to_frame(Point2 { x: d.x0, y: d.y0 });
            let p1 = lb.to_frame(Point2 { x: d.x1, y: d.y1 });
            (d.x0, d.y0, d.x1, d.y1) = (p0.x, p0.y, p1.x, p1.y);
            for k in &mut d.keypoints {
                *k = lb.to_frame(*k);
            }
        }
        Ok(dets)
    }

    /// Preprocess + run: the faces in a frame (best first) and the image statistics.
    pub fn detect(&mut self, frame: &FrameView) -> Result<(Vec<Detection>, ImageStats)> {
        let (lb, stats) = self.preprocess(frame)?;
        Ok((self.run(&lb)?, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_the_documented_layout() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], [4.0, 4.0]);
        assert_eq!(a[2], [12.0, 4.0]);
        assert_eq!(a[511], [124.0, 124.0]);
        assert_eq!(a[512], [8.0, 8.0]);
        assert_eq!(a[895], [120.0, 120.0]);
    }

    #[test]
    fn weighted_nms_merges_overlapping_boxes() {
        let a = anchors();
        let mut reg = vec![0.0f32; 896 * 16];
        let mut cls = vec![-50.0f32; 896];
        // Two candidates on neighbouring anchors, same 20x20 box shifted by 4 px, and one far away.
        for (i, dx, logit) in [(0usize, 60.0f32, 3.0f32), (2, 52.0, 1.0), (510, 0.0, 2.0)] {
            reg[i * 16] = dx;
            reg[i * 16 + 1] = 60.0;
            reg[i * 16 + 2] = 20.0;
            reg[i * 16 + 3] = 20.0;
            cls[i] = logit;
        }
        let d = decode(&reg, &cls, &a, &DetectorConfig::default());
        assert_eq!(d.len(), 2);
        assert!((d[0].score - sigmoid_clipped(3.0)).abs() < 1e-6);
        // Weighted mean of centres 64 (w=0.953) and 64 (anchor 12 + 52) -> 64.
        assert!(((d[0].x0 + d[0].x1) / 2.0 - 64.0).abs() < 1e-4);
        assert!(d[1].x0 > 100.0);
    }

    #[test]
    fn nan_logits_and_regressors_never_become_faces() {
        let a = anchors();
        let reg = vec![f32::NAN; 896 * 16];
        let cls = vec![f32::NAN; 896];
        assert!(decode(&reg, &cls, &a, &DetectorConfig::default()).is_empty());
    }
}
