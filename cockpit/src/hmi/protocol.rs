//! The HMI's WebSocket protocol: JSON text frames both ways, plus one binary frame type for the camera.
//!
//! Server to page (text): `hello` (once per connection, then a replay of the current state), `sample`
//! (one bus sample: the same fields as the events log), `stats` (this client's queue and drops), `run`
//! (running / ended), `ack` and `error` (answers to the page's requests).
//! Page to server (text): `respond` (Accept/Decline a suggestion) and `ping`.
//! Server to page (binary): a downscaled greyscale camera image, see [`encode_camera`].
//!
//! The page is the only client we ship, but the protocol is plain and documented (docs/hmi.md) so a
//! bench tool can speak it too; anything that does not parse gets an `error` reply and changes nothing.

use axum::body::Bytes;
use cabin_bus::messages::{Answer, Message};
use cabin_bus::Sample;
use serde::{Deserialize, Serialize};

/// Version of this protocol, sent in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest message a page may send, bytes. Requests are tiny; anything bigger is refused by the socket.
pub const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

/// What a page may ask.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// The driver's answer to suggestion `suggestion_id`.
    Respond { suggestion_id: u64, answer: Answer },
    /// Liveness check; answered with `pong`.
    Ping {
        #[serde(default)]
        id: Option<u64>,
    },
}

/// Why a page's message was not understood.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProtocolError {
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("binary messages are not part of the protocol (send JSON text)")]
    Binary,
}

/// Parses one text frame from a page.
pub fn parse_client(text: &str) -> Result<ClientMessage, ProtocolError> {
    serde_json::from_str(text).map_err(|e| ProtocolError::Malformed(e.to_string()))
}

/// The `sample` frame for a bus sample: `{"type":"sample","topic":..,"src":..,"seq":..,"t":..,"msg":{..}}`.
pub fn sample_json(sample: &Sample) -> serde_json::Result<String> {
    #[derive(Serialize)]
    struct Frame<'a> {
        r#type: &'static str,
        topic: &'static str,
        src: &'a str,
        seq: u64,
        /// Sim time, seconds.
        t: f64,
        msg: serde_json::Value,
    }
    let msg = match &sample.message {
        // The page never needs raw pixels or audio as JSON; they are filtered before this, but be safe.
        Message::CameraFrame(_) | Message::AudioChunk(_) => serde_json::Value::Null,
        m => m.payload_json()?,
    };
    serde_json::to_string(&Frame {
        r#type: "sample",
        topic: sample.topic.path(),
        src: sample.header.source.as_str(),
        seq: sample.header.seq,
        t: sample.header.stamp.as_secs_f64(),
        msg,
    })
}

/// The `error` reply: what was wrong and (the start of) what was received.
pub fn error_json(code: &str, error: &str, received: Option<&str>) -> String {
    let received = received.map(|r| r.chars().take(200).collect::<String>());
    serde_json::json!({"type": "error", "code": code, "error": error, "received": received})
        .to_string()
}

/// The `ack` reply to a `respond`: `status` is `forwarded` (first answer, sent to the agent) or
/// `already_answered` (nothing sent again; `answer` is the answer that counts).
pub fn ack_json(suggestion_id: u64, answer: Answer, status: &str) -> String {
    serde_json::json!({"type": "ack", "suggestion_id": suggestion_id, "answer": answer, "status": status})
        .to_string()
}

/// Magic at the start of a binary camera frame.
pub const CAMERA_MAGIC: &[u8; 4] = b"CAM1";
/// Bytes before the pixels of a binary camera frame.
pub const CAMERA_HEADER_LEN: usize = 28;

/// A downscaled greyscale camera image, as sent to pages on localhost.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraImage {
    pub width: u16,
    pub height: u16,
    /// Size of the original frame, so overlays in original pixels can be scaled.
    pub source_width: u16,
    pub source_height: u16,
    /// Sequence number of the camera sample.
    pub seq: u64,
    /// Sim time, seconds.
    pub t: f64,
    /// `width * height` bytes, row-major.
    pub pixels: Vec<u8>,
}

/// Binary frame layout (little endian): `CAM1`, u16 width, u16 height, u16 source width, u16 source
/// height, u64 sequence, f64 sim time, then `width * height` grey bytes.
pub fn encode_camera(img: &CameraImage) -> Bytes {
    let mut out = Vec::with_capacity(CAMERA_HEADER_LEN + img.pixels.len());
    out.extend_from_slice(CAMERA_MAGIC);
    out.extend_from_slice(&img.width.to_le_bytes());
    out.extend_from_slice(&img.height.to_le_bytes());
    out.extend_from_slice(&img.source_width.to_le_bytes());
    out.extend_from_slice(&img.source_height.to_le_bytes());
    out.extend_from_slice(&img.seq.to_le_bytes());
    out.extend_from_slice(&img.t.to_le_bytes());
    out.extend_from_slice(&img.pixels);
    Bytes::from(out)
}

/// The inverse of [`encode_camera`] (tests and tools); `None` for anything that is not a camera frame.
pub fn decode_camera(b: &[u8]) -> Option<CameraImage> {
    if b.len() < CAMERA_HEADER_LEN || &b[..4] != CAMERA_MAGIC {
        return None;
    }
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let mut u64b = [0u8; 8];
    u64b.copy_from_slice(&b[12..20]);
    let mut f64b = [0u8; 8];
    f64b.copy_from_slice(&b[20..28]);
    let (width, height) = (u16_at(4), u16_at(6));
    let pixels = b[CAMERA_HEADER_LEN..].to_vec();
    if pixels.len() != width as usize * height as usize {
        return None;
    }
    Some(CameraImage {
        width,
        height,
        source_width: u16_at(8),
        source_height: u16_at(10),
        seq: u64::from_le_bytes(u64b),
        t: f64::from_le_bytes(f64b),
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_garbage_is_named() {
        assert_eq!(
            parse_client(r#"{"type":"respond","suggestion_id":3,"answer":"decline"}"#),
            Ok(ClientMessage::Respond {
                suggestion_id: 3,
                answer: Answer::Decline
            })
        );
        assert_eq!(
            parse_client(r#"{"type":"ping"}"#),
            Ok(ClientMessage::Ping { id: None })
        );
        for bad in [
            "not json",
            "{}",
            r#"{"type":"respond","suggestion_id":-1,"answer":"decline"}"#,
            r#"{"type":"respond","suggestion_id":1,"answer":"maybe"}"#,
            r#"{"type":"respond","suggestion_id":1,"answer":"accept","extra":1}"#,
            r#"{"type":"launch_missiles"}"#,
        ] {
            assert!(
                matches!(parse_client(bad), Err(ProtocolError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn camera_frames_round_trip() {
        let img = CameraImage {
            width: 4,
            height: 2,
            source_width: 640,
            source_height: 480,
            seq: 99,
            t: 12.5,
            pixels: (0..8).collect(),
        };
        let b = encode_camera(&img);
        assert_eq!(b.len(), CAMERA_HEADER_LEN + 8);
        assert_eq!(decode_camera(&b), Some(img));
        assert_eq!(decode_camera(b"CAM1"), None);
    }
}
