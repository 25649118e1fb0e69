//! The microphone's GStreamer pipeline: the configured source, then conversion to 16 kHz interleaved
//! f32 and an appsink the node pulls from.
//!
//! `<source> ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,channels=N ! appsink`
//!
//! The appsink does not sync to the clock (the node paces itself on the buffers' PTS) and holds at most
//! [`APPSINK_MAX_BUFFERS`] buffers without dropping: a node that falls behind stalls the pipeline, which
//! for a live source (alsasrc) shows up as a PTS gap the chunker counts, never as silent loss here.

use crate::error::CaptureError;
use crate::pipeline::{PipelineEvent, SensorPipeline};
use gstreamer as gst;

/// Name of the appsink inside the pipeline.
const SINK_NAME: &str = "cabin_mic_sink";

/// Buffers the appsink holds before it blocks the pipeline (~a second at alsasrc's 10 ms buffers).
const APPSINK_MAX_BUFFERS: u32 = 100;

/// One interleaved buffer from the appsink.
pub struct MicBuffer {
    pub samples: Vec<f32>,
    pub pts_ns: Option<u64>,
    pub discont: bool,
}

/// The full launch line for a source description and a channel count.
pub fn launch_line(source: &str, channels: usize, rate: u32) -> String {
    format!(
        "{source} ! audioconvert ! audioresample ! \
         audio/x-raw,format=F32LE,layout=interleaved,rate={rate},channels={channels} ! \
         appsink name={SINK_NAME} sync=false max-buffers={APPSINK_MAX_BUFFERS} drop=false"
    )
}

/// A parsed (not yet started) microphone pipeline: the sensors' shared [`SensorPipeline`] (start, stop,
/// bus) plus reading interleaved f32 audio from its appsink. Dropping it releases the device.
pub struct MicPipeline {
    inner: SensorPipeline,
}

impl MicPipeline {
    /// Parses the launch line. A missing element or a syntax error is an error naming the line.
    pub fn parse(source: &str, channels: usize, rate: u32) -> Result<MicPipeline, CaptureError> {
        Ok(MicPipeline {
            inner: SensorPipeline::parse(&launch_line(source, channels, rate))?,
        })
    }

    pub fn launch(&self) -> &str {
        self.inner.description()
    }

    /// Sets the pipeline playing. A device that cannot be opened fails here or soon after, on the bus.
    pub fn play(&self) -> Result<(), CaptureError> {
        self.inner.play()
    }

    /// Waits (at most `timeout_ms`) until the pipeline has started: the appsink hands out nothing before,
    /// and a source that cannot open its device fails here.
    pub fn wait_started(&self, timeout_ms: u64) -> Result<(), CaptureError> {
        self.inner
            .wait_started(gst::ClockTime::from_mseconds(timeout_ms))
    }

    /// The next end-of-stream or error on the pipeline's bus, without waiting. Warnings (the stream goes
    /// on) are logged and passed over.
    pub fn poll_event(&self) -> Option<PipelineEvent> {
        loop {
            match self.inner.poll()? {
                PipelineEvent::Warning(w) => tracing::warn!("microphone pipeline: {w}"),
                event => return Some(event),
            }
        }
    }

    /// Whether the appsink has delivered its last buffer.
    pub fn is_eos(&self) -> bool {
        self.inner.appsink().is_eos()
    }

    /// The next buffer, waiting at most `timeout_ms` (0: only what is already there).
    pub fn pull(&self, timeout_ms: u64) -> Option<MicBuffer> {
        let sample = self
            .inner
            .appsink()
            .try_pull_sample(gst::ClockTime::from_mseconds(timeout_ms))?;
        let buffer = sample.buffer()?;
        let map = buffer.map_readable().ok()?;
        let samples = map
            .as_slice()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Some(MicBuffer {
            samples,
            pts_ns: buffer.pts().map(|t| t.nseconds()),
            discont: buffer.flags().contains(gst::BufferFlags::DISCONT),
        })
    }
}
