//! A message on a topic: topic, header and payload together.

use crate::header::Header;
use crate::messages::{Message, Payload};
use crate::topic::TopicId;
use serde::{Deserialize, Serialize};

/// One message as it travels: the topic it was published on, its header, and its payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub topic: TopicId,
    pub header: Header,
    pub message: Message,
}

impl Sample {
    /// The payload as `T`, if this sample carries one.
    pub fn get<T: Payload>(&self) -> Option<&T> {
        T::from_message(&self.message)
    }

    /// Whether the payload type is the one declared for the topic.
    pub fn is_well_typed(&self) -> bool {
        self.message.kind() == self.topic.info().kind
    }
}
