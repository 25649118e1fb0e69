//! The driver-state policy: pure (no I/O, no clock), stepped by the node or by a test.
//!
//! Inputs are fed with their vehicle time (`observe_face`, `observe_heart`, `observe_vehicle`,
//! `observe_environment`); `step(now)` returns the driver state and the alerts whose level changed.
//! Face observations drive the timers (each covers the time since the previous one, capped at
//! `max_frame_gap_s`), so the state does not depend on how often `step` is called.
//!
//! Order of judgement per face observation:
//! 1. **Can the driver be seen?** A camera fault (black/blocked, saturated, frozen, corrupt, no frames)
//!    or a lost / unconfident face holds every distraction and drowsiness timer: nothing is judged from a
//!    bad image. Lasting `unavailable_after_s`, monitoring becomes `Unavailable` and "cannot monitor" is
//!    raised; darkness and glare (ambient light) go into the reason, never into a distraction verdict.
//! 2. **Where does the driver look?** The camera's gaze angles are re-zoned against the neutral gaze
//!    learned for this driver ([`NeutralGaze`]); while the eyes are closed the previous zone is kept (no
//!    iris to read). Euro NCAP long distraction, time sharing, phone posture and the awareness budget
//!    follow ([`DistractionTracker`]).
//! 3. **How open are the eyes?** Blinks, microsleeps and PERCLOS ([`EyeClosureTracker`]). Not judged while
//!    the head is pitched well down from the driver's own road-ahead head pitch (`head_down_deg`): the
//!    lids follow the eyes down, and a glance at the lap reads as closed as a real closure.
//! 4. **Unresponsive**: eyes closed or the face absent (image fine) for a long time.
//!
//! `step` adds the slower context (time of day, time on task, CO2, heart rate versus the driver's own
//! resting rate) to the KSS grade, gates every alert on speed, and reports validity.

use super::alerts::AlertBook;
use super::calibration::NeutralGaze;
use super::config::{interpolate, DriverStateConfig};
use super::distraction::{Attention, DistractionTracker};
use super::drowsiness::{grade_kss, EyeClosureTracker};
use cabin_bus::messages::{
    Alert, AlertKind, AlertLevel, AmbientLight, BiometricKind, CabinEnvironment, CameraStatus,
    DriverState, Drowsiness, FaceObservation, GazeZone, HeartState, Monitoring, VehicleState,
};

/// What one step produced.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutput {
    pub state: DriverState,
    /// Alerts whose level changed at this step (raised, escalated, cleared).
    pub alerts: Vec<Alert>,
}

/// Why monitoring is (un)available, tracked over time.
#[derive(Clone, Debug, PartialEq)]
enum Visibility {
    /// Face confidently detected.
    Seen,
    /// Image usable but no confident face.
    FaceLost,
    /// Camera fault.
    Fault(CameraStatus),
}

/// The pure driver-state policy.
pub struct DriverPolicy {
    cfg: DriverStateConfig,
    distraction: DistractionTracker,
    eyes: EyeClosureTracker,
    neutral: NeutralGaze,
    alerts: AlertBook,
    // Latest inputs.
    last_face_t: Option<f64>,
    visibility: Visibility,
    visibility_since: f64,
    last_zone: Option<GazeZone>,
    absent_s: f64,
    speed_mps: f64,
    time_of_day_s: Option<u32>,
    driving_s: f64,
    last_vehicle_t: Option<f64>,
    environment: Option<CabinEnvironment>,
    heart: [Option<(f64, HeartState)>; 2],
    hr_baseline: (f64, f64),
    eye_calibrated: bool,
    unavailable: Option<String>,
    /// The first instant the policy heard of (start of the drive).
    start_t: Option<f64>,
}

fn kind_index(k: BiometricKind) -> usize {
    match k {
        BiometricKind::Ecg => 0,
        BiometricKind::Ppg => 1,
    }
}

impl DriverPolicy {
    pub fn new(cfg: DriverStateConfig) -> Self {
        let nominal = cfg.zones.nominal_neutral();
        DriverPolicy {
            distraction: DistractionTracker::new(cfg.distraction.clone()),
            eyes: EyeClosureTracker::new(cfg.drowsiness.clone()),
            neutral: NeutralGaze::new(
                cfg.calibration.clone(),
                (nominal.0 as f64, nominal.1 as f64),
            ),
            alerts: AlertBook::new(cfg.alerts.clear_after_s),
            cfg,
            last_face_t: None,
            visibility: Visibility::Fault(CameraStatus::NoFrames),
            visibility_since: 0.0,
            last_zone: None,
            absent_s: 0.0,
            speed_mps: 0.0,
            time_of_day_s: None,
            driving_s: 0.0,
            last_vehicle_t: None,
            environment: None,
            heart: [None, None],
            hr_baseline: (0.0, 0.0),
            eye_calibrated: false,
            unavailable: None,
            start_t: None,
        }
    }

    pub fn config(&self) -> &DriverStateConfig {
        &self.cfg
    }

    fn at_speed(&self) -> bool {
        self.speed_mps >= self.cfg.gating.min_speed_mps
    }

    /// One camera observation at vehicle time `t_s`.
    pub fn observe_face(&mut self, t_s: f64, obs: &FaceObservation) {
        self.start_t.get_or_insert(t_s);
        let dt = match self.last_face_t {
            Some(prev) if t_s >= prev => (t_s - prev).min(self.cfg.gating.max_frame_gap_s),
            _ => 0.0,
        };
        self.last_face_t = Some(t_s);
        let g = &self.cfg.gating;
        let confident = obs
            .face
            .as_ref()
            .filter(|f| f.score as f64 >= g.min_face_score && f.score.is_finite());
        let visibility = match (obs.camera, confident) {
            (CameraStatus::Ok, Some(_)) => Visibility::Seen,
            (CameraStatus::Ok | CameraStatus::FaceLost, _) => Visibility::FaceLost,
            (fault, _) => Visibility::Fault(fault),
        };
        if visibility != self.visibility {
            self.visibility = visibility;
            self.visibility_since = t_s;
        }
        let at_speed = self.at_speed();
        self.absent_s = if obs.camera == CameraStatus::FaceLost {
            self.absent_s + dt
        } else {
            0.0
        };
        let Some(face) = confident else {
            // Nothing is judged from a frame without a confident face; a face lost mid-glance away
            // still counts as looking away.
            let attention = match (self.visibility.clone(), self.last_zone) {
                (Visibility::FaceLost, Some(z)) if z != GazeZone::RoadAhead => {
                    Attention::LostWhileAway
                }
                _ => Attention::Unknown,
            };
            self.distraction.update(t_s, dt, attention, at_speed);
            self.eyes.update(t_s, dt, None);
            if attention == Attention::Unknown {
                self.last_zone = None;
            }
            return;
        };
        let openness = match (face.left_eye.openness, face.right_eye.openness) {
            (Some(a), Some(b)) => Some(((a + b) / 2.0) as f64),
            (a, b) => a.or(b).map(|v| v as f64),
        };
        self.eye_calibrated = openness.is_some();
        let neutral = self.neutral.value();
        let w = &self.cfg.drowsiness;
        // Head pitched well down (lap, footwell): the lids follow the eyes down and the camera sees the
        // opening foreshortened, so the aperture says nothing about a closure (config: head_down_deg).
        let head_down =
            (face.head_pose.pitch_deg as f64) - self.neutral.head_pitch() < -w.head_down_deg;
        // A closure is judged on the more closed eye: the lids close together, and the iris model reads
        // a shut lid as open on some faces far more often than an open lid as shut (one of the suite's
        // real-photo drivers reads 0.6-0.9 on one shut eye, 0.1-0.2 on the other).
        let more_closed = match (face.left_eye.openness, face.right_eye.openness) {
            (Some(a), Some(b)) => Some(a.min(b) as f64),
            (a, b) => a.or(b).map(|v| v as f64),
        };
        let judged = if head_down { None } else { more_closed };
        let eyes_closed = judged.is_some_and(|o| o < w.closed_below)
            || self.eyes.closed_for_s(t_s) > 0.0 && judged.is_some_and(|o| o < w.reopen_above);
        let zone = if eyes_closed {
            // No iris to read with closed eyes: keep the zone from before the closure.
            self.last_zone.unwrap_or(GazeZone::RoadAhead)
        } else {
            self.cfg.zones.zone(
                face.gaze_yaw_deg,
                face.gaze_pitch_deg,
                (neutral.0 as f32, neutral.1 as f32),
            )
        };
        self.last_zone = Some(zone);
        self.distraction
            .update(t_s, dt, Attention::Zone(zone), at_speed);
        self.eyes.update(t_s, dt, judged);
        // Before the camera's open-eye baseline exists (its first ~90 frames) nothing says the eyes are
        // shut: learning the neutral from the start keeps a driver who sits 10-15 deg off the configured
        // neutral from being judged against it (the suite's lead-in false alerts on real-photo drivers).
        let eyes_open = openness.is_none_or(|o| o >= self.cfg.drowsiness.open_above);
        if at_speed && eyes_open && obs.camera == CameraStatus::Ok {
            self.neutral.learn(
                dt,
                (face.gaze_yaw_deg as f64, face.gaze_pitch_deg as f64),
                face.head_pose.pitch_deg as f64,
            );
        }
    }

    /// A heart state (from the biometrics node) at `t_s`.
    pub fn observe_heart(&mut self, t_s: f64, h: &HeartState) {
        self.heart[kind_index(h.kind)] = Some((t_s, h.clone()));
        // The driver's own resting rate: mean of confident figures over the first `baseline_s` at speed.
        if let Some(hr) = h.heart_rate_bpm.filter(|v| v.is_finite()) {
            if self.at_speed() && self.hr_baseline.1 < self.cfg.heart.baseline_s {
                let (mean, n) = self.hr_baseline;
                self.hr_baseline = ((mean * n + hr as f64) / (n + 1.0), n + 1.0);
            }
        }
    }

    pub fn observe_vehicle(&mut self, t_s: f64, v: &VehicleState) {
        self.start_t.get_or_insert(t_s);
        if let Some(prev) = self.last_vehicle_t {
            if self.at_speed() && t_s > prev {
                self.driving_s += (t_s - prev).min(10.0);
            }
        }
        self.last_vehicle_t = Some(t_s);
        self.speed_mps = if v.speed_mps.is_finite() {
            v.speed_mps.max(0.0) as f64
        } else {
            0.0
        };
        self.time_of_day_s = Some(v.time_of_day_s % 86_400);
    }

    pub fn observe_environment(&mut self, _t_s: f64, e: &CabinEnvironment) {
        self.environment = Some(e.clone());
    }

    /// The freshest confident heart state (ECG preferred).
    fn heart(&self, now_s: f64) -> Option<&HeartState> {
        self.heart
            .iter()
            .flatten()
            .filter(|(t, h)| now_s - t <= self.cfg.heart.max_age_s && h.heart_rate_bpm.is_some())
            .map(|(_, h)| h)
            .next()
    }

    fn context_points(&self, now_s: f64) -> f64 {
        let c = &self.cfg.context;
        let mut p = 0.0;
        if let Some(tod) = self.time_of_day_s {
            let h = tod as f64 / 3600.0;
            if c.circadian_low_hours.iter().any(|r| h >= r[0] && h < r[1]) {
                p += c.circadian_kss;
            }
        }
        p += interpolate(&c.time_on_task_kss, self.driving_s);
        if let Some(e) = &self.environment {
            if e.co2_ppm.is_finite() {
                p += interpolate(&c.co2_kss, e.co2_ppm as f64);
            }
        }
        let mut p = p.clamp(0.0, c.max_context_kss);
        // Heart rate below the driver's own resting rate: a small modifier only.
        let h = &self.cfg.heart;
        if let (Some(hs), (base, n)) = (self.heart(now_s), self.hr_baseline) {
            if n > 0.0 && n >= h.baseline_s.min(30.0) {
                if let Some(hr) = hs.heart_rate_bpm {
                    if (hr as f64) < base * (1.0 - h.hr_drop_fraction) {
                        p += h.hrv_kss;
                    }
                }
            }
        }
        p
    }

    fn light_note(&self) -> &'static str {
        match self.environment.as_ref().map(|e| e.ambient_light) {
            Some(AmbientLight::Night) => " (night: low light)",
            Some(AmbientLight::Tunnel) => " (tunnel: low light)",
            Some(AmbientLight::LowSun) => " (low sun: glare)",
            Some(AmbientLight::Dusk) => " (dusk)",
            _ => "",
        }
    }

    /// The monitoring status at `now_s`, with hysteresis on recovery.
    fn monitoring(&mut self, now_s: f64) -> Monitoring {
        let m = &self.cfg.monitoring;
        let fresh = self
            .last_face_t
            .is_some_and(|t| now_s - t <= self.cfg.gating.face_timeout_s);
        let since = now_s - self.visibility_since;
        let silent_s = now_s - self.last_face_t.or(self.start_t).unwrap_or(now_s);
        let reason = if !fresh {
            (silent_s >= m.silent_after_s)
                .then(|| format!("no face observations for {silent_s:.1} s"))
        } else {
            match &self.visibility {
                Visibility::Fault(s) if since >= m.unavailable_after_s => Some(format!(
                    "camera {}{} for {since:.1} s",
                    match s {
                        CameraStatus::Black => "image black or blocked",
                        CameraStatus::Saturated => "image saturated",
                        CameraStatus::Frozen => "frozen",
                        CameraStatus::Corrupt => "frames corrupt",
                        CameraStatus::NoFrames => "sends no frames",
                        _ => "fault",
                    },
                    self.light_note()
                )),
                Visibility::FaceLost if since >= m.unavailable_after_s => Some(format!(
                    "face not found{} for {since:.1} s",
                    self.light_note()
                )),
                _ => None,
            }
        };
        match (&self.unavailable, reason) {
            (_, Some(r)) => self.unavailable = Some(r),
            (Some(_), None) => {
                // Back only after a confidently seen face for `recover_s`.
                if fresh && self.visibility == Visibility::Seen && since >= m.recover_s {
                    self.unavailable = None;
                }
            }
            (None, None) => {}
        }
        match &self.unavailable {
            Some(r) => Monitoring::Unavailable { reason: r.clone() },
            None => {
                let progress = self.calibration();
                if progress < 1.0 {
                    Monitoring::Calibrating {
                        progress: progress as f32,
                    }
                } else {
                    Monitoring::Available
                }
            }
        }
    }

    /// Calibration progress 0..1: the learned neutral gaze's progress, capped at 0.5 until the camera's
    /// open-eye baseline is known too (normalised openness present).
    pub fn calibration(&self) -> f64 {
        let p = self.neutral.progress();
        if self.eye_calibrated {
            p
        } else {
            p.min(0.5)
        }
    }

    /// The learned neutral gaze (yaw, pitch), degrees.
    pub fn neutral_gaze(&self) -> (f64, f64) {
        self.neutral.value()
    }

    /// The state at `now_s` and the alerts that changed.
    pub fn step(&mut self, now_s: f64) -> StepOutput {
        self.start_t.get_or_insert(now_s);
        let monitoring = self.monitoring(now_s);
        let fresh = self
            .last_face_t
            .is_some_and(|t| now_s - t <= self.cfg.gating.face_timeout_s);
        let valid = fresh && !matches!(monitoring, Monitoring::Unavailable { .. });
        let distraction = self.distraction.summary(now_s);
        let eye = self.eyes.figures(now_s);
        let context = self.context_points(now_s);
        let (kss, ocular) = grade_kss(&self.cfg.drowsiness, &eye, context);
        let closed_s = self.eyes.closed_for_s(now_s);
        let u = &self.cfg.unresponsive;
        let unresponsive =
            self.at_speed() && (closed_s >= u.eyes_closed_s || self.absent_s >= u.face_absent_s);
        let heart = self.heart(now_s);
        let state = DriverState {
            valid,
            monitoring: monitoring.clone(),
            distraction: distraction.clone(),
            drowsiness: Drowsiness {
                kss: kss as f32,
                perclos: eye.perclos as f32,
                blinks_per_min: eye.blinks_per_min as f32,
                mean_blink_ms: (eye.mean_blink_s * 1000.0) as f32,
                microsleeps: eye.microsleeps as u32,
            },
            unresponsive,
            heart_rate_bpm: heart.and_then(|h| h.heart_rate_bpm),
            hrv_rmssd_ms: heart.and_then(|h| h.rmssd_ms),
            speed_mps: self.speed_mps as f32,
            calibration: self.calibration() as f32,
        };
        let alerts = if self.at_speed() {
            self.judge_alerts(now_s, &state, closed_s, ocular)
        } else {
            self.alerts.suppress(&format!(
                "speed {:.1} m/s below {:.1} m/s: alerts suppressed",
                self.speed_mps, self.cfg.gating.min_speed_mps
            ))
        };
        StepOutput { state, alerts }
    }

    fn judge_alerts(
        &mut self,
        now_s: f64,
        s: &DriverState,
        closed_s: f64,
        ocular: bool,
    ) -> Vec<Alert> {
        use AlertLevel::*;
        let mut out = Vec::new();
        let d = &self.cfg.distraction;
        let v = self.speed_mps;
        let judged = s.valid;
        // Long distraction: the awareness budget (warning at the Euro NCAP 3 s from a full budget).
        let a = self.distraction.awareness();
        let cur = self.alerts.level(AlertKind::LongDistraction);
        let target = if a <= 0.0 {
            Critical
        } else if a <= d.warning_awareness {
            Warning
        } else if cur != Cleared && a < d.clear_awareness {
            cur
        } else {
            Cleared
        };
        let off = s.distraction.eyes_off_road_s;
        out.extend(
            self.alerts
                .set(AlertKind::LongDistraction, now_s, target, || {
                    format!("eyes off road {off:.1} s, awareness {a:.2} at {v:.1} m/s")
                }),
        );
        // Visual attention time sharing.
        let away = s.distraction.away_in_window_s as f64;
        let cur = self.alerts.level(AlertKind::VisualTimeSharing);
        let target = if away >= d.time_sharing_critical_s {
            Critical
        } else if away >= d.time_sharing_s {
            Warning
        } else if cur != Cleared && away > d.time_sharing_clear_s {
            cur
        } else {
            Cleared
        };
        let win = d.time_sharing_window_s;
        out.extend(
            self.alerts
                .set(AlertKind::VisualTimeSharing, now_s, target, || {
                    format!("{away:.1} s away from the road within {win:.0} s at {v:.1} m/s")
                }),
        );
        // Phone-use posture.
        let phone = self.distraction.phone_s();
        let target = if phone >= d.phone_s + self.cfg.alerts.escalate_after_s {
            Critical
        } else if phone >= d.phone_s {
            Warning
        } else {
            Cleared
        };
        out.extend(self.alerts.set(AlertKind::PhoneUse, now_s, target, || {
            format!("head and eyes in the lap/phone zone for {phone:.1} s")
        }));
        // Microsleep: a closure crossing the threshold, with a confident face.
        let w = &self.cfg.drowsiness;
        let target = if judged && closed_s >= w.microsleep_s {
            Critical
        } else {
            Cleared
        };
        out.extend(self.alerts.set(AlertKind::Microsleep, now_s, target, || {
            format!("eyes closed {closed_s:.1} s at {v:.1} m/s")
        }));
        // Drowsiness on the KSS (needs ocular evidence).
        let kss = s.drowsiness.kss as f64;
        let cur = self.alerts.level(AlertKind::Drowsiness);
        let raw = if !ocular {
            Cleared
        } else if kss >= w.critical_kss {
            Critical
        } else if kss >= w.warning_kss {
            Warning
        } else if kss >= w.info_kss {
            Info
        } else {
            Cleared
        };
        let target = if raw == Cleared && cur != Cleared && ocular && kss > w.clear_kss {
            cur
        } else {
            raw
        };
        let (perclos, blink, ms) = (
            s.drowsiness.perclos,
            s.drowsiness.mean_blink_ms,
            s.drowsiness.microsleeps,
        );
        out.extend(self.alerts.set(AlertKind::Drowsiness, now_s, target, || {
            format!("KSS {kss:.1}: PERCLOS {perclos:.2}, mean blink {blink:.0} ms, {ms} microsleeps in the window")
        }));
        // Unresponsive driver.
        let absent = self.absent_s;
        let target = if s.unresponsive { Critical } else { Cleared };
        out.extend(self.alerts.set(AlertKind::Unresponsive, now_s, target, || {
            format!("eyes closed {closed_s:.1} s / face absent {absent:.1} s at {v:.1} m/s")
        }));
        // Cannot monitor.
        let target = match &s.monitoring {
            Monitoring::Unavailable { .. } => Warning,
            _ => Cleared,
        };
        let reason = match &s.monitoring {
            Monitoring::Unavailable { reason } => reason.clone(),
            _ => "driver visible again".to_string(),
        };
        out.extend(
            self.alerts
                .set(AlertKind::CannotMonitor, now_s, target, || reason),
        );
        out
    }
}
