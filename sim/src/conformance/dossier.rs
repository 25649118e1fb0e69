//! The dossier: per row the clause, the behaviour, expected, observed, latency and pass/fail, plus
//! totals, as Markdown (for people) and JSON (for CI and the fleet).

use super::script::Script;
use super::table::{Row, SuiteSpec};
use super::verdict::{judge, seen, SeenAlert, Status};
use cabin_bus::messages::{AlertKind, AlertLevel};
use serde::Serialize;
use std::fmt::Write as _;

/// What a run of one row produced (filled in by the runner).
#[derive(Clone, Debug)]
pub struct RunData {
    /// Every alert sample `(scenario time, kind, level)` in publication order.
    pub alerts: Vec<(f64, AlertKind, AlertLevel)>,
    /// Sim time the run reached.
    pub end_s: f64,
    pub wall_s: f64,
    pub events_sha256: String,
    /// `cabin score`'s view of the same run: scored episodes detected / scorable, and its false alerts.
    pub score_summary: String,
}

/// One row of the dossier.
#[derive(Clone, Debug, Serialize)]
pub struct RowResult {
    pub id: String,
    pub clause: String,
    pub behaviour: String,
    pub expected: String,
    pub subset: Vec<String>,
    pub status: Status,
    pub observed: String,
    pub latency_s: Option<f64>,
    pub reason: Option<String>,
    pub false_alerts: usize,
    pub false_alerts_per_10h: Option<f64>,
    /// Alerts of other kinds than expected during the behaviour (shown, not judged).
    pub other_alerts: Vec<String>,
    /// Scenario time of the behaviour's start, and the scenario's length.
    pub t0_s: f64,
    pub duration_s: f64,
    pub sim_end_s: Option<f64>,
    pub wall_s: Option<f64>,
    pub events_sha256: Option<String>,
    pub score: Option<String>,
    pub alerts: Vec<SeenAlert>,
    pub note: Option<String>,
}

impl RowResult {
    /// The row's result from its script and, when it ran, the run (`Err` = the run failed).
    pub fn new(row: &Row, script: &Script, run: Option<Result<RunData, String>>) -> RowResult {
        let expected = row
            .expectation()
            .map(|e| e.describe())
            .unwrap_or_else(|e| e.to_string());
        let mut r = RowResult {
            id: row.id.clone(),
            clause: row.clause.clone(),
            behaviour: row.describe(),
            expected,
            subset: row.subset.clone(),
            status: Status::NotRenderable,
            observed: "not run".into(),
            latency_s: None,
            reason: None,
            false_alerts: 0,
            false_alerts_per_10h: None,
            other_alerts: Vec::new(),
            t0_s: script.t0_s,
            duration_s: script.duration_s,
            sim_end_s: None,
            wall_s: None,
            events_sha256: None,
            score: None,
            alerts: Vec::new(),
            note: row.note.clone(),
        };
        if let Err(missing) = &script.renderable {
            r.reason = Some(format!("not renderable: {missing}"));
            return r;
        }
        match run {
            None => {
                r.status = Status::Error;
                r.reason = Some("not run".into());
            }
            Some(Err(e)) => {
                r.status = Status::Error;
                r.reason = Some(format!("the run failed: {e}"));
            }
            Some(Ok(d)) => {
                let alerts = seen(&d.alerts, script.t0_s);
                let v = match row.expectation() {
                    Ok(e) => judge(&e, &alerts, script.duration_s),
                    Err(e) => {
                        r.status = Status::Error;
                        r.reason = Some(e.to_string());
                        return r;
                    }
                };
                r.status = v.status;
                r.observed = v.observed;
                r.latency_s = v.latency_s;
                r.reason = v.reason;
                r.false_alerts = v.false_alerts;
                r.false_alerts_per_10h = v.false_alerts_per_10h;
                r.other_alerts = v.other_alerts;
                if d.end_s < script.duration_s - 1.0 && r.status == Status::Pass {
                    r.status = Status::Error;
                    r.reason = Some(format!(
                        "the run stopped at {:.1} s of {:.1} s",
                        d.end_s, script.duration_s
                    ));
                }
                r.sim_end_s = Some(d.end_s);
                r.wall_s = Some((d.wall_s * 10.0).round() / 10.0);
                r.events_sha256 = Some(d.events_sha256);
                r.score = Some(d.score_summary);
                r.alerts = alerts;
            }
        }
        r
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub rows: usize,
    pub pass: usize,
    pub fail: usize,
    pub not_renderable: usize,
    pub error: usize,
    /// Rows during whose behaviour an alert of another kind than expected was raised.
    pub with_other_alerts: usize,
}

/// The whole dossier.
#[derive(Clone, Debug, Serialize)]
pub struct Dossier {
    pub suite: String,
    pub title: String,
    pub table: String,
    pub subset: Option<String>,
    pub command: String,
    /// UTC time the run finished (`YYYY-MM-DD HH:MM`).
    pub date: String,
    pub wall_s: f64,
    pub jobs: usize,
    pub totals: Totals,
    pub rows: Vec<RowResult>,
}

impl Dossier {
    pub fn new(
        spec: &SuiteSpec,
        table: &str,
        subset: Option<&str>,
        command: &str,
        wall_s: f64,
        jobs: usize,
        rows: Vec<RowResult>,
    ) -> Dossier {
        let mut totals = Totals {
            rows: rows.len(),
            ..Totals::default()
        };
        for r in &rows {
            match r.status {
                Status::Pass => totals.pass += 1,
                Status::Fail => totals.fail += 1,
                Status::NotRenderable => totals.not_renderable += 1,
                Status::Error => totals.error += 1,
            }
            totals.with_other_alerts += usize::from(!r.other_alerts.is_empty());
        }
        Dossier {
            suite: spec.name.clone(),
            title: spec.title.clone(),
            table: table.to_string(),
            subset: subset.map(str::to_string),
            command: command.to_string(),
            date: utc_now(),
            wall_s: (wall_s * 10.0).round() / 10.0,
            jobs,
            totals,
            rows,
        }
    }

    pub fn totals_line(&self) -> String {
        let t = &self.totals;
        format!(
            "{} rows: {} pass, {} fail, {} not renderable, {} error; {} with alerts of other kinds",
            t.rows, t.pass, t.fail, t.not_renderable, t.error, t.with_other_alerts
        )
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        writeln!(s, "# Conformance dossier: {}\n", self.title).ok();
        writeln!(
            s,
            "- suite `{}` (table {}){}",
            self.suite,
            self.table,
            self.subset
                .as_ref()
                .map(|x| format!(", subset `{x}`"))
                .unwrap_or_default()
        )
        .ok();
        writeln!(s, "- command: `{}`", self.command).ok();
        writeln!(
            s,
            "- finished {} UTC, {:.0} s wall, {} scenarios at a time",
            self.date, self.wall_s, self.jobs
        )
        .ok();
        writeln!(s, "- **{}**\n", self.totals_line()).ok();
        writeln!(s, "Times are seconds from the behaviour's start (for a glance: the eyes leaving the road).\n").ok();
        writeln!(
            s,
            "| id | clause | behaviour | expected | observed | latency | result | why |"
        )
        .ok();
        writeln!(s, "|---|---|---|---|---|---|---|---|").ok();
        for r in &self.rows {
            let latency = r
                .latency_s
                .map(|l| format!("{l:.3} s"))
                .unwrap_or_else(|| "—".into());
            let observed = match r.false_alerts_per_10h {
                Some(rate) => format!(
                    "{} ({} alert onsets, {rate:.2} per 10 h)",
                    r.observed, r.false_alerts
                ),
                None => r.observed.clone(),
            };
            writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.id,
                cell(&r.clause),
                cell(&r.behaviour),
                cell(&r.expected),
                cell(&observed),
                latency,
                r.status.label(),
                cell(&why(r))
            )
            .ok();
        }
        s
    }
}

/// The reason of a miss, and the alerts of other kinds raised during the behaviour.
fn why(r: &RowResult) -> String {
    let mut parts: Vec<String> = r.reason.iter().cloned().collect();
    if !r.other_alerts.is_empty() {
        parts.push(format!("also raised: {}", r.other_alerts.join(", ")));
    }
    parts.join("; ")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The current UTC time as `YYYY-MM-DD HH:MM` (civil-from-days, H. Hinnant's algorithm).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}
