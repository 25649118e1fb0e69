//! POI files: the one reader for the points of interest a user brings, shared by the simulator (a
//! scenario's `[pois] files`) and the agent (its `pois` parameter), so a file one of them accepts the
//! other accepts too.
//!
//! Two formats, told apart by the extension ([`PoiFormat::from_path`]):
//! - **CSV** with a header row: `name,lat,lon` required; `category`, `id`, `brand`, `opening_hours`
//!   optional; any order; fields may be quoted (RFC 4180); blank lines and lines starting with `#` are
//!   skipped.
//! - **GeoJSON**: a FeatureCollection of Point features (`[lon, lat]`) with properties `name` (required),
//!   `category`, `id` (or the feature's `id`), `brand`, `opening_hours`.
//!
//! A missing category is `other`; an unknown one is an error that lists the known ones. A POI without an
//! id gets `first_id` + its index in the file. Opening hours are OpenStreetMap `opening_hours` values
//! (`Mo-Fr 08:00-18:00; PH off`, `24/7`, `07:00-19:00`, …), checked with [`OpeningHours::parse`].
//! GeoJSON is read with the `geojson` crate. Every error names the line (CSV: the row; GeoJSON: where
//! the offending feature starts, or where the JSON itself is malformed) and the field.
//!
//! ```
//! use cabin_bus::poi_file::{parse, PoiFormat};
//! let csv = "name,category,lat,lon,opening_hours\n\"Bean There, Café\",coffee,48.4,11.7,07:00-19:00\n";
//! let pois = parse(csv, PoiFormat::Csv, 100).expect("valid");
//! assert_eq!((pois[0].id, pois[0].name.as_str()), (100, "Bean There, Café"));
//! let bad = parse("name,lat,lon\nRast,abc,11\n", PoiFormat::Csv, 1).unwrap_err();
//! assert_eq!((bad.line, bad.field.as_str()), (2, "lat"));
//! ```

use crate::messages::{GeoPoint, OpeningHours, Poi, PoiCategory};
use geojson::feature::Id;
use geojson::{Feature, GeoJson, GeometryValue, JsonValue};
use serde_json::error::Category;
use std::path::Path;
use std::str::FromStr;

/// A POI file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoiFormat {
    Csv,
    GeoJson,
}

impl PoiFormat {
    /// The format a file's extension says (`.csv`, `.geojson`, `.json`), if any.
    pub fn from_path(path: &Path) -> Option<PoiFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(PoiFormat::Csv),
            "geojson" | "json" => Some(PoiFormat::GeoJson),
            _ => None,
        }
    }
}

/// What is wrong with a POI file, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {field}: {message}")]
pub struct PoiFileError {
    /// 1-based line (0 when the whole file is unreadable).
    pub line: usize,
    /// The column or JSON path, e.g. `lat` or `features[2].properties.name`.
    pub field: String,
    pub message: String,
}

fn error(line: usize, field: &str, message: impl Into<String>) -> PoiFileError {
    PoiFileError {
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

/// Reads a category name: the snake_case names and the usual aliases (`cafe`, `gas_station`, `ev
/// charging`, `services`, …), any case.
pub fn parse_category(s: &str) -> Result<PoiCategory, String> {
    let name = s.trim().to_lowercase().replace([' ', '-'], "_");
    Ok(match name.as_str() {
        "coffee" | "cafe" | "café" | "coffee_shop" => PoiCategory::Coffee,
        "fuel" | "gas" | "petrol" | "gas_station" | "fuel_station" => PoiCategory::Fuel,
        "charging" | "charging_station" | "ev_charging" => PoiCategory::Charging,
        "restaurant" => PoiCategory::Restaurant,
        "fast_food" | "fastfood" => PoiCategory::FastFood,
        "rest_area" | "restarea" | "services" => PoiCategory::RestArea,
        "toilet" | "toilets" => PoiCategory::Toilet,
        "shop" => PoiCategory::Shop,
        "other" | "" => PoiCategory::Other,
        _ => {
            return Err(format!(
                "unknown category '{}' (coffee, fuel, charging, restaurant, fast_food, rest_area, toilet, shop, other)",
                s.trim()
            ))
        }
    })
}

/// Parses a POI file's text.
pub fn parse(text: &str, format: PoiFormat, first_id: u64) -> Result<Vec<Poi>, PoiFileError> {
    match format {
        PoiFormat::Csv => parse_csv(text, first_id),
        PoiFormat::GeoJson => parse_geojson(text, first_id),
    }
}

/// The fields of one POI as read from a file, before they are checked.
struct RawPoi<'a> {
    line: usize,
    id: Option<u64>,
    name: Option<&'a str>,
    category: Option<&'a str>,
    lat: Option<f64>,
    lon: Option<f64>,
    brand: Option<&'a str>,
    opening_hours: Option<&'a str>,
}

/// Field names for error messages: CSV columns, or a GeoJSON feature's paths.
struct FieldNames {
    name: String,
    category: String,
    lat: String,
    lon: String,
    opening_hours: String,
}

/// The checks both formats share.
fn checked(raw: RawPoi, default_id: u64, f: &FieldNames) -> Result<Poi, PoiFileError> {
    let some = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let line = raw.line;
    let name = some(raw.name).ok_or_else(|| error(line, &f.name, "missing name"))?;
    let category =
        parse_category(raw.category.unwrap_or("")).map_err(|m| error(line, &f.category, m))?;
    let coordinate = |v: Option<f64>, field: &str, limit: f64| {
        v.filter(|v| v.is_finite() && v.abs() <= limit)
            .ok_or_else(|| error(line, field, format!("not a number within ±{limit}")))
    };
    let position = GeoPoint {
        lat: coordinate(raw.lat, &f.lat, 90.0)?,
        lon: coordinate(raw.lon, &f.lon, 180.0)?,
    };
    let opening_hours = some(raw.opening_hours);
    OpeningHours::parse(opening_hours.as_deref()).map_err(|m| error(line, &f.opening_hours, m))?;
    Ok(Poi {
        id: raw.id.unwrap_or(default_id),
        name,
        category,
        position,
        brand: some(raw.brand),
        opening_hours,
    })
}

/// A map-data CSV as this stack reads it (POI and route files alike): a header row matched without
/// regard to case, `#` comment lines, trimmed fields, RFC 4180 quoting, rows of any length.
pub struct CsvTable<'a> {
    pub reader: csv::Reader<&'a [u8]>,
    /// The header's column names, lower-cased.
    pub header: Vec<String>,
}

impl<'a> CsvTable<'a> {
    pub fn parse(text: &'a str) -> Result<Self, PoiFileError> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| error(csv_line(&e), "header", e.to_string()))?
            .iter()
            .map(str::to_lowercase)
            .collect();
        Ok(CsvTable { reader, header })
    }

    /// The index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The line a CSV error is on (0 when the reader does not know).
pub fn csv_line(e: &csv::Error) -> usize {
    e.position().map_or(0, |p| p.line() as usize)
}

fn parse_csv(text: &str, first_id: u64) -> Result<Vec<Poi>, PoiFileError> {
    let table = CsvTable::parse(text)?;
    let col = |name: &str| table.col(name);
    let need = |name: &str| {
        col(name).ok_or_else(|| {
            error(
                1,
                name,
                format!("missing column '{name}' (header: name,lat,lon[,category][,id][,brand][,opening_hours])"),
            )
        })
    };
    let (name_c, lat_c, lon_c) = (need("name")?, need("lat")?, need("lon")?);
    let (id_c, cat_c, brand_c, hours_c) = (
        col("id"),
        col("category"),
        col("brand"),
        col("opening_hours"),
    );
    let fields = FieldNames {
        name: "name".into(),
        category: "category".into(),
        lat: "lat".into(),
        lon: "lon".into(),
        opening_hours: "opening_hours".into(),
    };
    let mut reader = table.reader;
    let mut pois = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let record = record.map_err(|e| error(csv_line(&e), "-", e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).filter(|s| !s.is_empty());
        let number = |c: usize| get(Some(c)).and_then(|s| s.parse::<f64>().ok());
        let id = match get(id_c) {
            Some(v) => Some(
                v.parse::<u64>()
                    .map_err(|_| error(line, "id", format!("'{v}' is not a whole number")))?,
            ),
            None => None,
        };
        let raw = RawPoi {
            line,
            id,
            name: get(Some(name_c)),
            category: get(cat_c),
            lat: number(lat_c),
            lon: number(lon_c),
            brand: get(brand_c),
            opening_hours: get(hours_c),
        };
        pois.push(checked(raw, first_id + k as u64, &fields)?);
    }
    Ok(pois)
}

/// The line where the `n`-th GeoJSON feature starts (for error messages).
fn feature_line(text: &str, n: usize) -> usize {
    let mut pos = 0;
    for count in 0.. {
        let Some(i) = text[pos..].find("\"Feature\"") else {
            break;
        };
        if count == n {
            return text[..pos + i].bytes().filter(|&b| b == b'\n').count() + 1;
        }
        pos += i + 1;
    }
    1
}

/// A GeoJSON document read with the `geojson` crate; an error names its line (and the feature, when
/// one feature of a collection is malformed).
pub fn read_geojson(text: &str) -> Result<GeoJson, PoiFileError> {
    GeoJson::from_str(text).map_err(|e| match e {
        geojson::Error::MalformedGeoJson(e) if e.classify() == Category::Data => {
            bad_feature(text).unwrap_or_else(|| error(e.line(), "-", e.to_string()))
        }
        geojson::Error::MalformedGeoJson(e) => error(e.line(), "-", e.to_string()),
        e => error(0, "-", e.to_string()),
    })
}

/// The first feature of a collection the `geojson` crate cannot read, at the line where it starts:
/// serde reports a structure error inside a collection at the collection's end, which is no help in a
/// long file. Only called once reading has failed.
fn bad_feature(text: &str) -> Option<PoiFileError> {
    let doc: JsonValue = serde_json::from_str(text).ok()?;
    let features = doc.get("features")?.as_array()?;
    features.iter().enumerate().find_map(|(i, f)| {
        let e = serde_json::from_value::<Feature>(f.clone()).err()?;
        Some(error(
            feature_line(text, i),
            &format!("features[{i}]"),
            e.to_string(),
        ))
    })
}

fn parse_geojson(text: &str, first_id: u64) -> Result<Vec<Poi>, PoiFileError> {
    let GeoJson::FeatureCollection(collection) = read_geojson(text)? else {
        return Err(error(
            1,
            "features",
            "expected a FeatureCollection with a 'features' array",
        ));
    };
    let mut pois = Vec::new();
    for (i, f) in collection.features.iter().enumerate() {
        let line = feature_line(text, i);
        let path = |p: &str| format!("features[{i}].{p}");
        let Some(GeometryValue::Point { coordinates }) = f.geometry.as_ref().map(|g| &g.value)
        else {
            return Err(error(
                line,
                &path("geometry"),
                "expected a Point geometry with [lon, lat]",
            ));
        };
        let prop = |k: &str| f.property(k).and_then(JsonValue::as_str);
        let feature_id = match &f.id {
            Some(Id::Number(n)) => n.as_u64(),
            _ => None,
        };
        let raw = RawPoi {
            line,
            id: f.property("id").and_then(JsonValue::as_u64).or(feature_id),
            name: prop("name"),
            category: prop("category"),
            lat: coordinates.as_slice().get(1).copied(),
            lon: coordinates.as_slice().first().copied(),
            brand: prop("brand"),
            opening_hours: prop("opening_hours"),
        };
        let fields = FieldNames {
            name: path("properties.name"),
            category: path("properties.category"),
            lat: path("geometry.coordinates[1]"),
            lon: path("geometry.coordinates[0]"),
            opening_hours: path("properties.opening_hours"),
        };
        pois.push(checked(raw, first_id + i as u64, &fields)?);
    }
    Ok(pois)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_ids_comments_and_any_column_order() {
        let csv = "# exported from the fleet database\n\
                   id,name,category,lat,lon,brand,opening_hours\n\
                   7,\"Bean There, Café\",coffee,48.1,11.5,,07:00-19:00\n\
                   \n\
                   ,Shell Nord,Gas Station,48.2,11.6,Shell,\n";
        let p = parse(csv, PoiFormat::Csv, 1000).expect("valid");
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].id, p[0].name.as_str()), (7, "Bean There, Café"));
        assert_eq!(p[0].category, PoiCategory::Coffee);
        assert_eq!(p[0].opening_hours.as_deref(), Some("07:00-19:00"));
        assert_eq!(p[0].brand, None);
        assert_eq!((p[1].id, p[1].category), (1001, PoiCategory::Fuel));
        assert_eq!(p[1].brand.as_deref(), Some("Shell"));
        let reordered = parse("lon,lat,name\n11.5,48.1,Rast\n", PoiFormat::Csv, 1).expect("valid");
        assert_eq!(
            reordered[0].position,
            GeoPoint {
                lat: 48.1,
                lon: 11.5
            }
        );
        assert_eq!(reordered[0].category, PoiCategory::Other);
    }

    #[test]
    fn csv_errors_name_the_line_and_the_column() {
        let at = |text: &str| {
            parse(text, PoiFormat::Csv, 1)
                .map(|_| ())
                .map_err(|e| (e.line, e.field))
        };
        assert_eq!(at("name,lat,lon\nx,abc,11\n"), Err((2, "lat".into())));
        assert_eq!(
            at("name,lat,lon\nx,48,11\ny,95,11\n"),
            Err((3, "lat".into()))
        );
        assert_eq!(at("name,lat,lon\n,48,11\n"), Err((2, "name".into())));
        assert_eq!(at("name,lon\nx,11\n"), Err((1, "lat".into())));
        assert_eq!(
            at("name,category,lat,lon\nx,casino,48,11\n"),
            Err((2, "category".into()))
        );
        assert_eq!(
            at("name,lat,lon,opening_hours\nx,48,11,9-5\n"),
            Err((2, "opening_hours".into()))
        );
        assert_eq!(
            at("id,name,lat,lon\nseven,x,48,11\n"),
            Err((2, "id".into()))
        );
        assert!(parse("", PoiFormat::Csv, 1).is_err(), "no header");
    }

    #[test]
    fn geojson_points_with_ids_and_errors_at_the_feature() {
        let g = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[11.5,48.1]},
             "properties":{"name":"Rast","category":"rest_area","id":3}},
            {"type":"Feature","id":9,"geometry":{"type":"Point","coordinates":[11.6,48.2]},
             "properties":{"name":"Café","opening_hours":"24/7"}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[11.7,48.3]},
             "properties":{"name":"Kiosk"}}]}"#;
        let p = parse(g, PoiFormat::GeoJson, 50).expect("valid");
        assert_eq!(p.iter().map(|p| p.id).collect::<Vec<_>>(), [3, 9, 52]);
        assert_eq!(p[0].category, PoiCategory::RestArea);
        assert_eq!(
            p[0].position,
            GeoPoint {
                lat: 48.1,
                lon: 11.5
            }
        );
        let no_name = g.replace("\"Kiosk\"", "null");
        let e = parse(&no_name, PoiFormat::GeoJson, 1).expect_err("no name");
        assert_eq!(
            (e.line, e.field.as_str()),
            (6, "features[2].properties.name")
        );
        let polygon = g.replace(
            r#"{"type":"Point","coordinates":[11.6,48.2]}"#,
            r#"{"type":"LineString","coordinates":[[11.6,48.2],[11.7,48.3]]}"#,
        );
        let e = parse(&polygon, PoiFormat::GeoJson, 1).expect_err("not a point");
        assert_eq!((e.line, e.field.as_str()), (4, "features[1].geometry"));
        let typo = g.replace(
            r#""type":"Point","coordinates":[11.7"#,
            r#""type":"Pt","coordinates":[11.7"#,
        );
        let e = parse(&typo, PoiFormat::GeoJson, 1).expect_err("unknown geometry type");
        assert_eq!((e.line, e.field.as_str()), (6, "features[2]"), "{e}");
        let e = parse("{}", PoiFormat::GeoJson, 1).expect_err("no type");
        assert_eq!(e.field, "-");
        let e = parse(
            "{\n\"type\": \"Feature\",\n\"geometry\": {\"type\": \"Pt\"}}",
            PoiFormat::GeoJson,
            1,
        )
        .expect_err("bad geometry type");
        assert_eq!(e.line, 3, "{e}");
        assert!(parse("{", PoiFormat::GeoJson, 1).is_err());
        let point = r#"{"type":"Point","coordinates":[11.5,48.1]}"#;
        let e = parse(point, PoiFormat::GeoJson, 1).expect_err("not a collection");
        assert_eq!(e.field, "features");
    }

    #[test]
    fn openstreetmap_opening_hours_in_both_formats_and_errors_at_the_line() {
        let csv = "name,lat,lon,opening_hours\n\
                   Bakery,48.1,11.5,\"Mo-Fr 06:00-18:00; Sa 07:00-12:00; PH off\"\n\
                   Fuel,48.2,11.6,24/7\n\
                   Bar,48.3,11.7,\"Fr,Sa 20:00-03:00\"\n";
        let p = parse(csv, PoiFormat::Csv, 1).expect("valid");
        assert_eq!(
            p[0].opening_hours.as_deref(),
            Some("Mo-Fr 06:00-18:00; Sa 07:00-12:00; PH off")
        );
        let bad = csv.replace("24/7", "open late");
        let e = parse(&bad, PoiFormat::Csv, 1).expect_err("unreadable hours");
        assert_eq!((e.line, e.field.as_str()), (3, "opening_hours"));
        assert!(e.message.contains("open late"), "{}", e.message);
        let g = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[11.5,48.1]},
             "properties":{"name":"Bakery","opening_hours":"Mo-Fr 06:00-18:00; Sa 07:00-12:00; PH off"}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[11.6,48.2]},
             "properties":{"name":"Fuel","opening_hours":"off"}}]}"#;
        assert_eq!(parse(g, PoiFormat::GeoJson, 1).expect("valid").len(), 2);
        let e = parse(&g.replace("\"off\"", "\"Mo-Fr 8-\""), PoiFormat::GeoJson, 1)
            .expect_err("unreadable hours");
        assert_eq!(
            (e.line, e.field.as_str()),
            (4, "features[1].properties.opening_hours")
        );
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            PoiFormat::from_path(Path::new("a/pois.CSV")),
            Some(PoiFormat::Csv)
        );
        assert_eq!(
            PoiFormat::from_path(Path::new("pois.geojson")),
            Some(PoiFormat::GeoJson)
        );
        assert_eq!(
            PoiFormat::from_path(Path::new("pois.json")),
            Some(PoiFormat::GeoJson)
        );
        assert_eq!(PoiFormat::from_path(Path::new("pois.txt")), None);
    }
}
