"""Face-model helpers shared by prepare_models.py and check_models.py.

Pure numpy (+ onnxruntime / ai-edge-litert sessions passed in by the caller). Everything here is the
reference the Rust code follows; scripts/MODELS.md documents the same maths in prose.

Coordinate convention: continuous pixel coordinates, pixel (i, j) covers [i, i+1) x [j, j+1), so its
centre is at (i + 0.5, j + 0.5). Model outputs (BlazeFace boxes/keypoints, face-mesh and iris landmarks)
are in this convention in the model's input tensor (0 = left/top edge of the input).
"""

from __future__ import annotations

import math

import numpy as np

BLAZEFACE_SIZE = 128
# BlazeFace keypoint order (the subject's right eye appears on the image's left in an unmirrored photo).
BLAZEFACE_KEYPOINTS = ["right_eye", "left_eye", "nose_tip", "mouth", "right_ear_tragion", "left_ear_tragion"]


def load_rgb(path: str) -> np.ndarray:
    """HxWx3 uint8 RGB (greyscale images are replicated to 3 channels)."""
    from PIL import Image

    im = Image.open(path).convert("RGB")
    return np.asarray(im, dtype=np.uint8)


# --------------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------------

def sample_affine(img: np.ndarray, out_w: int, out_h: int, origin, ax, ay) -> np.ndarray:
    """Bilinear sample (border replicate) of an output grid from img.

    Output pixel (u, v) (centre at u+0.5, v+0.5) is taken from the image point
        p = origin + (u + 0.5) * ax + (v + 0.5) * ay
    where origin, ax, ay are 2-vectors in image pixel coordinates (x, y). Returns out_h x out_w x C float32.
    """
    img = img.astype(np.float32)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w = img.shape[:2]
    u = np.arange(out_w, dtype=np.float64) + 0.5
    v = np.arange(out_h, dtype=np.float64) + 0.5
    uu, vv = np.meshgrid(u, v)
    px = origin[0] + uu * ax[0] + vv * ay[0] - 0.5  # to index space (centre of pixel 0 = 0)
    py = origin[1] + uu * ax[1] + vv * ay[1] - 0.5
    x0 = np.floor(px)
    y0 = np.floor(py)
    fx = (px - x0)[..., None].astype(np.float32)
    fy = (py - y0)[..., None].astype(np.float32)
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    x1 = np.clip(x0 + 1, 0, w - 1)
    y1 = np.clip(y0 + 1, 0, h - 1)
    x0 = np.clip(x0, 0, w - 1)
    y0 = np.clip(y0, 0, h - 1)
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    bot = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
    return top * (1 - fy) + bot * fy


class RotatedRect:
    """A square/rectangular region of the image: centre (px), size (px), rotation (radians, clockwise in
    image coordinates, i.e. the rect's +x axis points along (cos r, sin r))."""

    def __init__(self, cx: float, cy: float, w: float, h: float, rotation: float = 0.0):
        self.cx, self.cy, self.w, self.h, self.rotation = cx, cy, w, h, rotation

    def axes(self, out_w: int, out_h: int, flip_x: bool = False):
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        ax = np.array([c, s]) * (self.w / out_w)
        ay = np.array([-s, c]) * (self.h / out_h)
        if flip_x:
            ax = -ax
        origin = np.array([self.cx, self.cy]) - ax * (out_w / 2) - ay * (out_h / 2)
        return origin, ax, ay

    def crop(self, img: np.ndarray, out_w: int, out_h: int, flip_x: bool = False) -> np.ndarray:
        origin, ax, ay = self.axes(out_w, out_h, flip_x)
        return sample_affine(img, out_w, out_h, origin, ax, ay)

    def to_image(self, pts: np.ndarray, out_w: int, out_h: int, flip_x: bool = False) -> np.ndarray:
        """Map Nx2 points from crop-tensor coordinates (0..out_w, 0..out_h) back to image pixels."""
        origin, ax, ay = self.axes(out_w, out_h, flip_x)
        pts = np.asarray(pts, dtype=np.float64)
        return origin[None, :] + pts[:, :1] * ax[None, :] + pts[:, 1:2] * ay[None, :]

    def __repr__(self):
        return (f"RotatedRect(c=({self.cx:.1f},{self.cy:.1f}), size=({self.w:.1f},{self.h:.1f}), "
                f"rot={math.degrees(self.rotation):.1f}deg)")


# --------------------------------------------------------------------------------------------------
# BlazeFace (face_detection_short_range)
# --------------------------------------------------------------------------------------------------

def blazeface_anchors() -> np.ndarray:
    """896 x 2 anchor centres in input pixels (128x128 input).

    mediapipe SsdAnchorsCalculator for the short-range model: 4 layers, strides [8, 16, 16, 16],
    2 anchors per layer (aspect 1.0 + interpolated scale), fixed_anchor_size, anchor_offset 0.5.
    Layers with the same stride are merged, giving: stride 8 -> 16x16 cells x 2 anchors = 512,
    stride 16 -> 8x8 cells x 6 anchors = 384. Order: stride-8 block first; inside a block row-major
    over cells (y outer, x inner), then the anchors of one cell consecutively (all share the cell centre).
    """
    out = []
    for stride, per_cell in ((8, 2), (16, 6)):
        n = BLAZEFACE_SIZE // stride
        for y in range(n):
            for x in range(n):
                for _ in range(per_cell):
                    out.append(((x + 0.5) * stride, (y + 0.5) * stride))
    return np.asarray(out, dtype=np.float32)


def blazeface_preprocess(img: np.ndarray):
    """Letterbox the image to a centred square (zero padding, like mediapipe's keep_aspect_ratio +
    BORDER_ZERO), resize to 128x128 (bilinear), scale to [-1, 1] (x / 127.5 - 1), NCHW float32.

    Returns (tensor [1,3,128,128], scale, offset): an input-pixel point q maps to the image point
    q * scale - offset (offset = the padding added on the left/top)."""
    h, w = img.shape[:2]
    side = max(w, h)
    ox, oy = (side - w) // 2, (side - h) // 2
    if w != h:
        pad = np.zeros((side, side, 3), dtype=img.dtype)
        pad[oy:oy + h, ox:ox + w] = img
        img = pad
    crop = RotatedRect(side / 2, side / 2, side, side).crop(img, BLAZEFACE_SIZE, BLAZEFACE_SIZE)
    x = crop / 127.5 - 1.0
    tensor = np.ascontiguousarray(x.transpose(2, 0, 1)[None].astype(np.float32))
    return tensor, side / BLAZEFACE_SIZE, np.array([ox, oy], dtype=np.float64)


def sigmoid_clipped(raw: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(raw, -100.0, 100.0)))


def blazeface_decode(regressors: np.ndarray, classificators: np.ndarray, min_score=0.5, iou=0.3):
    """Decode raw outputs ([1,896,16], [1,896,1]) into detections in input (128x128) pixels.

    Returns a list of dicts sorted by score: score, box (x0, y0, x1, y1), keypoints 6x2 — after
    weighted non-maximum suppression (mediapipe: WEIGHTED, min_suppression_threshold 0.3).
    """
    anchors = blazeface_anchors()
    reg = regressors.reshape(896, 16).astype(np.float64)
    scores = sigmoid_clipped(classificators.reshape(896).astype(np.float64))
    cx = anchors[:, 0] + reg[:, 0]
    cy = anchors[:, 1] + reg[:, 1]
    bw, bh = reg[:, 2], reg[:, 3]
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
    kps = reg[:, 4:].reshape(896, 6, 2) + anchors[:, None, :]
    idx = np.where(scores >= min_score)[0]
    idx = idx[np.argsort(-scores[idx])]
    dets = []
    remaining = list(idx)
    while remaining:
        best = remaining[0]
        b = boxes[best]
        ious = []
        for j in remaining:
            o = boxes[j]
            iw = max(0.0, min(b[2], o[2]) - max(b[0], o[0]))
            ih = max(0.0, min(b[3], o[3]) - max(b[1], o[1]))
            inter = iw * ih
            union = (b[2] - b[0]) * (b[3] - b[1]) + (o[2] - o[0]) * (o[3] - o[1]) - inter
            ious.append(inter / union if union > 0 else 0.0)
        ious = np.asarray(ious)
        group = [remaining[k] for k in range(len(remaining)) if ious[k] > iou]
        rest = [remaining[k] for k in range(len(remaining)) if ious[k] <= iou]
        wts = scores[group]
        dets.append({
            "score": float(scores[best]),
            "box": (boxes[group] * wts[:, None]).sum(0) / wts.sum(),
            "keypoints": (kps[group] * wts[:, None, None]).sum(0) / wts.sum(),
            "merged": len(group),
        })
        remaining = rest
    return dets


def detect_faces(session, img: np.ndarray, min_score=0.5):
    """Run the BlazeFace ONNX session on an RGB uint8 image; detections mapped to image pixels."""
    tensor, scale, offset = blazeface_preprocess(img)
    reg, cls = session.run(["regressors", "classificators"], {"input": tensor})
    dets = blazeface_decode(reg, cls, min_score=min_score)
    for d in dets:
        d["box"] = d["box"] * scale - np.concatenate([offset, offset])
        d["keypoints"] = d["keypoints"] * scale - offset[None, :]
    return dets


def face_roi_from_detection(det, scale=1.5) -> RotatedRect:
    """mediapipe face_detection_front_detection_to_roi: square ROI around the detection box, scaled
    1.5x, rotated so that the eye line (right eye kp 0 -> left eye kp 1) is horizontal."""
    x0, y0, x1, y1 = det["box"]
    re, le = det["keypoints"][0], det["keypoints"][1]
    rotation = math.atan2(le[1] - re[1], le[0] - re[0])
    side = max(x1 - x0, y1 - y0) * scale
    return RotatedRect((x0 + x1) / 2, (y0 + y1) / 2, side, side, rotation)


def face_roi_from_mesh(lm: np.ndarray, scale=1.5) -> RotatedRect:
    """mediapipe face_landmarks_to_roi: ROI from the 468 landmarks (image px), rotation from the eye
    corners 33 (image-left eye, outer) and 263 (image-right eye, outer), box in the rotated frame, 1.5x."""
    p33, p263 = lm[33, :2], lm[263, :2]
    rotation = math.atan2(p263[1] - p33[1], p263[0] - p33[0])
    c, s = math.cos(rotation), math.sin(rotation)
    xy = lm[:, :2]
    # coordinates in the rotated frame
    rx = xy[:, 0] * c + xy[:, 1] * s
    ry = -xy[:, 0] * s + xy[:, 1] * c
    cxr, cyr = (rx.min() + rx.max()) / 2, (ry.min() + ry.max()) / 2
    side = max(rx.max() - rx.min(), ry.max() - ry.min()) * scale
    cx = cxr * c - cyr * s
    cy = cxr * s + cyr * c
    return RotatedRect(cx, cy, side, side, rotation)


# --------------------------------------------------------------------------------------------------
# Iris landmark model
# --------------------------------------------------------------------------------------------------

IRIS_SIZE = 64


def eye_rect(corner_a, corner_b, scale=2.3) -> RotatedRect:
    """Square eye crop centred between the two eye corners, rotated to the eye line (a -> b),
    side = scale * corner distance (mediapipe iris graph: ROI from mesh corners 33/133 or 362/263,
    scaled 2.3x)."""
    a, b = np.asarray(corner_a, float), np.asarray(corner_b, float)
    d = b - a
    rot = math.atan2(d[1], d[0])
    side = float(np.hypot(*d)) * scale
    c = (a + b) / 2
    return RotatedRect(c[0], c[1], side, side, rot)


def eye_rects_from_blazeface(det, scale=1.1):
    """Eye crops from BlazeFace keypoints (what cabin's runtime does; no face mesh needed):
    a square centred on each eye keypoint, rotated to the eye line, side = scale x the distance between
    the two eye keypoints. Returns [(name, rect, flip_x)] for the image-left eye (the subject's right eye,
    keypoint 0, fed as is) and the image-right eye (keypoint 1, mirrored horizontally because the model
    only knows the image-left eye)."""
    re, le = np.asarray(det["keypoints"][0], float), np.asarray(det["keypoints"][1], float)
    d = le - re
    rot = math.atan2(d[1], d[0])
    side = float(np.hypot(*d)) * scale
    return [
        ("image_left_eye", RotatedRect(re[0], re[1], side, side, rot), False),
        ("image_right_eye", RotatedRect(le[0], le[1], side, side, rot), True),
    ]


def eye_rect_from_contour(contour_img: np.ndarray, flip_x: bool, scale=2.3) -> RotatedRect:
    """Refined eye crop from a previous iris result (mediapipe's tracking ROI): centred between the eye
    corners (contour points 0 = outer, 8 = inner, in image px), rotated to the corner line, side =
    2.3 x the corner distance. Keep the same flip_x as the eye had."""
    outer, inner = contour_img[0, :2], contour_img[8, :2]
    return eye_rect(inner, outer, scale) if flip_x else eye_rect(outer, inner, scale)


def iris_input(img: np.ndarray, rect: RotatedRect, flip_x: bool) -> np.ndarray:
    """64x64 RGB crop, values x / 255 in [0, 1], NCHW float32 [1,3,64,64]."""
    crop = rect.crop(img, IRIS_SIZE, IRIS_SIZE, flip_x=flip_x)
    return np.ascontiguousarray((crop / 255.0).transpose(2, 0, 1)[None].astype(np.float32))


def run_iris(session, img: np.ndarray, rect: RotatedRect, flip_x: bool):
    """Returns dict with contour/iris in crop pixels (71x3, 5x3, the model's own mirrored frame for the
    right eye) and in image pixels (x, y; z scaled like x)."""
    x = iris_input(img, rect, flip_x)
    contour, iris = session.run(["output_eyes_contours_and_brows", "output_iris"], {"input_1": x})
    contour = contour.reshape(71, 3).astype(np.float64)
    iris = iris.reshape(5, 3).astype(np.float64)
    k = rect.w / IRIS_SIZE
    return {
        "crop": x,
        "contour_crop": contour,
        "iris_crop": iris,
        "contour_img": np.column_stack([rect.to_image(contour[:, :2], IRIS_SIZE, IRIS_SIZE, flip_x), contour[:, 2] * k]),
        "iris_img": np.column_stack([rect.to_image(iris[:, :2], IRIS_SIZE, IRIS_SIZE, flip_x), iris[:, 2] * k]),
    }


# Eye-contour index sets of the iris model's 71 points (see MODELS.md).
EYE_LOWER = list(range(0, 9))     # 0 = outer corner, 8 = inner corner, lower lid in between
EYE_UPPER = list(range(9, 16))    # upper lid, outer -> inner, corners excluded
EYE_OPEN_PAIRS = [(11, 3), (12, 4), (13, 5)]


def eye_openness(contour: np.ndarray) -> float:
    """Mean of the three central upper-to-lower lid distances / corner-to-corner width."""
    c = contour[:, :2]
    gaps = [np.hypot(*(c[u] - c[l])) for u, l in EYE_OPEN_PAIRS]
    return float(np.mean(gaps) / np.hypot(*(c[0] - c[8])))


# --------------------------------------------------------------------------------------------------
# Face mesh (face_landmark.tflite, run with ai-edge-litert at setup time only)
# --------------------------------------------------------------------------------------------------

MESH_SIZE = 192


def run_face_mesh(interpreter, img: np.ndarray, roi: RotatedRect):
    """468 landmarks in image pixels (x, y, z; z scaled like x, negative = towards the camera) and the
    face-presence logit. Input: 192x192 RGB crop of the rotated ROI, NHWC, values x / 255 in [0, 1]."""
    crop = roi.crop(img, MESH_SIZE, MESH_SIZE)
    x = (crop / 255.0).astype(np.float32)[None]
    inp = interpreter.get_input_details()[0]
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    outs = {d["name"]: interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()}
    lm = outs["conv2d_21"].reshape(468, 3).astype(np.float64)
    flag = float(outs["conv2d_31"].reshape(()))
    xy = roi.to_image(lm[:, :2], MESH_SIZE, MESH_SIZE)
    z = lm[:, 2] * roi.w / MESH_SIZE
    return np.column_stack([xy, z]), flag
