//! The conformance suite's CI subset (`cabin conformance --subset fast`), end to end with the real
//! models: every row of the subset is in the dossier with a measured result, each row's pass/fail is
//! what its observed alerts say against its expected outcome, and the plain case (a 4 s head turn to
//! the centre display at 60 km/h) is a distraction alert in its window.
//!
//! No result is written down here except that plain case: the other rows of the subset may pass or
//! fail (the dossier names the misses; docs/CONFORMANCE.md has the full run).

use cabin_bus::messages::{AlertKind, AlertLevel};
use cabin_cockpit::cli::ConfigArg;
use cabin_cockpit::commands::conformance::{run_suite, ConformanceArgs};
use cabin_sim::conformance::expect::Expectation;
use cabin_sim::conformance::{Status, Suite};

#[test]
fn the_fast_subset_has_a_measured_and_consistent_result_for_every_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ConformanceArgs {
        suite: "ncap2026".into(),
        subset: Some("fast".into()),
        only: Vec::new(),
        out: dir.path().to_path_buf(),
        jobs: 2,
        json: false,
        deployment: ConfigArg { config: None },
    };
    let dossier = run_suite(&args, "tests/tests/conformance.rs").expect("the suite runs");
    println!("{}", dossier.markdown());

    // Every row of the subset, in table order, and the files written.
    let suite = Suite::from_name_or_path("ncap2026").expect("the table parses");
    let want: Vec<String> = suite
        .subset(Some("fast"))
        .iter()
        .map(|r| r.id.clone())
        .collect();
    let got: Vec<String> = dossier.rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(got, want);
    assert!(want.len() >= 4, "the fast subset is a handful of rows");
    assert!(dir.path().join("dossier.md").is_file());
    assert!(dir.path().join("dossier.json").is_file());
    assert_eq!(dossier.totals.rows, want.len());
    assert_eq!(dossier.totals.pass + dossier.totals.fail, want.len());

    for (r, row) in dossier.rows.iter().zip(suite.subset(Some("fast"))) {
        // Measured: the run reached the end of its scenario, and its script is on disk.
        assert!(
            matches!(r.status, Status::Pass | Status::Fail),
            "{}: {:?} {:?}",
            r.id,
            r.status,
            r.reason
        );
        let end = r.sim_end_s.expect("ran");
        assert!(end >= r.duration_s - 1.0, "{}: stopped at {end}", r.id);
        assert!(r.events_sha256.as_ref().is_some_and(|h| h.len() == 64));
        assert!(dir
            .path()
            .join("scenarios")
            .join(format!("{}.toml", r.id))
            .is_file());
        assert!(
            r.clause.contains("[NCAP]")
                || r.clause.contains("[ADDW]")
                || r.clause.contains("[DDAW]")
        );
        // Consistent: a failure says why; a pass with a latency has it inside a window of the expectation;
        // "no alert" passes exactly when no alert was raised.
        if r.status == Status::Fail {
            assert!(r.reason.is_some(), "{}: a failure names its cause", r.id);
        }
        let raised = r
            .alerts
            .iter()
            .filter(|a| a.level != AlertLevel::Cleared)
            .count();
        match row.expectation().expect("expectation") {
            Expectation::None => assert_eq!(r.status == Status::Pass, raised == 0, "{}", r.id),
            Expectation::Alternatives(alts) => {
                if r.status == Status::Pass {
                    let t = r.latency_s.expect("a pass has a latency");
                    assert!(
                        alts.iter()
                            .flatten()
                            .any(|c| t >= c.from_s - 1e-3 && t <= c.to_s + 1e-3),
                        "{}: latency {t} outside every window",
                        r.id
                    );
                    assert!(
                        r.alerts.iter().any(|a| (a.at_s - t).abs() < 1e-6),
                        "{}",
                        r.id
                    );
                } else {
                    assert!(r.latency_s.is_none(), "{}", r.id);
                }
            }
            _ => {}
        }
    }

    // The known pass: a plain 4 s owl glance to the centre display at 60 km/h -> a distraction alert
    // between 3.0 and 3.5 s of eyes off the road.
    let plain = dossier
        .rows
        .iter()
        .find(|r| r.id == "FAST-LD-owl-centre_display")
        .expect("the plain row");
    assert_eq!(plain.status, Status::Pass, "{:?}", plain);
    let t = plain.latency_s.expect("latency");
    assert!((3.0..=3.5).contains(&t), "{t}");
    assert!(plain
        .alerts
        .iter()
        .any(|a| a.kind == AlertKind::LongDistraction && a.at_s == t));
}
