//! The earliest protocol time of each scripted episode: the first instant at which the protocol the
//! driver-state thresholds cite (`perception/config/driver_state.toml`) says a correct alert may come.
//! An alert of the episode's kind raised before it is a false alert, not a detection: a monitor that
//! warns 1 s into a glance "detects" every long distraction and also every ordinary mirror check.
//!
//! The scenario's ground truth carries no such field, so it is derived here per episode kind, from the
//! driver script itself (the same `state_at` the camera renders and `sim/ground_truth` publishes):
//!
//! | episode | earliest protocol time | source |
//! |---|---|---|
//! | long distraction | episode start (eyes leave the road) + `[scoring] long_distraction_s` (3 s) | Euro NCAP SD-202: a single glance away from the forward road of 3 s or more |
//! | visual time sharing | first instant with >= 10 s of glances away from driving-related zones within the trailing 30 s | Euro NCAP SD-202 visual attention time sharing |
//! | microsleep | first instant both eyes have been >= 80 % closed for 1 s without a break | PERCLOS's "closed" = >= 80 % closure (Wierwille 1994, Dinges & Grace 1998); microsleep = closure of 1 s or more (the driver-state config's `microsleep_s`) |
//! | drowsiness | episode start | EU 2021/1341 (DDAW) grades a state (KSS) and sets no minimum exposure |
//! | camera blocked, face absent | episode start | Euro NCAP 2026 sets only an upper bound (driver told within 10 s) |
//!
//! These constants restate the cited protocols, not the perception's tuning: the perception crate's
//! thresholds are its own (e.g. it counts an eye as closed below 50 % openness, to see closures in
//! dark frames), and this module is what they are checked against. The sim crate does not depend on
//! perception, so the figures are repeated here with their sources.

use crate::scenario::{DriverScript, Episode, EpisodeKind, Scenario};

/// Euro NCAP SD-202 visual attention time sharing: the window, and the away time within it.
pub const TIME_SHARING_WINDOW_S: f64 = 30.0;
pub const TIME_SHARING_AWAY_S: f64 = 10.0;
/// PERCLOS: an eye counts as closed from 80 % closure.
pub const CLOSED_FROM: f64 = 0.8;
/// A microsleep is a closure of 1 s or more.
pub const MICROSLEEP_S: f64 = 1.0;
/// Sampling step of the script when looking for the instants above (1 ms: the report's resolution).
const STEP_S: f64 = 0.001;

/// When a correct alert for one episode may come, and the rule that says so.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolTime {
    /// `None`: the script never meets the protocol's condition during the episode (e.g. time sharing
    /// adding up to 9 s of the 10 s), so no alert for it can be correct.
    pub earliest_s: Option<f64>,
    /// The rule, in words ("3.0 s eyes off road (Euro NCAP SD-202)").
    pub rule: String,
}

/// The earliest protocol time of `episode` in `scenario`'s script.
pub fn earliest(scenario: &Scenario, episode: &Episode) -> ProtocolTime {
    let script = &scenario.driver;
    match episode.kind {
        EpisodeKind::LongDistraction => {
            let d = scenario.scoring.long_distraction_s;
            ProtocolTime {
                earliest_s: Some(episode.start_s + d),
                rule: format!("{d:.1} s eyes off road (Euro NCAP SD-202)"),
            }
        }
        EpisodeKind::VisualTimeSharing => ProtocolTime {
            earliest_s: time_sharing_reached(script, episode),
            rule: format!(
                "{TIME_SHARING_AWAY_S:.0} s away within {TIME_SHARING_WINDOW_S:.0} s (Euro NCAP SD-202)"
            ),
        },
        EpisodeKind::Microsleep => ProtocolTime {
            earliest_s: closed_for(script, episode, MICROSLEEP_S),
            rule: format!(
                "eyes >= {:.0} % closed for {MICROSLEEP_S:.1} s (PERCLOS closure)",
                CLOSED_FROM * 100.0
            ),
        },
        EpisodeKind::Drowsiness => ProtocolTime {
            earliest_s: Some(episode.start_s),
            rule: "drowsy from the start (EU 2021/1341 sets no minimum)".into(),
        },
        EpisodeKind::CameraBlocked | EpisodeKind::FaceAbsent => ProtocolTime {
            earliest_s: Some(episode.start_s),
            rule: "from the start (Euro NCAP 2026: within 10 s)".into(),
        },
    }
}

/// The first instant in the episode with at least [`TIME_SHARING_AWAY_S`] of gaze away from
/// driving-related zones (the truth's zone, `off` included) within the trailing window.
fn time_sharing_reached(script: &DriverScript, e: &Episode) -> Option<f64> {
    let window = (TIME_SHARING_WINDOW_S / STEP_S).round() as usize;
    let needed = (TIME_SHARING_AWAY_S / STEP_S).round() as usize;
    let t0 = (e.start_s - TIME_SHARING_WINDOW_S).max(0.0);
    let steps = ((e.end_s - t0) / STEP_S).ceil() as usize;
    // away[i]: the sample at t0 + i * STEP_S is away; a running count over the last `window` samples.
    let mut away = Vec::with_capacity(steps + 1);
    let mut in_window = 0usize;
    for i in 0..=steps {
        let t = t0 + i as f64 * STEP_S;
        let a = !script.state_at(t).gaze_zone.is_driving_related();
        away.push(a);
        in_window += a as usize;
        if i >= window && away[i - window] {
            in_window -= 1;
        }
        if t >= e.start_s && in_window >= needed {
            return Some(t);
        }
    }
    None
}

/// The first instant in the episode at which both eyes have been at least [`CLOSED_FROM`] closed for
/// `hold_s` without a break.
fn closed_for(script: &DriverScript, e: &Episode, hold_s: f64) -> Option<f64> {
    let steps = ((e.end_s - e.start_s) / STEP_S).ceil() as usize;
    let mut closed_since: Option<f64> = None;
    for i in 0..=steps {
        let t = e.start_s + i as f64 * STEP_S;
        let s = script.state_at(t);
        if s.left_eye_closure.min(s.right_eye_closure) >= CLOSED_FROM {
            let since = *closed_since.get_or_insert(t);
            if t - since >= hold_s - STEP_S / 2.0 {
                return Some(t);
            }
        } else {
            closed_since = None;
        }
    }
    None
}
