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
