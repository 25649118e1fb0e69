//! `camera` node: `sensors/camera` frames in, one `perception/face` observation per frame out.
//!
//! The node is a thin shell around [`CameraPipeline`]: it stamps observations with the frame's sequence
//! number, turns an unusable frame into a `Corrupt` observation plus a rejected-input diagnostic, and ticks
//! (default 10 Hz) to publish `NoFrames` observations when the camera goes silent — a fault is always an
//! explicit state, never silence. Models load when the node is built, so a missing model fails at start.

use crate::camera::{CameraConfig, CameraPipeline, GazeZoneMap};
use crate::error::PerceptionError;
use cabin_bus::prelude::*;
use serde::{Deserialize, Serialize};

/// `[[node]] kind = "camera"` params.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraNodeParams {
    /// Pipeline settings: `detector`, `presence`, `head_pose`, `eye_baseline`, `learning`, `health`,
    /// `gaze`, `refine_eyes` (default false), `contour_points` (default 16).
    pub pipeline: CameraConfig,
    /// A gaze-zone map file (format of `perception/config/gaze_zones.toml`) replacing `pipeline.gaze`.
    pub gaze_zones_file: Option<String>,
}

/// Default rate of the no-frames check when the spec gives no `rate_hz`.
pub const CAMERA_CHECK_HZ: f64 = 10.0;

pub struct CameraNode {
    pipeline: CameraPipeline,
    period: SimDuration,
    started: SimTime,
    last_seq: u64,
}

pub(crate) fn load_zones(path: &str) -> Result<GazeZoneMap, PerceptionError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PerceptionError::io(std::path::Path::new(path), e))?;
    GazeZoneMap::from_toml(&text)
}

impl CameraNode {
    pub fn new(mut params: CameraNodeParams, check_hz: f64) -> Result<Self, PerceptionError> {
        if let Some(f) = &params.gaze_zones_file {
            params.pipeline.gaze = load_zones(f)?;
        }
        Ok(CameraNode {
            period: super::tick_period("camera check", check_hz)?,
            pipeline: CameraPipeline::new(params.pipeline)?,
            started: SimTime::ZERO,
            last_seq: 0,
        })
    }

    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        super::build_from_spec(spec, CAMERA_CHECK_HZ, CameraNode::new)
    }
}

/// An observation without a face: the camera's state alone.
fn camera_state(frame_seq: u64, camera: CameraStatus) -> FaceObservation {
    FaceObservation {
        frame_seq,
        camera,
        brightness: 0.0,
        face: None,
    }
}

impl Node for CameraNode {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Camera]
    }

    fn tick_period(&self) -> Option<SimDuration> {
        Some(self.period)
    }

    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        self.started = ctx.now();
        Ok(())
    }

    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        let _span = tracing::debug_span!("camera_frame", seq = sample.header.seq).entered();
        let Some(frame) = sample.get::<CameraFrame>() else {
            return Err(NodeError::input(sample.topic, "not a camera frame"));
        };
        self.pipeline.health_mut().frame_arrived(ctx.now());
        self.last_seq = sample.header.seq;
        match self.pipeline.process(frame) {
            Ok(mut obs) => {
                obs.frame_seq = sample.header.seq;
                ctx.publish(topics::FACE, obs);
                Ok(())
            }
            // The frame is unusable, not the node: a Corrupt observation, and the frame rejected.
            Err(e @ (PerceptionError::Frame(_) | PerceptionError::FrameTooLarge { .. })) => {
                let seq = sample.header.seq;
                ctx.publish(topics::FACE, camera_state(seq, CameraStatus::Corrupt));
                Err(NodeError::input(
                    TopicId::Camera,
                    format!("frame {seq}: {e}"),
                ))
            }
            Err(e) => Err(NodeError::failed(e)),
        }
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        if let Some(status) = self
            .pipeline
            .health()
            .check_timeout(ctx.now(), self.started)
        {
            self.pipeline.reset_tracking();
            ctx.publish(topics::FACE, camera_state(self.last_seq, status));
        }
        Ok(())
    }
}
