//! `cabin conformance [--suite ncap2026] [--subset fast] [--only ID] [--out DIR] [--jobs N] [--json]`:
//! the protocol conformance suite (Euro NCAP 2026 Driver Engagement, EU ADDW 2023/2590, EU DDAW
//! 2021/1341), generated from its one parameter table (`sim/conformance/<suite>.toml`, compiled in; or a
//! table file), each row run through the real stack, and the dossier written as DIR/dossier.md and
//! DIR/dossier.json (plus DIR/scenarios/<id>.toml, the generated scripts, runnable with `cabin run
//! --scenario` and `cabin score --scenario`).
//!
//! Each row runs the deployment's driver-monitoring nodes (`sim`, `camera`, `driver_state`; the speech
//! and agent nodes do not act on the driver camera) on the deterministic executor with one worker, the
//! path of `cabin run` + `cabin score`; `--jobs` rows run side by side (each run is deterministic on its
//! own, so the dossier does not depend on the job count). A row the simulator cannot render yet is in
//! the dossier as "not renderable: <what is missing>", never skipped.

use super::run::{override_scenario, run_deployment, RunPlan};
use crate::cli::ConfigArg;
use anyhow::{Context as _, Result};
use cabin_bus::messages::Alert;
use cabin_bus::runtime::EventLog;
use cabin_bus::topic::TopicId;
use cabin_sim::conformance::{script, Dossier, Row, RowResult, RunData, Script, Suite};
use cabin_sim::scenario::Scenario;
use clap::Args;
use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The node kinds of a conformance run: the driver-monitoring chain.
const KINDS: &[&str] = &["sim", "camera", "driver_state"];

#[derive(Args, Debug, Clone)]
pub struct ConformanceArgs {
    /// A built-in suite (`ncap2026`) or a suite table file.
    #[arg(long, default_value = "ncap2026")]
    pub suite: String,
    /// Only the rows of this subset (`fast`: the CI subset).
    #[arg(long)]
    pub subset: Option<String>,
    /// Only rows whose id contains this text (repeatable).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Where the dossier and the generated scenarios go.
    #[arg(long, default_value = "conformance")]
    pub out: PathBuf,
    /// Scenarios run side by side.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Print the dossier as JSON (else Markdown).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub deployment: ConfigArg,
}

pub fn run(args: ConformanceArgs) -> Result<ExitCode> {
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let dossier = run_suite(&args, &command)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&dossier)?);
    } else {
        print!("{}", dossier.markdown());
    }
    eprintln!(
        "cabin conformance: {} -> {}",
        dossier.totals_line(),
        args.out.join("dossier.md").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs the suite as `args` say, writes the dossier into `args.out` and returns it (tests call this).
pub fn run_suite(args: &ConformanceArgs, command: &str) -> Result<Dossier> {
    let suite = Suite::from_name_or_path(&args.suite)?;
    let rows: Vec<Row> = suite
        .subset(args.subset.as_deref())
        .into_iter()
        .filter(|r| args.only.is_empty() || args.only.iter().any(|o| r.id.contains(o.as_str())))
        .collect();
    let scenarios = args.out.join("scenarios");
    std::fs::create_dir_all(&scenarios)
        .with_context(|| format!("creating {}", scenarios.display()))?;
    let scripts: Vec<Script> = rows
        .iter()
        .map(|r| script::generate(&suite.spec, r))
        .collect();
    let mut paths = Vec::new();
    for (row, s) in rows.iter().zip(&scripts) {
        let path = scenarios.join(format!("{}.toml", row.id));
        if s.renderable.is_ok() {
            std::fs::write(&path, &s.toml)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        paths.push(path);
    }
    // Longest first, so the 2 h drive does not start last.
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&i| scripts[i].renderable.is_ok())
        .collect();
    order.sort_by(|&a, &b| scripts[b].duration_s.total_cmp(&scripts[a].duration_s));
    let results: Vec<Mutex<Option<Result<RunData, String>>>> =
        rows.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let started = Instant::now();
    let jobs = args.jobs.max(1);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(order.len().max(1)) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = order.get(k) else { break };
                let out = run_row(&args.deployment, &paths[i]).map_err(|e| format!("{e:#}"));
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                let status = match &out {
                    Ok(d) => format!("ran {:.0} s of sim in {:.1} s", d.end_s, d.wall_s),
                    Err(e) => format!("error: {e}"),
                };
                eprintln!("[{n}/{}] {}: {status}", order.len(), rows[i].id);
                *results[i].lock() = Some(out);
            });
        }
    });
    let results: Vec<RowResult> = rows
        .iter()
        .zip(&scripts)
        .zip(results)
        .map(|((row, s), r)| RowResult::new(row, s, r.into_inner()))
        .collect();
    let dossier = Dossier::new(
        &suite.spec,
        &suite.file,
        args.subset.as_deref(),
        command,
        started.elapsed().as_secs_f64(),
        jobs,
        results,
    );
    write(&dossier, &args.out)?;
    Ok(dossier)
}

fn write(dossier: &Dossier, out: &Path) -> Result<()> {
    let md = out.join("dossier.md");
    std::fs::write(&md, dossier.markdown()).with_context(|| format!("writing {}", md.display()))?;
    let json = out.join("dossier.json");
    std::fs::write(&json, serde_json::to_string_pretty(dossier)?)
        .with_context(|| format!("writing {}", json.display()))?;
    Ok(())
}

/// One scenario through the driver-monitoring chain, scored like `cabin score`.
fn run_row(deployment: &ConfigArg, path: &Path) -> Result<RunData> {
    let name = path.display().to_string();
    let scenario = Scenario::load(path)?;
    let mut config = deployment.load()?;
    config.nodes.retain(|n| KINDS.contains(&n.kind.as_str()));
    override_scenario(&mut config, &name);
    let mut plan = RunPlan::new(config);
    plan.workers = 1;
    let derived = Arc::new(Mutex::new(Vec::new()));
    let d = derived.clone();
    plan.observers.push(Box::new(move |s| {
        if EventLog::wants(s) || s.topic == TopicId::GroundTruth {
            d.lock().push((**s).clone());
        }
    }));
    let outcome = run_deployment(plan).with_context(|| format!("running {name}"))?;
    let samples = std::mem::take(&mut *derived.lock());
    let alerts = samples
        .iter()
        .filter_map(|s| {
            s.get::<Alert>()
                .map(|a| (s.header.stamp.as_secs_f64(), a.kind, a.level))
        })
        .collect();
    let score = cabin_sim::score::score_samples(&scenario, &samples);
    let scorable = score.episodes.iter().filter(|e| e.scorable()).count();
    let detected = score.episodes.iter().filter(|e| e.detected).count();
    let zone = score
        .frames
        .as_ref()
        .map(|f| format!(", {} frames", f.frames))
        .unwrap_or_default();
    Ok(RunData {
        alerts,
        end_s: outcome.report.end.as_secs_f64(),
        wall_s: outcome.report.wall.as_secs_f64(),
        events_sha256: outcome.events_hash,
        score_summary: format!(
            "cabin score: {detected}/{scorable} episodes detected, {} false alerts{zone}",
            score.false_alerts.len()
        ),
    })
}
