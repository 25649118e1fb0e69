//! `cabin score [--scenario S | --events FILE] [--json] [--report DIR]`: the stack's outputs against
//! the scenario's ground truth (per-episode detection and latency against the earliest protocol time,
//! false alerts per hour, suggestions, and frame by frame: face presence, head pose, eye closure, gaze
//! zone).
//!
//! With `--events`, scores that events log (from `cabin run --events` or `cabin replay --events`)
//! against the scenario (`--scenario`, default the built-in one); the frames' truth is then regenerated
//! from the scenario's script. Without it, runs the deployment on the scenario first and scores that
//! run against its `sim/ground_truth` messages. `--json` prints the report for CI; `--report DIR`
//! writes it as Markdown with SVG plots (and the JSON); `--strict` exits 1 unless every scorable
//! episode was detected, no false alert was raised and every expected suggestion was made.

use super::run;
use crate::cli::ExecArgs;
use anyhow::{Context as _, Result};
use cabin_bus::runtime::EventLog;
use cabin_bus::topic::TopicId;
use cabin_sim::scenario::Scenario;
use clap::Args;
use parking_lot::Mutex;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug, Clone)]
pub struct ScoreArgs {
    /// The scenario with the ground truth: `default` or a scenario TOML file.
    #[arg(long, default_value = "default")]
    pub scenario: String,
    /// An events log to score; without it the deployment is run on the scenario first.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 unless everything was detected with no false alerts.
    #[arg(long)]
    pub strict: bool,
    /// Also write the report as DIR/report.md with SVG plots and DIR/score.json.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    // The deployment of the run (without --events).
    #[command(flatten)]
    pub exec: ExecArgs,
}

pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let scenario = Scenario::from_name_or_path(&args.scenario)?;
    let report = match &args.events {
        Some(path) => cabin_sim::score(&scenario, path)?,
        None => {
            let mut plan = args.exec.plan(Some(&args.scenario))?;
            let derived = Arc::new(Mutex::new(Vec::new()));
            let d = derived.clone();
            // The derived outputs, and the ground truth their frames are scored against.
            plan.observers.push(Box::new(move |s| {
                if EventLog::wants(s) || s.topic == TopicId::GroundTruth {
                    d.lock().push((**s).clone());
                }
            }));
            let outcome = run::run_deployment(plan).context("running the scenario to score it")?;
            eprintln!(
                "cabin score: ran '{}' to {} (events sha256 {})",
                scenario.name, outcome.report.end, outcome.events_hash
            );
            let samples = std::mem::take(&mut *derived.lock());
            cabin_sim::score::score_samples(&scenario, &samples)
        }
    };
    if let Some(dir) = &args.report {
        let command: Vec<String> = std::env::args().collect();
        let written = cabin_sim::score::write_report(&report, dir, &command.join(" "))
            .with_context(|| format!("writing the report into {}", dir.display()))?;
        eprintln!(
            "cabin score: wrote {}",
            written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(if args.strict && !report.passed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
