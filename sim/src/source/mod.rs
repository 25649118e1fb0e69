//! Source nodes: `sim` plays a scenario, `replay` plays an MCAP recording.

mod sim;

pub use sim::{SimConfig, SimSource};

use cabin_bus::runtime::Registry;

/// Registers the simulator's node kinds.
pub fn register(registry: &mut Registry) {
    registry.register(
        "sim",
        "scenario player: route, POIs, vehicle, environment, synthetic camera + ground truth, ECG/PPG, speech",
        |spec| Ok(Box::new(SimSource::from_spec(spec)?)),
    );
}
