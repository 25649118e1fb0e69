//! The node kinds of the live sensors, for the deployment config's `kind = "..."`.

use cabin_bus::runtime::Registry;

/// Registers every live-sensor node kind. Each sensor module adds its line here.
pub fn register(registry: &mut Registry) {
    let _ = registry;
}
