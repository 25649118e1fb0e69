//! The live executor: nodes on tokio, inputs from a [`Bus`] (zenoh across processes and ECUs).
//!
//! Each node is one task that waits on its subscriptions and its tick timer and runs one step at a time
//! (steps are blocking code — inference — so they run under `block_in_place`). Vehicle time is the newest
//! input stamp, advanced by the wall clock in between, so it never goes backwards. Every step is timed;
//! per-node latency percentiles, deadline misses (a step longer than the tick period), queue overflows and
//! undecodable messages are published on the diagnostics topic at a fixed wall-clock period.

use super::node::{step_diagnostic, Context, Node, NodeError};
use super::stats::{StepStats, StepSummary};
use crate::header::NodeName;
use crate::messages::{Diagnostic, DiagnosticKind, Message, Severity};
use crate::sample::Sample;
use crate::time::{SimDuration, SimTime};
use crate::topic::{topics, TopicId};
use crate::transport::Bus;
use parking_lot::Mutex;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Options of the live executor.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// How often step timings and overflow counts go to the diagnostics topic.
    pub diagnostics_period: Duration,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            diagnostics_period: Duration::from_secs(1),
        }
    }
}

/// Vehicle time in live mode: the newest input stamp plus wall time elapsed since it arrived. Until the
/// first input arrives it counts from zero at start-up; the first input sets it (a node joining a drive
/// already under way adopts the drive's time at once).
struct LiveClock {
    stamp: SimTime,
    at: Instant,
    synced: bool,
}

impl LiveClock {
    fn now(&self) -> SimTime {
        self.stamp + SimDuration::from_nanos(self.at.elapsed().as_nanos() as u64)
    }
    fn observe(&mut self, stamp: SimTime) {
        if !self.synced || stamp > self.now() {
            self.stamp = stamp;
            self.at = Instant::now();
            self.synced = true;
        }
    }
}

/// Runs nodes against a live bus until `shutdown` resolves.
pub struct LiveExecutor {
    bus: Bus,
    nodes: Vec<(NodeName, Box<dyn Node>)>,
    options: LiveOptions,
}

struct Shared {
    name: NodeName,
    stats: Mutex<StepStats>,
}

impl LiveExecutor {
    pub fn new(bus: Bus, nodes: Vec<(NodeName, Box<dyn Node>)>, options: LiveOptions) -> Self {
        LiveExecutor {
            bus,
            nodes,
            options,
        }
    }

    /// Runs every node until `shutdown` completes (or every node has asked to stop). Returns each node's
    /// step statistics. Must be called inside a multi-threaded tokio runtime.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Vec<(String, StepSummary)> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut shared = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        let diag_name = NodeName::new("runtime").unwrap_or_default();
        for (name, node) in self.nodes {
            let s = Arc::new(Shared {
                name: name.clone(),
                stats: Mutex::new(StepStats::default()),
            });
            shared.push(s.clone());
            tasks.spawn(run_node(self.bus.clone(), s, node, stop_rx.clone()));
        }
        let bus = self.bus.clone();
        let reporter_shared = shared.clone();
        let period = self.options.diagnostics_period;
        let mut reporter_stop = stop_rx.clone();
        let reporter = tokio::spawn(async move {
            let mut every = tokio::time::interval(period);
            every.tick().await;
            loop {
                tokio::select! {
                    _ = every.tick() => publish_health(&bus, &diag_name, &reporter_shared),
                    _ = reporter_stop.changed() => break,
                }
            }
        });
        tokio::select! {
            _ = shutdown => {}
            _ = async { while tasks.join_next().await.is_some() {} } => {}
        }
        let _ = stop_tx.send(true);
        while tasks.join_next().await.is_some() {}
        let _ = reporter.await;
        publish_health(
            &self.bus,
            &NodeName::new("runtime").unwrap_or_default(),
            &shared,
        );
        shared
            .iter()
            .map(|s| (s.name.to_string(), s.stats.lock().summary()))
            .collect()
    }
}

fn publish_health(bus: &Bus, me: &NodeName, shared: &[Arc<Shared>]) {
    let publish = |d: Diagnostic| {
        if let Err(e) = bus.publish(me, topics::DIAGNOSTICS, SimTime::ZERO, d) {
            tracing::warn!("cannot publish diagnostics: {e}");
        }
    };
    for s in shared {
        let sum = s.stats.lock().summary();
        publish(Diagnostic {
            severity: if sum.deadline_misses > 0 {
                Severity::Warning
            } else {
                Severity::Info
            },
            kind: DiagnosticKind::StepTiming {
                node: s.name.to_string(),
                steps: sum.steps,
                p50_us: sum.p50_us,
                p99_us: sum.p99_us,
                max_us: sum.max_us,
                deadline_misses: sum.deadline_misses,
            },
            message: format!(
                "{} steps, p50 {} us, p99 {} us",
                sum.steps, sum.p50_us, sum.p99_us
            ),
        });
    }
    for o in bus.overflow_report() {
        tracing::warn!(topic = %o.topic, subscriber = %o.subscriber, "{} messages dropped", o.new_drops);
        publish(Diagnostic {
            severity: Severity::Warning,
            kind: DiagnosticKind::QueueOverflow {
                topic: o.topic.path().into(),
                subscriber: o.subscriber,
                dropped: o.total_drops,
            },
            message: format!("{} new drops", o.new_drops),
        });
    }
}

async fn run_node(
    bus: Bus,
    shared: Arc<Shared>,
    mut node: Box<dyn Node>,
    mut stop: watch::Receiver<bool>,
) {
    let name = shared.name.clone();
    let (tx, mut rx) = mpsc::channel::<Arc<Sample>>(1);
    let mut forwarders = Vec::new();
    for topic in node.inputs() {
        match bus.subscribe(topic, name.as_str()) {
            Ok(sub) => {
                let tx = tx.clone();
                forwarders.push(tokio::spawn(async move {
                    loop {
                        let s = sub.recv().await;
                        if tx.send(s).await.is_err() {
                            break;
                        }
                    }
                }));
            }
            Err(e) => tracing::error!(node = %name, %topic, "cannot subscribe: {e}"),
        }
    }
    drop(tx);
    let period = node.tick_period();
    let mut clock = LiveClock {
        stamp: SimTime::ZERO,
        at: Instant::now(),
        synced: false,
    };
    let mut ticker =
        period.map(|p| tokio::time::interval(p.to_std().max(Duration::from_micros(100))));
    let mut steps = NodeSteps {
        bus: &bus,
        shared: &shared,
        wakeups: Vec::new(),
        stopped: false,
    };
    steps.step(node.as_mut(), clock.now(), |n, c| n.on_start(c));
    while !steps.stopped {
        let next_wake = steps
            .wakeups
            .iter()
            .min()
            .map(|w| w.saturating_since(clock.now()).to_std());
        tokio::select! {
            Some(sample) = rx.recv() => {
                clock.observe(sample.header.stamp);
                // A message step happens at the time its input refers to, so outputs carry the input's
                // vehicle time (what end-to-end latency and replay comparisons key on).
                steps.step(node.as_mut(), sample.header.stamp, |n, c| n.on_message(&sample, c));
            }
            _ = async { match ticker.as_mut() { Some(t) => { t.tick().await; } None => std::future::pending::<()>().await } } => {
                steps.step(node.as_mut(), clock.now(), |n, c| n.on_tick(c));
            }
            _ = async { match next_wake { Some(d) => tokio::time::sleep(d).await, None => std::future::pending::<()>().await } } => {
                let now = clock.now();
                steps.wakeups.retain(|&w| w > now);
                steps.step(node.as_mut(), now, |n, c| n.on_tick(c));
            }
            _ = stop.changed() => break,
        }
    }
    steps.step(node.as_mut(), clock.now(), |n, c| n.shutdown(c));
    for f in forwarders {
        f.abort();
    }
}

/// What one node's steps share: the bus its outputs go to, its statistics, the wake-ups it asked for
/// and whether it asked to stop.
struct NodeSteps<'a> {
    bus: &'a Bus,
    shared: &'a Shared,
    wakeups: Vec<SimTime>,
    stopped: bool,
}

impl NodeSteps<'_> {
    /// Runs one step of `node` at `now` (timed, panics caught) and publishes what it produced.
    fn step(
        &mut self,
        node: &mut dyn Node,
        now: SimTime,
        f: impl FnOnce(&mut dyn Node, &mut Context) -> Result<(), NodeError>,
    ) {
        let (bus, shared) = (self.bus, self.shared);
        let name = &shared.name;
        let _span = tracing::debug_span!("node_step", node = %name, t = now.as_nanos()).entered();
        let started = Instant::now();
        let mut outbox: Vec<(TopicId, Message)> = Vec::new();
        let result = tokio::task::block_in_place(|| {
            let mut ctx =
                Context::new(name, now, &mut outbox, &mut self.wakeups, &mut self.stopped);
            catch_unwind(AssertUnwindSafe(|| f(node, &mut ctx)))
        });
        let deadline = node.tick_period().map(SimDuration::to_std);
        let diag = {
            let mut st = shared.stats.lock();
            st.record(started.elapsed(), deadline);
            step_diagnostic(name, result, &mut st)
        };
        if let Some(d) = diag {
            outbox.push((TopicId::Diagnostics, Message::Diagnostic(d)));
        }
        for (topic, message) in outbox {
            let header = crate::header::Header {
                source: name.clone(),
                seq: bus.next_seq(name, topic),
                stamp: now,
            };
            if let Err(e) = bus.publish_sample(Arc::new(Sample {
                topic,
                header,
                message,
            })) {
                tracing::warn!(node = %name, %topic, "publish failed: {e}");
            }
        }
    }
}
