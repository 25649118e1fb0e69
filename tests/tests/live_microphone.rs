//! Real audio through the live microphone path: a WAV of speech synthesised by espeak-ng, played by
//! GStreamer (`filesrc ! wavparse`) into the `gst_microphone` node, into the real `speech` node (Silero
//! VAD + Moonshine from models/), both built from specs by the cockpit's registry as a deployment would.
//! The utterance that comes out must hold the words that went in.

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
use std::io::Write;
use std::process::{Command, Stdio};

/// Writes `text` spoken by espeak-ng, with 0.5 s of silence before and 1 s after (sox), to `path`.
fn speech_wav(text: &str, path: &std::path::Path) {
    let raw = path.with_extension("raw.wav");
    let mut child = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&raw)
        .stdin(Stdio::piped())
        .spawn()
        .expect("espeak-ng (Debian package espeak-ng)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write text");
    assert!(child.wait().expect("espeak-ng").success());
    let status = Command::new("sox")
        .arg(&raw)
        .arg(path)
        .args(["pad", "0.5", "1.0"])
        .status()
        .expect("sox (Debian package sox)");
    assert!(status.success());
}

#[test]
fn spoken_wav_through_gstreamer_reaches_the_speech_node() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("request.wav");
    speech_wav("Please find a coffee shop near the next exit.", &wav);

    let registry = cabin_cockpit::deployment::registry();
    let mic = NodeSpec::inline(
        "microphones",
        "gst_microphone",
        &format!(
            "pipeline = \"filesrc location={} ! wavparse\"\nseats = [0]\nat_end = \"stop\"",
            wav.display()
        ),
    )
    .expect("mic spec");
    let speech = NodeSpec::inline("speech", "speech", "").expect("speech spec");
    let nodes: Vec<(NodeName, Box<dyn Node>)> = vec![
        (
            NodeName::new("microphones").expect("name"),
            registry.build(&mic).expect("gst_microphone"),
        ),
        (
            NodeName::new("speech").expect("name"),
            registry.build(&speech).expect("speech"),
        ),
    ];
    let (_, out) = DeterministicExecutor::new(nodes, ExecutorOptions::default())
        .expect("executor")
        .run_collecting();

    let errors: Vec<_> = out
        .iter()
        .filter_map(|s| s.get::<Diagnostic>())
        .filter(|d| d.severity >= Severity::Warning)
        .collect();
    assert!(errors.is_empty(), "diagnostics: {errors:?}");
    let chunks = out
        .iter()
        .filter(|s| s.get::<AudioChunk>().is_some())
        .count();
    // ~3.5 s of audio in 32 ms chunks.
    assert!(chunks > 60, "{chunks} audio chunks");
    let heard: Vec<&Utterance> = out.iter().filter_map(|s| s.get::<Utterance>()).collect();
    assert_eq!(heard.len(), 1, "utterances: {heard:?}");
    let u = heard[0];
    assert_eq!(u.source, UtteranceSource::SpeechToText);
    assert_eq!(u.speaker, Speaker::Driver, "seat channel 0 is the driver");
    let text = u.text.to_lowercase();
    for word in ["coffee", "exit"] {
        assert!(
            text.contains(word),
            "transcript '{}' lacks '{word}'",
            u.text
        );
    }
}
