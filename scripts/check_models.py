#!/usr/bin/env python3
"""Sanity-check every model in models/ with onnxruntime 1.31.1 on real inputs; one line per check.

Run in the project venv:  .venv/bin/python scripts/check_models.py [MODELS_DIR]
(prepare_models.py also runs these checks before it writes models/manifest.toml.)
Needs espeak-ng and sox for the speech checks (skipped with a warning when missing).
Exit status 0 when every check passed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import numpy as np  # noqa: E402

from models import face as F  # noqa: E402
from models import speech as S  # noqa: E402

ROOT = SCRIPTS.parent
SENTENCE = "I could really use a coffee"
EXPECTED_FACE = (179, 82, 274, 177)  # astronaut.png face box, px


def session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def iou(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


class Checker:
    def __init__(self, models: Path):
        self.models = models
        self.failed = 0
        self.cache = {}

    def result(self, name: str, ok: bool, msg: str) -> None:
        print(f"{'PASS' if ok else 'FAIL'} {name:<16} {msg}", flush=True)
        if not ok:
            self.failed += 1

    def warn(self, name: str, msg: str) -> None:
        print(f"SKIP {name:<16} {msg}", flush=True)

    # ----------------------------------------------------------------------------------------------

    def check_ort_lib(self) -> None:
        """dlopen models/onnxruntime/libonnxruntime.so in a fresh process and ask its version."""
        lib = self.models / "onnxruntime" / "libonnxruntime.so"
        code = ("import ctypes,sys\n"
                "l=ctypes.CDLL(sys.argv[1])\n"
                "class B(ctypes.Structure):\n"
                " _fields_=[('GetApi',ctypes.c_void_p),('GetVersionString',ctypes.CFUNCTYPE(ctypes.c_char_p))]\n"
                "l.OrtGetApiBase.restype=ctypes.POINTER(B)\n"
                "print(l.OrtGetApiBase().contents.GetVersionString().decode())\n")
        r = subprocess.run([sys.executable, "-c", code, str(lib)], capture_output=True, text=True)
        ver = r.stdout.strip()
        self.result("onnxruntime", r.returncode == 0 and ver == "1.31.1",
                    f"{lib.name} loads with dlopen, OrtGetApiBase()->GetVersionString() = {ver or r.stderr.strip()[-200:]}")

    def check_blazeface(self) -> None:
        sess = session(self.models / "face" / "blazeface.onnx")
        img = F.load_rgb(str(self.models / "photos" / "astronaut.png"))
        t = time.perf_counter()
        dets = F.detect_faces(sess, img)
        ms = (time.perf_counter() - t) * 1000
        if not dets:
            self.result("blazeface", False, "no face found on astronaut.png")
            return
        d = dets[0]
        self.cache["det"] = d
        self.cache["img"] = img
        box = d["box"]
        j = iou(box, EXPECTED_FACE)
        kp = " ".join(f"{n}=({x:.0f},{y:.0f})" for n, (x, y) in zip(F.BLAZEFACE_KEYPOINTS, d["keypoints"]))
        ok = d["score"] > 0.8 and j > 0.7 and len(dets) == 1
        self.result("blazeface", ok,
                    f"astronaut.png: {len(dets)} face(s), score {d['score']:.3f}, box ({box[0]:.0f},{box[1]:.0f})-"
                    f"({box[2]:.0f},{box[3]:.0f}) IoU {j:.2f} vs {EXPECTED_FACE}; {kp}; {ms:.0f} ms incl. decode")
        cam = F.load_rgb(str(self.models / "photos" / "camera.png"))
        cd = F.detect_faces(sess, cam)
        self.result("blazeface-cam", len(cd) == 1 and cd[0]["score"] > 0.5,
                    "camera.png (turned head): " + (f"score {cd[0]['score']:.3f}, box " + "({:.0f},{:.0f})-({:.0f},{:.0f})".format(*cd[0]["box"]) if cd else "no face"))
        noise = (np.random.default_rng(1).uniform(0, 255, (480, 640, 3))).astype(np.uint8)
        nd = F.detect_faces(sess, noise)
        self.result("blazeface-noise", not nd, f"640x480 uniform noise: {len(nd)} detections >= 0.5 (letterboxed input)")

    def check_iris(self) -> None:
        if "det" not in self.cache:
            self.result("iris", False, "needs the BlazeFace detection")
            return
        sess = session(self.models / "face" / "iris_landmark.onnx")
        img, det = self.cache["img"], self.cache["det"]
        parts, ok, vis = [], True, []
        for name, rect0, flip in F.eye_rects_from_blazeface(det):
            # pass 1: crop from BlazeFace's eye keypoints; pass 2: crop from pass 1's eye corners
            r0 = F.run_iris(sess, img, rect0, flip)
            rect = F.eye_rect_from_contour(r0["contour_img"], flip)
            r = F.run_iris(sess, img, rect, flip)
            vis.append((r0, rect0, flip))
            c, ir = r["contour_crop"], r["iris_crop"]
            open_ = F.eye_openness(c)
            ic = r["iris_img"][0, :2]
            # iris radius: mean distance of the 4 rim points from the centre, in image px
            rad = float(np.mean(np.hypot(*(r["iris_img"][1:, :2] - ic).T)))
            width = float(np.hypot(*(r["contour_img"][0, :2] - r["contour_img"][8, :2])))
            kp = det["keypoints"][0 if not flip else 1]
            plausible = (c[0, 0] < c[8, 0] and 0.2 < open_ < 0.6 and np.hypot(*(ic - kp)) < 0.25 * rect.w
                         and 0.1 < rad / width < 0.45
                         and c[9:16, 1].mean() < c[1:8, 1].mean()  # upper lid above lower lid
                         and ir[2, 1] < ir[0, 1] < ir[4, 1] and ir[3, 0] < ir[0, 0] < ir[1, 0])
            ok &= bool(plausible)
            parts.append(f"{name}: openness {open_:.2f} (pass 1: {F.eye_openness(r0['contour_crop']):.2f}), "
                         f"iris centre ({ic[0]:.1f},{ic[1]:.1f}) r={rad:.1f}px, eye width {width:.1f}px")
            vis.append((r, rect, flip))
        self.result("iris", ok, "; ".join(parts))
        self._draw_iris(img, vis)

    def _draw_iris(self, img, vis) -> None:
        try:
            from PIL import Image, ImageDraw
        except ImportError:
            return
        tiles = []
        for r, rect, flip in vis:
            s = 8
            crop = (r["crop"][0].transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)
            im = Image.fromarray(crop).resize((64 * s, 64 * s), Image.NEAREST)
            d = ImageDraw.Draw(im)
            for k, (x, y, _) in enumerate(r["contour_crop"]):
                col = (0, 255, 0) if k < 9 else (255, 255, 0) if k < 16 else (0, 200, 255)
                d.ellipse([x * s - 3, y * s - 3, x * s + 3, y * s + 3], fill=col)
                d.text((x * s + 4, y * s - 5), str(k), fill=col)
            for k, (x, y, _) in enumerate(r["iris_crop"]):
                d.ellipse([x * s - 3, y * s - 3, x * s + 3, y * s + 3], fill=(255, 0, 0))
                d.text((x * s + 4, y * s + 1), f"i{k}", fill=(255, 0, 0))
            tiles.append(im)
        # tiles: (left eye pass 1, left pass 2, right pass 1, right pass 2) -> 2x2, passes in rows
        out = Image.new("RGB", (64 * 8 * 2, 64 * 8 * 2))
        for i, t in enumerate(tiles):
            out.paste(t, ((i // 2) * 64 * 8, (i % 2) * 64 * 8))
        path = ROOT / ".cache" / "iris_check.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        out.save(path)

    def check_face_mesh(self) -> None:
        p = self.models / "face" / "face_mesh_reference.json"
        doc = json.loads(p.read_text())
        lm = np.asarray(doc["landmarks"], dtype=np.float64)
        ok = doc["image"] == "astronaut.png" and doc["width"] == 512 and doc["height"] == 512 and lm.shape == (468, 3)
        msg = f"{lm.shape[0]} landmarks"
        if ok and "det" in self.cache:
            kp = self.cache["det"]["keypoints"]
            # mesh nose tip (1) vs BlazeFace nose keypoint; eye centres vs BlazeFace eye keypoints
            nose = np.hypot(*(lm[1, :2] - kp[2]))
            le = np.hypot(*((lm[33, :2] + lm[133, :2]) / 2 - kp[0]))
            re = np.hypot(*((lm[362, :2] + lm[263, :2]) / 2 - kp[1]))
            ok &= max(nose, le, re) < 10.0 and lm[:, 2].min() < 0 < lm[:, 2].max()
            msg += (f"; x {lm[:, 0].min():.0f}..{lm[:, 0].max():.0f}, y {lm[:, 1].min():.0f}..{lm[:, 1].max():.0f}, "
                    f"z {lm[:, 2].min():.0f}..{lm[:, 2].max():.0f} px; vs BlazeFace: nose {nose:.1f} px, "
                    f"eye centres {le:.1f}/{re:.1f} px")
        self.result("face_mesh_ref", bool(ok), msg)

    def speech_audio(self):
        if "speech" in self.cache:
            return self.cache["speech"]
        if not (shutil.which("espeak-ng") and shutil.which("sox")):
            self.cache["speech"] = None
            return None
        with tempfile.TemporaryDirectory() as td:
            raw, wav = os.path.join(td, "x.wav"), os.path.join(td, "x16k.wav")
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, SENTENCE], check=True,
                           capture_output=True)
            subprocess.run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", wav], check=True, capture_output=True)
            self.cache["speech"] = S.read_wav_16k_mono(wav)
        return self.cache["speech"]

    def check_silero(self) -> None:
        sess = session(self.models / "stt" / "silero_vad.onnx")
        silence = np.zeros(S.SAMPLE_RATE, dtype=np.float32)
        noise = np.random.default_rng(2).normal(0, 0.003, S.SAMPLE_RATE).astype(np.float32)
        p_sil = S.silero_probs(sess, silence).max()
        p_noise = S.silero_probs(sess, noise).max()
        ok = p_sil < 0.1 and p_noise < 0.5
        msg = f"max p(speech): 1 s silence {p_sil:.3f}, 1 s faint noise {p_noise:.3f}"
        audio = self.speech_audio()
        if audio is not None:
            pr = S.silero_probs(sess, audio)
            ok &= pr.max() > 0.8
            msg += f", espeak sentence {pr.max():.3f} (speech in {np.mean(pr > 0.5):.0%} of 32 ms chunks)"
        self.result("silero_vad", bool(ok), msg)

    def check_moonshine(self) -> None:
        audio = self.speech_audio()
        if audio is None:
            self.warn("moonshine", "espeak-ng/sox not installed: transcription check skipped")
            return
        d = self.models / "stt" / "moonshine"
        t = time.perf_counter()
        enc, dec = session(d / "encoder_model.onnx"), session(d / "decoder_model_merged.onnx")
        load = time.perf_counter() - t
        toks = S.load_tokenizer(str(d / "tokenizer.bin"))
        t = time.perf_counter()
        text, ids, steps = S.transcribe(enc, dec, audio, toks)
        dt = time.perf_counter() - t
        norm = lambda s: "".join(ch for ch in s.lower() if ch.isalnum() or ch == " ").split()  # noqa: E731
        ok = norm(text) == norm(SENTENCE) and len(toks) == 32000
        secs = len(audio) / S.SAMPLE_RATE
        self.result("moonshine", ok, f"espeak-ng en-us \"{SENTENCE}\" ({secs:.2f} s) -> \"{text}\" "
                    f"(tokens {ids}; {steps} decoder steps, {dt * 1000:.0f} ms, RTF {dt / secs:.2f}, load {load:.1f} s)")

    def check_llm(self) -> None:
        p = self.models / "llm" / "SmolLM2-135M-Instruct.Q4_1.gguf"
        with open(p, "rb") as f:
            head = f.read(24)
        magic, ver = head[:4], int.from_bytes(head[4:8], "little")
        n_tensors, n_kv = int.from_bytes(head[8:16], "little"), int.from_bytes(head[16:24], "little")
        self.result("smollm2", magic == b"GGUF" and ver >= 2 and n_tensors > 0,
                    f"GGUF v{ver}, {n_tensors} tensors, {n_kv} metadata keys, {p.stat().st_size / 1e6:.1f} MB "
                    "(not run here: llama.cpp is exercised from Rust)")

    def run_all(self) -> int:
        for c in (self.check_ort_lib, self.check_blazeface, self.check_iris, self.check_face_mesh,
                  self.check_silero, self.check_moonshine, self.check_llm):
            try:
                c()
            except Exception as e:  # a crash is a failed check, the others still run
                self.result(c.__name__.replace("check_", ""), False, f"{type(e).__name__}: {e}")
        return 1 if self.failed else 0


def run(models: Path) -> int:
    return Checker(Path(models)).run_all()


if __name__ == "__main__":
    models = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("CABIN_MODELS", ROOT / "models"))
    rc = run(models)
    print("all model checks passed" if rc == 0 else "model checks FAILED")
    sys.exit(rc)
