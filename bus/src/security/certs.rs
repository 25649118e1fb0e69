//! A development certificate authority and per-role certificates (rcgen, ECDSA P-256), as PEM.
//!
//! The CA signs one certificate per role (`hmi`, `dms`, `cockpit`, ...): common name = the role (what
//! zenoh's access control matches as `cert_common_names`), subject alternative names = `localhost`,
//! `127.0.0.1` and any host names given, usable as TLS server and client (zenoh peers are both). `cabin
//! certs` writes them; the secure-bus tests make theirs with the same code.
//!
//! These are for development and benches: the CA key sits next to the certificates. A production
//! vehicle gets its keys from its PKI (and an HSM), not from this module.

use super::SecurityError;
use crate::header::NodeName;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};

/// The CA's certificate file in a certificate directory.
pub const CA_CERT_FILE: &str = "ca.pem";
/// The CA's key file in a certificate directory.
pub const CA_KEY_FILE: &str = "ca.key";

/// A certificate and its private key, PEM.
#[derive(Clone, Debug)]
pub struct RoleCert {
    pub role: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// A freshly generated development CA.
pub struct DevCa {
    params: CertificateParams,
    key: KeyPair,
    cert_pem: String,
}

/// Validity window: from the start of last year to the start of the year after next, so a clock a few
/// months off (a bench ECU without RTC) still accepts the certificates.
fn validity(params: &mut CertificateParams) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // 31_556_952 s = one mean Gregorian year; exact enough to pick a calendar year.
    let year = 1970 + (secs / 31_556_952) as i32;
    params.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
    params.not_after = rcgen::date_time_ymd(year + 2, 1, 1);
}

impl DevCa {
    pub fn new() -> Result<Self, SecurityError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, "cabin development CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "cabin");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        validity(&mut params);
        let key = KeyPair::generate()?;
        let cert_pem = params.self_signed(&key)?.pem();
        Ok(DevCa {
            params,
            key,
            cert_pem,
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// A certificate for `role` (CN), valid for `localhost`, `127.0.0.1` and `names`.
    pub fn issue(&self, role: &str, names: &[String]) -> Result<RoleCert, SecurityError> {
        if NodeName::new(role).is_none() {
            return Err(SecurityError::InvalidRole(role.to_string()));
        }
        let mut sans = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        for n in names {
            if !sans.contains(n) {
                sans.push(n.clone());
            }
        }
        let mut params = CertificateParams::new(sans)?;
        params.distinguished_name.push(DnType::CommonName, role);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "cabin");
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params);
        let key = KeyPair::generate()?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer)?;
        Ok(RoleCert {
            role: role.to_string(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// What [`write_dir`] wrote.
#[derive(Debug)]
pub struct Written {
    pub files: Vec<PathBuf>,
}

/// Makes a CA and one certificate per role in `dir`: `ca.pem`, `ca.key`, `<role>.pem`, `<role>.key`
/// (keys mode 0600). Nothing is written when a file exists and `force` is off.
pub fn write_dir(
    dir: &Path,
    roles: &[String],
    names: &[String],
    force: bool,
) -> Result<Written, SecurityError> {
    if roles.is_empty() {
        return Err(SecurityError::InvalidRole(String::new()));
    }
    let mut seen: Vec<&str> = Vec::new();
    for r in roles {
        if NodeName::new(r).is_none() || r == "ca" {
            return Err(SecurityError::InvalidRole(r.clone()));
        }
        if !seen.contains(&r.as_str()) {
            seen.push(r);
        }
    }
    let mut plan: Vec<(PathBuf, bool)> = vec![
        (dir.join(CA_CERT_FILE), false),
        (dir.join(CA_KEY_FILE), true),
    ];
    for r in &seen {
        plan.push((dir.join(format!("{r}.pem")), false));
        plan.push((dir.join(format!("{r}.key")), true));
    }
    if !force {
        if let Some((p, _)) = plan.iter().find(|(p, _)| p.exists()) {
            return Err(SecurityError::Exists(p.clone()));
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| SecurityError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let ca = DevCa::new()?;
    let mut contents = vec![ca.cert_pem().to_string(), ca.key_pem()];
    for r in &seen {
        let c = ca.issue(r, names)?;
        contents.push(c.cert_pem);
        contents.push(c.key_pem);
    }
    for ((path, secret), text) in plan.iter().zip(contents) {
        write_file(path, &text, *secret)?;
    }
    Ok(Written {
        files: plan.into_iter().map(|(p, _)| p).collect(),
    })
}

/// Writes `text`; a secret is created with mode 0600 (never world-readable, not even for an instant).
fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), SecurityError> {
    use std::io::Write as _;
    let io = |source| SecurityError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    let mut f = opts.open(path).map_err(io)?;
    #[cfg(unix)]
    if secret {
        // An existing file (--force) keeps its old mode through open(): set it explicitly.
        use std::os::unix::fs::PermissionsExt as _;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    f.write_all(text.as_bytes()).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_ca_and_role_certs_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roles = vec!["hmi".to_string(), "dms".to_string()];
        let w = write_dir(dir.path(), &roles, &["ecu1.local".into()], false).expect("writes");
        assert_eq!(w.files.len(), 6);
        let pem = std::fs::read_to_string(dir.path().join("hmi.pem")).expect("read");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        let key = std::fs::read_to_string(dir.path().join("dms.key")).expect("read");
        assert!(key.contains("PRIVATE KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for f in ["ca.key", "hmi.key", "dms.key"] {
                let mode = std::fs::metadata(dir.path().join(f))
                    .expect("meta")
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }
        let again = write_dir(dir.path(), &roles, &[], false);
        assert!(matches!(again, Err(SecurityError::Exists(_))), "{again:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("hmi.pem")).expect("read"),
            pem,
            "a refused run changes nothing"
        );
        write_dir(dir.path(), &roles, &[], true).expect("--force overwrites");
        assert_ne!(
            std::fs::read_to_string(dir.path().join("hmi.pem")).expect("read"),
            pem
        );
        assert!(matches!(
            write_dir(dir.path(), &["bad role".into()], &[], true),
            Err(SecurityError::InvalidRole(_))
        ));
    }
}
