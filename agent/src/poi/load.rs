//! A user's own POI file: GeoJSON (a FeatureCollection of Points) or CSV
//! (`id,name,category,lat,lon,brand,opening_hours`, header required, fields may be quoted).
//!
//! Properties/columns: `name` (required), `category` (a POI category in snake_case: `coffee`,
//! `fuel`, `charging`, `restaurant`, `fast_food`, `rest_area`, `toilet`, `shop`, `other`; unknown
//! ones become `other`), optional `id` (else a stable id from the line/feature number, offset so it
//! never collides with scenario ids), `brand`, `opening_hours`. A bad row is reported with its
//! line, never silently skipped.

use crate::error::{AgentError, Result};
use cabin_bus::messages::{GeoPoint, Poi, PoiCategory};
use std::path::Path;

/// Ids given to POIs of a file that has no ids: this offset + the row number.
pub const FILE_ID_OFFSET: u64 = 1 << 40;

/// Parses a category name; unknown names are `Other`.
pub fn parse_category(s: &str) -> PoiCategory {
    match s.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
        "coffee" | "cafe" | "coffee_shop" => PoiCategory::Coffee,
        "fuel" | "gas" | "petrol" | "gas_station" | "fuel_station" => PoiCategory::Fuel,
        "charging" | "charging_station" | "ev_charging" => PoiCategory::Charging,
        "restaurant" => PoiCategory::Restaurant,
        "fast_food" | "fastfood" => PoiCategory::FastFood,
        "rest_area" | "restarea" | "services" => PoiCategory::RestArea,
        "toilet" | "toilets" => PoiCategory::Toilet,
        "shop" => PoiCategory::Shop,
        _ => PoiCategory::Other,
    }
}

/// Loads a POI file; the format follows the extension (`.geojson`/`.json` or `.csv`).
pub fn load_poi_file(path: &Path) -> Result<Vec<Poi>> {
    let text = std::fs::read_to_string(path).map_err(|e| AgentError::io(path, e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    match ext.as_str() {
        "csv" => parse_csv(&text).map_err(|(line, reason)| AgentError::DataFile {
            path: path.to_path_buf(),
            line,
            reason,
        }),
        "geojson" | "json" => parse_geojson(&text).map_err(|(line, reason)| AgentError::DataFile {
            path: path.to_path_buf(),
            line,
            reason,
        }),
        other => Err(AgentError::DataFile {
            path: path.to_path_buf(),
            line: 0,
            reason: format!("unknown POI file type '.{other}' (use .geojson or .csv)"),
        }),
    }
}

/// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
fn csv_fields(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    fields.push(cur);
    Ok(fields.into_iter().map(|f| f.trim().to_string()).collect())
}

fn opt(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub fn parse_csv(text: &str) -> std::result::Result<Vec<Poi>, (usize, String)> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let (hl, header) = lines.next().ok_or((0, "empty file".to_string()))?;
    let header: Vec<String> = csv_fields(header)
        .map_err(|e| (hl + 1, e))?
        .into_iter()
        .map(|h| h.to_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (name_c, lat_c, lon_c) = match (col("name"), col("lat"), col("lon")) {
        (Some(n), Some(la), Some(lo)) => (n, la, lo),
        _ => return Err((hl + 1, "header needs name, lat and lon columns".into())),
    };
    let (id_c, cat_c, brand_c, hours_c) = (
        col("id"),
        col("category"),
        col("brand"),
        col("opening_hours"),
    );
    let mut out = Vec::new();
    for (i, line) in lines {
        let f = csv_fields(line).map_err(|e| (i + 1, e))?;
        let num = |c: usize, what: &str| -> std::result::Result<f64, (usize, String)> {
            f.get(c)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or((i + 1, format!("{what} is not a number")))
        };
        let name = opt(f.get(name_c)).ok_or((i + 1, "empty name".to_string()))?;
        let id = match id_c.and_then(|c| opt(f.get(c))) {
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| (i + 1, format!("id '{v}' is not a number")))?,
            None => FILE_ID_OFFSET + i as u64,
        };
        out.push(Poi {
            id,
            name,
            category: cat_c
                .and_then(|c| f.get(c))
                .map_or(PoiCategory::Other, |c| parse_category(c)),
            position: GeoPoint {
                lat: num(lat_c, "lat")?,
                lon: num(lon_c, "lon")?,
            },
            brand: brand_c.and_then(|c| opt(f.get(c))),
            opening_hours: hours_c.and_then(|c| opt(f.get(c))),
        });
    }
    Ok(out)
}

pub fn parse_geojson(text: &str) -> std::result::Result<Vec<Poi>, (usize, String)> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| (e.line(), e.to_string()))?;
    let features = v.get("features").and_then(|f| f.as_array()).ok_or((
        0,
        "not a FeatureCollection (no 'features' array)".to_string(),
    ))?;
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let err = |why: &str| (0, format!("feature {i}: {why}"));
        let geom = f.get("geometry").ok_or_else(|| err("no geometry"))?;
        if geom.get("type").and_then(|t| t.as_str()) != Some("Point") {
            return Err(err("geometry is not a Point"));
        }
        let c = geom
            .get("coordinates")
            .and_then(|c| c.as_array())
            .ok_or_else(|| err("no coordinates"))?;
        let (lon, lat) = match (
            c.first().and_then(|x| x.as_f64()),
            c.get(1).and_then(|x| x.as_f64()),
        ) {
            (Some(lon), Some(lat)) => (lon, lat),
            _ => return Err(err("coordinates are not [lon, lat]")),
        };
        let props = f.get("properties");
        let s = |k: &str| {
            props
                .and_then(|p| p.get(k))
                .and_then(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let name = s("name").ok_or_else(|| err("no name property"))?;
        let id = props
            .and_then(|p| p.get("id"))
            .or_else(|| f.get("id"))
            .and_then(|v| v.as_u64())
            .unwrap_or(FILE_ID_OFFSET + i as u64);
        out.push(Poi {
            id,
            name,
            category: s("category").map_or(PoiCategory::Other, |c| parse_category(&c)),
            position: GeoPoint { lat, lon },
            brand: s("brand"),
            opening_hours: s("opening_hours"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_quotes_and_errors() {
        let csv = "id,name,category,lat,lon,brand,opening_hours\n\
                   7,\"Bean There, Café\",coffee,48.1,11.5,,07:00-19:00\n\
                   ,Shell Nord,fuel,48.2,11.6,Shell,\n";
        let p = parse_csv(csv).expect("valid");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "Bean There, Café");
        assert_eq!(p[0].category, PoiCategory::Coffee);
        assert_eq!(p[0].opening_hours.as_deref(), Some("07:00-19:00"));
        assert_eq!(p[1].id, FILE_ID_OFFSET + 2);
        assert_eq!(p[1].brand.as_deref(), Some("Shell"));
        let bad = "name,lat,lon\nx,abc,11\n";
        assert_eq!(parse_csv(bad).map_err(|e| e.0), Err(2));
    }

    #[test]
    fn geojson_points() {
        let g = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[11.5,48.1]},
             "properties":{"name":"Rast","category":"rest_area","id":3}}]}"#;
        let p = parse_geojson(g).expect("valid");
        assert_eq!(p[0].id, 3);
        assert_eq!(p[0].category, PoiCategory::RestArea);
        assert_eq!((p[0].position.lat, p[0].position.lon), (48.1, 11.5));
        assert!(parse_geojson("{}").is_err());
    }
}
