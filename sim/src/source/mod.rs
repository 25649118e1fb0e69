//! Source nodes: `sim` plays a scenario, `replay` plays an MCAP recording.

mod replay;
mod sim;

pub use replay::{ReplayConfig, ReplaySource};
pub use sim::{SimConfig, SimSource};

use cabin_bus::runtime::Registry;

/// Registers the simulator's node kinds.
pub fn register(registry: &mut Registry) {
    registry.register(
        "sim",
        "scenario player: route, POIs, vehicle, environment, synthetic camera + ground truth, ECG/PPG, speech",
        |spec| Ok(Box::new(SimSource::from_spec(spec)?)),
    );
    registry.register(
        "replay",
        "MCAP player: publishes a recording's input topics at their recorded times (params: file, topics)",
        |spec| Ok(Box::new(ReplaySource::from_spec(spec)?)),
    );
}
