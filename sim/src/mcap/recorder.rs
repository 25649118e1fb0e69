//! Recording a run to MCAP.
//!
//! Every sample gets two records:
//! - a **view** on the topic's own channel (`/perception/alert`, `/sensors/camera`, ...) with a JSON
//!   schema Foxglove understands (see [`super::view`]), for looking at a run;
//! - the **exact bus message** on a raw channel (`/cabin_raw/perception/alert`, encoding
//!   `cabin-codec-v1`: the bytes of `cabin_bus::codec::encode`, header and all), so replay is lossless.
//!   For camera frames the raw record carries the frame without its pixels; the pixels are the
//!   view's PNG (lossless) written just before it with the same sequence number.
//!
//! Log and publish times are vehicle time (ns). A `/cabin/recording` channel marks the start and end of
//! the run (the end time lets a replay stop exactly where the run stopped). Encoding and compression
//! run on a writer thread behind a bounded queue. By default a full queue makes `write` wait (nothing is
//! lost; the run slows down); with `block_when_full = false` (a paced HIL run that must not stall) a
//! full queue drops the sample — counted per topic and reported, never silent. Write errors (disk full)
//! are counted the same way.

use super::view::{self, CameraEncoding, SchemaSpec};
use crate::error::{Result, SimError};
use cabin_bus::codec;
use cabin_bus::messages::{Blob, Message};
use cabin_bus::sample::Sample;
use cabin_bus::time::SimTime;
use cabin_bus::topic::TopicId;
use crossbeam_channel::{bounded, Sender, TrySendError};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Message encoding of the raw channels.
pub const RAW_ENCODING: &str = "cabin-codec-v1";
/// Prefix of the raw channels' topics.
pub const RAW_PREFIX: &str = "/cabin_raw/";
/// The run's start/end markers.
pub const RECORDING_TOPIC: &str = "/cabin/recording";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkCompression {
    Zstd,
    Lz4,
    None,
}

#[derive(Clone, Debug)]
pub struct RecorderOptions {
    pub camera: CameraEncoding,
    pub compression: ChunkCompression,
    /// Samples queued for the writer thread.
    pub queue: usize,
    /// Wait when the queue is full (lossless) instead of dropping (counted).
    pub block_when_full: bool,
    /// Free-form description stored in the start marker and MCAP metadata (scenario, deployment).
    pub info: BTreeMap<String, String>,
}

impl Default for RecorderOptions {
    fn default() -> Self {
        RecorderOptions {
            camera: CameraEncoding::Png,
            compression: ChunkCompression::Zstd,
            queue: 256,
            block_when_full: true,
            info: BTreeMap::new(),
        }
    }
}

/// What a recording holds, and what it lost.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RecordReport {
    pub path: PathBuf,
    /// Samples written, per topic path.
    pub written: BTreeMap<String, u64>,
    /// Samples lost, per topic path (queue full, encoding failed, write failed, recorder closed).
    pub dropped: BTreeMap<String, u64>,
    /// The first few problems, in words.
    pub problems: Vec<String>,
    pub bytes: u64,
    /// Vehicle time of the end marker.
    pub end_ns: Option<u64>,
}

impl RecordReport {
    pub fn total_written(&self) -> u64 {
        self.written.values().sum()
    }
    pub fn total_dropped(&self) -> u64 {
        self.dropped.values().sum()
    }
}

enum Cmd {
    Sample(Arc<Sample>),
    End(Option<SimTime>),
}

struct Shared {
    tx: Option<Sender<Cmd>>,
    /// Drops seen on the writing side (queue full, closed).
    dropped: BTreeMap<String, u64>,
}

/// Records samples to an MCAP file. Cheap to clone: clones feed the same file.
#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Mutex<Shared>>,
    block: bool,
    handle: Arc<Mutex<Option<JoinHandle<RecordReport>>>>,
}

impl Recorder {
    /// Creates `path` and starts the writer thread.
    pub fn create(path: &Path, options: RecorderOptions) -> Result<Recorder> {
        let file = File::create(path).map_err(|e| SimError::io(path, e))?;
        let compression = match options.compression {
            ChunkCompression::Zstd => Some(mcap::Compression::Zstd),
            ChunkCompression::Lz4 => Some(mcap::Compression::Lz4),
            ChunkCompression::None => None,
        };
        let mcap_err = |e: mcap::McapError| SimError::Mcap {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let writer = mcap::WriteOptions::new()
            .compression(compression)
            .profile("")
            .library(format!("cabin-sim {}", env!("CARGO_PKG_VERSION")))
            .create(BufWriter::with_capacity(1 << 20, file))
            .map_err(mcap_err)?;
        let (tx, rx) = bounded::<Cmd>(options.queue.max(1));
        let mut state = WriterState::new(writer, path.to_path_buf(), options.clone());
        state.start().map_err(|m| SimError::Mcap {
            path: path.to_path_buf(),
            message: m,
        })?;
        let handle = std::thread::Builder::new()
            .name("mcap-writer".into())
            .spawn(move || {
                let mut end = None;
                for cmd in rx {
                    match cmd {
                        Cmd::Sample(s) => state.write(&s),
                        Cmd::End(t) => end = t,
                    }
                }
                state.finish(end)
            })
            .map_err(|e| SimError::io(path, e))?;
        Ok(Recorder {
            shared: Arc::new(Mutex::new(Shared {
                tx: Some(tx),
                dropped: BTreeMap::new(),
            })),
            block: options.block_when_full,
            handle: Arc::new(Mutex::new(Some(handle))),
        })
    }

    /// Queues a sample (call it from `exec.observe`). Never fails: a lost sample is counted.
    pub fn write(&self, sample: &Arc<Sample>) {
        let mut shared = self.shared.lock();
        let reason = match &shared.tx {
            None => Some(()),
            Some(tx) => {
                let cmd = Cmd::Sample(sample.clone());
                let sent = if self.block {
                    tx.send(cmd).is_ok()
                } else {
                    match tx.try_send(cmd) {
                        Ok(()) => true,
                        Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
                    }
                };
                (!sent).then_some(())
            }
        };
        if reason.is_some() {
            *shared
                .dropped
                .entry(sample.topic.path().to_string())
                .or_default() += 1;
        }
    }

    /// Writes the end marker (the run's end time, if known), closes the file and reports.
    pub fn finish(&self, end: Option<SimTime>) -> Result<RecordReport> {
        let tx = self.shared.lock().tx.take();
        if let Some(tx) = tx {
            let _ = tx.send(Cmd::End(end));
        }
        let handle = self.handle.lock().take();
        let mut report = match handle {
            Some(h) => h
                .join()
                .map_err(|_| SimError::Other("the MCAP writer thread panicked".into()))?,
            None => return Err(SimError::Other("recorder already finished".into())),
        };
        for (topic, n) in std::mem::take(&mut self.shared.lock().dropped) {
            *report.dropped.entry(topic.clone()).or_default() += n;
            if report.problems.len() < 10 {
                report.problems.push(format!(
                    "{n} sample(s) on {topic} not queued (queue full or recorder closed)"
                ));
            }
        }
        if report.total_dropped() > 0 {
            tracing::warn!(path = %report.path.display(), dropped = report.total_dropped(), "recording lost samples: {:?}", report.dropped);
        }
        Ok(report)
    }
}

struct WriterState {
    writer: Option<mcap::Writer<BufWriter<File>>>,
    path: PathBuf,
    options: RecorderOptions,
    view_channels: HashMap<TopicId, u16>,
    raw_channels: HashMap<TopicId, u16>,
    marker_channel: u16,
    report: RecordReport,
    broken: Option<String>,
}

impl WriterState {
    fn new(writer: mcap::Writer<BufWriter<File>>, path: PathBuf, options: RecorderOptions) -> Self {
        WriterState {
            writer: Some(writer),
            report: RecordReport {
                path: path.clone(),
                ..Default::default()
            },
            path,
            options,
            view_channels: HashMap::new(),
            raw_channels: HashMap::new(),
            marker_channel: 0,
            broken: None,
        }
    }

    fn w(&mut self) -> std::result::Result<&mut mcap::Writer<BufWriter<File>>, String> {
        self.writer
            .as_mut()
            .ok_or_else(|| "writer closed".to_string())
    }

    fn start(&mut self) -> std::result::Result<(), String> {
        let schema = json!({"title": "cabin.RecordingMarker", "type": "object", "properties": {
            "event": {"type": "string"}, "end_ns": {"type": "integer"}, "info": {"type": "object"}}});
        let w = self.w()?;
        let sid = w
            .add_schema(
                "cabin.RecordingMarker",
                "jsonschema",
                schema.to_string().as_bytes(),
            )
            .map_err(|e| e.to_string())?;
        let cid = w
            .add_channel(sid, RECORDING_TOPIC, "json", &BTreeMap::new())
            .map_err(|e| e.to_string())?;
        self.marker_channel = cid;
        let info = self.options.info.clone();
        let camera = self.options.camera;
        let body = json!({"event": "start", "info": info, "camera": camera}).to_string();
        let w = self.w()?;
        w.write_to_known_channel(
            &mcap::records::MessageHeader {
                channel_id: cid,
                sequence: 0,
                log_time: 0,
                publish_time: 0,
            },
            body.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
        w.write_metadata(&mcap::records::Metadata {
            name: "cabin".into(),
            metadata: info,
        })
        .map_err(|e| e.to_string())?;
        Ok(())
    }

    fn drop_sample(&mut self, sample: &Sample, why: String) {
        *self
            .report
            .dropped
            .entry(sample.topic.path().to_string())
            .or_default() += 1;
        if self.report.problems.len() < 10 {
            self.report.problems.push(format!(
                "{} seq {} at {}: {why}",
                sample.topic, sample.header.seq, sample.header.stamp
            ));
        }
    }

    fn write(&mut self, sample: &Sample) {
        if let Some(why) = self.broken.clone() {
            self.drop_sample(sample, format!("not written: {why}"));
            return;
        }
        match self.try_write(sample) {
            Ok(()) => {
                *self
                    .report
                    .written
                    .entry(sample.topic.path().to_string())
                    .or_default() += 1
            }
            Err(Failure::Sample(why)) => self.drop_sample(sample, why),
            Err(Failure::File(why)) => {
                tracing::error!(path = %self.path.display(), "MCAP write failed: {why}");
                self.broken = Some(why.clone());
                self.drop_sample(sample, why);
            }
        }
    }

    fn channel(
        &mut self,
        topic: TopicId,
        raw: bool,
        schema: impl FnOnce() -> SchemaSpec,
    ) -> std::result::Result<u16, Failure> {
        let map = if raw {
            &self.raw_channels
        } else {
            &self.view_channels
        };
        if let Some(&c) = map.get(&topic) {
            return Ok(c);
        }
        let w = self.w().map_err(Failure::File)?;
        let fe = |e: mcap::McapError| Failure::File(e.to_string());
        let id = if raw {
            let mut meta = BTreeMap::new();
            meta.insert("topic".to_string(), topic.path().to_string());
            meta.insert(
                "codec_version".to_string(),
                codec::CODEC_VERSION.to_string(),
            );
            w.add_channel(
                0,
                &format!("{RAW_PREFIX}{}", topic.path()),
                RAW_ENCODING,
                &meta,
            )
            .map_err(fe)?
        } else {
            let s = schema();
            let sid = w
                .add_schema(&s.name, "jsonschema", s.data.as_bytes())
                .map_err(fe)?;
            w.add_channel(sid, &format!("/{}", topic.path()), "json", &BTreeMap::new())
                .map_err(fe)?
        };
        if raw {
            self.raw_channels.insert(topic, id);
        } else {
            self.view_channels.insert(topic, id);
        }
        Ok(id)
    }

    fn try_write(&mut self, sample: &Sample) -> std::result::Result<(), Failure> {
        let camera = self.options.camera;
        // The view.
        let (view, schema): (Vec<u8>, Box<dyn FnOnce() -> SchemaSpec>) = match &sample.message {
            Message::CameraFrame(f) => (
                view::camera_view(sample, f, camera).map_err(Failure::Sample)?,
                Box::new(move || match camera {
                    CameraEncoding::Raw => view::raw_image_schema(),
                    _ => view::compressed_image_schema(),
                }),
            ),
            Message::AudioChunk(a) => {
                let v = view::audio_view(a);
                let schema = view::infer_schema(&v);
                (
                    v.to_string().into_bytes(),
                    Box::new(move || SchemaSpec {
                        name: "cabin.AudioChunkSummary".into(),
                        data: schema.to_string(),
                    }),
                )
            }
            m => {
                let v = m
                    .payload_json()
                    .map_err(|e| Failure::Sample(e.to_string()))?;
                let mut schema = view::infer_schema(&v);
                let name = view::schema_name(m.kind());
                schema["title"] = json!(name.clone());
                (
                    serde_json::to_vec(&v).map_err(|e| Failure::Sample(e.to_string()))?,
                    Box::new(move || SchemaSpec {
                        name,
                        data: schema.to_string(),
                    }),
                )
            }
        };
        // The exact message (camera pixels live in the view).
        let raw = match &sample.message {
            Message::CameraFrame(f) => {
                let mut f = f.clone();
                f.data = Blob::default();
                codec::encode(&Sample {
                    topic: sample.topic,
                    header: sample.header.clone(),
                    message: Message::CameraFrame(f),
                })
            }
            _ => codec::encode(sample),
        }
        .map_err(|e| Failure::Sample(e.to_string()))?;
        let view_ch = self.channel(sample.topic, false, schema)?;
        let raw_ch = self.channel(sample.topic, true, unreachable_schema)?;
        let t = sample.header.stamp.as_nanos();
        let header = |channel_id| mcap::records::MessageHeader {
            channel_id,
            sequence: sample.header.seq as u32,
            log_time: t,
            publish_time: t,
        };
        let w = self.w().map_err(Failure::File)?;
        w.write_to_known_channel(&header(view_ch), &view)
            .map_err(|e| Failure::File(e.to_string()))?;
        w.write_to_known_channel(&header(raw_ch), &raw)
            .map_err(|e| Failure::File(e.to_string()))?;
        self.report.bytes += (view.len() + raw.len()) as u64;
        Ok(())
    }

    fn finish(mut self, end: Option<SimTime>) -> RecordReport {
        let end_ns = end.map(SimTime::as_nanos);
        self.report.end_ns = end_ns;
        let marker = self.marker_channel;
        let written = self.report.total_written();
        let dropped = self.report.total_dropped();
        let body =
            json!({"event": "end", "end_ns": end_ns, "written": written, "dropped": dropped})
                .to_string();
        let result = (|| -> std::result::Result<(), String> {
            let w = self.w()?;
            w.write_to_known_channel(
                &mcap::records::MessageHeader {
                    channel_id: marker,
                    sequence: 1,
                    log_time: end_ns.unwrap_or(0),
                    publish_time: end_ns.unwrap_or(0),
                },
                body.as_bytes(),
            )
            .map_err(|e| e.to_string())?;
            w.finish().map_err(|e| e.to_string())?;
            Ok(())
        })();
        if let Err(e) = result {
            self.report
                .problems
                .push(format!("closing {}: {e}", self.path.display()));
        }
        self.writer = None;
        self.report
    }
}

/// Raw channels have no schema (schema id 0); this is never called.
fn unreachable_schema() -> SchemaSpec {
    SchemaSpec {
        name: String::new(),
        data: String::new(),
    }
}

enum Failure {
    /// This sample could not be encoded; the file is fine.
    Sample(String),
    /// The file cannot be written any more.
    File(String),
}
