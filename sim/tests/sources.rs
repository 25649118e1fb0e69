//! The other inputs of a scenario: real footage as the camera (an image folder, a video file, read
//! with OpenCV), and heart signals from the generators and from a CSV file.

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
use cabin_sim::scenario::Scenario;
use cabin_sim::source::{SimConfig, SimSource};
use opencv::core::{Mat, Scalar, Size, Vector, CV_8UC3};
use opencv::prelude::*;
use std::path::Path;
use std::sync::{Arc, Mutex};

fn scenario(extra: &str, dir: &Path) -> Scenario {
    let text = format!(
        "[scenario]\nname = \"t\"\nduration_s = 4.0\n\n[route]\npoints = [[48.0, 11.0], [48.01, 11.0]]\nspeed_kmh = 30\n\n{extra}"
    );
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    Scenario::load(&path).expect("scenario")
}

fn run(s: Scenario) -> Vec<Arc<Sample>> {
    let node = SimSource::new(
        s,
        &SimConfig {
            speech: "text".into(),
            ..SimConfig::default()
        },
    )
    .expect("sim");
    let mut exec = DeterministicExecutor::new(
        vec![(NodeName::new("sim").unwrap(), Box::new(node))],
        ExecutorOptions::default(),
    )
    .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    exec.observe(move |x| s2.lock().unwrap().push(x.clone()));
    exec.run();
    let v = seen.lock().unwrap().clone();
    v
}

/// A BGR image whose brightness encodes its index.
fn image(i: usize, w: i32, h: i32) -> Mat {
    Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(20.0 + 40.0 * i as f64)).unwrap()
}

#[test]
fn an_image_folder_is_the_camera_in_name_order_and_a_bad_image_is_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    for i in 0..4 {
        opencv::imgcodecs::imwrite(
            frames.join(format!("f{i}.png")),
            &image(i, 160, 120),
            &Vector::new(),
        )
        .unwrap();
    }
    std::fs::write(frames.join("f2b.png"), b"not a png").unwrap();
    let s = scenario(
        "[camera]\nsource = \"images\"\npath = \"frames\"\nfps = 2.0\nwidth = 80\nheight = 60\n",
        dir.path(),
    );
    let out = run(s);
    let cams: Vec<&CameraFrame> = out.iter().filter_map(|s| s.get::<CameraFrame>()).collect();
    // 8 ticks in 4 s at 2 fps; 5 files, one unreadable: 4 frames, then the footage ends.
    assert_eq!(cams.len(), 4);
    let means: Vec<f64> = cams
        .iter()
        .map(|f| {
            assert_eq!((f.width, f.height, f.format), (80, 60, PixelFormat::Gray8));
            f.data.iter().map(|&v| v as f64).sum::<f64>() / f.data.len() as f64
        })
        .collect();
    assert!(
        means.windows(2).all(|w| w[0] < w[1]),
        "in name order: {means:?}"
    );
    let diags: Vec<&Diagnostic> = out.iter().filter_map(|s| s.get::<Diagnostic>()).collect();
    assert!(
        diags.iter().any(|d| d.message.contains("f2b.png")),
        "{diags:?}"
    );
    assert!(
        diags.iter().any(|d| d.message.contains("footage ended")),
        "{diags:?}"
    );
    // Ground truth keeps coming at the camera rate.
    assert_eq!(
        out.iter()
            .filter(|s| s.topic == TopicId::GroundTruth)
            .count(),
        8
    );
}

#[test]
fn a_video_file_is_the_camera() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drive.avi");
    let fourcc = opencv::videoio::VideoWriter::fourcc('M', 'J', 'P', 'G').unwrap();
    let mut w =
        opencv::videoio::VideoWriter::new(&path, fourcc, 5.0, Size::new(160, 120), true).unwrap();
    assert!(w.is_opened().unwrap(), "OpenCV cannot write MJPG here");
    for i in 0..3 {
        w.write(&image(i, 160, 120)).unwrap();
    }
    w.release().unwrap();
    let s = scenario(
        "[camera]\nsource = \"video\"\npath = \"drive.avi\"\nfps = 2.0\nwidth = 160\nheight = 120\ncolor = \"rgb\"\nloop = true\n",
        dir.path(),
    );
    let out = run(s);
    let cams: Vec<&CameraFrame> = out.iter().filter_map(|s| s.get::<CameraFrame>()).collect();
    assert_eq!(cams.len(), 8, "looped: a frame at every tick");
    assert!(cams
        .iter()
        .all(|f| f.format == PixelFormat::Bgr8 && f.data.len() == 160 * 120 * 3));
    let mean =
        |f: &CameraFrame| f.data.iter().map(|&v| v as f64).sum::<f64>() / f.data.len() as f64;
    assert!(
        (mean(cams[0]) - mean(cams[3])).abs() < 3.0,
        "frame 3 is frame 0 again"
    );
    assert!(mean(cams[1]) > mean(cams[0]) + 20.0);
}

#[test]
fn generated_heart_signals_beat_at_the_scripted_rate() {
    let text = "[camera]\nsource = \"none\"\n\n[biometrics]\nheart_rate_bpm = 90\nhrv_std_bpm = 1.0\n\n[biometrics.ecg]\nsample_rate_hz = 250.0\n\n[biometrics.ppg]\nsample_rate_hz = 100.0\n";
    let long = format!("[scenario]\nname = \"t\"\nduration_s = 40.0\n\n[route]\npoints = [[48.0, 11.0], [48.01, 11.0]]\nspeed_kmh = 30\n\n{text}");
    let s = Scenario::parse(&long, "t.toml", None).expect("scenario");
    let out = run(s);
    let collect = |t: TopicId| -> Vec<f32> {
        out.iter()
            .filter(|s| s.topic == t)
            .flat_map(|s| s.get::<BiometricChunk>().unwrap().samples.clone())
            .collect()
    };
    let peaks = |v: &[f32], fs: f32| {
        let max = v.iter().cloned().fold(f32::MIN, f32::max);
        let min = v.iter().cloned().fold(f32::MAX, f32::min);
        let thr = min + 0.6 * (max - min);
        let refractory = (0.3 * fs) as usize;
        let mut last = 0usize;
        let mut n = 0;
        for i in 1..v.len() - 1 {
            if v[i] > thr
                && v[i] >= v[i - 1]
                && v[i] > v[i + 1]
                && (n == 0 || i - last > refractory)
            {
                n += 1;
                last = i;
            }
        }
        n
    };
    let ecg = collect(TopicId::Ecg);
    let ppg = collect(TopicId::Ppg);
    // Chunks start before the end: the last one may run past it (0.25 s of 250 Hz = 63 samples).
    assert!(
        (250 * 40..250 * 40 + 63).contains(&ecg.len()),
        "{}",
        ecg.len()
    );
    assert!(
        (100 * 40..100 * 40 + 25).contains(&ppg.len()),
        "{}",
        ppg.len()
    );
    // 90 bpm over 40 s = 60 beats.
    let (e, p) = (peaks(&ecg, 250.0), peaks(&ppg, 100.0));
    assert!((57..=62).contains(&e), "ECG beats {e}");
    assert!((57..=62).contains(&p), "PPG beats {p}");
}

#[test]
fn a_csv_signal_is_replayed_with_its_nan_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("time,ecg_mv\n");
    for i in 0..500 {
        if i == 100 {
            csv.push_str("0.4,\n");
        } else {
            csv.push_str(&format!(
                "{},{}\n",
                i as f64 / 250.0,
                (i % 50) as f64 / 50.0
            ));
        }
    }
    std::fs::write(dir.path().join("ecg.csv"), csv).unwrap();
    let s = scenario(
        "[camera]\nsource = \"none\"\n\n[biometrics.ecg]\nsource = \"csv\"\nfile = \"ecg.csv\"\ncolumn = \"ecg_mv\"\nsample_rate_hz = 250.0\nchunk_s = 0.5\nnoise = 0.0\n",
        dir.path(),
    );
    let out = run(s);
    let chunks: Vec<&BiometricChunk> = out
        .iter()
        .filter_map(|s| s.get::<BiometricChunk>())
        .collect();
    // 500 samples = 2 s: four chunks of 125, then the file has run out.
    assert_eq!(chunks.len(), 4);
    let all: Vec<f32> = chunks.iter().flat_map(|c| c.samples.clone()).collect();
    assert_eq!(all.len(), 500);
    assert!(all[100].is_nan());
    assert_eq!(all[51], 1.0 / 50.0);
    // A CSV row that is not a number is a scenario error naming the file and row.
    std::fs::write(dir.path().join("bad.csv"), "ecg\n0.1\nabc\n").unwrap();
    let text = "[scenario]\nname = \"t\"\nduration_s = 4.0\n\n[route]\npoints = [[48.0, 11.0], [48.01, 11.0]]\nspeed_kmh = 30\n\n[biometrics.ecg]\nsource = \"csv\"\nfile = \"bad.csv\"\nsample_rate_hz = 250.0\n";
    std::fs::write(dir.path().join("b.toml"), text).unwrap();
    let e = Scenario::load(&dir.path().join("b.toml")).unwrap_err();
    assert!(e.file.ends_with("bad.csv") && e.line == 3, "{e}");
}
