//! The deterministic executor: identical event logs run to run and across worker counts, failing nodes
//! contained and reported, ticks / wake-ups / stop honoured.

use cabin_bus::messages::*;
use cabin_bus::runtime::{
    Context, DeterministicExecutor, EventLog, ExecutorOptions, Node, NodeError, NodeResult, Pacing,
};
use cabin_bus::{topics, NodeName, Sample, SimDuration, SimTime, TopicId};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// A source node: no inputs, `on_tick` every 100 ms of sim time.
struct Every100Ms<F>(F);

impl<F: FnMut(&mut Context) + Send> Node for Every100Ms<F> {
    fn inputs(&self) -> Vec<TopicId> {
        vec![]
    }
    fn tick_period(&self) -> Option<SimDuration> {
        Some(SimDuration::from_millis(100))
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        (self.0)(ctx);
        Ok(())
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }
}

/// Publishes a vehicle state every 100 ms of sim time and stops after `seconds`.
fn vehicle_source(seconds: u64) -> Every100Ms<impl FnMut(&mut Context) + Send> {
    Every100Ms(move |ctx: &mut Context| {
        let t = ctx.now().as_secs_f64();
        if t >= seconds as f64 {
            ctx.request_stop();
        }
        ctx.publish(
            topics::VEHICLE,
            VehicleState {
                position: GeoPoint {
                    lat: 48.0 + t * 1e-5,
                    lon: 11.0,
                },
                speed_mps: (20.0 + 10.0 * (t / 7.0).sin()) as f32,
                heading_deg: 90.0,
                route_progress_m: t * 25.0,
                time_of_day_s: 3600 * 14 + t as u32,
            },
        );
    })
}

/// Derives a decision from each vehicle state, with a wall-clock delay that varies per node and message
/// so thread timing differs between runs — the output must not.
struct Deriver {
    id: u32,
    count: u64,
}

impl Node for Deriver {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Vehicle, TopicId::Decision]
    }
    fn on_message(&mut self, s: &Sample, ctx: &mut Context) -> NodeResult {
        self.count += 1;
        std::thread::sleep(Duration::from_micros(
            (self.count * 7919 + self.id as u64 * 104_729) % 300,
        ));
        match &s.message {
            Message::VehicleState(v) if self.count % 3 == self.id as u64 % 3 => {
                ctx.publish(
                    topics::DECISION,
                    AgentDecision {
                        decision: format!("n{}", self.id),
                        interest: None,
                        poi_id: Some(self.count),
                        reason: format!("speed {:.3} from {}", v.speed_mps, s.header.source),
                    },
                );
            }
            Message::AgentDecision(d)
                if d.decision != format!("n{}", self.id) && self.count.is_multiple_of(11) =>
            {
                ctx.publish(
                    topics::ALERT,
                    Alert {
                        kind: AlertKind::Drowsiness,
                        level: AlertLevel::Info,
                        reason: format!("{} saw {}", self.id, d.reason),
                    },
                );
            }
            _ => {}
        }
        Ok(())
    }
}

/// Fails on every 5th vehicle message and panics on every 7th.
struct Faulty {
    n: u64,
}

impl Node for Faulty {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Vehicle]
    }
    fn on_message(&mut self, _: &Sample, ctx: &mut Context) -> NodeResult {
        self.n += 1;
        if self.n.is_multiple_of(7) {
            panic!("faulty node blew up on message {}", self.n);
        }
        if self.n.is_multiple_of(5) {
            return Err(NodeError::failed(format!(
                "model failed on message {}",
                self.n
            )));
        }
        if self.n.is_multiple_of(13) {
            return Err(NodeError::input(TopicId::Vehicle, "NaN speed"));
        }
        ctx.publish(
            topics::DECISION,
            AgentDecision {
                decision: "faulty_ok".into(),
                interest: None,
                poi_id: Some(self.n),
                reason: String::new(),
            },
        );
        Ok(())
    }
}

fn name(s: &str) -> NodeName {
    NodeName::new(s).expect("valid name")
}

fn graph(seconds: u64, faulty: bool) -> Vec<(NodeName, Box<dyn Node>)> {
    let mut v: Vec<(NodeName, Box<dyn Node>)> =
        vec![(name("source"), Box::new(vehicle_source(seconds)))];
    for id in 0..4 {
        v.push((
            name(&format!("deriver{id}")),
            Box::new(Deriver { id, count: 0 }),
        ));
    }
    if faulty {
        v.push((name("faulty"), Box::new(Faulty { n: 0 })));
    }
    v
}

fn run(workers: usize, faulty: bool) -> (String, u64, Vec<String>) {
    let (report, samples) =
        DeterministicExecutor::new(graph(20, faulty), ExecutorOptions::with_workers(workers))
            .expect("executor")
            .run_collecting();
    assert!(report.end >= SimTime::from_millis(20_000));
    let mut log = EventLog::hash_only();
    for s in &samples {
        log.record(s).expect("hash");
    }
    let lines = samples
        .iter()
        .filter(|s| s.topic == TopicId::Diagnostics)
        .map(|s| EventLog::line(s).expect("json"))
        .collect();
    let n = log.lines();
    (log.finish().expect("hash"), n, lines)
}

#[test]
fn same_input_gives_the_same_events_log_twice_and_with_any_worker_count() {
    let (h1, n1, _) = run(1, false);
    let (h1b, _, _) = run(1, false);
    let (h2, n2, _) = run(2, false);
    let (h4, _, _) = run(4, false);
    assert!(n1 > 300, "the graph produced {n1} derived events");
    assert_eq!(n1, n2);
    assert_eq!(h1, h1b, "two runs differ");
    assert_eq!(h1, h2, "1 vs 2 workers differ");
    assert_eq!(h1, h4, "1 vs 4 workers differ");
}

#[test]
fn a_failing_or_panicking_node_is_reported_and_contained() {
    let (h1, _, diags) = run(2, true);
    let (h2, _, _) = run(1, true);
    assert_eq!(h1, h2, "fault handling is deterministic too");
    let panics = diags
        .iter()
        .filter(|l| l.contains("node_panic") && l.contains("blew up"))
        .count();
    let errors = diags
        .iter()
        .filter(|l| l.contains("node_error") && l.contains("model failed"))
        .count();
    let rejected = diags
        .iter()
        .filter(|l| l.contains("input_rejected") && l.contains("NaN speed"))
        .count();
    // 201 vehicle messages in 20 s: every 7th panics, every 5th (not 7th) fails, every 13th (neither) rejects.
    assert_eq!(panics, 201 / 7);
    assert_eq!(errors, 201 / 5 - 201 / 35);
    assert!(rejected > 0);
    // The source and the other nodes kept running to the end.
    let mut exec =
        DeterministicExecutor::new(graph(5, true), ExecutorOptions::default()).expect("executor");
    let report = exec.run();
    let faulty = report
        .nodes
        .iter()
        .find(|(n, _)| n == "faulty")
        .map(|(_, s)| s.clone())
        .expect("faulty stats");
    assert_eq!(faulty.steps, 51);
    assert_eq!(faulty.panics, 51 / 7);
    assert!(report.end >= SimTime::from_millis(5000));
}

struct Waker {
    seen: Arc<Mutex<Vec<u64>>>,
}

impl Node for Waker {
    fn inputs(&self) -> Vec<TopicId> {
        vec![]
    }
    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        ctx.wake_at(SimTime::from_millis(250));
        ctx.wake_at(SimTime::from_millis(1000));
        Ok(())
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        self.seen.lock().push(ctx.now().as_nanos() / 1_000_000);
        if ctx.now() == SimTime::from_millis(250) {
            ctx.wake_at(SimTime::from_millis(600));
        }
        Ok(())
    }
}

#[test]
fn wake_ups_fire_at_their_times_and_the_run_ends_when_idle() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut exec = DeterministicExecutor::new(
        vec![(name("w"), Box::new(Waker { seen: seen.clone() }))],
        ExecutorOptions::default(),
    )
    .expect("executor");
    let report = exec.run();
    assert_eq!(*seen.lock(), [250, 600, 1000]);
    assert_eq!(report.end, SimTime::from_millis(1000));
}

#[test]
fn until_bounds_the_run_and_wall_clock_pacing_keeps_pace() {
    let mut exec = DeterministicExecutor::new(
        graph(1000, false),
        ExecutorOptions {
            workers: 1,
            pacing: Pacing::WallClock { speed: 10.0 },
            until: Some(SimTime::from_millis(2000)),
        },
    )
    .expect("executor");
    let report = exec.run();
    assert_eq!(report.end, SimTime::from_millis(2000));
    // 2 s of sim time at 10x cannot finish before 0.2 s of wall time (a lower bound only: no upper timing bound).
    assert!(
        report.wall >= Duration::from_millis(190),
        "{:?}",
        report.wall
    );
}

/// Publishes two camera frames per tick: the latest-only policy keeps one and reports the drop.
fn frame_burst() -> Every100Ms<impl FnMut(&mut Context) + Send> {
    Every100Ms(|ctx: &mut Context| {
        ctx.publish(topics::CAMERA, cabin_bus::fixtures::camera_frame(4, 4));
        ctx.publish(topics::CAMERA, cabin_bus::fixtures::camera_frame(4, 4));
        if ctx.now() >= SimTime::from_millis(900) {
            ctx.request_stop();
        }
    })
}

struct FrameSink {
    frames: Arc<Mutex<u64>>,
}
impl Node for FrameSink {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Camera]
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        *self.frames.lock() += 1;
        Ok(())
    }
}

#[test]
fn overflow_follows_the_topic_policy_and_is_reported() {
    let frames = Arc::new(Mutex::new(0));
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![
        (name("cam"), Box::new(frame_burst())),
        (
            name("dms"),
            Box::new(FrameSink {
                frames: frames.clone(),
            }),
        ),
    ];
    let mut exec = DeterministicExecutor::new(nodes, ExecutorOptions::default()).expect("executor");
    let overflow = Arc::new(Mutex::new(0u64));
    let o2 = overflow.clone();
    exec.observe(move |s| {
        if let Some(Diagnostic {
            kind:
                DiagnosticKind::QueueOverflow {
                    dropped,
                    subscriber,
                    ..
                },
            ..
        }) = s.get::<Diagnostic>()
        {
            assert_eq!(subscriber, "dms");
            *o2.lock() += dropped;
        }
    });
    let report = exec.run();
    assert_eq!(*frames.lock(), 10, "one frame per tick survives");
    assert_eq!(*overflow.lock(), 10, "every dropped frame is reported");
    assert_eq!(
        report.overflows,
        vec![(TopicId::Camera, "dms".to_string(), 10)]
    );
}
