//! May the agent speak now? The driver-state gate, from alerts and the fused driver state.
//!
//! Never during a distraction alert (long distraction, visual time-sharing, phone use, at any level),
//! an unresponsive driver, or any critical alert (the HMI is warning loudly; nothing may talk over
//! it). High workload is read from the driver state itself: eyes off the road for a second or more,
//! a lot of glancing away in the last 30 s, or any distraction flag. After a block ends the driver
//! must stay attentive for `settle_s` before the agent speaks, so a suggestion never lands in the
//! second a glance returns to the road.
//!
//! Drowsiness does not block: a drowsy driver is exactly who should hear about a coffee stop. The
//! gate reports drowsy (KSS >= 7, a microsleep, or a drowsiness alert) and tired (KSS >= 6) for the
//! policy.

use cabin_bus::messages::{Alert, AlertKind, AlertLevel, DriverState};
use std::collections::BTreeMap;

/// Gate thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct GateConfig {
    /// Continuous eyes-off-road time that means "busy", seconds.
    pub eyes_off_road_s: f32,
    /// Time looking away within the last 30 s that means "busy", seconds.
    pub away_in_window_s: f32,
    /// Attentive time required after a block before speaking, seconds.
    pub settle_s: f64,
    /// KSS at or above which the driver is drowsy.
    pub drowsy_kss: f32,
    /// KSS at or above which the driver is tiring (for fresh air).
    pub tired_kss: f32,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            eyes_off_road_s: 1.0,
            away_in_window_s: 4.0,
            settle_s: 3.0,
            drowsy_kss: 7.0,
            tired_kss: 6.0,
        }
    }
}

fn alert_name(k: AlertKind) -> &'static str {
    match k {
        AlertKind::LongDistraction => "long distraction",
        AlertKind::VisualTimeSharing => "visual time-sharing",
        AlertKind::PhoneUse => "phone use",
        AlertKind::Drowsiness => "drowsiness",
        AlertKind::Microsleep => "microsleep",
        AlertKind::Unresponsive => "unresponsive driver",
        AlertKind::CannotMonitor => "cannot monitor",
    }
}

/// The driver's availability, as the agent sees it.
#[derive(Clone, Debug, Default)]
pub struct DriverGate {
    config: GateConfig,
    alerts: BTreeMap<AlertKind, AlertLevel>,
    workload: Option<String>,
    kss: f32,
    microsleeps: u32,
    /// When the last block ended (None while blocked or never blocked).
    clear_since: Option<f64>,
    blocked: bool,
}

impl DriverGate {
    pub fn new(config: GateConfig) -> Self {
        DriverGate {
            config,
            ..Default::default()
        }
    }

    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    fn update_block(&mut self, now_s: f64) {
        let blocked = self.block_reason().is_some();
        if self.blocked && !blocked {
            self.clear_since = Some(now_s);
        }
        if blocked {
            self.clear_since = None;
        }
        self.blocked = blocked;
    }

    pub fn on_alert(&mut self, alert: &Alert, now_s: f64) {
        if alert.level == AlertLevel::Cleared {
            self.alerts.remove(&alert.kind);
        } else {
            self.alerts.insert(alert.kind, alert.level);
        }
        self.update_block(now_s);
    }

    pub fn on_driver_state(&mut self, s: &DriverState, now_s: f64) {
        let d = &s.distraction;
        let c = &self.config;
        self.workload = if !s.valid {
            None
        } else if s.unresponsive {
            Some("driver unresponsive".into())
        } else if d.phone_use {
            Some("phone use".into())
        } else if d.long_distraction {
            Some("long distraction".into())
        } else if d.visual_time_sharing {
            Some("visual time-sharing".into())
        } else if d.eyes_off_road_s.is_finite() && d.eyes_off_road_s >= c.eyes_off_road_s {
            Some(format!("eyes off the road for {:.1} s", d.eyes_off_road_s))
        } else if d.away_in_window_s.is_finite() && d.away_in_window_s >= c.away_in_window_s {
            Some(format!(
                "high workload: {:.1} s looking away in the last 30 s",
                d.away_in_window_s
            ))
        } else {
            None
        };
        if s.valid {
            self.kss = if s.drowsiness.kss.is_finite() {
                s.drowsiness.kss
            } else {
                0.0
            };
            self.microsleeps = s.drowsiness.microsleeps;
        }
        self.update_block(now_s);
    }

    /// Why the driver must not be spoken to now, if so.
    pub fn block_reason(&self) -> Option<String> {
        for (&kind, &level) in &self.alerts {
            let distraction = matches!(
                kind,
                AlertKind::LongDistraction
                    | AlertKind::VisualTimeSharing
                    | AlertKind::PhoneUse
                    | AlertKind::Unresponsive
            );
            if distraction || level == AlertLevel::Critical {
                return Some(format!("{} alert ({level:?})", alert_name(kind)).to_lowercase());
            }
        }
        self.workload.clone()
    }

    /// `Ok(())` when the agent may speak at `now_s`; else why not.
    pub fn may_speak(&self, now_s: f64) -> Result<(), String> {
        if let Some(r) = self.block_reason() {
            return Err(r);
        }
        if let Some(since) = self.clear_since {
            let settled = now_s - since;
            if settled < self.config.settle_s {
                return Err(format!(
                    "driver attentive again for only {settled:.1} s (waiting {:.0} s)",
                    self.config.settle_s
                ));
            }
        }
        Ok(())
    }

    /// When the last block ended, if the driver has been blocked before.
    pub fn clear_since(&self) -> Option<f64> {
        self.clear_since
    }

    pub fn kss(&self) -> f32 {
        self.kss
    }

    pub fn drowsy(&self) -> bool {
        self.kss >= self.config.drowsy_kss
            || self.microsleeps > 0
            || self.alerts.iter().any(|(k, l)| {
                matches!(k, AlertKind::Drowsiness | AlertKind::Microsleep)
                    && *l >= AlertLevel::Warning
            })
    }

    pub fn tired(&self) -> bool {
        self.drowsy() || self.kss >= self.config.tired_kss
    }

    /// "drowsy (KSS 7.5)" for reasons.
    pub fn describe_drowsiness(&self) -> String {
        if self.microsleeps > 0 {
            format!(
                "drowsy (KSS {:.1}, {} microsleeps)",
                self.kss, self.microsleeps
            )
        } else {
            format!("drowsy (KSS {:.1})", self.kss)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::driver;

    #[test]
    fn distraction_blocks_then_settles() {
        let mut g = DriverGate::new(GateConfig::default());
        assert!(g.may_speak(0.0).is_ok());
        g.on_alert(
            &Alert {
                kind: AlertKind::LongDistraction,
                level: AlertLevel::Warning,
                reason: "x".into(),
            },
            1.0,
        );
        assert!(g.may_speak(1.0).unwrap_err().contains("long distraction"));
        g.on_alert(
            &Alert {
                kind: AlertKind::LongDistraction,
                level: AlertLevel::Cleared,
                reason: "x".into(),
            },
            5.0,
        );
        assert!(g.may_speak(6.0).is_err(), "settling");
        assert!(g.may_speak(8.0).is_ok());
        // Eyes off the road past the gate's own limit, before perception calls it a long distraction.
        g.on_driver_state(&driver(1.5, 3.0), 9.0);
        assert!(g.may_speak(9.0).unwrap_err().contains("eyes off"));
        g.on_driver_state(&driver(0.0, 7.5), 10.0);
        assert!(g.drowsy() && g.tired());
        assert!(g.may_speak(13.5).is_ok(), "drowsy does not block");
    }
}
