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
