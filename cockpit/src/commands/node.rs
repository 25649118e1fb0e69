//! `cabin node NAME`: one node of the deployment, live on zenoh (multi-process and multi-ECU deployment).

use crate::cli::NodeArgs;
use crate::deployment;
use anyhow::{Context as _, Result};
use cabin_bus::runtime::{LiveExecutor, LiveOptions};
use cabin_bus::Bus;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: NodeArgs) -> Result<ExitCode> {
    let (config, zenoh) = args.join.load(&args.listen)?;
    let spec = config.node(&args.name).with_context(|| {
        format!(
            "no node '{}' in {} (nodes: {})",
            args.name,
            config.file,
            config
                .nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let registry = deployment::registry();
    let nodes = deployment::build(&registry, [spec])?;
    let rt = super::live::runtime("cabin-node")?;
    let summaries = rt.block_on(async {
        let bus = Bus::zenoh(&config.vehicle, &zenoh).context("cannot join the zenoh bus")?;
        eprintln!(
            "cabin node {} ({}) on {} — Ctrl-C to stop",
            spec.name,
            spec.kind,
            bus.transport().describe()
        );
        let options = LiveOptions {
            diagnostics_period: Duration::from_secs_f64(
                config.runtime.diagnostics_period_s.max(0.05),
            ),
        };
        let shutdown = super::live::ctrl_c_or_after(args.duration);
        anyhow::Ok(LiveExecutor::new(bus, nodes, options).run(shutdown).await)
    })?;
    for (name, s) in summaries {
        println!(
            "{name}: {} steps, p50 {} us, p99 {} us, max {} us, {} deadline misses, {} errors, {} panics",
            s.steps, s.p50_us, s.p99_us, s.max_us, s.deadline_misses, s.errors, s.panics
        );
    }
    Ok(ExitCode::SUCCESS)
}
