//! `cabin fleet ARGS...`: the fleet driver (the Python package in `fleet/`, on Ray), with this binary.
//!
//! Fleet runs shard replay + score over a Ray cluster; Ray's API is Python, so the driver is the
//! `cabin-fleet` command that setup installs into the project venv (`.venv/`). This command finds it
//! and hands it every argument, with `CABIN_BIN=<this binary>` in its environment (unless already set)
//! so every subcommand — `run`, and `regress`'s baseline — replays with the build you called, not
//! whatever `target/debug/cabin` holds at that moment. `cabin fleet --help` shows the driver's own help.

use anyhow::{bail, Context as _, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true)]
pub struct FleetArgs {
    /// Arguments for `cabin-fleet` (`run`, `report`, `compare`; `--help` for its help).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Where the driver is: `$CABIN_FLEET`, else `.venv/bin/cabin-fleet` in the current folder or a parent
/// of this binary (a checkout's `target/debug/cabin`), else `cabin-fleet` on the PATH.
fn driver() -> PathBuf {
    if let Some(p) = std::env::var_os("CABIN_FLEET") {
        return PathBuf::from(p);
    }
    let venv_driver = |dir: &Path| dir.join(".venv/bin/cabin-fleet");
    let mut places: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    if let Ok(exe) = std::env::current_exe() {
        places.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    places
        .iter()
        .map(|d| venv_driver(d))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("cabin-fleet"))
}

pub fn run(args: FleetArgs) -> Result<ExitCode> {
    let driver = driver();
    let mut command = Command::new(&driver);
    command.args(&args.args);
    if std::env::var_os("CABIN_BIN").is_none() {
        let exe = std::env::current_exe().context("cannot find this binary's path")?;
        command.env("CABIN_BIN", exe);
    }
    let status = command.status();
    match status {
        Ok(s) => Ok(ExitCode::from(s.code().unwrap_or(1).clamp(0, 255) as u8)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{}: the fleet driver is not installed (run scripts/setup.sh, or set CABIN_FLEET)",
            driver.display()
        ),
        Err(e) => Err(e).with_context(|| format!("cannot start {}", driver.display())),
    }
}
