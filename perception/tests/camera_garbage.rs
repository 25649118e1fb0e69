//! Garbage frames: every malformed or degenerate frame gives an error value or an explicit camera state,
//! never a panic (real models, real OpenCV).

mod support;

use cabin_bus::messages::{CameraFrame, CameraStatus, FrameError, PixelFormat};
use cabin_perception::camera::{CameraConfig, CameraPipeline};
use cabin_perception::PerceptionError;
use proptest::prelude::*;
use support::*;

fn pipeline() -> CameraPipeline {
    CameraPipeline::new(CameraConfig::default()).expect("models load")
}

fn frame_of(
    format: PixelFormat,
    width: u32,
    height: u32,
    stride: u32,
    len: usize,
    fill: u8,
) -> CameraFrame {
    CameraFrame {
        format,
        width,
        height,
        stride,
        data: vec![fill; len].into(),
    }
}

#[test]
fn malformed_frames_are_rejected_with_a_typed_error() {
    let mut p = pipeline();
    let cases = [
        ("zero width", frame_of(PixelFormat::Bgr8, 0, 480, 0, 0, 0)),
        (
            "zero height",
            frame_of(PixelFormat::Gray8, 640, 0, 640, 0, 0),
        ),
        (
            "truncated",
            frame_of(PixelFormat::Bgr8, 640, 480, 1920, 1920 * 479, 90),
        ),
        (
            "stride shorter than a row",
            frame_of(PixelFormat::Rgb8, 640, 480, 640, 640 * 480 * 3, 90),
        ),
        (
            "empty buffer",
            frame_of(PixelFormat::Gray8, 640, 480, 640, 0, 0),
        ),
        (
            "huge dimensions, tiny buffer",
            frame_of(PixelFormat::Bgr8, u32::MAX, u32::MAX, u32::MAX, 16, 0),
        ),
    ];
    for (what, f) in cases {
        match p.process(&f) {
            Err(PerceptionError::Frame(e)) => eprintln!("{what}: {e}"),
            other => panic!("{what}: expected a frame error, got {other:?}"),
        }
    }
    // The pipeline still works after all that.
    let ok = p.process(&frame(&photo("astronaut.png"))).unwrap();
    assert!(ok.face.is_some());
    // And the error says what is wrong.
    let e = p
        .process(&frame_of(PixelFormat::Bgr8, 640, 480, 1920, 100, 0))
        .unwrap_err();
    assert!(
        matches!(e, PerceptionError::Frame(FrameError::Truncated { .. })),
        "{e}"
    );
}

#[test]
fn degenerate_images_are_explicit_camera_states() {
    let mut p = pipeline();
    let black = p.process(&uniform_frame(640, 480, 0)).unwrap();
    assert_eq!(black.camera, CameraStatus::Black);
    assert!(black.face.is_none());
    // A hand over the lens: uniform but not black.
    let covered = p.process(&uniform_frame(640, 480, 120)).unwrap();
    assert_eq!(covered.camera, CameraStatus::Black);
    // A hand over the lens with the auto-exposure opened up (what the simulator renders): a faint ramp,
    // mean ~27, strong sensor noise. Not black by brightness, but without any structure: blocked.
    let mut rng = Rng(3);
    let covered: Vec<u8> = (0..480usize)
        .flat_map(|y| std::iter::repeat_n(18.0 + 24.0 * y as f64 / 480.0, 640))
        .map(|v| (v + 7.7 * rng.normal()).round().clamp(0.0, 255.0) as u8)
        .collect();
    let f = CameraFrame {
        format: PixelFormat::Gray8,
        width: 640,
        height: 480,
        stride: 640,
        data: covered.into(),
    };
    let o = p.process(&f).unwrap();
    assert_eq!(o.camera, CameraStatus::Black, "brightness {}", o.brightness);
    let white = p.process(&uniform_frame(640, 480, 255)).unwrap();
    assert_eq!(white.camera, CameraStatus::Saturated);
    let mut rng = Rng(7);
    let noise: Vec<u8> = (0..640 * 480 * 3)
        .map(|_| (rng.next_u64() & 0xff) as u8)
        .collect();
    let f = CameraFrame {
        format: PixelFormat::Bgr8,
        width: 640,
        height: 480,
        stride: 1920,
        data: noise.into(),
    };
    // Pixel noise without any coarse structure cannot show a face either: reported like a covered lens.
    assert_eq!(p.process(&f).unwrap().camera, CameraStatus::Black);
    // (A structured scene without a face, the simulator's empty cabin, is `tests/tests/camera_states.rs`.)
    // Tiny and odd-shaped frames are processed, not crashed on.
    for (w, h) in [(1u32, 1u32), (3, 2), (2000, 1), (1, 900)] {
        let o = p
            .process(&frame_of(
                PixelFormat::Gray8,
                w,
                h,
                w,
                (w * h) as usize,
                100,
            ))
            .unwrap();
        assert_ne!(o.camera, CameraStatus::Ok, "{w}x{h}");
    }
    // A padded stride (row bytes + 64) is a valid frame.
    let img = photo("astronaut.png");
    let tight = frame(&img);
    let stride = tight.stride + 64;
    let mut padded = vec![0u8; (stride * tight.height) as usize];
    for y in 0..tight.height as usize {
        let row = &tight.data[y * tight.stride as usize..(y + 1) * tight.stride as usize];
        padded[y * stride as usize..y * stride as usize + row.len()].copy_from_slice(row);
    }
    let o = p
        .process(&CameraFrame {
            stride,
            data: padded.into(),
            ..tight
        })
        .unwrap();
    assert!(o.face.is_some(), "{:?}", o.camera);
}

#[test]
fn a_repeated_frame_becomes_frozen() {
    let mut p = pipeline();
    let f = frame(&on_canvas(&photo("astronaut.png"), 1.0, 0, 0));
    let states: Vec<CameraStatus> = (0..20).map(|_| p.process(&f).unwrap().camera).collect();
    assert_eq!(states[0], CameraStatus::Ok);
    assert_eq!(states[14], CameraStatus::Ok);
    assert_eq!(states[15], CameraStatus::Frozen);
    assert_eq!(states[19], CameraStatus::Frozen);
}

fn any_format() -> impl Strategy<Value = PixelFormat> {
    prop_oneof![
        Just(PixelFormat::Gray8),
        Just(PixelFormat::Rgb8),
        Just(PixelFormat::Bgr8)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Arbitrary headers over arbitrary buffers: an error or an observation, never a panic.
    #[test]
    fn arbitrary_frames_never_panic(
        format in any_format(),
        width in 0u32..400,
        height in 0u32..300,
        extra_stride in 0u32..8,
        short_stride in any::<bool>(),
        len_factor in 0.0f64..1.2,
        seed in any::<u64>(),
    ) {
        thread_local! {
            static PIPELINE: std::cell::RefCell<Option<CameraPipeline>> = const { std::cell::RefCell::new(None) };
        }
        let row = width * format.bytes_per_pixel();
        let stride = if short_stride { row.saturating_sub(1) } else { row + extra_stride };
        let full = stride as usize * height as usize;
        let len = ((full as f64) * len_factor) as usize;
        let mut rng = Rng(seed | 1);
        let data: Vec<u8> = (0..len).map(|_| (rng.next_u64() & 0xff) as u8).collect();
        let f = CameraFrame { format, width, height, stride, data: data.into() };
        let valid = f.validate().is_ok();
        PIPELINE.with(|p| {
            let mut p = p.borrow_mut();
            let p = p.get_or_insert_with(pipeline);
            match p.process(&f) {
                Ok(o) => prop_assert!(valid, "invalid frame accepted: {:?}", o.camera),
                Err(PerceptionError::Frame(_)) => prop_assert!(!valid),
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
            Ok(())
        })?;
    }
}
