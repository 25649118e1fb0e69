//! The node kinds of the live sensors, for the deployment config's `kind = "..."`.

use cabin_bus::runtime::Registry;

/// Registers every live-sensor node kind. Each sensor module adds its line here.
pub fn register(registry: &mut Registry) {
    crate::camera::register(registry);
    registry.register(
        "gst_microphone",
        "seat microphones through a GStreamer pipeline (alsasrc, filesrc, audiotestsrc) -> sensors/audio, 16 kHz per seat",
        |spec| Ok(Box::new(crate::microphone::MicrophoneNode::from_spec(spec)?)),
    );
}
