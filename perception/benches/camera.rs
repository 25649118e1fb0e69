//! Camera pipeline latency at 640x480 on one core: per stage and whole frame.
//!
//! `cargo bench --profile dev -p cabin-perception --bench camera`
//!
//! Frames are the real reference face (`astronaut.png`) on a 640x480 cabin-grey canvas, at two positions so
//! that consecutive frames differ; the IR-like frames are the same in grey, under-exposed. ONNX Runtime sessions run
//! with 1 intra-op thread (always) and OpenCV is set to 1 thread here, so the figures are for one core.
//! Criterion gives the mean/median with confidence intervals; a second pass times 2000 single calls per
//! stage and prints the median and p99 (criterion does not report percentiles).

#[path = "../tests/support/mod.rs"]
mod support;

use cabin_bus::messages::CameraFrame;
use cabin_perception::camera::{
    CameraConfig, CameraPipeline, DetectorConfig, EyeCrop, FaceDetector, FrameView, HeadPoseConfig,
    HeadPoseEstimator, IrisModel,
};
use criterion::Criterion;
use opencv::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

struct Fixture {
    frames: [CameraFrame; 2],
    ir_frames: [CameraFrame; 2],
}

fn fixture() -> Fixture {
    let face = support::photo("astronaut.png");
    let at = |dx: i32| support::on_canvas(&face, 1.0, dx, 0);
    let ir = |dx: i32| {
        let mut dark = opencv::core::Mat::default();
        at(dx)
            .convert_to(&mut dark, -1, 0.3, 0.0)
            .expect("under-exposed copy");
        support::grey_frame(&dark)
    };
    Fixture {
        frames: [support::frame(&at(-12)), support::frame(&at(12))],
        ir_frames: [ir(-12), ir(12)],
    }
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

fn time_n(n: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..20 {
        f();
    }
    let v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    percentiles(v)
}

fn main() {
    opencv::core::set_num_threads(1).expect("opencv threads");
    let fx = fixture();
    let mut detector = FaceDetector::new(DetectorConfig::default()).expect("blazeface");
    let mut iris = IrisModel::new().expect("iris");
    let pose = HeadPoseEstimator::new(HeadPoseConfig::default());
    let mut pipeline = CameraPipeline::new(CameraConfig::default()).expect("pipeline");
    let mut pipeline_ir = CameraPipeline::new(CameraConfig::default()).expect("pipeline");

    let view = FrameView::new(&fx.frames[0]).unwrap();
    let (lb, _) = detector.preprocess(&view).unwrap();
    let det = detector
        .run(&lb)
        .unwrap()
        .into_iter()
        .next()
        .expect("a face");
    let (l, r) = (det.keypoints[0], det.keypoints[1]);
    let crops = [
        EyeCrop::from_keypoints(l, l, r, false),
        EyeCrop::from_keypoints(r, l, r, true),
    ];

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("camera_640x480");
        g.bench_function("letterbox+stats", |b| {
            b.iter(|| detector.preprocess(black_box(&view)).unwrap())
        });
        g.bench_function("detection (blazeface run+decode)", |b| {
            b.iter(|| detector.run(black_box(&lb)).unwrap())
        });
        g.bench_function("detection (letterbox+run)", |b| {
            b.iter(|| detector.detect(black_box(&view)).unwrap())
        });
        g.bench_function("iris x2", |b| {
            b.iter(|| {
                for crop in &crops {
                    black_box(iris.measure(&view, crop).unwrap());
                }
            })
        });
        g.bench_function("head pose", |b| {
            b.iter(|| pose.estimate(black_box(&det.keypoints), 640, 480))
        });
        let mut i = 0usize;
        g.bench_function("whole pipeline (colour)", |b| {
            b.iter(|| {
                i += 1;
                pipeline.process(black_box(&fx.frames[i % 2])).unwrap()
            })
        });
        let mut j = 0usize;
        g.bench_function("whole pipeline (grey IR-like)", |b| {
            b.iter(|| {
                j += 1;
                pipeline_ir
                    .process(black_box(&fx.ir_frames[j % 2]))
                    .unwrap()
            })
        });
        g.finish();
    }
    c.final_summary();

    // Percentiles of single calls.
    let n = 2000;
    let mut rows = Vec::new();
    rows.push((
        "letterbox+stats",
        time_n(n, || {
            black_box(detector.preprocess(&view).unwrap());
        }),
    ));
    rows.push((
        "detection (letterbox+blazeface+NMS)",
        time_n(n, || {
            black_box(detector.detect(&view).unwrap());
        }),
    ));
    rows.push((
        "iris x2",
        time_n(n, || {
            for crop in &crops {
                black_box(iris.measure(&view, crop).unwrap());
            }
        }),
    ));
    rows.push((
        "head pose (solvePnP + geometry)",
        time_n(n, || {
            black_box(pose.estimate(&det.keypoints, 640, 480));
        }),
    ));
    let mut k = 0usize;
    rows.push((
        "whole pipeline, colour 640x480",
        time_n(n, || {
            k += 1;
            black_box(pipeline.process(&fx.frames[k % 2]).unwrap());
        }),
    ));
    rows.push((
        "whole pipeline, grey IR-like 640x480",
        time_n(n, || {
            k += 1;
            black_box(pipeline_ir.process(&fx.ir_frames[k % 2]).unwrap());
        }),
    ));
    println!("\n| stage (640x480, 1 thread, {n} calls) | median ms | p99 ms |");
    println!("| --- | --- | --- |");
    for (name, (p50, p99)) in rows {
        println!("| {name} | {p50:.3} | {p99:.3} |");
    }
}
