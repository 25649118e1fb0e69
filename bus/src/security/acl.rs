//! `[zenoh.access_control]`: which role may publish and subscribe which topics, translated into zenoh's
//! `access_control` (zenoh 1.10: `rules` / `subjects` / `policies`, see DEFAULT_CONFIG.json5).
//!
//! ```toml
//! [zenoh.access_control]
//! enabled = true
//! [zenoh.access_control.roles.hmi]
//! publish = ["hmi/response"]
//! subscribe = ["agent/suggestion", "perception/alert"]
//! ```
//!
//! A role is the common name of a peer's certificate (`cabin certs`), so access control needs
//! `[zenoh.tls]`. Every process enforces the table on its own links, denying by default:
//! - what a role *publishes* it may send in (`put`, `delete`, and for state topics the `reply` of its
//!   cache and its `declare_queryable`);
//! - what a role *subscribes* it may ask for (`declare_subscriber`, `query` coming in), and only that is
//!   sent to it (`put`, `delete`, `reply` going out);
//! - this process tells a role which of the topics it publishes or reads this process subscribes to
//!   (`declare_subscriber`, `query` going out): a wrong-role peer then sends its forgery and the rule
//!   above drops it on arrival (what the tests check), rather than the peer staying silent;
//! - a wildcard subscription to `cabin/**` (inspection tools) may be declared both ways: what is sent
//!   on it is still limited to the topics above;
//! - liveliness (publisher detection of the advanced publisher/subscriber) is allowed on both sets: it
//!   carries no sample.
//!
//! Topics are cabin paths (`perception/alert`) or patterns whose chunks may be `*` (`perception/*`) or
//! `**`; each maps to `cabin/<vehicle>/<path>` and the advanced pub/sub's `cabin/<vehicle>/<path>/@adv/**`
//! (a `**` does not match the verbatim `@adv` chunk, so it is listed). Host-local topics (raw camera and
//! audio, utterances) never enter the table through a pattern, and naming one is an error unless the
//! deployment exports host-local topics.

use super::SecurityError;
use crate::header::NodeName;
use crate::topic::{TopicId, TOPICS};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The access-control table of a deployment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessControl {
    /// Off: every authenticated peer may do anything (TLS still keeps others out).
    pub enabled: bool,
    /// Role (certificate common name) -> its topics.
    pub roles: BTreeMap<String, RoleAccess>,
}

/// The topics one role may publish and subscribe.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleAccess {
    pub publish: Vec<String>,
    pub subscribe: Vec<String>,
}

/// Whether `path` (`perception/alert`) matches `pattern` (`perception/*`, `**`).
fn matches(pattern: &str, path: &str) -> bool {
    fn rec(p: &[&str], t: &[&str]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(&"**"), _) => rec(&p[1..], t) || (!t.is_empty() && rec(p, &t[1..])),
            (Some(&"*"), Some(_)) => rec(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => rec(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = path.split('/').collect();
    rec(&p, &t)
}

/// The topics `patterns` name, in topic-table order.
pub fn expand(
    role: &str,
    patterns: &[String],
    export_host_local: bool,
) -> Result<Vec<TopicId>, SecurityError> {
    let err = |reason: String| SecurityError::Acl {
        role: role.to_string(),
        reason,
    };
    let mut out: Vec<TopicId> = Vec::new();
    for pattern in patterns {
        let wildcard = pattern.split('/').any(|c| c == "*" || c == "**");
        let hits: Vec<TopicId> = TOPICS
            .iter()
            .filter(|t| matches(pattern, t.path))
            .map(|t| t.id)
            .collect();
        if hits.is_empty() {
            return Err(err(format!(
                "'{pattern}' names no topic (see `cabin topics`)"
            )));
        }
        for t in hits {
            // A pattern never takes in raw sensor data: exporting it must name it.
            if t.info().host_local && wildcard {
                continue;
            }
            if t.info().host_local && !export_host_local {
                return Err(err(format!(
                    "{t} is host-local (raw sensor data) and never crosses the network \
                     unless zenoh.export_host_local is set"
                )));
            }
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Every cabin key (a tool's wildcard subscription); `**` leaves out the `@adv` chunks.
const BROWSE: &str = "cabin/**";
const DATA_OUT: [&str; 4] = ["put", "delete", "reply", "declare_queryable"];
const INTEREST: [&str; 2] = ["declare_subscriber", "query"];
const LIVELINESS: [&str; 3] = [
    "liveliness_token",
    "declare_liveliness_subscriber",
    "liveliness_query",
];

impl AccessControl {
    /// Checks role names and topic patterns.
    pub fn validate(&self, export_host_local: bool) -> Result<(), SecurityError> {
        for (role, access) in &self.roles {
            if NodeName::new(role).is_none() {
                return Err(SecurityError::InvalidRole(role.clone()));
            }
            expand(role, &access.publish, export_host_local)?;
            expand(role, &access.subscribe, export_host_local)?;
        }
        Ok(())
    }

    /// Which roles may publish `topic` (for docs and `cabin` tools).
    pub fn publishers_of(&self, topic: TopicId, export_host_local: bool) -> Vec<&str> {
        self.roles
            .iter()
            .filter(|(r, a)| {
                expand(r, &a.publish, export_host_local).is_ok_and(|t| t.contains(&topic))
            })
            .map(|(r, _)| r.as_str())
            .collect()
    }

    /// zenoh's `access_control` object for `vehicle`, deny by default.
    pub fn to_zenoh_json(
        &self,
        vehicle: &str,
        export_host_local: bool,
    ) -> Result<Value, SecurityError> {
        self.validate(export_host_local)?;
        let keys = |topics: &[TopicId]| -> Vec<String> {
            topics
                .iter()
                .flat_map(|t| {
                    let k = t.key_expr(vehicle);
                    [format!("{k}/@adv/**"), k]
                })
                .collect()
        };
        let rule = |id: String, flow: &str, messages: &[&str], keys: &[String]| {
            json!({
                "id": id,
                "messages": messages,
                "flows": [flow],
                "permission": "allow",
                "key_exprs": keys,
            })
        };
        let mut rules = Vec::new();
        let mut subjects = Vec::new();
        let mut policies = Vec::new();
        for (role, access) in &self.roles {
            let published = keys(&expand(role, &access.publish, export_host_local)?);
            let read = keys(&expand(role, &access.subscribe, export_host_local)?);
            let mut ids = Vec::new();
            let mut add = |id: String, flow: &str, m: &[&str], k: &[String]| {
                if !k.is_empty() {
                    rules.push(rule(id.clone(), flow, m, k));
                    ids.push(id);
                }
            };
            let both: Vec<String> = published.iter().chain(&read).cloned().collect();
            let mut asked = both.clone();
            asked.push(BROWSE.to_string());
            add(
                format!("{role}-publishes-in"),
                "ingress",
                &DATA_OUT,
                &published,
            );
            add(format!("{role}-asked"), "egress", &INTEREST, &asked);
            // Inspection tools (`cabin topics`) subscribe to `cabin/**`: the declaration is let in, the
            // data sent back stays limited to the role's topics by `reads-out`.
            add(
                format!("{role}-browses"),
                "ingress",
                &["declare_subscriber"],
                &[BROWSE.to_string()],
            );
            add(format!("{role}-reads-asks"), "ingress", &INTEREST, &read);
            add(format!("{role}-reads-out"), "egress", &DATA_OUT, &read);
            add(
                format!("{role}-liveliness-in"),
                "ingress",
                &LIVELINESS,
                &both,
            );
            add(
                format!("{role}-liveliness-out"),
                "egress",
                &LIVELINESS,
                &both,
            );
            if ids.is_empty() {
                continue;
            }
            let subject = format!("role-{role}");
            subjects.push(json!({ "id": subject, "cert_common_names": [role] }));
            policies.push(
                json!({ "id": format!("policy-{role}"), "rules": ids, "subjects": [subject] }),
            );
        }
        Ok(json!({
            "enabled": self.enabled,
            "default_permission": "deny",
            "rules": rules,
            "subjects": subjects,
            "policies": policies,
        }))
    }

    /// The table cabin ships (deploy/secure.toml): the HMI alone answers suggestions, the DMS alone
    /// publishes perception, the cockpit ECU the agent's topics, the simulator/bench the vehicle inputs.
    pub fn cabin_default() -> Self {
        let role = |publish: &[&str], subscribe: &[&str]| RoleAccess {
            publish: publish.iter().map(|s| s.to_string()).collect(),
            subscribe: subscribe.iter().map(|s| s.to_string()).collect(),
        };
        let mut roles = BTreeMap::new();
        roles.insert(
            "sim".into(),
            role(
                &["sensors/*", "vehicle/*", "map/*", "sim/*", "diagnostics"],
                &["hmi/response", "diagnostics"],
            ),
        );
        roles.insert(
            "dms".into(),
            role(
                &["perception/*", "diagnostics"],
                &["sensors/*", "vehicle/*", "sim/ground_truth"],
            ),
        );
        roles.insert(
            "cockpit".into(),
            role(
                &["agent/*", "diagnostics"],
                &[
                    "sensors/*",
                    "vehicle/*",
                    "map/*",
                    "sim/speech",
                    "perception/*",
                    "hmi/response",
                ],
            ),
        );
        roles.insert(
            "hmi".into(),
            role(
                &["hmi/response", "diagnostics"],
                &[
                    "vehicle/*",
                    "map/*",
                    "perception/*",
                    "agent/*",
                    "diagnostics",
                ],
            ),
        );
        AccessControl {
            enabled: true,
            roles,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_expand_to_topics_and_skip_host_local_ones() {
        let t = expand("dms", &["perception/*".into()], false).expect("expands");
        assert_eq!(
            t,
            [
                TopicId::Face,
                TopicId::Heart,
                TopicId::DriverState,
                TopicId::Alert
            ]
        );
        let s = expand("x", &["sensors/*".into()], false).expect("expands");
        assert_eq!(s, [TopicId::Ecg, TopicId::Ppg], "raw camera/audio skipped");
        assert!(expand("x", &["sensors/camera".into()], false).is_err());
        assert!(expand("x", &["sensors/camera".into()], true).is_ok());
        assert!(expand("x", &["percepton/*".into()], false).is_err());
        assert!(expand("x", &["**".into()], false)
            .expect("all")
            .iter()
            .all(|t| !t.info().host_local));
    }

    #[test]
    fn the_default_table_gives_each_guarded_topic_one_publisher() {
        let acl = AccessControl::cabin_default();
        assert_eq!(acl.publishers_of(TopicId::Response, false), ["hmi"]);
        for t in [TopicId::Alert, TopicId::DriverState, TopicId::Face] {
            assert_eq!(acl.publishers_of(t, false), ["dms"], "{t}");
        }
        assert_eq!(acl.publishers_of(TopicId::Suggestion, false), ["cockpit"]);
        assert!(acl.publishers_of(TopicId::Camera, false).is_empty());
        assert!(acl.publishers_of(TopicId::Audio, false).is_empty());
    }

    #[test]
    fn translates_to_zenoh_rules_subjects_and_policies() {
        let acl = AccessControl::cabin_default();
        let v = acl.to_zenoh_json("car1", false).expect("translates");
        assert_eq!(v["default_permission"], "deny");
        let text = v.to_string();
        assert!(text.contains("cabin/car1/hmi/response/@adv/**"), "{text}");
        assert!(!text.contains("sensors/camera"), "{text}");
        assert!(!text.contains("sensors/audio"), "{text}");
        let rule = v["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["id"] == "hmi-publishes-in")
            .expect("hmi rule");
        assert_eq!(rule["flows"], json!(["ingress"]));
        assert!(rule["key_exprs"]
            .as_array()
            .expect("keys")
            .contains(&json!("cabin/car1/hmi/response")));
        // zenoh itself accepts it.
        let mut c = zenoh::Config::default();
        c.insert_json5("access_control", &v.to_string())
            .expect("zenoh accepts the access_control object");
    }
}
