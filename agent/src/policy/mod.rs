//! When the agent may speak and what it proposes: a pure, explainable policy over the driver gate
//! (alerts, driver state), the ranked candidates and the cabin air. See [`decide`] for the rules.

pub mod decide;
mod gate;

pub use decide::{AnswerOutcome, Policy, PolicyConfig, Proposal, Situation, Verdict};
pub use gate::{DriverGate, GateConfig};
