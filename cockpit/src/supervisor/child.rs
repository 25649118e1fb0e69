//! Supervising one process: start it, wait for it, restart it after a crash with back-off, stop it on
//! request (SIGINT first so its nodes shut down cleanly, SIGKILL after a grace period).

use super::backoff::{Backoff, Decision, RestartPolicy};
use super::plan::ProcessPlan;
use super::report::{ProcessReport, Reporter};
use cabin_bus::messages::ProcessEvent;
use cabin_bus::security::ROLE_ENV;
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// How long a stopped process gets to shut its nodes down before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// How to start a process of the deployment: `<exe> node --process NAME --config FILE`.
#[derive(Clone, Debug)]
pub struct Launcher {
    /// The `cabin` binary (this one).
    pub exe: PathBuf,
    pub config: PathBuf,
}

impl Launcher {
    fn command(&self, p: &ProcessPlan) -> Command {
        let mut c = Command::new(&self.exe);
        c.arg("node")
            .arg("--process")
            .arg(&p.name)
            .arg("--config")
            .arg(&self.config)
            .stdin(Stdio::null())
            // The child's log goes where the launch's goes (a terminal, journald).
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            // If the launch itself dies, tokio kills the children it still owns.
            .kill_on_drop(true);
        match &p.role {
            Some(r) => c.env(ROLE_ENV, r),
            None => c.env_remove(ROLE_ENV),
        };
        // A launch killed with SIGKILL (an OOM kill, a watchdog) runs no cleanup: the kernel then sends
        // its children SIGTERM, so no orphan keeps the camera, the microphones or a bus port. (Linux's
        // parent-death signal is tied to the thread that spawned the child: a tokio worker, which lives
        // as long as the launch's runtime.)
        #[cfg(target_os = "linux")]
        // SAFETY: runs in the forked child before exec and only calls prctl(2), which is
        // async-signal-safe; nothing is allocated or locked.
        unsafe {
            c.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        c
    }
}

/// How a supervised process ended for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It exited with success by itself (a source at the end of its drive, `--duration`).
    Finished,
    /// The supervisor stopped it.
    Stopped,
    /// It crashed too often in a row.
    GaveUp,
}

/// Runs `p` until it finishes, is given up on, or `stop` turns true.
pub async fn supervise(
    p: ProcessPlan,
    launcher: Launcher,
    policy: RestartPolicy,
    reporter: Reporter,
    mut stop: watch::Receiver<bool>,
) -> Ending {
    let mut backoff = Backoff::new(policy);
    let mut restarts = 0u32;
    let report = |event, pid, restarts, message: String| {
        reporter.report(ProcessReport {
            process: &p.name,
            event,
            pid,
            restarts,
            message,
        })
    };
    loop {
        let started = Instant::now();
        let exit = match launcher.command(&p).spawn() {
            Ok(mut child) => {
                let pid = child.id();
                report(
                    ProcessEvent::Started,
                    pid,
                    restarts,
                    format!(
                        "started {} ({}){}",
                        p.name,
                        p.nodes.join(", "),
                        p.role
                            .as_deref()
                            .map(|r| format!(" as role {r}"))
                            .unwrap_or_default()
                    ),
                );
                tokio::select! {
                    status = child.wait() => (pid, status.map_err(|e| e.to_string())),
                    _ = stopped(&mut stop) => {
                        let how = stop_child(&mut child).await;
                        report(ProcessEvent::Stopped, pid, restarts, format!("stopped {} ({how})", p.name));
                        return Ending::Stopped;
                    }
                }
            }
            Err(e) => (None, Err(format!("cannot start: {e}"))),
        };
        let ran_for = started.elapsed();
        let (pid, result) = exit;
        match &result {
            Ok(s) if s.success() => {
                report(
                    ProcessEvent::Exited,
                    pid,
                    restarts,
                    format!(
                        "{} finished after {:.1} s (exit 0): not restarted",
                        p.name,
                        ran_for.as_secs_f64()
                    ),
                );
                return Ending::Finished;
            }
            _ => {}
        }
        let why = match &result {
            Ok(s) => describe(*s),
            Err(e) => e.clone(),
        };
        report(
            ProcessEvent::Exited,
            pid,
            restarts,
            format!("{} {why} after {:.1} s", p.name, ran_for.as_secs_f64()),
        );
        match backoff.on_crash(ran_for) {
            Decision::Restart { after } => {
                restarts += 1;
                report(
                    ProcessEvent::Restarting,
                    None,
                    restarts,
                    format!(
                        "restarting {} in {:.1} s (restart {restarts}, {} fast crashes in a row)",
                        p.name,
                        after.as_secs_f64(),
                        backoff.fast_crashes()
                    ),
                );
                tokio::select! {
                    _ = tokio::time::sleep(after) => {}
                    _ = stopped(&mut stop) => {
                        report(ProcessEvent::Stopped, None, restarts, format!("stopped {} before its restart", p.name));
                        return Ending::Stopped;
                    }
                }
            }
            Decision::GiveUp { fast_crashes } => {
                report(
                    ProcessEvent::GaveUp,
                    None,
                    restarts,
                    format!(
                        "gave up on {}: {fast_crashes} crashes in a row, each within {:.0} s of its start (last: {why})",
                        p.name,
                        policy.stable_after.as_secs_f64()
                    ),
                );
                return Ending::GaveUp;
            }
        }
    }
}

/// Resolves once `stop` is (or becomes) true; never if the sender is gone without saying so.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await
    }
}

/// SIGINT (what `cabin node` shuts down cleanly on), then SIGKILL after [`STOP_GRACE`].
async fn stop_child(child: &mut Child) -> String {
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a pid this process spawned and still owns (not yet reaped: `id()` is
        // Some), so it cannot name a recycled pid.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
    match tokio::time::timeout(STOP_GRACE, child.wait()).await {
        Ok(Ok(s)) => describe(s),
        Ok(Err(e)) => format!("wait failed: {e}"),
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            format!("killed after {} s of grace", STOP_GRACE.as_secs())
        }
    }
}

/// "exited with 3", "killed by signal 9 (SIGKILL)".
pub fn describe(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exited with {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}{}", signal_name(sig)),
        _ => "ended".into(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGINT => " (SIGINT)",
        libc::SIGBUS => " (SIGBUS)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_described_with_code_or_signal() {
        assert_eq!(describe(ExitStatus::from_raw(3 << 8)), "exited with 3");
        assert_eq!(
            describe(ExitStatus::from_raw(9)),
            "killed by signal 9 (SIGKILL)"
        );
    }
}
