//! A validated camera frame seen as an OpenCV `Mat` without copying its pixels.
//!
//! Frames arrive as a shared [`Blob`](cabin_bus::messages::Blob) (an `Arc<[u8]>`). Copying 900 KB per frame
//! into a `Mat` would be wasted work, so [`FrameView`] wraps the bytes in a `Mat` header that points into
//! the blob, with the frame's own stride. It exists only after [`CameraFrame::validate`] proved that the
//! buffer holds every row, so OpenCV can never read past the end; the view borrows the frame, so the bytes
//! outlive the `Mat`, and nothing writes through it.

use crate::error::{PerceptionError, Result};
use cabin_bus::messages::{CameraFrame, PixelFormat};
use opencv::core::{Mat, Scalar, Size, CV_8UC1, CV_8UC3};
use opencv::imgproc::{warp_affine, INTER_LINEAR, WARP_INVERSE_MAP};
use opencv::prelude::*;
use std::ffi::c_void;
use std::marker::PhantomData;

/// Channel order of a 3-channel view (greyscale views have one channel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channels {
    Gray,
    Rgb,
    Bgr,
}

/// A read-only OpenCV view of a validated [`CameraFrame`].
pub struct FrameView<'a> {
    mat: Mat,
    channels: Channels,
    width: i32,
    height: i32,
    _pixels: PhantomData<&'a [u8]>,
}

impl<'a> FrameView<'a> {
    /// Validates the frame and wraps its pixels (no copy).
    pub fn new(frame: &'a CameraFrame) -> Result<Self> {
        frame.validate()?;
        let too_large = || PerceptionError::FrameTooLarge {
            width: frame.width,
            height: frame.height,
        };
        let width = i32::try_from(frame.width).map_err(|_| too_large())?;
        let height = i32::try_from(frame.height).map_err(|_| too_large())?;
        // OpenCV computes row * step in 32-bit pieces in places; keep well inside that.
        if (frame.stride as u64) * (frame.height as u64) > i32::MAX as u64 {
            return Err(too_large());
        }
        let (typ, channels) = match frame.format {
            PixelFormat::Gray8 => (CV_8UC1, Channels::Gray),
            PixelFormat::Rgb8 => (CV_8UC3, Channels::Rgb),
            PixelFormat::Bgr8 => (CV_8UC3, Channels::Bgr),
        };
        let data = frame.data.as_slice();
        // SAFETY: `validate` checked that `data` holds `height - 1` rows of `stride` bytes plus one full row of
        // `width * bytes_per_pixel` bytes, which is every byte OpenCV reads for a rows x cols Mat with this
        // step. The Mat only borrows the bytes for 'a (PhantomData ties the view to the frame) and is only
        // ever read: the *mut cast is what OpenCV's constructor signature requires.
        let mat = unsafe {
            Mat::new_rows_cols_with_data_unsafe(
                height,
                width,
                typ,
                data.as_ptr() as *mut c_void,
                frame.stride as usize,
            )
        }?;
        Ok(FrameView {
            mat,
            channels,
            width,
            height,
            _pixels: PhantomData,
        })
    }

    /// Wraps an OpenCV image that the caller owns (CLI input, tests): 8-bit, 1 or 3 channels (BGR).
    pub fn from_mat(mat: &'a Mat) -> Result<FrameView<'a>> {
        let channels = mat_channels(mat)?;
        if mat.rows() <= 0 || mat.cols() <= 0 {
            return Err(PerceptionError::Config("image must be non-empty".into()));
        }
        Ok(FrameView {
            // A new header on the same pixels (reference counted), not a copy.
            mat: mat.clone(),
            channels,
            width: mat.cols(),
            height: mat.rows(),
            _pixels: PhantomData,
        })
    }

    /// Resamples into `out` (bilinear, `side` x `side`) the region of the frame that `inverse_map` (an
    /// affine map from output pixels to frame pixels, 2x3 row-major) covers, reading the frame in place;
    /// `border` says how pixels outside the frame are filled.
    pub fn warp_square(
        &self,
        inverse_map: &[f64; 6],
        side: usize,
        border: i32,
        out: &mut Mat,
    ) -> Result<()> {
        let m = Mat::from_slice_2d(&[&inverse_map[0..3], &inverse_map[3..6]])?;
        let size = Size::new(side as i32, side as i32);
        let flags = INTER_LINEAR | WARP_INVERSE_MAP;
        warp_affine(&self.mat, out, &m, size, flags, border, Scalar::all(0.0))?;
        Ok(())
    }

    pub fn mat(&self) -> &Mat {
        &self.mat
    }
    pub fn channels(&self) -> Channels {
        self.channels
    }
    pub fn width(&self) -> i32 {
        self.width
    }
    pub fn height(&self) -> i32 {
        self.height
    }
}

/// The channel order of an OpenCV image (OpenCV's colour images are BGR); an error unless it is 8-bit
/// with 1 or 3 channels.
fn mat_channels(mat: &Mat) -> Result<Channels> {
    let channels = match mat.channels() {
        1 => Channels::Gray,
        3 => Channels::Bgr,
        n => {
            return Err(PerceptionError::Config(format!(
                "image has {n} channels; expected 1 or 3"
            )))
        }
    };
    if mat.depth() != opencv::core::CV_8U {
        return Err(PerceptionError::Config("image must be 8-bit".into()));
    }
    Ok(channels)
}

/// Builds a [`CameraFrame`] (BGR or grey, tightly packed) from an OpenCV image: how still images and
/// video frames enter the same pipeline as the camera topic.
pub fn camera_frame_from_mat(mat: &Mat) -> Result<CameraFrame> {
    let format = match mat_channels(mat)? {
        Channels::Gray => PixelFormat::Gray8,
        Channels::Rgb => PixelFormat::Rgb8,
        Channels::Bgr => PixelFormat::Bgr8,
    };
    let continuous;
    let m = if mat.is_continuous() {
        mat
    } else {
        continuous = mat.try_clone()?;
        &continuous
    };
    let bytes = m.data_bytes()?.to_vec();
    let width = m.cols() as u32;
    Ok(CameraFrame {
        format,
        width,
        height: m.rows() as u32,
        stride: width * format.bytes_per_pixel(),
        data: bytes.into(),
    })
}
