#!/usr/bin/env bash
# Installs the fleet driver (fleet/, the `cabin_fleet` package and its `cabin-fleet` command) and its
# pinned dependencies (fleet/requirements.txt: Ray, matplotlib, pytest) into the project venv .venv/,
# which scripts/prepare_models.sh creates. Wheels are cached in .cache/fleet-wheels/ and installed with
# --no-index. Idempotent: when the requirements and pyproject are unchanged it only checks a stamp.
# Called by scripts/setup.sh after the venv exists.
set -euo pipefail
cd "$(dirname "$0")/.."   # the repository root: every path below is relative to it
VENV=.venv
WHEELS=.cache/fleet-wheels
REQ=fleet/requirements.txt

log() { printf '\033[1m[fleet]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[fleet] error:\033[0m %s\n' "$*" >&2; exit 1; }

[ -x "$VENV/bin/python" ] || die ".venv/ is missing: run scripts/prepare_models.sh (or scripts/setup.sh) first"

# The package is installed editable, so source edits need no reinstall; only these two files matter.
sum=$(cat "$REQ" fleet/pyproject.toml | sha256sum | cut -d' ' -f1)
stamp="$VENV/.cabin-fleet.sha256"
wheel_stamp="$WHEELS/.requirements.sha256"
req_sum=$(sha256sum "$REQ" | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  log "fleet driver: .venv/ up to date"
  exit 0
fi
start=$EPOCHREALTIME
if [ ! -f "$wheel_stamp" ] || [ "$(cat "$wheel_stamp")" != "$req_sum" ]; then
  log "downloading pinned wheels into .cache/fleet-wheels/ (Ray is ~80 MB)"
  mkdir -p "$WHEELS"
  "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
    -d "$WHEELS" -r "$REQ"
  echo "$req_sum" > "$wheel_stamp"
fi
log "installing Ray, matplotlib, pytest and cabin_fleet into .venv/ (offline)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$WHEELS" \
  -r "$REQ"
# Editable, without build isolation: the venv's own setuptools builds it, nothing is fetched.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps \
  --no-build-isolation -e fleet
echo "$sum" > "$stamp"
log "done in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
