//! The resolved, validated sections of a scenario other than the route and the driver: camera,
//! biometrics, environment, speech and conversation, scoring expectations.

use super::timeline::{Keyframes, Steps};
use cabin_bus::messages::{AmbientLight, InterestKind, Speaker, Weather};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How the driver camera's frames are made.
#[derive(Clone, Debug, PartialEq)]
pub enum CameraSource {
    /// The 2.5D face-mesh renderer ([`crate::camera`]) drawing the driver script.
    Synthetic,
    /// A video file read with OpenCV (frames are taken in order, one per camera tick).
    Video(PathBuf),
    /// A folder of images (sorted by name), one per camera tick.
    Images(PathBuf),
    /// No camera frames.
    None,
}

/// Colour of the published frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraColor {
    /// 8-bit greyscale, like the near-infrared cameras of driver monitoring systems.
    Ir,
    /// 8-bit BGR.
    Rgb,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CameraSpec {
    pub source: CameraSource,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub color: CameraColor,
    /// Sensor noise standard deviation in grey levels at unit gain.
    pub noise: f64,
    /// Optical blur (Gaussian sigma, pixels).
    pub blur_sigma: f64,
    pub head_distance_m: f64,
    /// Horizontal field of view, degrees.
    pub fov_deg: f64,
    /// Auto-exposure time constant, seconds (how long the image stays too dark entering a tunnel).
    pub exposure_lag_s: f64,
    /// Loop a real video / image folder when it ends (else the camera stops publishing).
    pub looped: bool,
}

/// The scenario format's `[camera]` defaults: a synthetic 640x480 near-infrared camera at 15 fps.
/// Scenario files start from these, and so do the benches and examples that render frames directly.
impl Default for CameraSpec {
    fn default() -> Self {
        CameraSpec {
            source: CameraSource::Synthetic,
            fps: 15.0,
            width: 640,
            height: 480,
            color: CameraColor::Ir,
            noise: 2.0,
            blur_sigma: 0.7,
            head_distance_m: 0.65,
            fov_deg: 50.0,
            exposure_lag_s: 0.8,
            looped: false,
        }
    }
}

/// An artefact injected into a generated biometric signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtefactKind {
    /// An electrode lost contact: the front end saturates at its rail.
    LeadOff,
    /// Motion: large baseline swings and spikes.
    Motion,
    /// The sensor reports NaN samples.
    Nan,
    /// Clipping at the ADC range.
    Saturation,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Artefact {
    pub kind: ArtefactKind,
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SignalSource {
    /// ECG: McSharry's dynamical model; PPG: a two-Gaussian pulse per beat of the same heart.
    Generator,
    /// Samples from a CSV column, at the given rate, from t = 0.
    Csv { file: PathBuf, samples: Vec<f32> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct SignalSpec {
    pub source: SignalSource,
    pub sample_rate_hz: f64,
    /// Samples per published chunk, in seconds.
    pub chunk_s: f64,
    /// Additive white noise (mV for ECG, a.u. for PPG).
    pub noise: f64,
    pub artefacts: Vec<Artefact>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BiometricsSpec {
    pub heart_rate_bpm: Keyframes,
    /// Standard deviation of the heart rate (McSharry's `hrstd`), bpm.
    pub hrv_std_bpm: f64,
    /// Low/high frequency power ratio of the RR tachogram.
    pub lf_hf_ratio: f64,
    pub respiration_hz: f64,
    pub ecg: Option<SignalSpec>,
    pub ppg: Option<SignalSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentSpec {
    pub rate_hz: f64,
    pub co2_ppm: Keyframes,
    pub temperature_c: Keyframes,
    pub humidity_pct: Keyframes,
    pub outside_temperature_c: Keyframes,
    pub ambient_light: Steps<AmbientLight>,
    pub weather: Steps<Weather>,
}

/// How scripted utterances reach the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeechMode {
    /// Text on the scripted-speech topic (no speech-to-text involved).
    Text,
    /// Audio synthesised with espeak-ng on the audio topic (the speech-to-text path hears it).
    Audio,
    /// Both.
    Both,
}

/// `[speech]` of a scenario file (which is read straight into it, then checked).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeechSpec {
    pub mode: SpeechMode,
    pub voice: String,
    pub words_per_min: u32,
    /// Audio chunk length, milliseconds.
    pub chunk_ms: u32,
    /// Cabin noise floor (uniform white noise amplitude, [-1, 1] scale); 0 = digital silence.
    pub noise_level: f64,
    /// Peak amplitude speech is normalised to.
    pub amplitude: f64,
}

impl Default for SpeechSpec {
    fn default() -> Self {
        SpeechSpec {
            mode: SpeechMode::Text,
            voice: "en-us".into(),
            words_per_min: 150,
            chunk_ms: 100,
            noise_level: 0.0,
            amplitude: 0.5,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScriptedUtterance {
    pub at_s: f64,
    pub speaker: Speaker,
    pub text: String,
    pub voice: Option<String>,
    pub line: usize,
}

/// A suggestion the stack is expected to make (scored by `cabin score`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuggestionExpectation {
    pub interest: InterestKind,
    /// The POI's name, if a specific one is expected.
    pub poi: Option<String>,
    pub after_s: f64,
    pub before_s: f64,
    pub line: usize,
}

/// `[scoring]` of a scenario file (which is read straight into it, then checked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringSpec {
    /// An alert up to this long after an episode ends still counts for it.
    pub grace_s: f64,
    /// Continuous eyes-off-road time that makes a glance a long distraction (Euro NCAP: 3 s).
    pub long_distraction_s: f64,
    /// Face-absent stretches shorter than this are not scored.
    pub min_absent_s: f64,
}

impl Default for ScoringSpec {
    fn default() -> Self {
        ScoringSpec {
            grace_s: 3.0,
            long_distraction_s: 3.0,
            min_absent_s: 2.0,
        }
    }
}
