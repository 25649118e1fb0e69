//! Node kinds by name, so a deployment config can say `kind = "camera"` and get a camera node.

use super::node::{Node, NodeError};
use crate::config::NodeSpec;
use std::collections::BTreeMap;

/// Builds a node from its spec (name, rate, typed params).
pub type NodeConstructor = fn(&NodeSpec) -> Result<Box<dyn Node>, NodeError>;

/// The node kinds a binary knows.
#[derive(Default, Clone)]
pub struct Registry {
    kinds: BTreeMap<&'static str, (NodeConstructor, &'static str)>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `kind`, with a one-line description for `cabin nodes`.
    pub fn register(
        &mut self,
        kind: &'static str,
        description: &'static str,
        constructor: NodeConstructor,
    ) -> &mut Self {
        self.kinds.insert(kind, (constructor, description));
        self
    }

    /// Builds the node a spec describes. An unknown kind names the file and line.
    pub fn build(&self, spec: &NodeSpec) -> Result<Box<dyn Node>, NodeError> {
        let (ctor, _) = self
            .kinds
            .get(spec.kind.as_str())
            .ok_or_else(|| NodeError::Config {
                node: spec.name.to_string(),
                reason: format!(
                    "{}:{}: unknown kind '{}' (known: {})",
                    spec.file,
                    spec.line,
                    spec.kind,
                    self.kinds.keys().copied().collect::<Vec<_>>().join(", ")
                ),
            })?;
        ctor(spec)
    }

    /// `(kind, description)` pairs, sorted.
    pub fn kinds(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.kinds.iter().map(|(k, (_, d))| (*k, *d))
    }
}

impl From<crate::config::ConfigError> for NodeError {
    fn from(e: crate::config::ConfigError) -> Self {
        NodeError::Config {
            node: e.key.clone(),
            reason: e.to_string(),
        }
    }
}
