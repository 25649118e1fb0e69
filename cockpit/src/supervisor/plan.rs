//! Which processes `cabin launch` starts: the deployment's nodes grouped by their `process` key, filtered
//! to one host, each with the role (certificate) it runs as in a secured deployment.
//!
//! A `process` key may name its host: `camera@dms-ecu` is the process `camera` on the ECU `dms-ecu`. Each
//! ECU runs `cabin launch --host dms-ecu` and starts only its own processes; without `--host` every
//! process starts on this machine (a bench, a laptop, a single-ECU vehicle). The config schema stays as it
//! is: the host is part of the process name, so `cabin node --process camera@dms-ecu` still works.

use cabin_bus::config::DeploymentConfig;
use std::collections::BTreeMap;

/// One process to start and supervise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessPlan {
    /// The `process` key, as written (`camera@dms-ecu`): what `cabin node --process` takes.
    pub name: String,
    /// The host part of the key, when it names one.
    pub host: Option<String>,
    /// `CABIN_ROLE` for the child when the deployment is secured (`[zenoh.tls]`).
    pub role: Option<String>,
    /// Its nodes, in file order.
    pub nodes: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("{file}: no process runs on host '{host}' (processes: {known})")]
    NoProcessOnHost {
        file: String,
        host: String,
        known: String,
    },
    #[error("{file}: no node to launch")]
    Empty { file: String },
    #[error("--role '{0}': write PROCESS=ROLE")]
    BadRoleFlag(String),
    #[error("--role {process}=...: no process '{process}' in {file}")]
    UnknownProcess { file: String, process: String },
    #[error("{file}: process '{process}' would run as role '{role}', which [zenoh.access_control] does not define (roles: {known}); give --role {process}=ROLE")]
    UnknownRole {
        file: String,
        process: String,
        role: String,
        known: String,
    },
}

/// The `(process, host)` parts of a `process` key.
pub fn split_host(key: &str) -> (&str, Option<&str>) {
    match key.rsplit_once('@') {
        Some((p, h)) if !p.is_empty() && !h.is_empty() => (p, Some(h)),
        _ => (key, None),
    }
}

/// The role a process runs as unless `--role` says otherwise: its name without the host and without a
/// trailing `-ecu` (deploy/secure.toml's `dms-ecu` runs as `dms`).
pub fn default_role(key: &str) -> String {
    let (name, _) = split_host(key);
    name.strip_suffix("-ecu").unwrap_or(name).to_string()
}

/// The processes of `config` to start here: all of them, or those of `host`; roles from `role_flags`
/// (`PROCESS=ROLE`) or [`default_role`], checked against the access-control table when there is one.
pub fn plan(
    config: &DeploymentConfig,
    host: Option<&str>,
    role_flags: &[String],
) -> Result<Vec<ProcessPlan>, PlanError> {
    let file = || config.file.clone();
    let mut processes: Vec<ProcessPlan> = Vec::new();
    for n in &config.nodes {
        match processes.iter_mut().find(|p| p.name == n.process) {
            Some(p) => p.nodes.push(n.name.to_string()),
            None => processes.push(ProcessPlan {
                name: n.process.clone(),
                host: split_host(&n.process).1.map(str::to_string),
                role: None,
                nodes: vec![n.name.to_string()],
            }),
        }
    }
    if processes.is_empty() {
        return Err(PlanError::Empty { file: file() });
    }
    let mut overrides = BTreeMap::new();
    for flag in role_flags {
        let (p, r) = flag
            .split_once('=')
            .filter(|(p, r)| !p.is_empty() && !r.is_empty())
            .ok_or_else(|| PlanError::BadRoleFlag(flag.clone()))?;
        if !processes.iter().any(|x| x.name == p) {
            return Err(PlanError::UnknownProcess {
                file: file(),
                process: p.to_string(),
            });
        }
        overrides.insert(p.to_string(), r.to_string());
    }
    if let Some(h) = host {
        let known = processes
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        processes.retain(|p| p.host.as_deref() == Some(h));
        if processes.is_empty() {
            return Err(PlanError::NoProcessOnHost {
                file: file(),
                host: h.to_string(),
                known,
            });
        }
    }
    if config.zenoh.tls.is_some() {
        let acl = config.zenoh.access_control.as_ref().filter(|a| a.enabled);
        for p in &mut processes {
            let role = overrides
                .get(&p.name)
                .cloned()
                .unwrap_or_else(|| default_role(&p.name));
            if let Some(acl) = acl {
                if !acl.roles.contains_key(&role) {
                    return Err(PlanError::UnknownRole {
                        file: file(),
                        process: p.name.clone(),
                        role,
                        known: acl.roles.keys().cloned().collect::<Vec<_>>().join(", "),
                    });
                }
            }
            p.role = Some(role);
        }
    }
    Ok(processes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "[[node]]\nname = \"sim\"\nkind = \"sim\"\nprocess = \"sim\"\n[[node]]\nname = \"camera\"\nkind = \"camera\"\nprocess = \"camera@dms-ecu\"\n[[node]]\nname = \"biometrics\"\nkind = \"biometrics\"\nprocess = \"dms-ecu@dms-ecu\"\n[[node]]\nname = \"driver_state\"\nkind = \"driver_state\"\nprocess = \"dms-ecu@dms-ecu\"\n";

    #[test]
    fn nodes_group_by_process_in_file_order_and_hosts_filter() {
        let c = DeploymentConfig::parse(NODES, "f.toml").expect("parses");
        let all = plan(&c, None, &[]).expect("plan");
        let names: Vec<_> = all.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["sim", "camera@dms-ecu", "dms-ecu@dms-ecu"]);
        assert_eq!(all[2].nodes, ["biometrics", "driver_state"]);
        assert!(all.iter().all(|p| p.role.is_none()), "plain bus: no roles");
        let dms = plan(&c, Some("dms-ecu"), &[]).expect("plan");
        assert_eq!(dms.len(), 2);
        assert!(dms.iter().all(|p| p.host.as_deref() == Some("dms-ecu")));
        let e = plan(&c, Some("nowhere"), &[]).unwrap_err();
        assert!(e.to_string().contains("nowhere"), "{e}");
    }

    #[test]
    fn a_secured_deployment_gives_each_process_a_known_role() {
        let secured = format!(
            "[zenoh]\nlisten = [\"tls/127.0.0.1:7447\"]\n[zenoh.tls]\nroot_ca_certificate = \"c/ca.pem\"\ncertificate = \"c/{{role}}.pem\"\nprivate_key = \"c/{{role}}.key\"\n[zenoh.access_control]\nenabled = true\n[zenoh.access_control.roles.sim]\npublish = [\"vehicle/*\"]\n[zenoh.access_control.roles.dms]\npublish = [\"perception/*\"]\n{NODES}"
        );
        let c = DeploymentConfig::parse(&secured, "f.toml").expect("parses");
        let e = plan(&c, None, &[]).unwrap_err();
        assert!(
            matches!(&e, PlanError::UnknownRole { role, .. } if role == "camera"),
            "{e}"
        );
        let p = plan(&c, None, &["camera@dms-ecu=dms".into()]).expect("plan");
        let roles: Vec<_> = p.iter().map(|p| p.role.as_deref().unwrap_or("-")).collect();
        assert_eq!(roles, ["sim", "dms", "dms"]);
        assert!(plan(&c, None, &["camera".into()]).is_err());
        assert!(plan(&c, None, &["nope=dms".into()]).is_err());
    }

    #[test]
    fn host_and_role_come_from_the_process_key() {
        assert_eq!(split_host("camera@dms-ecu"), ("camera", Some("dms-ecu")));
        assert_eq!(split_host("sim"), ("sim", None));
        assert_eq!(split_host("@x"), ("@x", None));
        assert_eq!(default_role("cockpit-ecu"), "cockpit");
        assert_eq!(default_role("dms-ecu@car"), "dms");
    }
}
