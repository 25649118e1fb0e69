//! What can go wrong with a live sensor.

/// Errors of the capture crate.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// GStreamer could not be initialised (the library or its plugins are missing).
    #[error("GStreamer: {0}")]
    Init(String),
    /// The pipeline description does not parse, or names an element that is not installed.
    #[error("pipeline `{pipeline}`: {reason}")]
    Pipeline { pipeline: String, reason: String },
}
