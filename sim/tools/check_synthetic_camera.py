"""Checks synthetic driver-camera frames with the real face models (BlazeFace + iris landmarks).

Usage (from the repository root, after `target/debug/examples/render_poses OUT_DIR`):
    .venv/bin/python sim/tools/check_synthetic_camera.py OUT_DIR

For each frame in OUT_DIR/truth.json: the best BlazeFace score, the iris model's eye openness (two
passes: crop from the BlazeFace eye keypoint, then re-crop from the first pass's eye corners, as in
scripts/MODELS.md) and a yaw/pitch read-back from the keypoints. Prints a table and a summary; exit
status 1 if a visible face at |yaw| <= 30, |pitch| <= 20 is missed or a face is found where none is.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "models"))
import face  # noqa: E402  (scripts/models/face.py)

THRESHOLD = 0.75


def session(name):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(ROOT / "models" / "face" / name), opts, providers=["CPUExecutionProvider"])


def main(out_dir):
    out = Path(out_dir)
    truth = json.loads((out / "truth.json").read_text())
    det = session("blazeface.onnx")
    iris = session("iris_landmark.onnx")
    failures = []
    rows = []
    for t in truth:
        img = face.load_rgb(str(out / t["file"]))
        dets = face.detect_faces(det, img, min_score=0.3)
        best = dets[0] if dets else None
        score = best["score"] if best else 0.0
        row = {"file": t["file"], "score": score}
        if best is not None and score >= THRESHOLD:
            opens = []
            for name, rect, flip in face.eye_rects_from_blazeface(best):
                r1 = face.run_iris(iris, img, rect, flip)
                rect2 = face.eye_rect_from_contour(r1["contour_img"], flip)
                r2 = face.run_iris(iris, img, rect2, flip)
                opens.append(face.eye_openness(r2["contour_crop"]))
            row["open"] = opens
            kp = best["keypoints"]
            re, le, nose, mouth = kp[0], kp[1], kp[2], kp[3]
            eye_mid = (re + le) / 2
            axis = (le - re) / np.linalg.norm(le - re)
            row["yaw_read"] = float(np.dot(nose - eye_mid, axis) / np.linalg.norm(le - re))
            down = np.array([-axis[1], axis[0]])
            row["pitch_read"] = float(np.dot(nose - eye_mid, down) / np.dot(mouth - eye_mid, down))
        rows.append(row)
        visible = t["face_visible"]
        in_range = abs(t["yaw"]) <= 30 and abs(t["pitch"]) <= 20
        found = score >= THRESHOLD
        if visible and in_range and not found:
            failures.append(f"{t['file']}: face missed (score {score:.2f})")
        if not visible and found:
            failures.append(f"{t['file']}: face found where none is visible (score {score:.2f})")
        opens = row.get("open")
        print(f"{t['file']:34s} yaw {t['yaw']:+5.0f} pitch {t['pitch']:+4.0f} closure {t['closure']:.1f}  "
              f"score {score:.2f}  "
              + (f"open {opens[0]:.2f}/{opens[1]:.2f}  yaw_read {row['yaw_read']:+.2f}  pitch_read {row['pitch_read']:.2f}"
                 if opens else "-"))
    # Openness against closure, per lighting.
    print()
    by = {}
    for t, r in zip(truth, rows):
        if "open" in r and t["file"].startswith("eyes_"):
            key = ("frontal" if t["yaw"] == 0 else "yaw30", t["closure"])
            by.setdefault(key, []).append(float(np.mean(r["open"])))
    for k in sorted(by):
        v = by[k]
        print(f"openness {k[0]:8s} closure {k[1]:.1f}: mean {np.mean(v):.3f} min {np.min(v):.3f} max {np.max(v):.3f} (n={len(v)})")
    ms = [t.get("render_ms", 0) for t in truth]
    print(f"render time (example binary, incl. first-frame warm-up): median {np.median(ms):.2f} ms")
    if failures:
        print("\nFAILURES:\n  " + "\n  ".join(failures))
        return 1
    print("\nall visible faces within yaw +-30, pitch +-20 found; no face where none is visible")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sim_frames"))
