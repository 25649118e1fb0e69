//! Two real zenoh sessions on loopback (peer mode, multicast scouting off): every message type crosses,
//! host-local topics do not, state topics reach late joiners, and garbage is counted, not fatal.
//! Every wait has a timeout so a hang fails fast instead of eating CI's time.

use cabin_bus::messages::{Alert, AlertKind, AlertLevel};
use cabin_bus::{
    codec, fixtures, topics, Bus, NodeName, SimTime, Subscription, TopicId, Transport, ZenohConfig,
    ZenohTransport,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zenoh::Wait;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Two sessions of `vehicle` on loopback, b connected to a, each with a bus on top.
struct Connected {
    a: Arc<ZenohTransport>,
    b: Arc<ZenohTransport>,
    bus_a: Bus,
    bus_b: Bus,
    /// b's subscription to alerts, proven to receive a's publications (drained).
    alerts_b: Subscription,
}

fn connected(vehicle: &str, export: bool) -> Connected {
    let p = free_port();
    let mut ca = ZenohConfig::loopback(p, &[]);
    ca.export_host_local = export;
    let mut cb = ZenohConfig::loopback(free_port(), &[p]);
    cb.export_host_local = export;
    let a = Arc::new(ZenohTransport::open(vehicle, &ca).expect("session a"));
    let b = Arc::new(ZenohTransport::open(vehicle, &cb).expect("session b"));
    let bus_a = Bus::new(vehicle, a.clone());
    let bus_b = Bus::new(vehicle, b.clone());
    let alerts_b = bus_b.subscribe(TopicId::Alert, "probe").expect("subscribe");
    handshake(&bus_a, &alerts_b);
    Connected {
        a,
        b,
        bus_a,
        bus_b,
        alerts_b,
    }
}

/// Publishes `probe` until `sub` sees something (declarations propagate asynchronously).
fn handshake(bus: &Bus, sub: &Subscription) {
    let me = NodeName::new("probe").expect("name");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let alert = Alert {
            kind: AlertKind::Drowsiness,
            level: AlertLevel::Info,
            reason: "probe".into(),
        };
        bus.publish(&me, topics::ALERT, SimTime::ZERO, alert)
            .expect("publish probe");
        if sub.recv_timeout(Duration::from_millis(100)).is_some() {
            while sub.try_recv().is_some() {}
            return;
        }
    }
    panic!("the two zenoh sessions never connected");
}

#[test]
fn every_network_message_type_crosses_and_host_local_ones_do_not() {
    let Connected {
        bus_a,
        bus_b,
        alerts_b,
        ..
    } = connected("ztest1", false);
    drop(alerts_b);

    let samples = fixtures::every_sample("sender", SimTime::from_millis(500));
    let remote: Vec<Subscription> = samples
        .iter()
        .map(|s| bus_b.subscribe(s.topic, "remote").expect("subscribe"))
        .collect();
    let local: Vec<Subscription> = samples
        .iter()
        .map(|s| bus_a.subscribe(s.topic, "local").expect("subscribe"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for s in &samples {
        bus_a.publish_sample(Arc::new(s.clone())).expect("publish");
    }
    for ((s, r), l) in samples.iter().zip(&remote).zip(&local) {
        let expected = codec::encode(s).expect("encodes");
        let got_local = l
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{} not delivered locally", s.topic));
        assert_eq!(codec::encode(&got_local).expect("encodes"), expected);
        if s.topic.info().host_local {
            assert!(
                r.recv_timeout(Duration::from_millis(300)).is_none(),
                "{} left the host",
                s.topic
            );
        } else {
            let got = r
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|| panic!("{} did not cross", s.topic));
            assert_eq!(
                codec::encode(&got).expect("encodes"),
                expected,
                "{} changed in transit",
                s.topic
            );
        }
    }
}

#[test]
fn host_local_topics_cross_only_when_exported() {
    let Connected { bus_a, bus_b, .. } = connected("ztest2", true);
    let frames = bus_b
        .subscribe(TopicId::Camera, "bench")
        .expect("subscribe");
    std::thread::sleep(Duration::from_millis(300));
    let me = NodeName::new("cam").expect("name");
    let sent = fixtures::camera_frame(640, 480);
    bus_a
        .publish(&me, topics::CAMERA, SimTime::ZERO, sent.clone())
        .expect("publish");
    let f = frames
        .recv_timeout(Duration::from_secs(10))
        .expect("exported frame crosses");
    // The pixels crossed as their own zenoh slice and arrived as a slice of zenoh's buffer: intact.
    let got = f
        .get::<cabin_bus::messages::CameraFrame>()
        .expect("a frame");
    assert_eq!(got.data.len(), 640 * 480);
    assert_eq!(got, &sent);
}

#[test]
fn a_late_joiner_gets_the_last_state_value() {
    let Connected { bus_a, bus_b, .. } = connected("ztest3", false);
    let mut last =
        fixtures::every_sample("sim", SimTime::from_millis(900))[TopicId::Vehicle as usize].clone();
    for seq in 0..3 {
        last.header.seq = seq;
        bus_a
            .publish_sample(Arc::new(last.clone()))
            .expect("publish");
    }
    std::thread::sleep(Duration::from_millis(200));
    // Subscribes after the publications: the advanced subscriber's history query fetches the cached one.
    let late = bus_b
        .subscribe(TopicId::Vehicle, "restarted_agent")
        .expect("subscribe");
    let got = late
        .recv_timeout(Duration::from_secs(10))
        .expect("late joiner gets the last vehicle state");
    assert_eq!(got.header.seq, 2);
}

#[test]
fn garbage_on_a_topic_is_counted_and_the_stream_goes_on() {
    let Connected {
        a,
        b,
        bus_a,
        alerts_b: sub,
        ..
    } = connected("ztest4", false);
    let key = TopicId::Alert.key_expr("ztest4");
    a.session()
        .put(key.clone(), vec![1u8, 13, 0xff, 0xff, 0xff])
        .wait()
        .expect("raw put");
    a.session()
        .put(key, b"not cabin at all".to_vec())
        .wait()
        .expect("raw put");
    let me = NodeName::new("ds").expect("name");
    let alert = Alert {
        kind: AlertKind::LongDistraction,
        level: AlertLevel::Warning,
        reason: "after garbage".into(),
    };
    bus_a
        .publish(&me, topics::ALERT, SimTime::ZERO, alert)
        .expect("publish");
    let got = sub
        .recv_timeout(Duration::from_secs(10))
        .expect("valid message after garbage");
    assert_eq!(
        got.get::<Alert>().map(|a| a.reason.as_str()),
        Some("after garbage")
    );
    // Raw puts travel at a lower priority than alerts, so they may arrive after the valid message.
    let deadline = Instant::now() + Duration::from_secs(10);
    let failures = || {
        b.decode_failures()
            .count
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    while failures() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(failures(), 2, "both garbage messages counted");
    assert!(b.decode_failures().last.lock().is_some());
    assert!(b.describe().starts_with("zenoh peer"));
}
