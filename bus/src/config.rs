//! The deployment config: a TOML "launch file" saying which nodes run, with which parameters and rates,
//! in which process (or ECU), and how processes find each other over zenoh.
//!
//! ```toml
//! vehicle = "demo"            # zenoh key prefix: cabin/demo/...
//!
//! [zenoh]                     # see ZenohConfig
//! mode = "peer"
//! listen = ["tcp/127.0.0.1:7447"]
//!
//! [runtime]
//! workers = 2                 # threads of the deterministic executor
//!
//! [[node]]
//! name = "camera"             # unique; used in headers and diagnostics
//! kind = "camera"             # which implementation (see `cabin nodes`)
//! process = "dms-ecu"         # which process / ECU runs it (`cabin node camera` on that ECU)
//! rate_hz = 30                # optional tick rate
//! params = { model_threads = 1 }
//! ```
//!
//! A secured deployment adds `[zenoh.tls]` (this process's certificate, paths relative to the file) and
//! `[zenoh.access_control]` (which role publishes and subscribes what): see [`crate::security`],
//! deploy/secure.toml and docs/SECURITY.md.
//!
//! Every error names the file, the line and the key.

use crate::header::NodeName;
use crate::transport::ZenohConfig;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    vehicle: Option<toml::Spanned<String>>,
    #[serde(default)]
    zenoh: ZenohConfig,
    #[serde(default)]
    runtime: RuntimeConfig,
    #[serde(default)]
    node: Vec<toml::Spanned<RawNode>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    name: toml::Spanned<String>,
    kind: String,
    #[serde(default = "default_process")]
    process: String,
    rate_hz: Option<f64>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    params: Option<toml::Spanned<toml::Table>>,
}

fn default_process() -> String {
    "main".into()
}

/// Executor settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Worker threads of the deterministic executor (results do not depend on it).
    pub workers: usize,
    /// How often the live executor publishes step timings, seconds.
    pub diagnostics_period_s: f64,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            workers: 2,
            diagnostics_period_s: 1.0,
        }
    }
}

/// One node of the deployment.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: NodeName,
    pub kind: String,
    pub process: String,
    pub rate_hz: Option<f64>,
    pub params: toml::Table,
    /// Where it was declared, for error messages.
    pub file: String,
    pub line: usize,
    params_line: usize,
}

impl NodeSpec {
    /// A spec built in code (tests, tools), with parameters from a TOML snippet.
    pub fn inline(name: &str, kind: &str, params: &str) -> Result<NodeSpec, ConfigError> {
        let err = |line, key: &str, message: String| ConfigError {
            file: "<inline>".into(),
            line,
            key: key.into(),
            message,
        };
        let name = NodeName::new(name)
            .ok_or_else(|| err(1, "name", format!("invalid node name '{name}'")))?;
        let params: toml::Table =
            toml::from_str(params).map_err(|e| err(1, "params", e.message().to_string()))?;
        Ok(NodeSpec {
            name,
            kind: kind.into(),
            process: "main".into(),
            rate_hz: None,
            params,
            file: "<inline>".into(),
            line: 1,
            params_line: 1,
        })
    }

    /// The node's parameters as its typed config. Errors name the file, line, node and key.
    /// Use `#[serde(default, deny_unknown_fields)]` on `T` so a typo is an error, not a silent default.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        T::deserialize(toml::Value::Table(self.params.clone())).map_err(|e| ConfigError {
            file: self.file.clone(),
            line: self.params_line,
            key: format!("node '{}' params", self.name),
            message: e.message().trim().to_string(),
        })
    }
}

/// A parsed, validated deployment.
#[derive(Debug, Clone)]
pub struct DeploymentConfig {
    pub vehicle: String,
    pub zenoh: ZenohConfig,
    pub runtime: RuntimeConfig,
    /// Enabled nodes, in file order (which is also the executor's fixed tie-break order).
    pub nodes: Vec<NodeSpec>,
    pub file: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.bytes().filter(|&b| b == b'\n').count() + 1)
}

impl DeploymentConfig {
    pub fn load(path: &Path) -> Result<DeploymentConfig, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 0,
            key: "-".into(),
            message: format!("cannot read: {e}"),
        })?;
        let mut config = Self::parse(&text, &file)?;
        // Certificate paths are relative to the deployment file, not to wherever the process starts
        // (a systemd unit starts in /).
        if let (Some(tls), Some(dir)) = (config.zenoh.tls.as_mut(), path.parent()) {
            for p in [
                &mut tls.root_ca_certificate,
                &mut tls.certificate,
                &mut tls.private_key,
            ] {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
            }
        }
        Ok(config)
    }

    pub fn parse(text: &str, file: &str) -> Result<DeploymentConfig, ConfigError> {
        let err = |offset: Option<usize>, key: &str, message: String| ConfigError {
            file: file.to_string(),
            line: offset.map_or(0, |o| line_of(text, o)),
            key: key.to_string(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let key = e.message().split('`').nth(1).unwrap_or("-").to_string();
            err(
                e.span().map(|s| s.start),
                &key,
                e.message().trim().to_string(),
            )
        })?;
        let vehicle = match raw.vehicle {
            Some(v) => {
                let span = v.span();
                let v = v.into_inner();
                if NodeName::new(&v).is_none() {
                    return Err(err(
                        Some(span.start),
                        "vehicle",
                        format!("'{v}' is not a valid name ([A-Za-z0-9_-], 1-32)"),
                    ));
                }
                v
            }
            None => "demo".to_string(),
        };
        if raw.runtime.workers == 0 || raw.runtime.workers > 256 {
            return Err(err(None, "runtime.workers", "must be 1..=256".into()));
        }
        raw.zenoh
            .validate()
            .map_err(|e| err(text.find("[zenoh"), "zenoh", e.to_string()))?;
        let mut nodes: Vec<NodeSpec> = Vec::new();
        for n in raw.node {
            let line = line_of(text, n.span().start);
            let n = n.into_inner();
            let name_line = line_of(text, n.name.span().start);
            let name_str = n.name.into_inner();
            let name = NodeName::new(&name_str).ok_or_else(|| ConfigError {
                file: file.to_string(),
                line: name_line,
                key: "node.name".into(),
                message: format!(
                    "'{name_str}' is not a valid node name ([A-Za-z0-9_-], 1-32 chars)"
                ),
            })?;
            if nodes.iter().any(|o| o.name == name) {
                return Err(ConfigError {
                    file: file.to_string(),
                    line: name_line,
                    key: "node.name".into(),
                    message: format!("node '{name}' is declared twice"),
                });
            }
            if let Some(r) = n.rate_hz {
                if !(r.is_finite() && r > 0.0 && r <= 10_000.0) {
                    return Err(ConfigError {
                        file: file.to_string(),
                        line,
                        key: format!("node '{name}' rate_hz"),
                        message: format!("{r} is not a rate in (0, 10000] Hz"),
                    });
                }
            }
            if n.enabled == Some(false) {
                continue;
            }
            let (params, params_line) = match n.params {
                Some(p) => {
                    let l = line_of(text, p.span().start);
                    (p.into_inner(), l)
                }
                None => (toml::Table::new(), line),
            };
            nodes.push(NodeSpec {
                name,
                kind: n.kind,
                process: n.process,
                rate_hz: n.rate_hz,
                params,
                file: file.to_string(),
                line,
                params_line,
            });
        }
        Ok(DeploymentConfig {
            vehicle,
            zenoh: raw.zenoh,
            runtime: raw.runtime,
            nodes,
            file: file.to_string(),
        })
    }

    /// Nodes that run in `process`.
    pub fn nodes_in<'a>(&'a self, process: &'a str) -> impl Iterator<Item = &'a NodeSpec> + 'a {
        self.nodes.iter().filter(move |n| n.process == process)
    }

    pub fn node(&self, name: &str) -> Option<&NodeSpec> {
        self.nodes.iter().find(|n| n.name.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_file_order_and_disabled_ones_are_skipped() {
        let text = "vehicle = \"car1\"\n[[node]]\nname = \"b\"\nkind = \"x\"\n[[node]]\nname = \"a\"\nkind = \"y\"\nprocess = \"ecu2\"\n[[node]]\nname = \"c\"\nkind = \"z\"\nenabled = false\n";
        let c = DeploymentConfig::parse(text, "f.toml").expect("parses");
        assert_eq!(c.vehicle, "car1");
        let names: Vec<_> = c.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(c.nodes_in("ecu2").count(), 1);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let text = "vehicle = \"v\"\n[[node]]\nname = \"a\"\nkind = \"x\"\nrate_hz = -1\n";
        let e = DeploymentConfig::parse(text, "f.toml").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("f.toml", 2));
        assert!(e.key.contains("rate_hz"), "{e}");

        let text = "vehicle = \"v\"\n\n[runtime]\nworkerz = 2\n";
        let e = DeploymentConfig::parse(text, "f.toml").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.to_string().contains("workerz"), "{e}");

        let text = "[[node]]\nname = \"bad name\"\nkind = \"x\"\n";
        let e = DeploymentConfig::parse(text, "f.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn a_secured_zenoh_section_is_checked_at_load() {
        let ok = "[zenoh]\nlisten = [\"tls/127.0.0.1:7447\"]\n[zenoh.tls]\nroot_ca_certificate = \"c/ca.pem\"\ncertificate = \"c/hmi.pem\"\nprivate_key = \"c/hmi.key\"\n[zenoh.access_control]\nenabled = true\n[zenoh.access_control.roles.hmi]\npublish = [\"hmi/response\"]\nsubscribe = [\"agent/*\"]\n";
        let c = DeploymentConfig::parse(ok, "f.toml").expect("parses");
        assert!(c
            .zenoh
            .tls
            .as_ref()
            .is_some_and(|t| t.verify_name_on_connect));
        let plain = ok.replace("tls/127", "tcp/127");
        let e = DeploymentConfig::parse(&plain, "f.toml").unwrap_err();
        assert!(e.to_string().contains("not tls/"), "{e}");
        let raw = ok.replace("\"hmi/response\"", "\"sensors/camera\"");
        let e = DeploymentConfig::parse(&raw, "f.toml").unwrap_err();
        assert!(e.to_string().contains("host-local"), "{e}");
        let untrusted = "[zenoh.access_control]\nenabled = true\n";
        let e = DeploymentConfig::parse(untrusted, "f.toml").unwrap_err();
        assert!(e.to_string().contains("needs [zenoh.tls]"), "{e}");
    }

    #[test]
    fn typed_params_report_the_node_and_key() {
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct P {
            threshold: f32,
        }
        let text = "[[node]]\nname = \"a\"\nkind = \"x\"\nparams = { threshhold = 0.5 }\n";
        let c = DeploymentConfig::parse(text, "f.toml").expect("parses");
        let e = c.nodes[0].params::<P>().unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.to_string().contains("threshhold"), "{e}");
        assert!(e.to_string().contains("node 'a'"), "{e}");
    }
}
