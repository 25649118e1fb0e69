//! Points of interest and route polylines from files: CSV and GeoJSON.
//!
//! Map data usually comes from an export (OpenStreetMap via overpass, a fleet's POI database), so a
//! scenario can point at a file instead of listing places inline. Every error names the file, the line
//! (CSV: the row; GeoJSON: the line where the offending feature starts) and the field.

use super::error::ScenarioError;
use cabin_bus::messages::{GeoPoint, Poi, PoiCategory};
use serde_json::Value;
use std::path::Path;

fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        line: 0,
        field: "-".into(),
        message: format!("cannot read: {e}"),
    })
}

fn err(path: &Path, line: usize, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        file: path.display().to_string(),
        line,
        field: field.into(),
        message: message.into(),
    }
}

/// Checks opening hours: `HH:MM-HH:MM` ranges separated by commas (a range may cross midnight).
pub fn check_opening_hours(s: &str) -> Result<(), String> {
    opening_ranges(s).map(|_| ())
}

/// The ranges of an opening-hours string as (open, close) seconds since midnight.
pub fn opening_ranges(s: &str) -> Result<Vec<(u32, u32)>, String> {
    let hm = |t: &str| -> Result<u32, String> {
        let (h, m) = t
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("'{t}' is not HH:MM"))?;
        let h: u32 = h.parse().map_err(|_| format!("'{t}' is not HH:MM"))?;
        let m: u32 = m.parse().map_err(|_| format!("'{t}' is not HH:MM"))?;
        if h > 24 || m > 59 || (h == 24 && m > 0) {
            return Err(format!("'{t}' is not a time of day"));
        }
        Ok(h * 3600 + m * 60)
    };
    s.split(',')
        .map(|r| {
            let (a, b) = r
                .split_once('-')
                .ok_or_else(|| format!("'{}' is not a HH:MM-HH:MM range", r.trim()))?;
            Ok((hm(a)?, hm(b)?))
        })
        .collect()
}

/// Whether a POI with these opening hours is open at `time_of_day_s` (None = always open).
pub fn is_open(opening_hours: Option<&str>, time_of_day_s: u32) -> bool {
    let Some(h) = opening_hours else { return true };
    let t = time_of_day_s % 86_400;
    opening_ranges(h).is_ok_and(|ranges| {
        ranges.iter().any(|&(a, b)| {
            if a <= b {
                (a..b).contains(&t)
            } else {
                t >= a || t < b
            }
        })
    })
}

pub fn parse_category(s: &str) -> Result<PoiCategory, String> {
    serde_json::from_value(Value::String(s.trim().to_string())).map_err(|_| {
        format!("unknown category '{s}' (coffee, fuel, charging, restaurant, fast_food, rest_area, toilet, shop, other)")
    })
}

/// Splits one CSV line (commas, optional double quotes with "" escapes).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

/// Rows of a CSV with a header line, as (line number, header -> value lookup).
struct Csv {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Csv {
    fn parse(text: &str) -> Csv {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let header = lines
            .next()
            .map(|(_, l)| {
                csv_fields(l)
                    .into_iter()
                    .map(|h| h.to_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let rows = lines.map(|(i, l)| (i + 1, csv_fields(l))).collect();
        Csv { header, rows }
    }
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// POIs from a CSV with the header `name,category,lat,lon[,brand][,opening_hours]`.
pub fn pois_from_csv(path: &Path, first_id: u64) -> Result<Vec<Poi>, ScenarioError> {
    let text = read(path)?;
    let csv = Csv::parse(&text);
    let need = |c: &str| {
        csv.col(c).ok_or_else(|| {
            err(
                path,
                1,
                c,
                format!(
                    "missing column '{c}' (header: name,category,lat,lon[,brand][,opening_hours])"
                ),
            )
        })
    };
    let (ni, ci, lai, loi) = (need("name")?, need("category")?, need("lat")?, need("lon")?);
    let (bi, hi) = (csv.col("brand"), csv.col("opening_hours"));
    let mut pois = Vec::new();
    for (k, (line, f)) in csv.rows.iter().enumerate() {
        let get = |i: usize| f.get(i).map(String::as_str).unwrap_or("");
        let num = |i: usize, field: &str| -> Result<f64, ScenarioError> {
            get(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(path, *line, field, format!("'{}' is not a number", get(i))))
        };
        let name = get(ni).to_string();
        if name.is_empty() {
            return Err(err(path, *line, "name", "empty name"));
        }
        let category = parse_category(get(ci)).map_err(|m| err(path, *line, "category", m))?;
        let position = GeoPoint {
            lat: num(lai, "lat")?,
            lon: num(loi, "lon")?,
        };
        let opt = |i: Option<usize>| i.map(get).filter(|s| !s.is_empty()).map(str::to_string);
        let opening_hours = opt(hi);
        if let Some(h) = &opening_hours {
            check_opening_hours(h).map_err(|m| err(path, *line, "opening_hours", m))?;
        }
        pois.push(Poi {
            id: first_id + k as u64,
            name,
            category,
            position,
            brand: opt(bi),
            opening_hours,
        });
    }
    Ok(pois)
}

/// The line where the `n`-th GeoJSON feature starts (for error messages).
fn feature_line(text: &str, n: usize) -> usize {
    let mut count = 0;
    let mut pos = 0;
    while let Some(i) = text[pos..].find("\"Feature\"") {
        if count == n {
            return text[..pos + i].bytes().filter(|&b| b == b'\n').count() + 1;
        }
        count += 1;
        pos += i + 1;
    }
    1
}

fn parse_json(path: &Path, text: &str) -> Result<Value, ScenarioError> {
    serde_json::from_str(text).map_err(|e| err(path, e.line(), "-", e.to_string()))
}

/// POIs from a GeoJSON FeatureCollection of Point features with properties
/// `name`, `category`, optional `brand`, `opening_hours`.
pub fn pois_from_geojson(path: &Path, first_id: u64) -> Result<Vec<Poi>, ScenarioError> {
    let text = read(path)?;
    let v = parse_json(path, &text)?;
    let features = v.get("features").and_then(Value::as_array).ok_or_else(|| {
        err(
            path,
            1,
            "features",
            "expected a FeatureCollection with a 'features' array",
        )
    })?;
    let mut pois = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let line = feature_line(&text, i);
        let field = |name: &str| format!("features[{i}].{name}");
        let coords = f
            .pointer("/geometry/coordinates")
            .and_then(Value::as_array)
            .filter(|c| {
                f.pointer("/geometry/type") == Some(&Value::String("Point".into())) && c.len() >= 2
            })
            .ok_or_else(|| {
                err(
                    path,
                    line,
                    &field("geometry"),
                    "expected a Point geometry with [lon, lat]",
                )
            })?;
        let lon = coords[0].as_f64();
        let lat = coords[1].as_f64();
        let (Some(lat), Some(lon)) = (lat, lon) else {
            return Err(err(
                path,
                line,
                &field("geometry.coordinates"),
                "coordinates must be numbers",
            ));
        };
        let prop = |k: &str| {
            f.pointer(&format!("/properties/{k}"))
                .and_then(Value::as_str)
        };
        let name = prop("name")
            .ok_or_else(|| err(path, line, &field("properties.name"), "missing name"))?;
        let category = parse_category(prop("category").unwrap_or("other"))
            .map_err(|m| err(path, line, &field("properties.category"), m))?;
        let opening_hours = prop("opening_hours").map(str::to_string);
        if let Some(h) = &opening_hours {
            check_opening_hours(h)
                .map_err(|m| err(path, line, &field("properties.opening_hours"), m))?;
        }
        pois.push(Poi {
            id: first_id + i as u64,
            name: name.to_string(),
            category,
            position: GeoPoint { lat, lon },
            brand: prop("brand").map(str::to_string),
            opening_hours,
        });
    }
    Ok(pois)
}

/// A route polyline from a CSV (`lat,lon` header) or a GeoJSON LineString (first one found).
pub fn route_points_from_file(path: &Path) -> Result<Vec<GeoPoint>, ScenarioError> {
    let text = read(path)?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
    if is_json {
        let v = parse_json(path, &text)?;
        let line_string = |g: &Value| {
            (g.get("type") == Some(&Value::String("LineString".into())))
                .then(|| g.get("coordinates").and_then(Value::as_array))
                .flatten()
                .cloned()
        };
        let coords = line_string(&v)
            .or_else(|| v.get("geometry").and_then(line_string))
            .or_else(|| {
                v.get("features").and_then(Value::as_array).and_then(|fs| {
                    fs.iter()
                        .find_map(|f| f.get("geometry").and_then(line_string))
                })
            })
            .ok_or_else(|| err(path, 1, "geometry", "no LineString found"))?;
        coords
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let lon = c.get(0).and_then(Value::as_f64);
                let lat = c.get(1).and_then(Value::as_f64);
                match (lat, lon) {
                    (Some(lat), Some(lon)) => Ok(GeoPoint { lat, lon }),
                    _ => Err(err(
                        path,
                        1,
                        &format!("coordinates[{i}]"),
                        "expected [lon, lat] numbers",
                    )),
                }
            })
            .collect()
    } else {
        let csv = Csv::parse(&text);
        let (Some(la), Some(lo)) = (csv.col("lat"), csv.col("lon")) else {
            return Err(err(
                path,
                1,
                "lat",
                "expected a header with 'lat' and 'lon' columns",
            ));
        };
        csv.rows
            .iter()
            .map(|(line, f)| {
                let n = |i: usize, name: &str| {
                    f.get(i)
                        .and_then(|s| s.parse::<f64>().ok())
                        .ok_or_else(|| err(path, *line, name, "not a number"))
                };
                Ok(GeoPoint {
                    lat: n(la, "lat")?,
                    lon: n(lo, "lon")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_hours_parse_and_cross_midnight() {
        assert!(is_open(Some("07:00-20:00"), 8 * 3600));
        assert!(!is_open(Some("07:00-20:00"), 21 * 3600));
        assert!(is_open(Some("22:00-02:00"), 3600));
        assert!(is_open(Some("06:00-10:00, 16:00-19:00"), 17 * 3600));
        assert!(is_open(None, 0));
        assert!(check_opening_hours("7-20").is_err());
        assert!(check_opening_hours("25:00-26:00").is_err());
    }

    #[test]
    fn csv_fields_handle_quotes() {
        assert_eq!(csv_fields("a, \"b, c\" ,\"d\"\"e\""), ["a", "b, c", "d\"e"]);
    }
}
