#!/usr/bin/env python3
"""Re-solve the head pitch of a `cabin run --events` log with a turned template (docs/perf/faces.md).

A NumPy/SciPy copy of perception/src/camera/head_pose.rs's solvePnP step (same template, same pinhole camera
with focal = the frame's larger side, same yaw-pitch-roll convention, frontal initial guess). It rewrites
every `perception/face` message's pitch, so that `cabin score --events OUT` scores what the camera node
would have reported with the template turned by TURN_DEG about its eye line. `--turn 0` must reproduce the
logged pitches (it prints the largest difference): that checks this copy against the Rust estimator.

Usage: .venv/bin/python perception/data/real_faces/resolve_pitch.py IN.jsonl OUT.jsonl --turn -8.1
       (needs scipy: scripts/data/biosignals.sh installs it into .venv/)
"""
import argparse
import json

import numpy as np
from scipy.optimize import least_squares

# FACE_TEMPLATE_MM of head_pose.rs: right eye, left eye, nose tip, mouth, right/left tragion.
TEMPLATE = np.array([[-31.5, 0, 0], [31.5, 0, 0], [0, 34.5, -34.9], [0, 62.6, -5.6],
                     [-65.7, 17.1, 59.2], [65.7, 17.1, 59.2]])


def rot(yaw, pitch, roll):
    y, p, r = np.radians([-yaw, -pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rp = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rr = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return ry @ rp @ rr


def solve(kp, w, h, template):
    f = max(w, h)
    cx, cy = w / 2, h / 2
    z = f * 63.0 / np.linalg.norm(kp[1] - kp[0])
    mid = (kp[0] + kp[1]) / 2

    def residual(x):
        q = (rot(*x[:3]) @ template.T).T + x[3:]
        return np.concatenate([f * q[:, 0] / q[:, 2] + cx - kp[:, 0], f * q[:, 1] / q[:, 2] + cy - kp[:, 1]])

    x0 = np.array([0, 0, 0, (mid[0] - cx) * z / f, (mid[1] - cy) * z / f, z])
    return least_squares(residual, x0).x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--turn", type=float, default=0.0, help="template turn about the eye line, degrees")
    ap.add_argument("--size", default="640x480", help="camera frame size of the run")
    a = ap.parse_args()
    w, h = (int(v) for v in a.size.split("x"))
    c, s = np.cos(np.radians(a.turn)), np.sin(np.radians(a.turn))
    template = (np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) @ TEMPLATE.T).T
    diffs = []
    with open(a.input) as src, open(a.output, "w") as dst:
        for line in src:
            d = json.loads(line)
            face = d.get("msg", {}).get("face") if d.get("topic") == "perception/face" else None
            if face:
                kp = np.array([[p["x"], p["y"]] for p in face["keypoints"]])
                pitch = float(solve(kp, w, h, template)[1])
                diffs.append(pitch - face["head_pose"]["pitch_deg"])
                face["head_pose"]["pitch_deg"] = pitch
            dst.write(json.dumps(d) + "\n")
    d = np.array(diffs)
    print(f"{len(d)} faces re-solved; pitch change mean {d.mean():+.3f} deg, largest |change| {np.abs(d).max():.3f} deg")


if __name__ == "__main__":
    main()
