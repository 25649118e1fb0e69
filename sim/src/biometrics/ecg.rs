//! McSharry's dynamical ECG model (ECGSYN).
//!
//! P. E. McSharry, G. D. Clifford, L. Tarassenko, L. A. Smith, "A dynamical model for generating
//! synthetic electrocardiogram signals", IEEE Trans. Biomed. Eng. 50(3), 2003. A point moves on a
//! unit limit cycle in the (x, y) plane at angular speed 2 pi / RR; five Gaussian events at fixed
//! angles (P, Q, R, S, T) push the z coordinate, which is the ECG; the baseline wanders with
//! respiration. Angles and widths scale with the heart rate as in the authors' implementation. The
//! state is integrated with RK4 at >= 500 Hz and sampled at the output rate, so consecutive chunks
//! join seamlessly.

use super::heart::HeartModel;
use std::f64::consts::{PI, TAU};

/// P, Q, R, S, T: angle (degrees), amplitude, width (ECGSYN defaults).
const EVENTS: [(f64, f64, f64); 5] = [
    (-70.0, 1.2, 0.25),
    (-15.0, -5.0, 0.1),
    (0.0, 30.0, 0.1),
    (15.0, -7.5, 0.1),
    (100.0, 0.75, 0.4),
];

/// Respiratory baseline wander amplitude (model units: ECGSYN's `zbase = 0.005 sin(2 pi fresp t)`,
/// about 0.15 mV after scaling).
const BASELINE: f64 = 0.005;

#[derive(Clone, Debug)]
pub struct EcgModel {
    heart: HeartModel,
    respiration_hz: f64,
    x: f64,
    y: f64,
    z: f64,
    t: f64,
    dt: f64,
    steps_per_sample: u32,
    /// z -> mV: ECGSYN maps the signal to -0.4..1.2 mV; measured once on a reference run.
    offset: f64,
    scale: f64,
}

impl EcgModel {
    pub fn new(heart: HeartModel, respiration_hz: f64, sample_rate_hz: f64) -> EcgModel {
        let steps_per_sample = (500.0 / sample_rate_hz).ceil().max(1.0) as u32;
        let dt = 1.0 / (sample_rate_hz * steps_per_sample as f64);
        let mut m = EcgModel {
            heart,
            respiration_hz,
            x: -1.0,
            y: 0.0,
            z: 0.0,
            t: 0.0,
            dt,
            steps_per_sample,
            offset: 0.0,
            scale: 1.0,
        };
        // Calibrate the mV scale on 10 s of the same model at its starting heart rate.
        let mut probe = m.clone();
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for _ in 0..(10.0 * sample_rate_hz) as usize {
            let z = probe.next_raw();
            lo = lo.min(z);
            hi = hi.max(z);
        }
        if hi > lo {
            m.scale = 1.6 / (hi - lo);
            m.offset = lo;
        }
        m
    }

    /// The model's derivative; `rr` (the RR interval) is held over one output sample: it changes on a
    /// scale of seconds, and evaluating it is the costly part.
    fn deriv(&self, t: f64, s: [f64; 3], rr: f64) -> [f64; 3] {
        let [x, y, z] = s;
        let w = TAU / rr;
        let hr_fact = (60.0 / rr / 60.0).sqrt();
        let hr_fact2 = hr_fact.sqrt();
        let alpha = 1.0 - (x * x + y * y).sqrt();
        let theta = y.atan2(x);
        let mut dz = 0.0;
        for (k, &(ti, ai, bi)) in EVENTS.iter().enumerate() {
            let ti = ti.to_radians() * [hr_fact2, hr_fact, 1.0, hr_fact, hr_fact2][k];
            let bi = bi * hr_fact;
            let mut d = theta - ti;
            d = (d + PI).rem_euclid(TAU) - PI;
            dz -= ai * d * (-d * d / (2.0 * bi * bi)).exp();
        }
        // Respiratory baseline wander.
        let z0 = BASELINE * (TAU * self.respiration_hz * t).sin();
        dz -= z - z0;
        [alpha * x - w * y, alpha * y + w * x, dz]
    }

    fn next_raw(&mut self) -> f64 {
        let rr = self.heart.rr_s(self.t);
        for _ in 0..self.steps_per_sample {
            let h = self.dt;
            let s = [self.x, self.y, self.z];
            let k1 = self.deriv(self.t, s, rr);
            let add = |a: [f64; 3], b: [f64; 3], f: f64| {
                [a[0] + f * b[0], a[1] + f * b[1], a[2] + f * b[2]]
            };
            let k2 = self.deriv(self.t + h / 2.0, add(s, k1, h / 2.0), rr);
            let k3 = self.deriv(self.t + h / 2.0, add(s, k2, h / 2.0), rr);
            let k4 = self.deriv(self.t + h, add(s, k3, h), rr);
            for i in 0..3 {
                let v = s[i] + h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
                match i {
                    0 => self.x = v,
                    1 => self.y = v,
                    _ => self.z = v,
                }
            }
            self.t += h;
        }
        self.z
    }

    /// The next sample, mV.
    pub fn next_mv(&mut self) -> f64 {
        let z = self.next_raw();
        (z - self.offset) * self.scale - 0.4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Keyframes;

    #[test]
    fn r_peaks_come_at_the_heart_rate() {
        let heart = HeartModel::new(Keyframes::constant(75.0), 0.0, 0.5, 0.25, 1);
        let fs = 250.0;
        let mut m = EcgModel::new(heart, 0.25, fs);
        let v: Vec<f64> = (0..(30.0 * fs) as usize).map(|_| m.next_mv()).collect();
        let max = v.iter().cloned().fold(f64::MIN, f64::max);
        let min = v.iter().cloned().fold(f64::MAX, f64::min);
        assert!(max > 0.8 && max < 1.6 && min > -0.8, "range {min}..{max}");
        // Count R peaks: local maxima above 60% of the range.
        let thr = min + 0.6 * (max - min);
        let peaks = (1..v.len() - 1)
            .filter(|&i| v[i] > thr && v[i] >= v[i - 1] && v[i] > v[i + 1])
            .count();
        // 75 bpm over 30 s = 37.5 beats.
        assert!((36..=39).contains(&peaks), "{peaks} peaks");
    }
}
