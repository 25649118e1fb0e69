//! The synthetic driver camera: the scripted driver state rendered into real pixels.
//!
//! Per frame: light the cabin background, close the eyelids by moving the upper-lid vertices onto the
//! lower lid (and the skin above part of the way), rotate the face mesh by the scripted yaw, pitch and
//! roll about a centre behind the eyes, project it with a pinhole camera, shade each vertex by the
//! camera's illuminator and the sun, draw the triangles far to near, then blur (optics), apply the
//! auto-exposure gain and sensor noise, and clip. Every input is a function of the frame's time and
//! number, so frame n is the same whichever thread renders it, in whatever order.

use super::background::Background;
use super::lighting::{FrameLight, Lighting};
use super::mesh::{self, FaceModel, Texture};
use super::phone::PhonePart;
use super::raster::{self, EyeBall, Target, Tri};
use super::sensor::{self, Sensor};
use crate::error::Result;
use crate::scenario::{CameraColor, CameraSpec, DriverPose, HeldPhone};
use cabin_bus::messages::PixelFormat;

/// A rendered frame (rows of `width * channels` bytes, no padding).
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Where the eyes appear in the frame, as a fraction of width and height.
const EYES_AT: (f32, f32) = (0.5, 0.42);

pub struct SyntheticCamera {
    model: FaceModel,
    background: Background,
    sensor: Sensor,
    lighting: Lighting,
    width: usize,
    height: usize,
    channels: usize,
    noise: f32,
    blur_sigma: f64,
    focal_px: f32,
    /// World position (mm) of the head's rotation centre.
    centre_mm: [f32; 3],
    scene: Vec<u8>,
    blurred: Vec<u8>,
    grey: Vec<u8>,
    posed: Vec<[f32; 3]>,
    projected: Vec<[f32; 2]>,
    depth: Vec<f32>,
    shade: Vec<f32>,
    order: Vec<(f32, u32)>,
}

fn rotate(
    v: [f32; 3],
    (cy, sy): (f32, f32),
    (cp, sp): (f32, f32),
    (cr, sr): (f32, f32),
) -> [f32; 3] {
    // roll (image plane), then pitch (about x), then yaw (about the vertical axis)
    let (x, y, z) = (v[0] * cr - v[1] * sr, v[0] * sr + v[1] * cr, v[2]);
    let (y, z) = (y * cp + z * sp, -y * sp + z * cp);
    let (x, z) = (x * cy - z * sy, x * sy + z * cy);
    [x, y, z]
}

/// Upper-lid travel from the eyes' pitch, as a closure (negative = lifted): the lid margin follows the
/// eye at roughly 1 deg per deg downwards (lid-eye coordination, Becker & Fuchs 1988, Exp Brain Res
/// 69), which on a ~10 mm opening and a 12 mm eyeball is about 1/3 of the opening at 25 deg down.
fn lid_follow(eye_pitch_deg: f64) -> f32 {
    ((-eye_pitch_deg / 25.0 * 0.33) as f32).clamp(-0.15, 0.4)
}

/// The head's displacement in camera millimetres (x right in the image, z away from the camera): a
/// lean towards the driver's left moves the face to the image's right (the camera faces the driver).
fn lean_mm(pose: &DriverPose) -> [f32; 2] {
    [pose.lean_x_mm as f32, -pose.lean_fwd_mm as f32]
}

impl SyntheticCamera {
    /// Builds the camera (loads the face mesh and photo from `models/face/`).
    pub fn new(spec: &CameraSpec, lighting: Lighting, seed: u64) -> Result<SyntheticCamera> {
        let model = FaceModel::load_default()?;
        SyntheticCamera::with_model(model, spec, lighting, seed)
    }

    pub fn with_model(
        model: FaceModel,
        spec: &CameraSpec,
        lighting: Lighting,
        seed: u64,
    ) -> Result<SyntheticCamera> {
        let (width, height) = (spec.width as usize, spec.height as usize);
        let channels = match spec.color {
            CameraColor::Ir => 1,
            CameraColor::Rgb => 3,
        };
        let focal_px = (width as f32 / 2.0) / (spec.fov_deg as f32 / 2.0).to_radians().tan();
        let mm = model.mm_per_px;
        let e = model.eye_centre;
        let eye_dist_mm = spec.head_distance_m as f32 * 1000.0;
        let z = eye_dist_mm - e[2] * mm;
        let x = (EYES_AT.0 - 0.5) * width as f32 * eye_dist_mm / focal_px - e[0] * mm;
        let y = (EYES_AT.1 - 0.5) * height as f32 * eye_dist_mm / focal_px - e[1] * mm;
        let n = model.vertices.len();
        Ok(SyntheticCamera {
            background: Background::new(width, height, seed)?,
            sensor: Sensor::new(seed),
            lighting,
            width,
            height,
            channels,
            noise: spec.noise as f32,
            blur_sigma: spec.blur_sigma,
            focal_px,
            centre_mm: [x, y, z],
            scene: vec![0; width * height * channels],
            blurred: vec![0; width * height * channels],
            grey: vec![0; width * height],
            posed: vec![[0.0; 3]; n],
            projected: vec![[0.0; 2]; n],
            depth: vec![0.0; n],
            shade: vec![0.0; n],
            order: Vec::with_capacity(model.triangles.len()),
            model,
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }
    pub fn height(&self) -> usize {
        self.height
    }

    /// Renders frame number `frame` at scenario time `t` showing `pose`.
    pub fn render(&mut self, frame: u64, t: f64, pose: &DriverPose) -> Frame {
        let light = self.lighting.at(t);
        let mut gain = light.gain;
        if pose.camera_blocked {
            self.blocked_scene();
            gain = 6.0; // auto-exposure opens fully on a black image
        } else {
            self.background
                .compose(&light, pose.in_view, &mut self.grey);
            if self.channels == 1 {
                self.scene.copy_from_slice(&self.grey);
            } else {
                for (px, &g) in self.scene.chunks_exact_mut(3).zip(&self.grey) {
                    // a slightly warm cabin
                    px[0] = (g as f32 * 0.92) as u8;
                    px[1] = g;
                    px[2] = (g as f32 * 1.06).min(255.0) as u8;
                }
            }
            if pose.in_view {
                self.draw_face(pose, &light);
            }
            if let Some(phone) = &pose.phone {
                // Nearer the camera than the face (phone.rs): drawn over it.
                let parts = self.phone_parts_of(phone);
                let m = &self.model;
                let tex = if self.channels == 1 { &m.grey } else { &m.bgr };
                let skin = super::phone::skin_tone(tex, &m.uv);
                let eye_distance = self.eyes_mm()[2];
                let mut target = Target {
                    data: &mut self.scene,
                    width: self.width,
                    height: self.height,
                    channels: self.channels,
                };
                super::phone::draw(&mut target, &parts, &light, skin, eye_distance);
            }
        }
        let (w, h, c) = (self.width, self.height, self.channels);
        if sensor::blur(&self.scene, &mut self.blurred, w, h, c, self.blur_sigma).is_err() {
            // OpenCV refused the buffers (cannot happen with the sizes checked at construction):
            // fall back to the unblurred image rather than fail the frame.
            self.blurred.copy_from_slice(&self.scene);
        }
        let sigma = self.noise * gain.max(1.0).powf(0.75);
        let mut data = vec![0u8; w * h * c];
        self.sensor
            .expose(&self.blurred, &mut data, gain, sigma, frame);
        Frame {
            format: if c == 1 {
                PixelFormat::Gray8
            } else {
                PixelFormat::Bgr8
            },
            width: w as u32,
            height: h as u32,
            data,
        }
    }

    /// The driver's eye midpoint sitting still (camera millimetres).
    fn eyes_mm(&self) -> [f32; 3] {
        let (e, mm) = (self.model.eye_centre, self.model.mm_per_px);
        [
            self.centre_mm[0] + e[0] * mm,
            self.centre_mm[1] + e[1] * mm,
            self.centre_mm[2] + e[2] * mm,
        ]
    }

    fn phone_parts_of(&self, phone: &HeldPhone) -> Vec<PhonePart> {
        let view = super::phone::View {
            focal_px: self.focal_px,
            centre_px: [self.width as f32 / 2.0, self.height as f32 / 2.0],
            eyes_mm: self.eyes_mm(),
        };
        super::phone::parts(phone, &view)
    }

    /// The phone and hand parts `pose` shows, projected into the frame, in drawing order (empty
    /// without a phone): where [`SyntheticCamera::render`] draws them.
    pub fn phone_parts(&self, pose: &DriverPose) -> Vec<PhonePart> {
        pose.phone
            .as_ref()
            .map(|p| self.phone_parts_of(p))
            .unwrap_or_default()
    }

    /// Eye `k` (0 = image-left) as it appears in this frame: eyeball centre turned with the head, the
    /// iris disc turned by head and eye-in-head angles, projected to an ellipse.
    fn eyeball(
        &self,
        k: usize,
        pose: &DriverPose,
        head: ((f32, f32), (f32, f32), (f32, f32)),
    ) -> EyeBall {
        let m = &self.model;
        let e = &m.eyes[k];
        let mm = m.mm_per_px;
        let sc = |deg: f64| {
            let r = (deg as f32).to_radians();
            (r.cos(), r.sin())
        };
        let (ry, rp, rr) = head;
        let in_head = rotate(
            [0.0, 0.0, -1.0],
            sc(pose.eye_yaw_deg),
            sc(pose.eye_pitch_deg),
            (1.0, 0.0),
        );
        let dir = rotate(in_head, ry, rp, rr);
        let c = rotate(e.centre, ry, rp, rr);
        let lean = lean_mm(pose);
        let plane = mesh::IRIS_PLANE_MM;
        let w = [
            self.centre_mm[0] + lean[0] + c[0] * mm + dir[0] * plane,
            self.centre_mm[1] + c[1] * mm + dir[1] * plane,
            (self.centre_mm[2] + lean[1] + c[2] * mm + dir[2] * plane).max(1.0),
        ];
        let f = self.focal_px;
        let (cx, cy) = (self.width as f32 / 2.0, self.height as f32 / 2.0);
        let centre = [cx + f * w[0] / w[2], cy + f * w[1] / w[2]];
        // Foreshortening: the cosine between the disc's normal and the line of sight.
        let norm = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
        let cos = (-(dir[0] * w[0] + dir[1] * w[1] + dir[2] * w[2]) / norm).clamp(0.0, 1.0);
        let len = (dir[0] * dir[0] + dir[1] * dir[1]).sqrt();
        let axis = if len > 1e-4 {
            [dir[0] / len, dir[1] / len]
        } else {
            [1.0, 0.0]
        };
        let r = f * mesh::IRIS_RADIUS_MM / w[2];
        let pick = |c: &mesh::EyeColour| -> [f32; 3] {
            if self.channels == 1 {
                [c.grey; 3]
            } else {
                c.bgr
            }
        };
        let iris = pick(&e.iris);
        EyeBall {
            centre,
            axis,
            radius: [r, r * cos],
            pupil: mesh::PUPIL_RADIUS_MM / mesh::IRIS_RADIUS_MM,
            sclera: pick(&e.sclera),
            iris,
            pupil_colour: iris.map(|v| v * 0.3),
        }
    }

    /// A hand or cover right in front of the lens: nearly black, a faint gradient.
    fn blocked_scene(&mut self) {
        let (w, h, c) = (self.width, self.height, self.channels);
        for y in 0..h {
            let v = 1 + (2 * y / h) as u8;
            self.scene[y * w * c..(y + 1) * w * c].fill(v);
        }
    }

    fn draw_face(&mut self, pose: &DriverPose, light: &FrameLight) {
        let m = &self.model;
        self.posed.copy_from_slice(&m.vertices);
        // Eyelids: index 0 is the image-left eye = the driver's right eye.
        let closures = [pose.right_eye_closure, pose.left_eye_closure];
        let follow = lid_follow(pose.eye_pitch_deg);
        for (lids, &c) in m.lids.iter().zip(&closures) {
            let c = c.clamp(0.0, 1.0) as f32;
            // The upper lid rides on the eye: it drops when the eye looks down, lifts when it looks up.
            let c = c + follow * (1.0 - c);
            if c == 0.0 {
                continue;
            }
            for k in 0..7 {
                let (u, l) = (lids.upper[k] as usize, lids.lower[k] as usize);
                let d = [
                    m.vertices[l][0] - m.vertices[u][0],
                    m.vertices[l][1] - m.vertices[u][1],
                    m.vertices[l][2] - m.vertices[u][2],
                ];
                for (idx, f) in [
                    (u, 1.0),
                    (lids.above_1[k] as usize, 0.45),
                    (lids.above_2[k] as usize, 0.15),
                ] {
                    for (p, dj) in self.posed[idx].iter_mut().zip(d) {
                        *p += c * f * dj;
                    }
                }
            }
        }
        let sc = |deg: f64| {
            let r = (deg as f32).to_radians();
            (r.cos(), r.sin())
        };
        let (ry, rp, rr) = (sc(pose.yaw_deg), sc(pose.pitch_deg), sc(pose.roll_deg));
        let mm = m.mm_per_px;
        let (cx, cy) = (self.width as f32 / 2.0, self.height as f32 / 2.0);
        let f = self.focal_px;
        let sun = light.sun_dir;
        let lean = lean_mm(pose);
        for i in 0..self.posed.len() {
            let (v, n) = if m.torso[i] {
                (self.posed[i], m.normals[i])
            } else {
                (
                    rotate(self.posed[i], ry, rp, rr),
                    rotate(m.normals[i], ry, rp, rr),
                )
            };
            let wx = self.centre_mm[0] + lean[0] + v[0] * mm;
            let wy = self.centre_mm[1] + v[1] * mm;
            let wz = (self.centre_mm[2] + lean[1] + v[2] * mm).max(1.0);
            self.projected[i] = [cx + f * wx / wz, cy + f * wy / wz];
            self.depth[i] = wz;
            let inv = 1.0 / (wx * wx + wy * wy + wz * wz).sqrt();
            let to_cam = [-wx * inv, -wy * inv, -wz * inv];
            let lam_ir = (n[0] * to_cam[0] + n[1] * to_cam[1] + n[2] * to_cam[2]).max(0.0);
            let lam_sun = (n[0] * sun[0] + n[1] * sun[1] + n[2] * sun[2]).max(0.0);
            self.shade[i] = light.ir * (0.35 + 0.65 * lam_ir) + light.sun * (0.25 + 0.75 * lam_sun);
        }
        let eyeballs = [0, 1].map(|k| self.eyeball(k, pose, (ry, rp, rr)));
        let worn = pose.worn;
        // Visible triangles, far to near.
        self.order.clear();
        for (k, t) in m.triangles.iter().enumerate() {
            let [a, b, c] = t.map(|i| self.projected[i as usize]);
            let area = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]);
            if area <= 0.0 {
                continue; // facing away, or an eye closed to nothing
            }
            let d = t.iter().map(|&i| self.depth[i as usize]).sum::<f32>();
            self.order.push((d, k as u32));
        }
        self.order
            .sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let tex: &Texture = if self.channels == 1 { &m.grey } else { &m.bgr };
        let mut target = Target {
            data: &mut self.scene,
            width: self.width,
            height: self.height,
            channels: self.channels,
        };
        for &(_, k) in &self.order {
            let t = m.triangles[k as usize];
            let eye = m.eye_of_triangle[k as usize];
            if eye > 0 {
                let shade = t.iter().map(|&i| self.shade[i as usize]).sum::<f32>() / 3.0;
                let p = t.map(|i| self.projected[i as usize]);
                raster::draw_eye(&mut target, p, shade, &eyeballs[eye as usize - 1]);
                continue;
            }
            let tri = Tri {
                p: t.map(|i| self.projected[i as usize]),
                uv: t.map(|i| m.uv[i as usize]),
                shade: t.map(|i| self.shade[i as usize]),
                alpha: t.map(|i| m.alpha[i as usize]),
            };
            raster::draw(&mut target, tex, &tri);
        }
        super::wear::draw(&mut target, &self.projected, &self.shade, &worn, m);
    }
}
