//! How the HMI plugs into a deterministic run (`cabin run --hmi`): an observer feeds it every sample, and
//! the driver's answers enter the run through the input bridge node, stamped with sim time, so the events
//! log records exactly when each answer arrived.
//!
//! When the run also mirrors onto zenoh, answers published on `hmi/response` by a `cabin hmi` elsewhere
//! are taken into the run the same way (through the same [`Responder`], so each suggestion is answered
//! once, whichever page answers first).

use super::{Hmi, HmiOptions, HmiService, Responder, ResponseSink, Result};
use crate::bridge::{input_bridge, Inbound};
use cabin_bus::messages::{Message, UserResponse};
use cabin_bus::runtime::{Node, Observer};
use cabin_bus::{Bus, NodeName, SimDuration, SimTime, TopicId};
use crossbeam_channel::{Sender, TrySendError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Name of the input bridge node in a run with the HMI.
pub const BRIDGE_NODE: &str = "input_bridge";
/// Sim-time period at which the bridge takes answers into the run.
pub const BRIDGE_PERIOD: SimDuration = SimDuration::from_millis(100);

/// A sink that sends answers into the run through the input bridge.
pub fn bridge_sink(tx: Sender<Inbound>) -> ResponseSink {
    Arc::new(move |r: UserResponse| {
        match tx.try_send((TopicId::Response, Message::UserResponse(r))) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err("the run's input queue is full".into()),
            Err(TrySendError::Disconnected(_)) => Err("the run has ended".into()),
        }
    })
}

/// Everything `cabin run --hmi` adds to a run.
pub struct RunHmi {
    pub hmi: Arc<Hmi>,
    service: Option<HmiService>,
    forwarder: Option<Forwarder>,
    node: Option<(NodeName, Box<dyn Node>)>,
}

impl RunHmi {
    /// Starts the server on `addr` and prepares the bridge node and the observer.
    pub fn start(addr: &str, options: HmiOptions) -> Result<Self> {
        let (tx, bridge) = input_bridge(BRIDGE_PERIOD);
        let responder = Arc::new(Responder::new(bridge_sink(tx)));
        let hmi = Hmi::new(options, responder);
        let service = HmiService::start(addr, hmi.clone())?;
        hmi.set_run_state("starting", None);
        let name = NodeName::new(BRIDGE_NODE).unwrap_or_default();
        Ok(RunHmi {
            hmi,
            service: Some(service),
            forwarder: None,
            node: Some((name, Box::new(bridge))),
        })
    }

    pub fn url(&self) -> String {
        self.service
            .as_ref()
            .map(HmiService::url)
            .unwrap_or_default()
    }

    /// The bridge node to add to the run (once).
    pub fn take_bridge_node(&mut self) -> Option<(NodeName, Box<dyn Node>)> {
        self.node.take()
    }

    /// The observer that feeds the HMI every sample of the run.
    pub fn observer(&self) -> Observer {
        let hmi = self.hmi.clone();
        let mut started = false;
        Box::new(move |s| {
            if !started {
                started = true;
                hmi.set_run_state("running", Some(s.header.stamp));
            }
            hmi.observe(s)
        })
    }

    /// Takes answers published on `hmi/response` by other processes (`cabin hmi`) into the run.
    pub fn accept_answers_from(&mut self, bus: &Bus) {
        match Forwarder::start(bus, self.hmi.responder().clone()) {
            Ok(f) => self.forwarder = Some(f),
            Err(e) => {
                tracing::warn!("answers from `cabin hmi` over zenoh will not reach this run: {e}")
            }
        }
    }

    /// The run is over: pages show it; the server stays up until [`RunHmi::stop`].
    pub fn run_ended(&self, end: SimTime) {
        self.hmi.set_run_state("ended", Some(end));
    }

    pub fn stop(mut self) {
        if let Some(f) = self.forwarder.take() {
            f.stop();
        }
        if let Some(s) = self.service.take() {
            s.stop();
        }
    }

    /// Waits for Ctrl-C (the page stays readable after the run), then stops.
    pub fn serve_until_ctrl_c(self) {
        if let Some(s) = &self.service {
            let _ = s.runtime().block_on(tokio::signal::ctrl_c());
        }
        self.stop();
    }
}

/// A thread taking `hmi/response` samples from the zenoh bus into the run's responder.
struct Forwarder {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Forwarder {
    fn start(bus: &Bus, responder: Arc<Responder>) -> std::result::Result<Self, String> {
        let sub = bus
            .subscribe(TopicId::Response, BRIDGE_NODE)
            .map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("cabin-hmi-answers".into())
            .spawn(move || {
                while !stop2.load(Ordering::Relaxed) {
                    let Some(s) = sub.recv_timeout(Duration::from_millis(200)) else {
                        continue;
                    };
                    // Our own answers come back through the mirror: they are already in the run.
                    if s.header.source.as_str() == BRIDGE_NODE {
                        continue;
                    }
                    if let Message::UserResponse(r) = &s.message {
                        match responder.respond(r.suggestion_id, r.answer) {
                            Ok(o) => tracing::info!(from = %s.header.source, ?r, ?o, "answer from the bus"),
                            Err(e) => tracing::warn!(from = %s.header.source, ?r, "answer from the bus refused: {e}"),
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the answer thread: {e}"))?;
        Ok(Forwarder {
            stop,
            thread: Some(thread),
        })
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
