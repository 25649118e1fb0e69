//! Points of interest, the agent's memory of interests, its suggestions and decisions, and the driver's answers.

use super::{GeoPoint, Speaker};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoiCategory {
    Coffee,
    Fuel,
    Charging,
    Restaurant,
    FastFood,
    RestArea,
    Toilet,
    Shop,
    Other,
}

/// A point of interest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Poi {
    pub id: u64,
    pub name: String,
    pub category: PoiCategory,
    pub position: GeoPoint,
    /// Brand or chain, if any.
    pub brand: Option<String>,
    /// Opening hours as `HH:MM-HH:MM` ranges separated by commas; `None` = always open.
    pub opening_hours: Option<String>,
}

/// The POIs known for this drive, published once as state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoiSet {
    pub pois: Vec<Poi>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestKind {
    Coffee,
    Food,
    Fuel,
    Charging,
    Toilet,
    Rest,
    FreshAir,
    /// A named place or brand (see `detail`).
    Place,
}

/// One live interest in the agent's memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interest {
    pub kind: InterestKind,
    /// A brand or place name when one was said.
    pub detail: Option<String>,
    pub speaker: Speaker,
    /// Confidence after decay, 0..1.
    pub confidence: f32,
    /// When it was (last) expressed, seconds of sim time.
    pub since_s: f64,
}

/// The agent's current interests, published as state on change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InterestSet {
    pub interests: Vec<Interest>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionAction {
    /// Stop at a POI.
    Stop {
        poi: Poi,
        distance_m: f64,
        detour_s: f32,
    },
    /// A cabin action (fresh air, temperature).
    Cabin { action: String },
}

/// A proposal spoken/shown to the driver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Unique within a drive; the driver's response refers to it.
    pub id: u64,
    pub interest: InterestKind,
    pub action: SuggestionAction,
    /// What is said to the driver.
    pub text: String,
    /// Which language backend phrased it (`local`, `http`, `template`), and whether it fell back.
    pub phrased_by: String,
    /// Why this, why now.
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accept,
    Decline,
}

/// How an answer was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseSource {
    /// A button on the HMI. The default, so an HMI that does not say (older JSON) means touch.
    #[default]
    Touch,
    /// Spoken after the suggestion, read from an utterance by the agent; `speaker` is who said it.
    Voice { speaker: Speaker },
}

/// The driver's answer to a suggestion (from the HMI's buttons; spoken answers are read by the agent
/// itself from the utterances and never published here, so the HMI stays the topic's only publisher).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserResponse {
    pub suggestion_id: u64,
    pub answer: Answer,
    #[serde(default)]
    pub source: ResponseSource,
}

/// Why the agent did or did not speak: the explainable log of its policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentDecision {
    /// `proposed`, `held_back`, `no_candidate`, `interest_added`, `interest_cancelled`, ...
    pub decision: String,
    pub interest: Option<InterestKind>,
    pub poi_id: Option<u64>,
    pub reason: String,
}
