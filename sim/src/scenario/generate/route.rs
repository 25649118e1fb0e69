//! The generated route: a city, a polyline long enough for the drive, a speed profile that keeps the
//! driver monitor active (alerts are gated below 20 km/h), and POIs the vehicle passes during the drive.

use super::cabin::Conversation;
use super::{chance, keyframes, pick, round, table};
use crate::rng::Rng;
use crate::scenario::LocalFrame;
use cabin_bus::messages::GeoPoint;
use toml::Value;

/// Route starts: (name, lat, lon). Left- and right-hand traffic alike: the script does not care.
const CITIES: &[(&str, f64, f64)] = &[
    ("Munich", 48.137, 11.575),
    ("Berlin", 52.520, 13.405),
    ("Milan", 45.464, 9.190),
    ("Lyon", 45.764, 4.836),
    ("Stockholm", 59.329, 18.069),
    ("Madrid", 40.417, -3.704),
    ("Cologne", 50.938, 6.960),
    ("Zurich", 47.377, 8.540),
    ("Vienna", 48.208, 16.373),
    ("Gothenburg", 57.709, 11.975),
];

/// Road types: (name, lowest cruise km/h, highest).
const ROADS: &[(&str, f64, f64)] = &[
    ("town", 35.0, 55.0),
    ("country road", 60.0, 95.0),
    ("motorway", 100.0, 130.0),
];

/// Never slower than this after the start: the monitor must be active for every scripted episode.
const MIN_SPEED_KMH: f64 = 30.0;

const POI_CATEGORIES: &[&str] = &[
    "coffee",
    "fuel",
    "charging",
    "restaurant",
    "fast_food",
    "rest_area",
    "toilet",
    "shop",
];
const POI_WORDS: &[&str] = &[
    "Corner",
    "Riverside",
    "Hilltop",
    "Old Mill",
    "Station",
    "Market",
    "Lakeside",
    "Northgate",
    "Harbour",
    "Oak Tree",
];
const OPENING_HOURS: &[&str] = &[
    "06:30-19:00",
    "10:00-22:00",
    "07:00-11:00, 15:00-20:00",
    "22:00-06:00",
    "05:00-23:00",
];

pub(super) struct RoutePlan {
    pub city: String,
    road: &'static str,
    frame: LocalFrame,
    /// Polyline vertices, metres east/north of the start.
    vertices: Vec<(f64, f64)>,
    /// Speed keyframes, (s, km/h).
    speed: Vec<(f64, f64)>,
    /// How far the vehicle gets in the drive, metres.
    driven_m: f64,
}

pub(super) fn plan(rng: &mut Rng, duration_s: f64) -> RoutePlan {
    let (city, lat, lon) = pick(rng, CITIES);
    let (road, lo, hi) = pick(rng, ROADS);
    let cruise = rng.range(lo, hi);
    let speed = speed_profile(rng, cruise, duration_s);
    let driven_m = driven_distance(&speed);
    // A start within ~5 km of the centre; the route runs on past where the drive ends.
    let start = GeoPoint {
        lat: lat + rng.range(-0.04, 0.04),
        lon: lon + rng.range(-0.06, 0.06),
    };
    let length_m = driven_m * 1.3 + 400.0;
    let segments = 2 + (rng.next_u64() % 4) as usize;
    let mut heading = rng.range(0.0, 360.0);
    let mut vertices = vec![(0.0, 0.0)];
    for _ in 0..segments {
        let (e, n) = vertices[vertices.len() - 1];
        let len = length_m / segments as f64 * rng.range(0.9, 1.1);
        vertices.push((
            e + len * heading.to_radians().sin(),
            n + len * heading.to_radians().cos(),
        ));
        let turn = rng.range(10.0, 80.0);
        heading += if chance(rng, 0.5) { turn } else { -turn };
    }
    RoutePlan {
        city: city.to_string(),
        road,
        frame: LocalFrame::new(start),
        vertices,
        speed,
        driven_m,
    }
}

/// A cruise speed with a few changes, never below [`MIN_SPEED_KMH`].
fn speed_profile(rng: &mut Rng, cruise: f64, duration_s: f64) -> Vec<(f64, f64)> {
    let at = |rng: &mut Rng| (cruise * rng.range(0.75, 1.15)).max(MIN_SPEED_KMH);
    let mut times: Vec<f64> = (0..1 + rng.next_u64() % 3)
        .map(|_| round(rng.range(5.0, duration_s - 5.0), 0))
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut profile = vec![(0.0, (cruise * rng.range(0.85, 1.0)).max(MIN_SPEED_KMH))];
    profile.extend(times.into_iter().map(|t| (t, at(rng))));
    profile.push((duration_s, at(rng)));
    // Round here so the distance below is the one the simulator integrates from the file.
    profile.iter().map(|&(t, v)| (t, round(v, 2))).collect()
}

/// Distance covered by a piecewise-linear speed profile (trapezoids), metres.
fn driven_distance(speed_kmh: &[(f64, f64)]) -> f64 {
    speed_kmh
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0 / 3.6)
        .sum()
}

impl RoutePlan {
    pub fn route_table(&self) -> Value {
        let points = self
            .vertices
            .iter()
            .map(|&(e, n)| {
                let p = self.frame.to_geo(e, n);
                Value::Array(vec![
                    Value::Float(round(p.lat, 6)),
                    Value::Float(round(p.lon, 6)),
                ])
            })
            .collect();
        table([
            ("name", format!("{} {}", self.city, self.road).into()),
            ("points", Value::Array(points)),
            ("speed_kmh", keyframes(&self.speed)),
        ])
    }

    /// A point `along_m` along the polyline, moved `side_m` to its left (negative: right).
    fn beside(&self, along_m: f64, side_m: f64) -> (f64, f64) {
        let mut left = along_m;
        for w in self.vertices.windows(2) {
            let (de, dn) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
            let len = de.hypot(dn);
            if left <= len || len <= 0.0 {
                let f = if len > 0.0 { left / len } else { 0.0 };
                let (ue, un) = if len > 0.0 {
                    (de / len, dn / len)
                } else {
                    (0.0, 1.0)
                };
                return (w[0].0 + de * f - un * side_m, w[0].1 + dn * f + ue * side_m);
            }
            left -= len;
        }
        self.vertices[self.vertices.len() - 1]
    }

    /// 1-4 places passed during the drive; one of them serves what the conversation asks for.
    pub fn pois_table(&self, rng: &mut Rng, talk: &Conversation) -> Value {
        let count = 1 + (rng.next_u64() % 4) as usize;
        let mut names = Vec::new();
        let places = (0..count)
            .map(|i| {
                let category = match talk.wanted_category() {
                    Some(c) if i == 0 && chance(rng, 0.8) => c,
                    _ => pick(rng, POI_CATEGORIES),
                };
                let mut name = format!("{} {}", pick(rng, POI_WORDS), title(category));
                if names.contains(&name) {
                    name = format!("{name} {}", i + 1);
                }
                names.push(name.clone());
                let side = rng.range(30.0, 700.0) * if chance(rng, 0.5) { 1.0 } else { -1.0 };
                let (e, n) = self.beside(self.driven_m * rng.range(0.2, 0.95), side);
                let at = self.frame.to_geo(e, n);
                let mut place = table([
                    ("name", name.into()),
                    ("category", category.into()),
                    ("lat", Value::Float(round(at.lat, 6))),
                    ("lon", Value::Float(round(at.lon, 6))),
                ]);
                if chance(rng, 0.4) {
                    if let Value::Table(t) = &mut place {
                        t.insert("opening_hours".into(), pick(rng, OPENING_HOURS).into());
                    }
                }
                place
            })
            .collect();
        table([("place", Value::Array(places))])
    }
}

/// `fast_food` -> `Fast Food`.
fn title(category: &str) -> String {
    category
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driven_distance_integrates_the_keyframes() {
        // 0..10 s at 36 -> 72 km/h (10 -> 20 m/s): 150 m; then 10 s at 72 km/h: 200 m.
        let d = driven_distance(&[(0.0, 36.0), (10.0, 72.0), (20.0, 72.0)]);
        assert!((d - 350.0).abs() < 1e-9, "{d}");
    }

    #[test]
    fn speeds_stay_above_the_monitor_gate() {
        let mut rng = Rng::new(4);
        for _ in 0..200 {
            let p = speed_profile(&mut rng, 36.0, 60.0);
            assert!(p.iter().all(|&(_, v)| v >= MIN_SPEED_KMH), "{p:?}");
            assert!(p.windows(2).all(|w| w[0].0 < w[1].0), "{p:?}");
        }
    }

    #[test]
    fn category_names_read_as_titles() {
        assert_eq!(title("fast_food"), "Fast Food");
        assert_eq!(title("coffee"), "Coffee");
    }
}
