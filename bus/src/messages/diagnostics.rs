//! Health reports from nodes and the runtime.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// What a diagnostic is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// A node step returned an error; the node keeps running.
    NodeError { node: String },
    /// A node step panicked; the panic was contained and the node keeps running.
    NodePanic { node: String },
    /// Input was rejected (corrupt frame, malformed message, NaN samples...).
    InputRejected { node: String, topic: String },
    /// A bounded queue overflowed: `dropped` messages lost in total so far.
    QueueOverflow {
        topic: String,
        subscriber: String,
        dropped: u64,
    },
    /// A message could not be decoded.
    DecodeError { topic: String },
    /// Step timing for a node (live mode): wall-clock figures, never in the events log.
    StepTiming {
        node: String,
        steps: u64,
        p50_us: u32,
        p99_us: u32,
        max_us: u32,
        deadline_misses: u64,
    },
    /// What the process costs (live mode), every diagnostics period: resident memory split into
    /// anonymous (heap, arenas, stacks) and file-backed pages (binary, libraries, memory-mapped model
    /// weights), peak RSS, threads, and CPU time with its share of one core since the last report
    /// (permille: 1000 = one core busy). Wall-clock figures, never in the events log.
    ProcessResources {
        process: String,
        pid: u32,
        rss_kib: u64,
        peak_rss_kib: u64,
        anon_kib: u64,
        file_kib: u64,
        threads: u32,
        cpu_ms: u64,
        cpu_permille: u32,
    },
    /// CPU time of one node's steps (the thread that ran them; helper threads a step wakes count in the
    /// process figure), in total and as a share of one core since the last report.
    NodeResources {
        node: String,
        steps: u64,
        cpu_ms: u64,
        cpu_permille: u32,
    },
    /// A process of the deployment supervised by `cabin launch` started, exited, is restarting after a
    /// back-off, was given up on after too many fast crashes, or was stopped. `message` says why.
    Supervisor {
        process: String,
        event: ProcessEvent,
        /// The child's process id (started, exited).
        pid: Option<u32>,
        /// Restarts of this process so far.
        restarts: u32,
    },
}

/// What happened to a supervised process (`cabin launch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessEvent {
    Started,
    Exited,
    Restarting,
    GaveUp,
    Stopped,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    pub message: String,
}
