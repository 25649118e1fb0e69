//! The live executor on a real bus: nodes react to published inputs, publish outputs, and report step
//! timing and contained panics on the diagnostics topic.

use cabin_bus::messages::*;
use cabin_bus::runtime::{Context, LiveExecutor, LiveOptions, Node, NodeResult};
use cabin_bus::{topics, Bus, NodeName, Sample, SimTime, TopicId, ZenohConfig};
use std::time::Duration;

/// Answers each alert with a decision; panics on alerts whose reason is "boom".
struct Responder;

impl Node for Responder {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Alert]
    }
    fn on_message(&mut self, s: &Sample, ctx: &mut Context) -> NodeResult {
        let Some(a) = s.get::<Alert>() else {
            return Ok(());
        };
        if a.reason == "boom" {
            panic!("responder cannot handle boom");
        }
        ctx.publish(
            topics::DECISION,
            AgentDecision {
                decision: "seen".into(),
                interest: None,
                poi_id: None,
                reason: a.reason.clone(),
            },
        );
        Ok(())
    }
}

fn alert(reason: &str) -> Alert {
    Alert {
        kind: AlertKind::LongDistraction,
        level: AlertLevel::Warning,
        reason: reason.into(),
    }
}

async fn exercise(bus: Bus) {
    let decisions = bus.subscribe(TopicId::Decision, "test").expect("subscribe");
    let diags = bus
        .subscribe(TopicId::Diagnostics, "test")
        .expect("subscribe");
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![(
        NodeName::new("responder").expect("name"),
        Box::new(Responder),
    )];
    let exec = LiveExecutor::new(
        bus.clone(),
        nodes,
        LiveOptions {
            diagnostics_period: Duration::from_millis(100),
        },
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(exec.run(async move {
        let _ = stop_rx.await;
    }));
    let me = NodeName::new("driver_state").expect("name");
    // Publish until the node's subscription is live (zenoh declarations propagate asynchronously).
    let mut got = None;
    for _ in 0..100 {
        bus.publish(
            &me,
            topics::ALERT,
            SimTime::from_millis(1500),
            alert("eyes off road"),
        )
        .expect("publish");
        if let Ok(d) = tokio::time::timeout(Duration::from_millis(100), decisions.recv()).await {
            got = Some(d);
            break;
        }
    }
    let d = got.expect("the node answered");
    assert_eq!(
        d.get::<AgentDecision>().map(|d| d.reason.as_str()),
        Some("eyes off road")
    );
    assert_eq!(d.header.source.as_str(), "responder");
    assert!(
        d.header.stamp >= SimTime::from_millis(1500),
        "output stamped with the input's vehicle time"
    );

    bus.publish(
        &me,
        topics::ALERT,
        SimTime::from_millis(1600),
        alert("boom"),
    )
    .expect("publish");
    bus.publish(
        &me,
        topics::ALERT,
        SimTime::from_millis(1700),
        alert("after the panic"),
    )
    .expect("publish");
    let mut saw_panic = false;
    let mut saw_timing = false;
    let mut saw_after = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !(saw_panic && saw_timing && saw_after) && tokio::time::Instant::now() < deadline {
        tokio::select! {
            s = diags.recv() => match s.get::<Diagnostic>().map(|d| &d.kind) {
                Some(DiagnosticKind::NodePanic { node }) => { assert_eq!(node, "responder"); saw_panic = true; }
                Some(DiagnosticKind::StepTiming { node, steps, .. }) if node == "responder" && *steps > 0 => saw_timing = true,
                _ => {}
            },
            s = decisions.recv() => if s.get::<AgentDecision>().is_some_and(|d| d.reason == "after the panic") { saw_after = true },
        }
    }
    assert!(saw_panic, "the panic was reported on the diagnostics topic");
    assert!(saw_timing, "step timing was published");
    assert!(saw_after, "the node kept running after its panic");
    let _ = stop_tx.send(());
    let stats = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops")
        .expect("joins");
    assert_eq!(stats[0].1.panics, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_executor_on_the_in_process_bus() {
    exercise(Bus::in_process("live1")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_executor_on_a_zenoh_session() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let bus = Bus::zenoh("live2", &ZenohConfig::loopback(port, &[])).expect("zenoh");
    exercise(bus).await;
}
