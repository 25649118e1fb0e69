//! A small 2.5D face renderer for tests: the real face of `astronaut.png` turned to a scripted head pose
//! and eye closure, on a dark cabin background, with optional IR-like sensor effects.
//!
//! How (the method the shared README found to work): the 468 3D face-mesh landmarks of the photo
//! (`models/face/face_mesh_reference.json`) plus rings of points around the face outline for hair and
//! neck (pushed back in depth) are triangulated (Delaunay, OpenCV `Subdiv2D`) once. A frame rotates the
//! vertices about a pivot behind the face, projects them with a pinhole camera (f = 640 px for 640x480,
//! the pipeline's default intrinsics) and textures each triangle from the photo with an affine warp,
//! far to near. Closing an eye moves the upper-lid vertices onto the lower lid, so the closure is exact.
#![allow(dead_code)]

use super::Rng;
use opencv::core::{
    Mat, Point, Point2f, Rect, Scalar, Size, Vec6f, Vector, BORDER_REFLECT_101, CV_8UC1, CV_8UC3,
};
use opencv::imgproc::{self, Subdiv2D, Subdiv2DTrait, Subdiv2DTraitConst};
use opencv::prelude::*;

/// Face-mesh eyelid indices (image-left eye = subject's right).
const LEFT_UPPER: [usize; 7] = [246, 161, 160, 159, 158, 157, 173];
const LEFT_LOWER: [usize; 7] = [7, 163, 144, 145, 153, 154, 155];
const RIGHT_UPPER: [usize; 7] = [466, 388, 387, 386, 385, 384, 398];
const RIGHT_LOWER: [usize; 7] = [249, 390, 373, 374, 380, 381, 382];

pub const WIDTH: i32 = 640;
pub const HEIGHT: i32 = 480;
const FOCAL: f32 = 640.0;
/// Depth of the pivot in front of the camera, in photo-pixel units (the face is ~93 photo px wide, so
/// it comes out ~150 px wide in the frame).
const DISTANCE: f32 = 400.0;
/// The rotation pivot lies this far behind the face surface (photo-pixel units, ~80 mm).
const PIVOT_DEPTH: f32 = 50.0;

#[derive(Clone, Copy, Debug)]
pub struct RenderParams {
    pub yaw_deg: f32,
    pub pitch_deg: f32,
    pub roll_deg: f32,
    /// Eyelid closure of the image-left / image-right eye, 0 open .. 1 closed.
    pub closure_left: f32,
    pub closure_right: f32,
    /// Multiplies the pixel values (0.25 = dark night/IR frame).
    pub gain: f32,
    /// Greyscale (monochrome IR camera look).
    pub grey: bool,
    /// Gaussian sensor noise, grey levels.
    pub noise: f32,
    pub seed: u64,
}

impl Default for RenderParams {
    fn default() -> Self {
        RenderParams {
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            roll_deg: 0.0,
            closure_left: 0.0,
            closure_right: 0.0,
            gain: 1.0,
            grey: false,
            noise: 0.0,
            seed: 1,
        }
    }
}

pub struct FaceRenderer {
    photo: Mat,
    verts: Vec<[f32; 3]>,
    tris: Vec<[usize; 3]>,
    centre: [f32; 3],
}

fn rotation(yaw: f32, pitch: f32, roll: f32) -> [[f32; 3]; 3] {
    // Same convention as the pipeline: R = R_yaw * R_pitch * R_roll, yaw positive = driver's left
    // (nose towards image right), pitch positive = up, roll positive = eye line clockwise.
    let (sy, cy) = (-yaw.to_radians()).sin_cos();
    let (sp, cp) = (-pitch.to_radians()).sin_cos();
    let (sr, cr) = roll.to_radians().sin_cos();
    let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
    let rx = [[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]];
    let rz = [[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]];
    let mul = |a: [[f32; 3]; 3], b: [[f32; 3]; 3]| {
        let mut o = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                o[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        o
    };
    mul(ry, mul(rx, rz))
}

impl FaceRenderer {
    pub fn new() -> Self {
        let photo = super::photo("astronaut.png");
        let path = cabin_bus::assets::model_path("face/face_mesh_reference.json").unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut verts: Vec<[f32; 3]> = json["landmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let a = p.as_array().unwrap();
                [
                    a[0].as_f64().unwrap() as f32,
                    a[1].as_f64().unwrap() as f32,
                    a[2].as_f64().unwrap() as f32,
                ]
            })
            .collect();
        assert_eq!(verts.len(), 468);
        let n = verts.len() as f32;
        let cx = verts.iter().map(|v| v[0]).sum::<f32>() / n;
        let cy = verts.iter().map(|v| v[1]).sum::<f32>() / n;
        // Outline radius per angular sector, then rings for hair/neck, pushed back in depth.
        const SECTORS: usize = 36;
        let mut radius = [0.0f32; SECTORS];
        for v in &verts {
            let a = (v[1] - cy).atan2(v[0] - cx);
            let s = (((a + std::f32::consts::PI) / (2.0 * std::f32::consts::PI)) * SECTORS as f32)
                as usize
                % SECTORS;
            radius[s] = radius[s].max((v[0] - cx).hypot(v[1] - cy));
        }
        for (factor, z) in [(1.12f32, 30.0f32), (1.35, 50.0), (1.7, 70.0)] {
            for (s, r) in radius.iter().enumerate() {
                let a = (s as f32 + 0.5) / SECTORS as f32 * 2.0 * std::f32::consts::PI
                    - std::f32::consts::PI;
                let x = (cx + a.cos() * r * factor).clamp(1.0, 510.0);
                let y = (cy + a.sin() * r * factor).clamp(1.0, 510.0);
                verts.push([x, y, z]);
            }
        }
        // Delaunay triangulation of the 2D positions.
        let mut sub = Subdiv2D::new(Rect::new(-10, -10, 540, 540)).unwrap();
        for v in &verts {
            sub.insert(Point2f::new(v[0], v[1])).unwrap();
        }
        let mut list: Vector<Vec6f> = Vector::new();
        sub.get_triangle_list(&mut list).unwrap();
        let find = |x: f32, y: f32| {
            verts
                .iter()
                .position(|v| (v[0] - x).abs() < 1e-3 && (v[1] - y).abs() < 1e-3)
        };
        let tris = list
            .iter()
            .filter_map(|t| Some([find(t[0], t[1])?, find(t[2], t[3])?, find(t[4], t[5])?]))
            .collect();
        FaceRenderer {
            photo,
            verts,
            tris,
            centre: [cx, cy, PIVOT_DEPTH],
        }
    }

    /// Renders a 640x480 BGR frame.
    pub fn render(&self, p: &RenderParams) -> Mat {
        let mut v = self.verts.clone();
        for (upper, lower, c) in [
            (LEFT_UPPER, LEFT_LOWER, p.closure_left),
            (RIGHT_UPPER, RIGHT_LOWER, p.closure_right),
        ] {
            let c = c.clamp(0.0, 1.0);
            for (u, l) in upper.iter().zip(lower) {
                for k in 0..3 {
                    v[*u][k] += (self.verts[l][k] - self.verts[*u][k]) * c;
                }
            }
        }
        let r = rotation(p.yaw_deg, p.pitch_deg, p.roll_deg);
        let projected: Vec<(f32, f32, f32)> = v
            .iter()
            .map(|q| {
                let d = [
                    q[0] - self.centre[0],
                    q[1] - self.centre[1],
                    q[2] - self.centre[2],
                ];
                let w: Vec<f32> = (0..3)
                    .map(|i| (0..3).map(|k| r[i][k] * d[k]).sum())
                    .collect();
                let z = DISTANCE + w[2];
                (
                    WIDTH as f32 / 2.0 + FOCAL * w[0] / z,
                    HEIGHT as f32 / 2.0 - 20.0 + FOCAL * w[1] / z,
                    z,
                )
            })
            .collect();
        // Cabin background: dark grey with a darker headrest behind the head.
        let mut frame = Mat::new_rows_cols_with_default(
            HEIGHT,
            WIDTH,
            CV_8UC3,
            Scalar::new(70.0, 68.0, 66.0, 0.0),
        )
        .unwrap();
        imgproc::ellipse(
            &mut frame,
            Point::new(WIDTH / 2 + 10, HEIGHT / 2 - 30),
            Size::new(150, 190),
            0.0,
            0.0,
            360.0,
            Scalar::new(35.0, 35.0, 38.0, 0.0),
            -1,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        let mut order: Vec<usize> = (0..self.tris.len()).collect();
        let depth = |t: &[usize; 3]| t.iter().map(|&i| projected[i].2).sum::<f32>();
        order.sort_by(|&a, &b| depth(&self.tris[b]).total_cmp(&depth(&self.tris[a])));
        for ti in order {
            let t = self.tris[ti];
            let src: Vec<Point2f> = t
                .iter()
                .map(|&i| Point2f::new(self.verts[i][0], self.verts[i][1]))
                .collect();
            let dst: Vec<Point2f> = t
                .iter()
                .map(|&i| Point2f::new(projected[i].0, projected[i].1))
                .collect();
            warp_triangle(&self.photo, &mut frame, &src, &dst);
        }
        effects(&frame, p)
    }
}

fn bounding(pts: &[Point2f]) -> (f32, f32, f32, f32) {
    let x0 = pts.iter().map(|p| p.x).fold(f32::INFINITY, f32::min);
    let y0 = pts.iter().map(|p| p.y).fold(f32::INFINITY, f32::min);
    let x1 = pts.iter().map(|p| p.x).fold(f32::NEG_INFINITY, f32::max);
    let y1 = pts.iter().map(|p| p.y).fold(f32::NEG_INFINITY, f32::max);
    (x0, y0, x1, y1)
}

/// Affine-warps the `src` triangle of `photo` onto the `dst` triangle of `frame`.
fn warp_triangle(photo: &Mat, frame: &mut Mat, src: &[Point2f], dst: &[Point2f]) {
    let (dx0, dy0, dx1, dy1) = bounding(dst);
    let area = ((dst[1].x - dst[0].x) * (dst[2].y - dst[0].y)
        - (dst[2].x - dst[0].x) * (dst[1].y - dst[0].y))
        .abs();
    if area < 0.5 {
        return;
    }
    let r = Rect::new(
        dx0.floor() as i32,
        dy0.floor() as i32,
        (dx1.ceil() - dx0.floor()) as i32 + 1,
        (dy1.ceil() - dy0.floor()) as i32 + 1,
    );
    let clip = r & Rect::new(0, 0, WIDTH, HEIGHT);
    if clip.width <= 0 || clip.height <= 0 {
        return;
    }
    let (sx0, sy0, sx1, sy1) = bounding(src);
    let sr = Rect::new(
        sx0.floor() as i32,
        sy0.floor() as i32,
        (sx1.ceil() - sx0.floor()) as i32 + 1,
        (sy1.ceil() - sy0.floor()) as i32 + 1,
    ) & Rect::new(0, 0, photo.cols(), photo.rows());
    if sr.width <= 0 || sr.height <= 0 {
        return;
    }
    let s_local: Vector<Point2f> = src
        .iter()
        .map(|p| Point2f::new(p.x - sr.x as f32, p.y - sr.y as f32))
        .collect();
    let d_local: Vector<Point2f> = dst
        .iter()
        .map(|p| Point2f::new(p.x - clip.x as f32, p.y - clip.y as f32))
        .collect();
    let m = imgproc::get_affine_transform(&s_local, &d_local).unwrap();
    let src_roi = photo.roi(sr).unwrap();
    let mut patch = Mat::default();
    imgproc::warp_affine(
        &src_roi,
        &mut patch,
        &m,
        Size::new(clip.width, clip.height),
        imgproc::INTER_LINEAR,
        BORDER_REFLECT_101,
        Scalar::all(0.0),
    )
    .unwrap();
    let mut mask = Mat::zeros(clip.height, clip.width, CV_8UC1)
        .unwrap()
        .to_mat()
        .unwrap();
    let poly: Vector<Point> = d_local
        .iter()
        .map(|p| Point::new((p.x * 16.0).round() as i32, (p.y * 16.0).round() as i32))
        .collect();
    imgproc::fill_convex_poly(&mut mask, &poly, Scalar::all(255.0), imgproc::LINE_8, 4).unwrap();
    let mut roi = frame.roi_mut(clip).unwrap();
    patch.copy_to_masked(&mut roi, &mask).unwrap();
}

/// Sensor effects: gain, monochrome, Gaussian noise.
fn effects(frame: &Mat, p: &RenderParams) -> Mat {
    let mut out = Mat::default();
    frame.convert_to(&mut out, -1, p.gain as f64, 0.0).unwrap();
    if p.grey {
        let mut g = Mat::default();
        imgproc::cvt_color_def(&out, &mut g, imgproc::COLOR_BGR2GRAY).unwrap();
        out = g;
    }
    if p.noise > 0.0 {
        let mut rng = Rng(p.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let data = out.data_bytes_mut().unwrap();
        for b in data.iter_mut() {
            let v = *b as f64 + rng.normal() * p.noise as f64;
            *b = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}
