//! Example inputs for the agent's tests and benches (the agent's side of `cabin_bus::fixtures`).

use cabin_bus::messages::{Distraction, DriverState, Drowsiness, Monitoring};

/// A monitored driver at 25 m/s with sleepiness `kss`, eyes off the road for `eyes_off_s` (a long
/// distraction from 2 s, as the driver-state policy flags it).
pub fn driver(eyes_off_s: f32, kss: f32) -> DriverState {
    DriverState {
        valid: true,
        monitoring: Monitoring::Available,
        distraction: Distraction {
            eyes_off_road_s: eyes_off_s,
            long_distraction: eyes_off_s >= 2.0,
            ..Default::default()
        },
        drowsiness: Drowsiness {
            kss,
            ..Default::default()
        },
        unresponsive: false,
        heart_rate_bpm: None,
        hrv_rmssd_ms: None,
        speed_mps: 25.0,
        calibration: 1.0,
    }
}
