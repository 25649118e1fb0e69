#!/usr/bin/env bash
# The README's first command: set up everything, build, and run cabin on the embedded default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# Built in the same shape as the tests (`cargo test --no-run` also builds the binary), so running the tests
# afterwards does not rebuild the native dependencies.
cargo test --workspace --no-run
exec ./target/debug/cabin run "$@"
