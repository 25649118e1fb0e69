//! A validated camera frame seen as an OpenCV `Mat` without copying its pixels.
//!
//! Frames arrive as a shared [`Blob`](cabin_bus::messages::Blob) (an `Arc<[u8]>`). Copying 900 KB per frame
//! into a `Mat` would be wasted work, so [`FrameView`] wraps the bytes in a `Mat` header that points into
//! the blob, with the frame's own stride. It exists only after [`CameraFrame::validate`] proved that the
//! buffer holds every row, so OpenCV can never read past the end; the view borrows the frame, so the bytes
//! outlive the `Mat`, and nothing writes through it.

use crate::error::{PerceptionError, Result};
use cabin_bus::messages::{CameraFrame, PixelFormat};
use opencv::core::{Mat, CV_8UC1, CV_8UC3};
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
        let channels = match mat.channels() {
            1 => Channels::Gray,
            3 => Channels::Bgr,
            n => {
                return Err(PerceptionError::Config(format!(
                    "image has {n} channels; expected 1 or 3"
                )))
            }
        };
        if mat.depth() != opencv::core::CV_8U || mat.rows() <= 0 || mat.cols() <= 0 {
            return Err(PerceptionError::Config(
                "image must be non-empty 8-bit".into(),
            ));
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

/// Builds a [`CameraFrame`] (BGR or grey, tightly packed) from an OpenCV image: how still images and
/// video frames enter the same pipeline as the camera topic.
pub fn camera_frame_from_mat(mat: &Mat) -> Result<CameraFrame> {
    let format = match mat.channels() {
        1 => PixelFormat::Gray8,
        3 => PixelFormat::Bgr8,
        n => {
            return Err(PerceptionError::Config(format!(
                "image has {n} channels; expected 1 or 3"
            )))
        }
    };
    if mat.depth() != opencv::core::CV_8U {
        return Err(PerceptionError::Config("image must be 8-bit".into()));
    }
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
