//! Visual distraction (Euro NCAP definitions) and the awareness budget (openpilot's escalation model).
//!
//! Fed once per face observation with the time it covers:
//! - **eyes off road**: continuous time with the gaze outside the road-ahead zone (mirrors included:
//!   Euro NCAP's long distraction is about the *forward road*);
//! - **away in window**: cumulative time in the last 30 s outside the *driving-related* zones (road,
//!   mirrors, instrument cluster), Euro NCAP's visual attention time sharing;
//! - **phone posture**: continuous time in the lap/phone zone;
//! - **awareness budget** in [0, 1]: drains while off the road (empty after `awareness_budget_s`), refills
//!   faster on it (`awareness_recovery_s`). From a full budget the warning level is reached exactly at the
//!   Euro NCAP 3 s; short glances with too little road time in between also drain it.
//!
//! Judged only with a confidently detected face (`Attention::Unknown` holds every timer). A face that is
//! lost while the driver was already looking away (head turned beyond the detector's range) counts as
//! still looking away. Below the speed threshold everything resets.

use super::config::DistractionConfig;
use super::window::TimeWindow;
use cabin_bus::messages::{Distraction, GazeZone};

/// What the policy knows about where the driver looks during one observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attention {
    /// Confident face, gaze in this zone.
    Zone(GazeZone),
    /// The face was lost while the gaze was off the road: still looking away.
    LostWhileAway,
    /// Cannot judge (no confident face, camera fault): hold.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct DistractionTracker {
    cfg: DistractionConfig,
    awareness: f64,
    off_road_s: f64,
    phone_s: f64,
    away: TimeWindow<bool>,
}

impl DistractionTracker {
    pub fn new(cfg: DistractionConfig) -> Self {
        DistractionTracker {
            away: TimeWindow::new(cfg.time_sharing_window_s),
            cfg,
            awareness: 1.0,
            off_road_s: 0.0,
            phone_s: 0.0,
        }
    }

    /// Accounts for `dt_s` seconds ending at `t_s`.
    pub fn update(&mut self, t_s: f64, dt_s: f64, attention: Attention, at_speed: bool) {
        if !at_speed {
            self.awareness = 1.0;
            self.off_road_s = 0.0;
            self.phone_s = 0.0;
            self.away.prune(t_s);
            return;
        }
        let zone = match attention {
            Attention::Zone(z) => z,
            Attention::LostWhileAway => GazeZone::Off,
            Attention::Unknown => {
                self.away.prune(t_s);
                return;
            }
        };
        if zone == GazeZone::RoadAhead {
            self.off_road_s = 0.0;
            self.awareness = (self.awareness + dt_s / self.cfg.awareness_recovery_s).min(1.0);
        } else {
            self.off_road_s += dt_s;
            self.awareness = (self.awareness - dt_s / self.cfg.awareness_budget_s).max(0.0);
        }
        if zone == GazeZone::LapPhone {
            self.phone_s += dt_s;
        } else {
            self.phone_s = 0.0;
        }
        self.away.push(t_s, dt_s, !zone.is_driving_related());
    }

    pub fn awareness(&self) -> f64 {
        self.awareness
    }
    pub fn phone_s(&self) -> f64 {
        self.phone_s
    }
    pub fn away_in_window_s(&self, now_s: f64) -> f64 {
        self.away.time_where(now_s, |a| *a)
    }

    /// The bus message's view.
    pub fn summary(&self, now_s: f64) -> Distraction {
        let away = self.away_in_window_s(now_s);
        Distraction {
            eyes_off_road_s: self.off_road_s as f32,
            away_in_window_s: away as f32,
            long_distraction: self.off_road_s >= self.cfg.long_distraction_s,
            visual_time_sharing: away >= self.cfg.time_sharing_s,
            phone_use: self.phone_s >= self.cfg.phone_s,
        }
    }
}
