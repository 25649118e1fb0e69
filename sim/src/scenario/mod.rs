//! Scenarios: a drive as a timeline, written in TOML.
//!
//! A scenario describes everything the simulator publishes — the route and the vehicle's speed, the
//! POIs along it, what the driver does (which is also the ground truth the stack is scored against),
//! the camera, heart signals, cabin environment and conversation. The format is documented in
//! `sim/scenarios/README.md`, with a commented example in `sim/scenarios/example.toml`; the default
//! drive (`sim/scenarios/default.toml`) is compiled into the binary.
//!
//! Parsing is two steps: serde reads the file into the raw structs of [`raw`] (syntax, types, unknown
//! keys), then [`resolve`] checks meaning (times inside the drive, a microsleep of at least 1 s, files
//! that exist) and builds the typed [`Scenario`]. Both steps report `file:line: field: message`.

mod driver;
mod error;
pub mod generate;
mod geofiles;
mod raw;
mod resolve;
mod route;
mod sections;
mod timeline;

pub use driver::{
    is_valid_face_id, smoothstep, Blink, Closure, DriverPose, DriverScript, Drowsy, Episode,
    EpisodeKind, GazeSegment, GlanceDirection, GlanceStyle, HeldPhone, Interval, PhoneHold, Pose,
    Wear, WearItem, Worn, DEFAULT_FACE, PHONE_DISTANCE_MM, PHONE_RAISED_PITCH_DEG,
    PHONE_RAISED_YAW_DEG,
};
pub use error::ScenarioError;
pub use route::{LocalFrame, Projection, RoutePath, RouteSpec, SpeedProfile, VehicleSample};
pub use sections::{
    Artefact, ArtefactKind, BiometricsSpec, CameraColor, CameraSource, CameraSpec, EnvironmentSpec,
    ScoringSpec, ScriptedUtterance, SignalSource, SignalSpec, SpeechMode, SpeechSpec,
    SuggestionExpectation,
};
pub use timeline::{Keyframes, Steps};

use cabin_bus::messages::{OpeningHours, Poi};
use cabin_bus::time::SimDuration;
use serde::Serialize;
use std::path::Path;

/// The text of the built-in default scenario.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// A parsed, validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Where it was read from (`<default>` for the built-in one).
    pub file: String,
    pub duration_s: f64,
    /// Local time of day at t = 0, seconds since midnight.
    pub start_time_of_day_s: u32,
    pub seed: u64,
    pub route: RouteSpec,
    pub pois: Vec<Poi>,
    pub driver: DriverScript,
    pub camera: CameraSpec,
    pub biometrics: BiometricsSpec,
    pub environment: EnvironmentSpec,
    pub speech: SpeechSpec,
    pub conversation: Vec<ScriptedUtterance>,
    pub expectations: Vec<SuggestionExpectation>,
    pub scoring: ScoringSpec,
}

/// When the vehicle passes a POI.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PoiPassage {
    pub poi_id: u64,
    pub name: String,
    /// Distance from the route, metres.
    pub offset_m: f64,
    /// Distance along the route of the closest point, metres.
    pub along_m: f64,
    /// When the vehicle reaches the closest point, seconds (None: not within the drive).
    pub at_s: Option<f64>,
    /// Whether the POI is open at that time.
    pub open: bool,
}

impl Scenario {
    /// The built-in default scenario.
    pub fn default_scenario() -> Result<Scenario, ScenarioError> {
        Scenario::parse(DEFAULT_SCENARIO, "<default>", None)
    }

    /// `"default"` (or an empty string) for the built-in scenario, else a path to a TOML file.
    pub fn from_name_or_path(s: &str) -> Result<Scenario, ScenarioError> {
        if s.is_empty() || s == "default" {
            Scenario::default_scenario()
        } else {
            Scenario::load(Path::new(s))
        }
    }

    /// Reads a scenario file; relative paths inside it are relative to its folder.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::new(&file, 0, "-", format!("cannot read: {e}")))?;
        Scenario::parse(&text, &file, path.parent())
    }

    /// Parses scenario text; `file` names it in errors, `base_dir` resolves relative file paths.
    pub fn parse(
        text: &str,
        file: &str,
        base_dir: Option<&Path>,
    ) -> Result<Scenario, ScenarioError> {
        resolve::parse(text, file, base_dir)
    }

    pub fn duration(&self) -> SimDuration {
        SimDuration::from_secs_f64(self.duration_s)
    }

    /// The scored ground-truth episodes, by start time.
    pub fn episodes(&self) -> &[Episode] {
        &self.driver.episodes
    }

    /// Local time of day at `t` seconds into the drive, seconds since midnight.
    pub fn time_of_day_at(&self, t: f64) -> u32 {
        ((self.start_time_of_day_s as f64 + t.max(0.0)).floor() as u64 % 86_400) as u32
    }

    /// For each POI, how far it is from the route and when the vehicle passes it.
    pub fn poi_passages(&self) -> Vec<PoiPassage> {
        self.pois
            .iter()
            .map(|p| {
                let proj = self.route.path.project(p.position);
                let at_s = self
                    .route
                    .speed
                    .time_at_distance(proj.along_m, self.duration_s);
                let hours = OpeningHours::parse(p.opening_hours.as_deref());
                let open = at_s.is_some_and(|t| {
                    hours
                        .as_ref()
                        .is_ok_and(|h| h.is_open_at(self.time_of_day_at(t) as f64))
                });
                PoiPassage {
                    poi_id: p.id,
                    name: p.name.clone(),
                    offset_m: proj.offset_m,
                    along_m: proj.along_m,
                    at_s,
                    open,
                }
            })
            .collect()
    }
}
