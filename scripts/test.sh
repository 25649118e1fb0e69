#!/usr/bin/env bash
# The README's second command: set up (if needed) and run the whole test suite.
# One build shape (`cargo test`) for everything, so the native dependencies build once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
start=$(date +%s)
cargo test --workspace --no-run
echo "[test] build took $(( $(date +%s) - start )) s"
# Tests spawn real zenoh sessions, ONNX Runtime and llama.cpp; two test threads fit a 2-core machine.
cargo test --workspace -- --test-threads=2
echo "[test] build + tests took $(( $(date +%s) - start )) s"
