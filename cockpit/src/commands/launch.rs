//! `cabin launch --config FILE [--host HOST]`: every process of the deployment (or of this host) as a
//! supervised child, each `cabin node --process NAME`; restarted with back-off when it crashes; stopped
//! cleanly on Ctrl-C / SIGTERM / `--duration`; every start, exit and restart on the diagnostics topic.
//!
//! The launch itself joins the bus first, listening on the deployment's `[zenoh] listen` endpoints when
//! it can: it outlives every child, so the endpoint the children (and `cabin echo`, `cabin hmi`) connect
//! to stays up while a child restarts. On an ECU whose address is not the one in `listen` it joins like
//! any other process instead.

use crate::cli::LaunchArgs;
use crate::deployment;
use crate::supervisor::{self, Ending, Launcher, Reporter, RestartPolicy};
use anyhow::{Context as _, Result};
use cabin_bus::config::DeploymentConfig;
use cabin_bus::security::ROLE_ENV;
use cabin_bus::{Bus, ZenohConfig};
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::watch;

pub fn run(args: LaunchArgs) -> Result<ExitCode> {
    let config = DeploymentConfig::load(&args.config)?;
    let processes = supervisor::plan(&config, args.host.as_deref(), &args.role)?;
    let launcher = Launcher {
        exe: std::env::current_exe()
            .context("cannot find the cabin binary to start the processes")?,
        config: std::path::absolute(&args.config)
            .with_context(|| format!("cannot resolve {}", args.config.display()))?,
    };
    let policy = RestartPolicy {
        stable_after: Duration::from_secs_f64(args.stable_after.max(0.0)),
        max_fast_crashes: args.max_fast_crashes.max(1),
        ..RestartPolicy::default()
    };
    eprintln!(
        "cabin launch: {} process(es) of {}{}: {}",
        processes.len(),
        config.file,
        args.host
            .as_deref()
            .map(|h| format!(" on host {h}"))
            .unwrap_or_default(),
        processes
            .iter()
            .map(|p| format!("{} [{}]", p.name, p.nodes.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let own_role = std::env::var(ROLE_ENV)
        .ok()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| processes.iter().find_map(|p| p.role.clone()));
    let rt = super::live::runtime("cabin-launch")?;
    let endings = rt.block_on(async {
        let reporter = Reporter::new(join_bus(&config, own_role.as_deref()));
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        for p in processes {
            tasks.spawn(supervisor::supervise(
                p,
                launcher.clone(),
                policy,
                reporter.clone(),
                stop_rx.clone(),
            ));
        }
        let mut endings = Vec::new();
        let shutdown = super::live::stop_signal(args.duration);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown, if !*stop_tx.borrow() => {
                    eprintln!("cabin launch: stopping every process");
                    let _ = stop_tx.send(true);
                }
                next = tasks.join_next() => match next {
                    Some(Ok(e)) => endings.push(e),
                    Some(Err(e)) => {
                        tracing::error!("a supervisor task failed: {e}");
                        endings.push(Ending::GaveUp);
                    }
                    None => break,
                }
            }
        }
        endings
    });
    let gave_up = endings.iter().filter(|e| **e == Ending::GaveUp).count();
    if gave_up > 0 {
        eprintln!("cabin launch: gave up on {gave_up} process(es) (see the log above)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The supervisor's own bus session, for its diagnostics: on the deployment's listen endpoints when this
/// host has them, else joined like a `cabin node`; in a secured deployment with the certificate of
/// `role`. None (log only) when neither works.
fn join_bus(config: &DeploymentConfig, role: Option<&str>) -> Option<Bus> {
    let mut zenoh: ZenohConfig = config.zenoh.clone();
    if let (Some(tls), Some(role)) = (zenoh.tls.as_mut(), role) {
        if tls.has_role_placeholder() {
            match tls.for_role(role) {
                Ok(t) => *tls = t,
                Err(e) => {
                    tracing::warn!("no bus for the supervisor's diagnostics ({e}); log only");
                    return None;
                }
            }
        }
    }
    match Bus::zenoh(&config.vehicle, &zenoh) {
        Ok(b) => Some(b),
        Err(first) => {
            let joining = deployment::joining(&zenoh, &[], &[]);
            match Bus::zenoh(&config.vehicle, &joining) {
                Ok(b) => {
                    tracing::info!(
                        "not listening on {:?} ({first}); joined as a peer",
                        zenoh.listen
                    );
                    Some(b)
                }
                Err(e) => {
                    tracing::warn!("no bus for the supervisor's diagnostics ({e}); log only");
                    None
                }
            }
        }
    }
}
