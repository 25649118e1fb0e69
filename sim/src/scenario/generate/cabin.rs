//! The generated cabin: time of day and light, weather and cabin air, the camera's optics, the heart,
//! and the conversation.

use super::{chance, keyframes, num, pick, table};
use crate::rng::Rng;
use toml::Value;

/// The light of the drive (a tunnel stretch may interrupt it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Light {
    Day,
    Dusk,
    Night,
    LowSun,
}

impl Light {
    fn name(self) -> &'static str {
        match self {
            Light::Day => "day",
            Light::Dusk => "dusk",
            Light::Night => "night",
            Light::LowSun => "low_sun",
        }
    }
}

impl std::fmt::Display for Light {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub(super) fn pick_light(rng: &mut Rng) -> Light {
    pick(
        rng,
        &[
            Light::Day,
            Light::Day,
            Light::Dusk,
            Light::Night,
            Light::LowSun,
        ],
    )
}

/// A start time that fits the light: (first minute of the day, window length in minutes).
pub(super) fn start_time(rng: &mut Rng, light: Light) -> String {
    let (from, span) = match light {
        Light::Day => (9 * 60, 7 * 60),
        Light::Dusk => (17 * 60, 90),
        Light::Night => (21 * 60, 8 * 60),
        Light::LowSun if chance(rng, 0.5) => (7 * 60, 60),
        Light::LowSun => (18 * 60, 60),
    };
    let minute = (from + rng.next_u64() % span) % (24 * 60);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

pub(super) fn camera(rng: &mut Rng) -> Value {
    table([
        ("source", "synthetic".into()),
        // 10 fps keeps a drive's replay to a few seconds (the default drive's rate).
        ("fps", num(10.0)),
        ("color", if chance(rng, 0.8) { "ir" } else { "rgb" }.into()),
        ("noise", num(rng.range(1.5, 3.0))),
        ("blur_sigma", num(rng.range(0.5, 1.0))),
        ("head_distance_m", num(rng.range(0.6, 0.72))),
        ("fov_deg", num(rng.range(46.0, 54.0))),
    ])
}

pub(super) fn biometrics(rng: &mut Rng, duration_s: f64) -> Value {
    let hr0 = rng.range(60.0, 85.0);
    let hr1 = hr0 + rng.range(-8.0, 6.0);
    let mut ecg = table([
        ("source", "generator".into()),
        ("sample_rate_hz", num(250.0)),
        ("noise", num(rng.range(0.005, 0.02))),
    ]);
    if chance(rng, 0.3) {
        let artefact = table([
            ("kind", pick(rng, &["motion", "lead_off"]).into()),
            ("at_s", num(rng.range(5.0, duration_s - 5.0))),
            ("duration_s", num(rng.range(1.0, 3.0))),
        ]);
        if let Value::Table(t) = &mut ecg {
            t.insert("artefact".into(), Value::Array(vec![artefact]));
        }
    }
    table([
        (
            "heart_rate_bpm",
            keyframes(&[(0.0, hr0), (duration_s, hr1)]),
        ),
        ("hrv_std_bpm", num(rng.range(0.6, 1.6))),
        ("ecg", ecg),
        (
            "ppg",
            table([("sample_rate_hz", num(64.0)), ("chunk_s", num(0.5))]),
        ),
    ])
}

pub(super) fn environment(rng: &mut Rng, light: Light, duration_s: f64) -> Value {
    let weather = pick(
        rng,
        &[
            "clear", "clear", "clear", "cloudy", "cloudy", "rain", "snow", "fog",
        ],
    );
    let outside = if weather == "snow" {
        rng.range(-8.0, 1.0)
    } else {
        rng.range(2.0, 28.0)
    };
    let ambient = if chance(rng, 0.25) {
        let enter = rng.range(5.0, duration_s - 20.0).round();
        let leave = enter + rng.range(6.0, 15.0).round();
        let step = |t: f64, l: &str| Value::Array(vec![num(t), l.into()]);
        Value::Array(vec![
            step(0.0, light.name()),
            step(enter, "tunnel"),
            step(leave, light.name()),
        ])
    } else {
        light.name().into()
    };
    let co2 = rng.range(450.0, 800.0);
    table([
        (
            "co2_ppm",
            keyframes(&[(0.0, co2), (duration_s, co2 + rng.range(0.0, 600.0))]),
        ),
        ("temperature_c", num(rng.range(19.0, 24.0))),
        ("humidity_pct", num(rng.range(30.0, 60.0))),
        ("outside_temperature_c", num(outside)),
        ("ambient_light", ambient),
        ("weather", weather.into()),
    ])
}

/// Remarks: (what they ask for as a POI category, or "" for small talk; text).
const REMARKS: &[(&str, &str)] = &[
    ("coffee", "I could really use a coffee."),
    ("coffee", "Is there anywhere for an espresso around here?"),
    ("fuel", "We are getting low on fuel."),
    ("charging", "The battery is down to fifteen percent."),
    ("restaurant", "I'm starving, let's get some dinner soon."),
    ("fast_food", "Could we grab a quick burger?"),
    ("toilet", "I need a restroom stop."),
    ("rest_area", "I'm tired, we should take a break."),
    ("", "The traffic is light today."),
    ("", "Nice weather for a drive."),
    ("", "Did you call your sister back?"),
];

/// The scripted conversation: 0-3 remarks by the driver or a passenger.
pub(super) struct Conversation {
    lines: Vec<(f64, &'static str, &'static str, &'static str)>,
}

pub(super) fn conversation(rng: &mut Rng, duration_s: f64) -> Conversation {
    let count = if chance(rng, 0.25) {
        0
    } else {
        1 + rng.next_u64() % 3
    };
    let mut lines: Vec<_> = (0..count)
        .map(|_| {
            let (wants, text) = pick(rng, REMARKS);
            let speaker = pick(rng, &["passenger", "passenger", "driver"]);
            (
                (rng.range(3.0, duration_s - 15.0)).round(),
                speaker,
                wants,
                text,
            )
        })
        .collect();
    lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    lines.dedup_by(|a, b| a.0 == b.0);
    Conversation { lines }
}

impl Conversation {
    /// The POI category the first request asks for, if any.
    pub fn wanted_category(&self) -> Option<&'static str> {
        self.lines.iter().map(|l| l.2).find(|w| !w.is_empty())
    }

    pub fn value(&self) -> Value {
        Value::Array(
            self.lines
                .iter()
                .map(|&(at, speaker, _, text)| {
                    table([
                        ("at_s", num(at)),
                        ("speaker", speaker.into()),
                        ("text", text.into()),
                    ])
                })
                .collect(),
        )
    }
}
