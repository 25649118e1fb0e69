//! `cabin score --report DIR`: the score as a Markdown file with SVG plots and the JSON next to it,
//! for a reader who was not there when the run was made.

use super::frames::{zone_name, FrameScore, ZONES};
use super::plots;
use super::report::ScoreReport;
use super::stats::ErrorStats;
use crate::error::{Result, SimError};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const HEAD_POSE_SVG: &str = "head_pose_error.svg";
const CONFUSION_SVG: &str = "gaze_confusion.svg";
const LATENCY_SVG: &str = "alert_latency.svg";

/// Writes `report.md`, `score.json` and the plots into `dir` (created if needed); returns the paths
/// written. `command` is how the run was made, quoted in the report.
pub fn write_report(report: &ScoreReport, dir: &Path, command: &str) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| SimError::io(dir, e))?;
    let mut written = Vec::new();
    let json = dir.join("score.json");
    let text = serde_json::to_string_pretty(report)
        .map_err(|e| SimError::Other(format!("score JSON: {e}")))?;
    std::fs::write(&json, text + "\n").map_err(|e| SimError::io(&json, e))?;
    written.push(json);
    let latency = dir.join(LATENCY_SVG);
    plots::alert_latency(report, &latency)?;
    written.push(latency);
    if let Some(f) = &report.frames {
        let path = dir.join(HEAD_POSE_SVG);
        plots::head_pose_error(report, f, &path)?;
        written.push(path);
        let path = dir.join(CONFUSION_SVG);
        plots::gaze_confusion(f, &path)?;
        written.push(path);
    }
    let md = dir.join("report.md");
    std::fs::write(&md, markdown(report, command)).map_err(|e| SimError::io(&md, e))?;
    written.push(md);
    Ok(written)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |x| format!("{x:.digits$}"))
}

fn error_row(name: &str, e: &ErrorStats) -> String {
    format!(
        "| {name} | {} | {} | {} | {} |\n",
        opt(e.mean_abs, 2),
        opt(e.p95_abs, 2),
        opt(e.bias, 2),
        e.frames
    )
}

/// The report's Markdown.
pub fn markdown(r: &ScoreReport, command: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# cabin score: scenario `{}`\n", r.scenario);
    let _ = writeln!(o, "- scenario: `{}`", r.scenario_file);
    let _ = writeln!(
        o,
        "- events: {} ({} events, up to {:.1} s of a {:.1} s drive)",
        r.events_file.as_deref().unwrap_or("this run"),
        r.events,
        r.events_end_s,
        r.duration_s
    );
    let _ = writeln!(o, "- command: `{command}`");
    let _ = writeln!(
        o,
        "- verdict: {}\n",
        if r.passed() {
            "passed"
        } else {
            "**not passed**"
        }
    );

    let _ = writeln!(o, "## Episodes and alerts\n");
    let _ = writeln!(
        o,
        "An alert counts for an episode from the episode's earliest protocol time to its end plus {:.1} s; \
         an alert of its kind before that time, or outside every episode, is a false alert.\n",
        r.grace_s
    );
    let _ = writeln!(
        o,
        "| # | episode | start (s) | end (s) | earliest protocol time | result | alert | latency from start | after earliest |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|");
    for (i, e) in r.episodes.iter().enumerate() {
        let earliest = match e.earliest_s {
            Some(x) => format!("{x:.2} s: {}", e.protocol),
            None => format!("never: {}", e.protocol),
        };
        let result = match (e.detected, e.scorable()) {
            (true, _) => "detected",
            (false, true) => "**missed**",
            (false, false) => "n/a",
        };
        let _ = writeln!(
            o,
            "| {} | {} ({}) | {:.2} | {:.2} | {} | {} | {} | {} | {} |",
            i + 1,
            e.kind.label(),
            e.detail,
            e.start_s,
            e.end_s,
            earliest,
            result,
            e.alert.map_or("-".into(), |a| format!("{a:?}")),
            opt(e.latency_s, 2),
            opt(e.protocol_latency_s, 2)
        );
    }
    let _ = writeln!(
        o,
        "\nDetected {}/{} scorable episodes; {} false alert(s) in {:.1} min of normal driving ({:.1} per hour).\n",
        r.detected(),
        r.scorable(),
        r.false_alerts.len(),
        r.normal_driving_s / 60.0,
        r.false_alerts_per_hour
    );
    for f in &r.false_alerts {
        let _ = writeln!(
            o,
            "- false alert at {:.2} s: {:?} ({:?}), {}{}",
            f.at_s,
            f.kind,
            f.level,
            f.reason,
            f.premature_for
                .as_ref()
                .map_or(String::new(), |p| format!("; premature, during {p}"))
        );
    }
    for u in &r.unexpected_alerts {
        let _ = writeln!(
            o,
            "- other alert at {:.2} s during {}: {:?}, {}",
            u.onset.at_s,
            u.during.join(" + "),
            u.onset.kind,
            u.onset.reason
        );
    }
    let _ = writeln!(o, "\n![alert latency per episode]({LATENCY_SVG})\n");

    match &r.frames {
        Some(f) => frames_markdown(&mut o, f),
        None => {
            let _ = writeln!(
                o,
                "## Frame by frame\n\nNo perception output answered a camera frame in this run.\n"
            );
        }
    }
    o
}

fn frames_markdown(o: &mut String, f: &FrameScore) {
    let p = &f.presence;
    let _ = writeln!(o, "## Frame by frame\n");
    let _ = writeln!(
        o,
        "{} camera frames scored ({} answered by perception, {} dropped, {} outputs off the camera clock); \
         truth from {}.\n",
        f.frames,
        f.observed,
        f.dropped,
        f.unmatched_observations,
        match f.truth {
            super::frames::TruthSource::GroundTruthTopic => "the `sim/ground_truth` messages",
            super::frames::TruthSource::ScenarioScript => "the scenario's driver script",
        }
    );
    let _ = writeln!(
        o,
        "**Face presence**: precision {}, recall {} (true positives {}, false positives {}, false negatives {} \
         (dropped frames with the face in view count here), true negatives {}).\n",
        opt(p.precision, 4),
        opt(p.recall, 4),
        p.true_positive,
        p.false_positive,
        p.false_negative,
        p.true_negative
    );
    let _ = writeln!(
        o,
        "| error (perceived - truth) | mean abs | p95 abs | bias | frames |\n|---|---|---|---|---|"
    );
    o.push_str(&error_row("head yaw (deg)", &f.head_pose.yaw));
    o.push_str(&error_row("head pitch (deg)", &f.head_pose.pitch));
    o.push_str(&error_row("head roll (deg)", &f.head_pose.roll));
    o.push_str(&error_row("left eye closure (0..1)", &f.eye_closure.left));
    o.push_str(&error_row("right eye closure (0..1)", &f.eye_closure.right));
    let _ = writeln!(o, "\n![head pose error over time]({HEAD_POSE_SVG})\n");
    let g = &f.gaze;
    let _ = writeln!(
        o,
        "**Gaze zone**: accuracy {} ({}/{} frames with the face in view; no perceived face = `unknown`). \
         Rows: true zone; columns: perceived zone.\n",
        opt(g.accuracy, 4),
        g.correct,
        g.frames
    );
    let used: Vec<usize> = (0..ZONES.len())
        .filter(|&i| (0..ZONES.len()).any(|j| g.confusion[i][j] + g.confusion[j][i] > 0))
        .collect();
    let _ = write!(o, "| truth \\ perceived |");
    for &j in &used {
        let _ = write!(o, " {} |", zone_name(ZONES[j]));
    }
    let _ = write!(o, "\n|---|");
    for _ in &used {
        o.push_str("---|");
    }
    o.push('\n');
    for &i in &used {
        let _ = write!(o, "| {} |", zone_name(ZONES[i]));
        for &j in &used {
            let _ = write!(o, " {} |", g.confusion[i][j]);
        }
        o.push('\n');
    }
    let _ = writeln!(o, "\n![gaze zone confusion]({CONFUSION_SVG})\n");
}
