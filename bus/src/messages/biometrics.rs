//! Biometric signals (ECG, PPG) and the heart figures derived from them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BiometricKind {
    /// Electrocardiogram (steering-wheel or seat electrodes), millivolts.
    Ecg,
    /// Photoplethysmogram (optical pulse), arbitrary units.
    Ppg,
}

/// A chunk of consecutive samples; the header stamp is the time of the first sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BiometricChunk {
    pub kind: BiometricKind,
    pub sample_rate_hz: f32,
    /// Samples in order. May contain NaN (a sensor fault): consumers must flag, not crash.
    pub samples: Vec<f32>,
}

/// Something wrong with a biometric signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalFlag {
    NotANumber,
    OutOfRange,
    LeadOff,
    Flatline,
    Artefact,
    BadSampleRate,
    TooFewBeats,
}

/// Heart figures from one biometric source over a sliding window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeartState {
    pub kind: BiometricKind,
    /// Heart rate, only when the signal quality allows a confident figure.
    pub heart_rate_bpm: Option<f32>,
    /// Root mean square of successive RR differences, ms.
    pub rmssd_ms: Option<f32>,
    /// Standard deviation of RR intervals, ms.
    pub sdnn_ms: Option<f32>,
    /// Signal-quality index, 0 (unusable) to 1 (clean).
    pub quality: f32,
    pub flags: Vec<SignalFlag>,
    /// Beats detected in the window.
    pub beats: u32,
}
