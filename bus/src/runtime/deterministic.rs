//! The deterministic executor: a logical clock and an ordered event queue.
//!
//! Time advances in steps to the next due tick or wake-up. At each instant the executor runs *rounds*:
//! every node with work (queued input, or a tick due) steps once, possibly in parallel on the worker pool;
//! then all outputs are merged in a fixed order — node declaration order, then emission order — stamped
//! with the current time (or the earlier instant a node gave [`Context::publish_at`]) and a per-(node,
//! topic) sequence number, and delivered to subscribers for the next round at the same instant. Rounds
//! repeat until the instant is quiet.
//!
//! A message stamped in the past changes neither the clock nor the order: it is delivered in the next
//! round like any other output, and its subscribers step at the current instant with a sample whose stamp
//! is older than [`Context::now`]. Delivering it "back then" would mean re-running steps already taken;
//! the stamp says when the reading was taken, the instant says when the system learnt of it.
//!
//! Nothing in that order depends on thread timing: each node only touches its own state during a round,
//! and the merge is sequential. So the same inputs give byte-identical outputs with 1 or N workers, and
//! at any pacing (as fast as possible for simulation, or paced to the wall clock for HIL benches).

use super::node::{step_diagnostic, Context, Node, NodeError, Outgoing};
use super::resources;
use super::stats::{StepStats, StepSummary};
use crate::header::{Header, NodeName};
use crate::messages::{Diagnostic, DiagnosticKind, Message, Severity};
use crate::sample::Sample;
use crate::time::{SimDuration, SimTime};
use crate::topic::{QueuePolicy, TopicId, TOPICS};
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How vehicle time maps to wall-clock time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pacing {
    /// As fast as the nodes go (simulation, regression).
    AsFastAsPossible,
    /// `speed` seconds of vehicle time per wall-clock second (1.0 = real time, for HIL).
    WallClock { speed: f64 },
}

/// Options of a run.
#[derive(Clone, Debug)]
pub struct ExecutorOptions {
    /// Worker threads for node steps within a round. Results do not depend on it.
    pub workers: usize,
    pub pacing: Pacing,
    /// Stop after this vehicle time even if sources go on.
    pub until: Option<SimTime>,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        ExecutorOptions {
            workers: 1,
            pacing: Pacing::AsFastAsPossible,
            until: None,
        }
    }
}

impl ExecutorOptions {
    /// As fast as possible, to the end, on `workers` threads.
    pub fn with_workers(workers: usize) -> Self {
        ExecutorOptions {
            workers,
            ..Default::default()
        }
    }
}

/// Sees every sample in the deterministic order (events log, recorder, bus mirror, live summary).
pub type Observer = Box<dyn FnMut(&Arc<Sample>) + Send>;

/// What a run did.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// Vehicle time when the run ended.
    pub end: SimTime,
    pub rounds: u64,
    pub samples: u64,
    pub wall: Duration,
    pub nodes: Vec<(String, StepSummary)>,
    /// (topic, subscriber, dropped) for every input queue that overflowed.
    pub overflows: Vec<(TopicId, String, u64)>,
}

struct Slot {
    name: NodeName,
    node: Box<dyn Node>,
    /// Bit i set = subscribed to TopicId i.
    inputs: u64,
    period: Option<SimDuration>,
    ticks: u64,
    wakeups: Vec<SimTime>,
    inbox: Vec<Arc<Sample>>,
    tick_due: bool,
    outbox: Vec<Outgoing>,
    stop: bool,
    seqs: Vec<u64>,
    /// Per topic, the latest stamp this node published (the floor of `publish_at`).
    last_stamps: Vec<Option<SimTime>>,
    stats: StepStats,
    /// Drops not yet reported, and in total, per topic.
    dropped: Vec<u64>,
    total_dropped: Vec<u64>,
}

impl Slot {
    fn next_tick(&self) -> Option<SimTime> {
        self.period
            .map(|p| SimTime(p.as_nanos().saturating_mul(self.ticks)))
    }

    fn next_due(&self) -> Option<SimTime> {
        let w = self.wakeups.iter().min().copied();
        match (self.next_tick(), w) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn has_work(&self) -> bool {
        self.tick_due || !self.inbox.is_empty()
    }

    /// Runs one guarded call of the node; errors and panics become diagnostics in the outbox.
    fn call(
        &mut self,
        now: SimTime,
        what: &'static str,
        f: impl FnOnce(&mut dyn Node, &mut Context) -> Result<(), NodeError>,
    ) {
        let _span =
            tracing::debug_span!("node_step", node = %self.name, step = what, t = now.as_nanos())
                .entered();
        let started = Instant::now();
        let cpu_started = resources::thread_cpu_time();
        let mut new_wakeups = Vec::new();
        let result = {
            let Slot {
                name,
                node,
                outbox,
                last_stamps,
                stop,
                ..
            } = self;
            let mut ctx = Context::new(name, now, outbox, last_stamps, &mut new_wakeups, stop);
            catch_unwind(AssertUnwindSafe(|| f(node.as_mut(), &mut ctx)))
        };
        self.wakeups.extend(new_wakeups);
        // Start-up and shutdown are not steps: only message and tick steps count in the statistics.
        if matches!(what, "message" | "tick") {
            self.stats
                .record(started.elapsed(), self.period.map(SimDuration::to_std));
            self.stats
                .record_cpu(resources::thread_cpu_time().saturating_sub(cpu_started));
        }
        let diag = step_diagnostic(&self.name, result, &mut self.stats);
        if let Some(d) = diag {
            self.outbox.push(Outgoing {
                topic: TopicId::Diagnostics,
                message: Message::Diagnostic(d),
                stamp: now,
            });
        }
    }

    fn step(&mut self, now: SimTime) {
        let inbox = std::mem::take(&mut self.inbox);
        for sample in &inbox {
            self.call(now, "message", |n, ctx| n.on_message(sample, ctx));
        }
        if self.tick_due {
            self.tick_due = false;
            self.call(now, "tick", |n, ctx| n.on_tick(ctx));
        }
    }
}

/// Runs nodes in lock-step on a logical clock. See the module docs.
pub struct DeterministicExecutor {
    slots: Vec<Slot>,
    observers: Vec<Observer>,
    options: ExecutorOptions,
    pool: Option<rayon::ThreadPool>,
    runtime_name: NodeName,
    runtime_seq: u64,
}

impl DeterministicExecutor {
    /// Nodes run (and break ties) in the order given.
    pub fn new(
        nodes: Vec<(NodeName, Box<dyn Node>)>,
        options: ExecutorOptions,
    ) -> Result<Self, NodeError> {
        let pool = if options.workers > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(options.workers)
                    .thread_name(|i| format!("cabin-worker-{i}"))
                    .build()
                    .map_err(NodeError::failed)?,
            )
        } else {
            None
        };
        let slots = nodes
            .into_iter()
            .map(|(name, node)| {
                let inputs = node.inputs().iter().fold(0u64, |m, t| m | (1 << *t as u64));
                let period = node.tick_period();
                Slot {
                    name,
                    node,
                    inputs,
                    period,
                    ticks: 0,
                    wakeups: Vec::new(),
                    inbox: Vec::new(),
                    tick_due: false,
                    outbox: Vec::new(),
                    stop: false,
                    seqs: vec![0; TOPICS.len()],
                    last_stamps: vec![None; TOPICS.len()],
                    stats: StepStats::default(),
                    dropped: vec![0; TOPICS.len()],
                    total_dropped: vec![0; TOPICS.len()],
                }
            })
            .collect();
        Ok(DeterministicExecutor {
            slots,
            observers: Vec::new(),
            options,
            pool,
            runtime_name: NodeName::new("runtime").unwrap_or_default(),
            runtime_seq: 0,
        })
    }

    /// Adds an observer of every published sample (in the deterministic order).
    pub fn observe(&mut self, f: impl FnMut(&Arc<Sample>) + Send + 'static) {
        self.observers.push(Box::new(f));
    }

    /// Injects a sample from outside (a replayed recording, a test) at its stamp... delivered in the next
    /// round at the current instant. Used before `run` to seed inputs.
    pub fn inject(&mut self, sample: Arc<Sample>) {
        self.route(&sample);
    }

    fn route(&mut self, sample: &Arc<Sample>) {
        let bit = 1u64 << sample.topic as u64;
        for slot in self.slots.iter_mut().filter(|s| s.inputs & bit != 0) {
            let t = sample.topic as usize;
            match sample.topic.info().policy {
                QueuePolicy::LatestOnly => {
                    if let Some(pos) = slot.inbox.iter().position(|s| s.topic == sample.topic) {
                        slot.inbox.remove(pos);
                        slot.dropped[t] += 1;
                        slot.total_dropped[t] += 1;
                    }
                    slot.inbox.push(sample.clone());
                }
                QueuePolicy::DropOldest(n) | QueuePolicy::Lossless(n) => {
                    let queued = slot
                        .inbox
                        .iter()
                        .filter(|s| s.topic == sample.topic)
                        .count();
                    if queued >= n.max(1) {
                        slot.dropped[t] += 1;
                        slot.total_dropped[t] += 1;
                        if let QueuePolicy::DropOldest(_) = sample.topic.info().policy {
                            if let Some(pos) =
                                slot.inbox.iter().position(|s| s.topic == sample.topic)
                            {
                                slot.inbox.remove(pos);
                                slot.inbox.push(sample.clone());
                            }
                        }
                    } else {
                        slot.inbox.push(sample.clone());
                    }
                }
            }
        }
    }

    /// Merges every slot's outbox in slot order, numbers, observes and routes (each message keeps the
    /// stamp its step gave it: `now`, or an earlier `publish_at` stamp). Returns the sample count.
    fn merge(&mut self, now: SimTime) -> u64 {
        let mut produced = Vec::new();
        for slot in self.slots.iter_mut() {
            for Outgoing {
                topic,
                message,
                stamp,
            } in slot.outbox.drain(..)
            {
                let seq = &mut slot.seqs[topic as usize];
                let header = Header {
                    source: slot.name.clone(),
                    seq: *seq,
                    stamp,
                };
                *seq += 1;
                let sample = Sample {
                    topic,
                    header,
                    message,
                };
                if !sample.is_well_typed() {
                    tracing::error!(node = %slot.name, %topic, "node published a {:?} on {topic}: dropped", sample.message.kind());
                    continue;
                }
                produced.push(Arc::new(sample));
            }
        }
        // Overflows found while routing the previous round are reported now, by the runtime itself.
        let mut overflow = Vec::new();
        for slot in self.slots.iter_mut() {
            for (t, d) in slot.dropped.iter_mut().enumerate() {
                if *d > 0 {
                    overflow.push((TOPICS[t].id, slot.name.to_string(), std::mem::take(d)));
                }
            }
        }
        for (topic, subscriber, dropped) in overflow {
            let header = Header {
                source: self.runtime_name.clone(),
                seq: self.runtime_seq,
                stamp: now,
            };
            self.runtime_seq += 1;
            let d = Diagnostic {
                severity: Severity::Warning,
                kind: DiagnosticKind::QueueOverflow {
                    topic: topic.path().into(),
                    subscriber,
                    dropped,
                },
                message: format!(
                    "{dropped} message(s) dropped by the {:?} policy",
                    topic.info().policy
                ),
            };
            produced.push(Arc::new(Sample {
                topic: TopicId::Diagnostics,
                header,
                message: Message::Diagnostic(d),
            }));
        }
        let n = produced.len() as u64;
        for s in &produced {
            for o in self.observers.iter_mut() {
                o(s);
            }
            self.route(s);
        }
        n
    }

    fn run_round(&mut self, now: SimTime) {
        match &self.pool {
            Some(pool) => pool.install(|| {
                self.slots
                    .par_iter_mut()
                    .filter(|s| s.has_work())
                    .for_each(|s| s.step(now));
            }),
            None => self
                .slots
                .iter_mut()
                .filter(|s| s.has_work())
                .for_each(|s| s.step(now)),
        }
    }

    /// Runs like [`run`](Self::run) and returns every sample published, in the deterministic order
    /// (tests and tools that look at a whole run).
    pub fn run_collecting(mut self) -> (RunReport, Vec<Arc<Sample>>) {
        let seen: Arc<parking_lot::Mutex<Vec<Arc<Sample>>>> = Arc::default();
        let sink = seen.clone();
        self.observe(move |s| sink.lock().push(s.clone()));
        let report = self.run();
        let samples = std::mem::take(&mut *seen.lock());
        (report, samples)
    }

    /// Runs until a node requests a stop, `until` is reached, or nothing is left to do.
    pub fn run(&mut self) -> RunReport {
        let wall_start = Instant::now();
        let mut now = SimTime::ZERO;
        let mut rounds = 0u64;
        let mut samples = 0u64;
        let mut overflows: Vec<(TopicId, String, u64)> = Vec::new();
        for slot in self.slots.iter_mut() {
            slot.call(now, "start", |n, ctx| n.on_start(ctx));
        }
        samples += self.merge(now);
        'time: loop {
            // Mark the ticks and wake-ups due at this instant.
            for slot in self.slots.iter_mut() {
                if slot.next_tick() == Some(now) {
                    slot.tick_due = true;
                    slot.ticks += 1;
                }
                if slot.wakeups.iter().any(|&w| w <= now) {
                    slot.tick_due = true;
                    slot.wakeups.retain(|&w| w > now);
                }
            }
            while self.slots.iter().any(Slot::has_work) {
                self.run_round(now);
                rounds += 1;
                samples += self.merge(now);
            }
            if self.slots.iter().any(|s| s.stop) {
                break 'time;
            }
            let Some(next) = self.slots.iter().filter_map(Slot::next_due).min() else {
                break 'time;
            };
            if self.options.until.is_some_and(|u| next > u) {
                break 'time;
            }
            if let Pacing::WallClock { speed } = self.options.pacing {
                if speed.is_finite() && speed > 0.0 {
                    let target = wall_start + Duration::from_secs_f64(next.as_secs_f64() / speed);
                    let wait = target.saturating_duration_since(Instant::now());
                    if !wait.is_zero() {
                        std::thread::sleep(wait);
                    }
                }
            }
            now = next;
        }
        for slot in self.slots.iter_mut() {
            slot.call(now, "shutdown", |n, ctx| n.shutdown(ctx));
        }
        samples += self.merge(now);
        for slot in &self.slots {
            for (t, &d) in slot.total_dropped.iter().enumerate() {
                if d > 0 {
                    overflows.push((TOPICS[t].id, slot.name.to_string(), d));
                }
            }
        }
        RunReport {
            end: now,
            rounds,
            samples,
            wall: wall_start.elapsed(),
            nodes: self
                .slots
                .iter()
                .map(|s| (s.name.to_string(), s.stats.summary()))
                .collect(),
            overflows,
        }
    }
}
