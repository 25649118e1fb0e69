//! Heart rate, HRV and signal quality on synthetic ECG/PPG of known rhythm; garbage in -> flagged.

mod support;

use cabin_bus::messages::{BiometricChunk, BiometricKind, HeartState, SignalFlag};
use cabin_perception::biometrics::{HeartConfig, HeartMonitor};
use proptest::prelude::*;
use support::signals::{beat_times, chunks, ecg, ppg};
use support::Rng;

/// Feeds `samples` in chunks of `chunk_s` seconds and assesses at the end.
fn run(kind: BiometricKind, fs: f64, samples: &[f32], chunk_s: f64) -> HeartState {
    let mut m = HeartMonitor::new(kind, HeartConfig::default());
    let per = ((chunk_s * fs) as usize).max(1);
    for (t, chunk) in chunks(kind, fs, samples, per) {
        m.push(&chunk, t);
    }
    m.assess(samples.len() as f64 / fs)
}

/// Asserts a confident heart rate within one beat per minute of `bpm`.
fn assert_rate_within_one_bpm(s: &HeartState, bpm: f64) {
    let hr = s
        .heart_rate_bpm
        .unwrap_or_else(|| panic!("no confident figure at {bpm} bpm: {s:?}"));
    assert!((hr - bpm as f32).abs() <= 1.0, "{bpm}: {hr} ({s:?})");
}

#[test]
fn heart_rate_of_a_synthetic_ecg_is_within_one_bpm() {
    for (bpm, fs, noise) in [
        (48.0, 250.0, 0.03),
        (60.0, 250.0, 0.05),
        (72.0, 500.0, 0.05),
        (95.0, 250.0, 0.08),
        (130.0, 360.0, 0.05),
    ] {
        let beats = beat_times(&[60.0 / bpm], 40.0);
        let x = ecg(fs, 40.0, &beats, noise, 3);
        let s = run(BiometricKind::Ecg, fs, &x, 0.25);
        eprintln!("{bpm} bpm @ {fs} Hz: {s:?}");
        assert_rate_within_one_bpm(&s, bpm);
        assert!(s.quality > 0.8, "{s:?}");
        assert!(s.flags.is_empty(), "{s:?}");
        // 40 s of beats, all found (the first and last may sit on the window edge).
        let expected = beats.len() as i64;
        assert!(
            (s.beats as i64 - expected).abs() <= 2,
            "{} beats of {expected}",
            s.beats
        );
    }
}

#[test]
fn hrv_of_a_known_rr_pattern() {
    // RR alternating 0.77 / 0.83 s: successive differences 60 ms -> RMSSD 60 ms, SDNN 30 ms.
    let fs = 500.0;
    let beats = beat_times(&[0.77, 0.83], 70.0);
    let x = ecg(fs, 70.0, &beats, 0.03, 5);
    let s = run(BiometricKind::Ecg, fs, &x, 0.5);
    eprintln!("{s:?}");
    let rmssd = s.rmssd_ms.expect("rmssd");
    let sdnn = s.sdnn_ms.expect("sdnn");
    assert!((rmssd - 60.0).abs() < 5.0, "rmssd {rmssd}");
    assert!((sdnn - 30.0).abs() < 4.0, "sdnn {sdnn}");
    assert!((s.heart_rate_bpm.unwrap() - 75.0).abs() < 2.5);
}

#[test]
fn premature_beats_with_compensatory_pauses_are_not_artefacts() {
    // 75 bpm with a premature beat every 7th beat (coupling 0.4 s, pause 1.2 s: a full compensatory
    // pause, as the PVCs of PhysioNet record 0001). Same beat shape: this tests the timing rule only.
    let fs = 250.0;
    let beats = beat_times(&[0.8, 0.8, 0.8, 0.8, 0.8, 0.4, 1.2], 45.0);
    let x = ecg(fs, 45.0, &beats, 0.03, 11);
    let mut m = HeartMonitor::new(BiometricKind::Ecg, HeartConfig::default());
    let per = (0.5 * fs) as usize;
    for (t, chunk) in chunks(BiometricKind::Ecg, fs, &x, per) {
        m.push(&chunk, t);
        let now = t + chunk.samples.len() as f64 / fs;
        if now < 15.0 {
            continue;
        }
        // Every assessment, including those ending between a premature beat and its pause.
        let s = m.assess(now);
        assert!(!s.flags.contains(&SignalFlag::Artefact), "{now}: {s:?}");
        assert_rate_within_one_bpm(&s, 75.0);
    }
}

#[test]
fn heart_rate_of_a_synthetic_ppg_is_within_one_bpm() {
    for bpm in [55.0, 70.0, 110.0] {
        let fs = 100.0;
        let beats = beat_times(&[60.0 / bpm], 40.0);
        let x = ppg(fs, 40.0, &beats, 0.01, 9);
        let s = run(BiometricKind::Ppg, fs, &x, 0.5);
        eprintln!("ppg {bpm}: {s:?}");
        assert_rate_within_one_bpm(&s, bpm);
    }
}

#[test]
fn noise_lead_off_and_flatline_give_no_confident_figure() {
    let fs = 250.0;
    let mut rng = Rng(11);
    let noise: Vec<f32> = (0..(30.0 * fs) as usize)
        .map(|_| (0.5 * rng.normal()) as f32)
        .collect();
    let s = run(BiometricKind::Ecg, fs, &noise, 0.25);
    eprintln!("noise: {s:?}");
    assert_eq!(s.heart_rate_bpm, None);
    assert!(s.quality < 0.5);

    let flat = vec![0.2f32; (30.0 * fs) as usize];
    let s = run(BiometricKind::Ecg, fs, &flat, 0.25);
    assert_eq!(s.heart_rate_bpm, None);
    assert!(
        s.flags.contains(&SignalFlag::Flatline) && s.flags.contains(&SignalFlag::LeadOff),
        "{s:?}"
    );

    // Electrodes off: the amplifier sits at its rail (out of range) for the last 3 s.
    let beats = beat_times(&[0.8], 30.0);
    let mut x = ecg(fs, 30.0, &beats, 0.03, 2);
    let n = x.len();
    for v in &mut x[n - 750..] {
        *v = 50.0;
    }
    let s = run(BiometricKind::Ecg, fs, &x, 0.25);
    assert_eq!(s.heart_rate_bpm, None);
    assert!(
        s.flags.contains(&SignalFlag::OutOfRange) && s.flags.contains(&SignalFlag::LeadOff),
        "{s:?}"
    );
}

#[test]
fn nan_bursts_are_flagged_and_a_short_burst_does_not_fake_a_rate() {
    let fs = 250.0;
    let beats = beat_times(&[0.75], 30.0);
    let mut x = ecg(fs, 30.0, &beats, 0.03, 4);
    let n = x.len();
    // 1 s of NaN in the last 10 s: 10 % invalid > 5 % allowed.
    for v in &mut x[n - 1000..n - 750] {
        *v = f32::NAN;
    }
    x[n - 100] = f32::INFINITY;
    let s = run(BiometricKind::Ecg, fs, &x, 0.25);
    eprintln!("{s:?}");
    assert!(s.flags.contains(&SignalFlag::NotANumber));
    assert_eq!(s.heart_rate_bpm, None);
    // A single NaN sample: flagged, but the rate is still known and right.
    let mut y = ecg(fs, 30.0, &beats, 0.03, 4);
    y[n - 300] = f32::NAN;
    let s = run(BiometricKind::Ecg, fs, &y, 0.25);
    assert!(s.flags.contains(&SignalFlag::NotANumber));
    assert_rate_within_one_bpm(&s, 80.0);
}

#[test]
fn bad_sample_rates_and_empty_chunks_are_flagged() {
    for fs in [0.0f32, -250.0, f32::NAN, f32::INFINITY, 5.0, 1.0e9] {
        let mut m = HeartMonitor::new(BiometricKind::Ecg, HeartConfig::default());
        let r = m.push(
            &BiometricChunk {
                kind: BiometricKind::Ecg,
                sample_rate_hz: fs,
                samples: vec![0.1; 100],
            },
            0.0,
        );
        assert_eq!(r.flags, vec![SignalFlag::BadSampleRate], "{fs}");
        let s = m.assess(1.0);
        assert_eq!(s.heart_rate_bpm, None);
        assert!(s.flags.contains(&SignalFlag::BadSampleRate), "{fs}: {s:?}");
    }
    let mut m = HeartMonitor::new(BiometricKind::Ppg, HeartConfig::default());
    let r = m.push(
        &BiometricChunk {
            kind: BiometricKind::Ppg,
            sample_rate_hz: 100.0,
            samples: vec![],
        },
        0.0,
    );
    assert!(r.flags.is_empty());
    let s = m.assess(0.0);
    assert_eq!(s.heart_rate_bpm, None);
    assert!(s.flags.contains(&SignalFlag::TooFewBeats));
}

#[test]
fn stale_data_gives_no_figure() {
    let fs = 250.0;
    let beats = beat_times(&[0.8], 20.0);
    let x = ecg(fs, 20.0, &beats, 0.03, 1);
    let mut m = HeartMonitor::new(BiometricKind::Ecg, HeartConfig::default());
    m.push(
        &BiometricChunk {
            kind: BiometricKind::Ecg,
            sample_rate_hz: 250.0,
            samples: x,
        },
        0.0,
    );
    assert!(m.assess(20.0).heart_rate_bpm.is_some());
    assert_eq!(m.assess(25.0).heart_rate_bpm, None);
}

fn garbage_value() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -2.0f32..2.0,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(f32::MAX),
        1 => Just(-1.0e30f32),
        1 => any::<f32>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any sequence of chunks (bad values, bad rates, empty, out-of-order stamps): no panic, and a
    /// published rate is always a plausible, quality-backed number.
    #[test]
    fn biometric_garbage_never_panics_or_yields_confident_garbage(
        chunks in proptest::collection::vec(
            (prop_oneof![Just(250.0f32), Just(0.0), Just(f32::NAN), Just(-1.0), Just(100.0), any::<f32>()],
             proptest::collection::vec(garbage_value(), 0..400),
             -1.0f64..3.0),
            0..12),
        ppg in any::<bool>(),
    ) {
        let kind = if ppg { BiometricKind::Ppg } else { BiometricKind::Ecg };
        let mut m = HeartMonitor::new(kind, HeartConfig::default());
        let mut t = 0.0;
        for (fs, samples, dt) in &chunks {
            m.push(&BiometricChunk { kind, sample_rate_hz: *fs, samples: samples.clone() }, t);
            t += dt;
            let s = m.assess(t);
            prop_assert!(s.quality.is_finite() && (0.0..=1.0).contains(&s.quality));
            if let Some(hr) = s.heart_rate_bpm {
                prop_assert!(hr.is_finite() && (30.0..=200.0).contains(&hr), "{s:?}");
                prop_assert!(s.quality >= 0.5, "{s:?}");
            }
            for v in [s.rmssd_ms, s.sdnn_ms].into_iter().flatten() {
                prop_assert!(v.is_finite() && v >= 0.0);
            }
        }
    }
}
