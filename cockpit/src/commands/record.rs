//! `cabin record --out FILE.mcap [--scenario S]`: a run of the deployment, recorded to MCAP.
//!
//! Every sample of the run (inputs and outputs) goes to the file with its vehicle time: JSON channels
//! Foxglove shows, plus the exact bus messages for `cabin replay`. A lossless recording waits for the
//! writer at `--speed max`; at a wall-clock pace it never holds the run back and counts what it had to
//! drop instead. Either way the report says what was written and lost.

use super::run::{self, print_outcome};
use crate::cli::{BatchRunArgs, Speed};
use anyhow::{Context as _, Result};
use cabin_sim::mcap::{CameraEncoding, Recorder, RecorderOptions};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug, Clone)]
pub struct RecordArgs {
    /// The MCAP file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Scenario for the `sim` node: `default` or a scenario TOML file.
    #[arg(long)]
    pub scenario: Option<String>,
    #[command(flatten)]
    pub run: BatchRunArgs,
    /// Camera frames as `png` (lossless: replays exactly), `jpeg` (small, lossy) or `raw`.
    #[arg(long, default_value = "png")]
    pub camera: String,
}

pub fn run(args: RecordArgs) -> Result<ExitCode> {
    let scenario = args.scenario.clone().unwrap_or_else(|| "default".into());
    let mut plan = args.run.plan(Some(&scenario))?;
    let camera = match args.camera.as_str() {
        "png" => CameraEncoding::Png,
        "jpeg" | "jpg" => CameraEncoding::Jpeg(90),
        "raw" => CameraEncoding::Raw,
        other => anyhow::bail!("--camera {other}: use png, jpeg or raw"),
    };
    let mut info = std::collections::BTreeMap::new();
    info.insert("scenario".to_string(), scenario.clone());
    info.insert("deployment".to_string(), plan.config.file.clone());
    info.insert("vehicle".to_string(), plan.config.vehicle.clone());
    let recorder = Recorder::create(
        &args.out,
        RecorderOptions {
            camera,
            block_when_full: args.run.speed == Speed::Max,
            info,
            ..RecorderOptions::default()
        },
    )
    .with_context(|| format!("cannot record to {}", args.out.display()))?;
    let r = recorder.clone();
    plan.observers.push(Box::new(move |s| r.write(s)));
    let outcome = run::run_deployment(plan)?;
    let report = recorder.finish(Some(outcome.report.end))?;
    print_outcome(&outcome, args.run.output.events.as_deref());
    println!(
        "recorded {} samples ({:.1} MB of messages) to {}",
        report.total_written(),
        report.bytes as f64 / 1e6,
        args.out.display()
    );
    if report.total_dropped() > 0 {
        eprintln!(
            "cabin record: {} samples NOT recorded: {:?}",
            report.total_dropped(),
            report.dropped
        );
        for p in &report.problems {
            eprintln!("  {p}");
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
