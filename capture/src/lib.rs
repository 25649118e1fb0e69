//! Live sensors: GStreamer pipelines in, bus messages out.
//!
//! sensor (v4l2src / rtspsrc / alsasrc ...) -> appsink -> `sensors/camera`, `sensors/audio`
//!
//! GStreamer through gstreamer-rs rather than OpenCV's GStreamer backend: the appsink hands us each buffer's
//! pipeline timestamp (PTS against the pipeline clock), which frames are stamped from; OpenCV's VideoCapture
//! hides it, and has no audio at all. The RTSP server of a HIL bench (`cabin hil --rtsp`) is gst-rtsp-server,
//! the same library.

pub mod error;
mod register;

pub use error::CaptureError;
pub use register::register;
