//! The `cabin` binary as a test's child process, and the places tests leave things in.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// `cabin` from this build, logging warnings only.
pub fn cabin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cabin"));
    c.env("RUST_LOG", "warn");
    c
}

/// `cabin ARGS --config CONFIG`, run to its end; what it printed.
pub fn output_with_config(args: &[&str], config: &Path) -> Output {
    cabin()
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap_or_else(|e| panic!("cabin {args:?} does not start: {e}"))
}

/// Kills the child when dropped, so a failing test leaves no process behind.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cabin ARGS --config CONFIG` with its output discarded.
pub fn spawn_quiet(args: &[&str], config: &Path) -> KillOnDrop {
    KillOnDrop(
        cabin()
            .args(args)
            .arg("--config")
            .arg(config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cabin {args:?} does not start: {e}")),
    )
}

/// Starts `cabin ARGS` with its stdout and stderr in `target/test-artefacts/NAME-stdout.txt` and
/// `NAME-stderr.txt`, for people to read when a test fails.
pub fn spawn_logged(args: &[&str], name: &str) -> KillOnDrop {
    let log = |stream: &str| {
        std::fs::File::create(artefact_dir().join(format!("{name}-{stream}.txt")))
            .map(Stdio::from)
            .unwrap_or(Stdio::null())
    };
    KillOnDrop(
        cabin()
            .args(args)
            .stdout(log("stdout"))
            .stderr(log("stderr"))
            .spawn()
            .unwrap_or_else(|e| panic!("cabin {args:?} does not start: {e}")),
    )
}

/// A free TCP port on loopback (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `target/test-artefacts/`: screenshots and logs the tests leave for people to look at.
pub fn artefact_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let dir = target.join("test-artefacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artefacts");
    dir
}
