//! Topics: their names, key expressions, payload types and queue policies.
//!
//! # Key expression scheme
//!
//! Every topic lives at `cabin/<vehicle>/<domain>/<topic>` in zenoh, for example
//! `cabin/demo/perception/driver_state`. `<vehicle>` isolates vehicles (or test runs) sharing a network;
//! `<domain>` is one of `sensors`, `vehicle`, `map`, `sim`, `perception`, `agent`, `hmi`, `diagnostics`.
//! `cabin/<vehicle>/**` is everything of one vehicle, `cabin/*/perception/alert` every vehicle's alerts.
//!
//! Each topic declares:
//! - its payload type ([`MessageKind`]), checked on publish and on decode;
//! - a [`QueuePolicy`] for subscriber queues: camera frames are *latest-only* (a late frame is worthless),
//!   events are *lossless* (an overflow is an error, counted and reported, never silent);
//! - whether it is a *state* topic: the last value is kept for late joiners;
//! - whether it is *host-local*: raw camera frames and audio never leave the process by default (privacy);
//! - whether it is *derived*: derived outputs go to the events log, raw inputs do not.

use crate::messages::{MessageKind, Payload};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// What a subscriber queue does when it is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueuePolicy {
    /// Keep only the newest message; an unread one is replaced (and counted as dropped).
    LatestOnly,
    /// Keep the newest `n`; the oldest is dropped (and counted) when a new one arrives.
    DropOldest(usize),
    /// Keep up to `n` and never drop silently: a publish into a full queue is an error (in process) or a
    /// counted, reported overflow (over the network, where the sender cannot be held back).
    Lossless(usize),
}

impl QueuePolicy {
    pub fn capacity(self) -> usize {
        match self {
            QueuePolicy::LatestOnly => 1,
            QueuePolicy::DropOldest(n) | QueuePolicy::Lossless(n) => n.max(1),
        }
    }
}

/// How a topic behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    pub id: TopicId,
    /// `<domain>/<topic>`, appended to `cabin/<vehicle>/`.
    pub path: &'static str,
    pub kind: MessageKind,
    pub policy: QueuePolicy,
    /// Late joiners get the last value at once.
    pub state: bool,
    /// Never leaves the host unless the config explicitly exports it (raw camera, raw audio).
    pub host_local: bool,
    /// Derived from the inputs: written to the events log.
    pub derived: bool,
}

macro_rules! topics {
    ($( $(#[$doc:meta])* $id:ident = $path:literal, $kind:ident, $policy:expr, state: $state:literal,
        local: $local:literal, derived: $derived:literal; )*) => {
        /// Every topic of the stack. The declaration order is the fixed order the deterministic executor
        /// uses to break ties, so it must never depend on run-time state.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[repr(u8)]
        pub enum TopicId {
            $( $(#[$doc])* $id, )*
        }

        /// The table of all topics, in [`TopicId`] order.
        pub const TOPICS: &[TopicInfo] = &[
            $( TopicInfo {
                id: TopicId::$id, path: $path, kind: MessageKind::$kind, policy: $policy,
                state: $state, host_local: $local, derived: $derived,
            }, )*
        ];
    };
}

topics! {
    /// Driver camera frames.
    Camera = "sensors/camera", CameraFrame, QueuePolicy::LatestOnly, state: false, local: true, derived: false;
    /// Cabin microphone audio.
    Audio = "sensors/audio", AudioChunk, QueuePolicy::Lossless(256), state: false, local: true, derived: false;
    /// ECG samples.
    Ecg = "sensors/ecg", BiometricChunk, QueuePolicy::Lossless(256), state: false, local: false, derived: false;
    /// PPG samples.
    Ppg = "sensors/ppg", BiometricChunk, QueuePolicy::Lossless(256), state: false, local: false, derived: false;
    /// Position, speed, heading, route progress.
    Vehicle = "vehicle/state", VehicleState, QueuePolicy::DropOldest(16), state: true, local: false, derived: false;
    /// Cabin environment and outside conditions.
    Environment = "vehicle/environment", CabinEnvironment, QueuePolicy::DropOldest(16), state: true, local: false, derived: false;
    /// The planned route.
    Route = "map/route", Route, QueuePolicy::Lossless(4), state: true, local: false, derived: false;
    /// Known points of interest.
    Pois = "map/pois", PoiSet, QueuePolicy::Lossless(4), state: true, local: false, derived: false;
    /// Simulator ground truth, for scoring only; never an input of perception.
    GroundTruth = "sim/ground_truth", DriverGroundTruth, QueuePolicy::Lossless(1024), state: false, local: false, derived: false;
    /// Scripted utterances (text from a scenario), before they join the utterance topic.
    ScriptedSpeech = "sim/speech", Utterance, QueuePolicy::Lossless(256), state: false, local: false, derived: false;
    /// Per-frame face observations.
    Face = "perception/face", FaceObservation, QueuePolicy::Lossless(256), state: false, local: false, derived: true;
    /// Heart rate / HRV from biometrics.
    Heart = "perception/heart", HeartState, QueuePolicy::Lossless(256), state: true, local: false, derived: true;
    /// Fused driver state.
    DriverState = "perception/driver_state", DriverState, QueuePolicy::Lossless(256), state: true, local: false, derived: true;
    /// Driver alerts (raised, escalated, cleared).
    Alert = "perception/alert", Alert, QueuePolicy::Lossless(256), state: false, local: false, derived: true;
    /// What people in the cabin said (transcribed or scripted).
    Utterance = "agent/utterance", Utterance, QueuePolicy::Lossless(256), state: false, local: true, derived: true;
    /// The agent's live interests.
    Interests = "agent/interests", InterestSet, QueuePolicy::Lossless(64), state: true, local: false, derived: true;
    /// Proposals to the driver.
    Suggestion = "agent/suggestion", Suggestion, QueuePolicy::Lossless(64), state: false, local: false, derived: true;
    /// The agent's explainable decisions.
    Decision = "agent/decision", AgentDecision, QueuePolicy::Lossless(256), state: false, local: false, derived: true;
    /// The driver's accept/decline from the HMI.
    Response = "hmi/response", UserResponse, QueuePolicy::Lossless(64), state: false, local: false, derived: true;
    /// Health reports.
    Diagnostics = "diagnostics", Diagnostic, QueuePolicy::DropOldest(1024), state: false, local: false, derived: true;
}

impl TopicId {
    pub fn info(self) -> &'static TopicInfo {
        &TOPICS[self as usize]
    }
    pub fn path(self) -> &'static str {
        self.info().path
    }
    /// The zenoh key expression of this topic for a vehicle: `cabin/<vehicle>/<path>`.
    pub fn key_expr(self, vehicle: &str) -> String {
        format!("cabin/{vehicle}/{}", self.path())
    }
    /// The topic whose path is `path` (`perception/alert`).
    pub fn from_path(path: &str) -> Option<TopicId> {
        TOPICS.iter().find(|t| t.path == path).map(|t| t.id)
    }
    /// The topic of a full key expression (`cabin/demo/perception/alert`), with its vehicle.
    pub fn from_key_expr(key: &str) -> Option<(String, TopicId)> {
        let rest = key.strip_prefix("cabin/")?;
        let (vehicle, path) = rest.split_once('/')?;
        Some((vehicle.to_string(), TopicId::from_path(path)?))
    }
    pub fn from_u8(b: u8) -> Option<TopicId> {
        TOPICS.get(b as usize).map(|t| t.id)
    }
    pub fn all() -> impl Iterator<Item = TopicId> {
        TOPICS.iter().map(|t| t.id)
    }
}

impl fmt::Display for TopicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A topic with its payload type known at compile time, so publishing the wrong type does not compile.
pub struct Topic<T> {
    pub id: TopicId,
    _payload: PhantomData<fn() -> T>,
}

impl<T> Clone for Topic<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Topic<T> {}

impl<T: Payload> Topic<T> {
    const fn new(id: TopicId) -> Self {
        Topic {
            id,
            _payload: PhantomData,
        }
    }
}

/// Typed handles for every topic.
pub mod topics {
    use super::{Topic, TopicId};
    use crate::messages::*;

    pub const CAMERA: Topic<CameraFrame> = Topic::new(TopicId::Camera);
    pub const AUDIO: Topic<AudioChunk> = Topic::new(TopicId::Audio);
    pub const ECG: Topic<BiometricChunk> = Topic::new(TopicId::Ecg);
    pub const PPG: Topic<BiometricChunk> = Topic::new(TopicId::Ppg);
    pub const VEHICLE: Topic<VehicleState> = Topic::new(TopicId::Vehicle);
    pub const ENVIRONMENT: Topic<CabinEnvironment> = Topic::new(TopicId::Environment);
    pub const ROUTE: Topic<Route> = Topic::new(TopicId::Route);
    pub const POIS: Topic<PoiSet> = Topic::new(TopicId::Pois);
    pub const GROUND_TRUTH: Topic<DriverGroundTruth> = Topic::new(TopicId::GroundTruth);
    pub const SCRIPTED_SPEECH: Topic<Utterance> = Topic::new(TopicId::ScriptedSpeech);
    pub const FACE: Topic<FaceObservation> = Topic::new(TopicId::Face);
    pub const HEART: Topic<HeartState> = Topic::new(TopicId::Heart);
    pub const DRIVER_STATE: Topic<DriverState> = Topic::new(TopicId::DriverState);
    pub const ALERT: Topic<Alert> = Topic::new(TopicId::Alert);
    pub const UTTERANCE: Topic<Utterance> = Topic::new(TopicId::Utterance);
    pub const INTERESTS: Topic<InterestSet> = Topic::new(TopicId::Interests);
    pub const SUGGESTION: Topic<Suggestion> = Topic::new(TopicId::Suggestion);
    pub const DECISION: Topic<AgentDecision> = Topic::new(TopicId::Decision);
    pub const RESPONSE: Topic<UserResponse> = Topic::new(TopicId::Response);
    pub const DIAGNOSTICS: Topic<Diagnostic> = Topic::new(TopicId::Diagnostics);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_id_order_and_paths_are_unique() {
        for (i, t) in TOPICS.iter().enumerate() {
            assert_eq!(t.id as usize, i, "{:?}", t.id);
            assert_eq!(TopicId::from_path(t.path), Some(t.id));
        }
    }

    #[test]
    fn key_expressions_round_trip() {
        let k = TopicId::DriverState.key_expr("demo");
        assert_eq!(k, "cabin/demo/perception/driver_state");
        assert_eq!(
            TopicId::from_key_expr(&k),
            Some(("demo".into(), TopicId::DriverState))
        );
        assert_eq!(TopicId::from_key_expr("cabin/demo/nope"), None);
    }

    #[test]
    fn raw_sensor_data_stays_on_the_host() {
        assert!(TopicId::Camera.info().host_local);
        assert!(TopicId::Audio.info().host_local);
        assert!(!TopicId::DriverState.info().host_local);
    }
}
