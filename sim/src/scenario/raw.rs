//! The scenario file as written: serde structs that mirror the TOML one to one.
//!
//! Every struct denies unknown fields (a typo is an error, not a silently ignored key) and every table
//! entry is wrapped in `Spanned` so checks after parsing can still point at the right line.
//! `sim/scenarios/README.md` documents each field; keep the two in step.

use super::driver::{GlanceDirection, GlanceStyle, Pose, WearItem};
use super::sections::{ArtefactKind, CameraColor, CameraSpec, ScoringSpec, SpeechSpec};
use super::timeline::{RawCurve, RawSteps};
use cabin_bus::messages::{AmbientLight, GazeZone, InterestKind, PoiCategory, Speaker, Weather};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub scenario: Spanned<RawHeader>,
    pub route: Spanned<RawRoute>,
    pub pois: Option<Spanned<RawPois>>,
    pub driver: Option<Spanned<RawDriver>>,
    pub camera: Option<Spanned<RawCamera>>,
    pub biometrics: Option<Spanned<RawBiometrics>>,
    pub environment: Option<Spanned<RawEnvironment>>,
    pub speech: Option<Spanned<RawSpeech>>,
    #[serde(default)]
    pub conversation: Vec<Spanned<RawUtterance>>,
    pub expect: Option<Spanned<RawExpect>>,
    pub scoring: Option<Spanned<RawScoring>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub duration_s: f64,
    #[serde(default = "default_start_time")]
    pub start_time: String,
    #[serde(default = "one")]
    pub seed: u64,
}

fn default_start_time() -> String {
    "12:00".into()
}
fn one() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    #[serde(default)]
    pub name: String,
    #[serde(default = "ten")]
    pub rate_hz: f64,
    pub points: Option<Vec<(f64, f64)>>,
    pub file: Option<String>,
    pub speed_kmh: RawCurve,
}

fn ten() -> f64 {
    10.0
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawPois {
    pub files: Vec<String>,
    pub place: Vec<Spanned<RawPoi>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPoi {
    pub id: Option<u64>,
    pub name: String,
    pub category: PoiCategory,
    pub lat: f64,
    pub lon: f64,
    pub brand: Option<String>,
    pub opening_hours: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawDriver {
    /// Whose face the synthetic camera draws (cabin issue 11.3); `None` = the default driver.
    pub face: Option<String>,
    pub neutral: Pose,
    pub head_sway_deg: f64,
    pub blink_rate_per_min: f64,
    pub blink_duration_ms: f64,
    pub glance: Vec<Spanned<RawGlance>>,
    pub time_sharing: Vec<Spanned<RawTimeSharing>>,
    pub drowsy: Vec<Spanned<RawDrowsy>>,
    pub microsleep: Vec<Spanned<RawMicrosleep>>,
    pub slow_closure: Vec<Spanned<RawSlowClosure>>,
    pub head_pose: Vec<Spanned<RawHeadPose>>,
    pub face_absent: Vec<Spanned<RawInterval>>,
    pub camera_blocked: Vec<Spanned<RawInterval>>,
    pub wear: Vec<Spanned<RawWear>>,
    pub phone: Vec<Spanned<RawPhone>>,
}

/// `[[driver.phone]]`: the driver raises a phone into view and looks at it (Euro NCAP 2026 phone use).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPhone {
    /// The look at the phone, like a glance: starts turning at `at_s`, back on the road at
    /// `at_s + duration_s`.
    pub at_s: f64,
    pub duration_s: f64,
    #[serde(default)]
    pub style: GlanceStyle,
    #[serde(default = "transition")]
    pub transition_s: f64,
    /// How long the phone takes to come up from the lap before the look (and to go back after it).
    #[serde(default = "phone_raise")]
    pub raise_s: f64,
    /// Where the screen centre is from the driver's eyes (defaults: `driver::PHONE_RAISED_*`).
    pub yaw_deg: Option<f64>,
    pub pitch_deg: Option<f64>,
    pub distance_mm: Option<f64>,
}

fn phone_raise() -> f64 {
    super::driver::PHONE_RAISE_S
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWear {
    pub item: WearItem,
    #[serde(default)]
    pub from_s: f64,
    pub to_s: Option<f64>,
    pub ir_transmittance: Option<f64>,
}

impl Default for RawDriver {
    fn default() -> Self {
        RawDriver {
            face: None,
            neutral: Pose::default(),
            head_sway_deg: 1.0,
            blink_rate_per_min: 15.0,
            blink_duration_ms: 150.0,
            glance: vec![],
            time_sharing: vec![],
            drowsy: vec![],
            microsleep: vec![],
            slow_closure: vec![],
            head_pose: vec![],
            face_absent: vec![],
            camera_blocked: vec![],
            wear: vec![],
            phone: vec![],
        }
    }
}

fn transition() -> f64 {
    0.3
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGlance {
    pub at_s: f64,
    pub duration_s: f64,
    pub direction: GlanceDirection,
    #[serde(default)]
    pub style: GlanceStyle,
    pub yaw_deg: Option<f64>,
    pub pitch_deg: Option<f64>,
    pub eye_yaw_deg: Option<f64>,
    pub eye_pitch_deg: Option<f64>,
    #[serde(default = "transition")]
    pub transition_s: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTimeSharing {
    pub at_s: f64,
    pub direction: GlanceDirection,
    #[serde(default)]
    pub style: GlanceStyle,
    pub glances: u32,
    pub glance_s: f64,
    pub between_s: f64,
    #[serde(default = "transition")]
    pub transition_s: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDrowsy {
    pub at_s: f64,
    pub duration_s: f64,
    #[serde(default = "drowsy_rate")]
    pub blink_rate_per_min: f64,
    #[serde(default = "drowsy_blink_ms")]
    pub blink_duration_ms: f64,
    #[serde(default = "drowsy_droop")]
    pub lid_droop: f64,
    #[serde(default = "drowsy_nod")]
    pub nod_deg: f64,
    #[serde(default = "drowsy_ramp")]
    pub ramp_s: f64,
}

fn drowsy_rate() -> f64 {
    24.0
}
fn drowsy_blink_ms() -> f64 {
    400.0
}
fn drowsy_droop() -> f64 {
    0.3
}
fn drowsy_nod() -> f64 {
    4.0
}
fn drowsy_ramp() -> f64 {
    15.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMicrosleep {
    pub at_s: f64,
    /// Time fully closed.
    pub duration_s: f64,
    #[serde(default = "closing")]
    pub closing_s: f64,
    #[serde(default = "opening")]
    pub opening_s: f64,
    #[serde(default = "head_drop")]
    pub head_drop_deg: f64,
}

fn closing() -> f64 {
    0.8
}
fn opening() -> f64 {
    0.3
}
fn head_drop() -> f64 {
    8.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSlowClosure {
    pub at_s: f64,
    pub closing_s: f64,
    #[serde(default)]
    pub hold_s: f64,
    #[serde(default = "opening")]
    pub opening_s: f64,
    #[serde(default = "full")]
    pub closure: f64,
    #[serde(default)]
    pub head_drop_deg: f64,
}

fn full() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeadPose {
    pub at_s: f64,
    pub duration_s: f64,
    #[serde(default)]
    pub yaw_deg: f64,
    #[serde(default)]
    pub pitch_deg: f64,
    #[serde(default)]
    pub roll_deg: f64,
    #[serde(default = "half")]
    pub transition_s: f64,
    pub zone: Option<GazeZone>,
}

fn half() -> f64 {
    0.5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInterval {
    pub at_s: f64,
    pub duration_s: f64,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawCamera {
    pub source: String,
    pub path: Option<String>,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub color: CameraColor,
    pub noise: f64,
    pub blur_sigma: f64,
    pub head_distance_m: f64,
    pub fov_deg: f64,
    pub exposure_lag_s: f64,
    #[serde(rename = "loop")]
    pub looped: bool,
}

/// The file's defaults are [`CameraSpec::default`]'s; `source` and `path` are resolved from text.
impl Default for RawCamera {
    fn default() -> Self {
        let spec = CameraSpec::default();
        RawCamera {
            source: "synthetic".into(),
            path: None,
            fps: spec.fps,
            width: spec.width,
            height: spec.height,
            color: spec.color,
            noise: spec.noise,
            blur_sigma: spec.blur_sigma,
            head_distance_m: spec.head_distance_m,
            fov_deg: spec.fov_deg,
            exposure_lag_s: spec.exposure_lag_s,
            looped: spec.looped,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawBiometrics {
    pub heart_rate_bpm: RawCurve,
    pub hrv_std_bpm: f64,
    pub lf_hf_ratio: f64,
    pub respiration_hz: f64,
    pub ecg: Option<Spanned<RawSignal>>,
    pub ppg: Option<Spanned<RawSignal>>,
}

impl Default for RawBiometrics {
    fn default() -> Self {
        RawBiometrics {
            heart_rate_bpm: RawCurve::Constant(70.0),
            hrv_std_bpm: 1.0,
            lf_hf_ratio: 0.5,
            respiration_hz: 0.25,
            ecg: None,
            ppg: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSignal {
    #[serde(default = "generator")]
    pub source: String,
    pub file: Option<String>,
    pub column: Option<String>,
    pub sample_rate_hz: Option<f64>,
    #[serde(default = "chunk")]
    pub chunk_s: f64,
    pub noise: Option<f64>,
    #[serde(default)]
    pub artefact: Vec<Spanned<RawArtefact>>,
}

fn generator() -> String {
    "generator".into()
}
fn chunk() -> f64 {
    0.25
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArtefact {
    pub kind: ArtefactKind,
    pub at_s: f64,
    pub duration_s: f64,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawEnvironment {
    pub rate_hz: f64,
    pub co2_ppm: RawCurve,
    pub temperature_c: RawCurve,
    pub humidity_pct: RawCurve,
    pub outside_temperature_c: RawCurve,
    pub ambient_light: RawSteps<AmbientLight>,
    pub weather: RawSteps<Weather>,
}

impl Default for RawEnvironment {
    fn default() -> Self {
        RawEnvironment {
            rate_hz: 1.0,
            co2_ppm: RawCurve::Constant(600.0),
            temperature_c: RawCurve::Constant(21.0),
            humidity_pct: RawCurve::Constant(40.0),
            outside_temperature_c: RawCurve::Constant(12.0),
            ambient_light: RawSteps::Constant(AmbientLight::Day),
            weather: RawSteps::Constant(Weather::Clear),
        }
    }
}

/// `[speech]` is written as it is resolved: the checks of ranges happen in place.
pub(crate) type RawSpeech = SpeechSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUtterance {
    pub at_s: f64,
    pub speaker: Speaker,
    pub text: String,
    pub voice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub suggestion: Vec<Spanned<RawExpectSuggestion>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectSuggestion {
    pub interest: InterestKind,
    pub poi: Option<String>,
    pub after_s: f64,
    pub before_s: f64,
}

/// `[scoring]` is written as it is resolved: the checks of ranges happen in place.
pub(crate) type RawScoring = ScoringSpec;
