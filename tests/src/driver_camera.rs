//! Rendered driver-camera frames for tests: the simulator's synthetic camera (`cabin_sim::camera`, the
//! project's one face renderer) shown one scripted pose at a time, as bus [`CameraFrame`]s.
//!
//! The camera is the default scenario's (640x480, 50° field of view, head 0.65 m away, optics blur) in
//! steady daylight, so a frame shows exactly the pose it is given; only the colour mode and the sensor
//! noise are chosen per test. Frames darker than any exposure the simulator settles on (an auto-exposure
//! far behind the light) come from [`under_exposed`].

use cabin_bus::messages::{AmbientLight, CameraFrame};
use cabin_sim::camera::{Frame, Lighting, SyntheticCamera};
use cabin_sim::rng::Rng;
use cabin_sim::scenario::{CameraColor, DriverPose, GlanceDirection, GlanceStyle, Scenario, Steps};

/// Seed of the camera's sensor noise and cabin texture.
const SEED: u64 = 5;

/// The driver in view, looking at the road with open eyes.
pub fn facing_road() -> DriverPose {
    DriverPose::road_ahead(0.0, 0.0, 0.0, 0.0)
}

/// The driver glancing in `direction` in `style`, at the end of the glance (head and eyes arrived).
pub fn glance(direction: GlanceDirection, style: GlanceStyle) -> DriverPose {
    let p = direction.pose(style);
    DriverPose {
        yaw_deg: p.yaw_deg,
        pitch_deg: p.pitch_deg,
        roll_deg: p.roll_deg,
        eye_yaw_deg: p.eye_yaw_deg,
        eye_pitch_deg: p.eye_pitch_deg,
        lean_x_mm: p.lean_x_mm,
        lean_fwd_mm: p.lean_fwd_mm,
        gaze_zone: direction.zone(),
        ..facing_road()
    }
}

/// [`facing_road`] with both eyelids closed by `closure` (0 open .. 1 closed).
pub fn eyes_closed_by(closure: f64) -> DriverPose {
    DriverPose {
        left_eye_closure: closure,
        right_eye_closure: closure,
        ..facing_road()
    }
}

/// The simulator's synthetic driver camera, one frame per [`DriverCamera::shoot`].
pub struct DriverCamera {
    camera: SyntheticCamera,
    fps: f64,
    next_frame: u64,
}

impl DriverCamera {
    /// The default scenario's camera in `color` with `noise` grey levels of sensor noise. Panics when the
    /// face model is missing (`scripts/setup.sh` prepares `models/face/`).
    pub fn new(color: CameraColor, noise: f64) -> Self {
        let mut spec = Scenario::default_scenario()
            .expect("the built-in scenario parses")
            .camera;
        spec.color = color;
        spec.noise = noise;
        let daylight = Lighting::new(Steps::constant(AmbientLight::Day), 0.0);
        let camera = SyntheticCamera::new(&spec, daylight, SEED)
            .expect("the synthetic camera (needs models/face from scripts/setup.sh)");
        DriverCamera {
            camera,
            fps: spec.fps,
            next_frame: 0,
        }
    }

    /// The colour camera without sensor noise: the cleanest frames.
    pub fn colour() -> Self {
        DriverCamera::new(CameraColor::Rgb, 0.0)
    }

    /// The next frame (with its own sensor noise) showing `pose`.
    pub fn shoot(&mut self, pose: &DriverPose) -> CameraFrame {
        let n = self.next_frame;
        self.next_frame += 1;
        camera_frame(self.camera.render(n, n as f64 / self.fps, pose))
    }
}

/// A simulator frame as the bus carries it (rows tightly packed).
pub fn camera_frame(f: Frame) -> CameraFrame {
    CameraFrame {
        format: f.format,
        width: f.width,
        height: f.height,
        stride: f.width * f.format.bytes_per_pixel(),
        data: f.data.into(),
    }
}

/// `frame` as a camera whose exposure lags far behind the light would see it: every value times `gain`,
/// plus Gaussian read noise of `noise` grey levels (reproducible from `seed`), clipped to 0..255.
pub fn under_exposed(frame: &CameraFrame, gain: f64, noise: f64, seed: u64) -> CameraFrame {
    let mut rng = Rng::stream(seed, "under_exposed", 0);
    let data: Vec<u8> = frame
        .data
        .as_slice()
        .iter()
        .map(|&v| {
            (v as f64 * gain + noise * rng.gaussian())
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    CameraFrame {
        data: data.into(),
        ..frame.clone()
    }
}
