//! The suite's one parameter table (`sim/conformance/<suite>.toml`) and its expansion into rows.
//!
//! A `[[row]]` whose axis keys (`target`, `style`, `speed_kmh`, `kss`, `wear`, `hold_s`) hold a list
//! stands for one row per combination (the cartesian product, in table order); `{key}` in its `id` is
//! replaced by the value, so `LD-{style}-{target}` with 3 styles and 7 targets is 21 rows. Every
//! expanded row is then read into [`Row`], which denies unknown keys: a typo in the table is an error
//! naming the row, not a silently ignored column.

use super::expect::Expectation;
use super::ConformanceError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Keys whose list values multiply a row.
pub const AXES: &[&str] = &["target", "style", "speed_kmh", "kss", "wear", "hold_s"];

/// `[suite]`: what every generated scenario shares.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteSpec {
    pub name: String,
    pub title: String,
    /// Normal driving before each row's behaviour: the driver-state node learns the driver's neutral
    /// gaze over 20 s at speed before it judges distraction (`[calibration] required_s`).
    pub lead_in_s: f64,
    /// Normal driving after the behaviour's deadline, so late and escalated alerts are seen.
    pub tail_s: f64,
    pub speed_kmh: f64,
    pub camera_fps: f64,
    pub seed: u64,
    /// Glance turn time (s) of every scripted glance; eyes leave the road half-way through it.
    pub transition_s: f64,
    /// The synthetic rendering of each KSS level (`kss.7 = { ... }`).
    pub kss: BTreeMap<String, KssLook>,
    /// Faces the rows rotate through (cabin issue 11.3): the n-th expanded row without a `face` of its
    /// own is driven by `drivers[n % len]`. Empty = every row has the default driver.
    #[serde(default)]
    pub drivers: Vec<String>,
}

/// How a KSS level is rendered: a drowsy stretch's eyelid behaviour.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KssLook {
    pub blink_rate_per_min: f64,
    pub blink_duration_ms: f64,
    pub lid_droop: f64,
    pub nod_deg: f64,
}

/// What the driver does in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// One glance away (`target`, `style`, `duration_s` = eyes off the road).
    Glance,
    /// Repeated glances (`target`, `glances`, `glance_s` eyes off per glance, `between_s` eyes on road).
    TimeSharing,
    /// A drowsy stretch at a KSS level (`kss`, `duration_s`).
    Drowsy,
    /// A slow eyelid closure held `hold_s` (microsleep, sleep, eyes closed).
    Closure,
    /// The driver slumps out of the camera's view for `duration_s`.
    FaceAbsent,
    /// The lens is covered for `duration_s`.
    CameraBlocked,
    /// The driver puts on `wear` (sunglasses, mask, cap); a long glance follows after `glance_at_s`.
    Wear,
    /// The phone raised into the camera's view and looked at (`style`, `duration_s` = eyes off the
    /// road), `[[driver.phone]]`.
    PhoneRaised,
    /// `hours` of normal driving with ordinary glances, changing light and weather.
    NormalDrive,
}

/// One expanded row: one scenario.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub id: String,
    /// The protocol clause the row checks.
    pub clause: String,
    #[serde(rename = "do")]
    pub behaviour: Behaviour,
    pub target: Option<String>,
    /// `owl` (head turn), `lizard` (eyes only), `lean` (body lean).
    pub style: Option<String>,
    pub duration_s: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub eye_yaw_deg: Option<f64>,
    pub eye_pitch_deg: Option<f64>,
    pub glances: Option<u32>,
    pub glance_s: Option<f64>,
    pub between_s: Option<f64>,
    pub kss: Option<u32>,
    pub hold_s: Option<f64>,
    pub wear: Option<String>,
    pub ir_transmittance: Option<f64>,
    pub glance_at_s: Option<f64>,
    pub face: Option<String>,
    pub hours: Option<f64>,
    pub camera_fps: Option<f64>,
    /// The expected outcome (see [`Expectation`]), times relative to the behaviour's start.
    pub expect: String,
    /// Subsets the row belongs to (`fast` = the CI subset).
    #[serde(default)]
    pub subset: Vec<String>,
    pub note: Option<String>,
}

impl Row {
    pub fn expectation(&self) -> Result<Expectation, ConformanceError> {
        Expectation::parse(&self.expect).map_err(|e| ConformanceError::Row {
            row: self.id.clone(),
            message: format!("expect = {:?}: {e}", self.expect),
        })
    }

    /// The behaviour in words, for the dossier.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("{:?}", self.behaviour).to_lowercase()];
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        };
        add("target", self.target.clone());
        add("style", self.style.clone());
        add(
            "eyes_off_s",
            self.duration_s
                .filter(|_| self.behaviour == Behaviour::Glance)
                .map(|d| format!("{d}")),
        );
        add(
            "duration_s",
            self.duration_s
                .filter(|_| self.behaviour != Behaviour::Glance)
                .map(|d| format!("{d}")),
        );
        add("glances", self.glances.map(|g| g.to_string()));
        add("glance_s", self.glance_s.map(|g| format!("{g}")));
        add("between_s", self.between_s.map(|g| format!("{g}")));
        add("kss", self.kss.map(|k| k.to_string()));
        add("hold_s", self.hold_s.map(|h| format!("{h}")));
        add("wear", self.wear.clone());
        add(
            "ir_transmittance",
            self.ir_transmittance.map(|t| format!("{t}")),
        );
        add("hours", self.hours.map(|h| format!("{h}")));
        add("face", self.face.clone());
        add("km/h", self.speed_kmh.map(|s| format!("{s}")));
        parts.join(" ")
    }
}

/// The parsed table: the suite and its expanded rows, in table order.
#[derive(Clone, Debug)]
pub struct Suite {
    pub spec: SuiteSpec,
    pub rows: Vec<Row>,
    pub file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    suite: SuiteSpec,
    row: Vec<toml::Table>,
}

/// The suites compiled into the binary, by name.
pub const BUILTIN: &[(&str, &str)] =
    &[("ncap2026", include_str!("../../conformance/ncap2026.toml"))];

impl Suite {
    /// A built-in suite by name, or a table file by path.
    pub fn from_name_or_path(s: &str) -> Result<Suite, ConformanceError> {
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == s) {
            return Suite::parse(text, &format!("<built-in {name}>"));
        }
        let text = std::fs::read_to_string(Path::new(s)).map_err(|e| ConformanceError::Table {
            file: s.to_string(),
            message: format!("cannot read: {e} (built-in suites: {})", builtin_names()),
        })?;
        Suite::parse(&text, s)
    }

    pub fn parse(text: &str, file: &str) -> Result<Suite, ConformanceError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| ConformanceError::Table {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let mut rows = Vec::new();
        for (i, t) in raw.row.iter().enumerate() {
            for expanded in expand(t) {
                let row: Row = expanded.clone().try_into().map_err(|e: toml::de::Error| {
                    ConformanceError::Table {
                        file: file.to_string(),
                        message: format!("row {} ({:?}): {e}", i + 1, expanded.get("id")),
                    }
                })?;
                row.expectation()?;
                if rows.iter().any(|r: &Row| r.id == row.id) {
                    return Err(ConformanceError::Table {
                        file: file.to_string(),
                        message: format!("row id {} used twice", row.id),
                    });
                }
                rows.push(row);
            }
        }
        rotate_drivers(&raw.suite.drivers, &mut rows).map_err(|message| {
            ConformanceError::Table {
                file: file.to_string(),
                message,
            }
        })?;
        Ok(Suite {
            spec: raw.suite,
            rows,
            file: file.to_string(),
        })
    }

    /// The rows of `subset` (all rows for `None`).
    pub fn subset(&self, subset: Option<&str>) -> Vec<Row> {
        self.rows
            .iter()
            .filter(|r| subset.is_none_or(|s| r.subset.iter().any(|x| x == s)))
            .cloned()
            .collect()
    }
}

pub fn builtin_names() -> String {
    BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Spreads the rows over the suite's drivers: the n-th row without a `face` of its own (in table order,
/// after expansion) gets `drivers[n % len]`, so every behaviour family meets several faces.
fn rotate_drivers(drivers: &[String], rows: &mut [Row]) -> Result<(), String> {
    for id in drivers
        .iter()
        .chain(rows.iter().filter_map(|r| r.face.as_ref()))
    {
        if !crate::scenario::is_valid_face_id(id) {
            return Err(format!(
                "face {id:?}: a driver id (lower-case letters, digits and `_`)"
            ));
        }
    }
    if drivers.is_empty() {
        return Ok(());
    }
    for (n, row) in rows.iter_mut().filter(|r| r.face.is_none()).enumerate() {
        row.face = Some(drivers[n % drivers.len()].clone());
    }
    Ok(())
}

/// One table per combination of the row's list-valued axes, with `{axis}` in the id filled in.
fn expand(t: &toml::Table) -> Vec<toml::Table> {
    let mut out = vec![t.clone()];
    for axis in AXES {
        let Some(toml::Value::Array(values)) = t.get(*axis) else {
            continue;
        };
        out = out
            .into_iter()
            .flat_map(|row| {
                values.iter().map(move |v| {
                    let mut r = row.clone();
                    r.insert(axis.to_string(), v.clone());
                    r
                })
            })
            .collect();
    }
    for r in &mut out {
        if let Some(toml::Value::String(id)) = r.get("id") {
            let mut id = id.clone();
            for axis in AXES {
                if let Some(v) = r.get(*axis) {
                    let text = match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    id = id.replace(&format!("{{{axis}}}"), &text);
                }
            }
            r.insert("id".into(), toml::Value::String(id));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suite's rows are spread over the drivers (cabin issue 11.3), every one of which setup made;
    /// the CI subset keeps the default driver.
    #[test]
    fn the_rows_rotate_through_the_drivers() {
        let suite = Suite::from_name_or_path("ncap2026").expect("the built-in table parses");
        let known = crate::camera::face_ids().expect("models/face/drivers (scripts/setup.sh)");
        let mut used = std::collections::BTreeSet::new();
        for row in &suite.rows {
            let face = row.face.as_deref().expect("every row has a face");
            assert!(
                known.iter().any(|k| k == face),
                "{}: unknown face {face}",
                row.id
            );
            used.insert(face);
        }
        assert_eq!(used.len(), suite.spec.drivers.len(), "{used:?}");
        for row in suite.subset(Some("fast")) {
            assert_eq!(
                row.face.as_deref(),
                Some(crate::scenario::DEFAULT_FACE),
                "{}",
                row.id
            );
        }
        let ld: std::collections::BTreeSet<_> = suite
            .rows
            .iter()
            .filter(|r| r.id.starts_with("LD-"))
            .filter_map(|r| r.face.as_deref())
            .collect();
        assert!(ld.len() >= 7, "long distraction meets {ld:?}");
    }
}
