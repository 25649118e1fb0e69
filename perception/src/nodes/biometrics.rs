//! `biometrics` node: `sensors/ecg` and `sensors/ppg` chunks in, one `perception/heart` state per source
//! at a fixed rate (default 1 Hz) out.
//!
//! Chunks go into a [`HeartMonitor`] per source, placed on the time axis by their header stamp (the time
//! of the first sample). A chunk that cannot be used at all (bad sample rate, wrong kind for its topic, no
//! valid sample) is a rejected input; partly bad chunks are kept and their flags travel in the heart
//! state. Once a source has been heard of, it is published every period — with no figure and flags when
//! its data goes stale — so a dead sensor is visible.

use crate::biometrics::{HeartConfig, HeartMonitor};
use crate::error::PerceptionError;
use cabin_bus::prelude::*;
use serde::{Deserialize, Serialize};

/// `[[node]] kind = "biometrics"` params.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BiometricsParams {
    /// Analysis settings: `window_s`, `hr_window_s`, `min_beats`, `min_quality`, `ecg`/`ppg` limits, ...
    pub heart: HeartConfig,
}

/// Default publishing rate when the spec gives no `rate_hz`.
pub const BIOMETRICS_HZ: f64 = 1.0;

pub struct BiometricsNode {
    monitors: [Option<HeartMonitor>; 2],
    config: HeartConfig,
    period: SimDuration,
}

impl BiometricsNode {
    pub fn new(params: BiometricsParams, rate_hz: f64) -> Result<Self, PerceptionError> {
        Ok(BiometricsNode {
            monitors: [None, None],
            config: params.heart,
            period: super::tick_period("biometrics", rate_hz)?,
        })
    }

    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        super::build_from_spec(spec, BIOMETRICS_HZ, BiometricsNode::new)
    }
}

impl Node for BiometricsNode {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Ecg, TopicId::Ppg]
    }

    fn tick_period(&self) -> Option<SimDuration> {
        Some(self.period)
    }

    fn on_message(&mut self, sample: &Sample, _ctx: &mut Context) -> NodeResult {
        let _span = tracing::debug_span!("biometrics_chunk", topic = %sample.topic, seq = sample.header.seq).entered();
        let Some(chunk) = sample.get::<BiometricChunk>() else {
            return Err(NodeError::input(sample.topic, "not a biometric chunk"));
        };
        let (kind, slot) = match sample.topic {
            TopicId::Ecg => (BiometricKind::Ecg, 0),
            TopicId::Ppg => (BiometricKind::Ppg, 1),
            other => return Err(NodeError::input(other, "unexpected topic")),
        };
        if chunk.kind != kind {
            return Err(NodeError::input(
                sample.topic,
                format!("a {:?} chunk on the {kind:?} topic", chunk.kind),
            ));
        }
        let monitor =
            self.monitors[slot].get_or_insert_with(|| HeartMonitor::new(kind, self.config.clone()));
        let report = monitor.push(chunk, sample.header.stamp.as_secs_f64());
        if report.flags.contains(&SignalFlag::BadSampleRate) {
            return Err(NodeError::input(
                sample.topic,
                format!("sample rate {} Hz: chunk dropped", chunk.sample_rate_hz),
            ));
        }
        if report.accepted == 0 && !chunk.samples.is_empty() {
            return Err(NodeError::input(
                sample.topic,
                format!("no valid sample in the chunk ({:?})", report.flags),
            ));
        }
        if !report.flags.is_empty() {
            tracing::debug!(topic = %sample.topic, "chunk flagged {:?}", report.flags);
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let _span = tracing::debug_span!("biometrics_tick").entered();
        let now = ctx.now().as_secs_f64();
        for m in self.monitors.iter().flatten() {
            ctx.publish(topics::HEART, m.assess(now));
        }
        Ok(())
    }
}
