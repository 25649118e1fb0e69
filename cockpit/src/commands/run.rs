//! `cabin run`: every node of the deployment in one process, on the deterministic executor — or, when the
//! deployment reads live sensors (`gst_*` nodes, e.g. deploy/live.toml), on the live executor until Ctrl-C
//! or `--until` seconds: a camera does not wait for a simulated clock.

use crate::cli::{BatchRunArgs, ExecArgs, RunArgs, RunOutputArgs, Speed};
use crate::deployment;
use crate::summary::Summary;
use anyhow::{Context as _, Result};
use cabin_bus::config::DeploymentConfig;
use cabin_bus::runtime::{
    DeterministicExecutor, EventLog, ExecutorOptions, Node, Observer, Pacing, RunReport,
};
use cabin_bus::{Bus, NodeName, SimTime};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Everything a deterministic run needs; `record`, `replay` and tests build one too.
pub struct RunPlan {
    pub config: DeploymentConfig,
    pub workers: usize,
    pub pacing: Pacing,
    pub until: Option<SimTime>,
    pub events: Option<PathBuf>,
    pub metrics: Option<PathBuf>,
    /// Mirror derived, non-host-local samples onto zenoh so `cabin topics/echo` and `cabin hmi` see them.
    pub mirror: Option<Bus>,
    pub quiet: bool,
    /// Extra observers (an MCAP recorder, the HMI feed).
    pub observers: Vec<Observer>,
    /// Nodes that are not in the config, run after its nodes (the HMI's input bridge).
    pub extra_nodes: Vec<(NodeName, Box<dyn Node>)>,
}

/// What a run produced.
pub struct RunOutcome {
    pub report: RunReport,
    /// SHA-256 of the events log: the run's fingerprint.
    pub events_hash: String,
    pub events_lines: u64,
    pub summary: Summary,
}

impl RunPlan {
    pub fn new(config: DeploymentConfig) -> Self {
        let workers = config.runtime.workers;
        RunPlan {
            config,
            workers,
            pacing: Pacing::AsFastAsPossible,
            until: None,
            events: None,
            metrics: None,
            mirror: None,
            quiet: true,
            observers: Vec::new(),
            extra_nodes: Vec::new(),
        }
    }
}

impl ExecArgs {
    /// The plan of a run of the `--config` deployment with `--workers`; its `sim` nodes play `scenario`
    /// when one is given.
    pub fn plan(&self, scenario: Option<&str>) -> Result<RunPlan> {
        let mut config = self.deployment.load()?;
        if let Some(s) = scenario {
            override_scenario(&mut config, s);
        }
        let mut plan = RunPlan::new(config);
        if let Some(w) = self.workers {
            plan.workers = w;
        }
        Ok(plan)
    }
}

impl BatchRunArgs {
    /// The plan of a `record` or `replay` run; see [`ExecArgs::plan`].
    pub fn plan(&self, scenario: Option<&str>) -> Result<RunPlan> {
        Ok(self
            .exec
            .plan(scenario)?
            .with_output(&self.output, self.speed))
    }
}

impl RunPlan {
    /// Runs at `speed`, to the events file and end time of `output`, as quietly as it asks.
    pub fn with_output(mut self, output: &RunOutputArgs, speed: Speed) -> Self {
        self.pacing = pacing(speed);
        self.until = output.until.map(SimTime::from_secs_f64);
        self.events = output.events.clone();
        self.quiet = output.quiet;
        self
    }
}

/// Prints what every run ends with: the summary, where the events went, and the run's fingerprint.
pub fn print_outcome(outcome: &RunOutcome, events: Option<&Path>) {
    println!("{}", outcome.summary.render(outcome.report.wall));
    if let Some(p) = events {
        println!("events: {} lines -> {}", outcome.events_lines, p.display());
    }
    println!("events sha256: {}", outcome.events_hash);
}

/// Sets the `scenario` param of every `sim` node.
pub fn override_scenario(config: &mut DeploymentConfig, scenario: &str) {
    for n in config.nodes.iter_mut().filter(|n| n.kind == "sim") {
        n.params
            .insert("scenario".into(), toml::Value::String(scenario.to_string()));
    }
}

pub fn run_deployment(plan: RunPlan) -> Result<RunOutcome> {
    let registry = deployment::registry();
    let mut nodes = deployment::build(&registry, &plan.config.nodes)?;
    nodes.extend(plan.extra_nodes);
    let mut exec = DeterministicExecutor::new(
        nodes,
        ExecutorOptions {
            workers: plan.workers.max(1),
            pacing: plan.pacing,
            until: plan.until,
        },
    )?;
    let log = match &plan.events {
        Some(p) => {
            let f = std::fs::File::create(p)
                .with_context(|| format!("cannot create events file {}", p.display()))?;
            EventLog::to_writer(Box::new(BufWriter::new(f)))
        }
        None => EventLog::hash_only(),
    };
    let log = Arc::new(parking_lot::Mutex::new(Some(log)));
    let write_error: Arc<parking_lot::Mutex<Option<std::io::Error>>> = Arc::default();
    {
        let log = log.clone();
        let write_error = write_error.clone();
        exec.observe(move |s| {
            if let Some(l) = log.lock().as_mut() {
                if let Err(e) = l.record(s) {
                    write_error.lock().get_or_insert(e);
                }
            }
        });
    }
    let summary = Summary::new(plan.quiet);
    {
        let summary = summary.clone();
        exec.observe(move |s| summary.observe(s));
    }
    if let Some(bus) = plan.mirror.clone() {
        exec.observe(move |s| {
            let info = s.topic.info();
            if info.host_local {
                return;
            }
            if let Err(e) = bus.publish_sample(s.clone()) {
                tracing::debug!("mirror publish failed: {e}");
            }
        });
    }
    for o in plan.observers {
        exec.observe(o);
    }
    let report = exec.run();
    let log = log.lock().take().context("events log already taken")?;
    let events_lines = log.lines();
    let events_hash = log.finish().context("cannot finish the events file")?;
    if let Some(e) = write_error.lock().take() {
        return Err(anyhow::anyhow!("writing the events file failed: {e}"));
    }
    if let Some(p) = &plan.metrics {
        let metrics = serde_json::json!({
            "wall_s": report.wall.as_secs_f64(),
            "sim_s": report.end.as_secs_f64(),
            "rounds": report.rounds,
            "samples": report.samples,
            "nodes": report.nodes.iter().map(|(n, s)| serde_json::json!({"node": n, "steps": s})).collect::<Vec<_>>(),
            "overflows": report.overflows.iter().map(|(t, sub, d)| serde_json::json!({"topic": t.path(), "subscriber": sub, "dropped": d})).collect::<Vec<_>>(),
        });
        std::fs::write(p, serde_json::to_string_pretty(&metrics)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(RunOutcome {
        report,
        events_hash,
        events_lines,
        summary,
    })
}

/// Opens the zenoh session a main process mirrors onto. Failure is reported, not fatal: the run goes on.
pub fn open_mirror(config: &DeploymentConfig) -> Option<Bus> {
    match Bus::zenoh(&config.vehicle, &config.zenoh) {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::warn!("no zenoh mirror ({e}); `cabin topics/echo` will not see this run");
            None
        }
    }
}

pub fn pacing(speed: Speed) -> Pacing {
    match speed {
        Speed::Max => Pacing::AsFastAsPossible,
        Speed::Factor(f) => Pacing::WallClock { speed: f },
    }
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let config = args.exec.deployment.load()?;
    if has_live_sources(&config) {
        return run_live(&args, config);
    }
    let speed = args.effective_speed();
    let mut plan = args
        .exec
        .plan(args.scenario.as_deref())?
        .with_output(&args.output, speed);
    plan.metrics = args.metrics.clone();
    if !args.no_bus {
        plan.mirror = open_mirror(&plan.config);
    }
    let hmi = match &args.hmi {
        Some(addr) => {
            let options = crate::hmi::HmiOptions {
                voice: crate::hmi::Voice::unless_muted(args.no_voice),
                vehicle: plan.config.vehicle.clone(),
                ..Default::default()
            };
            let mut h = crate::hmi::run_link::RunHmi::start(addr, options)?;
            eprintln!("cabin run: HMI at {} (open it in a browser; the camera view is shown on this host only)", h.url());
            plan.observers.push(h.observer());
            plan.extra_nodes.extend(h.take_bridge_node());
            if let Some(bus) = &plan.mirror {
                h.accept_answers_from(bus);
            }
            Some(h)
        }
        None => None,
    };
    if !args.output.quiet {
        eprintln!(
            "cabin run: {} nodes ({}) on vehicle '{}', {} workers, speed {:?}{}",
            plan.config.nodes.len(),
            plan.config
                .nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            plan.config.vehicle,
            plan.workers,
            speed,
            if plan.mirror.is_some() {
                format!(", bus on {:?}", plan.config.zenoh.listen)
            } else {
                String::new()
            }
        );
    }
    let outcome = run_deployment(plan)?;
    print_outcome(&outcome, args.output.events.as_deref());
    if let Some(h) = hmi {
        h.run_ended(outcome.report.end);
        eprintln!(
            "cabin run: the run is over; the HMI stays at {} until Ctrl-C",
            h.url()
        );
        h.serve_until_ctrl_c();
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether the deployment reads live sensors: any node of a capture kind (`gst_camera`, `gst_microphone`).
pub fn has_live_sources(config: &DeploymentConfig) -> bool {
    config.nodes.iter().any(|n| n.kind.starts_with("gst_"))
}

/// Runs a deployment with live sources: every node on the live executor (tokio, wall clock) on the
/// config's zenoh bus — or a process-local bus with `--no-bus` or when zenoh cannot start — until Ctrl-C
/// or `--until` seconds. No events log and no fingerprint: live input is not reproducible.
fn run_live(args: &RunArgs, config: DeploymentConfig) -> Result<ExitCode> {
    if args.output.events.is_some() || args.hmi.is_some() || args.scenario.is_some() {
        eprintln!("cabin run: live sources: --events, --hmi and --scenario do not apply (`cabin hmi` joins a live run)");
    }
    let registry = deployment::registry();
    let nodes = deployment::build(&registry, &config.nodes)?;
    if let Some(w) = args.exec.workers {
        tracing::debug!("--workers {w} does not apply to a live run (one task per node)");
    }
    let rt = super::live::runtime("cabin-run")?;
    let summaries = rt.block_on(async {
        let bus = if args.no_bus {
            Bus::in_process(&config.vehicle)
        } else {
            match Bus::zenoh(&config.vehicle, &config.zenoh) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("cabin run: no zenoh bus ({e}); running on a process-local bus");
                    Bus::in_process(&config.vehicle)
                }
            }
        };
        if !args.output.quiet {
            eprintln!(
                "cabin run: live, {} nodes ({}) on vehicle '{}', bus {} — Ctrl-C to stop",
                nodes.len(),
                nodes
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                config.vehicle,
                bus.transport().describe()
            );
        }
        let options = cabin_bus::runtime::LiveOptions {
            diagnostics_period: std::time::Duration::from_secs_f64(
                config.runtime.diagnostics_period_s.max(0.05),
            ),
        };
        let shutdown = super::live::ctrl_c_or_after(args.output.until);
        cabin_bus::runtime::LiveExecutor::new(bus, nodes, options)
            .run(shutdown)
            .await
    });
    for (name, s) in summaries {
        println!(
            "{name}: {} steps, p50 {} us, p99 {} us, max {} us, {} deadline misses, {} errors, {} panics",
            s.steps, s.p50_us, s.p99_us, s.max_us, s.deadline_misses, s.errors, s.panics
        );
    }
    Ok(ExitCode::SUCCESS)
}
