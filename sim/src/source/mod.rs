//! Source nodes: `sim` plays a scenario, `replay` plays an MCAP recording.

/// The `Node` impl both sources share: they read no topics, begin with `start` (once, at the start
/// time) and publish what is due with `step` on every wake-up they asked for. (A generic
/// `impl<T> Node for T` is not allowed for a trait of another crate, hence a macro.)
macro_rules! source_node {
    ($source:ty) => {
        impl Node for $source {
            fn inputs(&self) -> Vec<TopicId> {
                Vec::new()
            }

            fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
                self.start(ctx);
                Ok(())
            }

            fn on_message(&mut self, _sample: &Sample, _ctx: &mut Context) -> NodeResult {
                Ok(())
            }

            fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
                self.step(ctx);
                Ok(())
            }
        }
    };
}

mod replay;
mod sim;

pub use replay::{ReplayConfig, ReplaySource};
pub use sim::{SimConfig, SimSource};

use cabin_bus::config::NodeSpec;
use cabin_bus::runtime::{Node, NodeError, Registry};

/// A source built from its deployment spec (`params = { ... }`).
trait FromSpec: Node + Sized + 'static {
    fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError>;
}

/// The registry's constructor for a source of type `S`.
fn build<S: FromSpec>(spec: &NodeSpec) -> Result<Box<dyn Node>, NodeError> {
    Ok(Box::new(S::from_spec(spec)?))
}

/// A source's bad configuration (unreadable scenario or recording, wrong parameter), named after
/// the node.
fn config_error(spec: &NodeSpec, reason: impl std::fmt::Display) -> NodeError {
    NodeError::Config {
        node: spec.name.to_string(),
        reason: reason.to_string(),
    }
}

/// Registers the simulator's node kinds.
pub fn register(registry: &mut Registry) {
    registry.register(
        "sim",
        "scenario player: route, POIs, vehicle, environment, synthetic camera + ground truth, ECG/PPG, speech",
        build::<SimSource>,
    );
    registry.register(
        "replay",
        "MCAP player: publishes a recording's input topics at their recorded times (params: file, topics)",
        build::<ReplaySource>,
    );
}
