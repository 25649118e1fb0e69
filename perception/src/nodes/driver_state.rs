//! `driver_state` node: face, heart, vehicle and cabin in; `perception/driver_state` at a fixed rate
//! (default 10 Hz) and `perception/alert` on change out.
//!
//! A thin daemon around the pure [`DriverPolicy`] (openpilot's dmonitoringd/policy split): messages are
//! fed to the policy with their vehicle time, every tick steps it and publishes what it returns. The state
//! is published at every tick whether or not the inputs are valid; its `valid` flag says which.

use crate::driver_state::{DriverPolicy, DriverStateConfig, DEFAULT_DRIVER_STATE_TOML};
use crate::error::PerceptionError;
use cabin_bus::prelude::*;
use serde::{Deserialize, Serialize};

/// `[[node]] kind = "driver_state"` params.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DriverStateParams {
    /// A full thresholds file replacing the embedded `perception/config/driver_state.toml`.
    pub config_file: Option<String>,
    /// Partial overrides merged over the thresholds, e.g. `{ distraction = { long_distraction_s = 2.5 } }`.
    pub thresholds: toml::Table,
    /// A gaze-zone map file (format of `perception/config/gaze_zones.toml`).
    pub gaze_zones_file: Option<String>,
}

/// Default state rate when the spec gives no `rate_hz`.
pub const DRIVER_STATE_HZ: f64 = 10.0;

pub struct DriverStateNode {
    policy: DriverPolicy,
    period: SimDuration,
}

impl DriverStateNode {
    pub fn new(params: DriverStateParams, rate_hz: f64) -> Result<Self, PerceptionError> {
        let text = match &params.config_file {
            Some(f) => std::fs::read_to_string(f)
                .map_err(|e| PerceptionError::io(std::path::Path::new(f), e))?,
            None => DEFAULT_DRIVER_STATE_TOML.to_string(),
        };
        let mut cfg = DriverStateConfig::parse(&text, &params.thresholds)?;
        if let Some(f) = &params.gaze_zones_file {
            cfg.zones = super::camera::load_zones(f)?;
        }
        Ok(DriverStateNode {
            period: super::tick_period("driver_state", rate_hz)?,
            policy: DriverPolicy::new(cfg),
        })
    }

    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        super::build_from_spec(spec, DRIVER_STATE_HZ, DriverStateNode::new)
    }
}

impl Node for DriverStateNode {
    fn inputs(&self) -> Vec<TopicId> {
        vec![
            TopicId::Face,
            TopicId::Heart,
            TopicId::Vehicle,
            TopicId::Environment,
        ]
    }

    fn tick_period(&self) -> Option<SimDuration> {
        Some(self.period)
    }

    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        let t = ctx.now().as_secs_f64();
        match (&sample.message, sample.topic) {
            (Message::FaceObservation(f), TopicId::Face) => self.policy.observe_face(t, f),
            (Message::HeartState(h), TopicId::Heart) => self.policy.observe_heart(t, h),
            (Message::VehicleState(v), TopicId::Vehicle) => self.policy.observe_vehicle(t, v),
            (Message::CabinEnvironment(e), TopicId::Environment) => {
                self.policy.observe_environment(t, e)
            }
            (m, topic) => {
                return Err(NodeError::input(
                    topic,
                    format!("unexpected {:?}", m.kind()),
                ))
            }
        }
        Ok(())
    }

    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let _span = tracing::debug_span!("driver_state_step", t = ctx.now().as_nanos()).entered();
        let out = self.policy.step(ctx.now().as_secs_f64());
        for a in out.alerts {
            tracing::info!(kind = ?a.kind, level = ?a.level, "{}", a.reason);
            ctx.publish(topics::ALERT, a);
        }
        ctx.publish(topics::DRIVER_STATE, out.state);
        Ok(())
    }
}
