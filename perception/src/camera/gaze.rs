//! Gaze zones: where the driver looks, from head pose plus the eyes' direction in the head.
//!
//! Gaze angles = head yaw/pitch + eye-in-head yaw/pitch from the iris offset (the iris centre's offset
//! from the eye centre over the eye width, turned into an angle on an eyeball of `eyeball_ratio` eye widths
//! radius: `asin(offset / eyeball_ratio)`, times `eye_yaw_gain` / `eye_pitch_gain`, clamped to
//! `max_eye_yaw_deg` / `max_eye_down_deg` / `max_eye_up_deg` — the gains undo the iris model's compression of the offset,
//! measured in `config/gaze_zones.toml`). The zone is looked up in a map of
//! yaw/pitch rectangles *relative to the driver's neutral gaze* (the camera node uses the configured
//! mounting neutral; the driver-state node re-zones with the neutral it learned for this driver).
//!
//! The map is data (`config/gaze_zones.toml`, embedded as the default, overridable in node params) because
//! it depends on the car: where the camera is, left- or right-hand drive, where the display is. The first
//! zone whose rectangle contains the gaze wins; none = `Off`.

use crate::error::{PerceptionError, Result};
use cabin_bus::messages::{GazeZone, Point2};
use serde::{Deserialize, Serialize};

/// The default zone map (left-hand-drive car, camera on the steering column).
pub const DEFAULT_GAZE_ZONES: &str = include_str!("../../config/gaze_zones.toml");

/// One zone: a yaw/pitch rectangle relative to the neutral gaze, degrees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneRect {
    pub zone: GazeZone,
    /// [min, max] yaw, degrees (positive = driver's left).
    pub yaw_deg: [f32; 2],
    /// [min, max] pitch, degrees (positive = up).
    pub pitch_deg: [f32; 2],
}

/// The zone map and the eye-in-head model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GazeZoneMap {
    /// Gaze (yaw, pitch) of the driver looking at the road ahead, in camera angles, before any learning.
    pub neutral_yaw_deg: f32,
    pub neutral_pitch_deg: f32,
    /// Eyeball radius over eye width, for turning the iris offset into an angle.
    pub eyeball_ratio: f32,
    /// Iris offset (along, across the eye line, eye widths) of an eye looking straight ahead: the iris
    /// centre sits above the corner line, so "across" is not 0 at rest.
    pub iris_rest_offset: [f32; 2],
    /// Eye-in-head angle per degree of iris angle, horizontally and vertically (0 = head pose only).
    pub eye_yaw_gain: f32,
    pub eye_pitch_gain: f32,
    /// Largest eye-in-head angles believed, degrees: sideways, down, up.
    pub max_eye_yaw_deg: f32,
    pub max_eye_down_deg: f32,
    pub max_eye_up_deg: f32,
    pub zones: Vec<ZoneRect>,
}

/// The same fields without defaults: the embedded file must spell out every one of them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullGazeZoneMap {
    neutral_yaw_deg: f32,
    neutral_pitch_deg: f32,
    eyeball_ratio: f32,
    iris_rest_offset: [f32; 2],
    eye_yaw_gain: f32,
    eye_pitch_gain: f32,
    max_eye_yaw_deg: f32,
    max_eye_down_deg: f32,
    max_eye_up_deg: f32,
    zones: Vec<ZoneRect>,
}

impl Default for GazeZoneMap {
    /// The embedded `config/gaze_zones.toml` (a unit test checks that it parses; should it ever fail,
    /// a head-only road-ahead zone is used instead of panicking).
    fn default() -> Self {
        match toml::from_str::<FullGazeZoneMap>(DEFAULT_GAZE_ZONES) {
            Ok(f) => GazeZoneMap {
                neutral_yaw_deg: f.neutral_yaw_deg,
                neutral_pitch_deg: f.neutral_pitch_deg,
                eyeball_ratio: f.eyeball_ratio,
                iris_rest_offset: f.iris_rest_offset,
                eye_yaw_gain: f.eye_yaw_gain,
                eye_pitch_gain: f.eye_pitch_gain,
                max_eye_yaw_deg: f.max_eye_yaw_deg,
                max_eye_down_deg: f.max_eye_down_deg,
                max_eye_up_deg: f.max_eye_up_deg,
                zones: f.zones,
            },
            Err(_) => GazeZoneMap {
                neutral_yaw_deg: 0.0,
                neutral_pitch_deg: 0.0,
                eyeball_ratio: 0.4,
                iris_rest_offset: [0.0, 0.0],
                eye_yaw_gain: 0.5,
                eye_pitch_gain: 0.5,
                max_eye_yaw_deg: 7.5,
                max_eye_down_deg: 7.5,
                max_eye_up_deg: 7.5,
                zones: vec![ZoneRect {
                    zone: GazeZone::RoadAhead,
                    yaw_deg: [-15.0, 15.0],
                    pitch_deg: [-10.0, 10.0],
                }],
            },
        }
    }
}

impl GazeZoneMap {
    /// Parses a zone map (the format of `config/gaze_zones.toml`).
    pub fn from_toml(text: &str) -> Result<Self> {
        let m: GazeZoneMap = toml::from_str(text)
            .map_err(|e| PerceptionError::Config(format!("gaze zones: {e}")))?;
        m.validate()?;
        Ok(m)
    }

    pub fn validate(&self) -> Result<()> {
        for z in &self.zones {
            if z.yaw_deg[0] > z.yaw_deg[1] || z.pitch_deg[0] > z.pitch_deg[1] {
                return Err(PerceptionError::Config(format!(
                    "gaze zone {:?}: min above max",
                    z.zone
                )));
            }
        }
        if !(self.eyeball_ratio > 0.0) {
            return Err(PerceptionError::Config("eyeball_ratio must be > 0".into()));
        }
        if self.iris_rest_offset.iter().any(|v| !v.is_finite()) {
            return Err(PerceptionError::Config(
                "iris_rest_offset must be finite".into(),
            ));
        }
        let eye = [
            self.eye_yaw_gain,
            self.eye_pitch_gain,
            self.max_eye_yaw_deg,
            self.max_eye_down_deg,
            self.max_eye_up_deg,
        ];
        if eye.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(PerceptionError::Config(
                "eye gains and max eye angles must be >= 0".into(),
            ));
        }
        Ok(())
    }

    /// Eye-in-head (yaw, pitch) degrees from the mean iris offset of the measured eyes.
    pub fn eye_angles(&self, offsets: &[Point2]) -> (f32, f32) {
        let finite: Vec<&Point2> = offsets
            .iter()
            .filter(|p| p.x.is_finite() && p.y.is_finite())
            .collect();
        if finite.is_empty() {
            return (0.0, 0.0);
        }
        let n = finite.len() as f32;
        let (x, y) = finite
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p.x / n, b + p.y / n));
        let angle = |v: f32, gain: f32| {
            (v / self.eyeball_ratio)
                .clamp(-1.0, 1.0)
                .asin()
                .to_degrees()
                * gain
        };
        // Iris to the image right = the driver looks to their left = positive yaw; iris down = pitch down.
        let [rx, ry] = self.iris_rest_offset;
        let m = self.max_eye_yaw_deg;
        (
            angle(x - rx, self.eye_yaw_gain).clamp(-m, m),
            (-angle(y - ry, self.eye_pitch_gain))
                .clamp(-self.max_eye_down_deg, self.max_eye_up_deg),
        )
    }

    /// The zone of a gaze direction, given the driver's neutral (road-ahead) gaze.
    pub fn zone(&self, gaze_yaw: f32, gaze_pitch: f32, neutral: (f32, f32)) -> GazeZone {
        if !gaze_yaw.is_finite() || !gaze_pitch.is_finite() {
            return GazeZone::Unknown;
        }
        let (y, p) = (gaze_yaw - neutral.0, gaze_pitch - neutral.1);
        self.zones
            .iter()
            .find(|z| {
                y >= z.yaw_deg[0] && y <= z.yaw_deg[1] && p >= z.pitch_deg[0] && p <= z.pitch_deg[1]
            })
            .map_or(GazeZone::Off, |z| z.zone)
    }

    /// The configured neutral gaze.
    pub fn nominal_neutral(&self) -> (f32, f32) {
        (self.neutral_yaw_deg, self.neutral_pitch_deg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_map_parses_and_zones_the_basics() {
        toml::from_str::<FullGazeZoneMap>(DEFAULT_GAZE_ZONES).unwrap();
        let m = GazeZoneMap::from_toml(DEFAULT_GAZE_ZONES).unwrap();
        assert_eq!(m, GazeZoneMap::default());
        let n = m.nominal_neutral();
        assert_eq!(m.zone(n.0, n.1, n), GazeZone::RoadAhead);
        assert_eq!(m.zone(n.0 + 40.0, n.1, n), GazeZone::LeftMirror);
        assert_eq!(m.zone(n.0 - 50.0, n.1, n), GazeZone::RightMirror);
        assert_eq!(m.zone(n.0, n.1 - 45.0, n), GazeZone::LapPhone);
        assert_eq!(m.zone(n.0 + 150.0, n.1, n), GazeZone::Off);
        assert_eq!(m.zone(f32::NAN, 0.0, n), GazeZone::Unknown);
    }
}
