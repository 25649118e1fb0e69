//! `cabin launch`: the processes of a deployment as supervised children of one process.
//!
//! [`plan`] groups the nodes by their `process` key (and host); [`child`] starts each as
//! `cabin node --process NAME`, restarts it after a crash as [`backoff`] says, and stops it cleanly;
//! [`report`] puts every start, exit, restart and give-up on the diagnostics topic and in the log;
//! [`losses`] counts lost messages from sequence numbers across those restarts.

pub mod backoff;
pub mod child;
pub mod losses;
pub mod plan;
pub mod report;

pub use backoff::RestartPolicy;
pub use child::{supervise, Ending, Launcher};
pub use losses::{Arrival, LossCounter, StreamCount};
pub use plan::{plan, ProcessPlan};
pub use report::{Reporter, SUPERVISOR_NAME};
