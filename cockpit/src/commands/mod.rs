//! One file per `cabin` subcommand.

pub mod certs;
pub mod conformance;
pub mod fleet;
mod hil;
mod hmi;
mod inspect;
mod launch;
mod listen;
mod live;
mod node;
mod perceive;
mod prepare_cache;
mod profile;
pub mod record;
pub mod replay;
mod run;
pub mod scenarios;
pub mod score;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

pub use run::{override_scenario, run_deployment, RunOutcome, RunPlan};

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(a) => run::run(a),
        Command::Node(a) => node::run(a),
        Command::Topics(a) => inspect::topics(a),
        Command::Echo(a) => inspect::echo(a),
        Command::Hmi(a) => hmi::run(a),
        Command::Hil(a) => hil::run(a),
        Command::Perceive(a) => perceive::run(a),
        Command::Listen(a) => listen::run(a),
        Command::Profile(a) => profile::run(a),
        Command::Record(a) => record::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Score(a) => score::run(a),
        Command::Conformance(a) => conformance::run(a),
        Command::Scenarios(a) => scenarios::run(a),
        Command::Fleet(a) => fleet::run(a),
        Command::Certs(a) => certs::run(a),
        Command::Launch(a) => launch::run(a),
        Command::PrepareCache => prepare_cache::run(),
        Command::Nodes => {
            for (kind, description) in crate::deployment::registry().kinds() {
                println!("{kind:<14} {description}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            print!("{}", crate::deployment::DEFAULT_CONFIG);
            Ok(ExitCode::SUCCESS)
        }
    }
}
