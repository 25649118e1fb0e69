//! MCAP: a recorded run replays to the same inputs and the same derived events; the file follows the
//! rules Foxglove reads by; a truncated or corrupted recording replays up to the damage and says so.

mod common;

use cabin_bus::prelude::*;
use cabin_sim::mcap::{read_recording, Recorder, RecorderOptions, RAW_ENCODING};
use cabin_sim::scenario::Scenario;
use cabin_sim::source::{ReplayConfig, ReplaySource, SimConfig, SimSource};
use common::{run_graph, SHORT};
use std::path::Path;
use std::sync::Arc;

struct Direct {
    events: String,
    lines: Vec<String>,
    all: Vec<Arc<Sample>>,
    end: SimTime,
}

fn record(path: &Path) -> Direct {
    let scenario = Scenario::parse(SHORT, "short.toml", None).expect("scenario");
    let node = SimSource::new(scenario, &SimConfig::default()).expect("sim");
    let recorder = Recorder::create(path, RecorderOptions::default()).expect("recorder");
    let r = recorder.clone();
    let (events, lines, all, end) = run_graph("sim", Box::new(node), 2, move |s| r.write(s));
    let report = recorder.finish(Some(end)).expect("finish");
    assert_eq!(report.total_dropped(), 0, "{:?}", report.problems);
    assert_eq!(report.total_written() as usize, all.len());
    Direct {
        events,
        lines,
        all,
        end,
    }
}

fn replay(path: &Path) -> (String, Vec<String>, Vec<Arc<Sample>>, SimTime) {
    let node = ReplaySource::new(&ReplayConfig {
        file: path.display().to_string(),
        ..ReplayConfig::default()
    })
    .expect("replay node");
    run_graph("sim", Box::new(node), 2, |_| {})
}

/// What the source published (its inputs for the graph, and its own diagnostics), as wire bytes:
/// byte equality is exact (NaN samples included) and a mismatch prints small.
fn from_source(all: &[Arc<Sample>]) -> Vec<Wire> {
    all.iter()
        .filter(|s| s.header.source.as_str() == "sim")
        .map(|s| Wire::of(s))
        .collect()
}

#[derive(PartialEq)]
struct Wire {
    topic: TopicId,
    seq: u64,
    bytes: Vec<u8>,
}

impl Wire {
    fn of(s: &Sample) -> Wire {
        Wire {
            topic: s.topic,
            seq: s.header.seq,
            bytes: cabin_bus::codec::encode(s).expect("encode"),
        }
    }
}

impl std::fmt::Debug for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} seq {} ({} bytes)",
            self.topic,
            self.seq,
            self.bytes.len()
        )
    }
}

#[test]
fn record_then_replay_gives_the_same_samples_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mcap");
    let direct = record(&path);

    let rec = read_recording(&path).expect("read");
    assert!(rec.damage.is_none(), "{:?}", rec.damage);
    assert!(rec.skipped.is_empty(), "{:?}", rec.skipped);
    assert_eq!(rec.end, Some(direct.end));
    assert_eq!(
        rec.samples.len(),
        direct.all.len(),
        "every sample is in the file"
    );
    for (a, b) in rec.samples.iter().zip(&direct.all) {
        assert_eq!(
            Wire::of(a),
            Wire::of(b),
            "recorded sample differs (camera pixels included)"
        );
    }

    let (events, lines, all, end) = replay(&path);
    assert_eq!(end, direct.end, "the replay stops where the run stopped");
    assert_eq!(
        from_source(&all),
        from_source(&direct.all),
        "replayed inputs differ"
    );
    assert_eq!(lines, direct.lines, "derived events differ");
    assert_eq!(events, direct.events);
}

#[test]
fn the_recording_follows_foxglove_schema_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mcap");
    record(&path);
    let bytes = std::fs::read(&path).unwrap();
    let summary = mcap::Summary::read(&bytes)
        .expect("summary")
        .expect("has a summary");
    let mut camera_seen = false;
    for ch in summary.channels.values() {
        if ch.message_encoding == RAW_ENCODING {
            assert!(ch.topic.starts_with("/cabin_raw/"), "{}", ch.topic);
            continue;
        }
        assert_eq!(ch.message_encoding, "json", "{}", ch.topic);
        let schema = ch
            .schema
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no schema", ch.topic));
        assert_eq!(schema.encoding, "jsonschema", "{}", ch.topic);
        let s: serde_json::Value = serde_json::from_slice(&schema.data).expect("schema is JSON");
        assert_eq!(s["type"], "object", "{}", ch.topic);
        if ch.topic == "/sensors/camera" {
            camera_seen = true;
            assert_eq!(schema.name, "foxglove.CompressedImage");
            assert_eq!(s["properties"]["data"]["contentEncoding"], "base64");
        }
    }
    assert!(camera_seen);
    let mut images = 0;
    for m in mcap::MessageStream::new(&bytes).expect("stream") {
        let m = m.expect("message");
        if m.channel.message_encoding != "json" {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&m.data)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", m.channel.topic));
        if m.channel.topic == "/sensors/camera" {
            images += 1;
            assert_eq!(v["format"], "png");
            assert!(v["timestamp"]["sec"].is_u64() && v["timestamp"]["nsec"].is_u64());
            assert_eq!(
                v["timestamp"]["sec"].as_u64().unwrap() * 1_000_000_000
                    + v["timestamp"]["nsec"].as_u64().unwrap(),
                m.log_time
            );
        }
    }
    assert_eq!(images, 80, "8 s at 10 fps");
    // Chunks are compressed.
    assert!(summary
        .chunk_indexes
        .iter()
        .all(|c| c.compression == "zstd"));
}

#[test]
fn a_truncated_recording_replays_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mcap");
    let direct = record(&path);
    let bytes = std::fs::read(&path).unwrap();
    let inputs = from_source(&direct.all);
    for fraction in [0.3, 0.75, 0.98] {
        let cut = dir.path().join(format!("cut_{fraction}.mcap"));
        std::fs::write(&cut, &bytes[..(bytes.len() as f64 * fraction) as usize]).unwrap();
        let rec = read_recording(&cut).expect("opens");
        let damage = rec.damage.clone().expect("damage reported");
        assert!(damage.contains("damaged after"), "{damage}");
        let (_, _, all, end) = replay(&cut);
        let got = from_source(&all);
        let replayed: Vec<&Wire> = got
            .iter()
            .filter(|s| s.topic != TopicId::Diagnostics)
            .collect();
        let expected: Vec<&Wire> = inputs
            .iter()
            .filter(|s| s.topic != TopicId::Diagnostics)
            .collect();
        assert!(
            !replayed.is_empty() || fraction < 0.5,
            "{fraction}: nothing replayed"
        );
        assert!(
            replayed.len() < expected.len(),
            "{fraction}: everything replayed from a cut file?"
        );
        assert_eq!(
            replayed[..],
            expected[..replayed.len()],
            "{fraction}: not a prefix of the run"
        );
        assert!(
            all.iter().any(|s| s
                .get::<Diagnostic>()
                .is_some_and(|d| d.severity == Severity::Error
                    && d.message.contains("replayed up to the damage"))),
            "{fraction}: no diagnostic about the damage"
        );
        assert!(end <= direct.end);
    }
}

#[test]
fn a_corrupted_recording_replays_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mcap");
    let direct = record(&path);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    let bad = dir.path().join("bad.mcap");
    std::fs::write(&bad, &bytes).unwrap();
    let (_, _, all, _) = replay(&bad);
    let got: Vec<Wire> = from_source(&all)
        .into_iter()
        .filter(|s| s.topic != TopicId::Diagnostics)
        .collect();
    let expected: Vec<Wire> = from_source(&direct.all)
        .into_iter()
        .filter(|s| s.topic != TopicId::Diagnostics)
        .collect();
    assert!(
        !got.is_empty() && got.len() < expected.len(),
        "{} of {}",
        got.len(),
        expected.len()
    );
    assert_eq!(got[..], expected[..got.len()]);
    assert!(all.iter().any(|s| s
        .get::<Diagnostic>()
        .is_some_and(|d| d.message.contains("damage"))));
}

#[test]
fn a_file_that_is_not_mcap_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mcap");
    std::fs::write(&path, b"hello, not an mcap").unwrap();
    let e = ReplaySource::new(&ReplayConfig {
        file: path.display().to_string(),
        ..ReplayConfig::default()
    })
    .err()
    .expect("refused");
    assert!(e.contains("notes.mcap") && e.contains("not an MCAP"), "{e}");
    let e = ReplaySource::new(&ReplayConfig {
        file: dir.path().join("missing.mcap").display().to_string(),
        ..ReplayConfig::default()
    })
    .err()
    .expect("refused");
    assert!(e.contains("missing.mcap"), "{e}");
}
