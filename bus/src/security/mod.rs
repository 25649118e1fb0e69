//! Securing the zenoh bus: development certificates ([`certs`]), the TLS section of the deployment
//! ([`TlsConfig`]) and the access-control table translated into zenoh's `access_control` ([`acl`]).
//!
//! The threat model and the table of who may publish what are in docs/SECURITY.md.

pub mod acl;
pub mod certs;

pub use acl::{AccessControl, RoleAccess};
pub use certs::{DevCa, RoleCert};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why a security setting cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("invalid role name '{0}': use 1-32 characters of [A-Za-z0-9_-]")]
    InvalidRole(String),
    #[error("{0} exists: refusing to overwrite it (use --force)")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("access control: role '{role}': {reason}")]
    Acl { role: String, reason: String },
    #[error("tls: {0}")]
    Tls(String),
}

/// `[zenoh.tls]`: this process's identity on the bus. Every link is TLS with mutual authentication: the
/// peer must present a certificate signed by `root_ca_certificate`, whose common name is its role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The CA every peer's certificate must chain to (PEM), e.g. `certs/ca.pem`.
    pub root_ca_certificate: PathBuf,
    /// This process's certificate (PEM, CN = its role), used both to listen and to connect.
    pub certificate: PathBuf,
    /// Its private key (PEM, mode 0600).
    pub private_key: PathBuf,
    /// Check that a listener's certificate names the host connected to (SAN). On by default.
    #[serde(default = "yes")]
    pub verify_name_on_connect: bool,
}

/// Replaced by the process's role in certificate paths.
pub const ROLE_PLACEHOLDER: &str = "{role}";
/// The environment variable naming this process's role when the paths use `{role}`.
pub const ROLE_ENV: &str = "CABIN_ROLE";

fn yes() -> bool {
    true
}

impl TlsConfig {
    /// The files of `role` in a directory written by `cabin certs`.
    pub fn from_dir(dir: &std::path::Path, role: &str) -> Self {
        TlsConfig {
            root_ca_certificate: dir.join(certs::CA_CERT_FILE),
            certificate: dir.join(format!("{role}.pem")),
            private_key: dir.join(format!("{role}.key")),
            verify_name_on_connect: true,
        }
    }

    /// Whether the certificate paths name a `{role}` to fill in per process (see [`Self::for_role`]).
    pub fn has_role_placeholder(&self) -> bool {
        [&self.certificate, &self.private_key]
            .iter()
            .any(|p| p.to_string_lossy().contains(ROLE_PLACEHOLDER))
    }

    /// The same settings with `{role}` in the certificate and key paths replaced by `role`: one
    /// deployment file serves every process, each started with its role (`CABIN_ROLE`).
    pub fn for_role(&self, role: &str) -> Result<TlsConfig, SecurityError> {
        if crate::NodeName::new(role).is_none() {
            return Err(SecurityError::InvalidRole(role.to_string()));
        }
        let fill = |p: &PathBuf| PathBuf::from(p.to_string_lossy().replace(ROLE_PLACEHOLDER, role));
        Ok(TlsConfig {
            certificate: fill(&self.certificate),
            private_key: fill(&self.private_key),
            ..self.clone()
        })
    }

    /// The zenoh `transport/link/tls` object (zenoh 1.10 keys: see zenoh-config's `TLSConf`). The same
    /// certificate serves both directions; `enable_mtls` makes the listener demand a client certificate
    /// and the connector present one.
    pub fn to_zenoh_json(&self) -> Result<serde_json::Value, SecurityError> {
        for p in [
            &self.root_ca_certificate,
            &self.certificate,
            &self.private_key,
        ] {
            if !p.is_file() {
                return Err(SecurityError::Tls(format!(
                    "{} does not exist (make it with `cabin certs`)",
                    p.display()
                )));
            }
        }
        let s = |p: &PathBuf| p.display().to_string();
        Ok(serde_json::json!({
            "root_ca_certificate": s(&self.root_ca_certificate),
            "listen_certificate": s(&self.certificate),
            "listen_private_key": s(&self.private_key),
            "connect_certificate": s(&self.certificate),
            "connect_private_key": s(&self.private_key),
            "enable_mtls": true,
            "verify_name_on_connect": self.verify_name_on_connect,
        }))
    }
}
