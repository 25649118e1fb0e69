//! Loading the deployment config and building its nodes from the registry of every crate's node kinds.

use crate::cli::{ConfigArg, JoinArgs};
use anyhow::{Context as _, Result};
use cabin_bus::config::{DeploymentConfig, NodeSpec};
use cabin_bus::runtime::{Node, Registry};
use cabin_bus::security::{ROLE_ENV, ROLE_PLACEHOLDER};
use cabin_bus::{NodeName, ZenohConfig};
use std::path::Path;

/// The default deployment, embedded in the binary.
pub const DEFAULT_CONFIG: &str = include_str!("default_config.toml");

/// Every node kind of the stack.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    cabin_sim::register(&mut r);
    cabin_perception::register(&mut r);
    cabin_agent::register(&mut r);
    cabin_capture::register(&mut r);
    r
}

/// The config from `path`, or the embedded default.
pub fn load(path: Option<&Path>) -> Result<DeploymentConfig> {
    let mut config = match path {
        Some(p) => DeploymentConfig::load(p)?,
        None => DeploymentConfig::parse(DEFAULT_CONFIG, "<embedded default config>")?,
    };
    with_role(&mut config, std::env::var(ROLE_ENV).ok().as_deref())?;
    Ok(config)
}

/// A secured deployment whose certificate paths say `{role}` serves every process: each one names its
/// role in `CABIN_ROLE` (its systemd unit sets it) and gets that role's certificate.
fn with_role(config: &mut DeploymentConfig, role: Option<&str>) -> Result<()> {
    let Some(tls) = config.zenoh.tls.as_mut() else {
        return Ok(());
    };
    if !tls.has_role_placeholder() {
        return Ok(());
    }
    let role = role.map(str::trim).filter(|r| !r.is_empty()).with_context(|| {
        format!(
            "{}: [zenoh.tls] names {ROLE_PLACEHOLDER} in its certificate paths: set {ROLE_ENV} to this process's role (e.g. {ROLE_ENV}=dms)",
            config.file
        )
    })?;
    *tls = tls.for_role(role)?;
    Ok(())
}

impl ConfigArg {
    /// The `--config` deployment, or the embedded default.
    pub fn load(&self) -> Result<DeploymentConfig> {
        load(self.config.as_deref())
    }
}

impl JoinArgs {
    /// The `--config` deployment and the zenoh config that joins it (see [`joining`]), listening on
    /// `listen` when given.
    pub fn load(&self, listen: &[String]) -> Result<(DeploymentConfig, ZenohConfig)> {
        let config = self.deployment.load()?;
        let zenoh = joining(&config.zenoh, listen, &self.connect);
        Ok((config, zenoh))
    }
}

/// Builds the nodes of `specs`, in order.
pub fn build<'a>(
    registry: &Registry,
    specs: impl IntoIterator<Item = &'a NodeSpec>,
) -> Result<Vec<(NodeName, Box<dyn Node>)>> {
    specs
        .into_iter()
        .map(|spec| {
            let node = registry.build(spec).with_context(|| {
                format!(
                    "{}:{}: cannot start node '{}' ({})",
                    spec.file, spec.line, spec.name, spec.kind
                )
            })?;
            Ok((spec.name.clone(), node))
        })
        .collect()
}

/// The zenoh config of a process that *joins* a running deployment (`cabin node`, `topics`, `echo`, `hmi`):
/// it connects to the endpoints the main process listens on. zenoh peers do not relay for each other, so a
/// joining peer also listens itself — on an ephemeral port, on loopback when everything it connects to is
/// on loopback, else on every interface (an ECU on the vehicle network) — and gossip tells the other peers
/// where to reach it; over TLS when the deployment is secured (`[zenoh.tls]`). `--listen` overrides.
pub fn joining(z: &ZenohConfig, listen: &[String], connect: &[String]) -> ZenohConfig {
    let mut c = z.clone();
    let mut peers: Vec<String> = c.connect.clone();
    peers.extend(c.listen.iter().cloned());
    peers.extend(connect.iter().cloned());
    peers.sort();
    peers.dedup();
    c.connect = peers.into_iter().filter(|p| !listen.contains(p)).collect();
    c.listen = if listen.is_empty() {
        let local = c.connect.iter().all(|p| {
            p.contains("/127.0.0.1:") || p.contains("/localhost:") || p.contains("/[::1]:")
        });
        let scheme = if c.tls.is_some() { "tls" } else { "tcp" };
        let host = if local { "127.0.0.1" } else { "0.0.0.0" };
        vec![format!("{scheme}/{host}:0")]
    } else {
        listen.to_vec()
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_config_builds_every_node() {
        let cfg = load(None).expect("embedded config parses");
        let reg = registry();
        for spec in &cfg.nodes {
            assert!(
                reg.kinds().any(|(k, _)| k == spec.kind),
                "kind {} of node {} is not registered",
                spec.kind,
                spec.name
            );
        }
    }

    #[test]
    fn a_role_placeholder_takes_the_process_role() {
        let text = "[zenoh]\nlisten = [\"tls/127.0.0.1:7447\"]\n[zenoh.tls]\nroot_ca_certificate = \"c/ca.pem\"\ncertificate = \"c/{role}.pem\"\nprivate_key = \"c/{role}.key\"\n";
        let mut c = DeploymentConfig::parse(text, "f.toml").expect("parses");
        let e = with_role(&mut c.clone(), None).expect_err("needs a role");
        assert!(e.to_string().contains(ROLE_ENV), "{e}");
        with_role(&mut c, Some("dms")).expect("role");
        let tls = c.zenoh.tls.expect("tls");
        assert_eq!(tls.certificate, Path::new("c/dms.pem"));
        assert_eq!(tls.private_key, Path::new("c/dms.key"));
    }

    #[test]
    fn joining_processes_connect_to_the_main_listener() {
        let z = ZenohConfig {
            listen: vec!["tcp/127.0.0.1:7447".into()],
            ..Default::default()
        };
        let j = joining(&z, &[], &[]);
        assert_eq!(j.connect, vec!["tcp/127.0.0.1:7447".to_string()]);
        assert_eq!(
            j.listen,
            vec!["tcp/127.0.0.1:0".to_string()],
            "reachable by the other peers, on loopback only"
        );
        let remote = ZenohConfig {
            connect: vec!["tcp/192.168.7.2:7447".into()],
            ..Default::default()
        };
        assert_eq!(
            joining(&remote, &[], &[]).listen,
            vec!["tcp/0.0.0.0:0".to_string()]
        );
        let secured = ZenohConfig {
            listen: vec!["tls/127.0.0.1:7447".into()],
            tls: Some(cabin_bus::security::TlsConfig::from_dir(
                Path::new("certs"),
                "hmi",
            )),
            ..Default::default()
        };
        assert_eq!(
            joining(&secured, &[], &[]).listen,
            vec!["tls/127.0.0.1:0".to_string()],
            "a secured deployment's joiner listens over TLS too"
        );
    }
}
