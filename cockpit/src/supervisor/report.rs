//! Where the supervisor says what happened to its processes: a tracing event (the launch's own log,
//! journald on an ECU) and a `Supervisor` diagnostic on the bus (the HMI, `cabin echo diagnostics`, the
//! fleet's logs).

use cabin_bus::messages::{Diagnostic, DiagnosticKind, ProcessEvent, Severity};
use cabin_bus::{topics, Bus, NodeName, SimTime};

/// The source name of the supervisor's diagnostics.
pub const SUPERVISOR_NAME: &str = "launch";

/// One event of one supervised process.
#[derive(Clone, Debug)]
pub struct ProcessReport<'a> {
    pub process: &'a str,
    pub event: ProcessEvent,
    pub pid: Option<u32>,
    pub restarts: u32,
    pub message: String,
}

/// Reports process events; cheap to clone.
#[derive(Clone)]
pub struct Reporter {
    bus: Option<Bus>,
    me: NodeName,
}

impl Reporter {
    /// Reports to `bus` when there is one (else to the log only).
    pub fn new(bus: Option<Bus>) -> Self {
        Reporter {
            bus,
            me: NodeName::new(SUPERVISOR_NAME).unwrap_or_default(),
        }
    }

    pub fn report(&self, r: ProcessReport<'_>) {
        let severity = severity(r.event);
        match severity {
            Severity::Info => {
                tracing::info!(process = r.process, event = ?r.event, pid = ?r.pid, restarts = r.restarts, "{}", r.message)
            }
            Severity::Warning => {
                tracing::warn!(process = r.process, event = ?r.event, pid = ?r.pid, restarts = r.restarts, "{}", r.message)
            }
            Severity::Error => {
                tracing::error!(process = r.process, event = ?r.event, pid = ?r.pid, restarts = r.restarts, "{}", r.message)
            }
        }
        let Some(bus) = &self.bus else { return };
        let d = Diagnostic {
            severity,
            kind: DiagnosticKind::Supervisor {
                process: r.process.to_string(),
                event: r.event,
                pid: r.pid,
                restarts: r.restarts,
            },
            message: r.message,
        };
        // The supervisor has no drive clock (it runs no node): stamp zero, as the live runtime's health
        // reports are.
        if let Err(e) = bus.publish(&self.me, topics::DIAGNOSTICS, SimTime::ZERO, d) {
            tracing::warn!("cannot publish the supervisor's diagnostic: {e}");
        }
    }
}

/// An exit is a warning (it will be restarted), giving up an error.
fn severity(event: ProcessEvent) -> Severity {
    match event {
        ProcessEvent::Started | ProcessEvent::Stopped => Severity::Info,
        ProcessEvent::Exited | ProcessEvent::Restarting => Severity::Warning,
        ProcessEvent::GaveUp => Severity::Error,
    }
}
