//! The checks of the product's defining drive, the default scenario, scored against its ground truth.
//!
//! One copy, used by two tests: CI runs them on the events of `cabin run --hmi` in
//! cockpit/tests/hmi_browser.rs (the real binary, the page answering the coffee suggestion), so the
//! 10-minute drive with the real models runs once in CI instead of twice; tests/tests/default_scenario.rs
//! runs the same checks on an in-process run without the HMI (ignored in CI, the command is in its doc).
//!
//! What they prove: the scripted driver-state episodes raise the matching alert no earlier than the
//! protocol allows (the scorer's earliest protocol time) and within its bounds, normal driving
//! (including dark and IR-like stretches) raises none, every camera frame is answered and scored frame
//! by frame, and the passenger's coffee remark leads to exactly one coffee suggestion, made while the
//! driver was not distracted.
//!
//! Under the protocol rule every episode is detected and no alert comes early. The driver-state node
//! credits a frame interval where the gaze (or the eyelids) changed to neither side, so its alerts come
//! up to a frame interval per glance late, never early (perception/src/driver_state/distraction.rs):
//! measured 2026-12-06, the time-sharing warning 1.95 s and the microsleep alert 0.06 s after their
//! earliest protocol times (`cabin score --events`).
//!
//! Known defect, not asserted away: a glance down at the centre display reads as closed eyes (the upper lid
//! drops as the eyes look down), so microsleep alerts come during those glances; the scorer lists them as
//! other alerts within the episodes (docs/CONFORMANCE.md, miss 1).
//!
//! Nothing here depends on how the suggestion was answered: the coffee suggestion is made once whether
//! the driver declines it (the HMI test) or leaves it unanswered (the in-process run), and the agent's
//! answers do not feed back into perception.

use cabin_bus::messages::InterestKind;
use cabin_sim::scenario::{EpisodeKind, Scenario};
use cabin_sim::score::frames::TruthSource;
use std::path::Path;

/// Scores the events log of a run of the default scenario and asserts every claim above; prints the
/// score table.
pub fn assert_default_drive_scores(events: &Path) {
    let scenario = Scenario::default_scenario().expect("default scenario parses");
    let report = cabin_sim::score(&scenario, events).expect("scores");
    println!("{}", report.table());

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
    assert!(
        missed.is_empty(),
        "missed episodes: {missed:?} in {:?}",
        report.episodes
    );
    assert!(report.episodes.iter().all(|e| e.scorable()));
    assert!(
        report.false_alerts.is_empty(),
        "false alerts (early or outside every episode): {:?}",
        report.false_alerts
    );

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
