//! `cabin replay FILE.mcap --events OUT.jsonl`: the recorded inputs fed back into the nodes.
//!
//! Every `sim` node of the deployment is replaced by a `replay` node of the same name reading the
//! recording, so the other nodes see the recorded sensor, vehicle and map messages at their recorded
//! times (and the same source name), and write new outputs to the events log in `cabin run`'s format.
//! Replaying the recording of a run with the same nodes gives the same events, byte for byte. A damaged
//! file replays up to the damage and says so.

use super::run::{self, print_outcome};
use crate::cli::BatchRunArgs;
use anyhow::Result;
use cabin_bus::config::NodeSpec;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The MCAP recording (from `cabin record`).
    pub file: PathBuf,
    #[command(flatten)]
    pub run: BatchRunArgs,
}

pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    let mut plan = args.run.plan(None)?;
    if !args.file.is_file() {
        anyhow::bail!("{}: no such recording", args.file.display());
    }
    let mut params = toml::Table::new();
    params.insert(
        "file".into(),
        toml::Value::String(args.file.display().to_string()),
    );
    let mut replaced = 0;
    for n in plan.config.nodes.iter_mut().filter(|n| n.kind == "sim") {
        n.kind = "replay".into();
        n.params = params.clone();
        replaced += 1;
    }
    if replaced == 0 {
        let mut spec = NodeSpec::inline("sim", "replay", "")?;
        spec.params = params;
        plan.config.nodes.insert(0, spec);
    }
    let outcome = run::run_deployment(plan)?;
    print_outcome(&outcome, args.run.output.events.as_deref());
    Ok(ExitCode::SUCCESS)
}
