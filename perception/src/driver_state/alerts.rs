//! Alert bookkeeping: escalation and hysteresis, published on change only.
//!
//! Each alert kind has a level (`Cleared`, `Info`, `Warning`, `Critical`). The policy computes a target
//! level per step from its own thresholds (which already include threshold hysteresis, e.g. the awareness
//! budget's warning vs clear levels). The book then applies the time rules:
//! - a higher level is taken at once (escalation is never delayed);
//! - an alert never steps down to a lower non-cleared level while raised (it holds, then clears);
//! - clearing needs the target to stay `Cleared` for `clear_after_s` (no flicker on a noisy boundary);
//! - `suppress` (below the speed threshold) clears everything at once.

use cabin_bus::messages::{Alert, AlertKind, AlertLevel};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct Track {
    level: AlertLevel,
    raised_at: f64,
    clear_since: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct AlertBook {
    clear_after_s: f64,
    tracks: BTreeMap<AlertKind, Track>,
}

impl AlertBook {
    pub fn new(clear_after_s: f64) -> Self {
        AlertBook {
            clear_after_s,
            tracks: BTreeMap::new(),
        }
    }

    /// The current level of `kind`.
    pub fn level(&self, kind: AlertKind) -> AlertLevel {
        self.tracks
            .get(&kind)
            .map_or(AlertLevel::Cleared, |t| t.level)
    }

    /// Seconds since `kind` was raised (0 when cleared).
    pub fn raised_for(&self, kind: AlertKind, now_s: f64) -> f64 {
        match self.tracks.get(&kind) {
            Some(t) if t.level != AlertLevel::Cleared => now_s - t.raised_at,
            _ => 0.0,
        }
    }

    /// Moves `kind` towards `target` at `now_s`; returns the alert to publish if the level changed.
    pub fn set(
        &mut self,
        kind: AlertKind,
        now_s: f64,
        target: AlertLevel,
        reason: impl FnOnce() -> String,
    ) -> Option<Alert> {
        let t = self.tracks.entry(kind).or_insert(Track {
            level: AlertLevel::Cleared,
            raised_at: now_s,
            clear_since: None,
        });
        if target > t.level {
            if t.level == AlertLevel::Cleared {
                t.raised_at = now_s;
            }
            t.level = target;
            t.clear_since = None;
            return Some(Alert {
                kind,
                level: target,
                reason: reason(),
            });
        }
        if target == AlertLevel::Cleared && t.level != AlertLevel::Cleared {
            let since = *t.clear_since.get_or_insert(now_s);
            if now_s - since >= self.clear_after_s {
                t.level = AlertLevel::Cleared;
                t.clear_since = None;
                return Some(Alert {
                    kind,
                    level: AlertLevel::Cleared,
                    reason: reason(),
                });
            }
            return None;
        }
        t.clear_since = None;
        None
    }

    /// Clears every raised alert at once (e.g. below the speed threshold).
    pub fn suppress(&mut self, reason: &str) -> Vec<Alert> {
        let mut out = Vec::new();
        for (kind, t) in self.tracks.iter_mut() {
            if t.level != AlertLevel::Cleared {
                t.level = AlertLevel::Cleared;
                t.clear_since = None;
                out.push(Alert {
                    kind: *kind,
                    level: AlertLevel::Cleared,
                    reason: reason.to_string(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalates_at_once_holds_and_clears_after_the_delay() {
        let mut b = AlertBook::new(1.0);
        let k = AlertKind::LongDistraction;
        let r = || String::from("x");
        assert_eq!(
            b.set(k, 0.0, AlertLevel::Warning, r).map(|a| a.level),
            Some(AlertLevel::Warning)
        );
        assert!(b.set(k, 0.1, AlertLevel::Warning, r).is_none());
        assert_eq!(
            b.set(k, 0.2, AlertLevel::Critical, r).map(|a| a.level),
            Some(AlertLevel::Critical)
        );
        assert!(
            b.set(k, 0.3, AlertLevel::Warning, r).is_none(),
            "no step down"
        );
        assert!(b.set(k, 0.4, AlertLevel::Cleared, r).is_none());
        assert!(
            b.set(k, 0.9, AlertLevel::Critical, r).is_none(),
            "flicker resets the clear timer"
        );
        assert!(b.set(k, 1.0, AlertLevel::Cleared, r).is_none());
        assert_eq!(
            b.set(k, 2.0, AlertLevel::Cleared, r).map(|a| a.level),
            Some(AlertLevel::Cleared)
        );
        assert_eq!(b.level(k), AlertLevel::Cleared);
    }
}
