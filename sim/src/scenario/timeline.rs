//! Values that change over a drive: keyframes in scenario seconds.
//!
//! Continuous quantities (speed, CO2, heart rate) interpolate linearly between keyframes; discrete
//! ones (ambient light, weather) hold each value until the next keyframe. Before the first keyframe
//! the first value holds, after the last the last value holds, so a single keyframe is a constant.

use serde::Deserialize;

/// A piecewise-linear curve over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Keyframes {
    /// (time_s, value), sorted by time, at least one point: the same checks as [`Steps`], plus
    /// finite values.
    steps: Steps<f64>,
}

impl Keyframes {
    pub fn constant(v: f64) -> Self {
        Keyframes {
            steps: Steps::constant(v),
        }
    }

    /// Keyframes from (time_s, value) pairs; `Err` names what is wrong (empty, unsorted, not finite).
    pub fn new(points: Vec<(f64, f64)>) -> Result<Self, String> {
        if let Some((i, (t, v))) = points.iter().enumerate().find(|(_, (_, v))| !v.is_finite()) {
            return Err(format!("keyframe {i} [{t}, {v}] must have a finite value"));
        }
        Ok(Keyframes {
            steps: Steps::new(points)?,
        })
    }

    pub fn points(&self) -> &[(f64, f64)] {
        self.steps.points()
    }

    pub fn at(&self, t: f64) -> f64 {
        let p = self.points();
        let i = p.partition_point(|&(pt, _)| pt <= t);
        if i == 0 {
            return p[0].1;
        }
        if i == p.len() {
            return p[p.len() - 1].1;
        }
        let (t0, v0) = p[i - 1];
        let (t1, v1) = p[i];
        if t1 <= t0 {
            return v1;
        }
        v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    }

    pub fn min(&self) -> f64 {
        self.points()
            .iter()
            .map(|p| p.1)
            .fold(f64::INFINITY, f64::min)
    }
    pub fn max(&self) -> f64 {
        self.points()
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// A step function over time: each value holds until the next keyframe.
#[derive(Clone, Debug, PartialEq)]
pub struct Steps<T> {
    points: Vec<(f64, T)>,
}

impl<T: Clone> Steps<T> {
    pub fn constant(v: T) -> Self {
        Steps {
            points: vec![(0.0, v)],
        }
    }

    pub fn new(points: Vec<(f64, T)>) -> Result<Self, String> {
        if points.is_empty() {
            return Err("needs at least one [time_s, value] keyframe".into());
        }
        for (i, (t, _)) in points.iter().enumerate() {
            if !t.is_finite() || *t < 0.0 {
                return Err(format!("keyframe {i} has time {t}: must be >= 0"));
            }
            if i > 0 && *t < points[i - 1].0 {
                return Err(format!(
                    "keyframe {i} at {t} s comes before the previous one at {} s",
                    points[i - 1].0
                ));
            }
        }
        Ok(Steps { points })
    }

    pub fn at(&self, t: f64) -> T {
        let i = self.points.partition_point(|(pt, _)| *pt <= t);
        self.points[i.saturating_sub(1)].1.clone()
    }

    pub fn points(&self) -> &[(f64, T)] {
        &self.points
    }
}

/// How a curve is written in TOML: a constant (`co2_ppm = 600`) or keyframes
/// (`co2_ppm = [[0, 600], [300, 1400]]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawCurve {
    Constant(f64),
    Points(Vec<(f64, f64)>),
}

impl RawCurve {
    pub fn resolve(self) -> Result<Keyframes, String> {
        match self {
            RawCurve::Constant(v) if v.is_finite() => Ok(Keyframes::constant(v)),
            RawCurve::Constant(v) => Err(format!("{v} is not a finite number")),
            RawCurve::Points(p) => Keyframes::new(p),
        }
    }
}

/// A discrete timeline in TOML: a constant (`weather = "rain"`) or `[[0, "day"], [120, "tunnel"]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawSteps<T> {
    Constant(T),
    Points(Vec<(f64, T)>),
}

impl<T: Clone> RawSteps<T> {
    pub fn resolve(self) -> Result<Steps<T>, String> {
        match self {
            RawSteps::Constant(v) => Ok(Steps::constant(v)),
            RawSteps::Points(p) => Steps::new(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframes_interpolate_and_clamp() {
        let k = Keyframes::new(vec![(10.0, 0.0), (20.0, 100.0)]).unwrap();
        assert_eq!(k.at(0.0), 0.0);
        assert_eq!(k.at(15.0), 50.0);
        assert_eq!(k.at(99.0), 100.0);
        assert!(Keyframes::new(vec![(5.0, 1.0), (1.0, 2.0)]).is_err());
        let s = Steps::new(vec![(0.0, 'a'), (5.0, 'b')]).unwrap();
        assert_eq!((s.at(4.9), s.at(5.0)), ('a', 'b'));
    }
}
