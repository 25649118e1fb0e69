//! The events log: every derived output as one JSON line, with its vehicle time.
//!
//! It holds only what is derived from the inputs (no wall-clock times, no random ids), so two runs of the
//! same input compare byte for byte, and its SHA-256 is the run's fingerprint.
//!
//! ```text
//! {"t_ns":12300000000,"topic":"perception/alert","src":"driver_state","seq":3,"msg":{...}}
//! ```

use crate::header::{Header, NodeName};
use crate::messages::{Message, MessageKind};
use crate::sample::Sample;
use crate::time::SimTime;
use crate::topic::TopicId;
use sha2::{Digest, Sha256};
use std::io::Write;

/// Writes derived samples as JSON Lines and hashes what it wrote.
pub struct EventLog {
    out: Option<Box<dyn Write + Send>>,
    hasher: Sha256,
    lines: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Line {
    t_ns: u64,
    topic: String,
    src: String,
    seq: u64,
    msg: serde_json::Value,
}

impl EventLog {
    /// A log that only hashes (no file).
    pub fn hash_only() -> Self {
        EventLog {
            out: None,
            hasher: Sha256::new(),
            lines: 0,
        }
    }

    /// A log written to `out` (buffered by the caller if it wants).
    pub fn to_writer(out: Box<dyn Write + Send>) -> Self {
        EventLog {
            out: Some(out),
            hasher: Sha256::new(),
            lines: 0,
        }
    }

    /// Whether a sample belongs in the events log.
    pub fn wants(sample: &Sample) -> bool {
        sample.topic.info().derived
    }

    /// The JSON line for a sample (without the newline).
    pub fn line(sample: &Sample) -> serde_json::Result<String> {
        serde_json::to_string(&Line {
            t_ns: sample.header.stamp.as_nanos(),
            topic: sample.topic.path().to_string(),
            src: sample.header.source.to_string(),
            seq: sample.header.seq,
            msg: sample.message.payload_json()?,
        })
    }

    /// Parses one line back into a sample (for scoring and tests).
    pub fn parse_line(line: &str) -> Result<Sample, String> {
        let l: Line = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let topic =
            TopicId::from_path(&l.topic).ok_or_else(|| format!("unknown topic {}", l.topic))?;
        let kind: MessageKind = topic.info().kind;
        let message = Message::from_payload_json(kind, l.msg).map_err(|e| e.to_string())?;
        let source = NodeName::new(&l.src).ok_or_else(|| format!("bad source {}", l.src))?;
        Ok(Sample {
            topic,
            header: Header {
                source,
                seq: l.seq,
                stamp: SimTime(l.t_ns),
            },
            message,
        })
    }

    /// Logs a sample if it is derived. I/O errors are returned, not swallowed.
    pub fn record(&mut self, sample: &Sample) -> std::io::Result<()> {
        if !Self::wants(sample) {
            return Ok(());
        }
        let mut line = Self::line(sample).map_err(std::io::Error::other)?;
        line.push('\n');
        self.hasher.update(line.as_bytes());
        self.lines += 1;
        if let Some(out) = self.out.as_mut() {
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Flushes and returns the SHA-256 (hex) of everything logged.
    pub fn finish(mut self) -> std::io::Result<String> {
        if let Some(out) = self.out.as_mut() {
            out.flush()?;
        }
        Ok(hex::encode(self.hasher.finalize()))
    }
}
