//! The driver's own neutral (road-ahead) gaze, learned online under good conditions only.
//!
//! Camera mounting, seat position and body height move where "looking at the road" sits in camera angles.
//! Like openpilot's pose calibration, the policy learns it from the driver, but only from observations the
//! policy calls good: at speed, confident face, eyes open, gaze within `learn_within_deg` of the current
//! estimate (an attentive driver, not a mirror check) — `track_within_deg` once calibrated, which is
//! narrower than the distance to the nearest other zone, so a long glance at the instrument cluster is
//! never learned as the road ahead. The head's own pitch on the road is learned from the same
//! observations: the policy measures "head pitched down" against it. The estimate is the mean of those observations
//! until calibrated, then a running mean with time constant `time_constant_s` (slow drift), clamped to `max_offset_deg` around the configured neutral, and counts as calibrated
//! after `required_s` seconds of good observations. Until then the configured neutral (moved by what was
//! learned so far) is used, and the state says `Calibrating { progress }`.

use super::config::CalibrationConfig;

#[derive(Clone, Debug)]
pub struct NeutralGaze {
    cfg: CalibrationConfig,
    nominal: (f64, f64),
    value: (f64, f64),
    /// The head's pitch (degrees) while the driver looks at the road ahead.
    head_pitch: f64,
    good_s: f64,
}

impl NeutralGaze {
    pub fn new(cfg: CalibrationConfig, nominal: (f64, f64)) -> Self {
        NeutralGaze {
            cfg,
            nominal,
            value: nominal,
            head_pitch: nominal.1,
            good_s: 0.0,
        }
    }

    /// Learns from one good observation of `dt_s` seconds with gaze (yaw, pitch) and head pitch.
    pub fn learn(&mut self, dt_s: f64, gaze: (f64, f64), head_pitch: f64) {
        if !(gaze.0.is_finite() && gaze.1.is_finite() && head_pitch.is_finite() && dt_s > 0.0) {
            return;
        }
        let (dy, dp) = (gaze.0 - self.value.0, gaze.1 - self.value.1);
        let within = if self.progress() < 1.0 {
            self.cfg.learn_within_deg
        } else {
            self.cfg.track_within_deg
        };
        if dy.hypot(dp) > within {
            return;
        }
        // The plain mean of the good observations until calibrated, then a running mean.
        let a = if self.good_s < self.cfg.required_s {
            dt_s / (self.good_s + dt_s)
        } else {
            (dt_s / self.cfg.time_constant_s).min(1.0)
        };
        let m = self.cfg.max_offset_deg;
        self.value.0 = (self.value.0 + a * dy).clamp(self.nominal.0 - m, self.nominal.0 + m);
        self.value.1 = (self.value.1 + a * dp).clamp(self.nominal.1 - m, self.nominal.1 + m);
        self.head_pitch += a * (head_pitch - self.head_pitch);
        self.good_s += dt_s;
    }

    pub fn value(&self) -> (f64, f64) {
        self.value
    }

    /// The head's pitch on the road ahead (the configured neutral pitch until something is learned).
    pub fn head_pitch(&self) -> f64 {
        self.head_pitch
    }

    pub fn progress(&self) -> f64 {
        // (tolerates the rounding of summed frame durations)
        (self.good_s / self.cfg.required_s + 1e-9).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_near_the_current_estimate_clamped_and_ignores_glances() {
        let cfg = CalibrationConfig {
            required_s: 10.0,
            time_constant_s: 2.0,
            learn_within_deg: 12.0,
            track_within_deg: 5.0,
            max_offset_deg: 5.0,
        };
        let mut n = NeutralGaze::new(cfg, (0.0, 0.0));
        for _ in 0..100 {
            n.learn(0.1, (3.0, -8.0), -6.0);
            n.learn(0.1, (45.0, 0.0), 0.0); // mirror glance: ignored
        }
        assert!((n.value().0 - 3.0).abs() < 0.05);
        assert!(
            (n.value().1 + 5.0).abs() < 1e-9,
            "clamped to the max offset"
        );
        assert!((n.head_pitch() + 6.0).abs() < 0.05);
        assert_eq!(n.progress(), 1.0);
        // Once calibrated, a long glance 10 deg below (the instrument cluster) is not learned.
        let before = n.value();
        for _ in 0..100 {
            n.learn(0.1, (3.0, -15.0), -14.0);
        }
        assert_eq!(n.value(), before);
    }
}
