//! The product's defining drive, end to end in one process with the real models: the default scenario
//! through sim -> camera/biometrics -> driver state -> speech/agent, scored against its ground truth.
//!
//! What it proves: every scripted driver-state episode (long distraction, visual time-sharing, drowsiness
//! and microsleep, camera blocked) raises the matching alert within the scorer's bounds, normal driving
//! (including dark and IR-like stretches) raises none, and the passenger's coffee remark leads to exactly
//! one coffee suggestion, made while the driver was not distracted.

use cabin_bus::messages::InterestKind;
use cabin_sim::scenario::Scenario;

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
    for e in &report.episodes {
        assert!(
            e.detected,
            "episode {:?} at {:.1}-{:.1} s ({}) was not detected",
            e.kind, e.start_s, e.end_s, e.detail
        );
    }
    assert!(
        report.false_alerts.is_empty(),
        "false alerts during normal driving: {:?}",
        report.false_alerts
    );
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
