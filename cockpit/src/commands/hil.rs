//! `cabin hil`: hardware-in-the-loop pacing. The simulator runs here at wall-clock pace and publishes over
//! zenoh to nodes running in other processes or on the ECUs under test (`cabin node ...`); this command
//! listens to their outputs and reports the end-to-end latency per topic: from the moment the simulator
//! published the input with a given vehicle time to the moment an output stamped with that time arrived.
//!
//! Raw camera frames must cross process boundaries on a bench, so the deployment sets
//! `[zenoh] export_host_local = true` (the bench host is the "vehicle"; nothing leaves it).
//!
//! With `--rtsp ADDR` the bench also serves the camera the way a real one reaches an ECU: the frames the
//! simulator renders (or a recording replays) go out as an RTSP stream at rtsp://ADDR/camera, at the
//! wall-clock pace of the run, and the ECU under test reads them with a `gst_camera` node
//! (`rtspsrc location=rtsp://ADDR/camera ! rtpjpegdepay ! jpegdec`). Motion JPEG, because Debian's GStreamer
//! has no H.264 encoder (see cabin_capture::rtsp_server).

use crate::cli::{HilArgs, Speed};
use crate::deployment;
use anyhow::{bail, Context as _, Result};
use cabin_bus::messages::CameraFrame;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions, Pacing, StepStats};
use cabin_bus::{Bus, SimTime, TopicId, ZenohTransport};
use cabin_capture::rtsp_server::{FrameFeed, Mount, RtspServer, FEED_CLIENT, FEED_CLIENT_TAIL};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(args: HilArgs) -> Result<ExitCode> {
    let config = args.deployment.load()?;
    let sources: Vec<_> = config
        .nodes
        .iter()
        .filter(|n| n.kind == "sim" || n.kind == "replay")
        .collect();
    if sources.is_empty() {
        bail!(
            "{}: no `sim` or `replay` node to drive the bench",
            config.file
        );
    }
    if !config.zenoh.export_host_local {
        eprintln!("note: camera frames and audio stay in this process unless the config sets [zenoh] export_host_local = true");
    }
    let transport = Arc::new(
        ZenohTransport::open(&config.vehicle, &config.zenoh)
            .context("cannot open the zenoh bus")?,
    );
    let bus = Bus::new(&config.vehicle, transport.clone());
    let registry = deployment::registry();
    let nodes = deployment::build(&registry, sources)?;
    let speed = match args.speed {
        Speed::Max => bail!("HIL runs at a wall-clock pace: give --speed 1 (or another factor)"),
        Speed::Factor(f) => f,
    };
    // When each input stamp was published (wall clock), and the latencies of the outputs. An output is
    // matched to the newest input at or before its stamp: exact for per-message outputs (a face per frame),
    // the age of the freshest input for outputs on a node's own tick (the driver state at 10 Hz).
    let published: Arc<Mutex<BTreeMap<u64, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<BTreeMap<TopicId, StepStats>>> = Arc::default();
    let (p2, l2) = (published.clone(), latencies.clone());
    let _sub = transport.subscribe_raw(&format!("cabin/{}/**", config.vehicle), move |_, r| {
        let Ok(s) = r else { return };
        if !s.topic.info().derived || s.topic == TopicId::Diagnostics {
            return;
        }
        let sent = p2
            .lock()
            .range(..=s.header.stamp.as_nanos())
            .next_back()
            .map(|(_, t)| *t);
        if let Some(sent) = sent {
            l2.lock()
                .entry(s.topic)
                .or_default()
                .record(sent.elapsed(), None);
        }
    })?;
    let feed = FrameFeed::new();
    let _rtsp = match &args.rtsp {
        Some(addr) => Some(serve_rtsp(addr, &feed)?),
        None => None,
    };
    eprintln!(
        "waiting {:.1} s for the nodes under test to join {:?} ...",
        args.warmup, config.zenoh.listen
    );
    std::thread::sleep(Duration::from_secs_f64(args.warmup.max(0.0)));
    let mut exec = DeterministicExecutor::new(
        nodes,
        ExecutorOptions {
            workers: 1,
            pacing: Pacing::WallClock { speed },
            until: args.until.map(SimTime::from_secs_f64),
        },
    )?;
    let p3 = published.clone();
    exec.observe(move |s| {
        p3.lock()
            .entry(s.header.stamp.as_nanos())
            .or_insert_with(Instant::now);
        if s.topic == TopicId::Camera {
            if let Some(f) = s.get::<CameraFrame>() {
                feed.push(f);
            }
        }
        if let Err(e) = bus.publish_sample(s.clone()) {
            tracing::warn!("HIL publish failed: {e}");
        }
    });
    let report = exec.run();
    // Let the last outputs arrive.
    std::thread::sleep(Duration::from_secs_f64(args.drain.max(0.0)));
    let lat = latencies.lock();
    println!(
        "HIL: {} of sim time at {speed}x in {:.1} s wall; end-to-end latency per output topic:",
        report.end,
        report.wall.as_secs_f64()
    );
    println!(
        "{:<26} {:>8} {:>10} {:>10} {:>10}",
        "topic", "outputs", "p50 ms", "p99 ms", "max ms"
    );
    for (topic, st) in lat.iter() {
        let s = st.summary();
        println!(
            "{:<26} {:>8} {:>10.2} {:>10.2} {:>10.2}",
            topic.path(),
            s.steps,
            s.p50_us as f64 / 1e3,
            s.p99_us as f64 / 1e3,
            s.max_us as f64 / 1e3
        );
    }
    if lat.is_empty() {
        println!("(no outputs arrived: are the nodes under test running with this config?)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves the camera at rtsp://ADDR/camera (`HOST:PORT`; port 0 takes a free one) and says how to read it.
fn serve_rtsp(addr: &str, feed: &FrameFeed) -> Result<RtspServer> {
    let (host, port) = addr
        .rsplit_once(':')
        .with_context(|| format!("--rtsp {addr}: give HOST:PORT, e.g. 127.0.0.1:8554"))?;
    let port: u16 = port
        .parse()
        .with_context(|| format!("--rtsp {addr}: bad port"))?;
    let server = RtspServer::serve(
        host,
        port,
        vec![("/camera".into(), Mount::Feed(feed.clone()))],
    )
    .context("cannot start the RTSP server")?;
    let url = server.url("/camera");
    eprintln!("camera served at {url}; an ECU reads it with a gst_camera node:");
    eprintln!("  pipeline = \"{FEED_CLIENT}{url}{FEED_CLIENT_TAIL}\"");
    Ok(server)
}
