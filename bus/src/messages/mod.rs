//! Message types for every topic of the stack, grouped by domain.
//!
//! The payload structs are plain data with serde; the [`Header`](crate::Header) travels beside them in a
//! [`Sample`](crate::Sample). [`Message`] is the closed set of payloads, so a subscriber can `match` on it
//! and the codec can reject a payload that does not belong on a topic.
//!
//! Wire-format rule: no `#[serde(tag = ..)]`, `#[serde(untagged)]` or `#[serde(flatten)]` in message types —
//! postcard is not self-describing and cannot decode them (the codec round-trip test catches it).

mod agent;
mod biometrics;
mod blob;
mod camera;
mod diagnostics;
mod driver;
mod face;
mod opening_hours;
mod speech;
mod vehicle;

pub use agent::*;
pub use biometrics::*;
pub(crate) use blob::decode_from;
pub use blob::Blob;
pub use camera::*;
pub use diagnostics::*;
pub use driver::*;
pub use face::*;
pub use opening_hours::OpeningHours;
pub use speech::*;
pub use vehicle::*;

use serde::{Deserialize, Serialize};

/// A payload type that can travel on the bus.
pub trait Payload: Sized + Send + Sync + 'static {
    /// Which [`Message`] variant this type is.
    const KIND: MessageKind;
    fn into_message(self) -> Message;
    fn from_message(m: &Message) -> Option<&Self>;
}

macro_rules! messages {
    ($($variant:ident),* $(,)?) => {
        /// Any payload that can travel on the bus.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum Message {
            $($variant($variant),)*
        }

        /// The type of a [`Message`], without its content.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum MessageKind {
            $($variant,)*
        }

        impl Message {
            pub fn kind(&self) -> MessageKind {
                match self {
                    $(Message::$variant(_) => MessageKind::$variant,)*
                }
            }

            /// Bytes of bulk data (pixels, samples) in the payload: a size hint for encoders.
            pub fn bulk_len(&self) -> usize {
                match self {
                    Message::CameraFrame(f) => f.data.len(),
                    Message::AudioChunk(a) => a.samples.len() * 4,
                    Message::BiometricChunk(b) => b.samples.len() * 4,
                    _ => 0,
                }
            }

            /// The payload alone as JSON (no variant tag): what the events log and the HMI show.
            pub fn payload_json(&self) -> serde_json::Result<serde_json::Value> {
                match self {
                    $(Message::$variant(m) => serde_json::to_value(m),)*
                }
            }

            /// Parses a payload of the given kind from JSON (the inverse of [`Message::payload_json`]).
            pub fn from_payload_json(kind: MessageKind, v: serde_json::Value) -> serde_json::Result<Message> {
                Ok(match kind {
                    $(MessageKind::$variant => Message::$variant(serde_json::from_value(v)?),)*
                })
            }
        }

        $(
            impl Payload for $variant {
                const KIND: MessageKind = MessageKind::$variant;
                fn into_message(self) -> Message {
                    Message::$variant(self)
                }
                fn from_message(m: &Message) -> Option<&Self> {
                    match m {
                        Message::$variant(x) => Some(x),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )*
    };
}

messages! {
    CameraFrame,
    DriverGroundTruth,
    BiometricChunk,
    HeartState,
    FaceObservation,
    DriverState,
    Alert,
    AudioChunk,
    Utterance,
    VehicleState,
    Route,
    CabinEnvironment,
    PoiSet,
    InterestSet,
    Suggestion,
    UserResponse,
    AgentDecision,
    Diagnostic,
}
