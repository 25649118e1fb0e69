//! The product's defining drive, end to end in one process with the real models: the default scenario
//! through sim -> camera/biometrics -> driver state -> speech/agent, scored against its ground truth.
//!
//! What it proves: the scripted driver-state episodes raise the matching alert no earlier than the
//! protocol allows (the scorer's earliest protocol time) and within its bounds, normal driving
//! (including dark and IR-like stretches) raises none, every camera frame is answered and scored frame
//! by frame, and the passenger's coffee remark leads to exactly one coffee suggestion, made while the
//! driver was not distracted.
//!
//! Two episodes are known misses under the protocol rule (see `KNOWN_PREMATURE`): the stack alerts a
//! few tens of milliseconds before the protocol's condition is met. They are pinned here, by name, so
//! that the day they are fixed this test says so (and the pin goes), and a new miss fails it.

use cabin_bus::messages::{AlertKind, InterestKind};
use cabin_sim::scenario::{EpisodeKind, Scenario};
use cabin_sim::score::frames::TruthSource;

/// Episodes whose alert comes before the earliest protocol time on this drive (measured 2026-12-06,
/// `cabin score --events`; docs/perf/sim.md "Frame-by-frame scoring"):
/// - visual time sharing: the warning at 216.6 s, when the script has 9.95 s away of the 10 s
///   (216.648 s): the driver-state node credits each away frame with the whole frame interval before it;
/// - microsleep: the alert at 521.6 s, 42 ms before the eyes have been >= 80 % closed for 1 s: the
///   driver-state node dates a closure from the frame interval before the first frame it reads below
///   50 % openness (its `closed_below`, chosen for dark frames), earlier in a slow closure than the
///   80 % closure of PERCLOS and the protocol.
///   The microsleep alert is still a correct alert for the drowsy stretch around it (no false alert).
const KNOWN_PREMATURE: &[(EpisodeKind, AlertKind)] = &[
    (EpisodeKind::VisualTimeSharing, AlertKind::VisualTimeSharing),
    (EpisodeKind::Microsleep, AlertKind::Microsleep),
];

#[test]
fn default_drive_raises_the_scripted_alerts_and_one_coffee_suggestion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events.jsonl");
    let outcome = cabin_tests::run_stack("default", &events, 2).expect("the default drive runs");
    let scenario = Scenario::default_scenario().expect("default scenario parses");
    let report = cabin_sim::score(&scenario, &events).expect("scores");
    println!("{}", report.table());
    println!("events sha256 {}", outcome.events_hash);

    assert!(
        report.bad_lines.is_empty(),
        "unreadable event lines: {:?}",
        report.bad_lines
    );
    assert!(
        report.events_end_s >= report.duration_s - 1.0,
        "the run reached the end of the drive"
    );
    let missed: Vec<EpisodeKind> = report
        .episodes
        .iter()
        .filter(|e| !e.detected)
        .map(|e| e.kind)
        .collect();
    let known: Vec<EpisodeKind> = KNOWN_PREMATURE.iter().map(|k| k.0).collect();
    assert_eq!(
        missed, known,
        "missed episodes other than the known premature ones: {:?}",
        report.episodes
    );
    assert!(report.episodes.iter().all(|e| e.scorable()));
    // False alerts: only the premature time-sharing warning (the microsleep alert counts for the
    // drowsy stretch it falls in).
    let false_alerts: Vec<AlertKind> = report.false_alerts.iter().map(|a| a.kind).collect();
    assert_eq!(
        false_alerts,
        vec![AlertKind::VisualTimeSharing],
        "false alerts: {:?}",
        report.false_alerts
    );
    assert!(report.false_alerts[0].premature_for.is_some());
    assert!(KNOWN_PREMATURE.iter().any(|k| k.1 == false_alerts[0]));

    // Frame by frame: every frame of the 10 fps camera answered at its own stamp, truth regenerated
    // from the script (an events log carries no ground truth). The bounds are regression guards around
    // the figures measured on this drive, which is the world the perception was tuned on, not a
    // held-out result (docs/perf/sim.md).
    let f = report.frames.as_ref().expect("frame metrics");
    assert_eq!(f.truth, TruthSource::ScenarioScript);
    assert_eq!(
        (f.frames, f.dropped, f.unmatched_observations),
        (6000, 0, 0)
    );
    assert!(f.presence.precision >= Some(0.99), "{:?}", f.presence);
    assert!(f.presence.recall >= Some(0.99), "{:?}", f.presence);
    for (name, e) in [("yaw", &f.head_pose.yaw), ("pitch", &f.head_pose.pitch)] {
        assert!(e.p95_abs.is_some_and(|p| p <= 10.0), "head {name}: {e:?}");
    }
    assert!(f.gaze.accuracy >= Some(0.9), "{:?}", f.gaze);
    assert!(
        report.expectations.iter().all(|x| x.met),
        "expected suggestions missing: {:?}",
        report.expectations
    );
    let coffee: Vec<_> = report
        .suggestions
        .iter()
        .filter(|s| s.interest == InterestKind::Coffee)
        .collect();
    assert_eq!(
        coffee.len(),
        1,
        "exactly one coffee suggestion: {:?}",
        report.suggestions
    );
    let when = coffee[0]
        .during_episode
        .as_deref()
        .unwrap_or("normal driving");
    assert!(
        !when.contains("distraction") && !when.contains("time_sharing"),
        "coffee proposed to a distracted driver ({when})"
    );
}
