//! The cockpit HMI: a live page in the browser where the driver sees alerts and answers the agent, and
//! bench engineers watch the whole stack.
//!
//! ```text
//!  bus samples ─▶ Hmi::observe ─▶ feed::route ─▶ Hub (per-client bounded queues) ─▶ WebSocket ─▶ page
//!  (executor observer          │                                                        │
//!   or zenoh subscriptions)    └─▶ Voice (espeak-ng, suggestions)                        │
//!                                                                                        ▼
//!  input bridge / zenoh ◀── ResponseSink ◀── Responder (once per suggestion) ◀── {"type":"respond"}
//! ```
//!
//! - `cabin run --hmi` feeds it in process (every sample, camera included) and sends answers into the
//!   deterministic run through the input bridge ([`run_link`]);
//! - `cabin hmi` joins a running bus over zenoh and publishes answers on `hmi/response`.
//!
//! The page is plain HTML/CSS/JS embedded in the binary ([`assets`]); nothing is fetched from the
//! internet. The server listens on loopback unless told otherwise, and camera images only ever go to
//! pages on loopback. See docs/hmi.md for the protocol.

pub mod assets;
pub mod camera;
pub mod feed;
pub mod hub;
pub mod protocol;
pub mod responder;
pub mod run_link;
pub mod server;
pub mod voice;

pub use hub::{ClientQueue, ClientStats, Hub, HubConfig, HubStats};
pub use responder::{RespondError, RespondOutcome, Responder, ResponseSink};
pub use server::{HmiServer, HmiService};
pub use voice::Voice;

use cabin_bus::messages::{Answer, Message};
use cabin_bus::{Sample, SimTime};
use parking_lot::Mutex;
use protocol::ClientMessage;
use std::sync::Arc;
use std::time::Duration;

/// Errors of the HMI.
#[derive(Debug, thiserror::Error)]
pub enum HmiError {
    #[error(
        "'{0}' is not an address to serve the HMI on (expected PORT, HOST:PORT or [IPv6]:PORT)"
    )]
    BadAddress(String),
    #[error("cannot serve the HMI on {addr}: {source} (another `cabin` running? try --hmi 127.0.0.1:0 for any free port)")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the HMI's runtime: {0}")]
    Runtime(std::io::Error),
}

pub type Result<T, E = HmiError> = std::result::Result<T, E>;

/// The default address: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7780";

/// How the HMI behaves.
#[derive(Clone)]
pub struct HmiOptions {
    pub hub: HubConfig,
    /// Send downscaled camera images to loopback pages (only `cabin run --hmi` has frames at all).
    pub camera: bool,
    pub voice: Voice,
    /// `run` (in process) or `join` (over zenoh): shown on the page.
    pub mode: &'static str,
    pub vehicle: String,
    /// How long a client's sender waits after the first pending item before sending, so bursts are
    /// conflated (state values) and sent together: the page never gets more than ~1/batch updates a second.
    pub batch: Duration,
    /// Period of each client's `stats` frame.
    pub stats_period: Duration,
}

impl Default for HmiOptions {
    fn default() -> Self {
        HmiOptions {
            hub: HubConfig::default(),
            camera: true,
            voice: Voice::off(),
            mode: "run",
            vehicle: "demo".into(),
            batch: Duration::from_millis(50),
            stats_period: Duration::from_secs(1),
        }
    }
}

/// The HMI's core: what it knows, whom it tells, and where answers go.
pub struct Hmi {
    hub: Hub,
    responder: Arc<Responder>,
    options: HmiOptions,
    camera_cap: camera::RateCap,
    diagnostics: Mutex<feed::DiagnosticsSummary>,
    /// The suggestion last given to the voice: the rest of a streamed one is what follows it.
    last_said: Mutex<Option<LastSaid>>,
}

/// The suggestion last given to the voice.
struct LastSaid {
    id: u64,
    text: String,
    /// Declined (on the page) before its rest arrived: the rest is not said. A driver who has said
    /// "no" to the question should not hear the distance and the detour of the stop they refused.
    declined: bool,
}

/// What the voice says of a suggestion message.
#[derive(Debug, PartialEq)]
enum Speech<'a> {
    /// A new suggestion: all of it.
    Whole(&'a str),
    /// The whole text of a streamed suggestion whose first words were said: what follows them.
    Rest(&'a str),
    Nothing,
}

/// A streamed suggestion comes twice under one id, its first words and then the whole text, which
/// starts with them: only the rest is said, right after the first words, and not at all when the
/// driver has declined the suggestion in between.
fn what_to_say<'a>(last: Option<&LastSaid>, s: &'a cabin_bus::messages::Suggestion) -> Speech<'a> {
    match last {
        Some(said) if said.id == s.id => {
            let rest = s
                .text
                .strip_prefix(said.text.as_str())
                .unwrap_or(&s.text)
                .trim();
            if said.declined {
                tracing::debug!(id = s.id, "suggestion declined: its rest is not said");
                Speech::Nothing
            } else if rest.is_empty() {
                Speech::Nothing
            } else {
                Speech::Rest(rest)
            }
        }
        _ => Speech::Whole(&s.text),
    }
}

impl Hmi {
    pub fn new(options: HmiOptions, responder: Arc<Responder>) -> Arc<Self> {
        Arc::new(Hmi {
            hub: Hub::new(options.hub.clone()),
            responder,
            camera_cap: camera::RateCap::new(camera::MAX_FPS),
            diagnostics: Mutex::default(),
            last_said: Mutex::default(),
            options,
        })
    }

    pub fn hub(&self) -> &Hub {
        &self.hub
    }
    pub fn responder(&self) -> &Arc<Responder> {
        &self.responder
    }
    pub fn options(&self) -> &HmiOptions {
        &self.options
    }

    /// Feeds one bus sample. Never blocks on a page; cheap when nobody is connected.
    pub fn observe(&self, sample: &Sample) {
        self.hub.count_sample();
        self.responder.observe(sample);
        if let Message::UserResponse(r) = &sample.message {
            if r.answer == Answer::Decline {
                if let Some(last) = self.last_said.lock().as_mut() {
                    last.declined |= last.id == r.suggestion_id;
                }
            }
        }
        match feed::route(sample) {
            feed::Route::Skip => {}
            feed::Route::Event(frame) => {
                if let Message::Suggestion(s) = &sample.message {
                    self.say_suggestion(s);
                }
                self.hub.publish_event(frame);
            }
            feed::Route::State { key, frame } => self.hub.publish_state(&key, frame),
            feed::Route::Diagnostic => {
                if let Some(frame) = self.diagnostics.lock().add(sample) {
                    self.hub.publish_state("diagnostics", frame);
                }
            }
            feed::Route::Camera => self.observe_camera(sample),
        }
    }

    /// Speaks a suggestion ([`what_to_say`]).
    fn say_suggestion(&self, s: &cabin_bus::messages::Suggestion) {
        let mut last = self.last_said.lock();
        match what_to_say(last.as_ref(), s) {
            Speech::Whole(text) => {
                self.options.voice.say(text);
            }
            Speech::Rest(rest) => {
                self.options.voice.say_next(rest);
            }
            Speech::Nothing => {}
        }
        let declined = last.as_ref().is_some_and(|l| l.id == s.id && l.declined);
        *last = Some(LastSaid {
            id: s.id,
            text: s.text.clone(),
            declined,
        });
    }

    fn observe_camera(&self, sample: &Sample) {
        if !self.options.camera || !self.hub.wants_camera() || !self.camera_cap.admit() {
            return;
        }
        let Message::CameraFrame(frame) = &sample.message else {
            return;
        };
        match camera::downscale(frame, sample.header.seq, sample.header.stamp.as_secs_f64()) {
            Ok(img) => self.hub.publish_camera(protocol::encode_camera(&img)),
            Err(e) => tracing::debug!("camera frame {} not shown: {e}", sample.header.seq),
        }
    }

    /// Tells the pages whether the run is going or over.
    pub fn set_run_state(&self, state: &str, t: Option<SimTime>) {
        let frame =
            serde_json::json!({"type": "run", "state": state, "t": t.map(|t| t.as_secs_f64())});
        self.hub.publish_state("run", frame.to_string());
    }

    /// The first frame a client gets.
    pub fn hello(&self, client: u64, camera: bool) -> String {
        serde_json::json!({
            "type": "hello",
            "version": protocol::PROTOCOL_VERSION,
            "client": client,
            "mode": self.options.mode,
            "vehicle": self.options.vehicle,
            "camera": camera,
            "voice": self.options.voice.enabled(),
            "queue_capacity": self.hub.config().queue_capacity,
            "server": concat!("cabin ", env!("CARGO_PKG_VERSION")),
        })
        .to_string()
    }

    /// Answers one text frame from a page. Malformed input is counted and answered with an `error`.
    pub fn handle_request(&self, client: &ClientQueue, text: &str) -> String {
        match protocol::parse_client(text) {
            Err(e) => {
                client.count_rejected();
                tracing::warn!(client = client.id, peer = %client.peer, "HMI request refused: {e}");
                protocol::error_json("malformed", &e.to_string(), Some(text))
            }
            Ok(ClientMessage::Ping { id }) => {
                serde_json::json!({"type": "pong", "id": id}).to_string()
            }
            Ok(ClientMessage::Respond {
                suggestion_id,
                answer,
            }) => match self.responder.respond(suggestion_id, answer) {
                Ok(RespondOutcome::Forwarded) => {
                    tracing::info!(
                        suggestion_id,
                        ?answer,
                        client = client.id,
                        "driver answered"
                    );
                    protocol::ack_json(suggestion_id, answer, "forwarded")
                }
                Ok(RespondOutcome::AlreadyAnswered(first)) => {
                    protocol::ack_json(suggestion_id, first, "already_answered")
                }
                Err(e @ RespondError::UnknownSuggestion(_)) => {
                    client.count_rejected();
                    protocol::error_json("unknown_suggestion", &e.to_string(), Some(text))
                }
                Err(e @ RespondError::Undeliverable(_)) => {
                    protocol::error_json("undeliverable", &e.to_string(), Some(text))
                }
            },
        }
    }

    /// A client's `stats` frame: its own queue and drops, and the hub's totals.
    pub fn stats_json(&self, client: &ClientQueue) -> String {
        let s = client.stats();
        serde_json::json!({
            "type": "stats",
            "client": s.id,
            "queued": s.queued,
            "dropped": s.dropped,
            "conflated": s.conflated,
            "sent": s.sent,
            "rejected": s.rejected,
            "clients": self.hub.client_count(),
            "dropped_all_clients": self.hub.dropped_total(),
            "samples": self.hub.samples(),
        })
        .to_string()
    }
}

/// Parses an HMI address: `PORT` (on loopback), `HOST:PORT`, `[IPv6]:PORT`, or `localhost:PORT`.
pub fn parse_addr(s: &str) -> Result<std::net::SocketAddr> {
    use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};
    let s = s.trim();
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    // Names (`localhost:8080`): resolve, preferring IPv4 loopback so the printed URL works everywhere.
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|_| HmiError::BadAddress(s.into()))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| HmiError::BadAddress(s.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::messages::{
        InterestKind, ResponseSource, Suggestion, SuggestionAction, UserResponse,
    };
    use cabin_bus::{Header, TopicId};

    /// A suggestion message (the responder's tests use it too).
    pub(super) fn suggestion(id: u64, text: &str) -> Sample {
        Sample {
            topic: TopicId::Suggestion,
            header: Header::default(),
            message: Message::Suggestion(Suggestion {
                id,
                interest: InterestKind::Coffee,
                action: SuggestionAction::Cabin {
                    action: "test".into(),
                },
                text: text.into(),
                phrased_by: "local".into(),
                reason: "test".into(),
            }),
        }
    }

    fn answer(id: u64, answer: Answer) -> Sample {
        Sample {
            topic: TopicId::Response,
            header: Header::default(),
            message: Message::UserResponse(UserResponse {
                suggestion_id: id,
                answer,
                source: ResponseSource::default(),
            }),
        }
    }

    /// What the voice would say of each message, in order, through the HMI's own bookkeeping.
    fn spoken(samples: &[Sample]) -> Vec<String> {
        let hmi = Hmi::new(
            HmiOptions::default(),
            Arc::new(Responder::new(Arc::new(|_: UserResponse| Ok(())))),
        );
        let mut said = Vec::new();
        for sample in samples {
            if let Message::Suggestion(s) = &sample.message {
                match what_to_say(hmi.last_said.lock().as_ref(), s) {
                    Speech::Whole(t) | Speech::Rest(t) => said.push(t.to_string()),
                    Speech::Nothing => {}
                }
            }
            hmi.observe(sample);
        }
        said
    }

    #[test]
    fn a_declined_suggestion_s_rest_is_not_said() {
        let first = "How about a coffee at Bean There Coffee?";
        let whole = "How about a coffee at Bean There Coffee? It's 2.6 km ahead, a 1 min detour.";
        // streamed, unanswered: the first words, then the rest
        assert_eq!(
            spoken(&[suggestion(1, first), suggestion(1, whole)]),
            [first, "It's 2.6 km ahead, a 1 min detour."]
        );
        // accepted in between: the distance and detour of the chosen stop are still useful
        assert_eq!(
            spoken(&[
                suggestion(1, first),
                answer(1, Answer::Accept),
                suggestion(1, whole)
            ]),
            [first, "It's 2.6 km ahead, a 1 min detour."]
        );
        // declined in between: nothing more about the refused stop
        assert_eq!(
            spoken(&[
                suggestion(1, first),
                answer(1, Answer::Decline),
                suggestion(1, whole)
            ]),
            [first]
        );
        // a decline of another suggestion changes nothing; the next suggestion is said whole
        assert_eq!(
            spoken(&[
                suggestion(2, first),
                answer(1, Answer::Decline),
                suggestion(2, whole),
                suggestion(3, "Fresh air?")
            ]),
            [first, "It's 2.6 km ahead, a 1 min detour.", "Fresh air?"]
        );
    }

    #[test]
    fn addresses_default_to_loopback() {
        assert_eq!(parse_addr("8080").ok(), "127.0.0.1:8080".parse().ok());
        assert_eq!(parse_addr("0.0.0.0:1").ok(), "0.0.0.0:1".parse().ok());
        assert_eq!(parse_addr("[::1]:9").ok(), "[::1]:9".parse().ok());
        assert!(parse_addr("localhost:80").is_ok_and(|a| a.ip().is_loopback()));
        assert!(matches!(
            parse_addr("no port"),
            Err(HmiError::BadAddress(_))
        ));
    }
}
