//! The camera pipeline on frames rendered from the real reference face at scripted head poses and eyelid
//! closures (tests/support/render.rs), with the real models: the read-back must track the script.

mod support;

use cabin_bus::messages::{CameraStatus, FaceObservation};
use cabin_perception::camera::{CameraConfig, CameraPipeline, EyeBaselineConfig};
use support::render::{FaceRenderer, RenderParams};
use support::*;

fn pipeline() -> CameraPipeline {
    CameraPipeline::new(CameraConfig {
        // A short calibration so the tests stay quick (the default is 90 frames = 3 s at 30 fps).
        eye_baseline: EyeBaselineConfig {
            min_samples: 12,
            ..EyeBaselineConfig::default()
        },
        ..CameraConfig::default()
    })
    .expect("models load")
}

fn observe(p: &mut CameraPipeline, r: &FaceRenderer, params: RenderParams) -> FaceObservation {
    let img = r.render(&params);
    let f = if params.grey {
        grey_frame_of(&img)
    } else {
        frame(&img)
    };
    p.process(&f).expect("valid frame")
}

fn grey_frame_of(m: &opencv::core::Mat) -> cabin_bus::messages::CameraFrame {
    cabin_perception::camera::camera_frame_from_mat(m).unwrap()
}

#[test]
fn head_yaw_read_back_tracks_the_scripted_yaw() {
    let r = FaceRenderer::new();
    let mut p = pipeline();
    let yaws = [-40.0f32, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 40.0];
    let read: Vec<f32> = yaws
        .iter()
        .map(|&y| {
            let o = observe(
                &mut p,
                &r,
                RenderParams {
                    yaw_deg: y,
                    ..Default::default()
                },
            );
            let face = o
                .face
                .unwrap_or_else(|| panic!("face at yaw {y}: {:?}", o.camera));
            eprintln!(
                "yaw {y:>5}: read {:6.1} pitch {:6.1} gaze {:6.1}/{:6.1} zone {:?}",
                face.head_pose.yaw_deg,
                face.head_pose.pitch_deg,
                face.gaze_yaw_deg,
                face.gaze_pitch_deg,
                face.gaze_zone
            );
            face.head_pose.yaw_deg
        })
        .collect();
    let zero = read[4];
    for w in read.windows(2) {
        assert!(w[1] > w[0], "yaw read-back not monotonic: {read:?}");
    }
    for (y, v) in yaws.iter().zip(&read) {
        let tol = if y.abs() <= 30.0 { 8.0 } else { 12.0 };
        assert!(
            (v - zero - y).abs() <= tol,
            "scripted {y}, read {v} (zero {zero}): {read:?}"
        );
    }
}

#[test]
fn head_pitch_read_back_is_monotonic_and_signed() {
    let r = FaceRenderer::new();
    let mut p = pipeline();
    let pitches = [-20.0f32, -10.0, 0.0, 10.0, 20.0];
    let read: Vec<f32> = pitches
        .iter()
        .map(|&x| {
            let o = observe(
                &mut p,
                &r,
                RenderParams {
                    pitch_deg: x,
                    ..Default::default()
                },
            );
            o.face.expect("face").head_pose.pitch_deg
        })
        .collect();
    eprintln!("pitch read-back {read:?}");
    for w in read.windows(2) {
        assert!(w[1] > w[0], "pitch read-back not monotonic: {read:?}");
    }
    assert!(
        read[0] - read[2] < -8.0 && read[4] - read[2] > 8.0,
        "{read:?}"
    );
}

/// Calibrates on open eyes, closes both eyes over a few frames, holds, opens again.
fn closure_cycle(gain: f32, grey: bool, noise: f32) -> Vec<(f32, f32, Option<f32>)> {
    let r = FaceRenderer::new();
    let mut p = pipeline();
    let mut script: Vec<f32> = vec![0.0; 14];
    script.extend([
        0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0, 0.0,
    ]);
    script
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let o = observe(
                &mut p,
                &r,
                RenderParams {
                    closure_left: c,
                    closure_right: c,
                    gain,
                    grey,
                    noise,
                    seed: i as u64 + 1,
                    ..Default::default()
                },
            );
            assert_eq!(o.camera, CameraStatus::Ok, "frame {i}");
            let f = o.face.expect("face");
            let raw = (f.left_eye.openness_raw + f.right_eye.openness_raw) / 2.0;
            let norm = match (f.left_eye.openness, f.right_eye.openness) {
                (Some(a), Some(b)) => Some((a + b) / 2.0),
                _ => None,
            };
            eprintln!("closure {c:.2}: raw {raw:.3} normalised {norm:?}");
            (c, raw, norm)
        })
        .collect()
}

fn check_falls_and_recovers(cycle: &[(f32, f32, Option<f32>)], closed_max: f32, open_min: f32) {
    let open_raw = cycle[13].1;
    let closed: Vec<&(f32, f32, Option<f32>)> = cycle.iter().filter(|c| c.0 == 1.0).collect();
    let reopened = cycle.last().unwrap();
    for c in &closed {
        assert!(
            c.1 < open_raw * 0.85,
            "raw openness did not fall: {cycle:?}"
        );
        assert!(
            c.2.unwrap() < closed_max,
            "normalised openness did not fall: {cycle:?}"
        );
    }
    assert!(reopened.2.unwrap() > open_min, "did not recover: {cycle:?}");
    // The fall is monotonic in the scripted closure (within noise of 0.02).
    let fall: Vec<f32> = cycle[13..18].iter().map(|c| c.1).collect();
    for w in fall.windows(2) {
        assert!(w[1] < w[0] + 0.02, "not falling with closure: {fall:?}");
    }
}

#[test]
fn openness_falls_when_the_eyes_close_and_recovers() {
    let cycle = closure_cycle(1.0, false, 0.0);
    assert!(
        cycle[11].2.is_none() || cycle[12].2.is_some(),
        "baseline calibrates after 12 frames"
    );
    check_falls_and_recovers(&cycle, 0.3, 0.85);
}

#[test]
fn openness_falls_and_recovers_in_dark_noisy_ir_like_frames() {
    let cycle = closure_cycle(0.3, true, 6.0);
    check_falls_and_recovers(&cycle, 0.65, 0.8);
}

#[test]
fn dark_ir_like_frames_are_not_a_camera_fault() {
    let r = FaceRenderer::new();
    let mut p = pipeline();
    for (i, gain) in [0.35f32, 0.25, 0.18].into_iter().enumerate() {
        let o = observe(
            &mut p,
            &r,
            RenderParams {
                gain,
                grey: true,
                noise: 5.0,
                seed: i as u64 + 7,
                ..Default::default()
            },
        );
        eprintln!(
            "gain {gain}: {:?} brightness {:.1} score {:?}",
            o.camera,
            o.brightness,
            o.face.as_ref().map(|f| f.score)
        );
        assert_eq!(o.camera, CameraStatus::Ok, "gain {gain}");
        assert!(o.face.is_some(), "gain {gain}");
    }
}

#[test]
fn a_mirrored_frame_reads_the_opposite_yaw_and_roll() {
    // Independent of the renderer's rotation convention: mirroring the image must flip yaw and roll.
    let r = FaceRenderer::new();
    let mut p = pipeline();
    for yaw in [-25.0f32, 15.0] {
        let img = r.render(&RenderParams {
            yaw_deg: yaw,
            roll_deg: 6.0,
            ..Default::default()
        });
        let mut mirrored = opencv::core::Mat::default();
        opencv::core::flip(&img, &mut mirrored, 1).unwrap();
        let a = p
            .process(&frame(&img))
            .unwrap()
            .face
            .expect("face")
            .head_pose;
        p.reset_tracking();
        let b = p
            .process(&frame(&mirrored))
            .unwrap()
            .face
            .expect("face")
            .head_pose;
        p.reset_tracking();
        eprintln!("yaw {yaw}: {a:?} mirrored {b:?}");
        assert_eq!(a.yaw_deg.signum(), yaw.signum(), "{a:?}");
        assert_eq!(b.yaw_deg.signum(), -yaw.signum(), "{b:?}");
        assert!((a.yaw_deg + b.yaw_deg).abs() < 6.0, "{a:?} vs {b:?}");
        assert!(a.roll_deg > 0.0 && b.roll_deg < 0.0, "{a:?} vs {b:?}");
    }
}
