//! Cabin audio and what was said.

use serde::{Deserialize, Serialize};

/// 16 kHz (or other rate) mono audio from a cabin microphone. Raw audio stays on the host by default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioChunk {
    pub sample_rate_hz: u32,
    /// Which microphone / seat zone.
    pub channel: u8,
    /// Samples in [-1, 1].
    pub samples: Vec<f32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Driver,
    Passenger,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UtteranceSource {
    /// From the scenario's conversation script (text, no audio).
    Script,
    /// Transcribed on device from audio.
    SpeechToText,
}

/// Something a person in the cabin said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    pub speaker: Speaker,
    pub text: String,
    pub source: UtteranceSource,
    /// Duration of the speech segment, seconds (0 for scripted text).
    pub duration_s: f32,
}
