//! `cabin replay FILE.mcap --events OUT.jsonl`: the recorded inputs fed back into the nodes.
//!
//! Every `sim` node of the deployment is replaced by a `replay` node of the same name reading the
//! recording, so the other nodes see the recorded sensor, vehicle and map messages at their recorded
//! times (and the same source name), and write new outputs to the events log in `cabin run`'s format.
//! Replaying the recording of a run with the same nodes gives the same events, byte for byte. A damaged
//! file replays up to the damage and says so.

use super::run::{self, RunPlan};
use crate::cli::Speed;
use crate::deployment;
use anyhow::Result;
use cabin_bus::config::NodeSpec;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The MCAP recording (from `cabin record`).
    pub file: PathBuf,
    /// Write the new outputs as JSON Lines with their sim time.
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Deployment config whose nodes process the recording; the embedded default when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// `max` or a factor of real time (`1` = wall clock).
    #[arg(long, default_value = "max")]
    pub speed: Speed,
    #[arg(long)]
    pub workers: Option<usize>,
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    let mut config = deployment::load(args.config.as_deref())?;
    if !args.file.is_file() {
        anyhow::bail!("{}: no such recording", args.file.display());
    }
    let mut params = toml::Table::new();
    params.insert(
        "file".into(),
        toml::Value::String(args.file.display().to_string()),
    );
    let mut replaced = 0;
    for n in config.nodes.iter_mut().filter(|n| n.kind == "sim") {
        n.kind = "replay".into();
        n.params = params.clone();
        replaced += 1;
    }
    if replaced == 0 {
        let mut spec = NodeSpec::inline("sim", "replay", "")?;
        spec.params = params;
        config.nodes.insert(0, spec);
    }
    let mut plan = RunPlan::new(config);
    if let Some(w) = args.workers {
        plan.workers = w;
    }
    plan.pacing = run::pacing(args.speed);
    plan.events = args.events.clone();
    plan.quiet = args.quiet;
    let outcome = run::run_deployment(plan)?;
    println!("{}", outcome.summary.render(outcome.report.wall));
    if let Some(p) = &args.events {
        println!("events: {} lines -> {}", outcome.events_lines, p.display());
    }
    println!("events sha256: {}", outcome.events_hash);
    Ok(ExitCode::SUCCESS)
}
