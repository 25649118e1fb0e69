//! `cabin topics` and `cabin echo`: inspect a live bus, as `ros2 topic list/echo` do.

use crate::cli::{EchoArgs, TopicsArgs};
use anyhow::{Context as _, Result};
use cabin_bus::runtime::EventLog;
use cabin_bus::{TopicId, ZenohTransport};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Seen {
    count: u64,
    bad: u64,
    sources: std::collections::BTreeSet<String>,
}

pub fn topics(args: TopicsArgs) -> Result<ExitCode> {
    let (config, z) = args.join.load(&[])?;
    let t = ZenohTransport::open(&config.vehicle, &z).context("cannot join the zenoh bus")?;
    let seen: Arc<Mutex<BTreeMap<String, Seen>>> = Arc::default();
    let s2 = seen.clone();
    let _sub = t.subscribe_raw("cabin/**", move |key, r| {
        let mut m = s2.lock();
        let e = m.entry(key.to_string()).or_default();
        match r {
            Ok(s) => {
                e.count += 1;
                e.sources.insert(s.header.source.to_string());
            }
            Err(_) => e.bad += 1,
        }
    })?;
    let secs = args.seconds.max(0.1);
    std::thread::sleep(Duration::from_secs_f64(secs));
    let m = seen.lock();
    if m.is_empty() {
        println!(
            "no messages in {secs:.1} s (is `cabin run` or a `cabin node` running on {:?}?)",
            z.connect
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<44} {:>8} {:>9}  sources", "key", "msgs", "rate/s");
    for (key, s) in m.iter() {
        let kind = TopicId::from_key_expr(key)
            .map(|(_, t)| format!(" [{:?}]", t.info().kind))
            .unwrap_or_default();
        println!(
            "{:<44} {:>8} {:>9.1}  {}{kind}{}",
            key,
            s.count,
            s.count as f64 / secs,
            s.sources.iter().cloned().collect::<Vec<_>>().join(","),
            if s.bad > 0 {
                format!(" ({} undecodable)", s.bad)
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn echo(args: EchoArgs) -> Result<ExitCode> {
    let (config, z) = args.join.load(&[])?;
    let key = if args.topic.starts_with("cabin/") {
        args.topic.clone()
    } else {
        let topic = TopicId::from_path(args.topic.trim_matches('/')).with_context(|| {
            format!(
                "unknown topic '{}' (known: {})",
                args.topic,
                TopicId::all()
                    .map(|t| t.path())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        topic.key_expr(&config.vehicle)
    };
    let t = ZenohTransport::open(&config.vehicle, &z).context("cannot join the zenoh bus")?;
    let (tx, rx) = crossbeam_channel::unbounded::<String>();
    let _sub = t.subscribe_raw(&key, move |key, r| {
        let line = match r {
            Ok(s) => EventLog::line(&s).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")),
            Err(e) => serde_json::json!({"key": key, "error": e.to_string()}).to_string(),
        };
        let _ = tx.send(line);
    })?;
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        if args.count.is_some_and(|c| n >= c)
            || args
                .seconds
                .is_some_and(|s| start.elapsed().as_secs_f64() >= s)
        {
            break;
        }
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            println!("{line}");
            n += 1;
        }
    }
    Ok(ExitCode::SUCCESS)
}
