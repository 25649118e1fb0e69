//! The live executor: nodes on tokio, inputs from a [`Bus`] (zenoh across processes and ECUs).
//!
//! Each node is one task that waits on its subscriptions and its tick timer and runs one step at a time
//! (steps are blocking code — inference — so they run under `block_in_place`). Vehicle time is the newest
//! input stamp, advanced by the wall clock in between, so it never goes backwards. Every step is timed;
//! per-node latency percentiles, deadline misses (a step longer than the tick period), queue overflows and
//! undecodable messages are published on the diagnostics topic at a fixed wall-clock period.

use super::node::{step_diagnostic, Context, Node, NodeError, Outgoing};
use super::resources;
use super::stats::{StepStats, StepSummary};
use crate::header::NodeName;
use crate::messages::{Diagnostic, DiagnosticKind, Message, Severity};
use crate::sample::Sample;
use crate::time::{SimDuration, SimTime};
use crate::topic::{topics, TopicId, TOPICS};
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
/// already under way adopts the drive's time at once). A node with inputs does not tick before then
/// (`run_node`).
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
        let health = Arc::new(Mutex::new(Health::new(&shared)));
        let reporter_health = health.clone();
        let reporter = tokio::spawn(async move {
            let mut every = tokio::time::interval(period);
            every.tick().await;
            loop {
                tokio::select! {
                    _ = every.tick() => reporter_health.lock().publish(&bus, &diag_name, &reporter_shared),
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
        health.lock().publish(
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

/// The previous report's clocks, so each report can say what share of a core went where since then.
struct Health {
    process: String,
    at: Instant,
    process_cpu: std::time::Duration,
    node_cpu: Vec<std::time::Duration>,
}

impl Health {
    fn new(shared: &[Arc<Shared>]) -> Self {
        Health {
            // The nodes this process runs name it (a deployment's process = "dms-ecu" is not known here).
            process: shared
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(","),
            at: Instant::now(),
            process_cpu: resources::process_cpu_time(),
            node_cpu: vec![Duration::ZERO; shared.len()],
        }
    }

    /// Publishes step timings, CPU and memory, and queue overflows on the diagnostics topic.
    fn publish(&mut self, bus: &Bus, me: &NodeName, shared: &[Arc<Shared>]) {
        let wall = self.at.elapsed();
        self.at = Instant::now();
        publish_health(bus, me, shared);
        let publish = |d: Diagnostic| {
            if let Err(e) = bus.publish(me, topics::DIAGNOSTICS, SimTime::ZERO, d) {
                tracing::warn!("cannot publish diagnostics: {e}");
            }
        };
        let cpu = resources::process_cpu_time();
        let m = resources::memory_status();
        let cpu_permille = resources::cpu_permille(cpu.saturating_sub(self.process_cpu), wall);
        self.process_cpu = cpu;
        publish(Diagnostic {
            severity: Severity::Info,
            kind: DiagnosticKind::ProcessResources {
                process: self.process.clone(),
                pid: std::process::id(),
                rss_kib: m.rss_kib,
                peak_rss_kib: m.peak_rss_kib,
                anon_kib: m.anon_kib,
                file_kib: m.file_kib,
                threads: m.threads,
                cpu_ms: cpu.as_millis().min(u64::MAX as u128) as u64,
                cpu_permille,
            },
            message: format!(
                "RSS {} MiB (peak {} MiB, heap {} MiB, files {} MiB), CPU {:.1}% of a core",
                m.rss_kib / 1024,
                m.peak_rss_kib / 1024,
                m.anon_kib / 1024,
                m.file_kib / 1024,
                cpu_permille as f64 / 10.0
            ),
        });
        for (s, last) in shared.iter().zip(self.node_cpu.iter_mut()) {
            let (steps, node_cpu) = {
                let st = s.stats.lock();
                (st.steps, st.cpu)
            };
            let permille = resources::cpu_permille(node_cpu.saturating_sub(*last), wall);
            *last = node_cpu;
            publish(Diagnostic {
                severity: Severity::Info,
                kind: DiagnosticKind::NodeResources {
                    node: s.name.to_string(),
                    steps,
                    cpu_ms: node_cpu.as_millis().min(u64::MAX as u128) as u64,
                    cpu_permille: permille,
                },
                message: format!("{:.1}% of a core in steps", permille as f64 / 10.0),
            });
        }
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
    let inputs = node.inputs();
    // A node with inputs lives on the drive's time, which it learns from its first input. Before that its
    // clock only counts from its own start-up: a tick output stamped with it (a camera node's "no frames")
    // would be ahead of the drive if the process started first, and every subscriber's clock, which never
    // goes backwards, would stay ahead with it (each later face then looks ~1 s old: "cannot monitor" for
    // the whole drive). So its ticks and wake-ups wait for the first input. A node without inputs (a
    // source) keeps its own clock from start-up, as before.
    let ticks_wait_for_input = !inputs.is_empty();
    for topic in inputs {
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
        last_stamps: vec![None; TOPICS.len()],
        stopped: false,
    };
    steps.step(node.as_mut(), clock.now(), |n, c| n.on_start(c));
    while !steps.stopped {
        let acts_on_time = clock.synced || !ticks_wait_for_input;
        // Wake-ups asked for before the first input stay pending until then (their time is the drive's).
        let next_wake = steps
            .wakeups
            .iter()
            .min()
            .filter(|_| acts_on_time)
            .map(|w| w.saturating_since(clock.now()).to_std());
        tokio::select! {
            Some(sample) = rx.recv() => {
                clock.observe(sample.header.stamp);
                // A message step happens at the time its input refers to, so outputs carry the input's
                // vehicle time (what end-to-end latency and replay comparisons key on).
                steps.step(node.as_mut(), sample.header.stamp, |n, c| n.on_message(&sample, c));
            }
            _ = async { match ticker.as_mut() { Some(t) => { t.tick().await; } None => std::future::pending::<()>().await } } => {
                if acts_on_time {
                    steps.step(node.as_mut(), clock.now(), |n, c| n.on_tick(c));
                }
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

/// What one node's steps share: the bus its outputs go to, its statistics, the wake-ups it asked for,
/// the latest stamp it published per topic (the floor of `publish_at`) and whether it asked to stop.
struct NodeSteps<'a> {
    bus: &'a Bus,
    shared: &'a Shared,
    wakeups: Vec<SimTime>,
    last_stamps: Vec<Option<SimTime>>,
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
        let mut outbox: Vec<Outgoing> = Vec::new();
        // Read inside block_in_place: that is the thread the step runs on.
        let (result, cpu) = tokio::task::block_in_place(|| {
            let cpu_started = resources::thread_cpu_time();
            let mut ctx = Context::new(
                name,
                now,
                &mut outbox,
                &mut self.last_stamps,
                &mut self.wakeups,
                &mut self.stopped,
            );
            let r = catch_unwind(AssertUnwindSafe(|| f(node, &mut ctx)));
            (r, resources::thread_cpu_time().saturating_sub(cpu_started))
        });
        let deadline = node.tick_period().map(SimDuration::to_std);
        let diag = {
            let mut st = shared.stats.lock();
            st.record(started.elapsed(), deadline);
            st.record_cpu(cpu);
            step_diagnostic(name, result, &mut st)
        };
        if let Some(d) = diag {
            outbox.push(Outgoing {
                topic: TopicId::Diagnostics,
                message: Message::Diagnostic(d),
                stamp: now,
            });
        }
        // Each message keeps its step's stamp: `now`, or the earlier instant given to `publish_at`.
        for Outgoing {
            topic,
            message,
            stamp,
        } in outbox
        {
            let header = crate::header::Header {
                source: name.clone(),
                seq: bus.next_seq(name, topic),
                stamp,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::NodeResult;

    /// Ticks every 5 ms and burns a little CPU in each step, so its CPU clock moves.
    struct Busy;

    impl Node for Busy {
        fn inputs(&self) -> Vec<TopicId> {
            Vec::new()
        }
        fn tick_period(&self) -> Option<SimDuration> {
            Some(SimDuration::from_millis(5))
        }
        fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
            Ok(())
        }
        fn on_tick(&mut self, _: &mut Context) -> NodeResult {
            let mut x = 0u64;
            for i in 0..200_000u64 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
            }
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn process_and_node_resources_are_on_the_diagnostics_topic() {
        let bus = Bus::in_process("demo");
        let diags = bus
            .subscribe(TopicId::Diagnostics, "test")
            .expect("subscribe");
        let name = NodeName::new("busy").expect("name");
        let exec = LiveExecutor::new(
            bus.clone(),
            vec![(name, Box::new(Busy) as Box<dyn Node>)],
            LiveOptions {
                diagnostics_period: Duration::from_millis(50),
            },
        );
        exec.run(tokio::time::sleep(Duration::from_millis(300)))
            .await;
        let (mut process, mut node) = (None, None);
        while let Some(s) = diags.try_recv() {
            let Message::Diagnostic(d) = &s.message else {
                continue;
            };
            match &d.kind {
                DiagnosticKind::ProcessResources { .. } => process = Some(d.kind.clone()),
                DiagnosticKind::NodeResources { node: n, .. } if n == "busy" => {
                    node = Some(d.kind.clone())
                }
                _ => {}
            }
        }
        let Some(DiagnosticKind::ProcessResources {
            process,
            pid,
            rss_kib,
            peak_rss_kib,
            threads,
            cpu_ms,
            ..
        }) = process
        else {
            panic!("no ProcessResources diagnostic");
        };
        assert_eq!(process, "busy");
        assert_eq!(pid, std::process::id());
        assert!(rss_kib > 0 && peak_rss_kib >= rss_kib && threads >= 2);
        assert!(cpu_ms > 0);
        let Some(DiagnosticKind::NodeResources { steps, .. }) = node else {
            panic!("no NodeResources diagnostic for the node");
        };
        assert!(steps > 0);
    }

    /// Subscribes to alerts and publishes a decision on every tick: the shape of a camera node that
    /// reports "no frames" from its tick.
    struct TickReporter;

    impl Node for TickReporter {
        fn inputs(&self) -> Vec<TopicId> {
            vec![TopicId::Alert]
        }
        fn tick_period(&self) -> Option<SimDuration> {
            Some(SimDuration::from_millis(10))
        }
        fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
            Ok(())
        }
        fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
            ctx.publish(
                crate::topics::DECISION,
                crate::messages::AgentDecision {
                    decision: "tick".into(),
                    interest: None,
                    poi_id: None,
                    reason: String::new(),
                },
            );
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_with_inputs_ticks_only_on_the_drive_time_it_was_given() {
        use crate::messages::{Alert, AlertKind, AlertLevel};
        let bus = Bus::in_process("demo");
        let decisions = bus.subscribe(TopicId::Decision, "test").expect("subscribe");
        let exec = LiveExecutor::new(
            bus.clone(),
            vec![(
                NodeName::new("camera").expect("name"),
                Box::new(TickReporter) as Box<dyn Node>,
            )],
            LiveOptions::default(),
        );
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(exec.run(async move {
            let _ = stop_rx.await;
        }));
        // Started well before the drive: 25 ticks' worth of wall time with no input.
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(
            decisions.try_recv().is_none(),
            "a tick before the first input was published on the node's start-up clock"
        );
        // The drive starts: its first input is stamped 2 s.
        let drive = SimTime::from_millis(2000);
        let me = NodeName::new("driver_state").expect("name");
        let alert = Alert {
            kind: AlertKind::LongDistraction,
            level: AlertLevel::Warning,
            reason: "start".into(),
        };
        bus.publish(&me, crate::topics::ALERT, drive, alert)
            .expect("publish");
        let first = tokio::time::timeout(Duration::from_secs(20), decisions.recv())
            .await
            .expect("the node ticks once the drive's time is known");
        assert!(
            first.header.stamp >= drive,
            "tick stamped {:?}, before the drive time {drive:?} it was given",
            first.header.stamp
        );
        let _ = stop_tx.send(());
        running.await.expect("executor");
    }
}
