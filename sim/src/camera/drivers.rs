//! The synthetic camera's drivers: which face a scenario's `[driver] face = "<id>"` names.
//!
//! The default driver, `astronaut`, is scikit-image's astronaut photo and its face mesh
//! (`models/face/astronaut.png`, `models/face/face_mesh_reference.json`). The others are faces cut from
//! group photos in registry packages and meshed the same way at setup (`scripts/models/drivers.py`):
//! `models/face/drivers/<id>.png` + `<id>.json`, listed with their sex, age band and skin tone (the
//! project's own labelling by eye) in `models/face/drivers/drivers.toml`.

use crate::error::{Result, SimError};
use std::path::PathBuf;

use crate::scenario::is_valid_face_id;
pub use crate::scenario::DEFAULT_FACE;

/// The index of the setup-made drivers, relative to the models directory.
const INDEX: &str = "face/drivers/drivers.toml";

/// One setup-made driver as `drivers.toml` lists it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct DriverFace {
    pub id: String,
    pub sex: String,
    pub age_band: String,
    /// Fitzpatrick type (I..VI) as an appearance estimate.
    pub skin_tone_fitzpatrick: String,
    pub source: String,
    /// The photo's own head turn that the mesh removes, and the tilt applied to match the astronaut.
    pub yaw_deg: f64,
    pub pitch_to_reference_deg: f64,
}

#[derive(serde::Deserialize)]
struct Index {
    #[serde(default)]
    driver: Vec<DriverFace>,
}

/// The mesh (JSON) and photo (PNG) of face `id`.
pub fn face_files(id: &str) -> Result<(PathBuf, PathBuf)> {
    let path = |rel: &str| {
        cabin_bus::assets::model_path(rel)
            .map_err(|e| SimError::Camera(format!("face `{id}`: {e}")))
    };
    if id == DEFAULT_FACE {
        return Ok((
            path("face/face_mesh_reference.json")?,
            path("face/astronaut.png")?,
        ));
    }
    if !is_valid_face_id(id) {
        return Err(SimError::Camera(format!(
            "face `{id}`: ids are lower-case letters, digits and `_`"
        )));
    }
    Ok((
        path(&format!("face/drivers/{id}.json"))?,
        path(&format!("face/drivers/{id}.png"))?,
    ))
}

/// The setup-made drivers (not the default), in `drivers.toml`'s order.
pub fn catalogue() -> Result<Vec<DriverFace>> {
    let path = cabin_bus::assets::model_path(INDEX).map_err(|e| SimError::Camera(e.to_string()))?;
    let text = std::fs::read_to_string(&path).map_err(|e| SimError::io(&path, e))?;
    let index: Index =
        toml::from_str(&text).map_err(|e| SimError::Camera(format!("{}: {e}", path.display())))?;
    Ok(index.driver)
}

/// Every face id a scenario may name: the default first, then the catalogue's.
pub fn face_ids() -> Result<Vec<String>> {
    let mut ids = vec![DEFAULT_FACE.to_string()];
    ids.extend(catalogue()?.into_iter().map(|d| d.id));
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn face_ids_cannot_name_paths() {
        assert!(is_valid_face_id("f25_v_b"));
        for bad in ["", "../x", "a/b", "A", "x.json", "a b"] {
            assert!(!is_valid_face_id(bad), "{bad}");
            assert!(face_files(bad).is_err(), "{bad}");
        }
    }
}
