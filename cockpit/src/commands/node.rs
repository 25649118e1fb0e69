//! `cabin node NAME...` / `cabin node --process NAME`: nodes of the deployment, live on zenoh, in one
//! process (multi-process and multi-ECU deployment; `cabin launch` starts one of these per process).

use crate::cli::NodeArgs;
use crate::deployment;
use anyhow::{bail, Context as _, Result};
use cabin_bus::config::{DeploymentConfig, NodeSpec};
use cabin_bus::runtime::{LiveExecutor, LiveOptions};
use cabin_bus::Bus;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: NodeArgs) -> Result<ExitCode> {
    let (config, zenoh) = args.join.load(&args.listen)?;
    let specs = selected(&config, &args.names, args.process.as_deref())?;
    let registry = deployment::registry();
    let nodes = deployment::build(&registry, specs.iter().copied())?;
    let names = specs
        .iter()
        .map(|s| format!("{} ({})", s.name, s.kind))
        .collect::<Vec<_>>()
        .join(", ");
    let rt = super::live::runtime("cabin-node")?;
    let summaries = rt.block_on(async {
        let bus = Bus::zenoh(&config.vehicle, &zenoh).context("cannot join the zenoh bus")?;
        eprintln!(
            "cabin node {names} on {} — Ctrl-C to stop",
            bus.transport().describe()
        );
        let options = LiveOptions {
            diagnostics_period: Duration::from_secs_f64(
                config.runtime.diagnostics_period_s.max(0.05),
            ),
        };
        let shutdown = super::live::stop_signal(args.duration);
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

/// The nodes named on the command line, or every node of `--process`, in file order.
fn selected<'a>(
    config: &'a DeploymentConfig,
    names: &[String],
    process: Option<&'a str>,
) -> Result<Vec<&'a NodeSpec>> {
    let all = || {
        config
            .nodes
            .iter()
            .map(|n| format!("{} ({})", n.name, n.process))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut specs = Vec::new();
    if let Some(p) = process {
        specs.extend(config.nodes_in(p));
        if specs.is_empty() {
            bail!(
                "no node runs in process '{p}' in {} (nodes: {})",
                config.file,
                all()
            );
        }
    }
    for name in names {
        let spec = config
            .node(name)
            .with_context(|| format!("no node '{name}' in {} (nodes: {})", config.file, all()))?;
        if !specs.iter().any(|s| s.name == spec.name) {
            specs.push(spec);
        }
    }
    if specs.is_empty() {
        bail!(
            "name the node(s) to run, or --process NAME (nodes: {})",
            all()
        );
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_selects_its_nodes_in_file_order() {
        let text = "[[node]]\nname = \"a\"\nkind = \"x\"\nprocess = \"p\"\n[[node]]\nname = \"b\"\nkind = \"x\"\nprocess = \"q\"\n[[node]]\nname = \"c\"\nkind = \"x\"\nprocess = \"p\"\n";
        let c = DeploymentConfig::parse(text, "f.toml").expect("parses");
        let names = |v: Vec<&NodeSpec>| v.iter().map(|s| s.name.to_string()).collect::<Vec<_>>();
        assert_eq!(names(selected(&c, &[], Some("p")).expect("p")), ["a", "c"]);
        assert_eq!(
            names(selected(&c, &["b".into(), "a".into()], None).expect("named")),
            ["b", "a"]
        );
        assert!(selected(&c, &[], Some("nope")).is_err());
        assert!(selected(&c, &["nope".into()], None).is_err());
        assert!(selected(&c, &[], None).is_err());
    }
}
