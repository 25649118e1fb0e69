#!/usr/bin/env bash
# The README's second command: set up (if needed), lint, and run the whole test suite.
# One build shape (the dev profile, `cargo test`) for everything, so the native dependencies build once;
# clippy lints the workspace crates inside that same build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
start=$(date +%s)
stamp() { echo "[test] $1 at $(( $(date +%s) - start )) s"; }

# Formatting first: it needs no build and fails fast.
cargo fmt --all --check
stamp "fmt --check passed"

# One build that also lints: the workspace's own crates compile through clippy-driver (what `cargo clippy`
# does, set up by hand) with warnings as errors, every target (lib, bins, tests, examples, benches). A
# separate `cargo clippy` pass would re-check all ~400 dependencies in check mode (~1.5 min on 2 cores);
# this way they are built once. The same two variables stay set for the test run below, so it reuses
# this build (cargo fingerprints the wrapper).
CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
if [ -x "$CLIPPY_DRIVER" ]; then
  export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER"
  # cargo-clippy's own way of handing lint flags to the driver (arguments joined by this separator)
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
else
  echo "[test] clippy-driver not found (rustup component add clippy): building without lints" >&2
fi
# CI builds from scratch: incremental compilation only writes caches a clean build never reads back.
export CARGO_INCREMENTAL=0
# --timings: target/cargo-timings/cargo-timing.html says where the build's minutes go (CI is over its
# 30-minute goal: README's figures).
cargo test --workspace --all-targets --no-run --timings
stamp "build + clippy done"

# Tests spawn real zenoh sessions, ONNX Runtime and llama.cpp; two test threads fit a 2-core machine.
# --no-fail-fast: one failing test binary does not hide the results of the others (the run still fails).
cargo test --workspace --no-fail-fast -- --test-threads=2
stamp "cargo tests done"

# The Debian package (docs/ECU.md): built from this build's binary, installed, its units' commands up on the
# secured bus, removed.
bash scripts/deb/check.sh
stamp "deb package check done"

# The fleet driver (fleet/, Python on Ray): starts a real 2-node local Ray cluster, replays generated drives
# through target/debug/cabin, and checks hashes against single-process runs (docs/FLEET.md).
.venv/bin/python -m pytest fleet/tests -x -q
stamp "build + lint + tests done"
