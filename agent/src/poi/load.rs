//! A user's own POI file for the agent (`pois` parameter): read with the stack's one POI-file reader,
//! [`cabin_bus::poi_file`] (CSV or GeoJSON; the format, its columns and its checks are documented there).

use crate::error::{AgentError, Result};
use cabin_bus::messages::Poi;
use cabin_bus::poi_file::{self, PoiFormat};
use std::path::Path;

/// Ids given to POIs of a file that has no ids: this offset + the row number, so they never collide with
/// a scenario's ids.
pub const FILE_ID_OFFSET: u64 = 1 << 40;

/// Loads a POI file; the format follows the extension (`.geojson`/`.json` or `.csv`).
pub fn load_poi_file(path: &Path) -> Result<Vec<Poi>> {
    let bad = |line: usize, reason: String| AgentError::DataFile {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let format = PoiFormat::from_path(path)
        .ok_or_else(|| bad(0, "unknown POI file type (use .geojson or .csv)".into()))?;
    let text = std::fs::read_to_string(path).map_err(|e| AgentError::io(path, e))?;
    poi_file::parse(&text, format, FILE_ID_OFFSET)
        .map_err(|e| bad(e.line, format!("{}: {}", e.field, e.message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_loads_with_offset_ids_and_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("pois.csv");
        std::fs::write(
            &good,
            "name,category,lat,lon\nBean There,coffee,48.1,11.5\n",
        )
        .expect("write");
        let p = load_poi_file(&good).expect("loads");
        assert_eq!(p[0].id, FILE_ID_OFFSET);
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "name,lat,lon\nx,abc,11\n").expect("write");
        match load_poi_file(&bad) {
            Err(AgentError::DataFile { path, line, reason }) => {
                assert_eq!((path, line), (bad.clone(), 2));
                assert!(reason.starts_with("lat:"), "{reason}");
            }
            other => panic!("expected a data-file error, got {other:?}"),
        }
        assert!(load_poi_file(&dir.path().join("pois.txt")).is_err());
        assert!(load_poi_file(&dir.path().join("missing.csv")).is_err());
    }
}
