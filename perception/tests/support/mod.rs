//! Helpers shared by the integration tests: real photos from `models/photos/`, frames built from them.
#![allow(dead_code)]

pub mod signals;

use cabin_bus::messages::{CameraFrame, PixelFormat};
use cabin_perception::camera::camera_frame_from_mat;
use opencv::core::{Mat, Scalar, Size, CV_8UC3};
use opencv::imgcodecs;
use opencv::prelude::*;

/// A photo from the models directory as a BGR Mat.
pub fn photo(name: &str) -> Mat {
    let p =
        cabin_bus::assets::model_path(&format!("photos/{name}")).expect("models prepared by setup");
    let m = imgcodecs::imread(p.to_str().unwrap(), imgcodecs::IMREAD_COLOR).unwrap();
    assert!(!m.empty(), "cannot read {}", p.display());
    m
}

/// The photo placed on a dark-grey 640x480 "cabin" background (the photo's 512x512 is scaled to
/// `scale` and centred, offset by `dx`, `dy`).
pub fn on_canvas(img: &Mat, scale: f64, dx: i32, dy: i32) -> Mat {
    let mut canvas =
        Mat::new_rows_cols_with_default(480, 640, CV_8UC3, Scalar::new(60.0, 60.0, 60.0, 0.0))
            .unwrap();
    let mut small = Mat::default();
    let s = Size::new(
        (img.cols() as f64 * scale) as i32,
        (img.rows() as f64 * scale) as i32,
    );
    opencv::imgproc::resize(img, &mut small, s, 0.0, 0.0, opencv::imgproc::INTER_AREA).unwrap();
    let x = (640 - s.width) / 2 + dx;
    let y = (480 - s.height) / 2 + dy;
    // Clip the paste to the canvas.
    let x0 = x.max(0);
    let y0 = y.max(0);
    let x1 = (x + s.width).min(640);
    let y1 = (y + s.height).min(480);
    let src = small
        .roi(opencv::core::Rect::new(x0 - x, y0 - y, x1 - x0, y1 - y0))
        .unwrap();
    let mut dst = canvas
        .roi_mut(opencv::core::Rect::new(x0, y0, x1 - x0, y1 - y0))
        .unwrap();
    src.copy_to(&mut dst).unwrap();
    canvas
}

pub fn frame(m: &Mat) -> CameraFrame {
    camera_frame_from_mat(m).unwrap()
}

/// A BGR frame converted to greyscale (IR cameras are monochrome).
pub fn grey_frame(m: &Mat) -> CameraFrame {
    let mut g = Mat::default();
    opencv::imgproc::cvt_color_def(m, &mut g, opencv::imgproc::COLOR_BGR2GRAY).unwrap();
    camera_frame_from_mat(&g).unwrap()
}

/// A uniform frame (lens covered / flat).
pub fn uniform_frame(width: u32, height: u32, value: u8) -> CameraFrame {
    CameraFrame {
        format: PixelFormat::Bgr8,
        width,
        height,
        stride: width * 3,
        data: vec![value; (width * height * 3) as usize].into(),
    }
}

/// Deterministic pseudo-random numbers (xorshift), so tests need no extra crates.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}
