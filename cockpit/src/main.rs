//! `cabin`: the smart-cockpit stack's one binary. See `cabin --help`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cabin_cockpit::cli::Cli::parse();
    cabin_cockpit::logging::init(cli.verbose, cli.quiet());
    match cabin_cockpit::commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
