//! The compact binary wire format.
//!
//! ```text
//! byte 0      codec version (currently 1)
//! byte 1      topic id (TopicId as u8)
//! bytes 2..   postcard(Header) ++ postcard(Message)
//! ```
//!
//! postcard is compact (varints, no field names) and its decoder is bounds-checked, so garbage gives an
//! error, never a panic. The version byte lets a future format be told apart from garbage, and the topic
//! byte lets a receiver reject a payload published on the wrong topic. Decoding checks that the payload
//! type matches the topic and that no bytes trail the message.

use crate::header::Header;
use crate::messages::{Blob, CameraFrame, Message};
use crate::sample::Sample;
use crate::topic::TopicId;
use bytes::Bytes;

/// The wire format version this build writes and reads.
pub const CODEC_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("empty buffer")]
    Empty,
    #[error("unsupported codec version {0} (this build reads version {CODEC_VERSION})")]
    Version(u8),
    #[error("unknown topic id {0}")]
    UnknownTopic(u8),
    #[error("malformed {part}: {reason}")]
    Malformed { part: &'static str, reason: String },
    #[error("{trailing} trailing bytes after the message")]
    Trailing { trailing: usize },
    #[error("a {found:?} payload does not belong on topic {topic}")]
    WrongPayload {
        topic: TopicId,
        found: crate::messages::MessageKind,
    },
    #[error("encoding failed: {0}")]
    Encode(String),
}

/// Encodes a sample into a fresh buffer.
pub fn encode(sample: &Sample) -> Result<Vec<u8>, CodecError> {
    // Sized up front so a camera frame is copied once, not re-grown.
    let mut out = Vec::with_capacity(64 + sample.message.bulk_len());
    encode_into(sample, &mut out)?;
    Ok(out)
}

/// Encodes a sample, appending to `out` (reuse the buffer to avoid an allocation per message).
pub fn encode_into(sample: &Sample, out: &mut Vec<u8>) -> Result<(), CodecError> {
    out.push(CODEC_VERSION);
    out.push(sample.topic as u8);
    let header = std::mem::take(out);
    let with_header = postcard::to_extend(&sample.header, header)
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    *out = postcard::to_extend(&sample.message, with_header)
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    Ok(())
}

/// A sample's wire bytes in two parts, so that a camera frame's pixels are never copied on the way out:
/// `prefix` is everything before the pixels, `tail` the pixels themselves, shared with the sample.
/// `prefix ++ tail` is [`encode`]'s output byte for byte (tested), so receivers cannot tell the difference.
pub struct WireParts {
    pub prefix: Vec<u8>,
    pub tail: Option<Bytes>,
}

/// Encodes a sample as [`WireParts`]. The pixels are the last field of the last thing encoded, so the
/// frame is encoded without them, the empty length is replaced by the real one, and the pixels follow.
pub fn encode_parts(sample: &Sample) -> Result<WireParts, CodecError> {
    let Message::CameraFrame(frame) = &sample.message else {
        return Ok(WireParts {
            prefix: encode(sample)?,
            tail: None,
        });
    };
    let hollow = Sample {
        topic: sample.topic,
        header: sample.header.clone(),
        message: Message::CameraFrame(CameraFrame {
            data: Blob::default(),
            ..frame.clone()
        }),
    };
    let mut prefix = encode(&hollow)?;
    // postcard writes a byte string's length as a varint (LEB128), the same bytes as a u64 varint.
    if prefix.pop() != Some(0) {
        return Err(CodecError::Encode(
            "camera frame: pixels are not the last field".into(),
        ));
    }
    let prefix = postcard::to_extend(&(frame.data.len() as u64), prefix)
        .map_err(|e| CodecError::Encode(e.to_string()))?;
    Ok(WireParts {
        prefix,
        tail: Some(frame.data.to_bytes()),
    })
}

/// Decodes a sample from a shared buffer: a camera frame's pixels become a slice of `bytes` (a
/// reference-count increment), not a copy. Same checks and errors as [`decode`].
pub fn decode_shared(bytes: &Bytes) -> Result<Sample, CodecError> {
    crate::messages::decode_from(bytes, decode)
}

/// Decodes the fixed part of a payload (codec version, topic, header) and returns the rest, the encoded
/// message. Cheap (no allocation): a receiver can check where a payload belongs before decoding it.
pub fn decode_header(bytes: &[u8]) -> Result<(TopicId, Header, &[u8]), CodecError> {
    let (&version, rest) = bytes.split_first().ok_or(CodecError::Empty)?;
    if version != CODEC_VERSION {
        return Err(CodecError::Version(version));
    }
    // `ok_or_else`: the error (and its `String`) is built only on failure, not on every decode.
    let (&topic_byte, rest) = rest.split_first().ok_or_else(|| CodecError::Malformed {
        part: "topic",
        reason: "missing".into(),
    })?;
    let topic = TopicId::from_u8(topic_byte).ok_or(CodecError::UnknownTopic(topic_byte))?;
    let (header, rest): (Header, _) =
        postcard::take_from_bytes(rest).map_err(|e| CodecError::Malformed {
            part: "header",
            reason: e.to_string(),
        })?;
    Ok((topic, header, rest))
}

/// Decodes a sample. Any input, however malformed, gives `Ok` or a [`CodecError`]: never a panic.
pub fn decode(bytes: &[u8]) -> Result<Sample, CodecError> {
    let (topic, header, rest) = decode_header(bytes)?;
    let (message, rest): (Message, _) =
        postcard::take_from_bytes(rest).map_err(|e| CodecError::Malformed {
            part: "payload",
            reason: e.to_string(),
        })?;
    if !rest.is_empty() {
        return Err(CodecError::Trailing {
            trailing: rest.len(),
        });
    }
    let sample = Sample {
        topic,
        header,
        message,
    };
    if !sample.is_well_typed() {
        return Err(CodecError::WrongPayload {
            topic,
            found: sample.message.kind(),
        });
    }
    Ok(sample)
}
