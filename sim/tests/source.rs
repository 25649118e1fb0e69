//! The `sim` node on the real deterministic executor: every stream at its rate and stamp, the run
//! ending at the scenario's end, speech as audio or text.

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions, Registry};
use cabin_sim::scenario::Scenario;
use cabin_sim::source::{SimConfig, SimSource};
use std::collections::BTreeMap;
use std::sync::Arc;

const SCENARIO: &str = include_str!("data/streams.toml");

fn run(config: SimConfig) -> (Vec<Arc<Sample>>, SimTime) {
    let scenario = Scenario::parse(SCENARIO, "short.toml", None).expect("scenario");
    let node = SimSource::new(scenario, &config).expect("sim node");
    let exec = DeterministicExecutor::new(
        vec![(NodeName::new("sim").unwrap(), Box::new(node))],
        ExecutorOptions::default(),
    )
    .expect("executor");
    let (report, samples) = exec.run_collecting();
    (samples, report.end)
}

#[test]
fn every_stream_comes_at_its_rate_and_the_run_ends_with_the_scenario() {
    let (samples, end) = run(SimConfig::default());
    assert_eq!(end, SimTime::from_secs_f64(6.0));
    let mut by_topic: BTreeMap<TopicId, Vec<&Sample>> = BTreeMap::new();
    for s in &samples {
        by_topic.entry(s.topic).or_default().push(s);
    }
    let count = |t: TopicId| by_topic.get(&t).map_or(0, Vec::len);
    assert_eq!(count(TopicId::Route), 1);
    assert_eq!(count(TopicId::Pois), 1);
    assert_eq!(count(TopicId::Vehicle), 60, "10 Hz x 6 s");
    assert_eq!(count(TopicId::Environment), 12, "2 Hz x 6 s");
    assert_eq!(count(TopicId::Camera), 60, "10 fps x 6 s");
    assert_eq!(count(TopicId::GroundTruth), 60);
    assert_eq!(count(TopicId::Ecg), 12, "0.5 s chunks");
    assert_eq!(count(TopicId::Ppg), 6, "1 s chunks");
    // Stamps: every stream strictly increasing, nothing at or after the end.
    for (t, list) in &by_topic {
        for w in list.windows(2) {
            // Audio has one chunk per seat microphone at each stamp (checked per channel below).
            assert!(
                w[0].header.stamp < w[1].header.stamp
                    || *t == TopicId::Diagnostics
                    || (*t == TopicId::Audio && w[0].header.stamp == w[1].header.stamp),
                "{t}"
            );
        }
        assert!(list.iter().all(|s| s.header.stamp < end), "{t}");
    }
    // Camera frames are well-formed IR frames; ground truth refers to them by sequence number.
    for (f, g) in by_topic[&TopicId::Camera]
        .iter()
        .zip(&by_topic[&TopicId::GroundTruth])
    {
        let frame = f.get::<CameraFrame>().unwrap();
        frame.validate().expect("valid frame");
        assert_eq!(
            (frame.width, frame.height, frame.format),
            (320, 240, PixelFormat::Gray8)
        );
        let gt = g.get::<DriverGroundTruth>().unwrap();
        assert_eq!(gt.frame_seq, f.header.seq);
        assert_eq!(f.header.stamp, g.header.stamp);
    }
    // The scripted glance is in the truth: lap/phone between ~1.15 s and ~4.35 s.
    let gt_at = |secs: f64| {
        by_topic[&TopicId::GroundTruth]
            .iter()
            .find(|s| s.header.stamp == SimTime::from_secs_f64(secs))
            .and_then(|s| s.get::<DriverGroundTruth>().cloned())
            .unwrap()
    };
    assert_eq!(gt_at(2.5).gaze_zone, GazeZone::LapPhone);
    assert_eq!(gt_at(2.5).episode.as_deref(), Some("long_distraction"));
    assert_eq!(gt_at(5.0).gaze_zone, GazeZone::RoadAhead);
    // Vehicle: speed from the profile, time of day from the start time.
    let v = by_topic[&TopicId::Vehicle][30]
        .get::<VehicleState>()
        .unwrap();
    assert!((v.speed_mps - 15.0).abs() < 0.01, "{}", v.speed_mps);
    assert_eq!(v.time_of_day_s, 10 * 3600 + 3);
    // ECG chunks carry the configured rate and size.
    let e = by_topic[&TopicId::Ecg][0].get::<BiometricChunk>().unwrap();
    assert_eq!((e.sample_rate_hz, e.samples.len()), (200.0, 100));
}

#[test]
fn speech_is_audio_when_espeak_is_there_else_text_with_a_warning() {
    let (samples, _) = run(SimConfig::default());
    let audio: Vec<&AudioChunk> = samples
        .iter()
        .filter_map(|s| s.get::<AudioChunk>())
        .collect();
    let espeak = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok();
    if espeak {
        assert_eq!(
            audio.len(),
            120,
            "100 ms chunks for 6 s from two seat microphones"
        );
        assert_eq!(
            audio.iter().filter(|c| c.channel == 1).count(),
            60,
            "passenger microphone"
        );
        // The scripted speaker's microphone hears the utterance; the other one only its noise floor.
        let energy = |c: &AudioChunk| c.samples.iter().map(|v| v * v).sum::<f32>();
        let loudest = audio
            .iter()
            .max_by(|a, b| energy(a).total_cmp(&energy(b)))
            .map(|c| c.channel);
        let audio: Vec<&AudioChunk> = audio
            .into_iter()
            .filter(|c| Some(c.channel) == loudest)
            .collect();
        assert_eq!(audio.len(), 60);
        // Silence before the utterance at 2 s, speech after it.
        let energy = |c: &AudioChunk| c.samples.iter().map(|v| v * v).sum::<f32>();
        assert_eq!(energy(audio[10]), 0.0);
        let loud = audio[20..40].iter().filter(|c| energy(c) > 1.0).count();
        assert!(loud >= 8, "{loud} loud chunks after 2 s");
        assert!(audio
            .iter()
            .all(|c| c.sample_rate_hz == 16_000 && c.samples.len() == 1600));
        assert!(!samples.iter().any(|s| s.topic == TopicId::ScriptedSpeech));
    } else {
        assert!(audio.is_empty());
        assert!(samples.iter().any(|s| s.topic == TopicId::ScriptedSpeech));
        assert!(samples.iter().any(|s| s
            .get::<Diagnostic>()
            .is_some_and(|d| d.message.contains("speech audio unavailable"))));
    }
    // Text mode: one utterance at its time.
    let (samples, _) = run(SimConfig {
        speech: "text".into(),
        ..SimConfig::default()
    });
    let text: Vec<&Arc<Sample>> = samples
        .iter()
        .filter(|s| s.topic == TopicId::ScriptedSpeech)
        .collect();
    assert_eq!(text.len(), 1);
    assert_eq!(text[0].header.stamp, SimTime::from_secs_f64(2.0));
    assert_eq!(
        text[0].get::<Utterance>().unwrap().text,
        "I could really use a coffee."
    );
}

#[test]
fn the_node_is_built_from_a_deployment_spec() {
    let mut reg = Registry::new();
    cabin_sim::register(&mut reg);
    assert!(reg.kinds().any(|(k, _)| k == "sim"));
    let spec = NodeSpec::inline(
        "sim",
        "sim",
        "scenario = \"default\"\ncamera = false\nduration_s = 2.0",
    )
    .unwrap();
    let node = reg.build(&spec).expect("builds");
    assert!(node.inputs().is_empty());
    let bad = NodeSpec::inline("sim", "sim", "scenaryo = \"default\"").unwrap();
    let e = reg.build(&bad).err().expect("typo is an error");
    assert!(e.to_string().contains("scenaryo"), "{e}");
    let missing = NodeSpec::inline("sim", "sim", "scenario = \"/nope/x.toml\"").unwrap();
    let e = reg.build(&missing).err().expect("missing file");
    assert!(e.to_string().contains("/nope/x.toml"), "{e}");
}

#[test]
fn render_ahead_does_not_change_the_frames() {
    let frames = |ahead: usize| -> Vec<Vec<u8>> {
        let (samples, _) = run(SimConfig {
            render_ahead: ahead,
            speech: "text".into(),
            ..SimConfig::default()
        });
        samples
            .iter()
            .filter_map(|s| s.get::<CameraFrame>())
            .map(|f| f.data.to_vec())
            .collect()
    };
    let inline = frames(0);
    assert_eq!(inline.len(), 60);
    assert_eq!(inline, frames(3));
    // Consecutive frames differ (noise, blinks, head motion), so the comparison means something.
    assert_ne!(inline[0], inline[1]);
}
