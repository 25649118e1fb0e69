//! Shared pieces of the HMI tests: a scripted source node for a real deterministic run, a drive that
//! looks like the coffee moment, the real HMI wired to the run like `cabin run --hmi` does, and a
//! WebSocket client with a timeout on every wait.
#![allow(dead_code)]

pub mod browser;
pub mod process;

#[allow(unused_imports)] // each test crate uses some of them
pub use process::{artefact_dir, free_port, spawn_logged};

use cabin_bus::messages::*;
use cabin_bus::runtime::{
    Context, DeterministicExecutor, ExecutorOptions, Node, NodeResult, Pacing, RunReport,
};
use cabin_bus::{topics, NodeName, Sample, SimDuration, SimTime, TopicId};
use cabin_cockpit::bridge::input_bridge;
use cabin_cockpit::hmi::run_link::{bridge_sink, BRIDGE_NODE, BRIDGE_PERIOD};
use cabin_cockpit::hmi::{Hmi, HmiOptions, HmiService, HubConfig, Responder};
use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Every wait in these tests ends by this, so a hang fails instead of eating CI's time.
pub const WAIT: Duration = Duration::from_secs(60);

/// Publishes a message of any type on its topic.
pub fn publish(ctx: &mut Context, topic: TopicId, m: Message) {
    match m {
        Message::CameraFrame(x) => ctx.publish(topics::CAMERA, x),
        Message::DriverGroundTruth(x) => ctx.publish(topics::GROUND_TRUTH, x),
        Message::HeartState(x) => ctx.publish(topics::HEART, x),
        Message::FaceObservation(x) => ctx.publish(topics::FACE, x),
        Message::DriverState(x) => ctx.publish(topics::DRIVER_STATE, x),
        Message::Alert(x) => ctx.publish(topics::ALERT, x),
        Message::Utterance(x) if topic == TopicId::ScriptedSpeech => {
            ctx.publish(topics::SCRIPTED_SPEECH, x)
        }
        Message::Utterance(x) => ctx.publish(topics::UTTERANCE, x),
        Message::VehicleState(x) => ctx.publish(topics::VEHICLE, x),
        Message::Route(x) => ctx.publish(topics::ROUTE, x),
        Message::CabinEnvironment(x) => ctx.publish(topics::ENVIRONMENT, x),
        Message::PoiSet(x) => ctx.publish(topics::POIS, x),
        Message::InterestSet(x) => ctx.publish(topics::INTERESTS, x),
        Message::Suggestion(x) => ctx.publish(topics::SUGGESTION, x),
        Message::UserResponse(x) => ctx.publish(topics::RESPONSE, x),
        Message::AgentDecision(x) => ctx.publish(topics::DECISION, x),
        Message::Diagnostic(x) => ctx.publish(topics::DIAGNOSTICS, x),
        Message::AudioChunk(x) => ctx.publish(topics::AUDIO, x),
        Message::BiometricChunk(x) if topic == TopicId::Ppg => ctx.publish(topics::PPG, x),
        Message::BiometricChunk(x) => ctx.publish(topics::ECG, x),
    }
}

/// A source for a deterministic run: publishes its script at the scripted times, records every
/// `UserResponse` that reaches the bus, and stops at `end` (or `linger` after the first response).
pub struct Script {
    items: Vec<(SimTime, TopicId, Message)>,
    next: usize,
    end: SimTime,
    linger: Option<SimDuration>,
    stop_at: Option<SimTime>,
    pub responses: Arc<Mutex<Vec<(SimTime, UserResponse)>>>,
}

impl Script {
    pub fn new(mut items: Vec<(SimTime, TopicId, Message)>, end: SimTime) -> Self {
        items.sort_by_key(|i| i.0);
        Script {
            items,
            next: 0,
            end,
            linger: None,
            stop_at: None,
            responses: Arc::default(),
        }
    }

    /// Stop `linger` after the first response (to see whether a second one follows).
    pub fn stop_after_response(mut self, linger: SimDuration) -> Self {
        self.linger = Some(linger);
        self
    }
}

impl Node for Script {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Response]
    }
    // Ticking keeps the run (and its input bridge) alive while a test answers.
    fn tick_period(&self) -> Option<SimDuration> {
        Some(SimDuration::from_millis(100))
    }
    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        if let Some(r) = sample.get::<UserResponse>() {
            self.responses.lock().push((ctx.now(), r.clone()));
            if let (Some(l), None) = (self.linger, self.stop_at) {
                self.stop_at = Some(ctx.now() + l);
            }
        }
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let now = ctx.now();
        while self.next < self.items.len() && self.items[self.next].0 <= now {
            let (_, topic, m) = self.items[self.next].clone();
            publish(ctx, topic, m);
            self.next += 1;
        }
        if now >= self.end || self.stop_at.is_some_and(|s| now >= s) {
            ctx.request_stop();
        }
        Ok(())
    }
}

pub fn at(s: f64) -> SimTime {
    SimTime::from_secs_f64(s)
}

/// The example message of `topic` from the bus fixtures.
pub fn example(topic: TopicId) -> Message {
    cabin_bus::fixtures::every_topic()
        .into_iter()
        .find(|(t, _)| *t == topic)
        .map(|(_, m)| m)
        .unwrap_or_else(|| panic!("no fixture for {topic}"))
}

pub fn driver_state(kss: f32, monitoring: Monitoring) -> Message {
    let Message::DriverState(mut d) = example(TopicId::DriverState) else {
        unreachable!()
    };
    d.drowsiness.kss = kss;
    d.monitoring = monitoring;
    d.distraction.eyes_off_road_s = 0.0;
    Message::DriverState(d)
}

pub fn alert(kind: AlertKind, level: AlertLevel, reason: &str) -> Message {
    Message::Alert(Alert {
        kind,
        level,
        reason: reason.into(),
    })
}

pub fn coffee_suggestion(id: u64) -> Message {
    let Message::Suggestion(mut s) = example(TopicId::Suggestion) else {
        unreachable!()
    };
    s.id = id;
    Message::Suggestion(s)
}

pub fn decision(decision: &str, reason: &str) -> Message {
    Message::AgentDecision(AgentDecision {
        decision: decision.into(),
        interest: Some(InterestKind::Coffee),
        poi_id: Some(7),
        reason: reason.into(),
    })
}

fn lerp(a: GeoPoint, b: GeoPoint, f: f64) -> GeoPoint {
    GeoPoint {
        lat: a.lat + (b.lat - a.lat) * f,
        lon: a.lon + (b.lon - a.lon) * f,
    }
}

/// A short drive with the coffee moment: route and POIs, a driver getting drowsy (KSS 3 -> 7.5, a
/// drowsiness alert escalating), the passenger asking for coffee, the agent holding back then proposing
/// the stop at `suggest_at`, camera frames with face observations, and ground truth.
pub fn coffee_drive(suggest_at: f64, end: f64) -> Vec<(SimTime, TopicId, Message)> {
    let a = GeoPoint {
        lat: 48.137,
        lon: 11.575,
    };
    let b = GeoPoint {
        lat: 48.20,
        lon: 11.62,
    };
    let c = GeoPoint {
        lat: 48.26,
        lon: 11.60,
    };
    let polyline = vec![a, lerp(a, b, 0.5), b, lerp(b, c, 0.5), c];
    let mut v = vec![
        (
            at(0.0),
            TopicId::Route,
            Message::Route(Route {
                name: "A9 north".into(),
                polyline,
                length_m: 15_000.0,
            }),
        ),
        (
            at(0.0),
            TopicId::Pois,
            Message::PoiSet(PoiSet {
                pois: vec![
                    Poi {
                        id: 7,
                        name: "Bean There".into(),
                        category: PoiCategory::Coffee,
                        position: lerp(a, b, 0.8),
                        brand: None,
                        opening_hours: None,
                    },
                    Poi {
                        id: 8,
                        name: "Fuel Stop".into(),
                        category: PoiCategory::Fuel,
                        position: lerp(b, c, 0.3),
                        brand: None,
                        opening_hours: None,
                    },
                    Poi {
                        id: 9,
                        name: "Rest Area North".into(),
                        category: PoiCategory::RestArea,
                        position: lerp(b, c, 0.7),
                        brand: None,
                        opening_hours: None,
                    },
                ],
            }),
        ),
        (at(0.0), TopicId::Environment, example(TopicId::Environment)),
        (
            at(0.1),
            TopicId::DriverState,
            driver_state(3.0, Monitoring::Calibrating { progress: 0.2 }),
        ),
        (at(1.0), TopicId::Utterance, example(TopicId::Utterance)),
        (at(1.2), TopicId::Interests, example(TopicId::Interests)),
        (
            at(1.5),
            TopicId::Decision,
            decision("interest_added", "passenger said they could use a coffee"),
        ),
        (
            at(2.0),
            TopicId::Alert,
            alert(
                AlertKind::Drowsiness,
                AlertLevel::Info,
                "KSS 6.2, PERCLOS 14%",
            ),
        ),
        (
            at(3.0),
            TopicId::Alert,
            alert(
                AlertKind::Drowsiness,
                AlertLevel::Warning,
                "KSS 7.1, 2 long blinks in 60 s",
            ),
        ),
        (
            at(3.2),
            TopicId::Decision,
            decision(
                "held_back",
                "driver alert escalating; wait until it is handled",
            ),
        ),
        (at(suggest_at), TopicId::Suggestion, coffee_suggestion(1)),
        (
            at(suggest_at),
            TopicId::Decision,
            decision(
                "proposed",
                "coffee wanted 3 min ago; Bean There open, 2 min detour",
            ),
        ),
        (at(0.0), TopicId::Diagnostics, example(TopicId::Diagnostics)),
    ];
    let mut t = 0.0;
    let mut seq = 0;
    while t < end {
        let f = t / end;
        let kss = 3.0 + 4.5 * f as f32;
        v.push((
            at(t + 0.05),
            TopicId::DriverState,
            driver_state(kss, Monitoring::Available),
        ));
        let pos = if f < 0.5 {
            lerp(a, b, f * 2.0)
        } else {
            lerp(b, c, (f - 0.5) * 2.0)
        };
        v.push((
            at(t),
            TopicId::Vehicle,
            Message::VehicleState(VehicleState {
                position: pos,
                speed_mps: 30.0,
                heading_deg: 25.0,
                route_progress_m: 15_000.0 * f,
                time_of_day_s: 15 * 3600,
            }),
        ));
        v.push((
            at(t),
            TopicId::Camera,
            Message::CameraFrame(cabin_bus::fixtures::camera_frame(640, 480)),
        ));
        let Message::FaceObservation(mut face) = example(TopicId::Face) else {
            unreachable!()
        };
        face.frame_seq = seq;
        v.push((at(t + 0.01), TopicId::Face, Message::FaceObservation(face)));
        let Message::DriverGroundTruth(mut gt) = example(TopicId::GroundTruth) else {
            unreachable!()
        };
        gt.frame_seq = seq;
        gt.episode = Some("drowsy".into());
        v.push((at(t), TopicId::GroundTruth, Message::DriverGroundTruth(gt)));
        t += 0.5;
        seq += 1;
    }
    v
}

/// The real HMI as `cabin run --hmi` wires it: server, responder on the input bridge, observer.
pub struct RunningHmi {
    pub hmi: Arc<Hmi>,
    pub service: HmiService,
    pub bridge: Option<(NodeName, Box<dyn Node>)>,
}

pub fn start_hmi(addr: &str, queue_capacity: usize) -> RunningHmi {
    let (tx, bridge) = input_bridge(BRIDGE_PERIOD);
    let responder = Arc::new(Responder::new(bridge_sink(tx)));
    let options = HmiOptions {
        hub: HubConfig {
            queue_capacity,
            history: 200,
        },
        ..Default::default()
    };
    let hmi = Hmi::new(options, responder);
    let service = HmiService::start(addr, hmi.clone()).expect("HMI server starts");
    let name = NodeName::new(BRIDGE_NODE).expect("name");
    RunningHmi {
        hmi,
        service,
        bridge: Some((name, Box::new(bridge))),
    }
}

/// Runs `script` (plus the HMI's bridge, taken from `hmi`) on the deterministic executor in a thread,
/// observed by the HMI.
pub fn run_in_thread(
    hmi: &mut RunningHmi,
    script: Script,
    pacing: Pacing,
) -> std::thread::JoinHandle<RunReport> {
    let mut nodes: Vec<(NodeName, Box<dyn Node>)> =
        vec![(NodeName::new("sim").expect("name"), Box::new(script))];
    nodes.extend(hmi.bridge.take());
    let h = hmi.hmi.clone();
    std::thread::spawn(move || {
        let mut exec = DeterministicExecutor::new(
            nodes,
            ExecutorOptions {
                workers: 1,
                pacing,
                until: Some(SimTime::from_secs_f64(600.0)),
            },
        )
        .expect("executor");
        exec.observe(move |s| h.observe(s));
        exec.run()
    })
}

/// The tokio runtime of a test's WebSocket and browser clients.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Asserts that the run received exactly one answer: `answer` to suggestion `suggestion_id`.
pub fn assert_one_answer(
    responses: &Mutex<Vec<(SimTime, UserResponse)>>,
    suggestion_id: u64,
    answer: Answer,
) {
    let got = responses.lock().clone();
    assert_eq!(got.len(), 1, "exactly one UserResponse on the bus: {got:?}");
    assert_eq!(
        got[0].1,
        UserResponse {
            suggestion_id,
            answer,
            source: ResponseSource::Touch,
        }
    );
}

/// Waits for a thread with a timeout.
pub fn join_within<T>(h: std::thread::JoinHandle<T>, within: Duration) -> T {
    let start = std::time::Instant::now();
    while !h.is_finished() {
        assert!(
            start.elapsed() < within,
            "the run did not finish within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    h.join().expect("run thread")
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A WebSocket client of the HMI.
pub async fn connect(addr: std::net::SocketAddr) -> Ws {
    let (ws, _) = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws")),
    )
    .await
    .expect("connect in time")
    .expect("WebSocket handshake");
    ws
}

/// The next frame, as JSON (text) or as `{"binary": <len>, "bytes": [...]}`.
pub async fn next_frame(ws: &mut Ws) -> Option<WsMessage> {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(m @ (WsMessage::Text(_) | WsMessage::Binary(_)))) => return Some(m),
            Some(Ok(WsMessage::Close(_))) | None => return None,
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("WebSocket error: {e}"),
        }
    }
}

/// Reads text frames until `pred` holds for one; returns every JSON frame read, the matching one last.
pub async fn read_until(ws: &mut Ws, mut pred: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        match next_frame(ws).await {
            Some(WsMessage::Text(t)) => {
                let v: Value = serde_json::from_str(t.as_str()).expect("server frames are JSON");
                let done = pred(&v);
                seen.push(v);
                if done {
                    return seen;
                }
            }
            Some(_) => {}
            None => panic!(
                "connection closed before the expected frame; read {} frames",
                seen.len()
            ),
        }
    }
}

/// Makes sure a frame matching `pred` is in `frames`, reading more if needed.
pub async fn ensure_seen(ws: &mut Ws, frames: &mut Vec<Value>, pred: impl Fn(&Value) -> bool) {
    if !frames.iter().any(&pred) {
        frames.extend(read_until(ws, pred).await);
    }
}

pub async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(WsMessage::text(text)).await.expect("send");
}

/// Whether a frame is a `sample` on `topic`.
pub fn is_sample(v: &Value, topic: &str) -> bool {
    v["type"] == "sample" && v["topic"] == topic
}
