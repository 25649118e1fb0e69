//! The `gst_microphone` node: seat microphones through a GStreamer pipeline onto `sensors/audio`.
//!
//! ```toml
//! [[node]]
//! name = "microphones"
//! kind = "gst_microphone"
//! [node.params]
//! pipeline = "alsasrc device=hw:1"   # filesrc ... ! wavparse, audiotestsrc in tests
//! seats = [0, 1]                     # interleaved channel i -> AudioChunk.channel seats[i]
//! ```
//!
//! The node appends `audioconvert ! audioresample ! 16 kHz F32LE interleaved ! appsink` to the source,
//! deinterleaves each buffer itself ([`Chunker`]), and publishes one [`AudioChunk`] per seat every
//! `chunk_ms` — 32 ms by default, the speech node's VAD chunk.
//!
//! Time: a chunk's vehicle time is the PTS of its first sample — pipeline running time, i.e. clock time
//! minus the base time the pipeline took when it went to PLAYING — plus the vehicle time at which the
//! node set it playing: `stamp = t_started + pts`. The node asks for a wake-up at each chunk's time and
//! publishes it with that stamp ([`Context::publish_at`]): the bus stamp *is* the PTS-derived time, also
//! when the chunk goes out later than its time — under the deterministic executor when a step's wait of up
//! to `wait_ms` for GStreamer came back empty (a pipeline slow to start), live because audio can only be
//! published once it has arrived. The publishing delay of the first chunk (device start-up, one buffer) is
//! the stream's baseline: a chunk published more than `late_ms` beyond that baseline counts as late (the
//! node or the machine fell behind). A source faster than real time (a file) is played at its own pace.
//!
//! Losses: DISCONT buffers, PTS gaps (and the audio missing in them), NaN/inf samples (zeroed), late
//! chunks — counted and reported on the diagnostics topic at most once a second, and in a summary at
//! shutdown. A failed pipeline (device unplugged, cannot open) or an unexpected end of stream is an
//! error diagnostic, then a reconnect with exponential backoff; the node never panics on the device.

use crate::microphone_chunker::{AudioLosses, Chunker, SeatChunks, SAMPLE_RATE_HZ};
use crate::microphone_pipeline::MicPipeline;
use crate::pipeline::PipelineEvent;
use cabin_bus::prelude::*;
use serde::Deserialize;
use std::collections::VecDeque;

/// What the node does when the stream ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AtEnd {
    /// A live device should never end: report it and reconnect (the default).
    Reconnect,
    /// A file or a test source: publish what is left, then ask the run to stop.
    Stop,
}

/// Parameters of the `gst_microphone` node.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicrophoneConfig {
    /// The source part of a GStreamer launch line (everything before the conversion to 16 kHz).
    pub pipeline: String,
    /// `seats[i]` is the `channel` (seat zone) of interleaved channel i; the source must give
    /// `seats.len()` channels (audioconvert mixes if it gives a different number).
    pub seats: Vec<u8>,
    /// Chunk length, ms.
    pub chunk_ms: u32,
    /// How long a step waits for audio when none is pending (and for the pipeline to start), ms. Under
    /// the deterministic executor this is what keeps a file source in step with vehicle time.
    pub wait_ms: u32,
    /// How often to look again when the pipeline gave nothing, ms.
    pub poll_ms: u32,
    /// A chunk published later than this after its time counts as late, ms.
    pub late_ms: u32,
    /// Audio read ahead of its time at most (a faster-than-real-time source waits beyond it), ms.
    pub max_ahead_ms: u32,
    /// First and longest wait before reconnecting a failed pipeline, ms (doubling in between).
    pub reconnect_min_ms: u32,
    pub reconnect_max_ms: u32,
    pub at_end: AtEnd,
}

impl Default for MicrophoneConfig {
    fn default() -> Self {
        MicrophoneConfig {
            pipeline: "alsasrc".into(),
            seats: vec![0],
            chunk_ms: 32,
            wait_ms: 1_000,
            poll_ms: 10,
            late_ms: 100,
            max_ahead_ms: 2_000,
            reconnect_min_ms: 500,
            reconnect_max_ms: 10_000,
            at_end: AtEnd::Reconnect,
        }
    }
}

/// What the node counted (also in its shutdown diagnostic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MicrophoneStats {
    /// Chunk instants published (each has one chunk per seat).
    pub chunks: u64,
    pub late: u64,
    pub failures: u64,
    pub reconnects: u64,
    pub losses: AudioLosses,
}

/// The node. See the module docs.
pub struct MicrophoneNode {
    config: MicrophoneConfig,
    pipeline: Option<MicPipeline>,
    chunker: Chunker,
    /// Vehicle time at which the current stream started (its PTS count from there).
    started_at: SimTime,
    /// How late the stream's first chunk was published (start-up and one buffer): the baseline of
    /// lateness.
    lag0: Option<SimDuration>,
    pending: VecDeque<(SimTime, SeatChunks)>,
    last_due: SimTime,
    retry_at: SimTime,
    backoff_ms: u64,
    ended: bool,
    stats: MicrophoneStats,
    reported: MicrophoneStats,
    last_report: Option<SimTime>,
}

impl MicrophoneNode {
    pub fn new(config: MicrophoneConfig) -> Self {
        let chunk_len = (SAMPLE_RATE_HZ as usize * config.chunk_ms as usize / 1000).max(1);
        MicrophoneNode {
            chunker: Chunker::new(config.seats.len(), chunk_len),
            backoff_ms: config.reconnect_min_ms as u64,
            config,
            pipeline: None,
            started_at: SimTime::ZERO,
            lag0: None,
            pending: VecDeque::new(),
            last_due: SimTime::ZERO,
            retry_at: SimTime::ZERO,
            ended: false,
            stats: MicrophoneStats::default(),
            reported: MicrophoneStats::default(),
            last_report: None,
        }
    }

    /// Checks the parameters and that the pipeline parses (a missing element is a config error here, at
    /// build time; a device that cannot be opened is found at start and retried).
    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        let config: MicrophoneConfig = spec.params()?;
        let bad = |reason: String| NodeError::Config {
            node: spec.name.to_string(),
            reason,
        };
        let mut seen = [false; 256];
        if config.seats.is_empty() || config.seats.len() > 8 {
            return Err(bad(format!(
                "seats: {} channels; 1 to 8 expected",
                config.seats.len()
            )));
        }
        for &s in &config.seats {
            if std::mem::replace(&mut seen[s as usize], true) {
                return Err(bad(format!("seats: channel {s} given twice")));
            }
        }
        if !(1..=1000).contains(&config.chunk_ms) || config.poll_ms == 0 {
            return Err(bad("chunk_ms must be 1..=1000 and poll_ms > 0".into()));
        }
        if config.pipeline.trim().is_empty() || config.pipeline.contains("appsink") {
            return Err(bad(
                "pipeline: give the source only; the node adds the conversion and its appsink"
                    .into(),
            ));
        }
        MicPipeline::parse(&config.pipeline, config.seats.len(), SAMPLE_RATE_HZ)
            .map_err(|e| bad(e.to_string()))?;
        Ok(Self::new(config))
    }

    pub fn stats(&self) -> MicrophoneStats {
        MicrophoneStats {
            losses: self.chunker.losses(),
            ..self.stats
        }
    }

    fn chunk_ns(&self) -> u64 {
        self.config.chunk_ms as u64 * 1_000_000
    }

    fn connect(&mut self, ctx: &mut Context) {
        let started = MicPipeline::parse(
            &self.config.pipeline,
            self.config.seats.len(),
            SAMPLE_RATE_HZ,
        )
        .and_then(|p| p.play().map(|()| p))
        .and_then(|p| p.wait_started(self.config.wait_ms as u64).map(|()| p));
        match started {
            Ok(p) => {
                tracing::info!(node = %ctx.node(), "microphone pipeline playing: {}", p.launch());
                self.chunker.restart();
                self.started_at = ctx.now().max(self.last_due);
                self.lag0 = None;
                self.pipeline = Some(p);
            }
            Err(e) => self.fail(ctx, e.to_string()),
        }
    }

    /// The pipeline is gone: say so, and try again after the backoff.
    fn fail(&mut self, ctx: &mut Context, why: String) {
        self.pipeline = None;
        self.stats.failures += 1;
        self.retry_at = ctx.now() + SimDuration::from_millis(self.backoff_ms);
        let msg = format!(
            "microphone lost: {why}; reconnecting in {} ms",
            self.backoff_ms
        );
        tracing::error!(node = %ctx.node(), "{msg}");
        ctx.report(Severity::Error, msg);
        self.backoff_ms = (self.backoff_ms * 2).min(self.config.reconnect_max_ms.max(1) as u64);
    }

    fn queue(&mut self, chunk: SeatChunks) {
        let due = (self.started_at + SimDuration::from_nanos(chunk.pts_ns)).max(self.last_due);
        self.last_due = due;
        self.pending.push_back((due, chunk));
    }

    /// Moves audio from the appsink into `pending` (up to `max_ahead_ms` of it), waiting up to `wait_ms`
    /// when nothing is pending; handles the end of the stream and pipeline errors.
    fn pull(&mut self, ctx: &mut Context) {
        let now = ctx.now();
        let ahead = SimDuration::from_millis(self.config.max_ahead_ms as u64);
        let mut waited = false;
        loop {
            let Some(p) = self.pipeline.as_ref() else {
                return;
            };
            if let Some(&(due, _)) = self.pending.back() {
                if due.saturating_since(now) > ahead {
                    return;
                }
            }
            let timeout = if self.pending.is_empty() && !waited {
                waited = true;
                self.config.wait_ms as u64
            } else {
                0
            };
            match p.pull(timeout) {
                Some(b) => {
                    for c in self.chunker.push(&b.samples, b.pts_ns, b.discont) {
                        self.queue(c);
                    }
                }
                None => {
                    let event = p
                        .poll_event()
                        .or(p.is_eos().then_some(PipelineEvent::Ended));
                    match event {
                        Some(PipelineEvent::Ended) => self.end_of_stream(ctx),
                        Some(PipelineEvent::Failed(e)) => self.fail(ctx, e),
                        Some(PipelineEvent::Warning(_)) | None => {}
                    }
                    return;
                }
            }
        }
    }

    fn end_of_stream(&mut self, ctx: &mut Context) {
        if let Some(c) = self.chunker.take_partial() {
            self.queue(c);
        }
        match self.config.at_end {
            AtEnd::Stop => {
                tracing::info!(node = %ctx.node(), "microphone stream ended");
                self.pipeline = None;
                self.ended = true;
            }
            AtEnd::Reconnect => self.fail(ctx, "end of stream".into()),
        }
    }

    fn publish_due(&mut self, ctx: &mut Context) {
        let now = ctx.now();
        let late = SimDuration::from_millis(self.config.late_ms as u64);
        while let Some(&(due, _)) = self.pending.front() {
            if due > now {
                break;
            }
            let Some((due, chunk)) = self.pending.pop_front() else {
                break;
            };
            let lag = now.saturating_since(due);
            let lag0 = *self.lag0.get_or_insert(lag);
            if lag.as_nanos().saturating_sub(lag0.as_nanos()) > late.as_nanos() {
                self.stats.late += 1;
            }
            // Stamped with the chunk's PTS-derived time, not the step's: a step that found no audio
            // yet (a pipeline slow to start on a loaded machine) publishes the chunk a tick later, but
            // its stamp stays the instant the audio was captured. `due` never goes back (`queue`), so
            // the only refusal would be a bug in that mapping: logged and counted as a failure.
            for (samples, &seat) in chunk.channels.into_iter().zip(&self.config.seats) {
                let chunk = AudioChunk {
                    sample_rate_hz: SAMPLE_RATE_HZ,
                    channel: seat,
                    samples,
                };
                if let Err(e) = ctx.publish_at(topics::AUDIO, chunk, due) {
                    self.stats.failures += 1;
                    tracing::error!(node = %ctx.node(), "audio chunk not published: {e}");
                }
            }
            self.stats.chunks += 1;
            // A stream that delivers again has recovered: the next failure starts the backoff afresh.
            self.backoff_ms = self.config.reconnect_min_ms as u64;
        }
    }

    fn summary(&self) -> String {
        let s = self.stats();
        format!(
            "{} chunks, {} late, {} discontinuities ({} ms missing), {} NaN/inf samples zeroed, \
             {} unstamped buffers, {} failures, {} reconnects",
            s.chunks,
            s.late,
            s.losses.discontinuities,
            s.losses.gap_ns / 1_000_000,
            s.losses.non_finite,
            s.losses.unstamped,
            s.failures,
            s.reconnects
        )
    }

    /// New losses go to the diagnostics topic, at most once a second of vehicle time.
    fn report_losses(&mut self, ctx: &mut Context) {
        let now = ctx.now();
        let s = self.stats();
        let new = s.late > self.reported.late
            || s.losses.discontinuities > self.reported.losses.discontinuities
            || s.losses.non_finite > self.reported.losses.non_finite
            || s.losses.unstamped > self.reported.losses.unstamped;
        let quiet = self
            .last_report
            .is_none_or(|t| now.saturating_since(t) >= SimDuration::from_secs(1));
        if new && quiet {
            let msg = format!("microphone losses so far: {}", self.summary());
            tracing::warn!(node = %ctx.node(), "{msg}");
            ctx.report(Severity::Warning, msg);
            self.reported = s;
            self.last_report = Some(now);
        }
    }

    fn step(&mut self, ctx: &mut Context) {
        let _span = tracing::debug_span!("gst_microphone", node = %ctx.node()).entered();
        if self.pipeline.is_none() && !self.ended && ctx.now() >= self.retry_at {
            if self.stats.failures > 0 {
                self.stats.reconnects += 1;
            }
            self.connect(ctx);
        }
        self.pull(ctx);
        self.publish_due(ctx);
        self.report_losses(ctx);
        let now = ctx.now();
        if let Some(&(due, _)) = self.pending.front() {
            ctx.wake_at(due);
        } else if self.pipeline.is_some() {
            ctx.wake_at(now + SimDuration::from_millis(self.config.poll_ms as u64));
        } else if self.ended {
            ctx.request_stop();
        } else {
            ctx.wake_at(
                self.retry_at
                    .max(now + SimDuration::from_nanos(self.chunk_ns())),
            );
        }
    }
}

impl Node for MicrophoneNode {
    fn inputs(&self) -> Vec<TopicId> {
        Vec::new()
    }

    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        self.step(ctx);
        Ok(())
    }

    fn on_message(&mut self, sample: &Sample, _ctx: &mut Context) -> NodeResult {
        Err(NodeError::input(
            sample.topic,
            "the microphone node has no inputs",
        ))
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        self.step(ctx);
        Ok(())
    }

    fn shutdown(&mut self, ctx: &mut Context) -> NodeResult {
        self.pipeline = None;
        ctx.report(Severity::Info, format!("microphone: {}", self.summary()));
        Ok(())
    }
}
