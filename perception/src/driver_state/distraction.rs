//! Visual distraction (Euro NCAP definitions) and the awareness budget (openpilot's escalation model).
//!
//! Fed once per face observation with the time it covers:
//! - **eyes off road**: continuous time with the gaze outside the road-ahead zone (mirrors included:
//!   Euro NCAP's long distraction is about the *forward road*);
//! - **away in window**: cumulative time in the last 30 s outside the *driving-related* zones (road,
//!   mirrors, instrument cluster), Euro NCAP's visual attention time sharing; emptied once the driver
//!   has looked at the forward road for `time_sharing_reset_s` (2 s) without a break;
//! - **phone posture**: continuous time in the lap/phone zone;
//! - **awareness budget** in [0, 1]: drains while off the road (empty after `awareness_budget_s`), refills
//!   faster on it (`awareness_recovery_s`). From a full budget the warning level is reached exactly at the
//!   Euro NCAP 3 s; short glances with too little road time in between also drain it.
//!
//! Judged only with a confidently detected face (`Attention::Unknown` holds every timer). A face that is
//! lost while the driver was already looking away (head turned beyond the detector's range) counts as
//! still looking away. Below the speed threshold everything resets.
//!
//! **Which interval counts.** Observations are samples: a glance starts or ends somewhere inside the frame
//! interval where the zone changes. Such a transition interval is credited to neither side; only an
//! interval whose two ends agree counts as away (or on the road). Time away is then never more than the
//! driver really spent away, so a warning can come up to one frame interval late but never before the
//! protocol's condition holds (Euro NCAP scores an early warning as a false one). Crediting the whole
//! interval to the new zone made the default drive's time-sharing warning 48 ms early.

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
    /// Continuous time on the forward road (counted intervals only).
    on_road_s: f64,
    away: TimeWindow<bool>,
    /// The zone of the last observation with a judged face: the start of the next interval.
    last_zone: Option<GazeZone>,
}

impl DistractionTracker {
    pub fn new(cfg: DistractionConfig) -> Self {
        DistractionTracker {
            away: TimeWindow::new(cfg.time_sharing_window_s),
            cfg,
            awareness: 1.0,
            off_road_s: 0.0,
            phone_s: 0.0,
            on_road_s: 0.0,
            last_zone: None,
        }
    }

    /// Accounts for `dt_s` seconds ending at `t_s`, at whose end the driver was seen as `attention`.
    pub fn update(&mut self, t_s: f64, dt_s: f64, attention: Attention, at_speed: bool) {
        let zone = match attention {
            Attention::Zone(z) => z,
            Attention::LostWhileAway => GazeZone::Off,
            Attention::Unknown => {
                // Nothing is credited; the next judged observation starts a fresh interval.
                self.last_zone = None;
                self.away.prune(t_s);
                return;
            }
        };
        let start = self.last_zone.replace(zone);
        if !at_speed {
            self.awareness = 1.0;
            self.off_road_s = 0.0;
            self.on_road_s = 0.0;
            self.phone_s = 0.0;
            self.away.prune(t_s);
            return;
        }
        let on_road = |z: GazeZone| z == GazeZone::RoadAhead;
        // The interval (t - dt, t]: counted only where both ends agree (module docs).
        let both = |f: &dyn Fn(GazeZone) -> bool| start.is_some_and(|s| f(s) && f(zone));
        if both(&on_road) {
            self.awareness = (self.awareness + dt_s / self.cfg.awareness_recovery_s).min(1.0);
            self.on_road_s += dt_s;
        } else if both(&|z| !on_road(z)) {
            self.off_road_s += dt_s;
            self.awareness = (self.awareness - dt_s / self.cfg.awareness_budget_s).max(0.0);
        }
        if both(&|z| z == GazeZone::LapPhone) {
            self.phone_s += dt_s;
        }
        self.away
            .push(t_s, dt_s, both(&|z| !z.is_driving_related()));
        if self.on_road_s >= self.cfg.time_sharing_reset_s {
            self.away.clear();
        }
        // What the driver does now ends a glance (or a stretch on the road) at once.
        if on_road(zone) {
            self.off_road_s = 0.0;
        } else {
            self.on_road_s = 0.0;
        }
        if zone != GazeZone::LapPhone {
            self.phone_s = 0.0;
        }
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
