//! The bus nodes of the perception crate and their registration.
//!
//! | kind | inputs | outputs | rate |
//! | --- | --- | --- | --- |
//! | `camera` | `sensors/camera` | `perception/face` (one per frame; `NoFrames` on silence) | per frame + 10 Hz check |
//! | `biometrics` | `sensors/ecg`, `sensors/ppg` | `perception/heart` (one per source) | 1 Hz |
//! | `driver_state` | `perception/face`, `perception/heart`, `vehicle/state`, `vehicle/environment` | `perception/driver_state`, `perception/alert` | 10 Hz |
//!
//! A spec's `rate_hz` overrides the default rate.

pub mod biometrics;
pub mod camera;
pub mod driver_state;

pub use biometrics::{BiometricsNode, BiometricsParams};
pub use camera::{CameraNode, CameraNodeParams};
pub use driver_state::{DriverStateNode, DriverStateParams};

use crate::error::PerceptionError;
use cabin_bus::prelude::{NodeError, NodeSpec, SimDuration};
use serde::de::DeserializeOwned;

/// Builds a node from its spec with `new(params, rate_hz)`: the typed params, the spec's `rate_hz` or
/// `default_hz`, and a build error reported against the spec's file and line.
fn build_from_spec<P: DeserializeOwned, N>(
    spec: &NodeSpec,
    default_hz: f64,
    new: impl FnOnce(P, f64) -> Result<N, PerceptionError>,
) -> Result<N, NodeError> {
    let params: P = spec.params()?;
    new(params, spec.rate_hz.unwrap_or(default_hz)).map_err(|e| NodeError::Config {
        node: spec.name.to_string(),
        reason: format!("{}:{}: {e}", spec.file, spec.line),
    })
}

/// The tick period of a node running at `rate_hz`; a config error naming `what` if the rate is unusable.
fn tick_period(what: &str, rate_hz: f64) -> Result<SimDuration, PerceptionError> {
    SimDuration::from_hz(rate_hz)
        .ok_or_else(|| PerceptionError::Config(format!("{what} rate {rate_hz} Hz")))
}

/// Registers `camera`, `biometrics` and `driver_state`.
pub fn register(registry: &mut cabin_bus::runtime::Registry) {
    registry.register(
        "camera",
        "driver camera -> face observations (BlazeFace, iris model, head pose, gaze zone, camera health)",
        |spec| Ok(Box::new(CameraNode::from_spec(spec)?)),
    );
    registry.register(
        "biometrics",
        "ECG/PPG -> heart rate, HRV and signal quality (Pan-Tompkins, Elgendi)",
        |spec| Ok(Box::new(BiometricsNode::from_spec(spec)?)),
    );
    registry.register(
        "driver_state",
        "face + heart + vehicle -> driver state and alerts (Euro NCAP distraction, KSS drowsiness)",
        |spec| Ok(Box::new(DriverStateNode::from_spec(spec)?)),
    );
}
