//! Shared helpers for the workspace-level tests: running the real stack on a scenario, in process
//! ([`run_stack`]); rendered driver-camera frames from the simulator's camera ([`driver_camera`]); a
//! source node filming a pose script for chain tests ([`posed_drive`]); live latency summaries
//! ([`latency`]).

pub mod driver_camera;
pub mod latency;
pub mod posed_drive;

use cabin_cockpit::commands::{override_scenario, run_deployment, RunOutcome, RunPlan};
use std::path::Path;

/// Runs the embedded default deployment (every node, real models) on `scenario`, writing the events log
/// to `events`, with `workers` executor threads.
pub fn run_stack(scenario: &str, events: &Path, workers: usize) -> anyhow::Result<RunOutcome> {
    let mut config = cabin_cockpit::deployment::load(None)?;
    override_scenario(&mut config, scenario);
    let mut plan = RunPlan::new(config);
    plan.workers = workers;
    plan.events = Some(events.to_path_buf());
    run_deployment(plan)
}
