//! May the agent speak now? The driver-state gate, from alerts and the fused driver state.
//!
//! Never during a distraction alert (long distraction, visual time-sharing, phone use, at any level),
//! an unresponsive driver, or any critical alert (the HMI is warning loudly; nothing may talk over
//! it). High workload is read from the driver state itself: eyes off the road for a second or more,
//! a lot of glancing away in the last 30 s, or any distraction flag. After a block ends the driver
//! must stay attentive for `settle_s` before the agent speaks, so a suggestion never lands in the
//! second a glance returns to the road.
//!
//! A blind monitor holds every suggestion: the agent may only speak when the monitor can say the driver
//! is not distracted, so "cannot tell" must mean "no". That covers a driver state that is not valid or
//! says `Unavailable` (camera blocked, face lost, bad image), a `cannot monitor` alert at any level, and a
//! driver state that has gone quiet for more than `stale_state_s` after having been received. A quiet
//! period is a block like the others: when the monitor speaks again, `settle_s` runs from its first
//! state (a gap is only seen when it ends, so the state that ends it starts the settle time).
//!
//! Calibration policy: while the monitor is still learning this driver's neutral pose and open-eye
//! baseline (`Monitoring::Calibrating`, the first minute of a drive at most), the agent holds too. The
//! distraction judgement then rests on a default neutral pose, and a driver whose resting head sits a few
//! degrees off it could be read as attentive while glancing away; a suggestion can wait a minute. Each
//! hold is a reason string that the policy writes into the decision log.
//!
//! Drowsiness does not block: a drowsy driver is exactly who should hear about a coffee stop. The
//! gate reports drowsy (KSS >= 7, a microsleep, or a drowsiness alert) and tired (KSS >= 6) for the
//! policy.

use cabin_bus::messages::{Alert, AlertKind, AlertLevel, DriverState, Monitoring};
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
    /// A driver state older than this means the monitor has gone quiet, seconds (issue 13: "no driver
    /// state for more than 2 s"; the driver-state node publishes at 10 Hz).
    pub stale_state_s: f64,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            eyes_off_road_s: 1.0,
            away_in_window_s: 4.0,
            settle_s: 3.0,
            drowsy_kss: 7.0,
            tired_kss: 6.0,
            stale_state_s: 2.0,
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
    /// When the last driver state arrived (None before the first).
    last_state_s: Option<f64>,
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

    /// The monitor has gone quiet at `now_s`: a driver state was received, and none for longer than
    /// `stale_state_s`.
    fn stale_at(&self, now_s: f64) -> bool {
        self.last_state_s
            .is_some_and(|last| now_s - last > self.config.stale_state_s)
    }

    fn update_block(&mut self, now_s: f64) {
        let blocked = self.block_reason().is_some() || self.stale_at(now_s);
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
        // A quiet monitor is a block like the others: nothing marks its start (it is the absence of
        // messages), so it is recognised when the monitor speaks again, and the settle time runs from
        // this state, as after any other block.
        if self.stale_at(now_s) {
            self.blocked = true;
            self.clear_since = None;
        }
        let c = &self.config;
        self.last_state_s = Some(now_s);
        self.workload = if let Monitoring::Unavailable { reason } = &s.monitoring {
            Some(format!(
                "the driver monitor cannot see the driver ({reason})"
            ))
        } else if !s.valid {
            Some("the driver monitor cannot judge the driver (driver state not valid)".into())
        } else if let Monitoring::Calibrating { progress } = s.monitoring {
            Some(format!(
                "the driver monitor is still calibrating to this driver ({:.0} %)",
                100.0 * progress.clamp(0.0, 1.0)
            ))
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
            // "Cannot monitor" at any level: the monitor is blind, so nothing says the driver is free.
            if distraction || kind == AlertKind::CannotMonitor || level == AlertLevel::Critical {
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
        if let Some(last) = self.last_state_s {
            let quiet = now_s - last;
            if quiet > self.config.stale_state_s {
                return Err(format!(
                    "no driver state for {quiet:.1} s: the driver monitor has gone quiet"
                ));
            }
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
        for t in 11..=13 {
            g.on_driver_state(&driver(0.0, 7.5), t as f64);
        }
        assert!(g.may_speak(13.5).is_ok(), "drowsy does not block");
    }

    fn alert(kind: AlertKind, level: AlertLevel) -> Alert {
        Alert {
            kind,
            level,
            reason: "x".into(),
        }
    }

    /// An attentive driver state every second from `from_s` to `to_s` (the monitor publishes at 10 Hz;
    /// a gap over 2 s would be a quiet monitor).
    fn attentive(g: &mut DriverGate, from_s: u32, to_s: u32) {
        for t in from_s..=to_s {
            g.on_driver_state(&driver(0.0, 3.0), t as f64);
        }
    }

    /// A gate that has seen an attentive, calibrated driver at t = 0 and may speak.
    fn attentive_gate() -> DriverGate {
        let mut g = DriverGate::new(GateConfig::default());
        g.on_driver_state(&driver(0.0, 3.0), 0.0);
        assert!(g.may_speak(0.0).is_ok());
        g
    }

    #[test]
    fn a_blind_monitor_holds() {
        // Camera blocked / face lost: the driver state says Unavailable (and is not valid).
        let mut g = attentive_gate();
        let blind = DriverState {
            valid: false,
            monitoring: Monitoring::Unavailable {
                reason: "camera blocked".into(),
            },
            ..driver(0.0, 3.0)
        };
        g.on_driver_state(&blind, 1.0);
        let why = g.may_speak(1.0).unwrap_err();
        assert!(
            why.contains("cannot see the driver (camera blocked)"),
            "{why}"
        );
        // Seen again: the settle time applies before speaking.
        g.on_driver_state(&driver(0.0, 3.0), 2.0);
        assert!(g.may_speak(2.5).unwrap_err().contains("attentive again"));
        attentive(&mut g, 3, 5);
        assert!(g.may_speak(5.0).is_ok());
    }

    #[test]
    fn an_invalid_state_holds_even_when_it_claims_to_see() {
        let mut g = attentive_gate();
        let invalid = DriverState {
            valid: false,
            ..driver(0.0, 3.0)
        };
        g.on_driver_state(&invalid, 1.0);
        assert!(g.may_speak(1.0).unwrap_err().contains("not valid"));
    }

    #[test]
    fn a_cannot_monitor_alert_holds_at_every_level() {
        for level in [AlertLevel::Info, AlertLevel::Warning, AlertLevel::Critical] {
            let mut g = attentive_gate();
            g.on_alert(&alert(AlertKind::CannotMonitor, level), 1.0);
            let why = g.may_speak(1.0).unwrap_err();
            assert!(why.contains("cannot monitor"), "{level:?}: {why}");
            g.on_alert(&alert(AlertKind::CannotMonitor, AlertLevel::Cleared), 2.0);
            attentive(&mut g, 1, 5);
            assert!(g.may_speak(5.5).is_ok(), "{level:?}: cleared and settled");
        }
    }

    #[test]
    fn a_critical_alert_of_any_kind_holds() {
        let mut g = attentive_gate();
        g.on_alert(&alert(AlertKind::Drowsiness, AlertLevel::Critical), 1.0);
        assert!(g.may_speak(1.0).unwrap_err().contains("drowsiness alert"));
        let mut g = attentive_gate();
        g.on_alert(&alert(AlertKind::Drowsiness, AlertLevel::Warning), 1.0);
        assert!(
            g.may_speak(1.0).is_ok(),
            "a drowsiness warning does not hold"
        );
    }

    #[test]
    fn a_quiet_monitor_holds_after_two_seconds() {
        let g = attentive_gate();
        assert!(
            g.may_speak(2.0).is_ok(),
            "2 s without a state is still fresh"
        );
        let why = g.may_speak(2.5).unwrap_err();
        assert!(why.contains("no driver state for 2.5 s"), "{why}");
    }

    #[test]
    fn a_quiet_monitor_that_resumes_waits_the_settle_time() {
        let mut g = attentive_gate();
        g.on_driver_state(&driver(0.0, 3.0), 1.0);
        // quiet from 1 s to 6 s (5 s without a state), then attentive states again
        assert!(g.may_speak(4.0).unwrap_err().contains("gone quiet"));
        g.on_driver_state(&driver(0.0, 3.0), 6.0);
        let why = g.may_speak(6.0).unwrap_err();
        assert!(why.contains("attentive again for only 0.0 s"), "{why}");
        g.on_driver_state(&driver(0.0, 3.0), 7.0);
        g.on_driver_state(&driver(0.0, 3.0), 8.0);
        assert!(g.may_speak(8.5).unwrap_err().contains("attentive again"));
        g.on_driver_state(&driver(0.0, 3.0), 9.0);
        assert!(
            g.may_speak(9.0).is_ok(),
            "settled 3 s after the monitor resumed"
        );
        // an alert raised and cleared while the monitor is quiet does not shorten the wait either
        g.on_alert(&alert(AlertKind::PhoneUse, AlertLevel::Warning), 12.0);
        g.on_alert(&alert(AlertKind::PhoneUse, AlertLevel::Cleared), 12.5);
        g.on_driver_state(&driver(0.0, 3.0), 13.0);
        assert!(g.may_speak(13.0).unwrap_err().contains("attentive again"));
    }

    #[test]
    fn calibration_holds_until_the_monitor_knows_the_driver() {
        let mut g = DriverGate::new(GateConfig::default());
        let calibrating = DriverState {
            monitoring: Monitoring::Calibrating { progress: 0.4 },
            calibration: 0.4,
            ..driver(0.0, 3.0)
        };
        g.on_driver_state(&calibrating, 10.0);
        let why = g.may_speak(10.0).unwrap_err();
        assert!(why.contains("calibrating to this driver (40 %)"), "{why}");
        for t in 11..30 {
            g.on_driver_state(&calibrating, t as f64);
        }
        assert!(g.may_speak(29.0).is_err());
        attentive(&mut g, 30, 33);
        assert!(g.may_speak(33.0).is_ok());
    }
}
