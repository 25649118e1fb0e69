//! The camera pipeline: one frame in, one [`FaceObservation`] out, every stage a real model or algorithm.
//!
//! ```text
//! CameraFrame -> validate + wrap (no copy) -> frozen? -> letterbox 128x128 (+ image stats) -> Black/Saturated?
//!   -> BlazeFace + weighted NMS -> presence test (acquire / keep thresholds) -> FaceLost?
//!   -> eye crops on the eye line -> iris model x2 -> openness, iris offset -> open-eye baseline
//!   -> head pose (solvePnP on the 6 keypoints) -> gaze angles -> gaze zone
//! ```
//!
//! **Presence test.** BlazeFace candidates start at 0.5, but an empty cabin's dark headrest scored 0.51 on
//! this model (shared README), so a face is *acquired* only at `acquire_score` (default 0.70) and, once
//! tracked, *kept* while a candidate overlapping the previous face (IoU >= `keep_iou`) scores at least
//! `keep_score` (0.60). Measured with this pipeline: astronaut.png 0.92, camera.png (turned head) 0.73 —
//! the reason the acquire threshold is 0.70 rather than 0.75 — and uniform noise or an empty frame never
//! reaches 0.5. The headrest false positive sits 0.19 below the acquire threshold and 0.09 below the keep one.
//!
//! **Never panics on a frame**: invalid frames are rejected by `CameraFrame::validate` before any pixel
//! is touched and come back as `Err(PerceptionError::Frame)`; model and OpenCV failures come back as
//! errors too. Only the eye stage degrades instead of failing: a face whose eyes cannot be measured is
//! still a face (its eyes carry no openness).

use super::baseline::{EyeBaseline, EyeBaselineConfig};
use super::detector::{Detection, DetectorConfig, FaceDetector, ImageStats};
use super::eyes::{EyeCrop, EyeMeasurement, IrisModel, LID_POINTS};
use super::frame::FrameView;
use super::gaze::GazeZoneMap;
use super::head_pose::{HeadPoseConfig, HeadPoseEstimator, PoseEstimate};
use super::health::{CameraHealth, CameraHealthConfig};
use crate::error::Result;
use cabin_bus::messages::{
    BoundingBox, CameraFrame, CameraStatus, EyeObservation, Face, FaceObservation, GazeZone,
    HeadPose, Point2,
};
use serde::{Deserialize, Serialize};

/// When a detection counts as a face.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PresenceConfig {
    /// Score to acquire a new face.
    pub acquire_score: f32,
    /// Score to keep a tracked face (overlapping the previous one).
    pub keep_score: f32,
    /// Overlap with the previous face for `keep_score` to apply.
    pub keep_iou: f32,
    /// Smallest eye-keypoint distance, pixels, for the eyes to be measured.
    pub min_eye_distance_px: f32,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig {
            acquire_score: 0.70,
            keep_score: 0.60,
            keep_iou: 0.3,
            min_eye_distance_px: 12.0,
        }
    }
}

/// When a frame may teach the open-eye baseline: a confident, near-frontal face.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearningGate {
    pub min_score: f32,
    /// Largest |head yaw| / |head pitch| from the neutral gaze, degrees.
    pub max_yaw_deg: f32,
    pub max_pitch_deg: f32,
}

impl Default for LearningGate {
    fn default() -> Self {
        LearningGate {
            min_score: 0.75,
            max_yaw_deg: 20.0,
            max_pitch_deg: 15.0,
        }
    }
}

/// Everything the camera pipeline can be told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    pub detector: DetectorConfig,
    pub presence: PresenceConfig,
    pub head_pose: HeadPoseConfig,
    pub eye_baseline: EyeBaselineConfig,
    pub learning: LearningGate,
    pub health: CameraHealthConfig,
    pub gaze: GazeZoneMap,
    /// Second iris pass per eye on a crop re-centred on the eye corners (2 extra model runs).
    pub refine_eyes: bool,
    /// Eye contour points kept in the observation (0 = none, up to 16 lid points).
    pub contour_points: usize,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            detector: DetectorConfig::default(),
            presence: PresenceConfig::default(),
            head_pose: HeadPoseConfig::default(),
            eye_baseline: EyeBaselineConfig::default(),
            learning: LearningGate::default(),
            health: CameraHealthConfig::default(),
            gaze: GazeZoneMap::default(),
            refine_eyes: false,
            contour_points: LID_POINTS,
        }
    }
}

/// One frame's result with the intermediate measurements (for drawing and tests).
#[derive(Clone, Debug)]
pub struct FrameAnalysis {
    pub observation: FaceObservation,
    pub stats: ImageStats,
    /// The accepted detection, if any.
    pub detection: Option<Detection>,
    /// Image-left eye (subject's right), image-right eye (subject's left).
    pub eyes: [Option<EyeMeasurement>; 2],
    pub pose: Option<PoseEstimate>,
}

/// The camera pipeline as a library: models loaded once, buffers reused, state for tracking and baselines.
pub struct CameraPipeline {
    config: CameraConfig,
    detector: FaceDetector,
    iris: IrisModel,
    head_pose: HeadPoseEstimator,
    baseline: EyeBaseline,
    health: CameraHealth,
    tracked: Option<Detection>,
    frames: u64,
}

impl CameraPipeline {
    /// Loads both models (BlazeFace, iris) from `models/`.
    pub fn new(config: CameraConfig) -> Result<Self> {
        config.gaze.validate()?;
        Ok(CameraPipeline {
            detector: FaceDetector::new(config.detector.clone())?,
            iris: IrisModel::new()?,
            head_pose: HeadPoseEstimator::new(config.head_pose.clone()),
            baseline: EyeBaseline::new(config.eye_baseline.clone()),
            health: CameraHealth::new(config.health.clone()),
            tracked: None,
            frames: 0,
            config,
        })
    }

    pub fn config(&self) -> &CameraConfig {
        &self.config
    }
    pub fn health(&self) -> &CameraHealth {
        &self.health
    }
    pub fn health_mut(&mut self) -> &mut CameraHealth {
        &mut self.health
    }
    pub fn baseline(&self) -> &EyeBaseline {
        &self.baseline
    }
    /// Forgets the tracked face (e.g. after a gap in the frames).
    pub fn reset_tracking(&mut self) {
        self.tracked = None;
    }

    /// One frame -> one observation. `frame_seq` counts the frames this pipeline saw (the camera node
    /// overwrites it with the frame's bus sequence number).
    pub fn process(&mut self, frame: &CameraFrame) -> Result<FaceObservation> {
        self.analyse(frame).map(|a| a.observation)
    }

    /// Like [`CameraPipeline::process`], with the intermediate measurements.
    pub fn analyse(&mut self, frame: &CameraFrame) -> Result<FrameAnalysis> {
        let seq = self.frames;
        self.frames += 1;
        let view = match FrameView::new(frame) {
            Ok(v) => v,
            Err(e) => {
                self.tracked = None;
                return Err(e);
            }
        };
        let frozen = self.health.is_frozen(frame);
        self.analyse_view(&view, frozen, seq)
    }

    /// The pipeline on an already wrapped image (still images from disk use this).
    pub fn analyse_view(
        &mut self,
        view: &FrameView,
        frozen: bool,
        seq: u64,
    ) -> Result<FrameAnalysis> {
        let _span = tracing::trace_span!("camera_pipeline", seq).entered();
        let (lb, stats) = {
            let _s = tracing::trace_span!("letterbox").entered();
            self.detector.preprocess(view)?
        };
        let mut status = self.health.classify(&stats);
        if status == CameraStatus::Ok && frozen {
            status = CameraStatus::Frozen;
        }
        let mut analysis = FrameAnalysis {
            observation: FaceObservation {
                frame_seq: seq,
                camera: status,
                brightness: stats.mean,
                face: None,
            },
            stats,
            detection: None,
            eyes: [None, None],
            pose: None,
        };
        if status != CameraStatus::Ok {
            self.tracked = None;
            return Ok(analysis);
        }
        let detections = {
            let _s = tracing::trace_span!("detect").entered();
            self.detector.run(&lb)?
        };
        let Some(det) = self.select(&detections) else {
            self.tracked = None;
            analysis.observation.camera = self.health.classify_without_face(&stats);
            return Ok(analysis);
        };
        self.tracked = Some(det.clone());
        let eyes = self.measure_eyes(view, &det);
        let pose = {
            let _s = tracing::trace_span!("head_pose").entered();
            self.head_pose
                .estimate(&det.keypoints, view.width(), view.height())
        };
        analysis.observation.face = Some(self.describe(&det, &eyes, pose.as_ref()));
        analysis.detection = Some(det);
        analysis.eyes = eyes;
        analysis.pose = pose;
        Ok(analysis)
    }

    /// The presence test: keep the tracked face at the lower score, or acquire one at the higher.
    fn select(&self, detections: &[Detection]) -> Option<Detection> {
        let p = &self.config.presence;
        if let Some(prev) = &self.tracked {
            if let Some(d) = detections
                .iter()
                .filter(|d| d.iou(prev) >= p.keep_iou && d.score >= p.keep_score)
                .max_by(|a, b| a.score.total_cmp(&b.score))
            {
                return Some(d.clone());
            }
        }
        detections
            .iter()
            .filter(|d| d.score >= p.acquire_score)
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .cloned()
    }

    fn measure_eyes(&mut self, view: &FrameView, det: &Detection) -> [Option<EyeMeasurement>; 2] {
        let _s = tracing::trace_span!("iris").entered();
        let (left, right) = (det.keypoints[0], det.keypoints[1]);
        if (right.x - left.x).hypot(right.y - left.y) < self.config.presence.min_eye_distance_px {
            return [None, None];
        }
        let mut out = [None, None];
        for (i, (eye, mirrored)) in [(left, false), (right, true)].into_iter().enumerate() {
            let crop = EyeCrop::from_keypoints(eye, left, right, mirrored);
            let mut m = self.iris.measure(view, &crop);
            if self.config.refine_eyes {
                if let Ok(first) = &m {
                    let refined =
                        EyeCrop::from_corners(first.outer_corner(), first.inner_corner(), mirrored);
                    m = self.iris.measure(view, &refined);
                }
            }
            match m {
                Ok(m) => out[i] = Some(m),
                Err(e) => tracing::debug!("eye {i} not measured: {e}"),
            }
        }
        out
    }

    fn describe(
        &mut self,
        det: &Detection,
        eyes: &[Option<EyeMeasurement>; 2],
        pose: Option<&PoseEstimate>,
    ) -> Face {
        let head = pose.map(|p| p.pose).unwrap_or_default();
        let gaze = &self.config.gaze;
        let neutral = gaze.nominal_neutral();
        // Learn the open-eye baseline only from confident, near-frontal faces with both eyes measured.
        let g = &self.config.learning;
        if let ([Some(a), Some(b)], Some(_)) = (eyes, pose) {
            let frontal = (head.yaw_deg - neutral.0).abs() <= g.max_yaw_deg
                && (head.pitch_deg - neutral.1).abs() <= g.max_pitch_deg;
            if det.score >= g.min_score && frontal {
                self.baseline.learn((a.openness_raw + b.openness_raw) / 2.0);
            }
        }
        let offsets: Vec<Point2> = eyes.iter().flatten().map(|e| e.iris_offset).collect();
        let (eye_yaw, eye_pitch) = gaze.eye_angles(&offsets);
        let (gaze_yaw, gaze_pitch) = (head.yaw_deg + eye_yaw, head.pitch_deg + eye_pitch);
        let zone = if pose.is_some() {
            gaze.zone(gaze_yaw, gaze_pitch, neutral)
        } else {
            GazeZone::Unknown
        };
        let n_contour = self.config.contour_points.min(LID_POINTS);
        let eye_obs = |m: &Option<EyeMeasurement>| match m {
            Some(m) => EyeObservation {
                openness_raw: m.openness_raw,
                openness: self.baseline.normalise(m.openness_raw),
                iris_offset: Some(m.iris_offset),
                contour: m.contour.iter().take(n_contour).copied().collect(),
            },
            None => EyeObservation::default(),
        };
        Face {
            score: det.score,
            bbox: BoundingBox {
                x: det.x0,
                y: det.y0,
                width: det.width(),
                height: det.height(),
            },
            keypoints: det.keypoints.to_vec(),
            // The subject's right eye is the image-left one (keypoint 0).
            right_eye: eye_obs(&eyes[0]),
            left_eye: eye_obs(&eyes[1]),
            head_pose: HeadPose { ..head },
            gaze_yaw_deg: gaze_yaw,
            gaze_pitch_deg: gaze_pitch,
            gaze_zone: zone,
        }
    }
}
