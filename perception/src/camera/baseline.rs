//! The driver's own open-eye baseline, learned online.
//!
//! Raw openness (lid gap over eye width) differs between people, cameras and lighting: the shared README
//! measured ~0.39 open and ~0.19 closed on one rendered face, and closed eyes up to 0.33 at 30 degrees of
//! yaw or in dark, noisy frames. So openness is judged relative to *this* driver's open eyes.
//!
//! Learning: only from frames the pipeline calls good (face confidently found, head near frontal), the
//! baseline is a high quantile (default the 75th percentile) of the recent raw openness — eyes are open
//! most of the time, so blinks and short closures fall below it. It is *calibrated* once `min_samples`
//! good frames were seen. After that it keeps adapting (lighting changes) but only within
//! `max_drift` of the value at calibration, so a driver who slowly gets drowsy cannot teach the monitor
//! that half-closed eyes are normal. Every value is clamped to `[min_open, max_open]`.
//!
//! Normalised openness = `(raw / baseline - closed_ratio) / (1 - closed_ratio)`, clamped to [0, 1.5]:
//! 1 = normally open, 0 = closed. `closed_ratio` (default 0.45) is where the model's lids meet relative to
//! the open baseline (0.19 / 0.39 on the rendered face): the model never reports a zero gap.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EyeBaselineConfig {
    /// Good frames before the baseline counts (at 30 fps, 90 = 3 s).
    pub min_samples: usize,
    /// Recent good frames the quantile is taken over.
    pub window: usize,
    /// Quantile of the window taken as "open" (0..1).
    pub quantile: f32,
    /// Plausible open-eye raw openness, clamps.
    pub min_open: f32,
    pub max_open: f32,
    /// After calibration the baseline stays within this fraction of the calibrated value.
    pub max_drift: f32,
    /// Raw/baseline ratio where the lids meet.
    pub closed_ratio: f32,
}

impl Default for EyeBaselineConfig {
    fn default() -> Self {
        EyeBaselineConfig {
            min_samples: 90,
            window: 300,
            quantile: 0.75,
            min_open: 0.2,
            max_open: 0.6,
            max_drift: 0.15,
            closed_ratio: 0.45,
        }
    }
}

/// Online open-eye baseline for one driver (both eyes pooled: lids move together).
#[derive(Clone, Debug)]
pub struct EyeBaseline {
    config: EyeBaselineConfig,
    recent: VecDeque<f32>,
    seen: usize,
    calibrated_at: Option<f32>,
    value: Option<f32>,
}

impl EyeBaseline {
    pub fn new(config: EyeBaselineConfig) -> Self {
        EyeBaseline {
            recent: VecDeque::with_capacity(config.window.max(1)),
            config,
            seen: 0,
            calibrated_at: None,
            value: None,
        }
    }

    /// Adds a raw openness measured under good conditions. Non-finite or absurd values are ignored.
    pub fn learn(&mut self, raw: f32) {
        if !raw.is_finite() || !(0.0..=1.5).contains(&raw) {
            return;
        }
        if self.recent.len() >= self.config.window.max(1) {
            self.recent.pop_front();
        }
        self.recent.push_back(raw);
        self.seen += 1;
        if self.seen < self.config.min_samples.max(1) {
            return;
        }
        let mut sorted: Vec<f32> = self.recent.iter().copied().collect();
        sorted.sort_by(f32::total_cmp);
        let q = self.config.quantile.clamp(0.0, 1.0);
        let idx = ((sorted.len() - 1) as f32 * q).round() as usize;
        let mut v = sorted[idx].clamp(self.config.min_open, self.config.max_open);
        match self.calibrated_at {
            None => self.calibrated_at = Some(v),
            Some(c) => {
                let d = self.config.max_drift.max(0.0);
                v = v.clamp(c * (1.0 - d), c * (1.0 + d));
            }
        }
        self.value = Some(v);
    }

    /// The open-eye raw openness, once calibrated.
    pub fn value(&self) -> Option<f32> {
        self.value
    }

    /// Calibration progress, 0..1.
    pub fn progress(&self) -> f32 {
        (self.seen as f32 / self.config.min_samples.max(1) as f32).min(1.0)
    }

    /// Raw openness relative to the baseline (1 open, 0 closed), once calibrated.
    pub fn normalise(&self, raw: f32) -> Option<f32> {
        let b = self.value?;
        let c = self.config.closed_ratio.clamp(0.0, 0.95);
        let v = ((raw / b - c) / (1.0 - c)).clamp(0.0, 1.5);
        v.is_finite().then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_the_open_level_despite_blinks_and_clamps_drift() {
        let mut b = EyeBaseline::new(EyeBaselineConfig::default());
        for i in 0..89 {
            b.learn(if i % 10 == 0 { 0.18 } else { 0.38 });
        }
        assert_eq!(b.value(), None);
        b.learn(0.38);
        let v = b.value().unwrap();
        assert!((v - 0.38).abs() < 1e-6);
        assert!((b.normalise(0.38).unwrap() - 1.0).abs() < 1e-5);
        assert!(b.normalise(0.17).unwrap() < 0.05);
        // A long stretch of half-closed eyes cannot drag the baseline below 85% of the calibrated value.
        for _ in 0..1000 {
            b.learn(0.25);
        }
        assert!((b.value().unwrap() - 0.38 * 0.85).abs() < 1e-5);
        b.learn(f32::NAN);
        assert!(b.value().unwrap().is_finite());
    }
}
