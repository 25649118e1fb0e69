//! The `replay` node: plays a recorded run's inputs back onto the bus at their recorded times.
//!
//! It reads the MCAP file as a stream (one sample ahead), publishes each recorded sensor/vehicle/map
//! sample at its original vehicle time (`ctx.wake_at`), and stops where the recorded run stopped (the
//! end marker), so the nodes downstream see the same inputs at the same instants and produce the same
//! events. Diagnostics recorded from a node of the same name as this one are replayed too: named after
//! the source it replaces (`sim`), the replay reproduces that source's reports. A damaged file replays
//! up to the damage, then says where it broke (tracing and the diagnostics topic) and stops.

use super::{config_error, FromSpec};
use crate::mcap::{ReadItem, RecordingReader};
use cabin_bus::prelude::*;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReplayConfig {
    /// The MCAP file to replay.
    pub file: String,
    /// Topic paths to replay (`sensors/camera`, ...); empty = every non-derived topic.
    pub topics: Vec<String>,
    /// Stop the run at the recording's end.
    pub stop_at_end: bool,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            file: String::new(),
            topics: Vec::new(),
            stop_at_end: true,
        }
    }
}

pub struct ReplaySource {
    reader: RecordingReader,
    /// Bit i = replay TopicId i.
    wanted: u64,
    next: Option<Arc<Sample>>,
    stop_at_end: bool,
    reported_damage: bool,
    published: u64,
}

/// Publishes a recorded payload on its topic (the typed topic constants make this a table).
fn publish_recorded(ctx: &mut Context, topic: TopicId, message: &Message) -> Result<(), String> {
    use Message as M;
    use TopicId as T;
    match (topic, message.clone()) {
        (T::Camera, M::CameraFrame(m)) => ctx.publish(topics::CAMERA, m),
        (T::Audio, M::AudioChunk(m)) => ctx.publish(topics::AUDIO, m),
        (T::Ecg, M::BiometricChunk(m)) => ctx.publish(topics::ECG, m),
        (T::Ppg, M::BiometricChunk(m)) => ctx.publish(topics::PPG, m),
        (T::Vehicle, M::VehicleState(m)) => ctx.publish(topics::VEHICLE, m),
        (T::Environment, M::CabinEnvironment(m)) => ctx.publish(topics::ENVIRONMENT, m),
        (T::Route, M::Route(m)) => ctx.publish(topics::ROUTE, m),
        (T::Pois, M::PoiSet(m)) => ctx.publish(topics::POIS, m),
        (T::GroundTruth, M::DriverGroundTruth(m)) => ctx.publish(topics::GROUND_TRUTH, m),
        (T::ScriptedSpeech, M::Utterance(m)) => ctx.publish(topics::SCRIPTED_SPEECH, m),
        (T::Face, M::FaceObservation(m)) => ctx.publish(topics::FACE, m),
        (T::Heart, M::HeartState(m)) => ctx.publish(topics::HEART, m),
        (T::DriverState, M::DriverState(m)) => ctx.publish(topics::DRIVER_STATE, m),
        (T::Alert, M::Alert(m)) => ctx.publish(topics::ALERT, m),
        (T::Utterance, M::Utterance(m)) => ctx.publish(topics::UTTERANCE, m),
        (T::Interests, M::InterestSet(m)) => ctx.publish(topics::INTERESTS, m),
        (T::Suggestion, M::Suggestion(m)) => ctx.publish(topics::SUGGESTION, m),
        (T::Decision, M::AgentDecision(m)) => ctx.publish(topics::DECISION, m),
        (T::Response, M::UserResponse(m)) => ctx.publish(topics::RESPONSE, m),
        (T::Diagnostics, M::Diagnostic(m)) => ctx.diagnostic(m),
        (t, m) => return Err(format!("a {:?} does not belong on {t}", m.kind())),
    }
    Ok(())
}

impl FromSpec for ReplaySource {
    fn from_spec(spec: &NodeSpec) -> Result<ReplaySource, NodeError> {
        let config: ReplayConfig = spec.params().map_err(NodeError::from)?;
        ReplaySource::new(&config).map_err(|reason| config_error(spec, reason))
    }
}

impl ReplaySource {
    pub fn new(config: &ReplayConfig) -> Result<ReplaySource, String> {
        if config.file.is_empty() {
            return Err("params.file: the MCAP file to replay is required".into());
        }
        let reader = RecordingReader::open(Path::new(&config.file)).map_err(|e| e.to_string())?;
        let mut wanted = 0u64;
        if config.topics.is_empty() {
            for t in TopicId::all().filter(|t| !t.info().derived) {
                wanted |= 1 << t as u64;
            }
        } else {
            for p in &config.topics {
                let t = TopicId::from_path(p)
                    .ok_or_else(|| format!("params.topics: unknown topic '{p}'"))?;
                wanted |= 1 << t as u64;
            }
        }
        Ok(ReplaySource {
            reader,
            wanted,
            next: None,
            stop_at_end: config.stop_at_end,
            reported_damage: false,
            published: 0,
        })
    }

    fn wants(&self, s: &Sample, me: &NodeName) -> bool {
        if s.topic == TopicId::Diagnostics {
            return s.header.source == *me;
        }
        self.wanted & (1 << s.topic as u64) != 0
    }

    /// Reads ahead to the next sample to publish, reporting skipped messages.
    fn fill(&mut self, ctx: &mut Context) {
        while self.next.is_none() {
            match self.reader.next_item() {
                Some(ReadItem::Sample(s)) => {
                    if self.wants(&s, ctx.node()) {
                        self.next = Some(s);
                    }
                }
                Some(ReadItem::Skipped(why)) => {
                    tracing::warn!(file = %self.reader.path().display(), "replay skipped a message: {why}");
                    ctx.report(
                        Severity::Warning,
                        format!("replay skipped a message: {why}"),
                    );
                }
                None => return,
            }
        }
    }

    /// A recording has nothing to publish once: the start is the first step.
    fn start(&mut self, ctx: &mut Context) {
        self.step(ctx);
    }

    fn step(&mut self, ctx: &mut Context) {
        let now = ctx.now();
        loop {
            self.fill(ctx);
            let Some(s) = self.next.take() else { break };
            if s.header.stamp > now {
                ctx.wake_at(s.header.stamp);
                self.next = Some(s);
                return;
            }
            if let Err(e) = publish_recorded(ctx, s.topic, &s.message) {
                ctx.report(Severity::Warning, format!("replay skipped a message: {e}"));
            } else {
                self.published += 1;
            }
        }
        // Nothing left: the end of the recording, or its damage.
        if let Some(d) = self.reader.damage.clone() {
            if !self.reported_damage {
                self.reported_damage = true;
                let msg = format!(
                    "recording replayed up to the damage ({} samples): {d}",
                    self.published
                );
                tracing::error!("{msg}");
                ctx.report(Severity::Error, msg);
            }
        }
        if !self.stop_at_end {
            return;
        }
        match self.reader.end {
            Some(end) if end > now => ctx.wake_at(end),
            _ => ctx.request_stop(),
        }
    }
}

source_node!(ReplaySource);
