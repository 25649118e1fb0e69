//! A source node for chain tests: the driver camera filming a pose script, and the vehicle driving at a
//! constant speed, until a given time.
//!
//! One frame per tick at the default scenario's camera rate, each rendered by the simulator's synthetic
//! camera (so consecutive frames differ by their sensor noise, as a real camera's do), and a vehicle
//! state every `VEHICLE_EVERY` frames. Everything is a function of the tick, so runs are identical
//! whatever the executor's worker count.

use crate::driver_camera::DriverCamera;
use cabin_bus::prelude::*;
use cabin_sim::scenario::{CameraColor, DriverPose};

/// A vehicle state every third frame (10 Hz at 30 fps).
const VEHICLE_EVERY: u64 = 3;

pub struct PosedDrive {
    camera: DriverCamera,
    fps: f64,
    pose_at: fn(f64) -> DriverPose,
    speed_mps: f32,
    end: SimTime,
    frame: u64,
}

impl PosedDrive {
    /// `pose_at(t)` filmed at `fps` by the IR camera with `noise` grey levels of sensor noise, the vehicle
    /// at `speed_mps`, until `end_s` seconds.
    pub fn new(
        pose_at: fn(f64) -> DriverPose,
        fps: f64,
        noise: f64,
        speed_mps: f32,
        end_s: f64,
    ) -> Self {
        PosedDrive {
            camera: DriverCamera::new(CameraColor::Ir, noise),
            fps,
            pose_at,
            speed_mps,
            end: SimTime::from_secs_f64(end_s),
            frame: 0,
        }
    }
}

impl Node for PosedDrive {
    fn inputs(&self) -> Vec<TopicId> {
        Vec::new()
    }

    fn tick_period(&self) -> Option<SimDuration> {
        SimDuration::from_hz(self.fps)
    }

    fn on_message(&mut self, _: &Sample, _: &mut Context) -> NodeResult {
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        if ctx.now() >= self.end {
            ctx.request_stop();
            return Ok(());
        }
        let t = ctx.now().as_secs_f64();
        ctx.publish(topics::CAMERA, self.camera.shoot(&(self.pose_at)(t)));
        if self.frame.is_multiple_of(VEHICLE_EVERY) {
            ctx.publish(
                topics::VEHICLE,
                VehicleState {
                    position: GeoPoint::default(),
                    speed_mps: self.speed_mps,
                    heading_deg: 0.0,
                    route_progress_m: t * self.speed_mps as f64,
                    time_of_day_s: 36_000,
                },
            );
        }
        self.frame += 1;
        Ok(())
    }
}
