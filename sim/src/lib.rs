//! # cabin-sim
//!
//! The replay simulator: scripted drives ([`scenario`]) rendered into the inputs the real stack sees.
//! placeholder while the crate is built up.

pub mod error;
pub mod rng;
pub mod scenario;

pub use error::{Result, SimError};
