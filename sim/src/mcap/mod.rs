//! MCAP recording and replay of runs, readable by Foxglove.
//!
//! [`Recorder`] takes every sample of a run (attach it with `exec.observe`) and writes each topic as a
//! Foxglove-readable JSON channel plus a raw channel holding the exact bus message; [`RecordingReader`]
//! streams the exact samples back (camera pixels included), up to any damage; the `replay` node
//! ([`crate::source::ReplaySource`]) publishes them at their recorded times.
//!
//! ```no_run
//! # use cabin_sim::mcap::{Recorder, RecorderOptions};
//! # fn demo(mut exec: cabin_bus::runtime::DeterministicExecutor) -> cabin_sim::Result<()> {
//! let recorder = Recorder::create("run.mcap".as_ref(), RecorderOptions::default())?;
//! let r = recorder.clone();
//! exec.observe(move |s| r.write(s));
//! let run = exec.run();
//! let report = recorder.finish(Some(run.end))?;
//! assert_eq!(report.total_dropped(), 0, "{:?}", report.problems);
//! # Ok(()) }
//! ```

mod reader;
mod recorder;
mod view;

pub use reader::{read_recording, ReadItem, Recording, RecordingReader};
pub use recorder::{
    ChunkCompression, RecordReport, Recorder, RecorderOptions, RAW_ENCODING, RAW_PREFIX,
    RECORDING_TOPIC,
};
pub use view::{infer_schema, CameraEncoding};
