//! Biometrics throughput: samples per second through the heart monitor (chunk intake + the 1 Hz
//! analysis over a 60 s window), on one core.
//!
//! `cargo bench --profile dev -p cabin-perception --bench biometrics`

#[path = "../tests/support/mod.rs"]
mod support;

use cabin_bus::messages::BiometricKind;
use cabin_perception::biometrics::{HeartConfig, HeartMonitor};
use criterion::{Criterion, Throughput};
use std::hint::black_box;
use std::time::Instant;
use support::signals::{beat_times, chunks, ecg, ppg};

/// Streams `x` through a monitor in 0.25 s chunks with an assessment every second; returns samples/s.
fn stream(kind: BiometricKind, fs: f64, x: &[f32]) -> usize {
    let mut m = HeartMonitor::new(kind, HeartConfig::default());
    let per = (fs / 4.0) as usize;
    let mut assessed = 0;
    for (k, (t, chunk)) in chunks(kind, fs, x, per).enumerate() {
        m.push(&chunk, t);
        if k % 4 == 3 {
            black_box(m.assess(((k + 1) * per) as f64 / fs));
            assessed += 1;
        }
    }
    assessed
}

fn main() {
    let seconds = 300.0;
    let beats = beat_times(&[0.8, 0.78, 0.83], seconds);
    let cases = [
        (
            "ecg 250 Hz",
            BiometricKind::Ecg,
            250.0,
            ecg(250.0, seconds, &beats, 0.03, 1),
        ),
        (
            "ecg 500 Hz",
            BiometricKind::Ecg,
            500.0,
            ecg(500.0, seconds, &beats, 0.03, 1),
        ),
        (
            "ppg 100 Hz",
            BiometricKind::Ppg,
            100.0,
            ppg(100.0, seconds, &beats, 0.01, 1),
        ),
    ];
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    {
        let mut g = c.benchmark_group("biometrics_stream_300s");
        for (name, kind, fs, x) in &cases {
            g.throughput(Throughput::Elements(x.len() as u64));
            g.bench_function(*name, |b| b.iter(|| stream(*kind, *fs, x)));
        }
        g.finish();
    }
    c.final_summary();
    println!("\n| signal (300 s, 0.25 s chunks, analysis at 1 Hz over 60 s) | samples/s (median of 10) | one analysis, ms |");
    println!("| --- | --- | --- |");
    for (name, kind, fs, x) in &cases {
        let mut rates: Vec<f64> = (0..10)
            .map(|_| {
                let t = Instant::now();
                black_box(stream(*kind, *fs, x));
                x.len() as f64 / t.elapsed().as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        let calls = stream(*kind, *fs, x) as f64;
        let t = Instant::now();
        stream(*kind, *fs, x);
        let per = t.elapsed().as_secs_f64() * 1e3 / calls;
        println!("| {name} | {:.0} | {per:.2} |", rates[5]);
    }
}
