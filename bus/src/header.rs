//! The header every message carries: who sent it, its sequence number, and the vehicle time it refers to.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest node name, in bytes. Fixed so a header is a plain value with no heap allocation.
pub const NODE_NAME_MAX: usize = 32;

/// A node's name, as given in the deployment config (`camera`, `driver_state`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeName(heapless::String<NODE_NAME_MAX>);

impl NodeName {
    /// A node name; `None` when it is empty, longer than [`NODE_NAME_MAX`] bytes, or uses characters
    /// that are not allowed in a zenoh key expression chunk (only `[A-Za-z0-9_-]`).
    pub fn new(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return None;
        }
        heapless::String::try_from(s).ok().map(NodeName)
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Message header: source node, per-source sequence number, and the vehicle time the message refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub source: NodeName,
    /// Sequence number per (source, topic), starting at 0. A gap means a lost message.
    pub seq: u64,
    /// The vehicle/sim time the content refers to (e.g. a camera frame's exposure time).
    pub stamp: SimTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_are_validated() {
        assert!(NodeName::new("driver_state").is_some());
        assert!(NodeName::new("").is_none());
        assert!(NodeName::new("a/b").is_none());
        assert!(NodeName::new("*").is_none());
        assert!(NodeName::new(&"x".repeat(NODE_NAME_MAX + 1)).is_none());
    }
}
