#!/usr/bin/env python3
"""Real read speech with transcripts, for measuring speech to text in cabin noise (issue 13, item 5).

Fetched from registry packages only, written to models/speech_eval/ (git-ignored, never committed):
  - Debian `pocketsphinx-testdata` (installed by scripts/setup.sh's apt list; BSD-2, CMU): the 5 LibriVox
    clips of `test/data/librivox/` (Sense and Sensibility, one male reader, public-domain recording) and
    the 5 `cards/` commands ("ten of clubs", another speaker), 16 kHz mono;
  - PyPI `coqui-tts==0.24.2` sdist (MPL-2.0 code; LJSpeech is public domain): the 8 clips of
    `tests/data/ljspeech/wavs/` that `metadata.csv` transcribes (LJ001-0001..0008, one female reader,
    22.05 kHz), with the normalised transcript column (numbers spelled out, as they are spoken).
Every clip is converted with sox to 16 kHz mono 16-bit PCM, the speech node's own format, so the
evaluation reads exactly what a cabin microphone would deliver.

Output: models/speech_eval/clips/<corpus>-<id>.wav and models/speech_eval/transcripts.tsv
(`file<TAB>corpus<TAB>transcript`). Idempotent: a re-run with the stamp in place returns at once.

Usage: .venv/bin/python scripts/data/speech_eval.py [--force]   (called by scripts/setup.sh)
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "models" / "speech_eval"
SDIST_CACHE = ROOT / ".cache" / "sdist"
DEBIAN_DATA = Path("/usr/share/pocketsphinx/test/data")
COQUI = ("coqui-tts", "0.24.2")
LJ_DIR = f"coqui_tts-{COQUI[1]}/tests/data/ljspeech/"
# What the stamp promises: change it when the selection or the conversion changes.
STAMP_KEY = "speech_eval v1: pocketsphinx-testdata librivox+cards, coqui-tts 0.24.2 ljspeech metadata.csv, sox 16k mono s16"


def log(msg: str) -> None:
    print(f"[speech-eval] {msg}", flush=True)


def to_16k_mono(src: Path, dst: Path) -> None:
    # sox's default rate conversion is its high-quality band-limited one.
    subprocess.run(["sox", str(src), "-r", "16000", "-c", "1", "-b", "16", str(dst)], check=True)


def debian_sphinx(dir_name: str, corpus: str) -> list[tuple[str, str, str]]:
    """(file name, corpus, transcript) of one pocketsphinx test set, clips converted into OUT/clips."""
    base = DEBIAN_DATA / dir_name
    transcription = next(base.glob("*transcription"), None)
    if transcription is None:
        sys.exit(f"{base}: no transcription file (apt-get install pocketsphinx-testdata)")
    rows = []
    # Lines look like `<s> he was not an ill disposed young man </s> (sense_and_..._0880)`.
    pattern = re.compile(r"^\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*$")
    for line in transcription.read_text().splitlines():
        m = pattern.match(line)
        if not m:
            continue
        text, utt = " ".join(m.group(1).split()), m.group(2)
        wav = base / f"{utt}.wav"
        if not wav.is_file():
            sys.exit(f"{wav}: listed in {transcription} but missing")
        name = f"{corpus}-{utt}.wav"
        to_16k_mono(wav, OUT / "clips" / name)
        rows.append((name, corpus, text))
    return rows


def coqui_sdist() -> Path:
    name, version = COQUI
    SDIST_CACHE.mkdir(parents=True, exist_ok=True)
    path = SDIST_CACHE / f"coqui_tts-{version}.tar.gz"
    if not path.is_file():
        log(f"downloading the {name}=={version} sdist (pip download --no-deps --no-binary)")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--no-binary", name, f"{name}=={version}", "-d", str(SDIST_CACHE)],
                       check=True)
    if not path.is_file():
        sys.exit(f"pip download {name}=={version} left no {path.name} in {SDIST_CACHE}")
    return path


def ljspeech() -> list[tuple[str, str, str]]:
    rows = []
    with tarfile.open(coqui_sdist()) as tar, tempfile.TemporaryDirectory() as tmp:
        meta = tar.extractfile(LJ_DIR + "metadata.csv")
        if meta is None:
            sys.exit(f"coqui-tts sdist: no {LJ_DIR}metadata.csv")
        for line in meta.read().decode("utf-8").splitlines():
            parts = line.split("|")
            if len(parts) < 3:
                continue
            utt, normalised = parts[0], parts[2]
            member = tar.getmember(LJ_DIR + f"wavs/{utt}.wav")
            src = Path(tmp) / f"{utt}.wav"
            src.write_bytes(tar.extractfile(member).read())
            name = f"ljspeech-{utt}.wav"
            to_16k_mono(src, OUT / "clips" / name)
            rows.append((name, "ljspeech", normalised))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rebuild even when the stamp matches")
    args = ap.parse_args()
    stamp = OUT / ".stamp"
    if not args.force and stamp.is_file() and stamp.read_text().strip() == STAMP_KEY \
            and (OUT / "transcripts.tsv").is_file():
        log("models/speech_eval/: present")
        return
    if shutil.which("sox") is None:
        sys.exit("sox not found (apt-get install sox)")
    if not DEBIAN_DATA.is_dir():
        sys.exit(f"{DEBIAN_DATA} missing (apt-get install pocketsphinx-testdata)")
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "clips").mkdir(parents=True)
    rows = debian_sphinx("librivox", "librivox") + debian_sphinx("cards", "cards") + ljspeech()
    with open(OUT / "transcripts.tsv", "w") as f:
        f.write("file\tcorpus\ttranscript\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    (OUT / "README.txt").write_text(
        "Real read speech for the noise evaluation (written by scripts/data/speech_eval.py; do not commit).\n"
        "librivox-*, cards-*: Debian pocketsphinx-testdata (BSD-2, Carnegie Mellon University); the LibriVox\n"
        "recording is public domain. ljspeech-*: LJSpeech 1.1 (public domain), from the PyPI coqui-tts 0.24.2\n"
        "sdist (MPL-2.0). All converted to 16 kHz mono 16-bit with sox.\n")
    stamp.write_text(STAMP_KEY + "\n")
    log(f"{len(rows)} clips with transcripts in models/speech_eval/")


if __name__ == "__main__":
    main()
