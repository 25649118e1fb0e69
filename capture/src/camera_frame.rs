//! From an appsink sample to a [`CameraFrame`]: the pixels, the capture instant, and the counters of
//! frames that were captured, dropped, missed upstream, late or unusable.
//!
//! This runs on GStreamer's streaming thread (the appsink callback); the camera node reads the frames from a
//! small queue on its tick. A full queue drops the new frame and counts it: the streaming thread never
//! waits for the bus.

use crate::pipeline::capture_clock_time;
use cabin_bus::messages::{Blob, CameraFrame, PixelFormat};
use cabin_bus::SimTime;
use gstreamer as gst;
use gstreamer_app as gst_app;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

/// A frame as it left the appsink.
pub struct CapturedFrame {
    pub frame: CameraFrame,
    /// Capture instant on the pipeline clock (see [`capture_clock_time`]); `None` without a PTS.
    pub capture: Option<gst::ClockTime>,
}

/// Counters of a camera source, shared between the streaming thread, the node and whoever holds a
/// [`CameraHandle`] (a test, a bench).
#[derive(Default, Debug)]
pub struct CameraCounters {
    captured: AtomicU64,
    published: AtomicU64,
    dropped: AtomicU64,
    superseded: AtomicU64,
    discarded: AtomicU64,
    missed_upstream: AtomicU64,
    late: AtomicU64,
    bad_frames: AtomicU64,
    losses: AtomicU64,
    reconnects: AtomicU64,
}

/// A snapshot of [`CameraCounters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CameraCounts {
    /// Frames the appsink handed over.
    pub captured: u64,
    /// Frames published on `sensors/camera`.
    pub published: u64,
    /// Frames dropped because the node's queue was full (the node fell behind the camera).
    pub dropped: u64,
    /// Frames replaced by a newer one before the node's tick published them (only the newest goes out).
    pub superseded: u64,
    /// Frames still waiting for a tick when their stream was stopped (a loss, a restart or the node's
    /// shutdown): captured, never published, and counted rather than silently freed.
    pub discarded: u64,
    /// Frames missing between consecutive PTS (lost by the device, the network or the decoder).
    pub missed_upstream: u64,
    /// Frames older than the lateness bound when published (still published, counted).
    pub late: u64,
    /// Samples that could not be turned into a frame (no caps, short buffer).
    pub bad_frames: u64,
    /// Streams lost: an error, an end of stream, or no frame for the stall time.
    pub losses: u64,
    /// Restarts of the pipeline after a loss that delivered a frame again.
    pub reconnects: u64,
}

impl CameraCounts {
    /// Frames with a known fate: published, dropped, superseded, discarded or bad. Once a stream has
    /// stopped this equals `captured` (the node counts every frame it was handed).
    pub fn accounted_for(&self) -> u64 {
        self.published + self.dropped + self.superseded + self.discarded + self.bad_frames
    }
}

impl CameraCounters {
    pub(crate) fn add(&self, which: fn(&CameraCounters) -> &AtomicU64, n: u64) {
        which(self).fetch_add(n, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> CameraCounts {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CameraCounts {
            captured: g(&self.captured),
            published: g(&self.published),
            dropped: g(&self.dropped),
            superseded: g(&self.superseded),
            discarded: g(&self.discarded),
            missed_upstream: g(&self.missed_upstream),
            late: g(&self.late),
            bad_frames: g(&self.bad_frames),
            losses: g(&self.losses),
            reconnects: g(&self.reconnects),
        }
    }
}

// Field selectors for `CameraCounters::add` (keeps the atomics private).
pub(crate) fn captured(c: &CameraCounters) -> &AtomicU64 {
    &c.captured
}
pub(crate) fn published(c: &CameraCounters) -> &AtomicU64 {
    &c.published
}
pub(crate) fn dropped(c: &CameraCounters) -> &AtomicU64 {
    &c.dropped
}
pub(crate) fn superseded(c: &CameraCounters) -> &AtomicU64 {
    &c.superseded
}
pub(crate) fn discarded(c: &CameraCounters) -> &AtomicU64 {
    &c.discarded
}
pub(crate) fn missed_upstream(c: &CameraCounters) -> &AtomicU64 {
    &c.missed_upstream
}
pub(crate) fn late(c: &CameraCounters) -> &AtomicU64 {
    &c.late
}
pub(crate) fn bad_frames(c: &CameraCounters) -> &AtomicU64 {
    &c.bad_frames
}
pub(crate) fn losses(c: &CameraCounters) -> &AtomicU64 {
    &c.losses
}
pub(crate) fn reconnects(c: &CameraCounters) -> &AtomicU64 {
    &c.reconnects
}

/// How many published frames' capture instants a [`CameraHandle`] remembers.
const CAPTURES_KEPT: usize = 4096;

/// What a camera node shares with the outside: its counters and, per published frame, its stamp (the
/// vehicle time of its capture) and its capture instant on the pipeline clock, so a bench or a test can
/// measure the latency of any output back to the moment its frame was captured.
#[derive(Clone, Default)]
pub struct CameraHandle {
    pub counters: Arc<CameraCounters>,
    captures: Arc<Mutex<VecDeque<(SimTime, gst::ClockTime)>>>,
}

impl CameraHandle {
    pub(crate) fn record_capture(&self, stamp: SimTime, capture: gst::ClockTime) {
        let mut q = self.captures.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() == CAPTURES_KEPT {
            q.pop_front();
        }
        q.push_back((stamp, capture));
    }

    /// The newest frame stamped at or before `stamp`: its stamp and capture instant (pipeline clock, ns).
    /// Stamps are capture instants, so this frame was captured before `stamp`, not necessarily seen by a
    /// node stepping at `stamp` (it may still have been in the face pipeline): to find the frame behind
    /// an output, key on the face observation it followed (its stamp is its frame's, [`Self::capture_of`]).
    pub fn capture_at_or_before(&self, stamp: SimTime) -> Option<(SimTime, u64)> {
        let q = self.captures.lock().unwrap_or_else(|p| p.into_inner());
        q.iter()
            .rev()
            .find(|(s, _)| *s <= stamp)
            .map(|(s, c)| (*s, c.nseconds()))
    }

    /// The capture instant (ns) of the frame stamped exactly `stamp` (a face observation keeps its frame's
    /// stamp).
    pub fn capture_of(&self, stamp: SimTime) -> Option<u64> {
        let q = self.captures.lock().unwrap_or_else(|p| p.into_inner());
        q.iter()
            .rev()
            .find(|(s, _)| *s == stamp)
            .map(|(_, c)| c.nseconds())
    }

    /// The current time of GStreamer's system clock (ns), the clock of every pipeline whose elements do
    /// not bring their own (v4l2src, rtspsrc, filesrc do not): the other end of a latency measured from
    /// [`CameraHandle::capture_of`].
    pub fn clock_now_ns() -> u64 {
        use gstreamer::prelude::ClockExt;
        gst::SystemClock::obtain().time().nseconds()
    }

    pub fn counts(&self) -> CameraCounts {
        self.counters.snapshot()
    }
}

/// The appsink callback's state: where frames go, what pixel layout they are in, and the previous PTS
/// for counting frames missed upstream.
pub(crate) struct FrameSink {
    pub tx: SyncSender<CapturedFrame>,
    pub format: PixelFormat,
    pub counters: Arc<CameraCounters>,
    /// Frame period when the caps do not give a rate (variable-rate sources); from the node's `fps`.
    pub fallback_period_ns: Option<u64>,
    pub previous: Option<gst::ClockTime>,
}

impl FrameSink {
    /// Handles one sample; an `Err` tells the streaming thread to stop (the node is gone).
    pub fn on_sample(
        &mut self,
        sink: &gst_app::AppSink,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        use gstreamer::prelude::ElementExt;
        let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
        self.counters.add(captured, 1);
        let capture = capture_clock_time(&sample, sink.base_time());
        self.count_missed(&sample, capture);
        match frame_from_sample(&sample, self.format) {
            Ok(frame) => match self.tx.try_send(CapturedFrame { frame, capture }) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => self.counters.add(dropped, 1),
                Err(TrySendError::Disconnected(_)) => return Err(gst::FlowError::Flushing),
            },
            Err(reason) => {
                self.counters.add(bad_frames, 1);
                tracing::warn!("camera sample unusable: {reason}");
            }
        }
        Ok(gst::FlowSuccess::Ok)
    }

    /// A gap of more than one and a half frame periods between consecutive capture instants means frames
    /// were lost before the appsink; counts how many would have fit in it.
    fn count_missed(&mut self, sample: &gst::Sample, capture: Option<gst::ClockTime>) {
        let period = frame_period_ns(sample).or(self.fallback_period_ns);
        if let (Some(prev), Some(now), Some(p)) = (self.previous, capture, period) {
            if now > prev && p > 0 {
                let gap = (now - prev).nseconds();
                if gap * 2 > p * 3 {
                    let missed = ((gap as f64 / p as f64).round() as u64).saturating_sub(1);
                    self.counters.add(missed_upstream, missed);
                }
            }
        }
        if capture.is_some() {
            self.previous = capture;
        }
    }
}

fn frame_period_ns(sample: &gst::Sample) -> Option<u64> {
    let s = sample.caps()?.structure(0)?;
    let f = s.get::<gst::Fraction>("framerate").ok()?;
    let (n, d) = (f.numer(), f.denom());
    (n > 0 && d > 0).then(|| 1_000_000_000u64 * d as u64 / n as u64)
}

/// Copies a raw video sample (`video/x-raw` in `format`) into a frame. The row stride is GStreamer's
/// default layout for packed 8-bit formats: the row rounded up to 4 bytes, unless the buffer is tight.
pub fn frame_from_sample(sample: &gst::Sample, format: PixelFormat) -> Result<CameraFrame, String> {
    let caps = sample.caps().ok_or("sample without caps")?;
    let s = caps.structure(0).ok_or("caps without a structure")?;
    let width = s.get::<i32>("width").map_err(|e| e.to_string())?;
    let height = s.get::<i32>("height").map_err(|e| e.to_string())?;
    let (width, height) = (
        u32::try_from(width).map_err(|_| format!("width {width}"))?,
        u32::try_from(height).map_err(|_| format!("height {height}"))?,
    );
    let buffer = sample.buffer().ok_or("sample without a buffer")?;
    let map = buffer.map_readable().map_err(|e| e.to_string())?;
    let row = width as u64 * format.bytes_per_pixel() as u64;
    let stride = if map.size() as u64 == row * height as u64 {
        row
    } else {
        row.div_ceil(4) * 4
    };
    let frame = CameraFrame {
        format,
        width,
        height,
        stride: u32::try_from(stride).map_err(|_| format!("stride {stride}"))?,
        data: Blob::from(map.as_slice().to_vec()),
    };
    frame.validate().map_err(|e| e.to_string())?;
    Ok(frame)
}
