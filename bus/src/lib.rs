//! # cabin-bus
//!
//! The bottom of the cabin stack: every message type, the wire codec, the zenoh and in-process
//! transports, the deployment config, and the runtime that runs nodes deterministically (simulation,
//! replay, HIL) or live (vehicle).
//!
//! The data path of the product, as topics:
//!
//! ```text
//! sensors/camera -> perception/face -> perception/driver_state -> perception/alert
//! sensors/ecg,ppg -> perception/heart ----^                        |
//! sensors/audio -> agent/utterance -> agent/interests -> agent/suggestion (gated by driver state)
//! vehicle/state, map/pois ----------------------------^          hmi/response (accept/decline)
//! ```

pub mod assets;
pub mod audio_file;
pub mod codec;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fixtures;
pub mod header;
pub mod messages;
pub mod poi_file;
pub mod queue;
pub mod runtime;
pub mod sample;
pub mod security;
pub mod time;
pub mod topic;
pub mod transport;

pub use error::{BusError, Result};
pub use header::{Header, NodeName};
pub use sample::Sample;
pub use time::{SimDuration, SimTime};
pub use topic::{topics, QueuePolicy, Topic, TopicId};
pub use transport::{
    Bus, InProcess, Subscription, Transport, ZenohConfig, ZenohMode, ZenohTransport,
};

/// Everything a node implementation needs.
pub mod prelude {
    pub use crate::config::NodeSpec;
    pub use crate::header::{Header, NodeName};
    pub use crate::messages::*;
    pub use crate::runtime::{Context, Node, NodeError, NodeResult};
    pub use crate::sample::Sample;
    pub use crate::time::{SimDuration, SimTime};
    pub use crate::topic::{topics, Topic, TopicId};
}
