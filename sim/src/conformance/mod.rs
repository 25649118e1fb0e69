//! The protocol conformance suite: scenarios generated from one parameter table, each citing the
//! protocol clause it checks (Euro NCAP 2026 Safe Driving / Driver Engagement, EU ADDW 2023/2590,
//! EU DDAW 2021/1341), run through the real stack by `cabin conformance`, and the dossier of results.
//!
//! ```text
//! sim/conformance/ncap2026.toml --table--> rows (list-valued axes expanded)
//!     --script--> one scenario TOML per row (or "not renderable: <what the simulator lacks>")
//!     --cabin conformance--> the deployment's sim/camera/driver_state nodes on the deterministic executor
//!     --verdict--> observed alerts vs the row's expected outcome --dossier--> Markdown + JSON
//! ```
//!
//! - [`table`]: the table format and its expansion.
//! - [`expect`]: the expected-outcome sentences (`long_distraction in 3..3.5 or ...`).
//! - [`script`]: a row -> a scenario script, checked by the simulator's own parser.
//! - [`verdict`]: a run's alerts against the row.
//! - [`dossier`]: per row and totals, Markdown and JSON.

pub mod dossier;
pub mod expect;
pub mod script;
pub mod table;
pub mod verdict;

pub use dossier::{Dossier, RowResult, RunData};
pub use script::Script;
pub use table::{Row, Suite};
pub use verdict::Status;

/// Errors of the suite table.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    #[error("{file}: {message}")]
    Table { file: String, message: String },
    #[error("row {row}: {message}")]
    Row { row: String, message: String },
}

#[cfg(test)]
mod tests {
    use super::table::Behaviour;
    use super::*;

    #[test]
    fn the_table_expands_into_scripts_or_named_misses() {
        let suite = Suite::from_name_or_path("ncap2026").expect("the built-in table parses");
        // 9 targets x 3 styles of long distraction alone.
        let ld = suite
            .rows
            .iter()
            .filter(|r| r.id.starts_with("LD-"))
            .count();
        assert_eq!(ld, 27);
        assert!(suite.subset(Some("fast")).len() >= 4);
        for row in &suite.rows {
            let s = script::generate(&suite.spec, row);
            match &s.renderable {
                Ok(()) => {
                    assert!(s.toml.contains(&format!("name = \"{}\"", row.id)));
                    assert!(s.duration_s > s.t0_s, "{}", row.id);
                }
                Err(missing) => assert!(!missing.is_empty(), "{}", row.id),
            }
            // What the simulator renders today must stay renderable (owl glances to existing targets,
            // closures, drowsiness, the lens, normal driving).
            let plain = matches!(
                row.behaviour,
                Behaviour::Closure
                    | Behaviour::Drowsy
                    | Behaviour::CameraBlocked
                    | Behaviour::NormalDrive
                    | Behaviour::PhoneRaised
            ) || (row.behaviour == Behaviour::Glance
                && row.style.as_deref() == Some("owl")
                && row.target.as_deref() == Some("centre_display"));
            if plain {
                assert!(s.renderable.is_ok(), "{}: {:?}", row.id, s.renderable);
            }
        }
    }
}
