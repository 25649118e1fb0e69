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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    pub message: String,
}
