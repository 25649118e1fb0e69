//! The fused driver state and the alerts raised from it.

use serde::{Deserialize, Serialize};

/// Whether the monitor can currently judge the driver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitoring {
    /// Calibrated and seeing the driver.
    Available,
    /// Still learning this driver's neutral pose and eye openness (progress 0..1).
    Calibrating { progress: f32 },
    /// Cannot monitor: camera blocked, face lost for long, or bad image.
    Unavailable { reason: String },
}

/// Drowsiness graded on the Karolinska Sleepiness Scale (1 = extremely alert .. 9 = fighting sleep).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Drowsiness {
    /// Estimated KSS, 1..9.
    pub kss: f32,
    /// Percentage of eyelid closure over the window (fraction of time eyes >= 80% closed), 0..1.
    pub perclos: f32,
    pub blinks_per_min: f32,
    pub mean_blink_ms: f32,
    /// Closures of 1 s or more in the window.
    pub microsleeps: u32,
}

/// Visual distraction per Euro NCAP driver-state-monitoring definitions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Distraction {
    /// Current continuous time with eyes off the forward road, seconds.
    pub eyes_off_road_s: f32,
    /// Cumulative time away from driving-related zones within the last 30 s, seconds.
    pub away_in_window_s: f32,
    pub long_distraction: bool,
    pub visual_time_sharing: bool,
    pub phone_use: bool,
}

/// The driver state, published at a fixed rate whether or not the inputs are valid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriverState {
    /// False when the state could not be judged from valid inputs (see `monitoring`).
    pub valid: bool,
    pub monitoring: Monitoring,
    pub distraction: Distraction,
    pub drowsiness: Drowsiness,
    pub unresponsive: bool,
    pub heart_rate_bpm: Option<f32>,
    pub hrv_rmssd_ms: Option<f32>,
    /// Vehicle speed used for gating, m/s.
    pub speed_mps: f32,
    /// Calibration progress of the driver's neutral pose / eye baseline, 0..1.
    pub calibration: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    LongDistraction,
    VisualTimeSharing,
    PhoneUse,
    Drowsiness,
    Microsleep,
    Unresponsive,
    CannotMonitor,
}

/// Escalation step of an alert. `Cleared` ends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Cleared,
    Info,
    Warning,
    Critical,
}

/// An alert raised, escalated or cleared. Published on change, not continuously.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub level: AlertLevel,
    /// Why, in words a test engineer can check ("eyes off road 3.2 s at 27 m/s").
    pub reason: String,
}
