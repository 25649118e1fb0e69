//! When the agent may speak and what it proposes: a pure, explainable policy over the driver gate
//! (alerts, driver state), the ranked candidates and the cabin air, and the driver's answers by touch or
//! voice. See [`decide`] for the rules and [`answer`] for how a spoken yes or no is read.

pub mod answer;
pub mod decide;
mod gate;

pub use answer::{read_answer, SpokenAnswer};
pub use decide::{
    AnswerHow, AnswerOutcome, AnswerRefused, Heard, Policy, PolicyConfig, Proposal, Situation,
    Verdict,
};
pub use gate::{DriverGate, GateConfig};
