//! The driver camera for the bench view: each frame reduced to a small greyscale image, a few per second.
//!
//! Raw frames never leave the host; the HMI only ever gets them from the in-process run (the bus keeps the
//! camera topic session-local), and the server only sends this image to pages connected from loopback.
//! Reducing it here (box filter to fit 320x240, greyscale) keeps the page's bandwidth and CPU small,
//! whatever the camera resolution, and the rate cap keeps a fast replay from flooding the browser.

use super::protocol::CameraImage;
use cabin_bus::messages::{CameraFrame, FrameError, PixelFormat};
use parking_lot::Mutex;
use std::time::{Duration, Instant};

/// Largest image sent to a page.
pub const MAX_WIDTH: u32 = 320;
pub const MAX_HEIGHT: u32 = 240;
/// At most this many images per wall-clock second.
pub const MAX_FPS: f64 = 5.0;

/// Reduces `frame` to greyscale, scaled down (never up) to fit [`MAX_WIDTH`] x [`MAX_HEIGHT`] with its
/// aspect ratio kept. Each output pixel is the mean of the source pixels it covers.
pub fn downscale(frame: &CameraFrame, seq: u64, t: f64) -> Result<CameraImage, FrameError> {
    frame.validate()?;
    let (sw, sh) = (frame.width, frame.height);
    let scale = (MAX_WIDTH as f64 / sw as f64)
        .min(MAX_HEIGHT as f64 / sh as f64)
        .min(1.0);
    let dw = ((sw as f64 * scale).round() as u32).clamp(1, MAX_WIDTH);
    let dh = ((sh as f64 * scale).round() as u32).clamp(1, MAX_HEIGHT);
    let bpp = frame.format.bytes_per_pixel() as usize;
    let stride = frame.stride as usize;
    let data = frame.data.as_slice();
    let grey = |x: usize, y: usize| -> u32 {
        let i = y * stride + x * bpp;
        match frame.format {
            PixelFormat::Gray8 => data[i] as u32,
            // ITU-R BT.601 luma, integer weights summing to 1024.
            PixelFormat::Rgb8 => {
                (306 * data[i] as u32 + 601 * data[i + 1] as u32 + 117 * data[i + 2] as u32) >> 10
            }
            PixelFormat::Bgr8 => {
                (117 * data[i] as u32 + 601 * data[i + 1] as u32 + 306 * data[i + 2] as u32) >> 10
            }
        }
    };
    let mut pixels = Vec::with_capacity((dw * dh) as usize);
    for dy in 0..dh {
        let y0 = (dy as u64 * sh as u64 / dh as u64) as usize;
        let y1 = (((dy + 1) as u64 * sh as u64 / dh as u64) as usize).max(y0 + 1);
        for dx in 0..dw {
            let x0 = (dx as u64 * sw as u64 / dw as u64) as usize;
            let x1 = (((dx + 1) as u64 * sw as u64 / dw as u64) as usize).max(x0 + 1);
            let mut sum = 0u32;
            for y in y0..y1 {
                for x in x0..x1 {
                    sum += grey(x, y);
                }
            }
            pixels.push((sum / ((y1 - y0) * (x1 - x0)) as u32) as u8);
        }
    }
    Ok(CameraImage {
        width: dw as u16,
        height: dh as u16,
        source_width: sw.min(u16::MAX as u32) as u16,
        source_height: sh.min(u16::MAX as u32) as u16,
        seq,
        t,
        pixels,
    })
}

/// Lets one image through per `1 / MAX_FPS` wall-clock seconds. Wall clock is right here: the cap
/// protects the page, which lives in wall-clock time, and this is not a node of the run.
pub struct RateCap {
    period: Duration,
    last: Mutex<Option<Instant>>,
}

impl RateCap {
    pub fn new(fps: f64) -> Self {
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            MAX_FPS
        };
        RateCap {
            period: Duration::from_secs_f64(1.0 / fps),
            last: Mutex::new(None),
        }
    }

    /// Whether an image may go now (and if so, the clock restarts).
    pub fn admit(&self) -> bool {
        let now = Instant::now();
        let mut last = self.last.lock();
        match *last {
            Some(l) if now.duration_since(l) < self.period => false,
            _ => {
                *last = Some(now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::messages::Blob;

    #[test]
    fn vga_grey_becomes_320x240_mean() {
        let frame = cabin_bus::fixtures::camera_frame(640, 480);
        let img = downscale(&frame, 1, 0.5).expect("valid frame");
        assert_eq!(
            (img.width, img.height, img.source_width, img.source_height),
            (320, 240, 640, 480)
        );
        assert_eq!(img.pixels.len(), 320 * 240);
        let d = frame.data.as_slice();
        let mean = (d[0] as u32 + d[1] as u32 + d[640] as u32 + d[641] as u32) / 4;
        assert_eq!(img.pixels[0] as u32, mean);
    }

    #[test]
    fn colour_and_padding_and_small_frames() {
        // 3x2 RGB with 2 bytes of row padding, pure red: luma 306/1024*255 = 76.
        let mut data = Vec::new();
        for _ in 0..2 {
            for _ in 0..3 {
                data.extend_from_slice(&[255, 0, 0]);
            }
            data.extend_from_slice(&[9, 9]);
        }
        let frame = CameraFrame {
            format: PixelFormat::Rgb8,
            width: 3,
            height: 2,
            stride: 11,
            data: Blob::from(data),
        };
        let img = downscale(&frame, 0, 0.0).expect("valid");
        assert_eq!((img.width, img.height), (3, 2), "never scaled up");
        assert!(img.pixels.iter().all(|&p| p == 76), "{:?}", img.pixels);
    }

    #[test]
    fn truncated_frames_are_refused() {
        let mut frame = cabin_bus::fixtures::camera_frame(64, 48);
        frame.data = Blob::from(vec![0u8; 100]);
        assert!(downscale(&frame, 0, 0.0).is_err());
    }

    #[test]
    fn rate_cap_admits_the_first_and_holds_the_next() {
        let cap = RateCap::new(1.0);
        assert!(cap.admit());
        assert!(!cap.admit());
    }
}
