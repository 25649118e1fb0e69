//! The image sensor: gain (auto-exposure), read noise, clipping; and the lens's blur.
//!
//! Noise comes from a table of one million Gaussian samples drawn once from the scenario's seed; each
//! frame reads a contiguous stretch of it from a start derived from (seed, frame number). That keeps
//! the noise exactly reproducible, different in every frame, and cheap (a sequential read and an add
//! per pixel instead of a random draw), which matters for the 5 ms frame budget.

use crate::error::Result;
use crate::rng::Rng;
use opencv::core::{Mat, Size, BORDER_REPLICATE, CV_8UC1, CV_8UC3};

const TABLE_BITS: u32 = 20;
const TABLE_MASK: u64 = (1 << TABLE_BITS) - 1;

pub struct Sensor {
    /// N(0, 1) x 256.
    table: Vec<i16>,
    seed: u64,
}

impl Sensor {
    pub fn new(seed: u64) -> Sensor {
        let mut rng = Rng::stream(seed, "sensor_noise_table", 0);
        let table = (0..1u64 << TABLE_BITS)
            .map(|_| (rng.gaussian() * 256.0).clamp(-32000.0, 32000.0) as i16)
            .collect();
        Sensor { table, seed }
    }

    /// `out = clip(scene * gain + N(0, sigma))`, noise reproducible per frame.
    pub fn expose(&self, scene: &[u8], out: &mut [u8], gain: f32, sigma: f32, frame: u64) {
        let mut rng = Rng::stream(self.seed, "sensor_noise_frame", frame);
        let mut j = rng.next_u64() & TABLE_MASK;
        let g = (gain * 256.0).clamp(0.0, 65535.0) as i32;
        let s = (sigma * 256.0).clamp(0.0, 65535.0) as i32;
        for (o, &p) in out.iter_mut().zip(scene) {
            let n = (self.table[j as usize] as i32 * s) >> 8;
            j = (j + 1) & TABLE_MASK;
            *o = ((p as i32 * g + n + 128) >> 8).clamp(0, 255) as u8;
        }
    }
}

/// Gaussian blur of an 8-bit image (`channels` 1 or 3) from `src` into `dst`.
pub fn blur(
    src: &[u8],
    dst: &mut [u8],
    width: usize,
    height: usize,
    channels: usize,
    sigma: f64,
) -> Result<()> {
    if sigma <= 0.0 {
        dst.copy_from_slice(src);
        return Ok(());
    }
    let typ = if channels == 3 { CV_8UC3 } else { CV_8UC1 };
    let (w, h) = (width as i32, height as i32);
    // SAFETY: both buffers hold exactly height rows of width * channels bytes, live for the calls
    // below, and OpenCV only reads `a` and writes `b` within those bounds.
    let a = unsafe {
        Mat::new_rows_cols_with_data_unsafe(
            h,
            w,
            typ,
            src.as_ptr() as *mut std::ffi::c_void,
            width * channels,
        )
    }?;
    let mut b = unsafe {
        Mat::new_rows_cols_with_data_unsafe(
            h,
            w,
            typ,
            dst.as_mut_ptr() as *mut std::ffi::c_void,
            width * channels,
        )
    }?;
    // A 5x5 kernel covers sigma <= ~1 exactly enough; larger blurs get a larger kernel.
    let k = ((sigma * 3.0).ceil() as i32 * 2 + 1).max(3);
    opencv::imgproc::gaussian_blur(&a, &mut b, Size::new(k, k), sigma, sigma, BORDER_REPLICATE)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_reproducible_and_has_the_asked_sigma() {
        let s = Sensor::new(3);
        let scene = vec![100u8; 100_000];
        let mut a = vec![0u8; scene.len()];
        let mut b = vec![0u8; scene.len()];
        s.expose(&scene, &mut a, 1.0, 4.0, 7);
        s.expose(&scene, &mut b, 1.0, 4.0, 7);
        assert_eq!(a, b);
        s.expose(&scene, &mut b, 1.0, 4.0, 8);
        assert_ne!(a, b);
        let mean = a.iter().map(|&v| v as f64).sum::<f64>() / a.len() as f64;
        let var = a.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / a.len() as f64;
        assert!((mean - 100.0).abs() < 0.2, "{mean}");
        assert!((var.sqrt() - 4.0).abs() < 0.2, "{}", var.sqrt());
    }
}
