//! The assistant as one node: [`AgentNode`] (`kind = "agent"`) wires interests, POI matching, the
//! policy and a language backend to the bus; [`AgentCore`] is the same logic without the bus.

mod config;
mod core;
mod node;

pub use self::core::{AgentCore, Outputs, Unphrased};
pub use config::{AgentConfig, BackendKind, PreferenceMode};
pub use node::{build_backend, AgentNode, PHRASE_AFTER};
