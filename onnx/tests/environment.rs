//! The shared ONNX Runtime set-up: a missing or broken library is a typed error (never a panic), the
//! installed one gives one environment for the whole process, and sessions open real models.
//!
//! The installed library and models come from `scripts/setup.sh`. Everything that builds the environment
//! stays in one test function: a process holds one environment, so the order of these steps matters.

use cabin_onnx::{environment, environment_from, session, OnnxError};
use ort::AsPointer;
use std::path::Path;

#[test]
fn a_missing_library_is_a_typed_error() {
    let missing = Path::new("/nonexistent/libonnxruntime.so");
    let e = environment_from(missing).expect_err("no library there");
    assert!(
        matches!(&e, OnnxError::LibraryMissing(p) if p == missing),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("/nonexistent/libonnxruntime.so"),
        "{e}"
    );
}

#[test]
fn one_environment_from_the_installed_library_and_sessions_in_it() {
    // A file that exists but is no shared library: a load error, and nothing is left half set up.
    let not_a_library = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let e = environment_from(&not_a_library).expect_err("not a library");
    assert!(matches!(e, OnnxError::Load { .. }), "{e:?}");

    let first = environment().expect("installed library (scripts/setup.sh)");
    let second = environment().expect("second call");
    assert_eq!(first.ptr(), second.ptr(), "one environment per process");

    let blazeface = cabin_bus::assets::model_path("face/blazeface.onnx").expect("model installed");
    let model = session(&blazeface, 1).expect("session");
    assert_eq!(model.inputs().len(), 1, "BlazeFace has one input");

    let e = session(Path::new("/nonexistent/model.onnx"), 1).expect_err("no model there");
    assert!(
        matches!(&e, OnnxError::Session { path, .. } if path == Path::new("/nonexistent/model.onnx")),
        "{e:?}"
    );
}
