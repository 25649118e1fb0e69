//! The driver camera, as a library usable without the bus: frames in, face observations out.
//!
//! Stages, each in its own file: [`frame`] (zero-copy OpenCV view of a validated frame), [`detector`]
//! (BlazeFace), [`eyes`] (eye crops + iris model), [`head_pose`] (solvePnP), [`baseline`] (the driver's
//! open-eye baseline), [`gaze`] (zone map), [`health`] (camera faults), [`pipeline`] (all of them per
//! frame), [`perceive`] (stills, folders, videos for `cabin perceive`) and [`annotate`] (drawing).

pub mod annotate;
pub mod baseline;
pub mod detector;
pub mod eyes;
pub mod frame;
pub mod gaze;
pub mod head_pose;
pub mod health;
mod model_output;
pub mod perceive;
pub mod pipeline;

pub use baseline::{EyeBaseline, EyeBaselineConfig};
pub use detector::{Detection, DetectorConfig, FaceDetector, ImageStats};
pub use eyes::{EyeCrop, EyeMeasurement, IrisModel};
pub use frame::{camera_frame_from_mat, FrameView};
pub use gaze::{GazeZoneMap, ZoneRect};
pub use head_pose::{HeadPoseConfig, HeadPoseEstimator, HeadPoseMethod, PoseEstimate};
pub use health::{CameraHealth, CameraHealthConfig};
pub use perceive::{perceive_path, perceive_path_with};
pub use pipeline::{CameraConfig, CameraPipeline, FrameAnalysis, LearningGate, PresenceConfig};
