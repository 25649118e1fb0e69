//! `gst_camera`: a driver camera through any GStreamer pipeline, onto `sensors/camera`.
//!
//! ```toml
//! [[node]]
//! name = "camera_source"
//! kind = "gst_camera"
//! params = { pipeline = "v4l2src device=/dev/video0", format = "gray8", width = 640, height = 480, fps = 30 }
//! ```
//!
//! `pipeline` is a gst-launch description: `v4l2src` on an ECU, `rtspsrc ... ! rtph264depay ! avdec_h264`
//! or `udpsrc` on a HIL bench, `filesrc ... ! decodebin` or `videotestsrc` in tests. Without an appsink of
//! its own the node appends `videoconvert ! videoscale [! videorate] ! video/x-raw,format=...[,size][,rate]
//! ! appsink`, so the frames arrive in the pixel layout perception takes (`gray8` by default: DMS cameras
//! are infrared and monochrome, and a grey frame is a third of a BGR one on the bus). A description that
//! ends in its own `appsink name=sink` is used as is (its caps must give that layout).
//!
//! Frames go out exactly as the simulator's do (`CameraFrame` on `sensors/camera`, format, size, stride).
//!
//! **Stamps.** Each frame's capture instant is the appsink's base time plus the buffer's PTS turned into
//! running time through its segment ([`crate::pipeline::capture_clock_time`]): the instant on the pipeline
//! clock (the system's monotonic clock, unless a source provides one) at which the source captured it. The
//! node hands arrived frames to the bus on its tick (every `poll_ms`, 5 ms by default) and stamps each one
//! with the vehicle time of its capture: the tick's vehicle time minus the frame's age, the age measured
//! on the pipeline clock from the PTS ([`Context::publish_at`]). Vehicle time and the pipeline clock both
//! run at the rate of the monotonic clock on a live executor, so the age carries over unchanged. Stamps
//! strictly increase per frame (a frame whose age would put it at or before the previous frame's stamp —
//! jitter in a source's PTS — is stamped 1 ns after it) and are never after the tick. A frame without a
//! PTS is stamped with the tick's time. Everything downstream keys on that stamp: a face observation
//! carries its frame's stamp, and the driver state integrates faces at their capture times, not at the
//! moment this node polled its queue. The age is also what lateness is judged on (`late_ms`) and what
//! the capture-to-publish percentiles report; the [`CameraHandle`] keeps, per stamp, the capture instant
//! on the pipeline clock so any output can be traced back to the capture (capture-to-alert latency).
//! When more than one frame waits at a tick only the newest is published (a DMS wants the freshest
//! image) and the others are counted as superseded.
//!
//! **Losses.** An error or an end of stream on the pipeline's bus, or no frame for `stall_s`, is a lost
//! stream: an error diagnostic, the pipeline stopped, and a restart after a doubling backoff
//! (`backoff_s` .. `backoff_max_s`). Perception sees no frames meanwhile: its camera node publishes
//! `NoFrames` observations and the driver state turns to "cannot monitor" after its `unavailable_after_s`.
//! Frames still queued when a stream is stopped (a loss, or the node's shutdown) are counted as discarded.
//! Counters (captured, published, dropped, superseded, discarded, missed upstream, late, losses, reconnects)
//! go to the diagnostics topic every `report_s`, and the capture-to-publish age p50/p99 with them.

use crate::camera_frame::{self as cf, CameraHandle, CapturedFrame, FrameSink};
use crate::error::CaptureError;
use crate::pipeline::{Backoff, PipelineEvent, SensorPipeline};
use cabin_bus::config::NodeSpec;
use cabin_bus::messages::{PixelFormat, Severity};
use cabin_bus::runtime::{Context, Node, NodeError, NodeResult, StepStats};
use cabin_bus::topic::{topics, TopicId};
use cabin_bus::{SimDuration, SimTime};
use gstreamer as gst;
use gstreamer_app as gst_app;
use serde::Deserialize;
use std::sync::mpsc::{sync_channel, Receiver};

/// The deployment config's `kind` of this node.
pub const KIND: &str = "gst_camera";
pub const DESCRIPTION: &str =
    "live driver camera through a GStreamer pipeline (v4l2src, rtspsrc, udpsrc, filesrc) -> sensors/camera";

/// Frames waiting between the streaming thread and the node's tick. Two: one being published, one
/// arriving; more would only publish stale frames later.
const QUEUE_FRAMES: usize = 2;

/// Pixel layout asked of the pipeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraFormat {
    #[default]
    Gray8,
    Bgr8,
    Rgb8,
}

impl CameraFormat {
    pub fn pixel_format(self) -> PixelFormat {
        match self {
            CameraFormat::Gray8 => PixelFormat::Gray8,
            CameraFormat::Bgr8 => PixelFormat::Bgr8,
            CameraFormat::Rgb8 => PixelFormat::Rgb8,
        }
    }
    /// GStreamer's name of the layout.
    pub fn gst_name(self) -> &'static str {
        match self {
            CameraFormat::Gray8 => "GRAY8",
            CameraFormat::Bgr8 => "BGR",
            CameraFormat::Rgb8 => "RGB",
        }
    }
}

/// `[[node]] kind = "gst_camera"` params.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GstCameraParams {
    /// The gst-launch description of the source (see the module docs).
    pub pipeline: String,
    pub format: CameraFormat,
    /// Scale to this size (both or neither); the source's own size otherwise.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Frame rate asked of the source (videorate); also the period for counting frames missed upstream
    /// when the caps do not say.
    pub fps: Option<f64>,
    /// How often the node hands arrived frames to the bus, in ms (the stamp is that tick's time).
    pub poll_ms: f64,
    /// A frame older than this when published is counted late, in ms.
    pub late_ms: f64,
    /// No frame for this long while playing is a lost stream, in s (a UDP stream just goes silent).
    pub stall_s: f64,
    /// First and longest wait before restarting a lost stream, in s.
    pub backoff_s: f64,
    pub backoff_max_s: f64,
    /// How often the counters go to the diagnostics topic, in s.
    pub report_s: f64,
    /// The appsink hands a frame over at its time on the pipeline clock plus the pipeline's reported
    /// latency (GStreamer's default, and what paces a file or a test source at its frame rate). `false`
    /// hands each frame over as soon as it is decoded: for a live source (a camera, an RTSP stream) that
    /// takes the decoder's reported latency off every frame.
    pub sync: bool,
}

impl Default for GstCameraParams {
    fn default() -> Self {
        GstCameraParams {
            pipeline: String::new(),
            format: CameraFormat::Gray8,
            width: None,
            height: None,
            fps: None,
            poll_ms: 5.0,
            // Three frame periods at 30 fps: one more and the driver state judges a 0.1 s old face.
            late_ms: 100.0,
            stall_s: 2.0,
            backoff_s: 0.5,
            backoff_max_s: 10.0,
            report_s: 5.0,
            sync: true,
        }
    }
}

impl GstCameraParams {
    /// The full description: the source as given, plus conversion and an appsink when it has none.
    pub fn description(&self) -> Result<String, CaptureError> {
        let err = |reason: &str| CaptureError::Pipeline {
            pipeline: self.pipeline.clone(),
            reason: reason.to_string(),
        };
        let src = self.pipeline.trim();
        if src.is_empty() {
            return Err(err(
                "`pipeline` is empty: name a source, e.g. \"v4l2src device=/dev/video0\"",
            ));
        }
        if src.contains("appsink") {
            return Ok(src.to_string());
        }
        let mut caps = format!("video/x-raw,format={}", self.format.gst_name());
        let mut chain = String::from("videoconvert ! videoscale");
        match (self.width, self.height) {
            (Some(w), Some(h)) if w > 0 && h > 0 => caps += &format!(",width={w},height={h}"),
            (None, None) => {}
            _ => return Err(err("give both `width` and `height`, or neither")),
        }
        if let Some(fps) = self.fps {
            if !(fps > 0.0 && fps <= 1000.0) {
                return Err(err("`fps` must be in (0, 1000]"));
            }
            chain += " ! videorate";
            caps += &format!(",framerate={}/1000", (fps * 1000.0).round() as u64);
        }
        Ok(format!(
            "{src} ! {chain} ! {caps} ! appsink name={}",
            crate::pipeline::SINK_NAME
        ))
    }
}

/// The running stream and what the node knows of it.
struct Live {
    pipeline: SensorPipeline,
    frames: Receiver<CapturedFrame>,
    /// Vehicle time of the start, or of the last frame: the stall timer.
    last_frame_at: SimTime,
    delivered: bool,
}

enum State {
    Running(Live),
    /// Lost (or never started): restart at this vehicle time.
    Waiting {
        until: SimTime,
    },
}

/// The camera source node.
pub struct GstCamera {
    params: GstCameraParams,
    description: String,
    period: SimDuration,
    state: State,
    backoff: Backoff,
    handle: CameraHandle,
    /// Capture-to-publish ages since the start.
    ages: StepStats,
    next_report: SimTime,
    /// Losses so far, so a restart after one counts as a reconnect.
    lost_before: bool,
}

impl GstCamera {
    /// Builds the node; the description is parsed once here so a missing element or a typo is a config
    /// error at start, not a reconnect loop.
    pub fn new(params: GstCameraParams) -> Result<Self, CaptureError> {
        let description = params.description()?;
        drop(SensorPipeline::parse(&description)?);
        let period = SimDuration::from_secs_f64((params.poll_ms / 1e3).clamp(0.001, 1.0));
        Ok(GstCamera {
            backoff: Backoff::new(params.backoff_s, params.backoff_max_s),
            params,
            description,
            period,
            state: State::Waiting {
                until: SimTime::ZERO,
            },
            handle: CameraHandle::default(),
            ages: StepStats::default(),
            next_report: SimTime::ZERO,
            lost_before: false,
        })
    }

    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        let params: GstCameraParams = spec.params()?;
        GstCamera::new(params).map_err(|e| NodeError::Config {
            node: spec.name.to_string(),
            reason: format!("{}:{}: {e}", spec.file, spec.line),
        })
    }

    /// Counters and capture instants, shared with the running node.
    pub fn handle(&self) -> CameraHandle {
        self.handle.clone()
    }

    /// The description the node runs (with the conversion and appsink it appended).
    pub fn description(&self) -> &str {
        &self.description
    }

    fn start(&mut self, ctx: &mut Context) {
        match self.open() {
            Ok(live) => {
                tracing::info!(node = %ctx.node(), pipeline = %self.description, "camera stream started");
                self.state = State::Running(Live {
                    last_frame_at: ctx.now(),
                    ..live
                });
            }
            Err(e) => self.lose(ctx, format!("cannot start the camera: {e}")),
        }
    }

    fn open(&self) -> Result<Live, CaptureError> {
        let pipeline = SensorPipeline::parse(&self.description)?;
        let (tx, frames) = sync_channel(QUEUE_FRAMES);
        let sink = pipeline.appsink();
        // The appsink keeps one buffer and the callback empties it at once; dropping happens in our queue,
        // where it is counted.
        sink.set_max_buffers(1);
        sink.set_sync(self.params.sync);
        let mut frame_sink = FrameSink {
            tx,
            format: self.params.format.pixel_format(),
            counters: self.handle.counters.clone(),
            fallback_period_ns: self.params.fps.map(|f| (1e9 / f) as u64),
            previous: None,
        };
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |s| frame_sink.on_sample(s))
                .build(),
        );
        pipeline.play()?;
        Ok(Live {
            pipeline,
            frames,
            last_frame_at: SimTime::ZERO,
            delivered: false,
        })
    }

    /// The stream is lost: say so, stop it, and restart after the backoff.
    fn lose(&mut self, ctx: &mut Context, why: String) {
        let delay = self.backoff.next_delay_s();
        self.handle.counters.add(cf::losses, 1);
        self.lost_before = true;
        let message = format!("camera lost: {why}; reconnecting in {delay:.1} s");
        tracing::error!(node = %ctx.node(), "{message}");
        ctx.report(Severity::Error, message);
        self.stop_stream(ctx.now() + SimDuration::from_secs_f64(delay));
    }

    /// Stops the running stream (if any) and waits until `until`. The pipeline is stopped first — its
    /// streaming thread has handed over its last frame once that returns — then the frames still queued
    /// for a tick are counted as discarded, so captured = published + dropped + superseded + discarded +
    /// bad frames holds at every stop.
    fn stop_stream(&mut self, until: SimTime) {
        if let State::Running(live) = std::mem::replace(&mut self.state, State::Waiting { until }) {
            let Live {
                pipeline, frames, ..
            } = live;
            // Dropping the pipeline stops it and frees the device.
            drop(pipeline);
            let left = frames.try_iter().count() as u64;
            self.handle.counters.add(cf::discarded, left);
        }
    }

    /// Publishes the newest waiting frame stamped with its capture instant in vehicle time, counting the
    /// ones it replaces and its age.
    fn publish_newest(&mut self, ctx: &mut Context) {
        let State::Running(live) = &mut self.state else {
            return;
        };
        let mut newest = None;
        let mut waiting = 0u64;
        while let Ok(f) = live.frames.try_recv() {
            waiting += 1;
            newest = Some(f);
        }
        let Some(f) = newest else { return };
        self.handle.counters.add(cf::superseded, waiting - 1);
        let now_clock = live.pipeline.clock_time();
        let age = f.capture.map(|capture| {
            let age = now_clock
                .and_then(|n| n.checked_sub(capture))
                .unwrap_or(gst::ClockTime::ZERO);
            std::time::Duration::from_nanos(age.nseconds())
        });
        live.last_frame_at = ctx.now();
        // The runtime keeps the last frame's stamp for the node's life (across reconnects): the next one
        // must be later.
        let previous = ctx.last_stamp(topics::CAMERA.id);
        let published = capture_stamp(ctx.now(), age, previous)
            .ok_or_else(|| "no instant left after the previous frame's stamp".to_string())
            .and_then(|stamp| {
                ctx.publish_at(topics::CAMERA, f.frame, stamp)
                    .map(|()| stamp)
                    .map_err(|e| e.to_string())
            });
        let stamp = match published {
            Ok(stamp) => stamp,
            Err(why) => {
                // Only a tick repeating the previous frame's instant could lead here: counted with the
                // unusable frames, never a panic.
                self.handle.counters.add(cf::bad_frames, 1);
                tracing::warn!(node = %ctx.node(), "camera frame not published: {why}");
                return;
            }
        };
        if let (Some(age), Some(capture)) = (age, f.capture) {
            self.ages.record(age, None);
            if age.as_secs_f64() * 1e3 > self.params.late_ms {
                self.handle.counters.add(cf::late, 1);
            }
            self.handle.record_capture(stamp, capture);
        }
        if !live.delivered {
            live.delivered = true;
            self.backoff.reset();
            if self.lost_before {
                self.handle.counters.add(cf::reconnects, 1);
                ctx.report(Severity::Info, "camera stream back");
            }
        }
        self.handle.counters.add(cf::published, 1);
    }

    fn report_counts(&mut self, ctx: &mut Context) {
        if ctx.now() < self.next_report {
            return;
        }
        self.next_report = ctx.now() + SimDuration::from_secs_f64(self.params.report_s.max(0.1));
        let c = self.handle.counts();
        let a = self.ages.summary();
        let message = format!(
            "camera: {} captured, {} published, {} dropped, {} superseded, {} discarded, {} missed upstream, \
             {} late, {} bad, {} losses, {} reconnects; capture-to-publish p50 {} us, p99 {} us",
            c.captured,
            c.published,
            c.dropped,
            c.superseded,
            c.discarded,
            c.missed_upstream,
            c.late,
            c.bad_frames,
            c.losses,
            c.reconnects,
            a.p50_us,
            a.p99_us
        );
        tracing::debug!(node = %ctx.node(), "{message}");
        let lossy = c.dropped + c.missed_upstream + c.late + c.bad_frames > 0;
        ctx.report(
            if lossy {
                Severity::Warning
            } else {
                Severity::Info
            },
            message,
        );
    }
}

impl Node for GstCamera {
    fn inputs(&self) -> Vec<TopicId> {
        Vec::new()
    }

    fn tick_period(&self) -> Option<SimDuration> {
        Some(self.period)
    }

    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        self.next_report = ctx.now() + SimDuration::from_secs_f64(self.params.report_s.max(0.1));
        self.start(ctx);
        Ok(())
    }

    fn on_message(&mut self, _sample: &cabin_bus::Sample, _ctx: &mut Context) -> NodeResult {
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let _span = tracing::trace_span!("gst_camera_tick", node = %ctx.node()).entered();
        match &self.state {
            State::Waiting { until } => {
                if ctx.now() >= *until {
                    self.start(ctx);
                }
            }
            State::Running(live) => {
                let event = live.pipeline.poll();
                match event {
                    Some(PipelineEvent::Warning(w)) => {
                        tracing::warn!(node = %ctx.node(), "camera pipeline: {w}");
                    }
                    Some(PipelineEvent::Ended) => {
                        // Frames that arrived before the end still go out.
                        self.publish_newest(ctx);
                        self.lose(ctx, "end of stream".into());
                        return Ok(());
                    }
                    Some(PipelineEvent::Failed(e)) => {
                        self.lose(ctx, e);
                        return Ok(());
                    }
                    None => {}
                }
                self.publish_newest(ctx);
                if let State::Running(live) = &self.state {
                    let silent = ctx.now().saturating_since(live.last_frame_at);
                    if silent.as_secs_f64() > self.params.stall_s {
                        let why = format!("no frame for {:.1} s", silent.as_secs_f64());
                        self.lose(ctx, why);
                    }
                }
            }
        }
        self.report_counts(ctx);
        Ok(())
    }

    fn shutdown(&mut self, ctx: &mut Context) -> NodeResult {
        self.next_report = SimTime::ZERO;
        self.stop_stream(SimTime::ZERO);
        self.report_counts(ctx);
        Ok(())
    }
}

/// The vehicle time a frame was captured at: `now - age` (the tick's time, `now` without a PTS), at least
/// 1 ns after the previous frame's stamp and never after `now`. `None` when the previous stamp is `now`
/// itself (no instant left between them; ticks never repeat an instant, so this does not happen).
fn capture_stamp(
    now: SimTime,
    age: Option<std::time::Duration>,
    previous: Option<SimTime>,
) -> Option<SimTime> {
    let age_ns = age.map_or(0, |a| u64::try_from(a.as_nanos()).unwrap_or(u64::MAX));
    let captured = SimTime::from_nanos(now.as_nanos().saturating_sub(age_ns));
    match previous {
        Some(p) if p >= now => None,
        Some(p) if captured <= p => Some(p + SimDuration::from_nanos(1)),
        _ => Some(captured),
    }
}

/// Registers `gst_camera`.
pub fn register(registry: &mut cabin_bus::runtime::Registry) {
    registry.register(KIND, DESCRIPTION, |spec| {
        Ok(Box::new(GstCamera::from_spec(spec)?))
    });
}

#[cfg(test)]
mod tests {
    use super::capture_stamp;
    use cabin_bus::SimTime;
    use std::time::Duration;

    #[test]
    fn a_frame_is_stamped_at_its_capture_and_stamps_strictly_increase() {
        let ms = SimTime::from_millis;
        let age = |m| Some(Duration::from_millis(m));
        assert_eq!(capture_stamp(ms(1000), age(40), None), Some(ms(960)));
        assert_eq!(capture_stamp(ms(1000), None, Some(ms(990))), Some(ms(1000)));
        // A jittery PTS would put it at or before the previous frame: 1 ns after that instead.
        assert_eq!(
            capture_stamp(ms(1005), age(50), Some(ms(960))),
            Some(SimTime::from_nanos(ms(960).as_nanos() + 1))
        );
        // Older than the drive: clamped at zero, not wrapped.
        assert_eq!(capture_stamp(ms(10), age(40), None), Some(SimTime::ZERO));
        // Never after the tick, never equal to the previous stamp.
        assert_eq!(capture_stamp(ms(1000), age(0), Some(ms(1000))), None);
    }
}
