//! The node contract: a plain struct with a small lifecycle.
//!
//! A node never reads a wall clock and never talks to a transport. It gets the current vehicle time and a
//! way to publish from its [`Context`]; the executor decides when it runs. That is what makes the same
//! node run deterministically in simulation ([`DeterministicExecutor`](super::DeterministicExecutor)) and
//! live on a vehicle ([`LiveExecutor`](super::LiveExecutor)).
//!
//! ```
//! use cabin_bus::prelude::*;
//!
//! /// Counts alerts and reports the count once a second.
//! struct AlertCounter { alerts: u64 }
//!
//! impl Node for AlertCounter {
//!     fn inputs(&self) -> Vec<TopicId> { vec![TopicId::Alert] }
//!     fn tick_period(&self) -> Option<SimDuration> { Some(SimDuration::from_secs(1)) }
//!     fn on_message(&mut self, sample: &Sample, _ctx: &mut Context) -> NodeResult {
//!         if sample.get::<Alert>().is_some() { self.alerts += 1; }
//!         Ok(())
//!     }
//!     fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
//!         ctx.report(Severity::Info, format!("{} alerts so far", self.alerts));
//!         Ok(())
//!     }
//! }
//! ```

use crate::header::NodeName;
use crate::messages::{Diagnostic, DiagnosticKind, Message, Payload, Severity};
use crate::sample::Sample;
use crate::time::{SimDuration, SimTime};
use crate::topic::{Topic, TopicId};

/// Why a node step failed. The executor reports it (diagnostics topic + log) and keeps the node running.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The input was bad (corrupt frame, NaN samples, malformed text). Expected in the field.
    #[error("bad input on {topic}: {reason}")]
    Input { topic: TopicId, reason: String },
    /// The node's configuration is wrong; names the node and the key.
    #[error("node '{node}': {reason}")]
    Config { node: String, reason: String },
    /// A model, file or library failed.
    #[error("{0}")]
    Failed(String),
}

impl NodeError {
    pub fn input(topic: TopicId, reason: impl std::fmt::Display) -> Self {
        NodeError::Input {
            topic,
            reason: reason.to_string(),
        }
    }
    pub fn failed(e: impl std::fmt::Display) -> Self {
        NodeError::Failed(e.to_string())
    }
}

pub type NodeResult = Result<(), NodeError>;

/// A node: reads topics, keeps state, publishes topics.
pub trait Node: Send {
    /// The topics this node reads. Asked once, at start.
    fn inputs(&self) -> Vec<TopicId>;

    /// How often `on_tick` runs, in vehicle time. `None`: only on messages (and wake-ups).
    fn tick_period(&self) -> Option<SimDuration> {
        None
    }

    /// Called once before any message, at the start time.
    fn on_start(&mut self, _ctx: &mut Context) -> NodeResult {
        Ok(())
    }

    /// Called for each input sample, in a deterministic order.
    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult;

    /// Called every `tick_period`, and at times requested with [`Context::wake_at`].
    fn on_tick(&mut self, _ctx: &mut Context) -> NodeResult {
        Ok(())
    }

    /// Called once at the end; flush what is pending.
    fn shutdown(&mut self, _ctx: &mut Context) -> NodeResult {
        Ok(())
    }
}

/// Why [`Context::publish_at`] refused a stamp. The message is not published; the node decides what
/// that costs (the camera counts the frame as bad).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    /// The stamp is later than the step's time: a node reports what happened, never what will.
    #[error("stamp {stamp} on {topic} is after the step's time {now}")]
    InFuture {
        topic: TopicId,
        stamp: SimTime,
        now: SimTime,
    },
    /// The stamp is earlier than one this node already published on the topic: a subscriber's view of
    /// a topic's time must never go backwards.
    #[error("stamp {stamp} on {topic} is before the {previous} this node already published there")]
    BeforePrevious {
        topic: TopicId,
        stamp: SimTime,
        previous: SimTime,
    },
}

impl From<StampError> for NodeError {
    fn from(e: StampError) -> Self {
        NodeError::Failed(e.to_string())
    }
}

/// A message a node published during a step, with the vehicle time it is stamped with.
pub(crate) struct Outgoing {
    pub topic: TopicId,
    pub message: Message,
    pub stamp: SimTime,
}

/// What a node may do during a step: read the time, publish, report, schedule a wake-up, ask to stop.
pub struct Context<'a> {
    node: &'a NodeName,
    now: SimTime,
    outbox: &'a mut Vec<Outgoing>,
    /// Per topic (indexed by `TopicId as usize`), the latest stamp this node has published there (`None`
    /// before its first): the floor of [`Context::publish_at`]. Kept by the executor across steps.
    last_stamps: &'a mut [Option<SimTime>],
    wakeups: &'a mut Vec<SimTime>,
    stop: &'a mut bool,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        node: &'a NodeName,
        now: SimTime,
        outbox: &'a mut Vec<Outgoing>,
        last_stamps: &'a mut [Option<SimTime>],
        wakeups: &'a mut Vec<SimTime>,
        stop: &'a mut bool,
    ) -> Self {
        Context {
            node,
            now,
            outbox,
            last_stamps,
            wakeups,
            stop,
        }
    }

    /// The current vehicle time: the stamp of the message being handled, or the tick time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// This node's name.
    pub fn node(&self) -> &NodeName {
        self.node
    }

    /// Publishes `payload` on `topic`, stamped with [`Context::now`]. Delivered after this step.
    pub fn publish<T: Payload>(&mut self, topic: Topic<T>, payload: T) {
        let now = self.now;
        self.push(topic.id, payload.into_message(), now);
    }

    /// Publishes `payload` on `topic` stamped `stamp`, an instant at or before [`Context::now`]: what a
    /// sensor source uses to stamp a reading with the moment it was taken (a camera frame with its
    /// capture instant) rather than the moment the node got to it. Delivered after this step, like
    /// [`Context::publish`]: the stamp is data, the executor's clock never goes back for it (the
    /// deterministic executor delivers it in the next round at the current instant, in the same merge
    /// order as any other output, so runs stay byte-identical at any worker count; the live executor
    /// sends it at once).
    ///
    /// Refused, with the message not published, when `stamp` is after `now` ([`StampError::InFuture`])
    /// or before a stamp this node already published on `topic` ([`StampError::BeforePrevious`]; equal
    /// is allowed): a subscriber never sees a topic's time from one source go backwards. Both are bugs of
    /// the node or of its clock mapping, so they are errors, not silently clamped stamps.
    pub fn publish_at<T: Payload>(
        &mut self,
        topic: Topic<T>,
        payload: T,
        stamp: SimTime,
    ) -> Result<(), StampError> {
        if stamp > self.now {
            return Err(StampError::InFuture {
                topic: topic.id,
                stamp,
                now: self.now,
            });
        }
        if let Some(previous) = self.last_stamps[topic.id as usize].filter(|p| stamp < *p) {
            return Err(StampError::BeforePrevious {
                topic: topic.id,
                stamp,
                previous,
            });
        }
        self.push(topic.id, payload.into_message(), stamp);
        Ok(())
    }

    /// The latest stamp this node has published on `topic` (`None` before the first): the earliest stamp
    /// [`Context::publish_at`] accepts there.
    pub fn last_stamp(&self, topic: TopicId) -> Option<SimTime> {
        self.last_stamps[topic as usize]
    }

    fn push(&mut self, topic: TopicId, message: Message, stamp: SimTime) {
        let last = &mut self.last_stamps[topic as usize];
        *last = Some(last.map_or(stamp, |l| l.max(stamp)));
        self.outbox.push(Outgoing {
            topic,
            message,
            stamp,
        });
    }

    /// Publishes a health report on the diagnostics topic.
    pub fn report(&mut self, severity: Severity, message: impl Into<String>) {
        let node = self.node.to_string();
        self.diagnostic(Diagnostic {
            severity,
            kind: DiagnosticKind::NodeError { node },
            message: message.into(),
        });
    }

    /// Reports rejected input (a corrupt frame, NaN samples, a malformed message) and carries on.
    pub fn reject_input(&mut self, topic: TopicId, reason: impl Into<String>) {
        let node = self.node.to_string();
        let message = reason.into();
        tracing::warn!(node = %self.node, %topic, "input rejected: {message}");
        self.diagnostic(Diagnostic {
            severity: Severity::Warning,
            kind: DiagnosticKind::InputRejected {
                node,
                topic: topic.path().to_string(),
            },
            message,
        });
    }

    /// Publishes a diagnostic as is.
    pub fn diagnostic(&mut self, d: Diagnostic) {
        let now = self.now;
        self.push(TopicId::Diagnostics, Message::Diagnostic(d), now);
    }

    /// Asks for an `on_tick` call at vehicle time `at` (ignored if `at` is not in the future).
    pub fn wake_at(&mut self, at: SimTime) {
        if at > self.now {
            self.wakeups.push(at);
        }
    }

    /// Asks the executor to finish the run (a source reached the end of its scenario or recording).
    pub fn request_stop(&mut self) {
        *self.stop = true;
    }
}

/// What a guarded step returned: the node's own result, or the payload of a contained panic.
pub(crate) type StepResult = std::thread::Result<NodeResult>;

/// Turns a step's outcome into the diagnostic both executors publish (and log): a rejected input is a
/// warning, a failure or a contained panic an error. Counts failures and panics in `stats`.
pub(crate) fn step_diagnostic(
    node: &NodeName,
    result: StepResult,
    stats: &mut super::StepStats,
) -> Option<Diagnostic> {
    let name = node.to_string();
    match result {
        Ok(Ok(())) => None,
        Ok(Err(NodeError::Input { topic, reason })) => {
            tracing::warn!(%node, %topic, "input rejected: {reason}");
            Some(Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::InputRejected {
                    node: name,
                    topic: topic.path().into(),
                },
                message: reason,
            })
        }
        Ok(Err(e)) => {
            stats.errors += 1;
            tracing::error!(%node, "step failed: {e}");
            Some(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::NodeError { node: name },
                message: e.to_string(),
            })
        }
        Err(p) => {
            stats.panics += 1;
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic with a non-string payload".into());
            tracing::error!(%node, "step panicked (contained): {msg}");
            Some(Diagnostic {
                severity: Severity::Error,
                kind: DiagnosticKind::NodePanic { node: name },
                message: msg,
            })
        }
    }
}
