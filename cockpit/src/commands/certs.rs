//! `cabin certs --out DIR --roles hmi,dms,cockpit`: a development CA and one certificate + key per role
//! (common name = the role, the name zenoh's access control matches) for a secured deployment. See
//! docs/SECURITY.md; the certificates are made by `cabin_bus::security::certs`, as the tests' are.

use anyhow::{Context as _, Result};
use cabin_bus::security::certs;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug, Clone)]
pub struct CertsArgs {
    /// Directory to write ca.pem, ca.key and <role>.pem, <role>.key into (keys mode 0600).
    #[arg(long)]
    pub out: PathBuf,
    /// Roles, comma-separated: one certificate each (CN = role).
    #[arg(long, value_delimiter = ',', default_value = "sim,dms,cockpit,hmi")]
    pub roles: Vec<String>,
    /// Extra host names or IP addresses every certificate is valid for (besides localhost and 127.0.0.1),
    /// e.g. the ECUs' addresses on the vehicle network.
    #[arg(long, value_delimiter = ',')]
    pub names: Vec<String>,
    /// Overwrite existing files (this makes a new CA: every process needs its new certificate).
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: CertsArgs) -> Result<ExitCode> {
    let roles: Vec<String> = args
        .roles
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    let written = certs::write_dir(&args.out, &roles, &args.names, args.force)
        .with_context(|| format!("cannot make certificates in {}", args.out.display()))?;
    for f in &written.files {
        println!("{}", f.display());
    }
    eprintln!(
        "development CA and {} role certificate(s) in {}; keep ca.key off the vehicles",
        roles.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
