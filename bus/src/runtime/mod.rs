//! The runtime: the [`Node`] contract and two executors that run nodes.
//!
//! - [`DeterministicExecutor`]: lock-step on a logical clock; byte-identical results whatever the worker
//!   count or pacing. Simulation, replay, regression, HIL pacing.
//! - [`LiveExecutor`]: on tokio, inputs from a live [`Bus`](crate::Bus); for deployment on ECUs.

mod deterministic;
mod events;
mod live;
mod node;
mod registry;
pub mod resources;
#[cfg(test)]
mod stamp_tests;
mod stats;

pub use deterministic::{DeterministicExecutor, ExecutorOptions, Observer, Pacing, RunReport};
pub use events::EventLog;
pub use live::{LiveExecutor, LiveOptions};
pub use node::{Context, Node, NodeError, NodeResult, StampError};
pub use registry::{NodeConstructor, Registry};
pub use stats::{StepStats, StepSummary};
