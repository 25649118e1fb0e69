//! Driver state: face, heart, vehicle and cabin fused into a [`DriverState`](cabin_bus::messages::DriverState)
//! and alerts, by a pure policy ([`DriverPolicy`]) the node steps at a fixed rate.
//!
//! [`config`] (thresholds with sources, `config/driver_state.toml`), [`distraction`] (Euro NCAP +
//! awareness budget), [`drowsiness`] (PERCLOS, blinks, microsleeps, KSS), [`calibration`] (the driver's
//! neutral gaze), [`alerts`] (escalation and hysteresis), [`window`] (time-weighted sliding windows),
//! [`policy`] (all of it).

pub mod alerts;
pub mod calibration;
pub mod config;
pub mod distraction;
pub mod drowsiness;
pub mod policy;
pub mod window;

pub use config::{DriverStateConfig, DEFAULT_DRIVER_STATE_TOML};
pub use policy::{DriverPolicy, StepOutput};
