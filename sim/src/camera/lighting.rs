//! Lighting and exposure of the synthetic camera over the drive.
//!
//! A driver-monitoring camera sees the driver by its own near-infrared illuminator, plus whatever
//! sunlight comes through the windows. Day, dusk, night, tunnel and low sun change the sunlight on the
//! face, the brightness of the windows behind the driver and, through auto-exposure, the camera's gain
//! (and so its noise). Exposure follows a light change with a first-order lag (entering a tunnel the
//! image is briefly too dark), computed in closed form from the ambient-light timeline, so a frame
//! depends only on its time — never on the frames rendered before it.

use crate::scenario::Steps;
use cabin_bus::messages::AmbientLight;

/// Light on the scene at one instant, and the camera's response.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameLight {
    /// The camera's own near-infrared illuminator (on the face, from the camera's direction).
    pub ir: f32,
    /// Sunlight on the face (from the driver's side window).
    pub sun: f32,
    /// Direction the sunlight comes from (unit vector towards the light; x right, y down, z away).
    pub sun_dir: [f32; 3],
    /// Brightness of the windows behind the driver.
    pub sky: f32,
    /// Illumination of the cabin interior behind the driver.
    pub interior: f32,
    /// Auto-exposure gain applied by the sensor.
    pub gain: f32,
}

struct Levels {
    sun: f32,
    sky: f32,
}

const IR: f32 = 0.62;

fn levels(l: AmbientLight) -> Levels {
    let (sun, sky) = match l {
        AmbientLight::Day => (0.45, 1.0),
        AmbientLight::Dusk => (0.15, 0.35),
        AmbientLight::Night => (0.0, 0.04),
        AmbientLight::Tunnel => (0.0, 0.10),
        AmbientLight::LowSun => (0.7, 1.5),
    };
    Levels { sun, sky }
}

/// The gain that brings a frontal face to its nominal brightness under these levels.
fn ideal_log_gain(l: AmbientLight) -> f32 {
    let lv = levels(l);
    let face = IR * 0.95 + lv.sun * 0.7;
    (1.0 / face).clamp(0.5, 6.0).ln()
}

/// The lighting timeline of a drive.
#[derive(Clone, Debug)]
pub struct Lighting {
    steps: Steps<AmbientLight>,
    lag_s: f64,
}

impl Lighting {
    pub fn new(steps: Steps<AmbientLight>, exposure_lag_s: f64) -> Self {
        Lighting {
            steps,
            lag_s: exposure_lag_s,
        }
    }

    pub fn at(&self, t: f64) -> FrameLight {
        let light = self.steps.at(t);
        let lv = levels(light);
        // Exposure: the ideal gain, plus the decaying remainder of every earlier change.
        let mut log_gain = ideal_log_gain(light);
        if self.lag_s > 0.0 {
            let pts = self.steps.points();
            for w in pts.windows(2) {
                let (t1, l1) = (w[1].0, w[1].1);
                if t1 > t {
                    break;
                }
                let jump = ideal_log_gain(w[0].1) - ideal_log_gain(l1);
                log_gain += jump * (-(t - t1) / self.lag_s).exp() as f32;
            }
        }
        let mut sky = lv.sky;
        if light == AmbientLight::Tunnel {
            // Tunnel lights sweep past about every 0.9 s at speed.
            let phase = (t / 0.9).fract() as f32 - 0.5;
            sky *= 1.0 + 2.5 * (-(phase * phase) / 0.004).exp();
        }
        let sun_dir = match light {
            AmbientLight::LowSun => [0.55, -0.1, -0.83],
            _ => [0.75, -0.35, -0.56],
        };
        FrameLight {
            ir: IR,
            sun: lv.sun,
            sun_dir,
            sky,
            interior: 0.3 + 0.5 * lv.sun,
            gain: log_gain.exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposure_lags_a_tunnel_entry() {
        let steps =
            Steps::new(vec![(0.0, AmbientLight::Day), (10.0, AmbientLight::Tunnel)]).unwrap();
        let l = Lighting::new(steps, 1.0);
        let day = l.at(9.9).gain;
        let entering = l.at(10.1).gain;
        let adapted = l.at(20.0).gain;
        assert!(
            day < entering && entering < adapted,
            "{day} {entering} {adapted}"
        );
        assert!((adapted - (1.0 / (IR * 0.95))).abs() < 1e-3);
    }
}
