//! The coffee episode through a real zenoh bus on loopback: the agent runs in the live executor on
//! one zenoh session; the vehicle, map and driver monitor publish from another session; the test
//! listens for suggestions and decisions on that second session. One suggestion, held back while the
//! driver is distracted. Every wait has a timeout.

mod common;

use cabin_agent::AgentNode;
use cabin_bus::prelude::*;
use cabin_bus::runtime::{LiveExecutor, LiveOptions};
use cabin_bus::{Bus, Subscription, ZenohConfig};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for<T: cabin_bus::messages::Payload + Clone>(
    sub: &Subscription,
    timeout: Duration,
    mut want: impl FnMut(&T) -> bool,
) -> Option<(f64, T)> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some(s) = sub.recv_timeout(Duration::from_millis(50)) {
            if let Some(p) = s.get::<T>() {
                if want(p) {
                    return Some((s.header.stamp.as_secs_f64(), p.clone()));
                }
            }
        }
    }
    None
}

#[test]
fn coffee_episode_over_zenoh_loopback() {
    let vehicle_name = format!("agent{}", std::process::id() % 100_000);
    let port_a = free_port();
    let bus_a = Bus::zenoh(&vehicle_name, &ZenohConfig::loopback(port_a, &[])).expect("session a");
    let bus_b = Bus::zenoh(
        &vehicle_name,
        &ZenohConfig::loopback(free_port(), &[port_a]),
    )
    .expect("session b");
    let me = NodeName::new("sim").expect("name");

    // connect: diagnostics from b until a sees them
    let probe = bus_a
        .subscribe(TopicId::Diagnostics, "probe")
        .expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(
            Instant::now() < deadline,
            "the zenoh sessions never connected"
        );
        let d = Diagnostic {
            severity: Severity::Info,
            kind: DiagnosticKind::NodeError {
                node: "probe".into(),
            },
            message: "probe".into(),
        };
        bus_b
            .publish(&me, topics::DIAGNOSTICS, SimTime::ZERO, d)
            .expect("probe");
        if probe.recv_timeout(Duration::from_millis(100)).is_some() {
            break;
        }
    }
    drop(probe);

    let suggestions = bus_b
        .subscribe(TopicId::Suggestion, "test")
        .expect("subscribe");
    let decisions = bus_b
        .subscribe(TopicId::Decision, "test")
        .expect("subscribe");
    let interests = bus_b
        .subscribe(TopicId::Interests, "test")
        .expect("subscribe");

    // the agent, live, on session a
    let spec = NodeSpec::inline(
        "agent",
        "agent",
        "backend = \"template\"\npreferences = \"off\"",
    )
    .expect("spec");
    let node: Box<dyn Node> = Box::new(AgentNode::from_spec(&spec).expect("agent"));
    let exec = LiveExecutor::new(
        bus_a.clone(),
        vec![(NodeName::new("agent").expect("name"), node)],
        LiveOptions::default(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = rt.spawn(async move {
        exec.run(async {
            let _ = stop_rx.await;
        })
        .await
    });

    // map state from b (state topics: late joiners get them too)
    bus_b
        .publish(
            &me,
            topics::ROUTE,
            SimTime::ZERO,
            common::straight_route(40.0),
        )
        .expect("route");
    let pois = PoiSet {
        pois: vec![
            common::poi(
                1,
                "Bean There Coffee",
                PoiCategory::Coffee,
                common::beside_route(10.0, 150.0),
            ),
            common::poi(
                4,
                "Aral Nord",
                PoiCategory::Fuel,
                common::beside_route(12.0, 100.0),
            ),
        ],
    };
    bus_b
        .publish(&me, topics::POIS, SimTime::ZERO, pois)
        .expect("pois");
    // the passenger speaks: utterances are host-local, so they come from the agent's own session;
    // repeat until the agent is subscribed and its interest set reaches session b
    let speech = NodeName::new("speech").expect("name");
    let got = loop {
        assert!(
            Instant::now() < deadline + Duration::from_secs(20),
            "agent never heard it"
        );
        bus_a
            .publish(
                &speech,
                topics::UTTERANCE,
                SimTime::from_secs_f64(20.0),
                common::said(Speaker::Passenger, "I could really use a coffee."),
            )
            .expect("utterance");
        if let Some(x) = wait_for::<InterestSet>(&interests, Duration::from_millis(300), |s| {
            !s.interests.is_empty()
        }) {
            break x;
        }
    };
    assert_eq!(got.1.interests[0].kind, InterestKind::Coffee);

    // the drive: 1 s of vehicle time per 5 ms; distracted 158-165 s
    for t in 21..=200u32 {
        let ts = t as f64;
        let stamp = SimTime::from_secs_f64(ts);
        let alert = match t {
            158 => Some((AlertLevel::Warning, "eyes off road 3.1 s")),
            165 => Some((AlertLevel::Cleared, "eyes back on the road")),
            _ => None,
        };
        if let Some((level, reason)) = alert {
            let a = Alert {
                kind: AlertKind::LongDistraction,
                level,
                reason: reason.into(),
            };
            bus_b.publish(&me, topics::ALERT, stamp, a).expect("alert");
        }
        let busy = (158..165).contains(&t);
        bus_b
            .publish(
                &me,
                topics::DRIVER_STATE,
                stamp,
                common::driver(if busy { 2.5 } else { 0.0 }, 3.0),
            )
            .expect("driver state");
        bus_b
            .publish(&me, topics::VEHICLE, stamp, common::vehicle(ts * 0.025, ts))
            .expect("vehicle");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (t, s) = wait_for::<Suggestion>(&suggestions, Duration::from_secs(10), |_| true)
        .expect("a suggestion arrives on session b");
    println!("{t:.1} s: {} [{}]", s.text, s.phrased_by);
    assert!(
        wait_for::<Suggestion>(&suggestions, Duration::from_millis(500), |_| true).is_none(),
        "exactly one suggestion"
    );
    let SuggestionAction::Stop { poi, .. } = &s.action else {
        panic!("not a stop")
    };
    assert_eq!(poi.name, "Bean There Coffee");
    assert!(
        (168.0..=172.0).contains(&t),
        "proposed after the distraction and the settle time: {t}"
    );
    let mut held = false;
    while let Some((dt, d)) =
        wait_for::<AgentDecision>(&decisions, Duration::from_millis(200), |_| true)
    {
        if d.decision == "held_back" {
            held = true;
            assert!((158.0..168.0).contains(&dt), "held back at {dt}");
        }
    }
    assert!(
        held,
        "the hold during the distraction is in the decision log"
    );
    let _ = stop_tx.send(());
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), running)
            .await
            .expect("the executor stops")
            .expect("joins")
    });
}
