//! # cabin-sim
//!
//! The replay simulator: scripted drives rendered into the inputs the real stack consumes, recordings
//! of runs, and scores against the script's ground truth.
//!
//! ```text
//! scenario (TOML) -> sim node -> sensors/camera, sensors/ecg|ppg, sensors/audio, vehicle/*, map/*
//!                             -> sim/ground_truth (for scoring only, never an input of perception)
//! run -> mcap::Recorder -> FILE.mcap -> replay node -> the same inputs again
//! events log + scenario -> score -> per-episode detection and latency, false alerts per hour
//! ```
//!
//! - [`scenario`]: the drive format, parsing with file/line/field errors, the driver script (= truth).
//! - [`camera`]: the synthetic driver camera (2.5D face mesh) and real footage.
//! - [`biometrics`]: McSharry's ECG model, a PPG model, CSV signals, artefacts.
//! - [`speech`]: espeak-ng synthesis for the microphone.
//! - [`source`]: the `sim` and `replay` nodes; [`register`] adds them to a registry.
//! - [`mcap`]: recording runs to MCAP (Foxglove-readable) and reading them back exactly.
//! - [`score`]: an events log against the scenario's ground-truth episodes.
//! - [`conformance`]: the protocol suite generated from one parameter table, and its dossier.

pub mod biometrics;
pub mod camera;
pub mod conformance;
pub mod error;
pub mod mcap;
pub mod rng;
pub mod scenario;
pub mod score;
pub mod source;
pub mod speech;

pub use error::{Result, SimError};
pub use score::{score, ScoreReport};
pub use source::register;
