//! # cabin-perception
//!
//! On-device perception of the driver, in the order the data flows:
//!
//! ```text
//! sensors/camera --[camera]--> perception/face ----+
//! sensors/ecg,ppg --[biometrics]--> perception/heart --+--[driver_state]--> perception/driver_state
//! vehicle/state, vehicle/environment ----------------+                     perception/alert
//! ```
//!
//! - [`camera`]: the camera pipeline as a library (BlazeFace, iris model, head pose, gaze zone, camera
//!   health), plus [`perceive_path`] for the `cabin perceive` command;
//! - [`biometrics`]: ECG/PPG beat detection, heart rate, HRV and signal quality;
//! - [`driver_state`]: the pure policy fusing them into a driver state and alerts;
//! - [`nodes`]: the three bus nodes and [`register`].
//!
//! Models run on ONNX Runtime with one thread each ([`onnx`]); time comes from the runtime, never the
//! wall clock.

// `!(a > b)` is how the checks on sensor values and thresholds reject NaN along with wrong values: a
// NaN compares false both ways, so the negated form fails closed. Deliberate, hence allowed.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod biometrics;
pub mod camera;
pub mod driver_state;
pub mod error;
pub mod nodes;
pub mod onnx;

pub use camera::perceive_path;
pub use error::{PerceptionError, Result};

pub use nodes::register;
