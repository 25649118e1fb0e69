//! Scoring on a hand-made scenario and a hand-made events log whose answers are known.

use cabin_bus::prelude::*;
use cabin_bus::runtime::EventLog;
use cabin_sim::scenario::{EpisodeKind, Scenario};
use cabin_sim::score::score;
use std::io::Write;

const SCENARIO: &str = include_str!("data/scored.toml");

fn sample(t: f64, topic: TopicId, seq: u64, message: Message) -> Sample {
    Sample {
        topic,
        header: Header {
            source: NodeName::new("driver_state").unwrap(),
            seq,
            stamp: SimTime::from_secs_f64(t),
        },
        message,
    }
}

fn alert(t: f64, seq: u64, kind: AlertKind, level: AlertLevel) -> Sample {
    sample(
        t,
        TopicId::Alert,
        seq,
        Message::Alert(Alert {
            kind,
            level,
            reason: format!("test {kind:?}"),
        }),
    )
}

#[test]
fn scores_match_the_known_answers() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).expect("scenario");
    let cup = scenario.pois[0].clone();
    use AlertKind::*;
    use AlertLevel::*;
    let events = vec![
        alert(2.0, 0, LongDistraction, Warning), // false alert (normal driving)
        alert(2.5, 1, LongDistraction, Cleared),
        alert(13.3, 2, LongDistraction, Warning), // detects the long distraction: latency 3.15 s
        alert(14.0, 3, LongDistraction, Critical), // escalation, not a new alert
        alert(15.0, 4, LongDistraction, Cleared),
        alert(29.0, 5, VisualTimeSharing, Warning), // within end 27.85 + 3 s grace
        alert(30.0, 6, VisualTimeSharing, Cleared),
        alert(36.0, 7, Drowsiness, Warning), // during the microsleep, but not a microsleep alert
        alert(39.0, 8, Drowsiness, Cleared),
        sample(
            32.0,
            TopicId::Suggestion,
            0,
            Message::Suggestion(Suggestion {
                id: 1,
                interest: InterestKind::Coffee,
                action: SuggestionAction::Stop {
                    poi: cup,
                    distance_m: 800.0,
                    detour_s: 60.0,
                },
                text: "Coffee at Cup in 800 m?".into(),
                phrased_by: "template".into(),
                reason: "test".into(),
            }),
        ),
        alert(46.0, 9, CannotMonitor, Warning), // detects the blocked camera: latency 1.0 s
        alert(50.0, 10, CannotMonitor, Cleared),
        alert(55.0, 11, PhoneUse, Info), // false alert
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    {
        let f = std::fs::File::create(&path).unwrap();
        let mut log = EventLog::to_writer(Box::new(f));
        for e in &events {
            log.record(e).unwrap();
        }
        log.finish().unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "{{\"t_ns\": 1, \"topic\": \"nowhere\"}}").unwrap();
    }

    let r = score(&scenario, &path).expect("scores");
    assert_eq!(r.events, events.len() as u64);
    assert_eq!(r.bad_lines.len(), 1, "{:?}", r.bad_lines);
    assert!(
        r.bad_lines[0].contains(":14:"),
        "line number: {:?}",
        r.bad_lines
    );

    let by_kind = |k: EpisodeKind| r.episodes.iter().find(|e| e.kind == k).unwrap();
    let long = by_kind(EpisodeKind::LongDistraction);
    assert!(long.detected);
    assert!((long.start_s - 10.15).abs() < 1e-9, "{}", long.start_s);
    assert!(
        (long.latency_s.unwrap() - 3.15).abs() < 1e-6,
        "{:?}",
        long.latency_s
    );
    assert!((long.earliest_s - 13.15).abs() < 1e-9);
    let vts = by_kind(EpisodeKind::VisualTimeSharing);
    assert!(vts.detected);
    assert!((vts.end_s - 27.85).abs() < 1e-9, "{}", vts.end_s);
    assert!((vts.latency_s.unwrap() - 8.85).abs() < 1e-6);
    let micro = by_kind(EpisodeKind::Microsleep);
    assert!(
        !micro.detected,
        "a drowsiness alert does not count for a microsleep"
    );
    let blocked = by_kind(EpisodeKind::CameraBlocked);
    assert!(blocked.detected && (blocked.latency_s.unwrap() - 1.0).abs() < 1e-6);
    assert_eq!(r.detected(), 3);

    // False alerts: at 2.0 (LongDistraction) and 55.0 (PhoneUse); the escalation is not one.
    let f: Vec<(f64, AlertKind)> = r.false_alerts.iter().map(|a| (a.at_s, a.kind)).collect();
    assert_eq!(f, vec![(2.0, LongDistraction), (55.0, PhoneUse)]);
    // Normal driving = 60 - (7.0 + 10.7 + 5.6 + 7.0) s.
    assert!(
        (r.normal_driving_s - 29.7).abs() < 1e-6,
        "{}",
        r.normal_driving_s
    );
    assert!((r.false_alerts_per_hour - 2.0 / (29.7 / 3600.0)).abs() < 1e-6);
    assert_eq!(r.unexpected_alerts.len(), 1);
    assert_eq!(r.unexpected_alerts[0].onset.kind, Drowsiness);

    // Suggestions.
    assert_eq!(r.suggestions.len(), 1);
    let s = &r.suggestions[0];
    assert_eq!((s.at_s, s.poi.as_deref()), (32.0, Some("Cup")));
    assert_eq!(s.during_episode, None);
    assert_eq!(s.since_utterance_s, Some(27.0));
    assert!(r.expectations[0].met && r.expectations[0].at_s == Some(32.0));
    assert!(!r.expectations[1].met, "no fuel suggestion was made");
    assert!(!r.passed());

    // The table and the JSON say the same.
    let table = r.table();
    assert!(
        table.contains("MISSED") && table.contains("detected 3/4"),
        "{table}"
    );
    let json: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(json["episodes"][0]["kind"], "long_distraction");
    assert_eq!(json["false_alerts"].as_array().unwrap().len(), 2);
}

#[test]
fn a_missing_events_file_is_an_error_naming_it() {
    let scenario = Scenario::parse(SCENARIO, "scored.toml", None).unwrap();
    let e = score(&scenario, std::path::Path::new("/nope/events.jsonl")).unwrap_err();
    assert!(e.to_string().contains("/nope/events.jsonl"), "{e}");
}
