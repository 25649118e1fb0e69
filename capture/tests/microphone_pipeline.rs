//! The microphone node on real GStreamer: audiotestsrc through the node's pipeline, run by the
//! deterministic executor, the chunks checked for rate, seat channel, length and stamps.

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
use cabin_capture::MicrophoneNode;
use std::sync::Arc;

fn node(params: &str) -> Result<MicrophoneNode, NodeError> {
    let spec = NodeSpec::inline("mic", "gst_microphone", params).expect("spec");
    MicrophoneNode::from_spec(&spec)
}

fn run(params: &str) -> Vec<Arc<Sample>> {
    let mic = node(params).expect("microphone node");
    let nodes: Vec<(NodeName, Box<dyn Node>)> =
        vec![(NodeName::new("mic").expect("name"), Box::new(mic))];
    let exec = DeterministicExecutor::new(nodes, ExecutorOptions::default()).expect("executor");
    exec.run_collecting().1
}

fn audio(samples: &[Arc<Sample>]) -> Vec<(SimTime, &AudioChunk)> {
    samples
        .iter()
        .filter_map(|s| s.get::<AudioChunk>().map(|c| (s.header.stamp, c)))
        .collect()
}

#[test]
fn test_tone_becomes_stamped_16k_chunks() {
    // 0.5 s of a 440 Hz tone at 48 kHz stereo-less mono, 1024 samples per buffer: the node resamples to
    // 16 kHz and cuts 32 ms (512-sample) chunks stamped from the PTS.
    let out = run(
        "pipeline = \"audiotestsrc num-buffers=24 samplesperbuffer=1000 freq=440 ! audio/x-raw,rate=48000,channels=1\"\n\
         seats = [0]\nat_end = \"stop\"",
    );
    let chunks = audio(&out);
    // 24 000 input samples at 48 kHz = 0.5 s = 8000 samples at 16 kHz = 15 full chunks + 320.
    assert_eq!(chunks.len(), 16, "chunks: {}", chunks.len());
    let total: usize = chunks.iter().map(|(_, c)| c.samples.len()).sum();
    assert!((7990..=8010).contains(&total), "total samples {total}");
    for (i, (stamp, c)) in chunks.iter().enumerate() {
        assert_eq!(c.sample_rate_hz, 16_000);
        assert_eq!(c.channel, 0);
        assert_eq!(stamp.as_nanos(), i as u64 * 32_000_000, "chunk {i} stamp");
        if i < 15 {
            assert_eq!(c.samples.len(), 512);
        }
        assert!(c.samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
    }
    // A tone, not silence.
    let peak = chunks[3].1.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.3, "peak {peak}");
    // The shutdown summary counts the chunks and no losses.
    let summary = out
        .iter()
        .filter_map(|s| s.get::<Diagnostic>())
        .find(|d| d.message.starts_with("microphone: "))
        .expect("summary diagnostic");
    assert!(
        summary
            .message
            .contains("16 chunks, 0 late, 0 discontinuities"),
        "{}",
        summary.message
    );
}

#[test]
fn two_channels_map_to_two_seats() {
    // Left: a tone; right: silence (audiotestsrc wave=silence through interleave would need more
    // elements; a 2-channel tone with the right channel muted by audiopanorama does it in one).
    let out = run(
        "pipeline = \"audiotestsrc num-buffers=8 samplesperbuffer=1600 freq=300 ! audio/x-raw,rate=16000,channels=1 ! audiopanorama panorama=-1.0\"\n\
         seats = [3, 1]\nat_end = \"stop\"",
    );
    let chunks = audio(&out);
    let left: Vec<_> = chunks.iter().filter(|(_, c)| c.channel == 3).collect();
    let right: Vec<_> = chunks.iter().filter(|(_, c)| c.channel == 1).collect();
    assert_eq!(left.len(), right.len());
    assert_eq!(left.len() + right.len(), chunks.len());
    assert!(left.len() >= 25, "{} chunks per seat", left.len());
    for (l, r) in left.iter().zip(&right) {
        assert_eq!(l.0, r.0, "both seats' chunks share a stamp");
        assert_eq!(l.1.samples.len(), r.1.samples.len());
    }
    let energy = |cs: &[&(SimTime, &AudioChunk)]| -> f32 {
        cs.iter()
            .flat_map(|(_, c)| c.samples.iter())
            .map(|s| s * s)
            .sum()
    };
    assert!(energy(&left) > 100.0, "left energy {}", energy(&left));
    assert!(energy(&right) < 1e-3, "right energy {}", energy(&right));
}

#[test]
fn a_missing_element_is_a_clear_config_error() {
    let err = node("pipeline = \"audiotestsrc ! nosuchelement_cabin\"")
        .err()
        .expect("must not build");
    let text = err.to_string();
    assert!(text.contains("nosuchelement_cabin"), "{text}");
    assert!(matches!(err, NodeError::Config { .. }));
    let err = node("pipeline = \"audiotestsrc\"\nseats = [0, 0]")
        .err()
        .expect("duplicate seat");
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn a_device_that_fails_is_reported_and_retried() {
    // A source that cannot open its device (a file that is not there, as an unplugged card): the pipeline parses, fails to start, the node reports it
    // and reconnects with backoff; the run (bounded by `until`) carries on without a panic.
    let mic = node("pipeline = \"filesrc location=/nonexistent/cabin-mic.wav ! wavparse\"\nreconnect_min_ms = 200\nreconnect_max_ms = 400")
        .expect("a missing device is not a config error");
    let nodes: Vec<(NodeName, Box<dyn Node>)> =
        vec![(NodeName::new("mic").expect("name"), Box::new(mic))];
    let options = ExecutorOptions {
        until: Some(SimTime::from_millis(1_000)),
        ..Default::default()
    };
    let (_, out) = DeterministicExecutor::new(nodes, options)
        .expect("executor")
        .run_collecting();
    let lost: Vec<_> = out
        .iter()
        .filter_map(|s| s.get::<Diagnostic>())
        .filter(|d| d.severity == Severity::Error && d.message.contains("microphone lost"))
        .collect();
    // at 0, 200, 600 ms (backoff 200, 400, 400) -> at least 3 attempts within the second.
    assert!(lost.len() >= 3, "{lost:?}");
    assert!(audio(&out).is_empty());
}
