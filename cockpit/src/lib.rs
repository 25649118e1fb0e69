//! The `cabin` binary's library: the command line, the node registry of the whole stack, and the commands.
//!
//! `cabin run` runs every node of a deployment in one process on the deterministic executor (fed by the
//! simulator), mirrors the derived topics onto zenoh so other processes can watch, and writes the events
//! log. `cabin node NAME` runs one node live on zenoh, so a deployment spreads over processes and ECUs.

pub mod bridge;
pub mod cli;
pub mod commands;
pub mod deployment;
pub mod hmi;
pub mod logging;
pub mod summary;
pub mod supervisor;
