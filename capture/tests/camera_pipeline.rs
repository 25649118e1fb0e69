//! The `gst_camera` node on real GStreamer and a real bus: frames from `videotestsrc` arrive on
//! `sensors/camera` at the size asked with increasing stamps; a stream that ends is counted as lost and
//! restarted; a device that is not there keeps failing without a panic; an element that is not installed
//! is a clear error at start.

use cabin_bus::config::NodeSpec;
use cabin_bus::messages::{CameraFrame, Diagnostic, PixelFormat, Severity};
use cabin_bus::runtime::{LiveExecutor, LiveOptions, Node, Registry};
use cabin_bus::{Bus, NodeName, TopicId};
use cabin_capture::{CameraHandle, GstCamera};
use std::time::Duration;

fn camera(params: &str) -> (GstCamera, CameraHandle) {
    let spec = NodeSpec::inline("camera_source", "gst_camera", params).expect("spec");
    let cam = GstCamera::from_spec(&spec).expect("the camera node builds");
    let handle = cam.handle();
    (cam, handle)
}

/// Runs `node` live on an in-process bus for `seconds`; returns the frames (with stamps) and diagnostics.
fn run_live(node: GstCamera, seconds: f64) -> (Vec<(u64, CameraFrame)>, Vec<Diagnostic>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let bus = Bus::in_process("test");
        let frames = bus.subscribe(TopicId::Camera, "test").expect("subscribe");
        let diags = bus
            .subscribe(TopicId::Diagnostics, "test")
            .expect("subscribe");
        let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![(
            NodeName::new("camera_source").expect("name"),
            Box::new(node),
        )];
        let exec = LiveExecutor::new(bus, nodes, LiveOptions::default());
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let collect = tokio::spawn(async move {
            let mut out = Vec::new();
            // Frames queue on a small bounded subscription: drain while the node runs.
            loop {
                tokio::select! {
                    s = frames.recv() => {
                        if let Some(f) = s.get::<CameraFrame>() {
                            out.push((s.header.stamp.as_nanos(), f.clone()));
                        }
                    }
                    _ = stop_rx.changed() => break,
                }
            }
            // `select!` picks a ready branch at random: frames that queued before the stop still count.
            while let Some(s) = frames.try_recv() {
                if let Some(f) = s.get::<CameraFrame>() {
                    out.push((s.header.stamp.as_nanos(), f.clone()));
                }
            }
            out
        });
        exec.run(tokio::time::sleep(Duration::from_secs_f64(seconds)))
            .await;
        let _ = stop_tx.send(true);
        let frames = collect.await.expect("the collector ends");
        let mut d = Vec::new();
        while let Some(s) = diags.try_recv() {
            if let Some(x) = s.get::<Diagnostic>() {
                d.push(x.clone());
            }
        }
        (frames, d)
    })
}

#[test]
fn test_source_frames_reach_the_bus_and_an_ended_stream_reconnects() {
    // 12 frames at 30 fps (0.4 s) per run; the stream ends, is restarted 0.2 s later, ends again...
    let (node, handle) = camera(
        r#"pipeline = "videotestsrc num-buffers=12 pattern=ball ! video/x-raw,width=160,height=120,framerate=30/1"
           width = 80
           height = 60
           backoff_s = 0.2
           backoff_max_s = 0.2
           report_s = 0.5"#,
    );
    assert!(
        node.description().ends_with("appsink name=sink"),
        "{}",
        node.description()
    );
    let (frames, diags) = run_live(node, 1.6);
    let counts = handle.counts();
    eprintln!("{counts:?}, {} frames on the bus", frames.len());
    assert!(frames.len() >= 12, "{} frames arrived", frames.len());
    for (_, f) in &frames {
        assert_eq!((f.format, f.width, f.height), (PixelFormat::Gray8, 80, 60));
        f.validate().expect("a valid frame");
    }
    assert!(
        frames.windows(2).all(|w| w[0].0 < w[1].0),
        "stamps strictly increase"
    );
    assert!(
        counts.losses >= 1,
        "the end of the stream is a loss: {counts:?}"
    );
    assert!(counts.reconnects >= 1, "the stream came back: {counts:?}");
    assert_eq!(
        counts.published,
        frames.len() as u64,
        "every published frame arrived"
    );
    assert_eq!(
        counts.captured,
        counts.accounted_for(),
        "every captured frame is accounted for: {counts:?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.severity == Severity::Error
                && d.message.contains("camera lost: end of stream"))
    );
    assert!(diags
        .iter()
        .any(|d| d.message.starts_with("camera: ") && d.message.contains("captured")));
}

#[test]
fn a_missing_device_is_a_loss_and_a_retry_not_a_crash() {
    let (node, handle) = camera(
        r#"pipeline = "v4l2src device=/dev/cabin-no-such-camera"
           backoff_s = 0.1
           backoff_max_s = 0.2"#,
    );
    let (frames, diags) = run_live(node, 1.0);
    let counts = handle.counts();
    assert!(frames.is_empty());
    assert!(counts.losses >= 2, "retried with backoff: {counts:?}");
    let lost = diags
        .iter()
        .find(|d| d.message.starts_with("camera lost"))
        .expect("a diagnostic says the camera is lost");
    assert_eq!(lost.severity, Severity::Error);
    assert!(lost.message.contains("reconnecting"), "{}", lost.message);
}

#[test]
fn an_element_that_is_not_installed_is_a_clear_error_at_start() {
    let mut registry = Registry::new();
    cabin_capture::register(&mut registry);
    let spec = NodeSpec::inline(
        "camera_source",
        "gst_camera",
        r#"pipeline = "cabinnosuchsrc ! videoconvert""#,
    )
    .expect("spec");
    let err = registry
        .build(&spec)
        .err()
        .expect("an unknown element cannot start");
    let text = err.to_string();
    assert!(text.contains("cabinnosuchsrc"), "{text}");
    let empty = NodeSpec::inline("camera_source", "gst_camera", "").expect("spec");
    let text = registry
        .build(&empty)
        .err()
        .expect("no pipeline")
        .to_string();
    assert!(text.contains("pipeline"), "{text}");
}

#[test]
fn frames_pushed_into_the_rtsp_feed_reach_a_camera_node_as_mjpeg() {
    use cabin_bus::messages::Blob;
    use cabin_capture::rtsp_server::{FrameFeed, Mount, RtspServer, FEED_CLIENT, FEED_CLIENT_TAIL};
    // What `cabin hil --rtsp` does with the simulator's frames, and what an ECU's node reads.
    let feed = FrameFeed::new();
    let server = RtspServer::serve(
        "127.0.0.1",
        0,
        vec![("/camera".into(), Mount::Feed(feed.clone()))],
    )
    .expect("RTSP server");
    let (node, handle) = camera(&format!(
        r#"pipeline = "{FEED_CLIENT}{}{FEED_CLIENT_TAIL}""#,
        server.url("/camera")
    ));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pusher = {
        let (feed, stop) = (feed.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut k = 0u8;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // A moving gradient, 64x48 grey, at 30 fps.
                let data: Vec<u8> = (0..64 * 48)
                    .map(|i| ((i % 64) as u8 * 4).wrapping_add(k))
                    .collect();
                feed.push(&CameraFrame {
                    format: PixelFormat::Gray8,
                    width: 64,
                    height: 48,
                    stride: 64,
                    data: Blob::from(data),
                });
                k = k.wrapping_add(1);
                std::thread::sleep(Duration::from_millis(33));
            }
        })
    };
    let (frames, _) = run_live(node, 2.5);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    pusher.join().expect("pusher");
    let counts = handle.counts();
    eprintln!(
        "{counts:?}, {} frames, {} pushed",
        frames.len(),
        feed.pushed()
    );
    assert!(feed.pushed() > 0, "a client connected to the feed");
    assert!(frames.len() >= 10, "{counts:?}");
    for (_, f) in &frames {
        assert_eq!((f.format, f.width, f.height), (PixelFormat::Gray8, 64, 48));
    }
}
