//! The in-process transport: delivery of every message type, state topics for late joiners, overflow
//! policies and their counters.

use cabin_bus::messages::{Alert, AlertKind, AlertLevel, Blob};
use cabin_bus::{fixtures, topics, Bus, BusError, NodeName, QueuePolicy, SimTime, TopicId};
use std::sync::Arc;
use std::time::Duration;

fn alert(n: u32) -> Alert {
    Alert {
        kind: AlertKind::Drowsiness,
        level: AlertLevel::Info,
        reason: format!("#{n}"),
    }
}

#[test]
fn every_message_type_is_delivered_unchanged() {
    let bus = Bus::in_process("test");
    let samples = fixtures::every_sample("src", SimTime::from_millis(7));
    let subs: Vec<_> = samples
        .iter()
        .map(|s| bus.subscribe(s.topic, "reader").expect("subscribe"))
        .collect();
    for s in &samples {
        bus.publish_sample(Arc::new(s.clone())).expect("publish");
    }
    for (s, sub) in samples.iter().zip(&subs) {
        let got = sub
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|| panic!("nothing on {}", s.topic));
        assert_eq!(got.header, s.header);
        assert_eq!(
            cabin_bus::codec::encode(&got).ok(),
            cabin_bus::codec::encode(s).ok()
        );
    }
}

#[test]
fn camera_frames_are_shared_not_copied() {
    let bus = Bus::in_process("test");
    let a = bus.subscribe(TopicId::Camera, "a").expect("subscribe");
    let b = bus.subscribe(TopicId::Camera, "b").expect("subscribe");
    let me = NodeName::new("cam").expect("name");
    bus.publish(
        &me,
        topics::CAMERA,
        SimTime::ZERO,
        fixtures::camera_frame(640, 480),
    )
    .expect("publish");
    let (fa, fb) = (a.try_recv().expect("a"), b.try_recv().expect("b"));
    let pa = fa
        .get::<cabin_bus::messages::CameraFrame>()
        .map(|f| Blob::as_slice(&f.data).as_ptr());
    let pb = fb
        .get::<cabin_bus::messages::CameraFrame>()
        .map(|f| Blob::as_slice(&f.data).as_ptr());
    assert!(
        pa.is_some() && pa == pb,
        "both subscribers see the same pixel buffer"
    );
}

#[test]
fn headers_carry_per_topic_sequence_numbers() {
    let bus = Bus::in_process("test");
    let sub = bus.subscribe(TopicId::Alert, "r").expect("subscribe");
    let me = NodeName::new("driver_state").expect("name");
    for i in 0..3 {
        let h = bus
            .publish(
                &me,
                topics::ALERT,
                SimTime::from_millis(i * 100),
                alert(i as u32),
            )
            .expect("publish");
        assert_eq!(h.seq, i);
    }
    let seqs: Vec<u64> = std::iter::from_fn(|| sub.try_recv())
        .map(|s| s.header.seq)
        .collect();
    assert_eq!(seqs, [0, 1, 2]);
}

#[test]
fn late_joiners_get_the_last_state_at_once() {
    let bus = Bus::in_process("test");
    let me = NodeName::new("sim").expect("name");
    let samples = fixtures::every_sample("sim", SimTime::ZERO);
    let vehicle = samples[TopicId::Vehicle as usize].clone();
    bus.publish_sample(Arc::new(vehicle.clone()))
        .expect("publish");
    bus.publish(&me, topics::ALERT, SimTime::ZERO, alert(1))
        .expect("publish");
    let late_state = bus.subscribe(TopicId::Vehicle, "late").expect("subscribe");
    let late_event = bus.subscribe(TopicId::Alert, "late").expect("subscribe");
    assert_eq!(
        late_state.try_recv().map(|s| s.header.clone()),
        Some(vehicle.header)
    );
    assert!(
        late_event.try_recv().is_none(),
        "events are not replayed to late joiners"
    );
}

#[test]
fn latest_only_drops_old_frames_and_counts_them() {
    let bus = Bus::in_process("test");
    let sub = bus
        .subscribe(TopicId::Camera, "slow_reader")
        .expect("subscribe");
    assert_eq!(sub.queue().policy(), QueuePolicy::LatestOnly);
    let me = NodeName::new("cam").expect("name");
    for i in 0..5 {
        bus.publish(
            &me,
            topics::CAMERA,
            SimTime::from_millis(i * 33),
            fixtures::camera_frame(8, 8),
        )
        .expect("latest-only never refuses");
    }
    assert_eq!(
        sub.try_recv().map(|s| s.header.seq),
        Some(4),
        "the newest frame survives"
    );
    let report = bus.overflow_report();
    assert_eq!(report.len(), 1);
    assert_eq!(
        (
            report[0].topic,
            report[0].new_drops,
            report[0].subscriber.as_str()
        ),
        (TopicId::Camera, 4, "slow_reader")
    );
    assert!(bus.overflow_report().is_empty(), "reported once");
}

#[test]
fn lossless_queues_refuse_with_an_error_never_silently() {
    let bus = Bus::in_process("test");
    let sub = bus
        .subscribe_with(TopicId::Alert, "reader", QueuePolicy::Lossless(2))
        .expect("subscribe");
    let me = NodeName::new("ds").expect("name");
    bus.publish(&me, topics::ALERT, SimTime::ZERO, alert(0))
        .expect("fits");
    bus.publish(&me, topics::ALERT, SimTime::ZERO, alert(1))
        .expect("fits");
    let err = bus
        .publish(&me, topics::ALERT, SimTime::ZERO, alert(2))
        .expect_err("full queue refuses");
    assert!(
        matches!(
            err,
            BusError::Overflow {
                topic: TopicId::Alert,
                capacity: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(sub.queue().dropped(), 1);
    assert_eq!(bus.overflow_report()[0].total_drops, 1);
    assert_eq!(
        sub.try_recv()
            .and_then(|s| s.get::<Alert>().map(|a| a.reason.clone()))
            .as_deref(),
        Some("#0")
    );
}

#[test]
fn wrong_payload_for_a_topic_is_refused() {
    let bus = Bus::in_process("test");
    let mut s = fixtures::every_sample("x", SimTime::ZERO)[TopicId::Alert as usize].clone();
    s.topic = TopicId::DriverState;
    assert!(matches!(
        bus.publish_sample(Arc::new(s)),
        Err(BusError::WrongPayload { .. })
    ));
}
