#!/usr/bin/env bash
# The README's second command: set up (if needed), lint, and run the whole test suite.
# One build shape (the dev profile, `cargo test`) for everything, so the native dependencies build once;
# clippy runs in that same profile and reuses their build-script outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
start=$(date +%s)
stamp() { echo "[test] $1 at $(( $(date +%s) - start )) s"; }

# Formatting first: it needs no build and fails fast.
cargo fmt --all --check
stamp "fmt --check passed"

cargo test --workspace --no-run
stamp "build done"

# Lints with warnings as errors, every target (tests, benches, examples), same profile as the build above.
cargo clippy --workspace --all-targets -- -D warnings
stamp "clippy passed"

# Tests spawn real zenoh sessions, ONNX Runtime and llama.cpp; two test threads fit a 2-core machine.
cargo test --workspace -- --test-threads=2
stamp "cargo tests done"

# The fleet driver (fleet/, Python on Ray): starts a real 2-node local Ray cluster, replays generated drives
# through target/debug/cabin, and checks hashes against single-process runs (docs/FLEET.md).
.venv/bin/python -m pytest fleet/tests -x -q
stamp "build + lint + tests done"
