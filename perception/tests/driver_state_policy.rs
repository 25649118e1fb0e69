//! The driver-state policy on scripted face-observation sequences (Euro NCAP-style episodes), stepped
//! like the node does it: face observations at 30 fps, vehicle state and policy steps at 10 Hz. Expected
//! alert times are computed from the config constants, not typed in.

use cabin_bus::messages::*;
use cabin_perception::driver_state::{DriverPolicy, DriverStateConfig};

const FPS: f64 = 30.0;
const STEP_HZ: f64 = 10.0;
/// Worst-case quantisation of an alert's time: one policy step plus one camera frame.
const SLACK: f64 = 1.0 / STEP_HZ + 1.0 / FPS + 1e-6;

/// What the camera sees of the driver at one instant.
#[derive(Clone, Copy, Debug)]
struct Look {
    yaw: f32,
    pitch: f32,
    open: f32,
    score: f32,
    camera: CameraStatus,
    brightness: f32,
}

impl Look {
    fn road() -> Self {
        Look {
            yaw: 0.0,
            pitch: 0.0,
            open: 1.0,
            score: 0.93,
            camera: CameraStatus::Ok,
            brightness: 90.0,
        }
    }
    fn at(yaw: f32, pitch: f32) -> Self {
        Look {
            yaw,
            pitch,
            ..Look::road()
        }
    }
    fn eyes(open: f32) -> Self {
        Look {
            open,
            ..Look::road()
        }
    }
    fn camera(status: CameraStatus) -> Self {
        Look {
            camera: status,
            ..Look::road()
        }
    }
}

fn observation(seq: u64, l: &Look) -> FaceObservation {
    let face = (l.camera == CameraStatus::Ok).then(|| {
        let eye = EyeObservation {
            openness_raw: 0.38 * (0.45 + 0.55 * l.open),
            openness: Some(l.open),
            iris_offset: Some(Point2::default()),
            contour: vec![],
        };
        Face {
            score: l.score,
            bbox: BoundingBox {
                x: 250.0,
                y: 150.0,
                width: 150.0,
                height: 150.0,
            },
            keypoints: vec![Point2::default(); 6],
            left_eye: eye.clone(),
            right_eye: eye,
            head_pose: HeadPose {
                yaw_deg: l.yaw,
                pitch_deg: l.pitch,
                roll_deg: 0.0,
            },
            gaze_yaw_deg: l.yaw,
            gaze_pitch_deg: l.pitch,
            gaze_zone: GazeZone::Unknown,
        }
    });
    FaceObservation {
        frame_seq: seq,
        camera: l.camera,
        brightness: l.brightness,
        face,
    }
}

/// A deterministic scripted drive.
struct Drive {
    policy: DriverPolicy,
    tick: u64,
    speed: f32,
    time_of_day_s: u32,
    alerts: Vec<(f64, Alert)>,
    states: Vec<(f64, DriverState)>,
}

impl Drive {
    fn new(cfg: DriverStateConfig) -> Self {
        Drive {
            policy: DriverPolicy::new(cfg),
            tick: 0,
            speed: 25.0,
            time_of_day_s: 10 * 3600,
            alerts: vec![],
            states: vec![],
        }
    }
    fn t(&self) -> f64 {
        self.tick as f64 / FPS
    }
    /// Runs `seconds` with the driver doing `script(t_since_start)`.
    fn run(&mut self, seconds: f64, script: impl Fn(f64) -> Look) {
        let start = self.t();
        let ticks = (seconds * FPS).round() as u64;
        for _ in 0..ticks {
            self.tick += 1;
            let t = self.t();
            if self.tick.is_multiple_of(3) {
                let v = VehicleState {
                    position: GeoPoint::default(),
                    speed_mps: self.speed,
                    heading_deg: 0.0,
                    route_progress_m: 0.0,
                    time_of_day_s: self.time_of_day_s + t as u32,
                };
                self.policy.observe_vehicle(t, &v);
            }
            self.policy
                .observe_face(t, &observation(self.tick, &script(t - start)));
            if self.tick.is_multiple_of(3) {
                let out = self.policy.step(t);
                self.alerts.extend(out.alerts.into_iter().map(|a| (t, a)));
                self.states.push((t, out.state));
            }
        }
    }
    /// Normal attentive driving: blinks every ~4 s (150 ms), a mirror check every 10 s, small gaze noise.
    fn normal(&mut self, seconds: f64) {
        self.run(seconds, normal_driving);
    }
    fn first(&self, kind: AlertKind, level: AlertLevel, after: f64) -> Option<f64> {
        self.alerts
            .iter()
            .find(|(t, a)| *t >= after && a.kind == kind && a.level == level)
            .map(|(t, _)| *t)
    }
    /// Whether a `kind` alert at `level` came at or after `since`.
    fn raised(&self, kind: AlertKind, level: AlertLevel, since: f64) -> bool {
        self.first(kind, level, since).is_some()
    }
    fn raised_since(&self, after: f64) -> Vec<&(f64, Alert)> {
        self.alerts
            .iter()
            .filter(|(t, a)| *t >= after && a.level != AlertLevel::Cleared)
            .collect()
    }
    fn last_state(&self) -> &DriverState {
        &self.states.last().unwrap().1
    }
    /// Seconds from `since` to the first `kind` alert at `level`; panics, listing the alerts, if none.
    fn alert_delay(&self, kind: AlertKind, level: AlertLevel, since: f64) -> f64 {
        let at = self.first(kind, level, since).unwrap_or_else(|| {
            panic!(
                "no {kind:?} {level:?} since {since:.2} s: {:?}",
                self.alerts
            )
        });
        at - since
    }
    /// Asserts that the first `kind` alert at `level` came `expected` seconds after `since`, late by at
    /// most `slack` (the quantisation of the steps).
    fn assert_alert_within(
        &self,
        kind: AlertKind,
        level: AlertLevel,
        since: f64,
        expected: f64,
        slack: f64,
    ) {
        let delay = self.alert_delay(kind, level, since);
        assert!(
            (expected - 1e-6..=expected + slack).contains(&delay),
            "{kind:?} {level:?} after {delay:.3} s, expected {expected} s"
        );
    }
    /// [`Drive::assert_alert_within`] one policy step and one frame.
    fn assert_alert_after(&self, kind: AlertKind, level: AlertLevel, since: f64, expected: f64) {
        self.assert_alert_within(kind, level, since, expected, SLACK);
    }
}

fn wobble(t: f64, period: f64, amp: f64) -> f32 {
    (amp * (2.0 * std::f64::consts::PI * t / period).sin()) as f32
}

fn normal_driving(t: f64) -> Look {
    let mut l = Look::at(wobble(t, 7.3, 3.0), wobble(t, 5.1, 2.0));
    l.open = 1.0 + wobble(t, 0.37, 0.06);
    // A 150 ms blink every 4 s.
    if (t % 4.0) > 3.85 {
        l.open = 0.05;
    }
    // Mirror checks: left mirror at 10 s, right mirror at 20 s, instrument cluster at 30 s (every 40 s).
    let c = t % 40.0;
    if (10.0..10.8).contains(&c) {
        (l.yaw, l.pitch) = (42.0, -5.0);
    } else if (20.0..21.0).contains(&c) {
        (l.yaw, l.pitch) = (-58.0, -4.0);
    } else if (30.0..30.6).contains(&c) {
        (l.yaw, l.pitch) = (1.0, -20.0);
    }
    l
}

fn config() -> DriverStateConfig {
    DriverStateConfig::embedded().unwrap()
}

/// 25 s of normal driving: calibrates (20 s of good conditions) and ends well after the last glance.
fn calibrated_drive() -> Drive {
    let mut d = Drive::new(config());
    d.normal(25.0);
    assert!(
        matches!(d.last_state().monitoring, Monitoring::Available),
        "{:?}",
        d.last_state().monitoring
    );
    assert!(d.last_state().valid);
    assert!(
        d.raised_since(0.0).is_empty(),
        "warm-up raised {:?}",
        d.alerts
    );
    d
}

/// A calibrated drive, then `seconds` of `script`: the drive and the time the episode started.
fn episode(seconds: f64, script: impl Fn(f64) -> Look) -> (Drive, f64) {
    let mut d = calibrated_drive();
    let start = d.t();
    d.run(seconds, script);
    (d, start)
}

#[test]
fn calibration_progress_is_published_and_completes() {
    let mut d = Drive::new(config());
    d.run(5.0, |_| Look::at(4.0, -6.0));
    match d.last_state().monitoring {
        Monitoring::Calibrating { progress } => {
            assert!(progress > 0.2 && progress < 0.3, "{progress}")
        }
        ref m => panic!("{m:?}"),
    }
    d.run(16.0, |_| Look::at(4.0, -6.0));
    assert_eq!(d.last_state().calibration, 1.0);
    let n = d.policy.neutral_gaze();
    assert!((n.0 - 4.0).abs() < 0.5 && (n.1 + 6.0).abs() < 0.5, "{n:?}");
    // A driver who never looks near the configured neutral is clamped, not followed.
    let mut far = Drive::new(config());
    far.run(30.0, |_| Look::at(40.0, 0.0));
    assert!(far.policy.neutral_gaze().0.abs() <= config().calibration.max_offset_deg + 1e-9);
}

#[test]
fn long_distraction_warns_at_the_euro_ncap_delay_and_escalates() {
    let cfg = config();
    let (mut d, start) = episode(8.0, |_| Look::at(-30.0, -25.0)); // centre display
    let kind = AlertKind::LongDistraction;
    d.assert_alert_after(
        kind,
        AlertLevel::Warning,
        start,
        cfg.long_distraction_delay_s(),
    );
    d.assert_alert_after(
        kind,
        AlertLevel::Critical,
        start,
        cfg.distraction.awareness_budget_s,
    );
    assert!(d.last_state().distraction.long_distraction);
    // Back to the road: the budget refills and the alert clears (hysteresis: refill to clear_awareness,
    // then clear_after_s).
    let back = d.t();
    d.normal(6.0);
    let expected = cfg.distraction.clear_awareness * cfg.distraction.awareness_recovery_s
        + cfg.alerts.clear_after_s;
    d.assert_alert_after(kind, AlertLevel::Cleared, back, expected);
}

#[test]
fn visual_time_sharing_warns_when_ten_seconds_accumulate_within_thirty() {
    let cfg = config();
    // Glances of 2.5 s to the centre display with 1 s back on the road: never 3 s in one glance.
    let (away, road) = (2.5, 1.0);
    // (The first frame of an episode comes 1/FPS after its start: shift so glance 1 is a full 2.5 s.)
    let (d, start) = episode(20.0, move |t| {
        let t = t - 1.0 / FPS;
        if t % (away + road) < away {
            Look::at(-30.0, -25.0)
        } else {
            Look::road()
        }
    });
    // A glance's frame interval into it and the one out of it are transitions (road at one end, away at
    // the other), which the policy credits to neither side so that it never warns early: a glance counts
    // from its first frame, one frame interval less than the script holds. The cumulative away time
    // reaches time_sharing_s inside glance k (0-based), counted from that glance's first frame.
    let counted = away - 1.0 / FPS;
    let k = (cfg.distraction.time_sharing_s / counted).ceil() - 1.0;
    let expected = k * (away + road) + 1.0 / FPS + (cfg.distraction.time_sharing_s - k * counted);
    d.assert_alert_after(
        AlertKind::VisualTimeSharing,
        AlertLevel::Warning,
        start,
        expected,
    );
    assert!(
        !d.raised(AlertKind::LongDistraction, AlertLevel::Warning, start),
        "{:?}",
        d.alerts
    );
}

#[test]
fn two_seconds_on_the_road_start_the_time_sharing_count_again() {
    let cfg = config();
    // The same 2.5 s glances, but each followed by a little more than time_sharing_reset_s on the road:
    // 10 s away would accumulate within 30 s, but every stretch on the road empties the count.
    let (away, road) = (2.5, cfg.distraction.time_sharing_reset_s + 0.3);
    let (d, start) = episode(28.0, move |t| {
        let t = t - 1.0 / FPS;
        if t % (away + road) < away {
            Look::at(-30.0, -25.0)
        } else {
            Look::road()
        }
    });
    assert!(
        !d.raised(AlertKind::VisualTimeSharing, AlertLevel::Warning, start),
        "{:?}",
        d.alerts
    );
}

#[test]
fn microsleep_is_critical_one_second_into_the_closure() {
    let cfg = config();
    let (mut d, start) = episode(1.6, |_| Look::eyes(0.05));
    d.normal(3.0);
    d.assert_alert_after(
        AlertKind::Microsleep,
        AlertLevel::Critical,
        start,
        cfg.drowsiness.microsleep_s,
    );
    assert!(d.raised(AlertKind::Microsleep, AlertLevel::Cleared, start));
    assert_eq!(d.last_state().drowsiness.microsleeps, 1);
    // A closed-eyes episode is not read as distraction.
    assert!(!d.raised(AlertKind::LongDistraction, AlertLevel::Warning, start));
}

#[test]
fn long_closure_escalates_to_unresponsive() {
    let cfg = config();
    let (d, start) = episode(8.0, |_| Look::eyes(0.05));
    d.assert_alert_after(
        AlertKind::Unresponsive,
        AlertLevel::Critical,
        start,
        cfg.unresponsive.eyes_closed_s,
    );
    assert!(d.last_state().unresponsive);
}

#[test]
fn blocked_camera_means_cannot_monitor_and_nothing_else() {
    let cfg = config();
    let (mut d, start) = episode(6.0, |_| Look {
        brightness: 2.0,
        ..Look::camera(CameraStatus::Black)
    });
    d.assert_alert_after(
        AlertKind::CannotMonitor,
        AlertLevel::Warning,
        start,
        cfg.monitoring.unavailable_after_s,
    );
    let s = d.last_state();
    assert!(!s.valid);
    assert!(
        matches!(&s.monitoring, Monitoring::Unavailable { reason } if reason.contains("black")),
        "{:?}",
        s.monitoring
    );
    let others: Vec<_> = d
        .raised_since(start)
        .into_iter()
        .filter(|(_, a)| a.kind != AlertKind::CannotMonitor)
        .collect();
    assert!(others.is_empty(), "{others:?}");
    // Unblocked: monitoring recovers after recover_s, the alert clears clear_after_s later.
    let back = d.t();
    d.normal(4.0);
    d.assert_alert_within(
        AlertKind::CannotMonitor,
        AlertLevel::Cleared,
        back,
        cfg.monitoring.recover_s + cfg.alerts.clear_after_s,
        SLACK + 1.0 / FPS,
    );
    assert!(d.last_state().valid);
}

#[test]
fn other_camera_faults_and_a_silent_camera_are_unavailable_too() {
    for status in [
        CameraStatus::Saturated,
        CameraStatus::Frozen,
        CameraStatus::Corrupt,
        CameraStatus::NoFrames,
        CameraStatus::FaceLost,
    ] {
        let (d, start) = episode(3.0, |_| Look::camera(status));
        assert!(
            d.raised(AlertKind::CannotMonitor, AlertLevel::Warning, start),
            "{status:?}"
        );
        assert!(!d.last_state().valid, "{status:?}");
    }
    // No face observations at all.
    let mut d = calibrated_drive();
    let t0 = d.t();
    // Stale (past face_timeout_s) but not yet silent for silent_after_s.
    let cfg = config();
    let out = d
        .policy
        .step(t0 + (cfg.gating.face_timeout_s + cfg.monitoring.silent_after_s) / 2.0);
    assert!(!out.state.valid, "stale face data is never valid");
    assert!(
        !matches!(out.state.monitoring, Monitoring::Unavailable { .. }),
        "not yet"
    );
    let out = d.policy.step(t0 + cfg.monitoring.silent_after_s + 0.05);
    assert!(!out.state.valid);
    assert!(
        matches!(&out.state.monitoring, Monitoring::Unavailable { reason } if reason.contains("no face")),
        "{:?}",
        out.state.monitoring
    );
    assert!(out
        .alerts
        .iter()
        .any(|a| a.kind == AlertKind::CannotMonitor && a.level == AlertLevel::Warning));
}

#[test]
fn a_face_lost_mid_glance_still_counts_as_looking_away() {
    let cfg = config();
    // Turns towards the passenger; beyond 1 s the detector loses the face.
    let (d, start) = episode(5.0, |t| {
        if t < 1.0 {
            Look::at(-100.0, 0.0)
        } else {
            Look::camera(CameraStatus::FaceLost)
        }
    });
    d.assert_alert_after(
        AlertKind::LongDistraction,
        AlertLevel::Warning,
        start,
        cfg.long_distraction_delay_s(),
    );
    // Lost while looking at the road: not distraction (only cannot-monitor).
    let (d, start) = episode(4.0, |_| Look::camera(CameraStatus::FaceLost));
    assert!(!d.raised(AlertKind::LongDistraction, AlertLevel::Warning, start));
    assert!(d.raised(AlertKind::CannotMonitor, AlertLevel::Warning, start));
}

#[test]
fn phone_posture_is_flagged() {
    let cfg = config();
    let (d, start) = episode(4.0, |_| Look::at(2.0, -50.0));
    d.assert_alert_after(
        AlertKind::PhoneUse,
        AlertLevel::Warning,
        start,
        cfg.distraction.phone_s,
    );
    assert!(d.last_state().distraction.phone_use);
}

#[test]
fn drowsy_eyelids_raise_a_graded_drowsiness_alert() {
    let cfg = config();
    // Slow, long blinks: every 2.5 s the lids sink over 300 ms, stay closed 400 ms, reopen over 200 ms.
    let (mut d, start) = episode(60.0, |t| {
        let c = t % 2.5;
        let open = if c < 0.3 {
            1.0 - c / 0.3
        } else if c < 0.7 {
            0.02
        } else if c < 0.9 {
            (c - 0.7) / 0.2
        } else {
            1.0
        };
        Look::eyes(open as f32)
    });
    let s = d.last_state();
    eprintln!("{:?}", s.drowsiness);
    assert!(s.drowsiness.perclos > 0.15, "{:?}", s.drowsiness);
    assert!(s.drowsiness.mean_blink_ms > 400.0, "{:?}", s.drowsiness);
    assert!(
        s.drowsiness.kss >= cfg.drowsiness.warning_kss as f32,
        "{:?}",
        s.drowsiness
    );
    let warn = d
        .first(AlertKind::Drowsiness, AlertLevel::Warning, start)
        .expect("drowsiness warning");
    assert!(d
        .first(AlertKind::Drowsiness, AlertLevel::Info, start)
        .is_none_or(|i| i <= warn));
    assert!(
        !d.raised(AlertKind::Microsleep, AlertLevel::Critical, start),
        "no closure reached 1 s"
    );
    // Alert again: recovers below clear_kss, the alert clears (after the window has rolled over).
    d.normal(90.0);
    assert!(
        d.raised(AlertKind::Drowsiness, AlertLevel::Cleared, warn),
        "{:?}",
        d.last_state().drowsiness
    );
}

#[test]
fn context_alone_never_raises_drowsiness() {
    let cfg = config();
    let mut plain = Drive::new(config());
    plain.normal(120.0);
    let mut d = Drive::new(config());
    d.time_of_day_s = 3 * 3600; // circadian low
    d.policy.observe_environment(
        0.0,
        &CabinEnvironment {
            co2_ppm: 3500.0,
            temperature_c: 24.0,
            humidity_pct: 40.0,
            ambient_light: AmbientLight::Night,
            outside_temperature_c: 5.0,
            weather: Weather::Clear,
        },
    );
    d.normal(120.0);
    let (with, without) = (
        d.last_state().drowsiness.kss,
        plain.last_state().drowsiness.kss,
    );
    eprintln!("KSS with context {with}, without {without}");
    assert!(with > without, "context raises the prior");
    assert!(with - without <= cfg.context.max_context_kss as f32 + 1e-4);
    assert!(with < cfg.drowsiness.info_kss as f32);
    assert!(d.raised_since(0.0).is_empty(), "{:?}", d.alerts);
}

#[test]
fn nothing_is_raised_below_the_speed_threshold() {
    let mut d = calibrated_drive();
    d.speed = 3.0;
    let start = d.t();
    d.run(8.0, |_| Look::at(-30.0, -25.0));
    d.run(2.0, |_| Look::eyes(0.05));
    assert!(d.raised_since(start).is_empty(), "{:?}", d.alerts);
    // Speed drops during an alert: it clears at once.
    let (mut d, _) = episode(4.0, |_| Look::at(-30.0, -25.0));
    assert!(d.raised(AlertKind::LongDistraction, AlertLevel::Warning, 0.0));
    d.speed = 0.0;
    let stop = d.t();
    d.run(0.2, |_| Look::at(-30.0, -25.0));
    assert!(d.raised(AlertKind::LongDistraction, AlertLevel::Cleared, stop));
}

#[test]
fn ten_minutes_of_normal_driving_raise_nothing() {
    let mut d = Drive::new(config());
    d.normal(600.0);
    assert!(d.raised_since(0.0).is_empty(), "{:?}", d.alerts);
    let s = d.last_state();
    assert!(s.valid && matches!(s.monitoring, Monitoring::Available));
    assert!(
        s.drowsiness.kss < config().drowsiness.info_kss as f32,
        "{:?}",
        s.drowsiness
    );
    assert!(
        (s.drowsiness.blinks_per_min - 15.0).abs() < 1.5,
        "{:?}",
        s.drowsiness
    );
}

#[test]
fn dark_noisy_ir_like_driving_raises_nothing() {
    // What the camera pipeline measured on dark, noisy, grey frames: open eyes read 0.87-1.0 with noise,
    // the detector score drops towards the confidence threshold and sometimes below it.
    let mut d = Drive::new(config());
    d.policy.observe_environment(
        0.0,
        &CabinEnvironment {
            co2_ppm: 800.0,
            temperature_c: 21.0,
            humidity_pct: 40.0,
            ambient_light: AmbientLight::Night,
            outside_temperature_c: 2.0,
            weather: Weather::Rain,
        },
    );
    d.run(600.0, |t| {
        let mut l = normal_driving(t);
        let noise = wobble(t, 0.13, 0.05) + wobble(t, 0.71, 0.04);
        if l.open > 0.5 {
            l.open = 0.92 + noise;
        } else {
            // Closed eyes in such frames: the camera brightens dark eye crops, after which they read
            // 0.25-0.41 of the open baseline raw (perception/src/camera/eyes.rs), normalised 0.0; 0.15
            // leaves them noisy but below the P80 closure threshold (the default drive's night
            // microsleep is seen at 0.0-0.2).
            l.open = 0.15;
        }
        l.score = 0.74 + wobble(t, 3.3, 0.06);
        l.brightness = 22.0;
        l.yaw += wobble(t, 0.29, 2.0);
        l
    });
    assert!(d.raised_since(0.0).is_empty(), "{:?}", d.alerts);
    assert!(
        d.last_state().drowsiness.blinks_per_min > 10.0,
        "blinks still seen: {:?}",
        d.last_state().drowsiness
    );
}

#[test]
fn the_policy_is_deterministic() {
    let run = || {
        let (mut d, _) = episode(8.0, |_| Look::at(-30.0, -25.0));
        d.run(2.0, |_| Look::eyes(0.05));
        (d.alerts, d.states)
    };
    assert_eq!(run(), run());
}
