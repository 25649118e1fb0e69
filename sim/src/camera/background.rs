//! The cabin behind the driver, as seen by a camera on the steering column: roof liner, headrest and
//! seat, the driver's shoulders, neck and seat belt, the side window on the driver's left (the image's
//! right) and a rear window.
//!
//! Two layers are drawn once: the interior (lit by the camera's illuminator and a little daylight)
//! and the windows (as bright as the outside). Each frame mixes them by the current lighting, so the
//! windows go dark at night and flicker in a tunnel while the seat stays visible. A second interior
//! layer without the driver's body is used when the driver leaves the camera's view.

use super::lighting::FrameLight;
use crate::error::Result;
use crate::rng::Rng;
use opencv::core::{Mat, Point, Scalar, Size, CV_8UC1};
use opencv::imgproc;
use opencv::prelude::*;

pub struct Background {
    interior_with_driver: Vec<u8>,
    interior_empty: Vec<u8>,
    windows: Vec<u8>,
}

fn pt(x: f64, y: f64) -> Point {
    Point::new(x.round() as i32, y.round() as i32)
}

fn fabric(mat: &mut Mat, seed: u64, amplitude: f64) -> Result<()> {
    let mut rng = Rng::stream(seed, "cabin_fabric", 0);
    let bytes = mat.data_bytes_mut()?;
    for b in bytes.iter_mut() {
        let v = *b as f64 + amplitude * rng.gaussian();
        *b = v.clamp(0.0, 255.0) as u8;
    }
    let src = mat.clone();
    imgproc::gaussian_blur(
        &src,
        mat,
        Size::new(0, 0),
        1.2,
        1.2,
        opencv::core::BORDER_REPLICATE,
    )?;
    Ok(())
}

impl Background {
    pub fn new(width: usize, height: usize, seed: u64) -> Result<Background> {
        let (w, h) = (width as f64, height as f64);
        let (wi, hi) = (width as i32, height as i32);
        let fill = |m: &mut Mat, pts: &[Point], v: f64| -> Result<()> {
            let poly: opencv::core::Vector<Point> = pts.iter().copied().collect();
            imgproc::fill_convex_poly(m, &poly, Scalar::all(v), imgproc::LINE_AA, 0)?;
            Ok(())
        };

        // Interior: roof liner, pillars, headrest, seat.
        let mut empty = Mat::new_rows_cols_with_default(hi, wi, CV_8UC1, Scalar::all(70.0))?;
        fill(
            &mut empty,
            &[pt(0.0, 0.0), pt(w, 0.0), pt(w, 0.14 * h), pt(0.0, 0.16 * h)],
            105.0,
        )?;
        fill(
            &mut empty,
            &[
                pt(0.70 * w, 0.0),
                pt(0.80 * w, 0.0),
                pt(0.86 * w, 0.56 * h),
                pt(0.76 * w, 0.62 * h),
            ],
            40.0,
        )?;
        imgproc::ellipse(
            &mut empty,
            pt(0.5 * w, 0.30 * h),
            Size::new((0.17 * w) as i32, (0.16 * h) as i32),
            0.0,
            0.0,
            360.0,
            Scalar::all(52.0),
            -1,
            imgproc::LINE_AA,
            0,
        )?;
        fill(
            &mut empty,
            &[
                pt(0.26 * w, 0.50 * h),
                pt(0.74 * w, 0.50 * h),
                pt(0.80 * w, h),
                pt(0.20 * w, h),
            ],
            58.0,
        )?;
        fabric(&mut empty, seed, 5.0)?;

        // The driver's body: neck, shoulders, seat belt (over the left shoulder: the image's right).
        let mut driver = empty.clone();
        fill(
            &mut driver,
            &[
                pt(0.45 * w, 0.52 * h),
                pt(0.55 * w, 0.52 * h),
                pt(0.57 * w, 0.75 * h),
                pt(0.43 * w, 0.75 * h),
            ],
            120.0,
        )?;
        imgproc::ellipse(
            &mut driver,
            pt(0.5 * w, 1.08 * h),
            Size::new((0.40 * w) as i32, (0.38 * h) as i32),
            0.0,
            180.0,
            360.0,
            Scalar::all(88.0),
            -1,
            imgproc::LINE_AA,
            0,
        )?;
        imgproc::line(
            &mut driver,
            pt(0.68 * w, 0.72 * h),
            pt(0.38 * w, 1.02 * h),
            Scalar::all(32.0),
            (0.06 * w) as i32,
            imgproc::LINE_AA,
            0,
        )?;

        // Windows: the driver's side window (image right) and a rear window (image left).
        let mut windows = Mat::new_rows_cols_with_default(hi, wi, CV_8UC1, Scalar::all(0.0))?;
        fill(
            &mut windows,
            &[
                pt(0.80 * w, 0.0),
                pt(w, 0.0),
                pt(w, 0.64 * h),
                pt(0.87 * w, 0.55 * h),
            ],
            230.0,
        )?;
        fill(
            &mut windows,
            &[
                pt(0.0, 0.18 * h),
                pt(0.12 * w, 0.17 * h),
                pt(0.15 * w, 0.42 * h),
                pt(0.0, 0.46 * h),
            ],
            190.0,
        )?;
        let src = windows.clone();
        imgproc::gaussian_blur(
            &src,
            &mut windows,
            Size::new(0, 0),
            2.0,
            2.0,
            opencv::core::BORDER_REPLICATE,
        )?;

        Ok(Background {
            interior_with_driver: driver.data_bytes()?.to_vec(),
            interior_empty: empty.data_bytes()?.to_vec(),
            windows: windows.data_bytes()?.to_vec(),
        })
    }

    /// Writes the lit background (greyscale) into `out` (width x height bytes).
    pub fn compose(&self, light: &FrameLight, driver_in_seat: bool, out: &mut [u8]) {
        let interior = if driver_in_seat {
            &self.interior_with_driver
        } else {
            &self.interior_empty
        };
        let a = ((light.ir * 0.5 + light.interior) * 256.0).clamp(0.0, 4096.0) as u32;
        let b = (light.sky * 256.0).clamp(0.0, 4096.0) as u32;
        for ((o, &i), &wv) in out.iter_mut().zip(interior).zip(&self.windows) {
            *o = ((i as u32 * a + wv as u32 * b) >> 8).min(255) as u8;
        }
    }
}
