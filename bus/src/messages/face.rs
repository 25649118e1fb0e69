//! What the camera node sees of the driver's face.

use serde::{Deserialize, Serialize};

/// Where the driver is looking. The zone map (angles per zone) lives in the perception config.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GazeZone {
    RoadAhead,
    LeftMirror,
    RightMirror,
    RearviewMirror,
    InstrumentCluster,
    CentreDisplay,
    LapPhone,
    Passenger,
    /// Looking somewhere outside every mapped zone.
    Off,
    /// Cannot tell (no face, eyes not visible).
    #[default]
    Unknown,
}

impl GazeZone {
    /// Euro NCAP counts the road ahead, mirrors and instrument cluster as driving-related glances.
    pub fn is_driving_related(self) -> bool {
        matches!(
            self,
            GazeZone::RoadAhead
                | GazeZone::LeftMirror
                | GazeZone::RightMirror
                | GazeZone::RearviewMirror
                | GazeZone::InstrumentCluster
        )
    }
}

/// Health of the camera as perception sees it. Never silence: a fault is an explicit state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraStatus {
    Ok,
    /// No frame arrived for longer than the configured timeout.
    NoFrames,
    /// The image is (nearly) black: lens covered or no illumination.
    Black,
    /// Consecutive frames are identical: a frozen camera or pipeline.
    Frozen,
    /// The image is blown out (glare, IR flood).
    Saturated,
    /// The frame was unusable (bad size, truncated buffer).
    Corrupt,
    /// The image looks fine but no face is found.
    FaceLost,
}

/// A 2D point in image pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point2 {
    pub x: f32,
    pub y: f32,
}

/// An axis-aligned box in image pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// Head orientation in degrees, camera frame: yaw positive = driver turns to their left, pitch positive = up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeadPose {
    pub yaw_deg: f32,
    pub pitch_deg: f32,
    pub roll_deg: f32,
}

/// One eye's measurements.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EyeObservation {
    /// Eyelid aperture over eye width, as measured.
    pub openness_raw: f32,
    /// Openness relative to this driver's learned open-eye baseline (1 = normally open, 0 = closed);
    /// `None` until the baseline is calibrated.
    pub openness: Option<f32>,
    /// Iris centre offset from the eye centre, normalised by eye width (x right, y down).
    pub iris_offset: Option<Point2>,
    /// Eye contour points in image pixels (for drawing; may be empty).
    pub contour: Vec<Point2>,
}

/// A detected face and everything measured on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Face {
    /// Detector confidence, 0..1.
    pub score: f32,
    pub bbox: BoundingBox,
    /// Detector keypoints: right eye, left eye, nose tip, mouth, right ear, left ear (image pixels).
    pub keypoints: Vec<Point2>,
    pub left_eye: EyeObservation,
    pub right_eye: EyeObservation,
    pub head_pose: HeadPose,
    /// Gaze direction (head pose plus eye-in-head), degrees.
    pub gaze_yaw_deg: f32,
    pub gaze_pitch_deg: f32,
    pub gaze_zone: GazeZone,
}

/// The camera node's output for one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceObservation {
    /// Sequence number of the camera frame this was computed from.
    pub frame_seq: u64,
    pub camera: CameraStatus,
    /// Mean image brightness 0..255 (explains camera quality; not a verdict on the driver).
    pub brightness: f32,
    pub face: Option<Face>,
}
