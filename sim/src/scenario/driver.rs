//! The driver behaviour script, which is also the ground truth.
//!
//! A scenario says what the driver does (glances, blinks, drowsiness, microsleeps, leaving the camera's
//! view, covering the lens); this module turns that script into the exact state at any instant
//! ([`DriverScript::state_at`]) — head pose, per-eye closure, gaze zone, face visible — which the
//! synthetic camera renders and the ground-truth topic publishes, and into the list of scored
//! [`Episode`]s. Because the renderer draws exactly this state, the truth is exact, not labelled.
//!
//! Conventions: head yaw positive = the driver turns to their left (the nose moves to the right of the
//! image of an unmirrored camera facing them), pitch positive = up, roll positive = the head tilts
//! towards the driver's left shoulder (clockwise in the image). Closure 0 = open, 1 = closed.

use crate::rng::Rng;
use cabin_bus::messages::{AlertKind, DriverGroundTruth, GazeZone};
use serde::{Deserialize, Serialize};

/// Where a scripted glance goes: a gaze zone (written as in the bus's [`GazeZone`]), except `off`
/// and `unknown`, which are outcomes, not places to look at, plus the Euro NCAP 2026 glance targets the
/// bus has no zone of (`glovebox`, `passenger_footwell`, `rear_passenger`: scored as the nearest zone,
/// [`GlanceDirection::zone`]). Each has a gaze direction (degrees from the road ahead) for a
/// left-hand-drive car with the camera on the steering column; a glance's `style` splits it between the
/// head and the eyes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlanceDirection {
    RoadAhead,
    LeftMirror,
    RightMirror,
    RearviewMirror,
    InstrumentCluster,
    CentreDisplay,
    LapPhone,
    Passenger,
    Glovebox,
    PassengerFootwell,
    RearPassenger,
}

impl TryFrom<GazeZone> for GlanceDirection {
    type Error = String;

    fn try_from(zone: GazeZone) -> Result<Self, String> {
        Ok(match zone {
            GazeZone::RoadAhead => GlanceDirection::RoadAhead,
            GazeZone::LeftMirror => GlanceDirection::LeftMirror,
            GazeZone::RightMirror => GlanceDirection::RightMirror,
            GazeZone::RearviewMirror => GlanceDirection::RearviewMirror,
            GazeZone::InstrumentCluster => GlanceDirection::InstrumentCluster,
            GazeZone::CentreDisplay => GlanceDirection::CentreDisplay,
            GazeZone::LapPhone => GlanceDirection::LapPhone,
            GazeZone::Passenger => GlanceDirection::Passenger,
            GazeZone::Off | GazeZone::Unknown => {
                return Err("`off` and `unknown` are outcomes, not glance directions".into())
            }
        })
    }
}

impl From<GlanceDirection> for GazeZone {
    fn from(direction: GlanceDirection) -> GazeZone {
        direction.zone()
    }
}

/// How a glance is made (Euro NCAP 2026 names both head-led and eyes-only glances): `owl` turns mostly
/// the head, `lizard` mostly the eyes with the head nearly still, `lean` moves the upper body towards the
/// target as well as turning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlanceStyle {
    #[default]
    Owl,
    Lizard,
    Lean,
}

/// Eyes-in-head range a driver uses before the head joins in: about +-30 deg horizontally, +-25
/// vertically (saccades beyond ~20-30 deg recruit the head: Freedman 2008, "Coordination of the eyes
/// and head during visual orienting", Exp Brain Res 190).
const LIZARD_EYE_YAW_DEG: f64 = 30.0;
const LIZARD_EYE_PITCH_DEG: f64 = 25.0;
/// An owl glance: the eyes lead and carry about a third of the gaze shift, up to 15 deg
/// (horizontal head contribution ~65-75% for large shifts, same source); looking down is mostly eyes.
const OWL_EYE_SHARE: f64 = 0.3;
const OWL_EYE_YAW_DEG: f64 = 15.0;
const OWL_EYE_PITCH_SHARE: f64 = 0.45;
const OWL_EYE_PITCH_DEG: f64 = 20.0;
/// A body lean moves the head up to this far towards the target (the shoulder travel of a seated
/// driver reaching towards the passenger side, ~15 cm).
const LEAN_MM: f64 = 150.0;

impl GlanceDirection {
    /// The gaze zone this direction is scored as. The bus has no glovebox, footwell or rear-seat zone:
    /// the glovebox and the passenger footwell lie below and right of the centre display, in the same
    /// direction from the camera, so they count as `centre_display` (both are off-road, not
    /// driving-related, like the zone they borrow); a rear passenger counts as `passenger`.
    pub fn zone(self) -> GazeZone {
        match self {
            GlanceDirection::RoadAhead => GazeZone::RoadAhead,
            GlanceDirection::LeftMirror => GazeZone::LeftMirror,
            GlanceDirection::RightMirror => GazeZone::RightMirror,
            GlanceDirection::RearviewMirror => GazeZone::RearviewMirror,
            GlanceDirection::InstrumentCluster => GazeZone::InstrumentCluster,
            GlanceDirection::CentreDisplay => GazeZone::CentreDisplay,
            GlanceDirection::LapPhone => GazeZone::LapPhone,
            GlanceDirection::Glovebox | GlanceDirection::PassengerFootwell => {
                GazeZone::CentreDisplay
            }
            GlanceDirection::Passenger | GlanceDirection::RearPassenger => GazeZone::Passenger,
        }
    }

    /// Every direction, for tests and generators.
    pub const ALL: [GlanceDirection; 11] = [
        GlanceDirection::RoadAhead,
        GlanceDirection::LeftMirror,
        GlanceDirection::RightMirror,
        GlanceDirection::RearviewMirror,
        GlanceDirection::InstrumentCluster,
        GlanceDirection::CentreDisplay,
        GlanceDirection::LapPhone,
        GlanceDirection::Passenger,
        GlanceDirection::Glovebox,
        GlanceDirection::PassengerFootwell,
        GlanceDirection::RearPassenger,
    ];

    /// Gaze (yaw, pitch) in degrees from the road-ahead gaze: head plus eyes. Chosen inside the zone
    /// rectangles of `perception/config/gaze_zones.toml` (the zone test `tests/tests/zone_map.rs`
    /// renders each one and reads it back with the real models).
    pub fn gaze(self) -> (f64, f64) {
        match self {
            GlanceDirection::RoadAhead => (0.0, 0.0),
            GlanceDirection::LeftMirror => (45.0, -5.0),
            GlanceDirection::RightMirror => (-60.0, -5.0),
            GlanceDirection::RearviewMirror => (-30.0, 15.0),
            GlanceDirection::InstrumentCluster => (0.0, -20.0),
            GlanceDirection::CentreDisplay => (-30.0, -25.0),
            GlanceDirection::LapPhone => (-5.0, -50.0),
            GlanceDirection::Passenger => (-95.0, 0.0),
            GlanceDirection::Glovebox => (-35.0, -40.0),
            GlanceDirection::PassengerFootwell => (-40.0, -55.0),
            GlanceDirection::RearPassenger => (-100.0, 5.0),
        }
    }

    /// Default head (yaw, pitch) in degrees of an owl glance in this direction.
    pub fn head_pose(self) -> (f64, f64) {
        let p = self.pose(GlanceStyle::Owl);
        (p.yaw_deg, p.pitch_deg)
    }

    /// The head pose, eye-in-head angles and lean of a glance in this direction made in `style`.
    pub fn pose(self, style: GlanceStyle) -> Pose {
        let (gy, gp) = self.gaze();
        style.split(gy, gp)
    }
}

impl GlanceStyle {
    /// Splits a gaze direction (yaw, pitch degrees from the road ahead) into head pose, eye-in-head
    /// angles and lean, the way a glance in this style makes it.
    pub fn split(self, gy: f64, gp: f64) -> Pose {
        let style = self;
        let (ey, ep) = match style {
            GlanceStyle::Owl | GlanceStyle::Lean => (
                (OWL_EYE_SHARE * gy).clamp(-OWL_EYE_YAW_DEG, OWL_EYE_YAW_DEG),
                (OWL_EYE_PITCH_SHARE * gp).clamp(-OWL_EYE_PITCH_DEG, OWL_EYE_PITCH_DEG),
            ),
            GlanceStyle::Lizard => (
                gy.clamp(-LIZARD_EYE_YAW_DEG, LIZARD_EYE_YAW_DEG),
                gp.clamp(-LIZARD_EYE_PITCH_DEG, LIZARD_EYE_PITCH_DEG),
            ),
        };
        let (lean_x, lean_fwd) = match style {
            GlanceStyle::Lean => (
                LEAN_MM * gy.to_radians().sin().clamp(-1.0, 1.0),
                LEAN_MM * 0.6 * (-gp).to_radians().sin().max(0.0),
            ),
            _ => (0.0, 0.0),
        };
        Pose {
            yaw_deg: gy - ey,
            pitch_deg: gp - ep,
            roll_deg: 0.0,
            eye_yaw_deg: ey,
            eye_pitch_deg: ep,
            lean_x_mm: lean_x,
            lean_fwd_mm: lean_fwd,
        }
    }
}

/// The face a scenario gets unless its `[driver] face` names another: scikit-image's astronaut, the
/// face the default drive's thresholds and frames were made with.
pub const DEFAULT_FACE: &str = "astronaut";

/// A face id names files under `models/face/drivers/`: lower-case letters, digits and `_` only (at
/// most 64), so a scenario cannot name a path.
pub fn is_valid_face_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Something the driver wears that the camera must see through or around.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WearItem {
    Glasses,
    Sunglasses,
    Mask,
    Cap,
}

impl WearItem {
    /// Near-infrared (850-940 nm) transmittance of the lenses when the scenario gives none: clear
    /// glasses pass ~90%; tinted sunglasses range from almost clear to almost opaque in the near
    /// infrared, ~30% is a dark pair (the case driver monitors struggle with). 1 for a mask or a cap.
    pub fn default_ir_transmittance(self) -> f64 {
        match self {
            WearItem::Glasses => 0.9,
            WearItem::Sunglasses => 0.3,
            WearItem::Mask | WearItem::Cap => 1.0,
        }
    }
}

/// A worn item from `from_s` until `to_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wear {
    pub item: WearItem,
    pub from_s: f64,
    pub to_s: f64,
    pub ir_transmittance: f64,
    pub line: usize,
}

/// What is worn at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Worn {
    /// Lens transmittance and whether the lenses are tinted (sunglasses), when glasses are worn.
    pub eyewear: Option<(f64, bool)>,
    pub mask: bool,
    pub cap: bool,
}

/// Where a raised phone is held unless `[[driver.phone]]` says otherwise. Euro NCAP 2026 phone use
/// names the phone in the lap and the phone "raised into view": held up above the steering wheel rim,
/// in front of the driver, where the lower windscreen and the instrument cluster are seen from the
/// eyes (this suite's reading of the protocol, as issue 11 states it; not checked against the PDF).
/// [ENG] Gaze 18 deg below the road, just above the cluster (20 deg,
/// [`GlanceDirection::InstrumentCluster`]): the hand rests on the rim's top and the phone stands over
/// it. 6 deg to the driver's right: the right hand holds it (the left stays on the wheel of a
/// left-hand-drive car) just right of the body's midline. 360 mm: the mean distance at which people
/// hold a smartphone to read a text message (Bababekova et al. 2011, "Font size and viewing distance
/// of handheld smart phones", Optom Vis Sci 88(7): 36.2 cm). Seen from the column camera, the phone
/// then covers the driver's right half of the mouth and chin up to the nose tip; held 15 deg down it
/// would reach the eyes' row (the phone right in front of the face, another test).
pub const PHONE_RAISED_YAW_DEG: f64 = -6.0;
pub const PHONE_RAISED_PITCH_DEG: f64 = -18.0;
pub const PHONE_DISTANCE_MM: f64 = 360.0;
/// [ENG] The phone comes up from the lap (and goes back) in this long, before and after the look.
pub const PHONE_RAISE_S: f64 = 0.6;

/// A phone raised into the camera's view (`[[driver.phone]]`, Euro NCAP 2026 phone use "raised into
/// view"): where it is held, and the stretch it is up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhoneHold {
    /// The look at the phone: a glance (turns included) from `look.0` to `look.1`, seconds.
    pub look_s: (f64, f64),
    /// The phone comes up from the lap over this long before the look and goes back down after it.
    pub raise_s: f64,
    /// Where its screen centre is, seen from the driver's eyes: gaze yaw/pitch from the road ahead
    /// (degrees) and distance (millimetres).
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub distance_mm: f64,
    pub line: usize,
}

impl PhoneHold {
    /// How far up the phone is at `t`: 0 = down in the lap (out of view), 1 = held in place.
    fn raised(&self, t: f64) -> f64 {
        let (a, b) = (self.look_s.0 - self.raise_s, self.look_s.1 + self.raise_s);
        if t < a || t > b {
            return 0.0;
        }
        let r = self.raise_s.max(1e-3);
        smoothstep(((t - a) / r).min((b - t) / r).min(1.0))
    }
}

/// A phone in the driver's hand at one instant, for the renderer: its held place (as [`PhoneHold`])
/// and how far it has come up from the lap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeldPhone {
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub distance_mm: f64,
    /// 0 = in the lap, 1 = held in place.
    pub raised: f64,
}

/// Kinds of scored ground-truth episodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeKind {
    /// One glance away from driving-related zones of at least the long-distraction threshold (3 s).
    LongDistraction,
    /// Repeated short glances away that add up (Euro NCAP visual attention time sharing).
    VisualTimeSharing,
    /// A drowsy stretch (slow blinks, drooping lids).
    Drowsiness,
    /// An eye closure of 1 s or more.
    Microsleep,
    /// The lens is covered: the monitor cannot see the driver.
    CameraBlocked,
    /// The driver is out of the camera's view.
    FaceAbsent,
}

impl EpisodeKind {
    pub fn label(self) -> &'static str {
        match self {
            EpisodeKind::LongDistraction => "long_distraction",
            EpisodeKind::VisualTimeSharing => "visual_time_sharing",
            EpisodeKind::Drowsiness => "drowsiness",
            EpisodeKind::Microsleep => "microsleep",
            EpisodeKind::CameraBlocked => "camera_blocked",
            EpisodeKind::FaceAbsent => "face_absent",
        }
    }

    /// The alerts that count as detecting this episode.
    pub fn expected_alerts(self) -> &'static [AlertKind] {
        match self {
            EpisodeKind::LongDistraction => &[AlertKind::LongDistraction, AlertKind::PhoneUse],
            EpisodeKind::VisualTimeSharing => &[AlertKind::VisualTimeSharing],
            EpisodeKind::Drowsiness => &[AlertKind::Drowsiness, AlertKind::Microsleep],
            EpisodeKind::Microsleep => &[AlertKind::Microsleep],
            EpisodeKind::CameraBlocked | EpisodeKind::FaceAbsent => &[AlertKind::CannotMonitor],
        }
    }
}

/// A scored stretch of the drive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub kind: EpisodeKind,
    pub start_s: f64,
    pub end_s: f64,
    /// What the script says (`4.5 s glance to centre_display`).
    pub detail: String,
    /// Line of the scenario entry.
    pub line: usize,
}

/// A head pose in degrees, the eyes' angles in the head, and the head's displacement by a body lean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pose {
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub roll_deg: f64,
    /// Eye-in-head yaw and pitch (same signs as the head's).
    pub eye_yaw_deg: f64,
    pub eye_pitch_deg: f64,
    /// Head displacement: towards the driver's left, and forwards (towards the camera), millimetres.
    pub lean_x_mm: f64,
    pub lean_fwd_mm: f64,
}

/// A stretch where the head holds a pose (a glance, or an explicit head pose), with eased transitions.
#[derive(Clone, Debug, PartialEq)]
pub struct GazeSegment {
    pub start_s: f64,
    pub end_s: f64,
    pub transition_s: f64,
    pub pose: Pose,
    pub zone: GazeZone,
    pub line: usize,
}

/// One blink.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Blink {
    pub start_s: f64,
    pub duration_s: f64,
}

/// A slow eyelid closure (a microsleep when held closed for 1 s or more).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Closure {
    pub start_s: f64,
    pub closing_s: f64,
    pub hold_s: f64,
    pub opening_s: f64,
    /// How far the lids close, 0..1.
    pub closure: f64,
    /// Head drop (pitch, degrees) while closed.
    pub head_drop_deg: f64,
}

impl Closure {
    pub fn end_s(&self) -> f64 {
        self.start_s + self.closing_s + self.hold_s + self.opening_s
    }
    fn weight(&self, t: f64) -> f64 {
        let a = t - self.start_s;
        if a < 0.0 || t > self.end_s() {
            0.0
        } else if a < self.closing_s {
            smoothstep(a / self.closing_s)
        } else if a < self.closing_s + self.hold_s {
            1.0
        } else {
            1.0 - smoothstep((a - self.closing_s - self.hold_s) / self.opening_s)
        }
    }
}

/// A drowsy stretch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drowsy {
    pub start_s: f64,
    pub end_s: f64,
    pub blink_rate_per_min: f64,
    pub blink_duration_s: f64,
    /// Lids droop to this closure (0..1) in the middle of the stretch.
    pub lid_droop: f64,
    /// Slow nodding amplitude, degrees of pitch.
    pub nod_deg: f64,
    /// Ramp in/out time, seconds.
    pub ramp_s: f64,
}

impl Drowsy {
    fn envelope(&self, t: f64) -> f64 {
        if t < self.start_s || t > self.end_s {
            return 0.0;
        }
        let r = self.ramp_s.max(1e-3);
        smoothstep(((t - self.start_s) / r).min((self.end_s - t) / r).min(1.0))
    }
}

/// A time interval [start, end).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub start_s: f64,
    pub end_s: f64,
    pub line: usize,
}

impl Interval {
    pub fn contains(&self, t: f64) -> bool {
        t >= self.start_s && t < self.end_s
    }
}

/// The truth at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverPose {
    pub yaw_deg: f64,
    pub pitch_deg: f64,
    pub roll_deg: f64,
    /// Eye-in-head yaw and pitch, degrees (same signs as the head's): gaze = head + eyes.
    pub eye_yaw_deg: f64,
    pub eye_pitch_deg: f64,
    /// Head displacement by a body lean: towards the driver's left, forwards (towards the camera), mm.
    pub lean_x_mm: f64,
    pub lean_fwd_mm: f64,
    /// Glasses, mask, cap.
    pub worn: Worn,
    /// A phone held up in the camera's view (`[[driver.phone]]`), if any.
    pub phone: Option<HeldPhone>,
    /// Eyelid closure of the driver's left eye (the image's right) and right eye, 0..1.
    pub left_eye_closure: f64,
    pub right_eye_closure: f64,
    pub gaze_zone: GazeZone,
    /// The face is physically in the camera's field of view.
    pub in_view: bool,
    pub camera_blocked: bool,
    pub episode: Option<&'static str>,
}

impl DriverPose {
    /// The driver in the camera's view, head at the given angles, both eyes closed by `closure`,
    /// looking at the road, no episode: the state the script starts from, and a test pose.
    pub fn road_ahead(yaw_deg: f64, pitch_deg: f64, roll_deg: f64, closure: f64) -> DriverPose {
        DriverPose {
            yaw_deg,
            pitch_deg,
            roll_deg,
            eye_yaw_deg: 0.0,
            eye_pitch_deg: 0.0,
            lean_x_mm: 0.0,
            lean_fwd_mm: 0.0,
            worn: Worn::default(),
            phone: None,
            left_eye_closure: closure,
            right_eye_closure: closure,
            gaze_zone: GazeZone::RoadAhead,
            in_view: true,
            camera_blocked: false,
            episode: None,
        }
    }

    /// Whether the face can be seen in the frame.
    pub fn face_visible(&self) -> bool {
        self.in_view && !self.camera_blocked
    }

    /// The ground-truth message of the frame `frame_seq` rendered from this pose. One conversion for
    /// the simulator's `sim/ground_truth` topic and for the scorer that rebuilds truth from the script,
    /// so the two agree to the bit.
    pub fn ground_truth(&self, frame_seq: u64) -> DriverGroundTruth {
        DriverGroundTruth {
            frame_seq,
            face_present: self.face_visible(),
            camera_blocked: self.camera_blocked,
            yaw_deg: self.yaw_deg as f32,
            pitch_deg: self.pitch_deg as f32,
            roll_deg: self.roll_deg as f32,
            left_eye_closure: self.left_eye_closure as f32,
            right_eye_closure: self.right_eye_closure as f32,
            gaze_zone: self.gaze_zone,
            episode: self.episode.map(str::to_string),
        }
    }
}

/// The resolved driver script.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverScript {
    /// Whose face the synthetic camera draws (`[driver] face`): [`DEFAULT_FACE`] or the id of a driver
    /// made at setup from a real photo (`models/face/drivers/drivers.toml`, cabin issue 11.3).
    pub face: String,
    pub neutral: Pose,
    pub sway_deg: f64,
    pub gaze: Vec<GazeSegment>,
    /// Every blink of the drive, drawn once from the inputs' blink rate and duration (and the
    /// drowsy stretches'), so the script keeps the blinks, not the rates.
    pub blinks: Vec<Blink>,
    pub closures: Vec<Closure>,
    pub drowsy: Vec<Drowsy>,
    pub face_absent: Vec<Interval>,
    pub camera_blocked: Vec<Interval>,
    pub episodes: Vec<Episode>,
    /// Glasses, sunglasses, masks and caps worn during the drive.
    pub wear: Vec<Wear>,
    /// Phones raised into view (each also has its look in `gaze`).
    pub phones: Vec<PhoneHold>,
    /// Short glances away (below the long-distraction threshold), for ground-truth labels.
    short_glances: Vec<Interval>,
    sway_phase: [f64; 6],
}

pub fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

fn blink_closure(b: &Blink, t: f64) -> f64 {
    let p = (t - b.start_s) / b.duration_s;
    if !(0.0..=1.0).contains(&p) {
        0.0
    } else if p < 0.35 {
        smoothstep(p / 0.35)
    } else if p < 0.45 {
        1.0
    } else {
        1.0 - smoothstep((p - 0.45) / 0.55)
    }
}

/// Inputs to [`DriverScript::build`] (already validated by the scenario parser).
pub struct DriverInputs {
    pub seed: u64,
    pub duration_s: f64,
    pub neutral: Pose,
    pub sway_deg: f64,
    pub blink_rate_per_min: f64,
    pub blink_duration_s: f64,
    pub gaze: Vec<GazeSegment>,
    pub time_sharing: Vec<(Interval, String)>,
    pub closures: Vec<(Closure, usize, bool)>,
    pub drowsy: Vec<(Drowsy, usize)>,
    pub face_absent: Vec<Interval>,
    pub camera_blocked: Vec<Interval>,
    pub long_distraction_s: f64,
    /// Episodes of face absence shorter than this are not scored.
    pub min_absent_s: f64,
}

impl DriverScript {
    pub fn build(i: DriverInputs) -> DriverScript {
        let mut episodes = Vec::new();
        let mut short_glances = Vec::new();
        let in_time_sharing = |s: &GazeSegment| {
            i.time_sharing
                .iter()
                .any(|(iv, _)| s.start_s >= iv.start_s && s.end_s <= iv.end_s)
        };
        for g in &i.gaze {
            if g.zone.is_driving_related() {
                continue;
            }
            // Eyes are off the road from the middle of the turn away to the middle of the turn back.
            let away = g.end_s - g.start_s - g.transition_s;
            let iv = Interval {
                start_s: g.start_s + g.transition_s / 2.0,
                end_s: g.end_s - g.transition_s / 2.0,
                line: g.line,
            };
            if away >= i.long_distraction_s && !in_time_sharing(g) {
                episodes.push(Episode {
                    kind: EpisodeKind::LongDistraction,
                    start_s: iv.start_s,
                    end_s: iv.end_s,
                    detail: format!("{away:.1} s glance to {:?}", g.zone),
                    line: g.line,
                });
            } else {
                short_glances.push(iv);
            }
        }
        for (iv, detail) in &i.time_sharing {
            episodes.push(Episode {
                kind: EpisodeKind::VisualTimeSharing,
                start_s: iv.start_s,
                end_s: iv.end_s,
                detail: detail.clone(),
                line: iv.line,
            });
        }
        for (d, line) in &i.drowsy {
            episodes.push(Episode {
                kind: EpisodeKind::Drowsiness,
                start_s: d.start_s,
                end_s: d.end_s,
                detail: format!(
                    "{:.0} s drowsy: {:.0} blinks/min of {:.0} ms, lids {:.0}% closed",
                    d.end_s - d.start_s,
                    d.blink_rate_per_min,
                    d.blink_duration_s * 1000.0,
                    d.lid_droop * 100.0
                ),
                line: *line,
            });
        }
        for (c, line, microsleep) in &i.closures {
            if *microsleep {
                episodes.push(Episode {
                    kind: EpisodeKind::Microsleep,
                    start_s: c.start_s,
                    end_s: c.end_s(),
                    detail: format!(
                        "eyes closed {:.1} s after a {:.1} s slow closure",
                        c.hold_s, c.closing_s
                    ),
                    line: *line,
                });
            }
        }
        for b in &i.camera_blocked {
            episodes.push(Episode {
                kind: EpisodeKind::CameraBlocked,
                start_s: b.start_s,
                end_s: b.end_s,
                detail: format!("lens covered {:.1} s", b.end_s - b.start_s),
                line: b.line,
            });
        }
        for a in &i.face_absent {
            if a.end_s - a.start_s >= i.min_absent_s {
                episodes.push(Episode {
                    kind: EpisodeKind::FaceAbsent,
                    start_s: a.start_s,
                    end_s: a.end_s,
                    detail: format!("driver out of view {:.1} s", a.end_s - a.start_s),
                    line: a.line,
                });
            }
        }
        episodes.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));

        let drowsy: Vec<Drowsy> = i.drowsy.iter().map(|(d, _)| *d).collect();
        let closures: Vec<Closure> = i.closures.iter().map(|(c, _, _)| *c).collect();
        let blinks = generate_blinks(&i, &drowsy, &closures);
        let mut rng = Rng::stream(i.seed, "head_sway", 0);
        let sway_phase = std::array::from_fn(|_| rng.range(0.0, std::f64::consts::TAU));
        DriverScript {
            neutral: i.neutral,
            sway_deg: i.sway_deg,
            gaze: i.gaze,
            blinks,
            closures,
            drowsy,
            face_absent: i.face_absent,
            camera_blocked: i.camera_blocked,
            episodes,
            wear: Vec::new(),
            phones: Vec::new(),
            face: DEFAULT_FACE.to_string(),
            short_glances,
            sway_phase,
        }
    }

    /// The exact driver state at `t` seconds.
    pub fn state_at(&self, t: f64) -> DriverPose {
        use std::f64::consts::TAU;
        let ph = &self.sway_phase;
        let s = self.sway_deg;
        let mut yaw = self.neutral.yaw_deg
            + s * (0.6 * (TAU * 0.031 * t + ph[0]).sin() + 0.4 * (TAU * 0.097 * t + ph[1]).sin());
        let mut pitch = self.neutral.pitch_deg
            + 0.5
                * s
                * (0.6 * (TAU * 0.043 * t + ph[2]).sin() + 0.4 * (TAU * 0.11 * t + ph[3]).sin());
        let mut roll = self.neutral.roll_deg
            + 0.3
                * s
                * (0.7 * (TAU * 0.023 * t + ph[4]).sin() + 0.3 * (TAU * 0.071 * t + ph[5]).sin());
        let mut zone = GazeZone::RoadAhead;
        let (mut eye_yaw, mut eye_pitch, mut lean_x, mut lean_fwd) = (
            self.neutral.eye_yaw_deg,
            self.neutral.eye_pitch_deg,
            self.neutral.lean_x_mm,
            self.neutral.lean_fwd_mm,
        );

        // Glances and held head poses (non-overlapping, sorted).
        let k = self.gaze.partition_point(|g| g.start_s <= t);
        if k > 0 {
            let g = &self.gaze[k - 1];
            if t <= g.end_s {
                let tr = g.transition_s.max(1e-3);
                let w = smoothstep(((t - g.start_s) / tr).min((g.end_s - t) / tr).min(1.0));
                yaw += w * (g.pose.yaw_deg - self.neutral.yaw_deg);
                pitch += w * (g.pose.pitch_deg - self.neutral.pitch_deg);
                roll += w * (g.pose.roll_deg - self.neutral.roll_deg);
                // The eyes lead the head (a saccade takes ~50 ms, the head ~300 ms): they arrive in the
                // first third of the transition and leave in the last third.
                let we = smoothstep(((t - g.start_s) / tr).min((g.end_s - t) / tr).min(1.0) * 3.0);
                eye_yaw += we * (g.pose.eye_yaw_deg - self.neutral.eye_yaw_deg);
                eye_pitch += we * (g.pose.eye_pitch_deg - self.neutral.eye_pitch_deg);
                lean_x += w * (g.pose.lean_x_mm - self.neutral.lean_x_mm);
                lean_fwd += w * (g.pose.lean_fwd_mm - self.neutral.lean_fwd_mm);
                if w >= 0.5 {
                    zone = g.zone;
                }
            }
        }

        // Drowsiness: drooping lids, slow nodding.
        let mut droop: f64 = 0.0;
        for d in &self.drowsy {
            let e = d.envelope(t);
            if e > 0.0 {
                droop = droop.max(d.lid_droop * e);
                pitch -= d.nod_deg * e * (0.5 - 0.5 * (TAU * t / 17.0).cos());
            }
        }
        // Blinks (sorted by start; only the last two can overlap t).
        let bi = self.blinks.partition_point(|b| b.start_s <= t);
        let blink = self.blinks[bi.saturating_sub(2)..bi]
            .iter()
            .map(|b| blink_closure(b, t))
            .fold(0.0, f64::max);
        let mut closure = 1.0 - (1.0 - droop) * (1.0 - blink);
        for c in &self.closures {
            let w = c.weight(t);
            if w > 0.0 {
                closure = closure.max(w * c.closure);
                pitch -= w * c.head_drop_deg;
            }
        }

        let in_view = !self.face_absent.iter().any(|a| a.contains(t));
        let camera_blocked = self.camera_blocked.iter().any(|b| b.contains(t));
        if !in_view {
            zone = GazeZone::Off;
        }
        // The most specific episode in force labels the frame.
        let episode = self
            .episodes
            .iter()
            .filter(|e| t >= e.start_s && t < e.end_s)
            .min_by(|a, b| (a.end_s - a.start_s).total_cmp(&(b.end_s - b.start_s)))
            .map(|e| e.kind.label())
            .or_else(|| {
                self.short_glances
                    .iter()
                    .any(|g| g.contains(t))
                    .then_some("glance")
            });
        let mut worn = Worn::default();
        for w in self.wear.iter().filter(|w| t >= w.from_s && t < w.to_s) {
            match w.item {
                WearItem::Glasses => worn.eyewear = Some((w.ir_transmittance, false)),
                WearItem::Sunglasses => worn.eyewear = Some((w.ir_transmittance, true)),
                WearItem::Mask => worn.mask = true,
                WearItem::Cap => worn.cap = true,
            }
        }
        let phone = self.phones.iter().find_map(|p| {
            let raised = p.raised(t);
            (raised > 0.0).then_some(HeldPhone {
                yaw_deg: p.yaw_deg,
                pitch_deg: p.pitch_deg,
                distance_mm: p.distance_mm,
                raised,
            })
        });
        DriverPose {
            worn,
            phone,
            eye_yaw_deg: eye_yaw,
            eye_pitch_deg: eye_pitch,
            lean_x_mm: lean_x,
            lean_fwd_mm: lean_fwd,
            gaze_zone: zone,
            in_view,
            camera_blocked,
            episode,
            ..DriverPose::road_ahead(yaw, pitch, roll, closure)
        }
    }
}

fn generate_blinks(i: &DriverInputs, drowsy: &[Drowsy], closures: &[Closure]) -> Vec<Blink> {
    let mut rng = Rng::stream(i.seed, "blinks", 0);
    let mut blinks = Vec::new();
    let mut t = rng.range(0.5, 3.0);
    while t < i.duration_s {
        let d = drowsy.iter().find(|d| t >= d.start_s && t < d.end_s);
        let (rate, dur) = d.map_or((i.blink_rate_per_min, i.blink_duration_s), |d| {
            (d.blink_rate_per_min, d.blink_duration_s)
        });
        let duration_s = (dur * (1.0 + 0.15 * rng.gaussian())).clamp(0.6 * dur, 1.6 * dur);
        let busy = closures
            .iter()
            .any(|c| t + duration_s > c.start_s - 0.3 && t < c.end_s() + 0.3);
        if !busy {
            blinks.push(Blink {
                start_s: t,
                duration_s,
            });
        }
        if rate <= 0.0 {
            break;
        }
        let mean = 60.0 / rate;
        let refractory = (0.4 * mean).min(1.5);
        t += duration_s + refractory + rng.exponential((mean - refractory).max(0.1));
    }
    blinks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> DriverInputs {
        DriverInputs {
            seed: 1,
            duration_s: 60.0,
            neutral: Pose::default(),
            sway_deg: 0.0,
            blink_rate_per_min: 15.0,
            blink_duration_s: 0.15,
            gaze: vec![GazeSegment {
                start_s: 10.0,
                end_s: 14.6,
                transition_s: 0.3,
                pose: Pose {
                    yaw_deg: -22.0,
                    pitch_deg: -16.0,
                    ..Pose::default()
                },
                zone: GazeZone::CentreDisplay,
                line: 1,
            }],
            time_sharing: vec![],
            closures: vec![(
                Closure {
                    start_s: 30.0,
                    closing_s: 0.8,
                    hold_s: 1.5,
                    opening_s: 0.3,
                    closure: 1.0,
                    head_drop_deg: 6.0,
                },
                2,
                true,
            )],
            drowsy: vec![],
            face_absent: vec![],
            camera_blocked: vec![Interval {
                start_s: 40.0,
                end_s: 45.0,
                line: 3,
            }],
            long_distraction_s: 3.0,
            min_absent_s: 2.0,
        }
    }

    #[test]
    fn the_script_is_the_truth() {
        let d = DriverScript::build(inputs());
        let kinds: Vec<_> = d.episodes.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EpisodeKind::LongDistraction,
                EpisodeKind::Microsleep,
                EpisodeKind::CameraBlocked
            ]
        );
        let s = d.state_at(12.0);
        assert_eq!(s.gaze_zone, GazeZone::CentreDisplay);
        assert!((s.yaw_deg + 22.0).abs() < 1e-9);
        assert_eq!(s.episode, Some("long_distraction"));
        let s = d.state_at(31.5);
        assert_eq!(s.left_eye_closure, 1.0);
        assert_eq!(s.episode, Some("microsleep"));
        assert!(d.state_at(42.0).camera_blocked);
        assert!(!d.state_at(42.0).face_visible());
        // No blink overlaps the microsleep.
        assert!(d
            .blinks
            .iter()
            .all(|b| b.start_s + b.duration_s < 29.8 || b.start_s > 32.8));
        assert!(d.blinks.len() > 5);
    }

    /// The glance and wear fields as the conformance suite writes them (cabin issue 11.2).
    #[test]
    fn glance_styles_and_worn_items_parse_and_play() {
        let text = "[scenario]\nname = \"t\"\nduration_s = 60.0\n\n[route]\n\
                    points = [[48.0, 11.0], [48.01, 11.0]]\nspeed_kmh = 50\n\n\
                    [[driver.glance]]\nat_s = 10.0\nduration_s = 4.0\ndirection = \"right_mirror\"\n\
                    style = \"lizard\"\n\n\
                    [[driver.glance]]\nat_s = 20.0\nduration_s = 4.0\ndirection = \"glovebox\"\n\
                    style = \"lean\"\neye_pitch_deg = -20.0\n\n\
                    [[driver.wear]]\nitem = \"sunglasses\"\nfrom_s = 30.0\nto_s = 40.0\n\
                    ir_transmittance = 0.2\n\n\
                    [[driver.wear]]\nitem = \"cap\"\n";
        let s = crate::scenario::Scenario::parse(text, "t.toml", None).expect("parses");
        let d = &s.driver;
        let lizard = d.state_at(12.0);
        assert_eq!(lizard.gaze_zone, GazeZone::RightMirror);
        assert_eq!(lizard.eye_yaw_deg, -LIZARD_EYE_YAW_DEG);
        assert!(lizard.yaw_deg.abs() > 20.0 && lizard.yaw_deg.abs() < 40.0);
        let lean = d.state_at(22.0);
        assert_eq!(lean.gaze_zone, GazeZone::CentreDisplay);
        assert_eq!(lean.eye_pitch_deg, -20.0);
        assert!(lean.lean_x_mm < -50.0, "{}", lean.lean_x_mm);
        assert_eq!(d.state_at(35.0).worn.eyewear, Some((0.2, true)));
        assert_eq!(d.state_at(45.0).worn.eyewear, None);
        assert!(d.state_at(5.0).worn.cap && d.state_at(59.0).worn.cap);
    }
    /// `[driver] face` names the driver's face (cabin issue 11.3); the default is the astronaut, and an
    /// id that could name a path is refused at parse time.
    #[test]
    fn the_driver_names_a_face() {
        let base = "[scenario]\nname = \"t\"\nduration_s = 10.0\n\n[route]\n\
                    points = [[48.0, 11.0], [48.01, 11.0]]\nspeed_kmh = 50\n";
        let parse = |extra: &str| {
            crate::scenario::Scenario::parse(&format!("{base}{extra}"), "t.toml", None)
        };
        assert_eq!(parse("").expect("parses").driver.face, DEFAULT_FACE);
        let named = parse("\n[driver]\nface = \"f25_v\"\n").expect("parses");
        assert_eq!(named.driver.face, "f25_v");
        for bad in ["../astronaut", "F25", ""] {
            let err = parse(&format!("\n[driver]\nface = \"{bad}\"\n"));
            assert!(err.is_err(), "{bad:?} accepted");
        }
    }
}
