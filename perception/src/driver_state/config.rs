//! The driver-state thresholds: `config/driver_state.toml`, embedded, with every constant's source cited
//! in the file. Overrides are partial TOML tables merged over it; every key is checked
//! (`deny_unknown_fields`), so a typo is an error naming the key, never a silent default.

use crate::camera::GazeZoneMap;
use crate::error::{PerceptionError, Result};
use serde::{Deserialize, Serialize};

/// The embedded default thresholds.
pub const DEFAULT_DRIVER_STATE_TOML: &str = include_str!("../../config/driver_state.toml");

/// A piecewise-linear map given as `[[x, y], ...]` with increasing x (flat beyond the ends).
pub type Curve = Vec<[f64; 2]>;

/// Evaluates a [`Curve`] at `x`.
pub fn interpolate(curve: &[[f64; 2]], x: f64) -> f64 {
    let (Some(first), Some(last)) = (curve.first(), curve.last()) else {
        return 0.0;
    };
    if !x.is_finite() || x <= first[0] {
        return first[1];
    }
    if x >= last[0] {
        return last[1];
    }
    for w in curve.windows(2) {
        let (a, b) = (w[0], w[1]);
        if x <= b[0] {
            let span = b[0] - a[0];
            return if span > 0.0 {
                a[1] + (b[1] - a[1]) * (x - a[0]) / span
            } else {
                b[1]
            };
        }
    }
    last[1]
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gating {
    pub min_speed_mps: f64,
    pub min_face_score: f64,
    pub face_timeout_s: f64,
    pub max_frame_gap_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistractionConfig {
    pub long_distraction_s: f64,
    pub time_sharing_window_s: f64,
    pub time_sharing_s: f64,
    /// Continuous time on the forward road that empties the time-sharing window.
    pub time_sharing_reset_s: f64,
    pub time_sharing_clear_s: f64,
    pub time_sharing_critical_s: f64,
    pub phone_s: f64,
    pub awareness_budget_s: f64,
    pub awareness_recovery_s: f64,
    pub warning_awareness: f64,
    pub clear_awareness: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrowsinessConfig {
    pub window_s: f64,
    pub closed_below: f64,
    /// A closure lasts until openness is back above this.
    pub reopen_above: f64,
    pub open_above: f64,
    /// Head pitched down more than this (degrees) from the driver's own road-ahead head pitch: the lid
    /// aperture is not judged as a closure (the lids follow the eyes down).
    pub head_down_deg: f64,
    pub microsleep_s: f64,
    pub kss_base: f64,
    pub perclos_kss: Curve,
    pub blink_duration_kss: Curve,
    pub microsleep_kss: f64,
    pub min_valid_fraction: f64,
    pub info_kss: f64,
    pub warning_kss: f64,
    pub critical_kss: f64,
    pub clear_kss: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextConfig {
    pub circadian_low_hours: Vec<[f64; 2]>,
    pub circadian_kss: f64,
    pub time_on_task_kss: Curve,
    pub co2_kss: Curve,
    pub max_context_kss: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartContextConfig {
    pub hr_drop_fraction: f64,
    pub hrv_kss: f64,
    pub baseline_s: f64,
    pub max_age_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnresponsiveConfig {
    pub eyes_closed_s: f64,
    pub face_absent_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringConfig {
    pub unavailable_after_s: f64,
    /// No observation at all for this long: the camera is gone.
    pub silent_after_s: f64,
    pub recover_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationConfig {
    pub required_s: f64,
    pub time_constant_s: f64,
    pub learn_within_deg: f64,
    /// Once calibrated, only gazes this close to the learned neutral are learned from.
    pub track_within_deg: f64,
    pub max_offset_deg: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    pub escalate_after_s: f64,
    pub clear_after_s: f64,
}

/// Every threshold of the driver-state policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverStateConfig {
    pub gating: Gating,
    pub distraction: DistractionConfig,
    pub drowsiness: DrowsinessConfig,
    pub context: ContextConfig,
    pub heart: HeartContextConfig,
    pub unresponsive: UnresponsiveConfig,
    pub monitoring: MonitoringConfig,
    pub calibration: CalibrationConfig,
    pub alerts: AlertConfig,
    /// The gaze-zone map (not in the TOML file: `config/gaze_zones.toml` by default).
    #[serde(skip)]
    pub zones: GazeZoneMap,
}

fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

impl DriverStateConfig {
    /// The embedded defaults.
    pub fn embedded() -> Result<Self> {
        Self::parse(DEFAULT_DRIVER_STATE_TOML, &toml::Table::new())
    }

    /// A full config file's text with partial `overrides` merged over it.
    pub fn parse(text: &str, overrides: &toml::Table) -> Result<Self> {
        let mut table: toml::Table = toml::from_str(text)
            .map_err(|e| PerceptionError::Config(format!("driver_state config: {e}")))?;
        merge(&mut table, overrides);
        let c: DriverStateConfig =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    PerceptionError::Config(format!("driver_state config: {}", e.message()))
                })?;
        c.validate()?;
        Ok(c)
    }

    /// Consistency checks a typo could break.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(PerceptionError::Config(format!("driver_state config: {m}")));
        let d = &self.distraction;
        let positive = [
            ("gating.face_timeout_s", self.gating.face_timeout_s),
            ("gating.max_frame_gap_s", self.gating.max_frame_gap_s),
            ("distraction.awareness_budget_s", d.awareness_budget_s),
            ("distraction.awareness_recovery_s", d.awareness_recovery_s),
            ("distraction.time_sharing_window_s", d.time_sharing_window_s),
            ("distraction.time_sharing_reset_s", d.time_sharing_reset_s),
            ("drowsiness.window_s", self.drowsiness.window_s),
            ("monitoring.silent_after_s", self.monitoring.silent_after_s),
            ("calibration.required_s", self.calibration.required_s),
            (
                "calibration.time_constant_s",
                self.calibration.time_constant_s,
            ),
        ];
        for (k, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return bad(&format!("{k} must be > 0 (is {v})"));
            }
        }
        if !(d.clear_awareness > d.warning_awareness) {
            return bad("distraction.clear_awareness must be above warning_awareness");
        }
        if !(d.time_sharing_clear_s < d.time_sharing_s) {
            return bad("distraction.time_sharing_clear_s must be below time_sharing_s");
        }
        let w = &self.drowsiness;
        if !(w.open_above >= w.reopen_above && w.reopen_above > w.closed_below) {
            return bad("drowsiness: need closed_below < reopen_above <= open_above");
        }
        if !(w.head_down_deg.is_finite() && w.head_down_deg > 0.0) {
            return bad("drowsiness.head_down_deg must be > 0");
        }
        if !(w.clear_kss < w.info_kss
            && w.info_kss <= w.warning_kss
            && w.warning_kss <= w.critical_kss)
        {
            return bad("drowsiness: need clear_kss < info_kss <= warning_kss <= critical_kss");
        }
        for (k, c) in [
            ("drowsiness.perclos_kss", &w.perclos_kss),
            ("drowsiness.blink_duration_kss", &w.blink_duration_kss),
            ("context.time_on_task_kss", &self.context.time_on_task_kss),
            ("context.co2_kss", &self.context.co2_kss),
        ] {
            if c.is_empty() || c.windows(2).any(|p| p[1][0] < p[0][0]) {
                return bad(&format!("{k} must be non-empty with increasing x"));
            }
        }
        self.zones.validate()
    }

    /// The long-distraction warning delay from a full awareness budget (s): what tests bound against.
    pub fn long_distraction_delay_s(&self) -> f64 {
        self.distraction.awareness_budget_s * (1.0 - self.distraction.warning_awareness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_config_parses_and_matches_euro_ncap_timing() {
        let c = DriverStateConfig::embedded().unwrap();
        // The budget is set so a continuous glance warns at the Euro NCAP 3 s.
        assert!((c.long_distraction_delay_s() - c.distraction.long_distraction_s).abs() < 1e-9);
        assert_eq!(c.drowsiness.warning_kss, 8.0);
    }

    #[test]
    fn overrides_merge_and_typos_are_errors() {
        let over: toml::Table = toml::from_str("[distraction]\nlong_distraction_s = 2.5").unwrap();
        let c = DriverStateConfig::parse(DEFAULT_DRIVER_STATE_TOML, &over).unwrap();
        assert_eq!(c.distraction.long_distraction_s, 2.5);
        assert_eq!(c.distraction.time_sharing_s, 10.0);
        let typo: toml::Table = toml::from_str("[distraction]\nlong_distraction = 2.5").unwrap();
        let e = DriverStateConfig::parse(DEFAULT_DRIVER_STATE_TOML, &typo).unwrap_err();
        assert!(e.to_string().contains("long_distraction"), "{e}");
        let bad: toml::Table = toml::from_str("[drowsiness]\nopen_above = 0.1").unwrap();
        assert!(DriverStateConfig::parse(DEFAULT_DRIVER_STATE_TOML, &bad).is_err());
    }

    #[test]
    fn curves_interpolate_and_clamp() {
        let c = vec![[0.0, 0.0], [0.1, 2.0], [0.3, 6.0]];
        assert_eq!(interpolate(&c, -1.0), 0.0);
        assert!((interpolate(&c, 0.05) - 1.0).abs() < 1e-12);
        assert!((interpolate(&c, 0.2) - 4.0).abs() < 1e-12);
        assert_eq!(interpolate(&c, 9.0), 6.0);
        assert_eq!(interpolate(&c, f64::NAN), 0.0);
    }
}
