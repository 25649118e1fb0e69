//! Scenario files: the default drive has the episodes the product story needs, the example parses, and
//! every kind of mistake is reported with its file, line and field.

use cabin_bus::messages::{GazeZone, PoiCategory, Speaker};
use cabin_sim::scenario::{EpisodeKind, Scenario, ScenarioError};
use std::path::Path;

const MINIMAL: &str = r#"[scenario]
name = "t"
duration_s = 60.0

[route]
points = [[48.0, 11.0], [48.01, 11.0]]
speed_kmh = 50
"#;

fn parse_err(extra: &str) -> ScenarioError {
    let text = format!("{MINIMAL}{extra}");
    Scenario::parse(&text, "bad.toml", None).expect_err("should fail")
}

fn line_of(text: &str, needle: &str) -> usize {
    let off = text.find(needle).expect("needle");
    MINIMAL.lines().count() + text[..off].matches('\n').count() + 1
}

#[test]
fn default_scenario_has_every_episode_of_the_story() {
    let s = Scenario::default_scenario().expect("default parses");
    assert_eq!(s.duration_s, 600.0);
    let kinds: Vec<EpisodeKind> = s.episodes().iter().map(|e| e.kind).collect();
    for k in [
        EpisodeKind::LongDistraction,
        EpisodeKind::VisualTimeSharing,
        EpisodeKind::Drowsiness,
        EpisodeKind::Microsleep,
        EpisodeKind::CameraBlocked,
    ] {
        assert!(kinds.contains(&k), "missing {k:?} in {kinds:?}");
    }
    let long = s
        .episodes()
        .iter()
        .find(|e| e.kind == EpisodeKind::LongDistraction)
        .unwrap();
    assert!(long.end_s - long.start_s >= 3.0, "{long:?}");
    let vts = s
        .episodes()
        .iter()
        .find(|e| e.kind == EpisodeKind::VisualTimeSharing)
        .unwrap();
    // Time away within the time-sharing stretch: > 10 s, all within 30 s.
    let away: f64 = s
        .driver
        .gaze
        .iter()
        .filter(|g| g.start_s >= vts.start_s - 1.0 && g.end_s <= vts.end_s + 1.0)
        .map(|g| g.end_s - g.start_s - g.transition_s)
        .sum();
    assert!(
        away > 10.0 && vts.end_s - vts.start_s < 30.0,
        "away {away} in {vts:?}"
    );
    let micro = s
        .episodes()
        .iter()
        .find(|e| e.kind == EpisodeKind::Microsleep)
        .unwrap();
    let closed: Vec<f64> = (0..400)
        .map(|i| micro.start_s + i as f64 * 0.01)
        .filter(|&t| s.driver.state_at(t).left_eye_closure >= 0.999)
        .collect();
    assert!(
        closed.len() as f64 * 0.01 >= 1.0,
        "closed for {} s",
        closed.len() as f64 * 0.01
    );

    // The coffee remark comes minutes before an open coffee shop near the route.
    let remark = s
        .conversation
        .iter()
        .find(|u| u.text.to_lowercase().contains("coffee") && u.speaker == Speaker::Passenger)
        .expect("coffee remark");
    let coffee = s
        .pois
        .iter()
        .find(|p| p.category == PoiCategory::Coffee && p.name == "Bean There Coffee")
        .unwrap();
    let pass = s
        .poi_passages()
        .into_iter()
        .find(|p| p.poi_id == coffee.id)
        .unwrap();
    let at = pass.at_s.expect("passed within the drive");
    assert!(pass.offset_m < 300.0, "{pass:?}");
    assert!(pass.open, "{pass:?}");
    assert!(
        at - remark.at_s >= 120.0 && at - remark.at_s <= 360.0,
        "{at} vs {}",
        remark.at_s
    );
    // Nothing distracting happens on the approach (the last 90 s before the passage).
    assert!(
        s.episodes()
            .iter()
            .all(|e| e.end_s < at - 90.0 || e.start_s > at),
        "{:?}",
        s.episodes()
    );
    // The closed and the far coffee shops are really closed / far.
    for p in s.poi_passages() {
        if p.name == "Early Bird Coffee" {
            assert!(!p.open, "{p:?}");
        }
        if p.name == "Hilltop Roastery" {
            assert!(p.offset_m > 2000.0, "{p:?}");
        }
    }
    // The vehicle does not run out of road.
    assert!(s.route.path.length_m() > s.route.speed.distance_at(600.0));
    assert_eq!(s.driver.state_at(102.0).gaze_zone, GazeZone::CentreDisplay);
}

#[test]
fn example_scenario_parses_with_its_poi_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let s = Scenario::load(&dir.join("example.toml")).expect("example parses");
    assert!(
        s.pois.iter().any(|p| p.name == "Corner Espresso"),
        "CSV POIs loaded"
    );
    assert!(
        s.pois.iter().any(|p| p.name == "Lakeside Diner"),
        "GeoJSON POIs loaded"
    );
    let ids: std::collections::BTreeSet<u64> = s.pois.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), s.pois.len(), "POI ids are unique");
    assert!(s
        .episodes()
        .iter()
        .any(|e| e.kind == EpisodeKind::FaceAbsent));
}

#[test]
fn a_bad_poi_file_names_the_file_line_and_field_and_duplicate_ids_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write =
        |name: &str, text: &str| std::fs::write(dir.path().join(name), text).expect("write");
    let scenario = |files: &str| {
        let text = format!("{MINIMAL}\n[pois]\nfiles = [{files}]\n");
        let path = dir.path().join("drive.toml");
        std::fs::write(&path, text).expect("write");
        Scenario::load(&path)
    };
    write(
        "bad.csv",
        "name,category,lat,lon\nBean There,coffee,48.1,11.5\nRast,casino,48.2,11.6\n",
    );
    let e = scenario("\"bad.csv\"").expect_err("unknown category");
    assert!(e.file.ends_with("bad.csv"), "{e}");
    assert_eq!((e.line, e.field.as_str()), (3, "category"), "{e}");
    write("a.csv", "id,name,lat,lon\n7,Bean There,48.1,11.5\n");
    write(
        "b.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":7,
        "geometry":{"type":"Point","coordinates":[11.6,48.2]},"properties":{"name":"Rast"}}]}"#,
    );
    let e = scenario("\"a.csv\", \"b.geojson\"").expect_err("id 7 twice");
    assert_eq!(e.field, "id", "{e}");
    write("c.csv", "name,lat,lon\nKiosk,48.3,11.7\n");
    let s = scenario("\"a.csv\", \"c.csv\"").expect("ids given and numbered");
    assert_eq!(s.pois.iter().map(|p| p.id).collect::<Vec<_>>(), [7, 8]);
}

#[test]
fn unknown_field_names_line_and_field() {
    let extra = "\n[driver]\nblink_rate_per_min = 12\nblink_durration_ms = 100\n";
    let e = parse_err(extra);
    assert_eq!(e.file, "bad.toml");
    assert_eq!(e.line, line_of(extra, "blink_durration_ms"), "{e}");
    assert!(e.field.contains("blink_durration_ms"), "{e}");
}

#[test]
fn wrong_type_names_line_and_field() {
    let extra =
        "\n[[driver.glance]]\nat_s = 10.0\nduration_s = \"long\"\ndirection = \"left_mirror\"\n";
    let e = parse_err(extra);
    assert_eq!(e.line, line_of(extra, "duration_s"), "{e}");
    assert_eq!(e.field, "driver.glance.duration_s", "{e}");
}

#[test]
fn unknown_enum_value_names_line_and_field() {
    let extra = "\n[[driver.glance]]\nat_s = 10.0\nduration_s = 1.0\ndirection = \"sideways\"\n";
    let e = parse_err(extra);
    assert_eq!(e.line, line_of(extra, "direction"), "{e}");
    assert_eq!(e.field, "driver.glance.direction", "{e}");
    assert!(e.message.contains("sideways"), "{e}");
}

#[test]
fn missing_field_is_named() {
    let extra = "\n[[driver.microsleep]]\nat_s = 10.0\n";
    let e = parse_err(extra);
    assert!(e.field.contains("duration_s"), "{e}");
    assert!(e.line >= line_of(extra, "[[driver.microsleep]]"), "{e}");
}

#[test]
fn semantic_errors_point_at_the_field() {
    let extra = "\n[[driver.microsleep]]\nat_s = 10.0\nduration_s = 0.5\n";
    let e = parse_err(extra);
    assert_eq!(e.line, line_of(extra, "duration_s = 0.5"), "{e}");
    assert_eq!(e.field, "driver.microsleep.duration_s");
    assert!(e.message.contains("1 s"), "{e}");

    let extra = "\n[[driver.glance]]\nat_s = 59.5\nduration_s = 2.0\ndirection = \"passenger\"\n";
    let e = parse_err(extra);
    assert_eq!(e.field, "driver.glance.duration_s", "{e}");
    assert!(e.message.contains("outside the drive"), "{e}");

    let extra = "\n[[driver.glance]]\nat_s = 10.0\nduration_s = 2.0\ndirection = \"passenger\"\n\n[[driver.glance]]\nat_s = 11.0\nduration_s = 1.0\ndirection = \"left_mirror\"\n";
    let e = parse_err(extra);
    assert!(e.message.contains("overlaps"), "{e}");

    let extra = "\n[[pois.place]]\nname = \"x\"\ncategory = \"coffee\"\nlat = 48.0\nlon = 11.0\nopening_hours = \"7 to 8\"\n";
    let e = parse_err(extra);
    assert_eq!(e.line, line_of(extra, "opening_hours"), "{e}");
    assert_eq!(e.field, "pois.place.opening_hours");
}

#[test]
fn errors_in_referenced_files_name_that_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.csv"),
        "name,category,lat,lon\nA,coffee,48.0,11.0\nB,coffee,north,11.0\n",
    )
    .unwrap();
    let text = format!("{MINIMAL}\n[pois]\nfiles = [\"p.csv\"]\n");
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let e = Scenario::load(&path).expect_err("bad csv");
    assert!(e.file.ends_with("p.csv"), "{e}");
    assert_eq!((e.line, e.field.as_str()), (3, "lat"), "{e}");

    let text = format!("{MINIMAL}\n[pois]\nfiles = [\"missing.geojson\"]\n");
    std::fs::write(&path, &text).unwrap();
    let e = Scenario::load(&path).expect_err("missing file");
    assert!(
        e.file.ends_with("missing.geojson") && e.message.contains("cannot read"),
        "{e}"
    );

    let e = Scenario::load(&dir.path().join("nope.toml")).expect_err("missing scenario");
    assert!(e.to_string().contains("nope.toml"), "{e}");
}

#[test]
fn toml_syntax_errors_have_a_line() {
    let e = Scenario::parse(
        "[scenario]\nname = \"x\"\nduration_s = = 3\n",
        "syn.toml",
        None,
    )
    .expect_err("syntax");
    assert_eq!((e.file.as_str(), e.line), ("syn.toml", 3), "{e}");
}
