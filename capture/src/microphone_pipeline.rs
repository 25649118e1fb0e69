//! The microphone's GStreamer pipeline: the configured source, then conversion to 16 kHz interleaved
//! f32 and an appsink the node pulls from.
//!
//! `<source> ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,channels=N ! appsink`
//!
//! The appsink does not sync to the clock (the node paces itself on the buffers' PTS) and holds at most
//! [`APPSINK_MAX_BUFFERS`] buffers without dropping: a node that falls behind stalls the pipeline, which
//! for a live source (alsasrc) shows up as a PTS gap the chunker counts, never as silent loss here.

use crate::error::CaptureError;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

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

/// What the pipeline's bus said since the last look.
#[derive(Debug, PartialEq)]
pub enum PipelineEvent {
    /// The stream ended (a file played out, a device closed cleanly).
    Eos,
    /// The pipeline failed (device unplugged, stream broken); the text names the element.
    Error(String),
}

/// Initialises GStreamer once (idempotent, thread-safe).
pub fn init() -> Result<(), CaptureError> {
    gst::init().map_err(|e| CaptureError::Init(e.to_string()))
}

/// The full launch line for a source description and a channel count.
pub fn launch_line(source: &str, channels: usize, rate: u32) -> String {
    format!(
        "{source} ! audioconvert ! audioresample ! \
         audio/x-raw,format=F32LE,layout=interleaved,rate={rate},channels={channels} ! \
         appsink name={SINK_NAME} sync=false max-buffers={APPSINK_MAX_BUFFERS} drop=false"
    )
}

/// A parsed (not yet started) microphone pipeline.
pub struct MicPipeline {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    launch: String,
}

impl MicPipeline {
    /// Parses the launch line. A missing element or a syntax error is an error naming the line.
    pub fn parse(source: &str, channels: usize, rate: u32) -> Result<MicPipeline, CaptureError> {
        init()?;
        let launch = launch_line(source, channels, rate);
        let err = |reason: String| CaptureError::Pipeline {
            pipeline: launch.clone(),
            reason,
        };
        let element = gst::parse::launch(&launch).map_err(|e| err(e.to_string()))?;
        let pipeline = element
            .downcast::<gst::Pipeline>()
            .map_err(|_| err("not a pipeline (a single element?)".into()))?;
        let sink = pipeline
            .by_name(SINK_NAME)
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| err(format!("no appsink named {SINK_NAME}")))?;
        Ok(MicPipeline {
            pipeline,
            sink,
            launch,
        })
    }

    pub fn launch(&self) -> &str {
        &self.launch
    }

    /// Sets the pipeline playing. A device that cannot be opened fails here or soon after, on the bus.
    pub fn play(&self) -> Result<(), CaptureError> {
        self.pipeline
            .set_state(gst::State::Playing)
            .map(|_| ())
            .map_err(|e| CaptureError::Pipeline {
                pipeline: self.launch.clone(),
                reason: format!("cannot start: {e}{}", self.pending_error_text()),
            })
    }

    /// Waits (at most `timeout_ms`) until the pipeline has started: the appsink hands out nothing before,
    /// and a source that cannot open its device fails here.
    pub fn wait_started(&self, timeout_ms: u64) -> Result<(), CaptureError> {
        let (result, _, _) = self
            .pipeline
            .state(gst::ClockTime::from_mseconds(timeout_ms));
        result.map(|_| ()).map_err(|e| CaptureError::Pipeline {
            pipeline: self.launch.clone(),
            reason: format!("did not start: {e}{}", self.pending_error_text()),
        })
    }

    /// The error a failed state change left on the bus, if any (", <text>").
    fn pending_error_text(&self) -> String {
        match self.poll_event() {
            Some(PipelineEvent::Error(t)) => format!(", {t}"),
            _ => String::new(),
        }
    }

    /// The next end-of-stream or error message on the pipeline's bus, without waiting.
    pub fn poll_event(&self) -> Option<PipelineEvent> {
        let bus = self.pipeline.bus()?;
        let msg = bus.pop_filtered(&[gst::MessageType::Error, gst::MessageType::Eos])?;
        match msg.view() {
            gst::MessageView::Eos(_) => Some(PipelineEvent::Eos),
            gst::MessageView::Error(e) => Some(PipelineEvent::Error(format!(
                "{} ({})",
                e.error(),
                e.src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_else(|| "unknown element".into())
            ))),
            _ => None,
        }
    }

    /// Whether the appsink has delivered its last buffer.
    pub fn is_eos(&self) -> bool {
        self.sink.is_eos()
    }

    /// The next buffer, waiting at most `timeout_ms` (0: only what is already there).
    pub fn pull(&self, timeout_ms: u64) -> Option<MicBuffer> {
        let sample = self
            .sink
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

impl Drop for MicPipeline {
    fn drop(&mut self) {
        // Release the device; a failure here has nobody left to tell but the log.
        if let Err(e) = self.pipeline.set_state(gst::State::Null) {
            tracing::debug!("microphone pipeline did not stop cleanly: {e}");
        }
    }
}
