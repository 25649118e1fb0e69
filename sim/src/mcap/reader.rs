//! Reading a recording back: the exact bus samples, in recorded order, up to any damage.
//!
//! Samples come from the raw channels (`cabin-codec-v1`); camera pixels are re-attached from the image
//! view written just before each frame. The file is streamed (memory bounded by one chunk), chunk CRCs
//! are checked before a chunk's messages are used, and the first damage (a truncated file, a corrupt
//! chunk) ends the stream with a message saying where: everything before it is replayed. A single
//! undecodable message is skipped and reported, and reading goes on.

use super::recorder::{RAW_ENCODING, RAW_PREFIX, RECORDING_TOPIC};
use super::view;
use crate::error::{Result, SimError};
use cabin_bus::codec;
use cabin_bus::messages::{Blob, Message};
use cabin_bus::sample::Sample;
use cabin_bus::time::SimTime;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One thing read from a recording.
#[derive(Debug)]
pub enum ReadItem {
    Sample(Arc<Sample>),
    /// A message that could not be used (reading goes on).
    Skipped(String),
}

/// Streams a recording.
pub struct RecordingReader {
    inner: mcap::io::MessageReader<BufReader<File>>,
    path: PathBuf,
    /// The latest camera image view: (sequence, log time, JSON).
    image: Option<(u32, u64, Vec<u8>)>,
    /// The start marker's `info`.
    pub info: Option<serde_json::Value>,
    /// The run's end time, from the end marker.
    pub end: Option<SimTime>,
    /// Why reading stopped early, if it did.
    pub damage: Option<String>,
    /// Vehicle time of the last sample read.
    pub last_stamp: Option<SimTime>,
    pub samples_read: u64,
    done: bool,
}

const MAGIC: &[u8] = b"\x89MCAP0\r\n";

impl RecordingReader {
    pub fn open(path: &Path) -> Result<RecordingReader> {
        let mut file = File::open(path).map_err(|e| SimError::io(path, e))?;
        let mut magic = [0u8; 8];
        let n = file.read(&mut magic).map_err(|e| SimError::io(path, e))?;
        if n < MAGIC.len() || magic != MAGIC {
            return Err(SimError::Mcap {
                path: path.to_path_buf(),
                message: "not an MCAP file (bad magic)".into(),
            });
        }
        let file = File::open(path).map_err(|e| SimError::io(path, e))?;
        let options = mcap::sans_io::LinearReaderOptions::default()
            .with_prevalidate_chunk_crcs(true)
            .with_record_length_limit(1 << 30);
        Ok(RecordingReader {
            inner: mcap::io::MessageReader::new_with_options(
                BufReader::with_capacity(1 << 20, file),
                options,
            ),
            path: path.to_path_buf(),
            image: None,
            info: None,
            end: None,
            damage: None,
            last_stamp: None,
            samples_read: 0,
            done: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next sample or skipped message; `None` at the end of the file or at the first damage
    /// (then [`RecordingReader::damage`] says what and where).
    pub fn next_item(&mut self) -> Option<ReadItem> {
        while !self.done {
            let msg = match self.inner.next() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Err(e)) => {
                    self.done = true;
                    let at = self.last_stamp.map_or_else(
                        || "the start".to_string(),
                        |t| format!("{t} (vehicle time)"),
                    );
                    self.damage = Some(format!(
                        "{}: damaged after {} samples, last at {at}: {e}",
                        self.path.display(),
                        self.samples_read
                    ));
                    return None;
                }
                Some(Ok(m)) => m,
            };
            let topic = msg.channel.topic.as_str();
            if topic == RECORDING_TOPIC {
                self.marker(&msg.data);
                continue;
            }
            if let Some(path) = topic.strip_prefix(RAW_PREFIX) {
                if msg.channel.message_encoding != RAW_ENCODING {
                    return Some(ReadItem::Skipped(format!(
                        "{topic}: unknown encoding {}",
                        msg.channel.message_encoding
                    )));
                }
                return Some(self.raw(path, msg.sequence, msg.log_time, &msg.data));
            }
            if topic == "/sensors/camera" {
                self.image = Some((msg.sequence, msg.log_time, msg.data.into_owned()));
            }
        }
        None
    }

    fn marker(&mut self, data: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
            return;
        };
        match v.get("event").and_then(|e| e.as_str()) {
            Some("start") => self.info = v.get("info").cloned(),
            Some("end") => {
                self.end = v
                    .get("end_ns")
                    .and_then(|e| e.as_u64())
                    .map(SimTime::from_nanos)
            }
            _ => {}
        }
    }

    fn raw(&mut self, path: &str, sequence: u32, log_time: u64, data: &[u8]) -> ReadItem {
        let mut sample = match codec::decode(data) {
            Ok(s) => s,
            Err(e) => return ReadItem::Skipped(format!("{path} seq {sequence}: undecodable: {e}")),
        };
        if sample.topic.path() != path {
            return ReadItem::Skipped(format!(
                "{path} seq {sequence}: the message says it belongs on {}",
                sample.topic
            ));
        }
        if let Message::CameraFrame(f) = &mut sample.message {
            if f.data.is_empty() {
                match self.image.take() {
                    Some((seq, t, view)) if seq == sequence && t == log_time => {
                        match view::pixels_from_view(&view, f) {
                            Ok(px) => f.data = Blob::from(px),
                            Err(e) => {
                                return ReadItem::Skipped(format!(
                                    "camera frame seq {sequence}: {e}"
                                ))
                            }
                        }
                    }
                    _ => {
                        return ReadItem::Skipped(format!(
                            "camera frame seq {sequence}: its image is missing"
                        ))
                    }
                }
            }
        }
        self.samples_read += 1;
        self.last_stamp = Some(sample.header.stamp);
        ReadItem::Sample(Arc::new(sample))
    }
}

/// A whole recording in memory (tests, tools).
#[derive(Debug, Default)]
pub struct Recording {
    pub samples: Vec<Arc<Sample>>,
    pub skipped: Vec<String>,
    pub end: Option<SimTime>,
    pub info: Option<serde_json::Value>,
    pub damage: Option<String>,
}

/// Reads a whole recording (up to any damage).
pub fn read_recording(path: &Path) -> Result<Recording> {
    let mut r = RecordingReader::open(path)?;
    let mut rec = Recording::default();
    while let Some(item) = r.next_item() {
        match item {
            ReadItem::Sample(s) => rec.samples.push(s),
            ReadItem::Skipped(why) => rec.skipped.push(why),
        }
    }
    rec.end = r.end;
    rec.info = r.info.take();
    rec.damage = r.damage.take();
    Ok(rec)
}
