#!/usr/bin/env bash
# Fuzzes the wire codec with libFuzzer (cargo-fuzz). Not part of CI (it takes minutes of both cores).
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# cargo-fuzz needs nightly flags; the stable toolchain accepts them with RUSTC_BOOTSTRAP.
cd fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz run codec_decode -- -max_total_time="${1:-120}"
