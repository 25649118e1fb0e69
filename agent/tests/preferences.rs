//! The on-device preference store: it survives a writer killed mid-stream without corruption, and
//! what a driver accepted or declined on earlier drives shapes the ranking on later ones.

mod common;

use cabin_agent::interests::{profile_forget, profile_show, PreferenceStore};
use cabin_bus::prelude::*;
use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "CABIN_PREFS_CHILD_DB";

fn coffee_poi(id: u64, name: &str, brand: Option<&str>, off_m: f64) -> Poi {
    let mut p = poi(id, name, PoiCategory::Coffee, beside_route(10.0, off_m));
    p.brand = brand.map(String::from);
    p
}

/// Not a test on its own: the writer process the crash test kills (does nothing unless spawned).
#[test]
fn child_writer() {
    let Ok(db) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = PreferenceStore::open(Path::new(&db), "crash").expect("open");
    let p = coffee_poi(1, "Roastco Nord", Some("Roastco"), 100.0);
    for i in 0.. {
        let answer = if i % 3 == 0 {
            Answer::Decline
        } else {
            Answer::Accept
        };
        store
            .record(&p, InterestKind::Coffee, answer, i as f64)
            .expect("record");
    }
}

#[test]
fn the_store_survives_a_killed_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("prefs.sqlite");
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &db)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = 0;
    while seen < 200 {
        assert!(
            Instant::now() < deadline,
            "the writer made no progress ({seen} answers)"
        );
        std::thread::sleep(Duration::from_millis(20));
        if let Ok(s) = PreferenceStore::open(&db, "crash") {
            seen = s.answers().unwrap_or(0);
        }
    }
    child.kill().expect("SIGKILL the writer mid-stream");
    let _ = child.wait();
    let store = PreferenceStore::open(&db, "crash").expect("reopens after the crash");
    store.check_integrity().expect("integrity_check = ok");
    let n = store.answers().expect("count");
    let snap = store.snapshot().expect("snapshot");
    let t = snap.categories[&PoiCategory::Coffee];
    assert!(n >= seen, "{n} answers after the kill, {seen} seen before");
    assert_eq!((t.accepts + t.declines) as u64, n, "every row is whole");
    println!("{n} answers survived the kill; integrity ok");
}

/// One drive: a passenger wants coffee at 20 s; the driver answers the first suggestion at 170 s.
fn drive(pois: Vec<Poi>, db: &Path, mode: &str, answer: Option<Answer>) -> Vec<(f64, Suggestion)> {
    let mut s = remark_on_route(pois, "I could really use a coffee.");
    if let Some(a) = answer {
        s = s.at(
            170.0,
            topics::RESPONSE,
            UserResponse {
                suggestion_id: 1,
                answer: a,
                source: ResponseSource::Touch,
            },
        );
    }
    let s = moving_at_25_mps(s);
    let params = format!(
        "backend = \"template\"\npreferences = \"{mode}\"\nprofile = \"alice\"\nprofile_db = \"{}\"",
        db.display()
    );
    let spec = NodeSpec::inline("agent", "agent", &params).expect("spec");
    let node: Box<dyn Node> = Box::new(cabin_agent::AgentNode::from_spec(&spec).expect("agent"));
    on(&run(s, vec![("agent", node)]), topics::SUGGESTION)
}

fn proposed(s: &[(f64, Suggestion)]) -> Vec<String> {
    s.iter()
        .filter_map(|(_, s)| match &s.action {
            SuggestionAction::Stop { poi, .. } => Some(poi.name.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn accepted_chains_are_preferred_on_later_drives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("prefs.sqlite");
    let roastco = coffee_poi(1, "Roastco Nord", Some("Roastco"), 300.0);
    let bean = coffee_poi(2, "Bean There Coffee", None, -150.0);
    // without preferences the closer Bean There wins
    let s = drive(vec![roastco.clone(), bean.clone()], &db, "off", None);
    assert_eq!(proposed(&s), ["Bean There Coffee"]);
    assert!(!db.exists(), "preferences off: no store is created");
    // two drives where only Roastco is on the way, accepted both times
    for _ in 0..2 {
        let s = drive(vec![roastco.clone()], &db, "learn", Some(Answer::Accept));
        assert_eq!(proposed(&s), ["Roastco Nord"]);
    }
    let shown = profile_show(&db, "alice").expect("show");
    println!("{shown}");
    assert!(
        shown.contains("roastco") && shown.contains("preferred"),
        "{shown}"
    );
    // now both are on the way: the preferred chain wins over the shorter detour
    let s = drive(vec![roastco.clone(), bean.clone()], &db, "read", None);
    assert_eq!(proposed(&s), ["Roastco Nord"]);
    assert!(
        s[0].1.reason.contains("preferred chain Roastco"),
        "{}",
        s[0].1.reason
    );
    // forgetting the profile restores the plain ranking
    profile_forget(&db, "alice").expect("forget");
    let s = drive(vec![roastco, bean], &db, "read", None);
    assert_eq!(proposed(&s), ["Bean There Coffee"]);
}

#[test]
fn a_category_declined_three_times_is_never_proposed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("prefs.sqlite");
    let mut store = PreferenceStore::open(&db, "alice").expect("open");
    let burger = {
        let mut p = poi(
            7,
            "Burger Hut",
            PoiCategory::FastFood,
            beside_route(10.0, 100.0),
        );
        p.brand = Some("Burger Hut".into());
        p
    };
    for i in 0..3 {
        store
            .record(&burger, InterestKind::Food, Answer::Decline, i as f64)
            .expect("record");
    }
    drop(store);
    let inn = poi(
        8,
        "Gasthof Post",
        PoiCategory::Restaurant,
        beside_route(10.2, 900.0),
    );
    let s = moving_at_25_mps(remark_on_route(vec![burger, inn], "I'm starving."));
    let params = format!(
        "backend = \"template\"\npreferences = \"read\"\nprofile = \"alice\"\nprofile_db = \"{}\"",
        db.display()
    );
    let spec = NodeSpec::inline("agent", "agent", &params).expect("spec");
    let node: Box<dyn Node> = Box::new(cabin_agent::AgentNode::from_spec(&spec).expect("agent"));
    let sugg = on(&run(s, vec![("agent", node)]), topics::SUGGESTION);
    assert_eq!(
        proposed(&sugg),
        ["Gasthof Post"],
        "never fast food for alice"
    );
    assert!(profile_show(&db, "alice")
        .expect("show")
        .contains("never wanted"));
}
