//! Heart rate on real ECG and PPG recordings, scored per 10 s window against reference beat annotations
//! (issue 11 item 5). The recordings come from PyPI packages, converted by `scripts/data/biosignals.sh`
//! (called by `scripts/setup.sh`) into `models/biosignals/`; what each one is: that script's docstring and
//! docs/perf/perception.md, "Biometrics on real recordings".
//!
//! Scoring, per non-overlapping 10 s window of a record fed through the real [`HeartMonitor`] in 1 s chunks
//! and assessed at the window's end (its heart-rate window is exactly the last 10 s):
//! - **reference** heart rate = 60 / median of the annotated RR intervals in the window whose two beats are
//!   both normal (N): NN intervals, so a premature beat and its compensatory pause do not enter it;
//! - a window is **valid** when every annotated beat in it is normal, **ectopic** when it holds any other
//!   beat (V, A, ...; scored separately so they cannot drag the figure either way), **invalid** when it holds
//!   a noise/unreadable annotation (`~`, `Q`, `?`) or fewer than 3 beats;
//! - a valid window counts as within 2 bpm only when the monitor published a confident figure within 2 bpm
//!   of the reference: a window with no figure is a miss, not an exclusion;
//! - flags: windows with any quality flag, counted in valid, ectopic and invalid windows separately.
//!
//! Records without annotations (GUDB, STAFF III, HeartPy PPG) are scored only for "runs, confident figures,
//! flags": no detector's output is taken as ground truth.
//!
//! Development / held-out split (the only annotated recording is PhysioNet 0001, 30 annotated minutes,
//! two leads): the monitor may be tuned on both leads' first 10 minutes (windows 0..60) only; both leads'
//! minutes 10..30 (windows 60..180) are held out and carry the asserted floors.

use cabin_bus::messages::{BiometricChunk, BiometricKind, HeartState};
use cabin_perception::biometrics::pan_tompkins::detect_r_peaks;
use cabin_perception::biometrics::{HeartConfig, HeartMonitor};
use std::path::{Path, PathBuf};

const WINDOW_S: f64 = 10.0;
const TOLERANCE_BPM: f64 = 2.0;
/// Beat-matching tolerance for the detector's sensitivity / positive predictivity (ANSI/AAMI EC57: 150 ms).
const MATCH_S: f64 = 0.150;
/// Development windows of the annotated record (both leads, minutes 0..10); everything after is held out.
const DEV_WINDOWS: usize = 60;

struct Record {
    name: String,
    kind: BiometricKind,
    fs: f64,
    samples: Vec<f32>,
    /// (sample index, annotation symbol), when the record has reference annotations.
    annotations: Option<Vec<(usize, String)>>,
}

fn data_dir() -> PathBuf {
    let hint = "run scripts/setup.sh (its step scripts/data/biosignals.sh fetches the wfdb, py-ecg-detectors \
                and heartpy packages from PyPI and converts their recordings into models/biosignals/)";
    let models = cabin_bus::assets::models_dir()
        .unwrap_or_else(|e| panic!("no models directory ({e}): {hint}"));
    let dir = models.join("biosignals");
    assert!(
        dir.join("records.tsv").is_file(),
        "{} is missing: {hint}",
        dir.join("records.tsv").display()
    );
    dir
}

fn read_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes.len() % 4, 0, "{}: not float32", path.display());
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn read_annotations(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (s, sym) = l.split_once(',').expect("sample,symbol");
            (s.parse().expect("sample index"), sym.to_string())
        })
        .collect()
}

fn load_records() -> Vec<Record> {
    let dir = data_dir();
    let tsv = std::fs::read_to_string(dir.join("records.tsv")).expect("records.tsv");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 6, "records.tsv row: {l}");
            Record {
                name: f[0].to_string(),
                kind: match f[1] {
                    "ecg" => BiometricKind::Ecg,
                    "ppg" => BiometricKind::Ppg,
                    other => panic!("records.tsv: kind {other}"),
                },
                fs: f[2].parse().expect("sample rate"),
                samples: read_f32(&dir.join(f[4])),
                annotations: (f[5] != "-").then(|| read_annotations(&dir.join(f[5]))),
            }
        })
        .collect()
}

/// The monitor's state at the end of every 10 s window of the record (1 s chunks).
fn monitor_windows(r: &Record) -> Vec<HeartState> {
    let mut m = HeartMonitor::new(r.kind, HeartConfig::default());
    let per = r.fs.round() as usize;
    let win = (WINDOW_S * r.fs).round() as usize;
    let mut out = Vec::new();
    let mut fed = 0usize;
    for w in 0..r.samples.len() / win {
        let end = (w + 1) * win;
        while fed < end {
            let upto = (fed + per).min(end);
            let chunk = BiometricChunk {
                kind: r.kind,
                sample_rate_hz: r.fs as f32,
                samples: r.samples[fed..upto].to_vec(),
            };
            m.push(&chunk, fed as f64 / r.fs);
            fed = upto;
        }
        out.push(m.assess(end as f64 / r.fs));
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum WindowClass {
    Valid,
    Ectopic,
    Invalid,
}

/// WFDB beat annotation codes (everything else is a rhythm/noise/comment annotation).
fn is_beat(sym: &str) -> bool {
    matches!(
        sym,
        "N" | "L"
            | "R"
            | "B"
            | "A"
            | "a"
            | "J"
            | "S"
            | "V"
            | "r"
            | "F"
            | "e"
            | "j"
            | "n"
            | "E"
            | "/"
            | "f"
            | "Q"
            | "?"
    )
}

/// Class and reference heart rate (60 / median NN) of the annotated window [a, b).
fn reference(ann: &[(usize, String)], a: usize, b: usize, fs: f64) -> (WindowClass, Option<f64>) {
    let inside: Vec<&(usize, String)> = ann.iter().filter(|(s, _)| (a..b).contains(s)).collect();
    let beats: Vec<&(usize, String)> = inside.iter().copied().filter(|(_, y)| is_beat(y)).collect();
    let noisy = inside
        .iter()
        .any(|(_, y)| matches!(y.as_str(), "~" | "Q" | "?"));
    let mut nn: Vec<f64> = beats
        .windows(2)
        .filter(|w| w[0].1 == "N" && w[1].1 == "N")
        .map(|w| (w[1].0 - w[0].0) as f64 / fs)
        .collect();
    nn.sort_by(f64::total_cmp);
    let hr = (!nn.is_empty()).then(|| 60.0 / nn[nn.len() / 2].midpoint(nn[(nn.len() - 1) / 2]));
    let class = if noisy || beats.len() < 3 || hr.is_none() {
        WindowClass::Invalid
    } else if beats.iter().any(|(_, y)| y != "N") {
        WindowClass::Ectopic
    } else {
        WindowClass::Valid
    };
    (class, hr)
}

/// Scores of one group of annotated windows.
#[derive(Default)]
struct Score {
    windows: usize,
    within: usize,
    published: usize,
    abs_err_sum: f64,
    flagged: usize,
    /// Lowest quality index among the windows.
    min_quality: Option<f32>,
}

impl Score {
    fn add(&mut self, reference_bpm: f64, s: &HeartState) {
        self.windows += 1;
        self.min_quality = Some(self.min_quality.map_or(s.quality, |q| q.min(s.quality)));
        if !s.flags.is_empty() {
            self.flagged += 1;
        }
        if let Some(hr) = s.heart_rate_bpm {
            let err = (hr as f64 - reference_bpm).abs();
            self.published += 1;
            self.abs_err_sum += err;
            if err <= TOLERANCE_BPM {
                self.within += 1;
            }
        }
    }
    fn within_pct(&self) -> f64 {
        100.0 * self.within as f64 / self.windows.max(1) as f64
    }
    fn mae(&self) -> f64 {
        self.abs_err_sum / self.published.max(1) as f64
    }
    fn row(&self) -> String {
        format!(
            "{:>4} windows  within 2 bpm {:>5.1}%  published {:>5.1}%  MAE {:>5.2} bpm  flagged {:>3}  \
             min quality {:.3}",
            self.windows,
            self.within_pct(),
            100.0 * self.published as f64 / self.windows.max(1) as f64,
            self.mae(),
            self.flagged,
            self.min_quality.unwrap_or(f32::NAN)
        )
    }
}

/// Sensitivity and positive predictivity of the raw R-peak detector over the whole record.
fn beat_match(detected: &[usize], ann: &[(usize, String)], fs: f64) -> (f64, f64) {
    let truth: Vec<usize> = ann
        .iter()
        .filter(|(_, y)| is_beat(y))
        .map(|a| a.0)
        .collect();
    let tol = (MATCH_S * fs) as usize;
    let hit = |x: usize, set: &[usize]| {
        let i = set.partition_point(|&v| v + tol < x);
        set.get(i).is_some_and(|&v| v <= x + tol)
    };
    let tp = truth.iter().filter(|&&t| hit(t, detected)).count();
    let matched = detected.iter().filter(|&&d| hit(d, &truth)).count();
    (
        tp as f64 / truth.len().max(1) as f64,
        matched as f64 / detected.len().max(1) as f64,
    )
}

struct AnnotatedResult {
    dev: Score,
    held_out: Score,
    ectopic_dev: Score,
    ectopic_held_out: Score,
    invalid: Score,
}

fn score_annotated(r: &Record, states: &[HeartState]) -> AnnotatedResult {
    let ann = r.annotations.as_deref().expect("annotated record");
    let win = (WINDOW_S * r.fs).round() as usize;
    let mut res = AnnotatedResult {
        dev: Score::default(),
        held_out: Score::default(),
        ectopic_dev: Score::default(),
        ectopic_held_out: Score::default(),
        invalid: Score::default(),
    };
    for (w, s) in states.iter().enumerate() {
        let (class, hr) = reference(ann, w * win, (w + 1) * win, r.fs);
        let dev = w < DEV_WINDOWS;
        if std::env::var_os("BIOMETRICS_REAL_VERBOSE").is_some() && dev {
            eprintln!(
                "  {} w{w:03} {class:?} ref {:>6.1}  got {:?} q {:.2} flags {:?}",
                r.name,
                hr.unwrap_or(f64::NAN),
                s.heart_rate_bpm,
                s.quality,
                s.flags
            );
        }
        let Some(hr) = hr else {
            res.invalid.windows += 1;
            res.invalid.flagged += (!s.flags.is_empty()) as usize;
            continue;
        };
        match (class, dev) {
            (WindowClass::Valid, true) => res.dev.add(hr, s),
            (WindowClass::Valid, false) => res.held_out.add(hr, s),
            (WindowClass::Ectopic, true) => res.ectopic_dev.add(hr, s),
            (WindowClass::Ectopic, false) => res.ectopic_held_out.add(hr, s),
            (WindowClass::Invalid, _) => res.invalid.add(hr, s),
        }
    }
    res
}

/// The held-out minutes (10..30) of record 0001 as measured once, after the last change, rounded down
/// (MAE rounded up; values in docs/perf/perception.md): (record, within-2-bpm % of valid windows, MAE bpm
/// of published figures, within-2-bpm % of ectopic windows, flagged valid windows at most).
/// Measured: lead 1 51 of 52 valid windows within 2 bpm (98.1 %, MAE 0.274), 68 of 68 ectopic, 1 valid
/// window flagged; lead 2 51 of 52 (98.1 %, MAE 0.270), 68 of 68, 4 flagged. Both meet the goal
/// (>= 95 %, asserted too); before the fiducial-lobe and median changes they were 94.2 % and 61.5 %.
const HELD_OUT_FLOORS: [(&str, f64, f64, f64, usize); 2] = [
    ("wfdb-0001-lead1", 98.0, 0.28, 100.0, 1),
    ("wfdb-0001-lead2", 98.0, 0.28, 100.0, 4),
];
/// Goal: share of valid windows within 2 bpm (issue 11 item 5).
const GOAL_PCT: f64 = 95.0;
/// Lowest quality index of a development valid window, both leads: the gate is Orphanidou's 0.66 beat-template
/// correlation. Lead 2's lowest was 0.667 while R peaks jumped between the lobes of its RS complex, 0.814
/// once the fiducial lobe is chosen once per window (pan_tompkins::locate_r_peaks); lead 1's is 0.961.
const DEV_MIN_QUALITY: f32 = 0.75;
/// Beat detection on the whole annotated record (development and held-out minutes): Se and +P at least.
const MIN_SE_PPV: f64 = 0.99;
/// Unannotated records (no ground truth: no accuracy claimed): (record, confident windows at least,
/// flagged windows at most), measured with a little margin.
const UNANNOTATED_FLOORS: [(&str, usize, usize); 7] = [
    ("wfdb-001a-II", 29, 1),
    ("wfdb-001b-II", 30, 1),
    ("gudb-sitting-chest-strap", 11, 1),
    // Einthoven II drifts past the ECG limits' +-10 mV (a DC-coupled amplifier): out-of-range flags.
    ("gudb-sitting-einthoven-II", 8, 5),
    ("heartpy-data", 2, 0),
    ("heartpy-data2", 5, 9),
    ("heartpy-data3", 64, 15),
];

#[test]
fn heart_rate_on_real_recordings() {
    let records = load_records();
    assert!(
        records.iter().any(|r| r.annotations.is_some()),
        "no annotated record in models/biosignals/records.tsv"
    );
    let mut held_out_valid = Score::default();
    let mut held_out_ectopic = Score::default();
    let mut dev_valid = Score::default();
    let mut annotated: Vec<(String, AnnotatedResult, f64, f64)> = Vec::new();
    let mut unannotated: Vec<(String, usize, usize, usize)> = Vec::new();
    for r in &records {
        let states = monitor_windows(r);
        if let Some(ann) = &r.annotations {
            let x: Vec<f64> = r.samples.iter().map(|&v| v as f64).collect();
            let (se, ppv) = beat_match(&detect_r_peaks(&x, r.fs), ann, r.fs);
            let res = score_annotated(r, &states);
            eprintln!(
                "{} ({} Hz): R peaks over the whole record Se {:.2}% +P {:.2}%",
                r.name,
                r.fs,
                100.0 * se,
                100.0 * ppv
            );
            eprintln!("  dev      valid   {}", res.dev.row());
            eprintln!("  dev      ectopic {}", res.ectopic_dev.row());
            eprintln!("  held-out valid   {}", res.held_out.row());
            eprintln!("  held-out ectopic {}", res.ectopic_held_out.row());
            eprintln!(
                "  invalid  {} windows, flagged {}",
                res.invalid.windows, res.invalid.flagged
            );
            merge(&mut dev_valid, &res.dev);
            merge(&mut held_out_valid, &res.held_out);
            merge(&mut held_out_ectopic, &res.ectopic_held_out);
            annotated.push((r.name.clone(), res, se, ppv));
        } else {
            let published = states.iter().filter(|s| s.heart_rate_bpm.is_some()).count();
            let flagged = states.iter().filter(|s| !s.flags.is_empty()).count();
            let rates: Vec<f32> = states.iter().filter_map(|s| s.heart_rate_bpm).collect();
            let (lo, hi) = rates
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            eprintln!(
                "{} ({:.6} Hz, no annotations): {} windows, published {}, flagged {}, rate {lo:.0}..{hi:.0} bpm",
                r.name,
                r.fs,
                states.len(),
                published,
                flagged
            );
            if std::env::var_os("BIOMETRICS_REAL_VERBOSE").is_some() {
                for (w, s) in states.iter().enumerate() {
                    eprintln!(
                        "  w{w:03} got {:?} q {:.2} flags {:?}",
                        s.heart_rate_bpm, s.quality, s.flags
                    );
                }
            }
            unannotated.push((r.name.clone(), states.len(), published, flagged));
        }
    }
    eprintln!("development valid windows:  {}", dev_valid.row());
    eprintln!("held-out valid windows:     {}", held_out_valid.row());
    eprintln!("held-out ectopic windows:   {}", held_out_ectopic.row());

    for (name, within, mae, ectopic_within, max_flagged) in HELD_OUT_FLOORS {
        let (_, res, se, ppv) = annotated
            .iter()
            .find(|a| a.0 == name)
            .unwrap_or_else(|| panic!("{name} missing from models/biosignals/records.tsv"));
        assert!(
            *se >= MIN_SE_PPV && *ppv >= MIN_SE_PPV,
            "{name}: Se {se} +P {ppv}"
        );
        let h = &res.held_out;
        assert!(
            h.windows >= 40,
            "{name}: {} held-out valid windows",
            h.windows
        );
        assert!(h.within_pct() >= within, "{name} held-out: {}", h.row());
        assert!(h.within_pct() >= GOAL_PCT, "{name} held-out: {}", h.row());
        assert!(h.mae() <= mae, "{name} held-out: {}", h.row());
        assert!(h.flagged <= max_flagged, "{name} held-out: {}", h.row());
        let e = &res.ectopic_held_out;
        assert!(
            e.within_pct() >= ectopic_within && e.mae() <= mae,
            "{name} held-out ectopic: {}",
            e.row()
        );
        // The development minutes (both leads): the goal, no flag on a valid window, quality clear of the gate.
        assert!(
            res.dev.within_pct() >= GOAL_PCT,
            "{name} dev: {}",
            res.dev.row()
        );
        assert_eq!(res.dev.flagged, 0, "{name} dev: {}", res.dev.row());
        let q = res.dev.min_quality.unwrap_or(0.0);
        assert!(
            q >= DEV_MIN_QUALITY,
            "{name} dev: quality {q} near the gate: {}",
            res.dev.row()
        );
    }
    for (name, min_published, max_flagged) in UNANNOTATED_FLOORS {
        let (_, windows, published, flagged) = unannotated
            .iter()
            .find(|u| u.0 == name)
            .unwrap_or_else(|| panic!("{name} missing from models/biosignals/records.tsv"));
        assert!(
            *published >= min_published && *flagged <= max_flagged,
            "{name}: {windows} windows, published {published} (>= {min_published}), flagged {flagged} (<= {max_flagged})"
        );
    }
}

fn merge(into: &mut Score, s: &Score) {
    into.windows += s.windows;
    into.within += s.within;
    into.published += s.published;
    into.abs_err_sum += s.abs_err_sum;
    into.flagged += s.flagged;
    into.min_quality = match (into.min_quality, s.min_quality) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}
