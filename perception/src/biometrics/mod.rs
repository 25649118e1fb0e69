//! Biometrics: ECG and PPG chunks in, heart rate, HRV and signal quality out.
//!
//! - [`pan_tompkins`]: R peaks in the ECG (Pan & Tompkins 1985);
//! - [`ppg_peaks`]: systolic peaks in the PPG (Elgendi et al. 2013);
//! - [`quality`]: sample validity and the beat-template quality index (Orphanidou et al. 2015);
//! - [`monitor`]: one source's buffer, flags, heart rate and HRV;
//! - [`filters`]: zero-phase Butterworth sections and moving averages.

pub mod filters;
pub mod monitor;
pub mod pan_tompkins;
pub mod ppg_peaks;
pub mod quality;

pub use monitor::{ChunkReport, HeartConfig, HeartMonitor, SignalLimits};
