//! `cabin hmi`: the cockpit page for a bus that is already running (a `cabin run`, or nodes deployed
//! with `cabin node`), joined over zenoh.
//!
//! It subscribes to every topic that may leave its host (state topics deliver their last value at once,
//! so the route and POIs show even when the page starts mid-drive) and publishes the driver's answers on
//! `hmi/response` as source `hmi`. Raw camera frames and utterances are host-local by design and never
//! reach it: the camera and transcript panels are `cabin run --hmi` only.

use crate::cli::HmiArgs;
use crate::hmi::{Hmi, HmiOptions, HmiServer, Responder, ResponseSink, Voice};
use anyhow::{Context as _, Result};
use cabin_bus::messages::UserResponse;
use cabin_bus::{topics, Bus, NodeName, QueuePolicy, SimTime, TopicId};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The source name of answers published by `cabin hmi`.
pub const SOURCE: &str = "hmi";

/// Topics the page shows that can arrive over the network.
fn shown_topics() -> impl Iterator<Item = TopicId> {
    TopicId::all().filter(|t| {
        !t.info().host_local && !matches!(t, TopicId::Ecg | TopicId::Ppg | TopicId::ScriptedSpeech)
    })
}

pub fn run(args: HmiArgs) -> Result<ExitCode> {
    let (config, z) = args.join.load(&[])?;
    let rt = super::live::runtime("cabin-hmi")?;
    rt.block_on(async {
        let bus = Bus::zenoh(&config.vehicle, &z).context("cannot join the zenoh bus")?;
        let source = NodeName::new(SOURCE).context("bad source name")?;
        // Answers are stamped with the newest sim time seen on the bus: `cabin hmi` has no clock of its own.
        let now = Arc::new(AtomicU64::new(0));
        let sink: ResponseSink = {
            let (bus, now) = (bus.clone(), now.clone());
            Arc::new(move |r: UserResponse| {
                let stamp = SimTime::from_nanos(now.load(Ordering::Relaxed));
                bus.publish(&source, topics::RESPONSE, stamp, r)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        };
        let options = HmiOptions {
            camera: false,
            voice: Voice::unless_muted(args.no_voice),
            mode: "join",
            vehicle: config.vehicle.clone(),
            ..Default::default()
        };
        let hmi = Hmi::new(options, Arc::new(Responder::new(sink)));
        hmi.set_run_state("live", None);
        let mut tasks = Vec::new();
        for topic in shown_topics() {
            let sub = bus
                .subscribe_with(topic, SOURCE, QueuePolicy::DropOldest(1024))
                .with_context(|| format!("cannot subscribe to {topic}"))?;
            let (hmi, now) = (hmi.clone(), now.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let s = sub.recv().await;
                    now.fetch_max(s.header.stamp.as_nanos(), Ordering::Relaxed);
                    hmi.observe(&s);
                }
            }));
        }
        let server = HmiServer::bind(&args.addr, hmi.clone()).await?;
        eprintln!(
            "cabin hmi: {} — vehicle '{}' over zenoh {:?}; Ctrl-C to stop",
            server.url(),
            config.vehicle,
            z.connect
        );
        super::live::ctrl_c_or_after(args.seconds).await;
        server.shutdown().await;
        for t in tasks {
            t.abort();
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
