//! Frame-by-frame scoring: each camera frame's perception output (`perception/face`) against what the
//! simulator rendered into that frame.
//!
//! **The truth.** When the samples carry `sim/ground_truth` (an in-process `cabin score` run), those
//! messages are the truth. An events log does not (only derived topics are logged), so the truth is
//! regenerated from the scenario's driver script at each frame of the scenario's camera clock
//! (`frame_stamp(k, fps)`) with the very function the simulator publishes it from
//! (`DriverScript::state_at`): the two sources give the same values (`sim/tests/score.rs` checks it).
//!
//! **Matching.** A perception output belongs to the frame whose stamp it carries, exactly (the camera
//! node publishes a frame's observation at the frame's own stamp). `no_frames` observations (the
//! camera node's timeout ticks) answer no frame and are not matched. A ground-truth message with
//! `frame_seq` 0 after the first one went with no frame (camera off or a frame skipped) and is not
//! a frame.
//!
//! **Dropped frames.** A truth frame with no output at its stamp was dropped on the way (the camera
//! topic keeps the latest frame only). It counts as a miss for face-presence recall (the monitor did
//! not see the driver in that frame) and never as a false positive; it has no pose, eyes or zone, so
//! it is left out of those figures and counted in `dropped`. An output at a stamp with no truth frame
//! (a deployment overriding the scenario's camera rate) is counted in `unmatched_observations`.
//!
//! **Which frames each figure uses.** Presence: every truth frame (ground truth `face_present` =
//! face in view and lens not covered; perceived = a face in the observation). Head pose and gaze
//! zone: frames where the truth has the face in view and lens clear (pose and zone only where
//! perception also found a face; the zone confusion counts a frame without a perceived face as
//! `unknown`). Eye closure: frames with a face on both sides and a calibrated openness (perceived
//! closure = 1 - openness, clamped to 0..1: wider than the learned baseline reads as fully open).

use super::stats::{ratio, ErrorStats};
use crate::camera::frame_stamp;
use crate::scenario::{DriverPose, Scenario};
use cabin_bus::messages::{CameraStatus, DriverGroundTruth, FaceObservation, GazeZone};
use cabin_bus::sample::Sample;
use cabin_bus::time::SimTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// Every gaze zone, in the confusion matrix's row and column order.
pub const ZONES: [GazeZone; 10] = [
    GazeZone::RoadAhead,
    GazeZone::LeftMirror,
    GazeZone::RightMirror,
    GazeZone::RearviewMirror,
    GazeZone::InstrumentCluster,
    GazeZone::CentreDisplay,
    GazeZone::LapPhone,
    GazeZone::Passenger,
    GazeZone::Off,
    GazeZone::Unknown,
];

/// The zone's name as on the bus (`road_ahead`).
pub fn zone_name(z: GazeZone) -> String {
    serde_json::to_value(z)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{z:?}"))
}

fn zone_index(z: GazeZone) -> usize {
    ZONES
        .iter()
        .position(|x| *x == z)
        .unwrap_or(ZONES.len() - 1)
}

/// Where the truth came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TruthSource {
    /// `sim/ground_truth` messages among the scored samples.
    GroundTruthTopic,
    /// Regenerated from the scenario's driver script at its camera clock.
    ScenarioScript,
}

/// What was rendered into one frame (the fields of `DriverGroundTruth` that are scored).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruthFrame {
    pub face_present: bool,
    pub yaw_deg: f32,
    pub pitch_deg: f32,
    pub roll_deg: f32,
    pub left_eye_closure: f32,
    pub right_eye_closure: f32,
    pub gaze_zone: GazeZone,
}

impl From<&DriverGroundTruth> for TruthFrame {
    fn from(g: &DriverGroundTruth) -> Self {
        TruthFrame {
            face_present: g.face_present,
            yaw_deg: g.yaw_deg,
            pitch_deg: g.pitch_deg,
            roll_deg: g.roll_deg,
            left_eye_closure: g.left_eye_closure,
            right_eye_closure: g.right_eye_closure,
            gaze_zone: g.gaze_zone,
        }
    }
}

impl From<&DriverPose> for TruthFrame {
    // Through the simulator's own ground-truth message, so rebuilt and published truth are identical.
    fn from(d: &DriverPose) -> Self {
        TruthFrame::from(&d.ground_truth(0))
    }
}

/// The truth of every frame of the scenario's camera clock up to `until` (inclusive) and before
/// the scenario's end.
pub fn truth_from_script(scenario: &Scenario, until: SimTime) -> Vec<(SimTime, TruthFrame)> {
    let fps = scenario.camera.fps;
    if !(fps.is_finite() && fps > 0.0) {
        return Vec::new();
    }
    let end = SimTime::from_secs_f64(scenario.duration_s);
    (0..)
        .map(|k| frame_stamp(k, fps))
        .take_while(|t| *t < end && *t <= until)
        .map(|t| {
            (
                t,
                TruthFrame::from(&scenario.driver.state_at(t.as_secs_f64())),
            )
        })
        .collect()
}

/// The truth carried by `sim/ground_truth` samples (empty when there are none).
pub fn truth_from_samples(samples: &[Sample]) -> Vec<(SimTime, TruthFrame)> {
    let mut first = true;
    samples
        .iter()
        .filter_map(|s| s.get::<DriverGroundTruth>().map(|g| (s.header.stamp, g)))
        .filter(|(_, g)| std::mem::replace(&mut first, false) || g.frame_seq != 0)
        .map(|(t, g)| (t, TruthFrame::from(g)))
        .collect()
}

/// One scored frame, for the plots (not in the JSON: a 2-hour drive has 100,000 of them).
#[derive(Clone, Debug, PartialEq)]
pub struct FrameRow {
    pub t_s: f64,
    pub truth: TruthFrame,
    /// An observation answered this frame.
    pub observed: bool,
    pub face_found: bool,
    /// Perceived minus truth, degrees (frames with a face on both sides).
    pub yaw_err: Option<f64>,
    pub pitch_err: Option<f64>,
    pub roll_err: Option<f64>,
    /// Perceived minus true closure (calibrated openness only).
    pub left_closure_err: Option<f64>,
    pub right_closure_err: Option<f64>,
    /// The perceived zone (`unknown` without a face), on frames with the face in view.
    pub zone: Option<GazeZone>,
}

/// Face presence as a detector: positives are frames with the face in view and the lens clear.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PresenceScore {
    pub true_positive: u64,
    pub false_positive: u64,
    /// Includes dropped frames with the face in view.
    pub false_negative: u64,
    pub true_negative: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

/// Head pose errors, degrees.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HeadPoseScore {
    pub yaw: ErrorStats,
    pub pitch: ErrorStats,
    pub roll: ErrorStats,
}

/// Eyelid closure errors per eye (the driver's left and right), closure fraction 0..1.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EyeClosureScore {
    pub left: ErrorStats,
    pub right: ErrorStats,
}

/// The gaze-zone confusion matrix: `confusion[truth][perceived]` frame counts, both indexed by
/// `zones`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GazeScore {
    pub frames: u64,
    pub correct: u64,
    pub accuracy: Option<f64>,
    pub zones: Vec<String>,
    pub confusion: Vec<Vec<u64>>,
}

/// Every frame metric of a run (`"frames"` in the score JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrameScore {
    pub truth: TruthSource,
    /// Truth frames scored (camera frames up to the last event).
    pub frames: u64,
    /// Truth frames answered by a perception output at their stamp.
    pub observed: u64,
    /// Truth frames without one.
    pub dropped: u64,
    /// Perception outputs at a stamp with no truth frame.
    pub unmatched_observations: u64,
    pub presence: PresenceScore,
    pub head_pose: HeadPoseScore,
    pub eye_closure: EyeClosureScore,
    pub gaze: GazeScore,
    #[serde(skip)]
    pub rows: Vec<FrameRow>,
}

/// Scores every frame of the run; `None` when perception answered no frame at all (no camera, or no
/// camera node in the deployment: nothing to score).
pub fn score_frames(scenario: &Scenario, samples: &[Sample]) -> Option<FrameScore> {
    let mut observations: BTreeMap<SimTime, &FaceObservation> = BTreeMap::new();
    let mut unmatched = 0u64;
    for s in samples {
        let Some(o) = s.get::<FaceObservation>() else {
            continue;
        };
        if o.camera == CameraStatus::NoFrames {
            continue;
        }
        if observations.insert(s.header.stamp, o).is_some() {
            unmatched += 1; // two outputs at one stamp: one frame, one extra
        }
    }
    let last = *observations.keys().next_back()?;
    let mut truth = truth_from_samples(samples);
    let source = if truth.is_empty() {
        truth = truth_from_script(scenario, last);
        TruthSource::ScenarioScript
    } else {
        TruthSource::GroundTruthTopic
    };
    let rows: Vec<FrameRow> = truth
        .iter()
        .map(|(t, truth)| row(t.as_secs_f64(), truth, observations.get(t).copied()))
        .collect();
    let stamps: std::collections::BTreeSet<SimTime> = truth.iter().map(|(t, _)| *t).collect();
    unmatched += observations.keys().filter(|t| !stamps.contains(t)).count() as u64;
    Some(metrics(source, rows, unmatched))
}

fn row(t_s: f64, truth: &TruthFrame, obs: Option<&FaceObservation>) -> FrameRow {
    let face = obs.and_then(|o| o.face.as_ref());
    let both = face.filter(|_| truth.face_present);
    let err = |p: f32, t: f32| f64::from(p) - f64::from(t);
    let closure = |openness: Option<f32>, t: f32| {
        openness.map(|o| f64::from((1.0 - o).clamp(0.0, 1.0)) - f64::from(t))
    };
    FrameRow {
        t_s,
        truth: *truth,
        observed: obs.is_some(),
        face_found: face.is_some(),
        yaw_err: both.map(|f| err(f.head_pose.yaw_deg, truth.yaw_deg)),
        pitch_err: both.map(|f| err(f.head_pose.pitch_deg, truth.pitch_deg)),
        roll_err: both.map(|f| err(f.head_pose.roll_deg, truth.roll_deg)),
        left_closure_err: both.and_then(|f| closure(f.left_eye.openness, truth.left_eye_closure)),
        right_closure_err: both
            .and_then(|f| closure(f.right_eye.openness, truth.right_eye_closure)),
        zone: (truth.face_present && obs.is_some())
            .then(|| face.map_or(GazeZone::Unknown, |f| f.gaze_zone)),
    }
}

/// The figures of a list of scored frames (public for tests on constructed frames).
pub fn metrics(truth: TruthSource, rows: Vec<FrameRow>, unmatched: u64) -> FrameScore {
    let mut p = PresenceScore::default();
    let mut confusion = vec![vec![0u64; ZONES.len()]; ZONES.len()];
    for r in &rows {
        match (r.truth.face_present, r.face_found) {
            (true, true) => p.true_positive += 1,
            (false, true) => p.false_positive += 1,
            (true, false) => p.false_negative += 1,
            (false, false) => p.true_negative += 1,
        }
        if let Some(z) = r.zone {
            confusion[zone_index(r.truth.gaze_zone)][zone_index(z)] += 1;
        }
    }
    p.precision = ratio(p.true_positive, p.true_positive + p.false_positive);
    p.recall = ratio(p.true_positive, p.true_positive + p.false_negative);
    let frames: u64 = confusion.iter().flatten().sum();
    let correct: u64 = (0..ZONES.len()).map(|i| confusion[i][i]).sum();
    let stats = |f: fn(&FrameRow) -> Option<f64>| ErrorStats::of(rows.iter().filter_map(f));
    let observed = rows.iter().filter(|r| r.observed).count() as u64;
    FrameScore {
        truth,
        frames: rows.len() as u64,
        observed,
        dropped: rows.len() as u64 - observed,
        unmatched_observations: unmatched,
        presence: p,
        head_pose: HeadPoseScore {
            yaw: stats(|r| r.yaw_err),
            pitch: stats(|r| r.pitch_err),
            roll: stats(|r| r.roll_err),
        },
        eye_closure: EyeClosureScore {
            left: stats(|r| r.left_closure_err),
            right: stats(|r| r.right_closure_err),
        },
        gaze: GazeScore {
            frames,
            correct,
            accuracy: ratio(correct, frames),
            zones: ZONES.iter().map(|z| zone_name(*z)).collect(),
            confusion,
        },
        rows,
    }
}
