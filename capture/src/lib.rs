//! Live sensors: GStreamer pipelines in, bus messages out.
//!
//! sensor (v4l2src / rtspsrc / alsasrc ...) -> appsink -> `sensors/camera`, `sensors/audio`
//!
//! GStreamer through gstreamer-rs rather than OpenCV's GStreamer backend: the appsink hands us each buffer's
//! pipeline timestamp (PTS against the pipeline clock), which frames are stamped from; OpenCV's VideoCapture
//! hides it, and has no audio at all. The RTSP server of a HIL bench (`cabin hil --rtsp`) is gst-rtsp-server,
//! the same library.

pub mod camera;
pub mod camera_frame;
pub mod error;
pub mod microphone;
pub mod microphone_chunker;
pub mod microphone_pipeline;
pub mod pipeline;
mod register;
pub mod rtsp_server;

pub use camera::{CameraFormat, GstCamera, GstCameraParams};
pub use camera_frame::{CameraCounts, CameraHandle};
pub use error::CaptureError;
pub use microphone::{MicrophoneConfig, MicrophoneNode, MicrophoneStats};
pub use register::register;
