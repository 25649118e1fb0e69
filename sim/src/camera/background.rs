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

/// Draws on a frame-sized layer with coordinates in fractions of its width and height (the layout
/// scales with the camera's resolution).
struct Sketch {
    w: f64,
    h: f64,
}

impl Sketch {
    fn pt(&self, (x, y): (f64, f64)) -> Point {
        Point::new((x * self.w).round() as i32, (y * self.h).round() as i32)
    }

    fn layer(&self, grey: f64) -> Result<Mat> {
        let (rows, cols) = (self.h as i32, self.w as i32);
        Ok(Mat::new_rows_cols_with_default(
            rows,
            cols,
            CV_8UC1,
            Scalar::all(grey),
        )?)
    }

    /// A filled four-sided shape, corners in order.
    fn quad(&self, m: &mut Mat, corners: [(f64, f64); 4], grey: f64) -> Result<()> {
        let poly: opencv::core::Vector<Point> = corners.iter().map(|&c| self.pt(c)).collect();
        imgproc::fill_convex_poly(m, &poly, Scalar::all(grey), imgproc::LINE_AA, 0)?;
        Ok(())
    }

    /// A filled ellipse (or the part of it from `arc.0` to `arc.1` degrees), axes-aligned.
    fn ellipse(
        &self,
        m: &mut Mat,
        centre: (f64, f64),
        (half_w, half_h): (f64, f64),
        arc: (f64, f64),
        grey: f64,
    ) -> Result<()> {
        let axes = Size::new((half_w * self.w) as i32, (half_h * self.h) as i32);
        let (from, to) = arc;
        let colour = Scalar::all(grey);
        imgproc::ellipse(
            m,
            self.pt(centre),
            axes,
            0.0,
            from,
            to,
            colour,
            -1,
            imgproc::LINE_AA,
            0,
        )?;
        Ok(())
    }
}

/// Gaussian blur in place, edges replicated.
fn blur(mat: &mut Mat, sigma: f64) -> Result<()> {
    let src = mat.clone();
    let border = opencv::core::BORDER_REPLICATE;
    imgproc::gaussian_blur(&src, mat, Size::new(0, 0), sigma, sigma, border)?;
    Ok(())
}

/// Grain of the seat fabric: noise, then a light blur.
fn fabric(mat: &mut Mat, seed: u64, amplitude: f64) -> Result<()> {
    let mut rng = Rng::stream(seed, "cabin_fabric", 0);
    let bytes = mat.data_bytes_mut()?;
    for b in bytes.iter_mut() {
        let v = *b as f64 + amplitude * rng.gaussian();
        *b = v.clamp(0.0, 255.0) as u8;
    }
    blur(mat, 1.2)
}

impl Background {
    pub fn new(width: usize, height: usize, seed: u64) -> Result<Background> {
        let s = Sketch {
            w: width as f64,
            h: height as f64,
        };

        // Interior: roof liner, pillars, headrest, seat.
        let mut empty = s.layer(70.0)?;
        s.quad(
            &mut empty,
            [(0.0, 0.0), (1.0, 0.0), (1.0, 0.14), (0.0, 0.16)],
            105.0,
        )?;
        s.quad(
            &mut empty,
            [(0.70, 0.0), (0.80, 0.0), (0.86, 0.56), (0.76, 0.62)],
            40.0,
        )?;
        s.ellipse(&mut empty, (0.5, 0.30), (0.17, 0.16), (0.0, 360.0), 52.0)?;
        s.quad(
            &mut empty,
            [(0.26, 0.50), (0.74, 0.50), (0.80, 1.0), (0.20, 1.0)],
            58.0,
        )?;
        fabric(&mut empty, seed, 5.0)?;

        // The driver's body: neck, shoulders, seat belt (over the left shoulder: the image's right).
        let mut driver = empty.clone();
        s.quad(
            &mut driver,
            [(0.45, 0.52), (0.55, 0.52), (0.57, 0.75), (0.43, 0.75)],
            120.0,
        )?;
        s.ellipse(&mut driver, (0.5, 1.08), (0.40, 0.38), (180.0, 360.0), 88.0)?;
        let belt_px = (0.06 * s.w) as i32;
        let (from, to) = (s.pt((0.68, 0.72)), s.pt((0.38, 1.02)));
        imgproc::line(
            &mut driver,
            from,
            to,
            Scalar::all(32.0),
            belt_px,
            imgproc::LINE_AA,
            0,
        )?;

        // Windows: the driver's side window (image right) and a rear window (image left).
        let mut windows = s.layer(0.0)?;
        s.quad(
            &mut windows,
            [(0.80, 0.0), (1.0, 0.0), (1.0, 0.64), (0.87, 0.55)],
            230.0,
        )?;
        s.quad(
            &mut windows,
            [(0.0, 0.18), (0.12, 0.17), (0.15, 0.42), (0.0, 0.46)],
            190.0,
        )?;
        blur(&mut windows, 2.0)?;

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
