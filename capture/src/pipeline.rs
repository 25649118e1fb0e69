//! What every live sensor shares: a GStreamer pipeline described by a launch line that ends in an appsink,
//! started and stopped, its bus polled for the end or the loss of the stream, its clock read, and the
//! backoff between reconnect attempts.
//!
//! Nothing here panics on what GStreamer returns: every fallible call becomes a [`CaptureError`] or a
//! [`PipelineEvent`]. The bus is polled (not watched from a GLib main loop) so a sensor node needs no thread
//! of its own besides GStreamer's streaming threads: the node's tick reads what happened since the last one.

use crate::error::CaptureError;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::OnceLock;

/// Initialises GStreamer once per process. The result is kept, so a machine without GStreamer's plugins
/// gets the same clear error from every sensor.
pub fn init() -> Result<(), CaptureError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| gst::init().map_err(|e| e.to_string()))
        .clone()
        .map_err(CaptureError::Init)
}

/// The name a pipeline's appsink goes by when the description names one itself (`appsink name=sink`).
pub const SINK_NAME: &str = "sink";

/// What the pipeline's bus reported since the last poll that ends the stream (or is worth a diagnostic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineEvent {
    /// End of stream: a file or an RTSP session ended, a `num-buffers` source ran out.
    Ended,
    /// An element failed: a device unplugged or busy, a server gone, a decoder error. Names the element.
    Failed(String),
    /// A warning an element posted (the stream goes on).
    Warning(String),
}

/// A parsed pipeline with its appsink. Dropping it stops the pipeline (state NULL).
pub struct SensorPipeline {
    description: String,
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
}

impl SensorPipeline {
    /// Parses `description` (gst-launch syntax). The appsink is the element named [`SINK_NAME`], else the
    /// pipeline's only appsink. A description naming an element that is not installed, or without an
    /// appsink, is an error here, before anything runs.
    pub fn parse(description: &str) -> Result<Self, CaptureError> {
        init()?;
        let err = |reason: String| CaptureError::Pipeline {
            pipeline: description.to_string(),
            reason,
        };
        let element = gst::parse::launch(description).map_err(|e| err(e.to_string()))?;
        let pipeline = match element.downcast::<gst::Pipeline>() {
            Ok(p) => p,
            Err(single) => {
                // A one-element description comes back as the bare element: give it a pipeline.
                let p = gst::Pipeline::new();
                p.add(&single).map_err(|e| err(e.to_string()))?;
                p
            }
        };
        let sink = find_appsink(&pipeline).ok_or_else(|| {
            err(
                "the pipeline has no appsink to read from (end it with `! appsink name=sink`)"
                    .into(),
            )
        })?;
        Ok(SensorPipeline {
            description: description.to_string(),
            pipeline,
            sink,
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn appsink(&self) -> &gst_app::AppSink {
        &self.sink
    }

    /// Starts the stream. A source that cannot open its device fails here or posts an error on the bus
    /// shortly after (then [`SensorPipeline::poll`] returns [`PipelineEvent::Failed`]).
    pub fn play(&self) -> Result<(), CaptureError> {
        self.pipeline
            .set_state(gst::State::Playing)
            .map(|_| ())
            .map_err(|_| CaptureError::Pipeline {
                pipeline: self.description.clone(),
                reason: self
                    .poll_error()
                    .unwrap_or_else(|| "cannot start (state change to PLAYING failed)".into()),
            })
    }

    /// Waits (at most `timeout`) until the pipeline has finished starting: an appsink hands out nothing
    /// before, and a source that cannot open its device fails here.
    pub fn wait_started(&self, timeout: gst::ClockTime) -> Result<(), CaptureError> {
        let (result, _, _) = self.pipeline.state(timeout);
        result.map(|_| ()).map_err(|_| CaptureError::Pipeline {
            pipeline: self.description.clone(),
            reason: self
                .poll_error()
                .unwrap_or_else(|| "did not start (state change to PLAYING failed)".into()),
        })
    }

    /// Stops the stream and frees the devices and sockets it holds.
    pub fn stop(&self) {
        if self.pipeline.set_state(gst::State::Null).is_err() {
            tracing::warn!(pipeline = %self.description, "stopping the pipeline failed");
        }
    }

    /// The next message that matters on the pipeline's bus, without waiting.
    pub fn poll(&self) -> Option<PipelineEvent> {
        let bus = self.pipeline.bus()?;
        while let Some(msg) = bus.pop_filtered(&[
            gst::MessageType::Error,
            gst::MessageType::Eos,
            gst::MessageType::Warning,
        ]) {
            match msg.view() {
                gst::MessageView::Eos(_) => return Some(PipelineEvent::Ended),
                gst::MessageView::Error(e) => {
                    return Some(PipelineEvent::Failed(describe(
                        msg.src(),
                        &e.error(),
                        e.debug(),
                    )))
                }
                gst::MessageView::Warning(w) => {
                    return Some(PipelineEvent::Warning(describe(
                        msg.src(),
                        &w.error(),
                        w.debug(),
                    )))
                }
                _ => {}
            }
        }
        None
    }

    fn poll_error(&self) -> Option<String> {
        let bus = self.pipeline.bus()?;
        let msg = bus.pop_filtered(&[gst::MessageType::Error])?;
        match msg.view() {
            gst::MessageView::Error(e) => Some(describe(msg.src(), &e.error(), e.debug())),
            _ => None,
        }
    }

    /// The pipeline clock's current time (the clock buffers are stamped against), when the pipeline runs.
    pub fn clock_time(&self) -> Option<gst::ClockTime> {
        self.pipeline.current_clock_time()
    }
}

impl Drop for SensorPipeline {
    fn drop(&mut self) {
        self.stop();
    }
}

fn describe(
    src: Option<&gst::Object>,
    error: &gst::glib::Error,
    debug: Option<gst::glib::GString>,
) -> String {
    let element = src.map(|s| s.path_string().to_string()).unwrap_or_default();
    match debug {
        Some(d) => format!("{element}: {error} ({d})"),
        None => format!("{element}: {error}"),
    }
}

fn find_appsink(pipeline: &gst::Pipeline) -> Option<gst_app::AppSink> {
    if let Some(named) = pipeline.by_name(SINK_NAME) {
        if let Ok(sink) = named.downcast::<gst_app::AppSink>() {
            return Some(sink);
        }
    }
    let mut sinks = pipeline.iterate_sinks();
    let mut found = None;
    // A resync error means the bin changed while iterating: start over (bounded, the bin is not running).
    for _ in 0..4 {
        match collect_appsinks(&mut sinks) {
            Ok(v) => {
                found = v.into_iter().next();
                break;
            }
            Err(_) => sinks.resync(),
        }
    }
    found
}

fn collect_appsinks(
    it: &mut gst::Iterator<gst::Element>,
) -> Result<Vec<gst_app::AppSink>, gst::IteratorError> {
    let mut out = Vec::new();
    while let Some(e) = it.next()? {
        if let Ok(s) = e.downcast::<gst_app::AppSink>() {
            out.push(s);
        }
    }
    Ok(out)
}

/// The pipeline-clock instant a buffer was captured at: the element's base time plus the buffer's PTS
/// turned into running time through its segment.
///
/// GStreamer stamps a live source's buffer with its running time at capture (clock time minus the
/// pipeline's base time, corrected by the source's own latency), so `base_time + running_time(PTS)` is the
/// capture instant on the pipeline clock; for a file or test source it is when the buffer is due. Without a
/// PTS, or outside the segment, there is no instant.
pub fn capture_clock_time(
    sample: &gst::SampleRef,
    base_time: Option<gst::ClockTime>,
) -> Option<gst::ClockTime> {
    let pts = sample.buffer()?.pts()?;
    let running = match sample.segment() {
        Some(seg) => seg.downcast_ref::<gst::ClockTime>()?.to_running_time(pts)?,
        None => pts,
    };
    Some(base_time? + running)
}

/// Doubling delays between reconnect attempts, from `initial` up to `max`; reset once the stream runs.
#[derive(Clone, Debug)]
pub struct Backoff {
    initial_s: f64,
    max_s: f64,
    next_s: f64,
}

impl Backoff {
    pub fn new(initial_s: f64, max_s: f64) -> Self {
        let initial_s = initial_s.max(0.01);
        Backoff {
            initial_s,
            max_s: max_s.max(initial_s),
            next_s: initial_s,
        }
    }

    /// The delay before the next attempt (and doubles the one after).
    pub fn next_delay_s(&mut self) -> f64 {
        let d = self.next_s;
        self.next_s = (self.next_s * 2.0).min(self.max_s);
        d
    }

    /// The stream delivers again: the next loss waits the initial delay.
    pub fn reset(&mut self) {
        self.next_s = self.initial_s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_resets() {
        let mut b = Backoff::new(0.5, 3.0);
        let d: Vec<f64> = (0..5).map(|_| b.next_delay_s()).collect();
        assert_eq!(d, vec![0.5, 1.0, 2.0, 3.0, 3.0]);
        b.reset();
        assert_eq!(b.next_delay_s(), 0.5);
    }
}
