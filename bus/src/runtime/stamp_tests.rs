//! `Context::publish_at` on both executors: a message keeps the earlier stamp its node gave it, a stamp
//! after the step's time or before the node's previous one on the topic is refused, and a run with past
//! stamps stays byte-identical at any worker count.

use super::*;
use crate::header::NodeName;
use crate::messages::{GeoPoint, VehicleState};
use crate::sample::Sample;
use crate::time::{SimDuration, SimTime};
use crate::topic::{topics, TopicId};
use crate::transport::Bus;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// How far before its tick each reading was "taken", varying per tick (a sensor's age).
fn age(tick: u64) -> SimDuration {
    SimDuration::from_millis(5 + (tick * 7) % 40)
}

/// `t - d`, zero at the floor (a sensor's reading can be no older than the drive).
fn minus(t: SimTime, d: SimDuration) -> SimTime {
    SimTime(t.as_nanos().saturating_sub(d.as_nanos()))
}

fn vehicle(t: f64) -> VehicleState {
    VehicleState {
        position: GeoPoint {
            lat: 48.0,
            lon: 11.0,
        },
        speed_mps: 20.0 + t as f32,
        heading_deg: 90.0,
        route_progress_m: t * 20.0,
        time_of_day_s: 3600 * 12,
    }
}

/// A sensor source: every 50 ms it publishes a reading stamped with the instant it was taken (`now -
/// age`, kept above its previous stamp), and on some ticks tries the two stamps it must be refused.
struct Sensor {
    tick: u64,
    ticks: u64,
    stamps: Arc<Mutex<Vec<SimTime>>>,
    refused: Arc<Mutex<Vec<StampError>>>,
}

impl Node for Sensor {
    fn inputs(&self) -> Vec<TopicId> {
        Vec::new()
    }
    fn tick_period(&self) -> Option<SimDuration> {
        Some(SimDuration::from_millis(50))
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        self.tick += 1;
        if self.tick > self.ticks {
            ctx.request_stop();
            return Ok(());
        }
        let now = ctx.now();
        let floor = ctx.last_stamp(TopicId::Vehicle).unwrap_or(SimTime::ZERO);
        let stamp = minus(now, age(self.tick)).max(floor);
        ctx.publish_at(topics::VEHICLE, vehicle(stamp.as_secs_f64()), stamp)?;
        self.stamps.lock().push(stamp);
        if self.tick.is_multiple_of(5) {
            let future = now + SimDuration::from_millis(1);
            let before = minus(stamp, SimDuration::from_nanos(1));
            for at in [future, before] {
                if let Err(e) = ctx.publish_at(topics::VEHICLE, vehicle(0.0), at) {
                    self.refused.lock().push(e);
                }
            }
        }
        Ok(())
    }
}

/// Reads the readings and republishes each one's speed as its own output, at its own step time.
struct Reader {
    seen: Arc<Mutex<Vec<(SimTime, SimTime)>>>,
}

impl Node for Reader {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Vehicle]
    }
    fn on_message(&mut self, s: &Sample, ctx: &mut Context) -> NodeResult {
        self.seen.lock().push((s.header.stamp, ctx.now()));
        Ok(())
    }
}

type Shared<T> = Arc<Mutex<Vec<T>>>;

#[allow(clippy::type_complexity)]
fn graph(
    ticks: u64,
) -> (
    Vec<(NodeName, Box<dyn Node>)>,
    Shared<SimTime>,
    Shared<StampError>,
    Shared<(SimTime, SimTime)>,
) {
    let (stamps, refused, seen) = (Shared::default(), Shared::default(), Shared::default());
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![
        (
            NodeName::new("sensor").expect("name"),
            Box::new(Sensor {
                tick: 0,
                ticks,
                stamps: stamps.clone(),
                refused: refused.clone(),
            }),
        ),
        (
            NodeName::new("reader").expect("name"),
            Box::new(Reader { seen: seen.clone() }),
        ),
    ];
    (nodes, stamps, refused, seen)
}

#[test]
fn deterministic_executor_keeps_past_stamps_and_refuses_bad_ones() {
    let (nodes, stamps, refused, seen) = graph(40);
    let (_, samples) = DeterministicExecutor::new(nodes, ExecutorOptions::with_workers(1))
        .expect("executor")
        .run_collecting();
    let stamps = stamps.lock().clone();
    assert_eq!(stamps.len(), 40);
    let published: Vec<SimTime> = samples
        .iter()
        .filter(|s| s.topic == TopicId::Vehicle)
        .map(|s| s.header.stamp)
        .collect();
    assert_eq!(
        published, stamps,
        "every reading keeps the stamp its node gave it"
    );
    // Tick k runs at k * 50 ms (the first at 0, where the age saturates to 0).
    for (k, s) in stamps.iter().enumerate().skip(1) {
        let tick_at = SimTime::from_millis(50 * k as u64);
        assert_eq!(*s, minus(tick_at, age(k as u64 + 1)));
        assert!(*s < tick_at, "a past stamp");
    }
    // Delivered at the instant it was published (the clock never went back), stamp older than that.
    let seen = seen.lock().clone();
    assert_eq!(seen.len(), 40);
    for (k, (stamp, at)) in seen.iter().enumerate() {
        assert_eq!(*stamp, stamps[k]);
        assert_eq!(*at, SimTime::from_millis(50 * k as u64));
    }
    let refused = refused.lock().clone();
    assert_eq!(refused.len(), 16, "8 ticks x (one future, one backwards)");
    assert!(refused
        .iter()
        .step_by(2)
        .all(|e| matches!(e, StampError::InFuture { .. })));
    assert!(refused
        .iter()
        .skip(1)
        .step_by(2)
        .all(|e| matches!(e, StampError::BeforePrevious { .. })));
}

#[test]
fn past_stamps_are_byte_identical_at_any_worker_count() {
    let hash = |workers: usize| {
        let (nodes, ..) = graph(60);
        let (_, samples) =
            DeterministicExecutor::new(nodes, ExecutorOptions::with_workers(workers))
                .expect("executor")
                .run_collecting();
        let mut log = EventLog::hash_only();
        for s in &samples {
            log.record(s).expect("hash");
        }
        log.finish().expect("hash")
    };
    let one = hash(1);
    assert_eq!(one, hash(2));
    assert_eq!(one, hash(4));
}

#[test]
fn publish_keeps_raising_the_floor_of_publish_at() {
    let name = NodeName::new("n").expect("name");
    let (mut outbox, mut wakeups, mut stop) = (Vec::new(), Vec::new(), false);
    let mut last = vec![None; crate::topic::TOPICS.len()];
    let mut ctx = Context::new(
        &name,
        SimTime::from_millis(100),
        &mut outbox,
        &mut last,
        &mut wakeups,
        &mut stop,
    );
    ctx.publish(topics::VEHICLE, vehicle(0.0));
    assert_eq!(
        ctx.publish_at(topics::VEHICLE, vehicle(0.0), SimTime::from_millis(90)),
        Err(StampError::BeforePrevious {
            topic: TopicId::Vehicle,
            stamp: SimTime::from_millis(90),
            previous: SimTime::from_millis(100),
        })
    );
    // Equal to the previous stamp is allowed; another topic has its own floor.
    assert!(ctx
        .publish_at(topics::VEHICLE, vehicle(0.0), SimTime::from_millis(100))
        .is_ok());
    assert!(ctx
        .publish_at(
            topics::DIAGNOSTICS,
            crate::messages::Diagnostic {
                severity: crate::messages::Severity::Info,
                kind: crate::messages::DiagnosticKind::NodeError { node: "n".into() },
                message: "an earlier report".into(),
            },
            SimTime::from_millis(10)
        )
        .is_ok());
    assert_eq!(outbox.len(), 3);
}

#[test]
fn live_executor_sends_each_message_with_its_own_stamp() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let bus = Bus::in_process("demo");
        let sub = bus.subscribe(TopicId::Vehicle, "test").expect("subscribe");
        let (nodes, stamps, refused, _) = graph(12);
        // Only the sensor: the reader is the test's own subscription.
        let nodes = nodes.into_iter().take(1).collect();
        let exec = LiveExecutor::new(bus.clone(), nodes, LiveOptions::default());
        // The sensor stops itself after 12 ticks; the bound only keeps a wedged run from hanging.
        exec.run(tokio::time::sleep(Duration::from_secs(60))).await;
        let mut received = Vec::new();
        while let Some(s) = sub.try_recv() {
            received.push(s.header.stamp);
        }
        let stamps = stamps.lock().clone();
        assert_eq!(stamps.len(), 12);
        assert_eq!(
            received, stamps,
            "each message carries the stamp given to publish_at"
        );
        assert!(stamps.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(
            refused.lock().len(),
            4,
            "ticks 5 and 10: a future and a backwards stamp each"
        );
    });
}
