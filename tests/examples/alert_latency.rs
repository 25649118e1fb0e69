//! Capture-to-alert latency of the live camera path (issue 14, item 1), on real components, in one
//! process on loopback:
//!
//! - **the bench** (what `cabin hil --rtsp` does): the simulator plays a scenario at wall-clock pace and
//!   its rendered camera frames go into the RTSP server's feed (`cabin_capture::rtsp_server`, Motion JPEG
//!   over RTP, the `FrameFeed` mount `cabin hil --rtsp` serves);
//! - **the ECU**: a `gst_camera` node reads `rtspsrc latency=0 location=rtsp://127.0.0.1:PORT/camera !
//!   rtpjpegdepay ! jpegdec` with `sync = false` (as deploy/live.toml), perception's `camera` node (real
//!   models) and `driver_state` run on the live executor on an in-process bus. The vehicle's speed crosses
//!   as a CAN bridge would bring it: a small node republishes the simulator's latest `VehicleState` at 10 Hz
//!   on the ECU's own clock (the alerts are gated on speed).
//!
//! For every alert on `perception/alert`: the newest frame behind it is the newest face observation that
//! reached the bus before the alert, stamped at or before it (a face observation carries its frame's stamp,
//! the frame's capture instant in vehicle time); its capture instant on the pipeline clock comes from the
//! camera's `CameraHandle`; the latency is the pipeline clock's time when the alert arrived minus that.
//! Printed as p50/p99 over all alerts and over the raised ones (warning or above). The run takes the
//! scenario's duration in wall time: it is a measurement, not a test.
//!
//! ```sh
//! cargo test -p cabin-tests --no-run        # builds the examples too
//! nice -n 10 target/debug/examples/alert_latency [sim/scenarios/alert_latency.toml]
//! ```

use anyhow::{bail, Context as _, Result};
use cabin_bus::config::NodeSpec;
use cabin_bus::messages::{Alert, AlertLevel, CameraFrame, FaceObservation, VehicleState};
use cabin_bus::runtime::{
    Context, DeterministicExecutor, ExecutorOptions, LiveExecutor, LiveOptions, Node, NodeResult,
    Pacing, Registry,
};
use cabin_bus::{topics, Bus, NodeName, Sample, SimDuration, SimTime, TopicId};
use cabin_capture::rtsp_server::{FrameFeed, Mount, RtspServer, FEED_CLIENT, FEED_CLIENT_TAIL};
use cabin_capture::{CameraHandle, GstCamera};
use cabin_tests::latency::summary;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The vehicle state the simulator published last, shared with the bridge node.
type LatestVehicle = Arc<Mutex<Option<VehicleState>>>;

/// Republishes the simulator's latest vehicle state on the ECU's bus at 10 Hz, stamped on the ECU's clock
/// (as a CAN bridge would: the vehicle's clock is not the camera's).
struct VehicleBridge {
    latest: LatestVehicle,
}

impl Node for VehicleBridge {
    fn inputs(&self) -> Vec<TopicId> {
        Vec::new()
    }
    fn tick_period(&self) -> Option<SimDuration> {
        Some(SimDuration::from_millis(100))
    }
    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let v = self
            .latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(v) = v {
            ctx.publish(topics::VEHICLE, v);
        }
        Ok(())
    }
}

/// One alert as measured.
struct Timed {
    alert: Alert,
    /// Capture of the newest frame behind it -> its arrival on the bus, ms.
    latency_ms: f64,
}

/// A node name, as a `Result` (`NodeName::new` says only whether the name is valid).
fn name(s: &str) -> Result<NodeName> {
    NodeName::new(s).with_context(|| format!("bad node name {s:?}"))
}

fn main() -> Result<()> {
    let scenario = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sim/scenarios/alert_latency.toml".into());

    // The bench: the simulator's nodes (built now, so the ECU does not wait on the renderer's set-up).
    let mut registry = Registry::new();
    cabin_sim::register(&mut registry);
    cabin_perception::register(&mut registry);
    let sim = registry
        .build(&NodeSpec::inline(
            "sim",
            "sim",
            &format!("scenario = {scenario:?}"),
        )?)
        .with_context(|| format!("cannot build the simulator on {scenario}"))?;
    let feed = FrameFeed::new();
    let server = RtspServer::serve(
        "127.0.0.1",
        0,
        vec![("/camera".into(), Mount::Feed(feed.clone()))],
    )?;
    let url = server.url("/camera");

    // The ECU.
    let camera = GstCamera::from_spec(&NodeSpec::inline(
        "camera_source",
        "gst_camera",
        &format!(
            r#"pipeline = "{FEED_CLIENT}{url}{FEED_CLIENT_TAIL}"
               sync = false
               stall_s = 5.0"#
        ),
    )?)?;
    let handle = camera.handle();
    let latest: LatestVehicle = Arc::default();
    let build = |kind: &str| registry.build(&NodeSpec::inline(kind, kind, "")?);
    let ecu: Vec<(NodeName, Box<dyn Node>)> = vec![
        (name("camera_source")?, Box::new(camera)),
        (
            name("vehicle_bridge")?,
            Box::new(VehicleBridge {
                latest: latest.clone(),
            }),
        ),
        (name("camera")?, build("camera")?),
        (name("driver_state")?, build("driver_state")?),
    ];
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bus = Bus::in_process("bench");
    let faces = bus.subscribe(TopicId::Face, "alert_latency")?;
    let alerts = bus.subscribe(TopicId::Alert, "alert_latency")?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let h = handle.clone();
    let collector = rt.spawn(async move {
        let mut stop_rx = stop_rx;
        let mut timed = Vec::new();
        let mut untimed = 0usize;
        // Capture -> arrival of each face observation, ms (the step before the driver state).
        let mut face_ms = Vec::new();
        // Face observations that reached the bus, in order: (stamp, capture instant ns).
        let mut behind: Vec<(SimTime, u64)> = Vec::new();
        loop {
            tokio::select! {
                // Faces first: one already queued when an alert is reached the bus before it.
                biased;
                s = faces.recv() => {
                    if s.get::<FaceObservation>().is_some() {
                        if let Some(c) = h.capture_of(s.header.stamp) {
                            let arrived = CameraHandle::clock_now_ns();
                            face_ms.push(arrived.saturating_sub(c) as f64 / 1e6);
                            behind.push((s.header.stamp, c));
                        }
                    }
                }
                s = alerts.recv() => {
                    let arrived = CameraHandle::clock_now_ns();
                    let Some(a) = s.get::<Alert>() else { continue };
                    match behind.iter().rev().find(|(stamp, _)| *stamp <= s.header.stamp) {
                        Some((_, capture)) => timed.push(Timed {
                            alert: a.clone(),
                            latency_ms: arrived.saturating_sub(*capture) as f64 / 1e6,
                        }),
                        None => untimed += 1,
                    }
                }
                _ = stop_rx.changed() => break,
            }
        }
        (timed, untimed, face_ms)
    });
    let ecu_exec = LiveExecutor::new(bus, ecu, LiveOptions::default());
    let (ecu_stop_tx, ecu_stop_rx) = tokio::sync::oneshot::channel::<()>();
    let ecu_run = rt.spawn(ecu_exec.run(async move {
        let _ = ecu_stop_rx.await;
    }));

    // The bench starts once the ECU's camera has joined the stream (bounded wait).
    let joined = Instant::now();
    while feed.clients() == 0 {
        if joined.elapsed() > Duration::from_secs(30) {
            bail!("the ECU's camera did not join {url} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("ECU joined {url}; playing {scenario} at wall-clock pace");
    let mut bench = DeterministicExecutor::new(
        vec![(name("sim")?, sim)],
        ExecutorOptions {
            workers: 1,
            pacing: Pacing::WallClock { speed: 1.0 },
            until: None,
        },
    )?;
    let (feed2, latest2) = (feed.clone(), latest.clone());
    bench.observe(move |s| match s.topic {
        TopicId::Camera => {
            if let Some(f) = s.get::<CameraFrame>() {
                feed2.push(f);
            }
        }
        TopicId::Vehicle => {
            if let Some(v) = s.get::<VehicleState>() {
                *latest2.lock().unwrap_or_else(|p| p.into_inner()) = Some(v.clone());
            }
        }
        _ => {}
    });
    let report = bench.run();
    // Let the last frames through the ECU, then stop it (its shutdown counts frames still queued).
    std::thread::sleep(Duration::from_secs(2));
    let _ = ecu_stop_tx.send(());
    let steps = rt.block_on(ecu_run)?;
    let _ = stop_tx.send(true);
    let (timed, untimed, face_ms) = rt.block_on(collector)?;
    drop(server);

    println!(
        "bench: {} of {scenario} in {:.1} s wall, {} frames pushed into the RTSP feed",
        report.end,
        report.wall.as_secs_f64(),
        feed.pushed()
    );
    println!("camera: {:?}", handle.counts());
    println!("{}", summary("capture -> perception/face", face_ms));
    for (node, s) in &steps {
        println!(
            "  {node}: {} steps, p50 {} us, p99 {} us",
            s.steps, s.p50_us, s.p99_us
        );
    }
    println!(
        "alerts: {} timed, {untimed} with no frame behind them",
        timed.len()
    );
    for t in &timed {
        println!(
            "  {:?} {:?}: {:.1} ms ({})",
            t.alert.kind, t.alert.level, t.latency_ms, t.alert.reason
        );
    }
    println!(
        "{}",
        summary(
            "capture -> perception/alert (all)",
            timed.iter().map(|t| t.latency_ms).collect()
        )
    );
    println!(
        "{}",
        summary(
            "capture -> perception/alert (raised: warning or above)",
            timed
                .iter()
                .filter(|t| t.alert.level >= AlertLevel::Warning)
                .map(|t| t.latency_ms)
                .collect()
        )
    );
    Ok(())
}
