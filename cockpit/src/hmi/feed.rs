//! What the HMI makes of each bus sample: an event every page must see, a state value where only the
//! newest matters, a camera image, or nothing.
//!
//! Raw sensor streams (audio, ECG/PPG samples) never go to a page; the scenario's script (`sim/speech`) is
//! not shown either, because the transcript shows what the agent actually heard (`agent/utterance`).
//! Diagnostics are summarised (counts and the last few warnings), so a noisy node cannot crowd the
//! suggestions out of a slow page's queue.

use super::protocol::sample_json;
use cabin_bus::messages::{Message, Severity};
use cabin_bus::{Sample, TopicId};
use serde::Serialize;
use std::collections::VecDeque;

/// Where a sample goes.
#[derive(Debug, PartialEq)]
pub enum Route {
    /// Not for pages.
    Skip,
    /// Queued for every page, in order.
    Event(String),
    /// Only the newest value per key is sent.
    State { key: String, frame: String },
    /// A camera frame (made into an image only if a page may see it).
    Camera,
    /// A diagnostic: goes into the [`DiagnosticsSummary`].
    Diagnostic,
}

/// Routes one sample. Serialisation errors (which the message types cannot produce) become `Skip`.
pub fn route(sample: &Sample) -> Route {
    let frame = || match sample_json(sample) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(topic = %sample.topic, "cannot show a sample: {e}");
            None
        }
    };
    match sample.topic {
        TopicId::Camera => Route::Camera,
        TopicId::Audio | TopicId::Ecg | TopicId::Ppg | TopicId::ScriptedSpeech => Route::Skip,
        TopicId::Diagnostics => Route::Diagnostic,
        TopicId::Alert
        | TopicId::Utterance
        | TopicId::Suggestion
        | TopicId::Decision
        | TopicId::Response => frame().map_or(Route::Skip, Route::Event),
        TopicId::Heart => {
            // One value per source (ECG and PPG both publish here).
            let kind = match &sample.message {
                Message::HeartState(h) => format!("{:?}", h.kind).to_lowercase(),
                _ => "other".into(),
            };
            frame().map_or(Route::Skip, |frame| Route::State {
                key: format!("{}/{kind}", sample.topic.path()),
                frame,
            })
        }
        TopicId::Vehicle
        | TopicId::Environment
        | TopicId::Route
        | TopicId::Pois
        | TopicId::GroundTruth
        | TopicId::Face
        | TopicId::DriverState
        | TopicId::Interests => frame().map_or(Route::Skip, |frame| Route::State {
            key: sample.topic.path().to_string(),
            frame,
        }),
    }
}

#[derive(Clone, Debug, Serialize)]
struct Recent {
    t: f64,
    severity: Severity,
    source: String,
    message: String,
}

/// Counts of diagnostics by severity and the last few warnings and errors.
#[derive(Default)]
pub struct DiagnosticsSummary {
    info: u64,
    warnings: u64,
    errors: u64,
    recent: VecDeque<Recent>,
}

const RECENT: usize = 12;

impl DiagnosticsSummary {
    /// Adds a diagnostic sample; returns the summary frame to show.
    pub fn add(&mut self, sample: &Sample) -> Option<String> {
        let Message::Diagnostic(d) = &sample.message else {
            return None;
        };
        match d.severity {
            Severity::Info => self.info += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Error => self.errors += 1,
        }
        if d.severity >= Severity::Warning {
            if self.recent.len() >= RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(Recent {
                t: sample.header.stamp.as_secs_f64(),
                severity: d.severity,
                source: sample.header.source.to_string(),
                message: d.message.chars().take(300).collect(),
            });
        }
        Some(
            serde_json::json!({
                "type": "diagnostics",
                "info": self.info,
                "warnings": self.warnings,
                "errors": self.errors,
                "recent": self.recent,
            })
            .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::fixtures::every_topic;
    use cabin_bus::Header;

    #[test]
    fn every_topic_has_a_route_and_raw_sensors_stay_off_the_page() {
        for (topic, message) in every_topic() {
            let s = Sample {
                topic,
                header: Header::default(),
                message,
            };
            let r = route(&s);
            match topic {
                TopicId::Audio | TopicId::Ecg | TopicId::Ppg | TopicId::ScriptedSpeech => {
                    assert_eq!(r, Route::Skip)
                }
                TopicId::Camera => assert_eq!(r, Route::Camera),
                TopicId::Diagnostics => assert_eq!(r, Route::Diagnostic),
                _ => {
                    let frame = match r {
                        Route::Event(f) | Route::State { frame: f, .. } => f,
                        other => panic!("{topic}: {other:?}"),
                    };
                    let v: serde_json::Value = serde_json::from_str(&frame).expect("valid JSON");
                    assert_eq!(v["type"], "sample");
                    assert_eq!(v["topic"], topic.path());
                }
            }
        }
    }

    #[test]
    fn diagnostics_are_counted_and_the_last_warnings_kept() {
        let mut d = DiagnosticsSummary::default();
        let diag = every_topic()
            .into_iter()
            .find(|(t, _)| *t == TopicId::Diagnostics)
            .expect("fixture")
            .1;
        let s = Sample {
            topic: TopicId::Diagnostics,
            header: Header::default(),
            message: diag,
        };
        let mut last = None;
        for _ in 0..20 {
            last = d.add(&s);
        }
        let v: serde_json::Value = serde_json::from_str(&last.expect("frame")).expect("json");
        let total = v["info"].as_u64().unwrap_or(0)
            + v["warnings"].as_u64().unwrap_or(0)
            + v["errors"].as_u64().unwrap_or(0);
        assert_eq!(total, 20);
        assert!(v["recent"].as_array().map_or(0, |a| a.len()) <= RECENT);
    }
}
