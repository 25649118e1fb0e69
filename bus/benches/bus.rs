//! Criterion benchmarks of the cabin layer itself: codec encode/decode per message type and in-process
//! publish -> receive latency. Run: `cargo bench --profile dev -p cabin-bus --bench bus`.
//! The zenoh comparison (cabin vs raw zenoh, latency percentiles and throughput) is `--bench zenoh`.

use cabin_bus::{codec, fixtures, Bus, SimTime, TopicId};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::sync::Arc;

fn codec_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    for sample in fixtures::every_sample("bench", SimTime::from_millis(1)) {
        let bytes = codec::encode(&sample).expect("encodes");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        let name = sample.topic.path().replace('/', "_");
        let mut buf = Vec::with_capacity(bytes.len() + 16);
        g.bench_with_input(BenchmarkId::new("encode", &name), &sample, |b, s| {
            b.iter(|| {
                buf.clear();
                codec::encode_into(black_box(s), &mut buf).expect("encodes");
                black_box(buf.len())
            })
        });
        g.bench_with_input(BenchmarkId::new("decode", &name), &bytes, |b, bytes| {
            b.iter(|| codec::decode(black_box(bytes)).expect("decodes"))
        });
    }
    let frame =
        fixtures::every_sample("bench", SimTime::ZERO).swap_remove(TopicId::Camera as usize);
    let mut big = frame.clone();
    if let cabin_bus::messages::Message::CameraFrame(f) = &mut big.message {
        *f = fixtures::camera_frame(640, 480);
    }
    let bytes = codec::encode(&big).expect("encodes");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("encode/camera_640x480", |b| {
        b.iter(|| codec::encode(black_box(&big)).expect("encodes"))
    });
    g.bench_function("decode/camera_640x480", |b| {
        b.iter(|| codec::decode(black_box(&bytes)).expect("decodes"))
    });
    g.finish();
}

fn inproc_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("in_process");
    let bus = Bus::in_process("bench");
    let sub = bus.subscribe(TopicId::Alert, "reader").expect("subscribe");
    let sample = Arc::new(
        fixtures::every_sample("bench", SimTime::ZERO).swap_remove(TopicId::Alert as usize),
    );
    g.bench_function("publish_then_receive/alert", |b| {
        b.iter(|| {
            bus.publish_sample(sample.clone()).expect("publish");
            black_box(sub.try_recv().expect("received"))
        })
    });
    let cam = bus.subscribe(TopicId::Camera, "reader").expect("subscribe");
    let mut frame =
        fixtures::every_sample("bench", SimTime::ZERO).swap_remove(TopicId::Camera as usize);
    if let cabin_bus::messages::Message::CameraFrame(f) = &mut frame.message {
        *f = fixtures::camera_frame(640, 480);
    }
    let frame = Arc::new(frame);
    g.bench_function("publish_then_receive/camera_640x480", |b| {
        b.iter(|| {
            bus.publish_sample(frame.clone()).expect("publish");
            black_box(cam.try_recv().expect("received"))
        })
    });
    g.finish();
}

criterion_group!(benches, codec_benches, inproc_benches);
criterion_main!(benches);
