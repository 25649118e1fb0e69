//! `cabin prepare-cache`: builds the interest classifier's head cache next to the installed models.
//!
//! The agent embeds ~550 sentences and trains its head when no cache matches (~20 s on one core of
//! a 2-core ECU). The services run as a user who may not write the models directory (docs/ECU.md),
//! so without a prepared cache every start of the cockpit process pays that, and a stop arriving
//! meanwhile waits for it. cabin-fetch-models runs this after installing the models, the package's
//! postinst after an upgrade (a new binary may train from other texts: the cache's key changes).

use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run() -> Result<ExitCode> {
    let report = cabin_agent::interests::classify::prepare_default_cache()
        .context("preparing the interest head cache")?;
    if report.was_current {
        println!("interest head cache is current: {}", report.path.display());
    } else {
        println!("interest head cache written: {}", report.path.display());
    }
    Ok(ExitCode::SUCCESS)
}
