//! What the live commands (`cabin node`, `cabin hmi`) share: their tokio runtime and when they end.

use std::time::Duration;

/// A tokio runtime with two worker threads (the machines cabin targets have few cores).
pub fn runtime(thread_name: &str) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .thread_name(thread_name)
        .build()
}

/// Resolves at Ctrl-C, or after `seconds` when given, whichever comes first.
pub async fn ctrl_c_or_after(seconds: Option<f64>) {
    match seconds {
        Some(s) => {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs_f64(s.max(0.0))) => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Ctrl-C, SIGTERM (what systemd and `cabin launch` stop a process with) or `--duration`, whichever
/// comes first: the caller then shuts down cleanly (nodes run their `shutdown` step, the last
/// diagnostics go out; `cabin launch` stops its children).
pub async fn stop_signal(duration: Option<f64>) {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("no SIGTERM handler ({e}); Ctrl-C still stops this process");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = ctrl_c_or_after(duration) => {}
        _ = term => {}
    }
}
