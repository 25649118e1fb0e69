//! Heart signals for the simulator: ECG and PPG from generators (one shared heart model) or from CSV
//! files, with injected artefacts, cut into chunks.

mod ecg;
mod heart;
mod ppg;
mod stream;

pub use ecg::EcgModel;
pub use heart::HeartModel;
pub use ppg::PpgModel;
pub use stream::SignalStream;
