//! Points of interest and route polylines from files: CSV and GeoJSON.
//!
//! Map data usually comes from an export (OpenStreetMap via overpass, a fleet's POI database), so a
//! scenario can point at a file instead of listing places inline. POI files are read by the stack's one
//! reader, [`cabin_bus::poi_file`] (the agent reads a user's POI file with it too); route files are read
//! here. Every error names the file, the line (CSV: the row; GeoJSON: where the offending feature
//! starts) and the field.

use super::error::ScenarioError;
use cabin_bus::messages::{GeoPoint, Poi};
use cabin_bus::poi_file::{self, csv_line, CsvTable, PoiFormat};
use serde_json::Value;
use std::path::Path;

fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|e| err(path, 0, "-", format!("cannot read: {e}")))
}

fn err(path: &Path, line: usize, field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        file: path.display().to_string(),
        line,
        field: field.into(),
        message: message.into(),
    }
}

/// POIs from a CSV or GeoJSON file; POIs without an id get `first_id` + their index in the file.
pub fn pois_from_file(
    path: &Path,
    format: PoiFormat,
    first_id: u64,
) -> Result<Vec<Poi>, ScenarioError> {
    let text = read(path)?;
    poi_file::parse(&text, format, first_id).map_err(|e| err(path, e.line, &e.field, e.message))
}

/// A route polyline from a CSV (`lat,lon` header) or a GeoJSON LineString (first one found).
pub fn route_points_from_file(path: &Path) -> Result<Vec<GeoPoint>, ScenarioError> {
    let text = read(path)?;
    match PoiFormat::from_path(path) {
        Some(PoiFormat::GeoJson) => route_from_geojson(path, &text),
        _ => route_from_csv(path, &text),
    }
}

fn route_from_geojson(path: &Path, text: &str) -> Result<Vec<GeoPoint>, ScenarioError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| err(path, e.line(), "-", e.to_string()))?;
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
}

fn route_from_csv(path: &Path, text: &str) -> Result<Vec<GeoPoint>, ScenarioError> {
    let table = CsvTable::parse(text).map_err(|e| err(path, e.line, &e.field, e.message))?;
    let (Some(la), Some(lo)) = (table.col("lat"), table.col("lon")) else {
        return Err(err(
            path,
            1,
            "lat",
            "expected a header with 'lat' and 'lon' columns",
        ));
    };
    let mut reader = table.reader;
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| err(path, csv_line(&e), "-", e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            let n = |i: usize, name: &str| {
                record
                    .get(i)
                    .and_then(|s| s.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(path, line, name, "not a number"))
            };
            Ok(GeoPoint {
                lat: n(la, "lat")?,
                lon: n(lo, "lon")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_csv_with_quotes_and_comments_and_errors_with_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("route.csv");
        std::fs::write(&good, "# exported\nlat,lon\n48.1,11.5\n\"48.2\",11.6\n").expect("write");
        let r = route_points_from_file(&good).expect("valid");
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[1],
            GeoPoint {
                lat: 48.2,
                lon: 11.6
            }
        );
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "lat,lon\n48.1,11.5\nx,11.6\n").expect("write");
        let e = route_points_from_file(&bad).expect_err("not a number");
        assert_eq!((e.line, e.field.as_str()), (3, "lat"));
    }
}
