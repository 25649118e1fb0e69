//! The textured 2.5D face: the 468 face-mesh landmarks of a real photo, rings around the face outline
//! for hair and neck, a Delaunay triangulation, vertex normals, and the eyelid vertices to move.
//!
//! Built once (the triangulation is the slow part and never changes); every frame only moves and
//! projects the vertices. The default photo is `models/face/astronaut.png`; its landmarks are
//! `models/face/face_mesh_reference.json` (made at setup by mediapipe's face-mesh model, see
//! `scripts/MODELS.md`); the other drivers are loaded by id ([`FaceModel::load_face`], `super::drivers`).
//! The mesh is rotated once so that the photo's own small roll and yaw are removed (and, for the
//! setup-made drivers, the photo's head tilt relative to the astronaut's): the pose the renderer is
//! asked for is then the pose it draws.

use crate::error::{Result, SimError};
use opencv::core::{Point2f, Rect, Vec6f, Vector};
use opencv::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// mediapipe's FACEMESH_FACE_OVAL, in order around the face.
const FACE_OVAL: [usize; 36] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/// Eyelids of the image-left eye (the driver's right eye), outer -> inner corner (scripts/MODELS.md).
const LEFT_UPPER: [usize; 7] = [246, 161, 160, 159, 158, 157, 173];
const LEFT_LOWER: [usize; 7] = [7, 163, 144, 145, 153, 154, 155];
/// The two rows of skin above the image-left upper lid (iris-model contour groups 25-31, 41-47).
const LEFT_ABOVE_1: [usize; 7] = [247, 30, 29, 27, 28, 56, 190];
const LEFT_ABOVE_2: [usize; 7] = [113, 225, 224, 223, 222, 221, 189];
/// The image-right eye.
const RIGHT_UPPER: [usize; 7] = [466, 388, 387, 386, 385, 384, 398];
const RIGHT_LOWER: [usize; 7] = [249, 390, 373, 374, 380, 381, 382];

/// Rings around the face outline: (scale from the outline's centre, depth pushed back in photo
/// pixels, opacity). The outer ring fades to transparent so the photo's studio backdrop blends into
/// the cabin.
const RINGS: [(f32, f32, f32); 3] = [(1.16, 6.0, 1.0), (1.36, 16.0, 1.0), (1.58, 28.0, 0.0)];

/// Adult interpupillary distance, for the scale of the photo.
const IPD_MM: f32 = 63.0;

/// The eyeball, for rendering eyes that move in the head. Adult eyeball radius ~12 mm, visible iris
/// diameter ~11.8 mm (horizontal visible iris diameter), pupil ~4 mm under a driver monitor's
/// illuminator; the iris plane then sits sqrt(12^2 - 5.9^2) = 10.4 mm in front of the eyeball centre.
pub const IRIS_RADIUS_MM: f32 = 5.9;
pub const PUPIL_RADIUS_MM: f32 = 2.0;
pub const IRIS_PLANE_MM: f32 = 10.4;
/// How far the iris centre stands in front of the mean depth of the lid contour, looking straight
/// ahead (the cornea bulges slightly beyond the lid margins).
const IRIS_PROUD_MM: f32 = 1.5;

/// The vertices that move when an eye closes.
#[derive(Clone, Debug)]
pub struct EyeLids {
    pub upper: [u32; 7],
    pub lower: [u32; 7],
    pub above_1: [u32; 7],
    pub above_2: [u32; 7],
}

/// Colour of an eye part, in both textures' formats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EyeColour {
    pub grey: f32,
    /// Blue, green, red.
    pub bgr: [f32; 3],
}

/// One eye's opening and eyeball.
#[derive(Clone, Debug)]
pub struct Eye {
    /// The opening, in order around it: outer corner, upper lid, inner corner, lower lid.
    pub contour: [u32; 16],
    /// Canonical position of the eyeball centre (photo pixels, like the vertices).
    pub centre: [f32; 3],
    /// The photo's own sclera and iris colours (bright and dark percentiles inside the opening).
    pub sclera: EyeColour,
    pub iris: EyeColour,
}

/// A texture: 8-bit, `channels` interleaved (1 = grey, 3 = BGR).
#[derive(Clone, Debug)]
pub struct Texture {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub data: Vec<u8>,
}

/// The face, ready to pose and render.
#[derive(Clone, Debug)]
pub struct FaceModel {
    /// Canonical positions (photo pixels) relative to the head's rotation centre; x right, y down,
    /// z away from the camera.
    pub vertices: Vec<[f32; 3]>,
    /// Texture coordinates: continuous photo pixels.
    pub uv: Vec<[f32; 2]>,
    /// Opacity per vertex.
    pub alpha: Vec<f32>,
    /// Outward unit normals (towards the viewer in the canonical pose).
    pub normals: Vec<[f32; 3]>,
    /// Triangles, counter-clockwise in the image (y down) in the canonical pose.
    pub triangles: Vec<[u32; 3]>,
    /// Vertices that stay with the torso (the lower part of the outer ring) instead of turning with the head.
    pub torso: Vec<bool>,
    /// Image-left eye and image-right eye.
    pub lids: [EyeLids; 2],
    /// The face outline's landmarks (mediapipe's FACE_OVAL order) and the first vertex of the first
    /// ring around it (same order), for drawing worn items.
    pub oval: [usize; 36],
    pub ring_start: usize,
    /// The eyeballs (image-left, image-right).
    pub eyes: [Eye; 2],
    /// Per triangle: 0 = skin (textured), 1 or 2 = inside the opening of eye 0 or 1 (drawn as eyeball).
    pub eye_of_triangle: Vec<u8>,
    /// Photo pixels to millimetres.
    pub mm_per_px: f32,
    /// Canonical position of the eye midpoint (relative to the rotation centre).
    pub eye_centre: [f32; 3],
    pub grey: Texture,
    pub bgr: Texture,
}

#[derive(serde::Deserialize)]
struct MeshFile {
    width: u32,
    height: u32,
    landmarks: Vec<[f64; 3]>,
    /// Rotation about the x axis (degrees) that aligns this face's canonical mesh with the astronaut's,
    /// found at setup (`scripts/models/drivers.py`): a group photo's head tilt is not the driver
    /// looking up or down. Absent (0) for the astronaut itself.
    #[serde(default)]
    pitch_to_reference_deg: f64,
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
pub(crate) fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
fn normalize(a: [f32; 3]) -> [f32; 3] {
    let n = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    if n > 0.0 {
        [a[0] / n, a[1] / n, a[2] / n]
    } else {
        [0.0, 0.0, -1.0]
    }
}

impl FaceModel {
    /// Loads the reference mesh and photo from the models directory (`models/face/`).
    pub fn load_default() -> Result<FaceModel> {
        FaceModel::load_face(super::drivers::DEFAULT_FACE)
    }

    /// Loads the driver a scenario names (`[driver] face`): `astronaut` or a setup-made driver's id.
    pub fn load_face(id: &str) -> Result<FaceModel> {
        let (mesh, photo) = super::drivers::face_files(id)?;
        FaceModel::load(&mesh, &photo)
    }

    pub fn load(mesh_path: &Path, photo_path: &Path) -> Result<FaceModel> {
        let text = std::fs::read_to_string(mesh_path).map_err(|e| SimError::io(mesh_path, e))?;
        let mesh: MeshFile = serde_json::from_str(&text)
            .map_err(|e| SimError::Camera(format!("{}: {e}", mesh_path.display())))?;
        if mesh.landmarks.len() != 468 {
            return Err(SimError::Camera(format!(
                "{}: expected 468 landmarks, found {}",
                mesh_path.display(),
                mesh.landmarks.len()
            )));
        }
        if mesh
            .landmarks
            .iter()
            .any(|p| p.iter().any(|v| !v.is_finite()))
        {
            return Err(SimError::Camera(format!(
                "{}: non-finite landmark",
                mesh_path.display()
            )));
        }
        let (grey, bgr) = load_textures(photo_path)?;
        if grey.width != mesh.width as usize || grey.height != mesh.height as usize {
            return Err(SimError::Camera(format!(
                "{} is {}x{} but the mesh was made on a {}x{} image",
                photo_path.display(),
                grey.width,
                grey.height,
                mesh.width,
                mesh.height
            )));
        }
        if !mesh.pitch_to_reference_deg.is_finite() || mesh.pitch_to_reference_deg.abs() > 45.0 {
            return Err(SimError::Camera(format!(
                "{}: pitch_to_reference_deg {} outside +-45",
                mesh_path.display(),
                mesh.pitch_to_reference_deg
            )));
        }
        build(
            &mesh.landmarks,
            mesh.pitch_to_reference_deg as f32,
            grey,
            bgr,
        )
    }
}

/// A PNG without its iCCP (colour profile) chunks: scikit-image's astronaut.png carries a profile
/// libpng warns about on stderr every time it is read; the pixels do not depend on it.
fn without_icc_profile(bytes: &[u8]) -> Vec<u8> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIGNATURE) {
        return bytes.to_vec();
    }
    let mut out = SIGNATURE.to_vec();
    let mut pos = SIGNATURE.len();
    while pos + 12 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]])
            as usize;
        let end = pos.saturating_add(12).saturating_add(len).min(bytes.len());
        if &bytes[pos + 4..pos + 8] != b"iCCP" {
            out.extend_from_slice(&bytes[pos..end]);
        }
        pos = end;
    }
    out
}

fn load_textures(path: &Path) -> Result<(Texture, Texture)> {
    let raw = std::fs::read(path).map_err(|e| SimError::io(path, e))?;
    let buf: opencv::core::Vector<u8> = without_icc_profile(&raw).into_iter().collect();
    let img = opencv::imgcodecs::imdecode(&buf, opencv::imgcodecs::IMREAD_COLOR)?;
    if img.empty() {
        return Err(SimError::Camera(format!(
            "cannot read the photo {}",
            path.display()
        )));
    }
    let (w, h) = (img.cols() as usize, img.rows() as usize);
    let bytes = img.data_bytes()?.to_vec();
    if bytes.len() != w * h * 3 {
        return Err(SimError::Camera(format!(
            "{}: unexpected image layout",
            path.display()
        )));
    }
    // Near-infrared look: skin reflects NIR strongly and evenly, so the red channel dominates.
    let grey: Vec<u8> = bytes
        .chunks_exact(3)
        .map(|p| (0.1 * p[0] as f32 + 0.3 * p[1] as f32 + 0.6 * p[2] as f32).round() as u8)
        .collect();
    Ok((
        Texture {
            width: w,
            height: h,
            channels: 1,
            data: grey,
        },
        Texture {
            width: w,
            height: h,
            channels: 3,
            data: bytes,
        },
    ))
}

fn build(lm: &[[f64; 3]], pitch_deg: f32, grey: Texture, bgr: Texture) -> Result<FaceModel> {
    let p = |i: usize| [lm[i][0] as f32, lm[i][1] as f32, lm[i][2] as f32];
    // Photo-space positions (x, y photo pixels; z depth in the same scale), landmarks then rings.
    let mut photo: Vec<[f32; 3]> = (0..lm.len()).map(p).collect();
    let mut alpha = vec![1.0f32; lm.len()];
    let mut torso = vec![false; lm.len()];
    let oval: Vec<[f32; 3]> = FACE_OVAL.iter().map(|&i| p(i)).collect();
    let n = oval.len() as f32;
    let c = [
        oval.iter().map(|q| q[0]).sum::<f32>() / n,
        oval.iter().map(|q| q[1]).sum::<f32>() / n,
    ];
    let chin_y = p(152)[1];
    let eye_y = (p(33)[1] + p(263)[1]) / 2.0;
    let mut uv: Vec<[f32; 2]> = photo.iter().map(|q| [q[0], q[1]]).collect();
    for (k, &(scale, dz, a)) in RINGS.iter().enumerate() {
        let first = photo.len();
        for q in &oval {
            // 1 above the eyes (hair), 0 below (jaw, neck), blended over 20 px.
            let up = crate::scenario::smoothstep(((eye_y + 10.0 - q[1]) / 20.0) as f64) as f32;
            let (ox, oy) = (q[0] - c[0], q[1] - c[1]);
            // Below the eyes the rings hug the jaw: the neck is narrower than the hair.
            let s = 1.0 + (scale - 1.0) * (up + (1.0 - up) * 0.3);
            let pos = [c[0] + ox * s, c[1] + oy * s, q[2] + dz];
            photo.push(pos);
            // Above the eyes: the photo around the face (hair), its plain backdrop faded out. Below:
            // the photo shows backdrop beside the jaw, so the face's own edge (sampled just inside
            // the outline) continues as a thin rim that fades out.
            let len = (ox * ox + oy * oy).sqrt().max(1e-3);
            let inset = 2.0 + k as f32;
            let inner = [q[0] - ox / len * inset, q[1] - oy / len * inset];
            uv.push([
                up * pos[0] + (1.0 - up) * inner[0],
                up * pos[1] + (1.0 - up) * inner[1],
            ]);
            let hair = a * (1.0 - backdrop_fraction(&bgr, pos[0], pos[1]));
            let rim = [0.9, 0.0, 0.0][k.min(2)];
            alpha.push(up * hair + (1.0 - up) * rim);
            // The outer ring below the chin belongs to the neck/shoulders: it does not turn.
            torso.push(k == RINGS.len() - 1 && q[1] > chin_y - 10.0);
        }
        // Smooth the opacity along the ring so the hair edge has no saw teeth.
        let ring: Vec<f32> = alpha[first..].to_vec();
        let m = ring.len();
        for j in 0..m {
            alpha[first + j] = (ring[(j + m - 1) % m] + 2.0 * ring[j] + ring[(j + 1) % m]) / 4.0;
        }
    }

    // Canonical pose: remove the photo's roll (eye-corner line), then its yaw (the nose tip centred
    // between the eyes: mediapipe's depths alone left this face turned by ~4 degrees).
    let (l33, l263) = (p(33), p(263));
    let roll = (l263[1] - l33[1]).atan2(l263[0] - l33[0]);
    let centre = [c[0], c[1], oval.iter().map(|q| q[2]).sum::<f32>() / n];
    let (cr, sr) = (roll.cos(), roll.sin());
    let unroll = |q: [f32; 3]| -> [f32; 3] {
        let (x, y, z) = (q[0] - centre[0], q[1] - centre[1], q[2] - centre[2]);
        [x * cr + y * sr, -x * sr + y * cr, z]
    };
    let mean = |ids: &[usize]| {
        let v: Vec<[f32; 3]> = ids.iter().map(|&i| unroll(p(i))).collect();
        let k = v.len() as f32;
        [
            v.iter().map(|a| a[0]).sum::<f32>() / k,
            v.iter().map(|a| a[1]).sum::<f32>() / k,
            v.iter().map(|a| a[2]).sum::<f32>() / k,
        ]
    };
    let eyes = mean(&[33, 133, 263, 362]);
    let nose = unroll(p(1));
    let yaw = ((nose[0] - eyes[0]) / (nose[2] - eyes[2]).min(-1.0)).atan();
    let (cy, sy) = (yaw.cos(), yaw.sin());
    let (cp, sp) = (pitch_deg.to_radians().cos(), pitch_deg.to_radians().sin());
    let canon = |q: [f32; 3]| -> [f32; 3] {
        let [x, y, z] = unroll(q);
        let (x, z) = (x * cy - z * sy, x * sy + z * cy);
        if pitch_deg == 0.0 {
            // The astronaut: no tilt to remove (and its frames stay bit-identical).
            return [x, y, z];
        }
        [x, y * cp - z * sp, y * sp + z * cp]
    };
    let mut canonical: Vec<[f32; 3]> = photo.iter().map(|&q| canon(q)).collect();
    let eye_l = canon([
        (l33[0] + p(133)[0]) / 2.0,
        (l33[1] + p(133)[1]) / 2.0,
        (l33[2] + p(133)[2]) / 2.0,
    ]);
    let eye_r = canon([
        (l263[0] + p(362)[0]) / 2.0,
        (l263[1] + p(362)[1]) / 2.0,
        (l263[2] + p(362)[2]) / 2.0,
    ]);
    let ipd_px = ((eye_r[0] - eye_l[0]).powi(2) + (eye_r[1] - eye_l[1]).powi(2)).sqrt();
    if ipd_px < 5.0 {
        return Err(SimError::Camera("eye landmarks are degenerate".into()));
    }
    let mm_per_px = IPD_MM / ipd_px;
    // Rotation centre: between the ears, a little below eye level, ~10 cm behind the eyes.
    let eye_mid = [
        (eye_l[0] + eye_r[0]) / 2.0,
        (eye_l[1] + eye_r[1]) / 2.0,
        (eye_l[2] + eye_r[2]) / 2.0,
    ];
    let pivot = [
        eye_mid[0],
        eye_mid[1] + 12.0 / mm_per_px,
        eye_mid[2] + 95.0 / mm_per_px,
    ];
    for v in canonical.iter_mut() {
        *v = sub(*v, pivot);
    }
    let eye_centre = sub(eye_mid, pivot);

    let triangles = triangulate(&photo, &alpha)?;
    let normals = vertex_normals(&canonical, &triangles);

    let ids = |a: &[usize; 7]| a.map(|i| i as u32);
    let left = EyeLids {
        upper: ids(&LEFT_UPPER),
        lower: ids(&LEFT_LOWER),
        above_1: ids(&LEFT_ABOVE_1),
        above_2: ids(&LEFT_ABOVE_2),
    };
    // The rows above the image-right eye: the mirror images of the image-left rows.
    let mirror = |i: u32| mirror_vertex(&canonical[..lm.len()], i as usize) as u32;
    let right = EyeLids {
        upper: ids(&RIGHT_UPPER),
        lower: ids(&RIGHT_LOWER),
        above_1: left.above_1.map(mirror),
        above_2: left.above_2.map(mirror),
    };
    let contour = |outer: usize, upper: &[usize; 7], inner: usize, lower: &[usize; 7]| {
        let mut c = [0u32; 16];
        c[0] = outer as u32;
        for k in 0..7 {
            c[1 + k] = upper[k] as u32;
            c[9 + k] = lower[6 - k] as u32;
        }
        c[8] = inner as u32;
        c
    };
    let contours = [
        contour(33, &LEFT_UPPER, 133, &LEFT_LOWER),
        contour(263, &RIGHT_UPPER, 362, &RIGHT_LOWER),
    ];
    let eyes = contours.map(|c| eye(&c, &canonical, &photo, mm_per_px, &grey, &bgr));
    let eye_of_triangle = triangles
        .iter()
        .map(|t| {
            for (k, c) in contours.iter().enumerate() {
                if t.iter().all(|i| c.contains(i)) {
                    let centroid = [
                        t.iter().map(|&i| photo[i as usize][0]).sum::<f32>() / 3.0,
                        t.iter().map(|&i| photo[i as usize][1]).sum::<f32>() / 3.0,
                    ];
                    let poly: Vec<[f32; 2]> = c
                        .iter()
                        .map(|&i| [photo[i as usize][0], photo[i as usize][1]])
                        .collect();
                    if inside_polygon(&poly, centroid) {
                        return k as u8 + 1;
                    }
                }
            }
            0
        })
        .collect();
    Ok(FaceModel {
        oval: FACE_OVAL,
        ring_start: lm.len(),
        eyes,
        eye_of_triangle,
        vertices: canonical,
        uv,
        alpha,
        normals,
        triangles,
        torso,
        lids: [left, right],
        mm_per_px,
        eye_centre,
        grey,
        bgr,
    })
}

/// Even-odd test of a point against a closed polygon.
pub(crate) fn inside_polygon(poly: &[[f32; 2]], q: [f32; 2]) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + 1) % n]);
        if (a[1] > q[1]) != (b[1] > q[1]) {
            let x = a[0] + (q[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if q[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// An eye's eyeball (behind the lid contour's mean depth) and the photo's sclera and iris colours.
fn eye(
    contour: &[u32; 16],
    canonical: &[[f32; 3]],
    photo: &[[f32; 3]],
    mm_per_px: f32,
    grey: &Texture,
    bgr: &Texture,
) -> Eye {
    let n = contour.len() as f32;
    let mean = |k: usize| {
        contour
            .iter()
            .map(|&i| canonical[i as usize][k])
            .sum::<f32>()
            / n
    };
    // Corners' midpoint across, lid contour's mean height and depth.
    let (a, b) = (
        canonical[contour[0] as usize],
        canonical[contour[8] as usize],
    );
    let centre = [
        (a[0] + b[0]) / 2.0,
        mean(1),
        mean(2) + (IRIS_PLANE_MM - IRIS_PROUD_MM) / mm_per_px,
    ];
    let poly: Vec<[f32; 2]> = contour
        .iter()
        .map(|&i| [photo[i as usize][0], photo[i as usize][1]])
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for q in &poly {
        x0 = x0.min(q[0]);
        y0 = y0.min(q[1]);
        x1 = x1.max(q[0]);
        y1 = y1.max(q[1]);
    }
    let mut px: Vec<(u8, [u8; 3])> = Vec::new();
    for y in (y0.floor().max(0.0) as usize)..(y1.ceil() as usize).min(grey.height) {
        for x in (x0.floor().max(0.0) as usize)..(x1.ceil() as usize).min(grey.width) {
            if inside_polygon(&poly, [x as f32 + 0.5, y as f32 + 0.5]) {
                let o = y * grey.width + x;
                px.push((
                    grey.data[o],
                    [bgr.data[3 * o], bgr.data[3 * o + 1], bgr.data[3 * o + 2]],
                ));
            }
        }
    }
    px.sort_by_key(|p| p.0);
    // Mean of a percentile band of the opening's pixels, sorted by brightness.
    let band = |lo: f32, hi: f32, fallback: f32| {
        let m = px.len();
        let (s, e) = ((lo * m as f32) as usize, ((hi * m as f32) as usize).min(m));
        if e <= s {
            return EyeColour {
                grey: fallback,
                bgr: [fallback; 3],
            };
        }
        let k = (e - s) as f32;
        let sel = &px[s..e];
        EyeColour {
            grey: sel.iter().map(|p| p.0 as f32).sum::<f32>() / k,
            bgr: std::array::from_fn(|c| sel.iter().map(|p| p.1[c] as f32).sum::<f32>() / k),
        }
    };
    Eye {
        contour: *contour,
        centre,
        sclera: band(0.75, 0.95, 170.0),
        iris: band(0.05, 0.3, 60.0),
    }
}

/// The fraction of a 9x9 neighbourhood of the photo that looks like a plain studio backdrop
/// (bright and unsaturated: hair, skin and clothing are not).
fn backdrop_fraction(bgr: &Texture, x: f32, y: f32) -> f32 {
    let (cx, cy) = (x as i64, y as i64);
    let mut n = 0;
    let mut hits = 0;
    for yy in cy - 4..=cy + 4 {
        for xx in cx - 4..=cx + 4 {
            if xx < 0 || yy < 0 || xx >= bgr.width as i64 || yy >= bgr.height as i64 {
                continue;
            }
            let o = (yy as usize * bgr.width + xx as usize) * 3;
            let px = &bgr.data[o..o + 3];
            let max = px.iter().copied().max().unwrap_or(0) as f32;
            let min = px.iter().copied().min().unwrap_or(0) as f32;
            let saturation = if max > 0.0 { (max - min) / max } else { 0.0 };
            n += 1;
            if max > 150.0 && saturation < 0.14 {
                hits += 1;
            }
        }
    }
    if n == 0 {
        1.0
    } else {
        hits as f32 / n as f32
    }
}

/// The landmark closest to the mirror image of landmark `i` across the face's vertical midline.
pub(crate) fn mirror_vertex(v: &[[f32; 3]], i: usize) -> usize {
    let mid_x = (v[33][0] + v[263][0]) / 2.0;
    let target = [2.0 * mid_x - v[i][0], v[i][1], v[i][2]];
    (0..v.len())
        .min_by(|&a, &b| {
            let d = |k: usize| {
                let e = sub(v[k], target);
                e[0] * e[0] + e[1] * e[1] + e[2] * e[2]
            };
            d(a).total_cmp(&d(b))
        })
        .unwrap_or(i)
}

/// Delaunay triangulation (OpenCV Subdiv2D) of the photo-space points; triangles made only of fully
/// transparent vertices are dropped, the rest made counter-clockwise.
fn triangulate(points: &[[f32; 3]], alpha: &[f32]) -> Result<Vec<[u32; 3]>> {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for q in points {
        x0 = x0.min(q[0]);
        y0 = y0.min(q[1]);
        x1 = x1.max(q[0]);
        y1 = y1.max(q[1]);
    }
    let rect = Rect::new(
        x0.floor() as i32 - 2,
        y0.floor() as i32 - 2,
        (x1 - x0).ceil() as i32 + 5,
        (y1 - y0).ceil() as i32 + 5,
    );
    let mut subdiv = opencv::imgproc::Subdiv2D::new(rect)?;
    let key = |x: f32, y: f32| (x.to_bits(), y.to_bits());
    let mut index: HashMap<(u32, u32), u32> = HashMap::new();
    for (i, q) in points.iter().enumerate() {
        subdiv.insert(Point2f::new(q[0], q[1]))?;
        index.entry(key(q[0], q[1])).or_insert(i as u32);
    }
    let mut list: Vector<Vec6f> = Vector::new();
    subdiv.get_triangle_list(&mut list)?;
    let mut tris = Vec::with_capacity(list.len());
    for t in list.iter() {
        let corners = [(t[0], t[1]), (t[2], t[3]), (t[4], t[5])];
        let Some(ids) = corners
            .iter()
            .map(|&(x, y)| index.get(&key(x, y)).copied())
            .collect::<Option<Vec<u32>>>()
        else {
            continue; // touches Subdiv2D's virtual outer vertices
        };
        let mut tri = [ids[0], ids[1], ids[2]];
        if tri.iter().all(|&i| alpha[i as usize] <= 0.0) {
            continue;
        }
        let (a, b, c) = (
            points[tri[0] as usize],
            points[tri[1] as usize],
            points[tri[2] as usize],
        );
        let area = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
        if area.abs() < 1e-6 {
            continue;
        }
        if area < 0.0 {
            tri.swap(1, 2);
        }
        tris.push(tri);
    }
    if tris.len() < 500 {
        return Err(SimError::Camera(format!(
            "triangulation gave only {} triangles",
            tris.len()
        )));
    }
    Ok(tris)
}

fn vertex_normals(v: &[[f32; 3]], tris: &[[u32; 3]]) -> Vec<[f32; 3]> {
    let mut acc = vec![[0.0f32; 3]; v.len()];
    for t in tris {
        let (a, b, c) = (v[t[0] as usize], v[t[1] as usize], v[t[2] as usize]);
        // Counter-clockwise in the image (y down) gives +z (away from the viewer): flip it.
        let n = cross(sub(b, a), sub(c, a));
        for &i in t {
            let s = &mut acc[i as usize];
            s[0] -= n[0];
            s[1] -= n[1];
            s[2] -= n[2];
        }
    }
    acc.into_iter().map(normalize).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_builds_and_mirrors_the_eyes() {
        let Ok(m) = FaceModel::load_default() else {
            panic!("models/face is missing: run scripts/setup.sh");
        };
        assert!(m.triangles.len() > 800, "{}", m.triangles.len());
        // The mirror of the image-left lid centre (159) is the image-right lid centre (386).
        assert_eq!(mirror_vertex(&m.vertices[..468], 159), 386);
        assert_eq!(mirror_vertex(&m.vertices[..468], 145), 374);
        // Roughly 1.4-1.6 mm per photo pixel on this photo.
        assert!((1.2..1.8).contains(&m.mm_per_px), "{}", m.mm_per_px);
        // The nose tip faces the viewer.
        assert!(m.normals[1][2] < -0.5, "{:?}", m.normals[1]);
    }
    /// Every driver made at setup from a real photo loads and gives a sane mesh (cabin issue 11.3).
    #[test]
    fn every_driver_face_builds() {
        let ids =
            super::super::drivers::face_ids().expect("models/face/drivers (scripts/setup.sh)");
        assert!(ids.len() >= 7, "{ids:?}");
        for id in ids {
            let m = FaceModel::load_face(&id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(m.triangles.len() > 800, "{id}: {}", m.triangles.len());
            assert!((0.5..3.0).contains(&m.mm_per_px), "{id}: {}", m.mm_per_px);
            assert!(
                m.normals[1][2] < -0.5,
                "{id}: nose normal {:?}",
                m.normals[1]
            );
        }
    }
}
