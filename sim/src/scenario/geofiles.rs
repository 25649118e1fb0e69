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
use geojson::{GeoJson, Geometry, GeometryValue, Position};
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
    let doc = poi_file::read_geojson(text).map_err(|e| err(path, e.line, &e.field, e.message))?;
    fn line_string(g: Option<&Geometry>) -> Option<&[Position]> {
        match g.map(|g| &g.value) {
            Some(GeometryValue::LineString { coordinates }) => Some(coordinates),
            _ => None,
        }
    }
    let coords = match &doc {
        GeoJson::Geometry(g) => line_string(Some(g)),
        GeoJson::Feature(f) => line_string(f.geometry.as_ref()),
        GeoJson::FeatureCollection(c) => c
            .features
            .iter()
            .find_map(|f| line_string(f.geometry.as_ref())),
    }
    .ok_or_else(|| err(path, 1, "geometry", "no LineString found"))?;
    coords
        .iter()
        .enumerate()
        .map(|(i, c)| match c.as_slice() {
            [lon, lat, ..] => Ok(GeoPoint {
                lat: *lat,
                lon: *lon,
            }),
            _ => Err(err(
                path,
                1,
                &format!("coordinates[{i}]"),
                "expected [lon, lat] numbers",
            )),
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
    use std::path::PathBuf;

    /// `text` written to `name` in `dir`.
    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn route_csv_with_quotes_and_comments_and_errors_with_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = file(
            &dir,
            "route.csv",
            "# exported\nlat,lon\n48.1,11.5\n\"48.2\",11.6\n",
        );
        let r = route_points_from_file(&good).expect("valid");
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[1],
            GeoPoint {
                lat: 48.2,
                lon: 11.6
            }
        );
        let bad = file(&dir, "bad.csv", "lat,lon\n48.1,11.5\nx,11.6\n");
        let e = route_points_from_file(&bad).expect_err("not a number");
        assert_eq!((e.line, e.field.as_str()), (3, "lat"));
    }

    #[test]
    fn route_geojson_takes_the_first_line_string_and_errors_name_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = file(
            &dir,
            "route.geojson",
            r#"{"type":"FeatureCollection","features":[
                {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[11.0,48.0]}},
                {"type":"Feature","properties":{},
                 "geometry":{"type":"LineString","coordinates":[[11.5,48.1],[11.6,48.2,520.0]]}}]}"#,
        );
        let r = route_points_from_file(&good).expect("valid");
        assert_eq!(
            r,
            [
                GeoPoint {
                    lat: 48.1,
                    lon: 11.5
                },
                GeoPoint {
                    lat: 48.2,
                    lon: 11.6
                }
            ]
        );
        let bare = file(
            &dir,
            "bare.json",
            r#"{"type":"LineString","coordinates":[[11.5,48.1],[11.6,48.2]]}"#,
        );
        assert_eq!(route_points_from_file(&bare).expect("valid").len(), 2);
        let bad = file(
            &dir,
            "bad.geojson",
            "{\"type\":\"LineString\",\n\"coordinates\":[[11.5,48.1],\n[11.6,\"x\"]]}",
        );
        let e = route_points_from_file(&bad).expect_err("not a number");
        assert_eq!(e.line, 3, "{e}");
        let none = file(
            &dir,
            "none.geojson",
            r#"{"type":"Point","coordinates":[11.5,48.1]}"#,
        );
        let e = route_points_from_file(&none).expect_err("no line");
        assert_eq!(e.field, "geometry");
    }
}
