//! Errors of the bus crate.

use crate::codec::CodecError;
use crate::topic::TopicId;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("codec: {0}")]
    Codec(#[from] CodecError),
    #[error("a {found:?} payload cannot be published on {topic}")]
    WrongPayload {
        topic: TopicId,
        found: crate::messages::MessageKind,
    },
    #[error("queue of subscriber '{subscriber}' on {topic} is full ({capacity} messages): message refused")]
    Overflow {
        topic: TopicId,
        subscriber: String,
        capacity: usize,
    },
    #[error("zenoh: {0}")]
    Zenoh(String),
    #[error("invalid name '{0}': use 1-32 characters of [A-Za-z0-9_-]")]
    InvalidName(String),
    #[error("bus is closed")]
    Closed,
}

pub type Result<T, E = BusError> = std::result::Result<T, E>;
