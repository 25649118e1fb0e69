//! Shared helpers for the workspace-level tests: running the real stack on a scenario, in process.

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
