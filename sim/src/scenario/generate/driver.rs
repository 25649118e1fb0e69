//! The generated driver: a resting pose and blink habits, unscored mirror glances while the monitor
//! calibrates, then scored episodes one after another with normal driving in between.

use super::cabin::Light;
use super::{chance, num, pick, table, FIRST_EPISODE_S};
use crate::rng::Rng;
use toml::Value;

/// Room left after the last episode: its alert may come up to the scoring grace (3 s) after it ends.
const END_MARGIN_S: f64 = 3.0;

/// One scripted entry of the `[driver]` section.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    /// A glance; scored as a long distraction when away from the road for 3 s or more.
    Glance {
        at: f64,
        duration: f64,
        direction: &'static str,
    },
    TimeSharing {
        at: f64,
        direction: &'static str,
        glances: u32,
        glance_s: f64,
        between_s: f64,
    },
    Drowsy {
        at: f64,
        duration: f64,
        blink_rate: f64,
        blink_ms: f64,
        lid_droop: f64,
        nod_deg: f64,
    },
    Microsleep {
        at: f64,
        duration: f64,
        head_drop_deg: f64,
    },
    CameraBlocked {
        at: f64,
        duration: f64,
    },
    FaceAbsent {
        at: f64,
        duration: f64,
    },
}

/// The kinds of scored episode the generator writes, with their relative frequency.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    LongDistraction,
    TimeSharing,
    Drowsy,
    Microsleep,
    CameraBlocked,
    FaceAbsent,
}

const KINDS: &[Kind] = &[
    Kind::LongDistraction,
    Kind::LongDistraction,
    Kind::LongDistraction,
    Kind::TimeSharing,
    Kind::TimeSharing,
    Kind::Drowsy,
    Kind::Microsleep,
    Kind::Microsleep,
    Kind::CameraBlocked,
    Kind::FaceAbsent,
];

const MIRRORS: &[&str] = &[
    "left_mirror",
    "right_mirror",
    "rearview_mirror",
    "instrument_cluster",
];
const AWAY: &[&str] = &["centre_display", "lap_phone", "passenger"];

pub(super) struct Schedule {
    entries: Vec<Entry>,
    /// Names of the scored episodes, in order (for the description).
    scored: Vec<&'static str>,
}

pub(super) fn schedule(rng: &mut Rng, duration_s: f64) -> Schedule {
    let mut s = Schedule {
        entries: Vec::new(),
        scored: Vec::new(),
    };
    // Normal driving while the monitor calibrates: one or two quick mirror checks.
    let first = rng.range(6.0, 10.0);
    s.entries.push(mirror_check(rng, first));
    if chance(rng, 0.6) {
        let second = rng.range(13.0, 18.0);
        s.entries.push(mirror_check(rng, second));
    }
    let mut cursor = FIRST_EPISODE_S + rng.range(0.0, 4.0);
    while s.scored.len() < 4 {
        let room = duration_s - END_MARGIN_S - cursor;
        let Some((entry, length, name)) = (0..8)
            .map(|_| {
                let kind = pick(rng, KINDS);
                episode(rng, kind, cursor)
            })
            .find(|(_, length, _)| *length <= room)
        else {
            break;
        };
        s.entries.push(entry);
        s.scored.push(name);
        cursor += length + rng.range(5.0, 12.0);
        // Sometimes a mirror check in the normal driving between two episodes.
        if chance(rng, 0.4) && cursor + 2.0 < duration_s - END_MARGIN_S {
            s.entries.push(mirror_check(rng, cursor - 3.0));
        }
    }
    if s.scored.is_empty() {
        // Always room for this one: the shortest drive leaves 9 s after calibration.
        s.entries.push(Entry::CameraBlocked {
            at: FIRST_EPISODE_S,
            duration: 3.0,
        });
        s.scored.push("blocked lens");
    }
    s
}

fn mirror_check(rng: &mut Rng, at: f64) -> Entry {
    Entry::Glance {
        at: at.round(),
        duration: rng.range(0.8, 1.5),
        direction: pick(rng, MIRRORS),
    }
}

/// A scored episode of `kind` starting at `at`: the entry, how long it lasts, and its name.
fn episode(rng: &mut Rng, kind: Kind, at: f64) -> (Entry, f64, &'static str) {
    let at = at.round();
    match kind {
        Kind::LongDistraction => {
            let duration = rng.range(3.6, 7.0);
            let direction = pick(rng, AWAY);
            (
                Entry::Glance {
                    at,
                    duration,
                    direction,
                },
                duration,
                "long distraction",
            )
        }
        Kind::TimeSharing => {
            // >= 10 s away within the window: the Euro NCAP time-sharing threshold.
            let glances = 6 + (rng.next_u64() % 2) as u32;
            let glance_s = rng.range(1.8, 2.2);
            let between_s = rng.range(0.8, 1.4);
            let length = glances as f64 * (glance_s + between_s);
            let direction = pick(rng, &["centre_display", "lap_phone"]);
            let entry = Entry::TimeSharing {
                at,
                direction,
                glances,
                glance_s,
                between_s,
            };
            (entry, length, "time sharing")
        }
        Kind::Drowsy => {
            let duration = rng.range(20.0, 35.0);
            let entry = Entry::Drowsy {
                at,
                duration,
                blink_rate: rng.range(22.0, 30.0),
                blink_ms: rng.range(350.0, 450.0),
                lid_droop: rng.range(0.25, 0.4),
                nod_deg: rng.range(2.0, 5.0),
            };
            (entry, duration, "drowsiness")
        }
        Kind::Microsleep => {
            let (duration, head_drop_deg) = (rng.range(1.0, 2.0), rng.range(5.0, 9.0));
            // Closing 0.8 s (the default) + closed + opening 0.3 s.
            let length = 0.8 + duration + 0.3;
            (
                Entry::Microsleep {
                    at,
                    duration,
                    head_drop_deg,
                },
                length,
                "microsleep",
            )
        }
        Kind::CameraBlocked => {
            let duration = rng.range(3.0, 6.0);
            (
                Entry::CameraBlocked { at, duration },
                duration,
                "blocked lens",
            )
        }
        Kind::FaceAbsent => {
            let duration = rng.range(3.0, 5.0);
            (Entry::FaceAbsent { at, duration }, duration, "out of view")
        }
    }
}

impl Schedule {
    /// `Munich, night: long distraction, microsleep`.
    pub fn summary(&self, city: &str, light: Light) -> String {
        format!("{city}, {light}: {}", self.scored.join(", "))
    }

    pub fn driver_table(&self, rng: &mut Rng) -> Value {
        let mut driver = toml::Table::new();
        driver.insert(
            "neutral".into(),
            table([
                ("yaw_deg", num(rng.range(-4.0, 4.0))),
                ("pitch_deg", num(rng.range(-3.0, 3.0))),
                ("roll_deg", num(rng.range(-2.0, 2.0))),
            ]),
        );
        driver.insert("head_sway_deg".into(), num(rng.range(0.5, 1.5)));
        driver.insert("blink_rate_per_min".into(), num(rng.range(10.0, 20.0)));
        driver.insert("blink_duration_ms".into(), num(rng.range(120.0, 180.0)));
        for entry in &self.entries {
            let (section, value) = entry.value();
            if let Value::Array(list) = driver
                .entry(section)
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(value);
            }
        }
        Value::Table(driver)
    }
}

impl Entry {
    /// The `[[driver.<section>]]` entry: its start, its length when it has one, and its own keys.
    fn value(&self) -> (&'static str, Value) {
        let (section, at, duration, own): (_, _, _, Vec<(&str, Value)>) = match *self {
            Entry::Glance {
                at,
                duration,
                direction,
            } => (
                "glance",
                at,
                Some(duration),
                vec![("direction", direction.into())],
            ),
            Entry::TimeSharing {
                at,
                direction,
                glances,
                glance_s,
                between_s,
            } => (
                "time_sharing",
                at,
                None,
                vec![
                    ("direction", direction.into()),
                    ("glances", Value::Integer(glances.into())),
                    ("glance_s", num(glance_s)),
                    ("between_s", num(between_s)),
                ],
            ),
            Entry::Drowsy {
                at,
                duration,
                blink_rate,
                blink_ms,
                lid_droop,
                nod_deg,
            } => (
                "drowsy",
                at,
                Some(duration),
                vec![
                    ("blink_rate_per_min", num(blink_rate)),
                    ("blink_duration_ms", num(blink_ms)),
                    ("lid_droop", num(lid_droop)),
                    ("nod_deg", num(nod_deg)),
                    ("ramp_s", num(5.0)),
                ],
            ),
            Entry::Microsleep {
                at,
                duration,
                head_drop_deg,
            } => (
                "microsleep",
                at,
                Some(duration),
                vec![("head_drop_deg", num(head_drop_deg))],
            ),
            Entry::CameraBlocked { at, duration } => ("camera_blocked", at, Some(duration), vec![]),
            Entry::FaceAbsent { at, duration } => ("face_absent", at, Some(duration), vec![]),
        };
        let mut entry = toml::Table::new();
        entry.insert("at_s".into(), num(at));
        if let Some(d) = duration {
            entry.insert("duration_s".into(), num(d));
        }
        entry.extend(own.into_iter().map(|(k, v)| (k.to_string(), v)));
        (section, Value::Table(entry))
    }
}
