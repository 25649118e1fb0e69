//! # cabin-onnx
//!
//! The one ONNX Runtime environment of a cabin process, and model sessions built the one way cabin allows.
//!
//! `ort` (feature `load-dynamic`) must load the ONNX Runtime library before any other call, and it allows one
//! environment per process: a second `build()` is an error. Perception and the agent run models in the same
//! `cabin` process, so neither may build its own; both ask this crate, which loads the library that setup
//! prepared ([`cabin_bus::assets::onnxruntime_library`]) and builds the environment once ([`environment`]).
//!
//! Sessions ([`session`]) run sequentially with one inter-op thread and the intra-op thread count the caller
//! fixes: fixed thread counts keep a model's numbers identical run to run, whatever the machine.

mod environment;
mod error;
mod heap;
mod session;

pub use environment::{environment, environment_from};
pub use error::OnnxError;
pub use session::{session, session_with, MemoryProfile};
