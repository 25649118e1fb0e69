//! A photoplethysmogram (optical pulse) from the same heart as the ECG.
//!
//! Each beat (a phase oscillator running at 1 / RR, so its beats fall with the ECG's R peaks) sends a
//! pulse to the sensor after a pulse transit time: a systolic peak and a smaller dicrotic wave, two
//! Gaussians — the usual shape model of a finger/wrist PPG — on a respiratory baseline.

use super::heart::HeartModel;
use std::collections::VecDeque;
use std::f64::consts::TAU;

/// Pulse transit time from the R peak to the foot of the pulse, seconds.
const TRANSIT_S: f64 = 0.22;

#[derive(Clone, Debug)]
pub struct PpgModel {
    heart: HeartModel,
    respiration_hz: f64,
    phase: f64,
    t: f64,
    dt: f64,
    beats: VecDeque<f64>,
}

fn pulse(tau: f64) -> f64 {
    let g = |mu: f64, s: f64| (-(tau - mu) * (tau - mu) / (2.0 * s * s)).exp();
    g(0.12, 0.045) + 0.35 * g(0.36, 0.07)
}

impl PpgModel {
    pub fn new(heart: HeartModel, respiration_hz: f64, sample_rate_hz: f64) -> PpgModel {
        PpgModel {
            heart,
            respiration_hz,
            // The ECG model starts half a cycle before its first R peak; so does this.
            phase: 0.5,
            t: 0.0,
            dt: 1.0 / sample_rate_hz,
            beats: VecDeque::new(),
        }
    }

    /// The next sample (arbitrary units, ~0..1.1).
    pub fn next_value(&mut self) -> f64 {
        let t = self.t;
        let v = self
            .beats
            .iter()
            .map(|&b| pulse(t - b - TRANSIT_S))
            .sum::<f64>()
            + 0.06 * (TAU * self.respiration_hz * t).sin();
        self.phase += self.dt / self.heart.rr_s(t);
        if self.phase >= 1.0 {
            self.phase -= 1.0;
            self.beats.push_back(t);
        }
        while self.beats.front().is_some_and(|&b| t - b > 2.0) {
            self.beats.pop_front();
        }
        self.t += self.dt;
        v
    }
}
