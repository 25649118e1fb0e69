//! The personal preference store: what this driver profile accepted and declined, on the device.
//!
//! One SQLite file (rusqlite, bundled SQLite) holds every profile's answers as rows; what the agent
//! uses is the per-profile [`PreferenceSnapshot`] aggregated from them: per POI category and per
//! chain, accepts and declines. A chain accepted at least twice (and more often than declined) is
//! *preferred*; a category declined three times and never accepted is *never wanted* and not
//! proposed again. Both shape the ranking of candidate stops on later drives.
//!
//! Crash safety: WAL journal with `synchronous = FULL`, every write in one transaction, so a power
//! cut loses at most the answer being written and never corrupts the file (a test kills a writer
//! mid-stream and checks `PRAGMA integrity_check`). Privacy: the file never leaves the car (nothing
//! here talks to the network); [`profile_forget`] deletes a profile with `secure_delete` on and
//! truncates the WAL, so the erased answers are overwritten on disk, not just unlinked.

use crate::error::{AgentError, Result};
use cabin_bus::messages::{Answer, InterestKind, Poi, PoiCategory};
use rusqlite::{params, Connection, OpenFlags};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const SCHEMA_VERSION: i64 = 1;

/// The snake_case name of a POI category (as in the messages).
pub fn category_name(c: PoiCategory) -> &'static str {
    match c {
        PoiCategory::Coffee => "coffee",
        PoiCategory::Fuel => "fuel",
        PoiCategory::Charging => "charging",
        PoiCategory::Restaurant => "restaurant",
        PoiCategory::FastFood => "fast_food",
        PoiCategory::RestArea => "rest_area",
        PoiCategory::Toilet => "toilet",
        PoiCategory::Shop => "shop",
        PoiCategory::Other => "other",
    }
}

/// The category of a stored [`category_name`]: the messages' own snake_case name of it.
fn category_from_name(s: &str) -> Option<PoiCategory> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// Where the store lives by default: `$XDG_DATA_HOME/cabin/preferences.sqlite`, else
/// `~/.local/share/cabin/preferences.sqlite`, else `out/preferences.sqlite`.
pub fn default_profile_db() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match base {
        Some(b) => b.join("cabin").join("preferences.sqlite"),
        None => PathBuf::from("out").join("preferences.sqlite"),
    }
}

/// Accepts and declines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub accepts: u32,
    pub declines: u32,
}

impl Tally {
    fn add(&mut self, answer: Answer) {
        match answer {
            Answer::Accept => self.accepts += 1,
            Answer::Decline => self.declines += 1,
        }
    }
    /// In [-1, 1]: more accepts than declines is positive; smoothed so one answer is not a verdict.
    pub fn lean(&self) -> f32 {
        (self.accepts as f32 - self.declines as f32) / (self.accepts + self.declines + 2) as f32
    }
}

/// One profile's preferences, aggregated; what ranking reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreferenceSnapshot {
    pub categories: BTreeMap<PoiCategory, Tally>,
    /// By lower-case chain name.
    pub chains: BTreeMap<String, Tally>,
}

impl PreferenceSnapshot {
    pub fn record(&mut self, category: PoiCategory, brand: Option<&str>, answer: Answer) {
        self.categories.entry(category).or_default().add(answer);
        if let Some(b) = brand.filter(|b| !b.trim().is_empty()) {
            self.chains
                .entry(b.trim().to_lowercase())
                .or_default()
                .add(answer);
        }
    }

    /// Declined at least three times and never accepted.
    pub fn never_wanted(&self, category: PoiCategory) -> bool {
        self.categories
            .get(&category)
            .is_some_and(|t| t.declines >= 3 && t.accepts == 0)
    }

    /// Accepted at least twice and more often than declined.
    pub fn preferred_chain(&self, brand: &str) -> bool {
        self.chains
            .get(&brand.trim().to_lowercase())
            .is_some_and(|t| t.accepts >= 2 && t.accepts > t.declines)
    }

    /// Ranking bonus of a POI in [-1.5, 1.5]: its chain's lean counts fully, its category's half.
    pub fn bonus(&self, poi: &Poi) -> f32 {
        let chain = poi
            .brand
            .as_deref()
            .and_then(|b| self.chains.get(&b.trim().to_lowercase()))
            .map_or(0.0, Tally::lean);
        let category = self.categories.get(&poi.category).map_or(0.0, Tally::lean);
        chain + 0.5 * category
    }
}

fn store_err(path: &Path, e: impl std::fmt::Display) -> AgentError {
    AgentError::Store {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(2))
        .map_err(|e| store_err(path, e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| store_err(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(store_err(path, format!("journal_mode is {mode}, not wal")));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;")
        .map_err(|e| store_err(path, e))
}

fn create_schema(conn: &mut Connection, path: &Path) -> Result<()> {
    let tx = conn.transaction().map_err(|e| store_err(path, e))?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| store_err(path, e))?;
    if version > SCHEMA_VERSION {
        return Err(store_err(
            path,
            format!("schema version {version} is newer than this cabin ({SCHEMA_VERSION})"),
        ));
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS responses (
             id           INTEGER PRIMARY KEY,
             profile      TEXT NOT NULL,
             category     TEXT NOT NULL,
             brand        TEXT,
             poi_name     TEXT NOT NULL,
             interest     TEXT NOT NULL,
             answer       TEXT NOT NULL CHECK (answer IN ('accept', 'decline')),
             drive_time_s REAL NOT NULL
         );
         CREATE INDEX IF NOT EXISTS responses_by_profile ON responses (profile);
         PRAGMA user_version = 1;",
    )
    .map_err(|e| store_err(path, e))?;
    tx.commit().map_err(|e| store_err(path, e))
}

fn load_snapshot(conn: &Connection, path: &Path, profile: &str) -> Result<PreferenceSnapshot> {
    let mut stmt = conn
        .prepare("SELECT category, brand, answer FROM responses WHERE profile = ?1 ORDER BY id")
        .map_err(|e| store_err(path, e))?;
    let rows = stmt
        .query_map([profile], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(|e| store_err(path, e))?;
    let mut snap = PreferenceSnapshot::default();
    for row in rows {
        let (category, brand, answer) = row.map_err(|e| store_err(path, e))?;
        let Some(category) = category_from_name(&category) else {
            continue;
        };
        let answer = if answer == "accept" {
            Answer::Accept
        } else {
            Answer::Decline
        };
        snap.record(category, brand.as_deref(), answer);
    }
    Ok(snap)
}

/// The store, opened for one profile.
pub struct PreferenceStore {
    conn: Connection,
    path: PathBuf,
    profile: String,
}

impl PreferenceStore {
    /// Opens (creating if needed) the store at `path` for `profile`.
    pub fn open(path: &Path, profile: &str) -> Result<Self> {
        if profile.trim().is_empty() {
            return Err(store_err(path, "empty profile name"));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| AgentError::io(dir, e))?;
        }
        let mut conn = Connection::open(path).map_err(|e| store_err(path, e))?;
        configure(&conn, path)?;
        create_schema(&mut conn, path)?;
        Ok(PreferenceStore {
            conn,
            path: path.to_path_buf(),
            profile: profile.to_string(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Runs SQLite's `PRAGMA integrity_check`; `Ok` when the file is sound.
    pub fn check_integrity(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| store_err(&self.path, e))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(store_err(&self.path, format!("integrity check: {verdict}")))
        }
    }

    /// Answers recorded for this profile.
    pub fn answers(&self) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM responses WHERE profile = ?1",
                [&self.profile],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| store_err(&self.path, e))
    }

    /// This profile's preferences as they are now.
    pub fn snapshot(&self) -> Result<PreferenceSnapshot> {
        load_snapshot(&self.conn, &self.path, &self.profile)
    }

    /// Records an answer to a proposed stop, in one transaction.
    pub fn record(
        &mut self,
        poi: &Poi,
        interest: InterestKind,
        answer: Answer,
        drive_time_s: f64,
    ) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| store_err(&path, e))?;
        tx.execute(
            "INSERT INTO responses (profile, category, brand, poi_name, interest, answer, drive_time_s)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.profile,
                category_name(poi.category),
                poi.brand,
                poi.name,
                super::memory::kind_name(interest),
                match answer {
                    Answer::Accept => "accept",
                    Answer::Decline => "decline",
                },
                if drive_time_s.is_finite() { drive_time_s } else { 0.0 },
            ],
        )
        .map_err(|e| store_err(&path, e))?;
        tx.commit().map_err(|e| store_err(&path, e))
    }
}

/// A human-readable summary of one profile (for `cabin profile show`). A missing store is not an
/// error: it says so. The file is opened read-only, so showing never creates or changes it.
pub fn profile_show(db: &Path, profile: &str) -> Result<String> {
    let mut out = String::new();
    if !db.is_file() {
        let _ = writeln!(
            out,
            "no preference store at {} (nothing learned yet)",
            db.display()
        );
        return Ok(out);
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| store_err(db, e))?;
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'responses'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| store_err(db, e))?
        > 0;
    let _ = writeln!(out, "profile '{profile}' in {}", db.display());
    if !has_table {
        let _ = writeln!(out, "  no answers recorded");
        return Ok(out);
    }
    let snap = load_snapshot(&conn, db, profile)?;
    let (a, d) = snap
        .categories
        .values()
        .fold((0, 0), |(a, d), t| (a + t.accepts, d + t.declines));
    if a + d == 0 {
        let _ = writeln!(out, "  no answers recorded");
    } else {
        let _ = writeln!(out, "  answers: {} ({a} accepted, {d} declined)", a + d);
        let _ = writeln!(out, "  categories:");
        for (c, t) in &snap.categories {
            let verdict = if snap.never_wanted(*c) {
                " - never wanted: not proposed"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {:<10} {} accepted, {} declined{verdict}",
                category_name(*c),
                t.accepts,
                t.declines
            );
        }
        if !snap.chains.is_empty() {
            let _ = writeln!(out, "  chains:");
            for (b, t) in &snap.chains {
                let verdict = if snap.preferred_chain(b) {
                    " - preferred"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "    {b:<20} {} accepted, {} declined{verdict}",
                    t.accepts, t.declines
                );
            }
        }
    }
    let mut stmt = conn
        .prepare("SELECT DISTINCT profile FROM responses ORDER BY profile")
        .map_err(|e| store_err(db, e))?;
    let others: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| store_err(db, e))?
        .filter_map(|r| r.ok())
        .filter(|p| p != profile)
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "  other profiles in this store: {}", others.join(", "));
    }
    Ok(out)
}

/// Erases everything learned for `profile` (for `cabin profile forget`). The deleted rows are
/// overwritten (`secure_delete`) and the WAL is truncated. A missing store is not an error.
pub fn profile_forget(db: &Path, profile: &str) -> Result<()> {
    if !db.is_file() {
        return Ok(());
    }
    let mut conn = Connection::open(db).map_err(|e| store_err(db, e))?;
    configure(&conn, db)?;
    create_schema(&mut conn, db)?;
    let tx = conn.transaction().map_err(|e| store_err(db, e))?;
    let n = tx
        .execute("DELETE FROM responses WHERE profile = ?1", [profile])
        .map_err(|e| store_err(db, e))?;
    tx.commit().map_err(|e| store_err(db, e))?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| store_err(db, e))?;
    tracing::info!(profile, rows = n, db = %db.display(), "profile forgotten");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::messages::GeoPoint;

    fn poi(category: PoiCategory, brand: Option<&str>) -> Poi {
        Poi {
            id: 1,
            name: "x".into(),
            category,
            position: GeoPoint::default(),
            brand: brand.map(String::from),
            opening_hours: None,
        }
    }

    #[test]
    fn stored_category_names_read_back_and_nothing_else_does() {
        let names = "coffee fuel charging restaurant fast_food rest_area toilet shop other";
        for name in names.split(' ') {
            let category = category_from_name(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(category_name(category), name);
        }
        assert_eq!(category_from_name("Coffee"), None);
        assert_eq!(category_from_name("bakery"), None);
    }

    #[test]
    fn learns_preferred_chains_and_unwanted_categories_and_forgets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("prefs.sqlite");
        let mut s = PreferenceStore::open(&db, "alice").expect("open");
        let starbucks = poi(PoiCategory::Coffee, Some("Starbucks"));
        let burger_king = poi(PoiCategory::FastFood, Some("Burger King"));
        for (times, place, interest, answer, at_s) in [
            (2, &starbucks, InterestKind::Coffee, Answer::Accept, 10.0),
            (3, &burger_king, InterestKind::Food, Answer::Decline, 20.0),
        ] {
            for _ in 0..times {
                s.record(place, interest, answer, at_s).expect("record");
            }
        }
        let snap = s.snapshot().expect("snapshot");
        assert!(snap.preferred_chain("starbucks"));
        assert!(snap.never_wanted(PoiCategory::FastFood));
        assert!(!snap.never_wanted(PoiCategory::Coffee));
        assert!(snap.bonus(&poi(PoiCategory::Coffee, Some("Starbucks"))) > 0.5);
        drop(s);
        let mut bob = PreferenceStore::open(&db, "bob").expect("open");
        bob.record(
            &poi(PoiCategory::Fuel, None),
            InterestKind::Fuel,
            Answer::Accept,
            1.0,
        )
        .expect("record");
        let shown = profile_show(&db, "alice").expect("show");
        assert!(
            shown.contains("starbucks") && shown.contains("preferred"),
            "{shown}"
        );
        assert!(shown.contains("never wanted"), "{shown}");
        profile_forget(&db, "alice").expect("forget");
        let shown = profile_show(&db, "alice").expect("show");
        assert!(shown.contains("no answers recorded"), "{shown}");
        assert_eq!(
            bob.snapshot().expect("bob").categories.len(),
            1,
            "other profiles kept"
        );
        let missing = dir.path().join("none.sqlite");
        assert!(profile_show(&missing, "x")
            .expect("show")
            .contains("no preference store"));
        assert!(!missing.exists(), "show does not create the store");
        profile_forget(&missing, "x").expect("forget on a missing store");
    }
}
