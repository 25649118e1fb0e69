//! One biometric source (ECG or PPG) from chunks to a [`HeartState`]: buffering on the sample clock,
//! validation, beat detection, heart rate, HRV and signal quality.
//!
//! **Never a confident number from garbage.** Samples that are NaN/inf or outside the sensor's range are
//! marked invalid (and flagged); gaps between chunks become missing samples; beats next to invalid
//! samples are discarded; RR intervals outside 30–200 bpm or more than 25 % from the median are
//! artefacts, not NN intervals. A heart rate is published only when the recent window has enough beats,
//! little invalid data, no flat/lead-off segment, and a beat-template correlation above the published
//! threshold (quality module). Otherwise `heart_rate_bpm` is `None` and the flags say why.
//!
//! Heart rate = 60 / median NN interval over the last `hr_window_s` (10 s) (artefacts are already out):
//! the figure issue 11 defines (60 / median RR per 10 s window); unlike the mean it is not pulled by a
//! few long intervals when the rate changes within the window (after a premature beat the sinus rate
//! slows, then settles faster: on PhysioNet record 0001's development minutes, assessed every second, the
//! one figure more than 2 bpm off was 60 / mean NN of such a window, 2.1 bpm under 60 / median).
//! HRV over the whole window
//! (`window_s`, 60 s): RMSSD from successive NN differences, SDNN = standard deviation of the NN
//! intervals. (Ultra-short windows are a known compromise: RMSSD from 60 s agrees well with 5 min
//! recordings, SDNN less so — Munoz et al., PLoS ONE 10(9): e0138921, 2015.)

use super::filters::{filtfilt, median, std_dev, Biquad};
use super::pan_tompkins::detect_r_peaks;
use super::ppg_peaks::detect_pulse_peaks;
use super::quality::{template_correlation, SampleState};
use cabin_bus::messages::{BiometricChunk, BiometricKind, HeartState, SignalFlag};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Limits of one kind of sensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalLimits {
    pub min_sample_rate_hz: f32,
    pub max_sample_rate_hz: f32,
    /// |sample| above this is out of range (ECG: millivolts; PPG: sensor units).
    pub abs_max: f32,
    /// A 1 s block with a standard deviation below this is flat (sensor off / lead off).
    pub flat_std: f32,
    /// Beat-template correlation needed for a confident figure (Orphanidou 2015: ECG 0.66, PPG 0.86).
    pub min_template_correlation: f32,
}

impl SignalLimits {
    pub fn ecg() -> Self {
        SignalLimits {
            min_sample_rate_hz: 100.0,
            max_sample_rate_hz: 10_000.0,
            abs_max: 10.0,
            flat_std: 0.005,
            min_template_correlation: 0.66,
        }
    }
    pub fn ppg() -> Self {
        SignalLimits {
            min_sample_rate_hz: 20.0,
            max_sample_rate_hz: 10_000.0,
            abs_max: 1.0e6,
            flat_std: 1.0e-4,
            min_template_correlation: 0.86,
        }
    }
}

impl Default for SignalLimits {
    fn default() -> Self {
        SignalLimits::ecg()
    }
}

/// Heart analysis settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HeartConfig {
    /// Samples kept and analysed (HRV window), seconds.
    pub window_s: f64,
    /// Heart-rate and quality window, seconds.
    pub hr_window_s: f64,
    /// Beats needed in the heart-rate window for a confident figure.
    pub min_beats: u32,
    /// NN intervals needed in the window for HRV.
    pub min_hrv_intervals: usize,
    /// Quality needed for a confident figure (0..1).
    pub min_quality: f32,
    /// Largest fraction of invalid/missing samples in the heart-rate window.
    pub max_invalid_fraction: f32,
    /// An RR interval further than this fraction from the median is an artefact.
    pub nn_tolerance: f64,
    /// Data older than this (relative to the assessment time) is stale: no figure.
    pub stale_after_s: f64,
    /// Gaps between chunks up to this long are filled as missing samples; longer ones restart.
    pub max_gap_s: f64,
    pub ecg: SignalLimits,
    pub ppg: SignalLimits,
}

impl Default for HeartConfig {
    fn default() -> Self {
        HeartConfig {
            window_s: 60.0,
            hr_window_s: 10.0,
            min_beats: 5,
            min_hrv_intervals: 20,
            min_quality: 0.5,
            max_invalid_fraction: 0.05,
            nn_tolerance: 0.25,
            stale_after_s: 2.0,
            max_gap_s: 5.0,
            ecg: SignalLimits::ecg(),
            ppg: SignalLimits::ppg(),
        }
    }
}

/// Buffer and analysis of one biometric source.
#[derive(Clone, Debug)]
pub struct HeartMonitor {
    kind: BiometricKind,
    config: HeartConfig,
    fs: Option<f64>,
    /// Time of the first buffered sample, seconds.
    start_s: f64,
    samples: VecDeque<f64>,
    states: VecDeque<SampleState>,
    bad_rate: bool,
}

/// Flags a chunk raised on arrival (before any analysis).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChunkReport {
    pub flags: Vec<SignalFlag>,
    pub accepted: usize,
}

fn push_flag(flags: &mut Vec<SignalFlag>, f: SignalFlag) {
    if !flags.contains(&f) {
        flags.push(f);
    }
}

impl HeartMonitor {
    pub fn new(kind: BiometricKind, config: HeartConfig) -> Self {
        HeartMonitor {
            kind,
            config,
            fs: None,
            start_s: 0.0,
            samples: VecDeque::new(),
            states: VecDeque::new(),
            bad_rate: false,
        }
    }

    pub fn kind(&self) -> BiometricKind {
        self.kind
    }

    fn limits(&self) -> &SignalLimits {
        match self.kind {
            BiometricKind::Ecg => &self.config.ecg,
            BiometricKind::Ppg => &self.config.ppg,
        }
    }

    fn clear(&mut self) {
        self.samples.clear();
        self.states.clear();
        self.fs = None;
    }

    /// Time just after the last buffered sample, seconds.
    pub fn end_s(&self) -> f64 {
        match self.fs {
            Some(fs) => self.start_s + self.samples.len() as f64 / fs,
            None => self.start_s,
        }
    }

    /// Adds a chunk whose first sample was taken at `start_s` seconds.
    pub fn push(&mut self, chunk: &BiometricChunk, start_s: f64) -> ChunkReport {
        let mut report = ChunkReport::default();
        let fs = chunk.sample_rate_hz;
        let lim = self.limits().clone();
        let placeable = fs.is_finite()
            && fs >= lim.min_sample_rate_hz
            && fs <= lim.max_sample_rate_hz
            && start_s.is_finite();
        if !placeable {
            // Samples that cannot be placed in time are useless: drop them and say so.
            self.bad_rate = true;
            self.clear();
            report.flags.push(SignalFlag::BadSampleRate);
            return report;
        }
        self.bad_rate = false;
        let fs = fs as f64;
        let abs_max = lim.abs_max as f64;
        if chunk.samples.is_empty() {
            return report;
        }
        match self.fs {
            Some(old) if (old - fs).abs() > 1e-9 => self.clear(),
            _ => {}
        }
        if self.fs.is_some() {
            let gap = start_s - self.end_s();
            if gap < -1.5 / fs || gap > self.config.max_gap_s {
                // Time went backwards or a long outage: start over.
                self.clear();
            } else if gap > 1.5 / fs {
                for _ in 0..(gap * fs).round() as usize {
                    self.samples.push_back(f64::NAN);
                    self.states.push_back(SampleState::Missing);
                }
            }
        }
        if self.fs.is_none() {
            self.fs = Some(fs);
            self.start_s = start_s;
        }
        for &v in &chunk.samples {
            let v = v as f64;
            let state = if !v.is_finite() {
                push_flag(&mut report.flags, SignalFlag::NotANumber);
                SampleState::NotANumber
            } else if v.abs() > abs_max {
                push_flag(&mut report.flags, SignalFlag::OutOfRange);
                SampleState::OutOfRange
            } else {
                report.accepted += 1;
                SampleState::Valid
            };
            self.samples.push_back(if state == SampleState::Valid {
                v
            } else {
                f64::NAN
            });
            self.states.push_back(state);
        }
        let keep = (self.config.window_s * fs).ceil() as usize;
        while self.samples.len() > keep {
            self.samples.pop_front();
            self.states.pop_front();
            self.start_s += 1.0 / fs;
        }
        report
    }

    fn empty_state(&self, flags: Vec<SignalFlag>) -> HeartState {
        HeartState {
            kind: self.kind,
            heart_rate_bpm: None,
            rmssd_ms: None,
            sdnn_ms: None,
            quality: 0.0,
            flags,
            beats: 0,
        }
    }

    /// The heart state at `now_s` from the buffered window.
    pub fn assess(&self, now_s: f64) -> HeartState {
        if self.bad_rate {
            return self.empty_state(vec![SignalFlag::BadSampleRate]);
        }
        let Some(fs) = self.fs else {
            return self.empty_state(vec![SignalFlag::TooFewBeats]);
        };
        let n = self.samples.len();
        if n == 0 || now_s - self.end_s() > self.config.stale_after_s {
            return self.empty_state(vec![SignalFlag::TooFewBeats]);
        }
        let states: Vec<SampleState> = self.states.iter().copied().collect();
        let mut flags = Vec::new();
        // Invalid samples are held at the last valid value so the filters see no jumps to NaN.
        let first_valid = self.samples.iter().copied().find(|v| v.is_finite());
        let Some(first_valid) = first_valid else {
            for s in &states {
                match s {
                    SampleState::NotANumber => push_flag(&mut flags, SignalFlag::NotANumber),
                    SampleState::OutOfRange => push_flag(&mut flags, SignalFlag::OutOfRange),
                    _ => {}
                }
            }
            push_flag(&mut flags, SignalFlag::TooFewBeats);
            return self.empty_state(flags);
        };
        let mut held = first_valid;
        let x: Vec<f64> = self
            .samples
            .iter()
            .map(|&v| {
                if v.is_finite() {
                    held = v;
                }
                held
            })
            .collect();
        // Prefix count of invalid samples, for "any invalid in [a, b)" queries.
        let mut bad_prefix = Vec::with_capacity(n + 1);
        bad_prefix.push(0usize);
        for s in &states {
            bad_prefix.push(
                bad_prefix.last().copied().unwrap_or(0) + (*s != SampleState::Valid) as usize,
            );
        }
        let any_bad = |a: usize, b: usize| bad_prefix[b.min(n)] > bad_prefix[a.min(n)];

        let hr_len = ((self.config.hr_window_s * fs) as usize).min(n);
        let hr_start = n - hr_len;
        for s in &states[hr_start..] {
            match s {
                SampleState::NotANumber => push_flag(&mut flags, SignalFlag::NotANumber),
                SampleState::OutOfRange => push_flag(&mut flags, SignalFlag::OutOfRange),
                _ => {}
            }
        }
        let invalid = (bad_prefix[n] - bad_prefix[hr_start]) as f64 / hr_len.max(1) as f64;

        // Flat 1 s blocks (of valid samples) in the recent window: sensor off / lead off.
        let block = fs.round().max(2.0) as usize;
        let lim = self.limits();
        let mut flat = false;
        let mut b = hr_start;
        while b + block <= n {
            let vals: Vec<f64> = (b..b + block)
                .filter(|&i| states[i] == SampleState::Valid)
                .map(|i| x[i])
                .collect();
            if vals.len() * 2 >= block && std_dev(&vals) < lim.flat_std as f64 {
                flat = true;
            }
            let out_of_range = (b..b + block)
                .filter(|&i| states[i] == SampleState::OutOfRange)
                .count();
            if self.kind == BiometricKind::Ecg && out_of_range * 2 >= block {
                // Rails for half a second or more: electrodes off.
                push_flag(&mut flags, SignalFlag::LeadOff);
            }
            b += block;
        }
        if flat {
            push_flag(&mut flags, SignalFlag::Flatline);
            if self.kind == BiometricKind::Ecg {
                push_flag(&mut flags, SignalFlag::LeadOff);
            }
        }

        let detected = match self.kind {
            BiometricKind::Ecg => detect_r_peaks(&x, fs),
            BiometricKind::Ppg => detect_pulse_peaks(&x, fs),
        };
        // Discard beats near invalid samples (held values, gaps) and near the window's edges.
        let guard = (0.25 * fs) as usize;
        let edge = (0.1 * fs) as usize;
        let beats: Vec<usize> = detected
            .into_iter()
            .filter(|&i| i >= edge && i + edge < n && !any_bad(i.saturating_sub(guard), i + guard))
            .collect();
        // RR intervals between consecutive clean beats with no invalid sample in between.
        let rr: Vec<RrInterval> = beats
            .windows(2)
            .filter(|w| !any_bad(w[0], w[1]))
            .map(|w| RrInterval {
                start: w[0],
                end: w[1],
                seconds: (w[1] - w[0]) as f64 / fs,
            })
            .collect();
        let plausible: Vec<f64> = rr
            .iter()
            .map(|r| r.seconds)
            .filter(|r| (0.3..=2.0).contains(r))
            .collect();
        let med = median(&plausible);
        let tol = self.config.nn_tolerance;
        let is_nn =
            |r: f64| (0.3..=2.0).contains(&r) && med.is_some_and(|m| (r - m).abs() <= tol * m);
        let mut ectopic = med.map_or_else(Vec::new, |m| ectopic_beats(&rr, m, tol));
        // The newest interval, when short, may lead into a premature beat whose pause has not arrived
        // yet: judged at the next assessment, not flagged now (on record 0001's development minutes every
        // window still flagged after the ectopic rule ended on a PVC).
        if let (Some(last), Some(m)) = (rr.last(), med) {
            if last.seconds < (1.0 - tol) * m && beats.last() == Some(&last.end) {
                ectopic.push(last.end);
            }
        }
        // An interval into or out of an ectopic beat is physiology, not an artefact: it is no NN interval
        // (so it enters neither the heart rate nor HRV) but raises no flag and costs no quality.
        let explained = |r: &RrInterval| {
            ectopic.binary_search(&r.start).is_ok() || ectopic.binary_search(&r.end).is_ok()
        };
        // The heart-rate window's intervals: both beats inside it. An interval reaching back across the
        // window's start belongs to the rate before it (on record 0001's development minutes, assessed
        // every second, one such interval took a slowing rhythm's figure from 1.0 to 2.3 bpm off).
        let recent_rr: Vec<&RrInterval> = rr.iter().filter(|r| r.start >= hr_start).collect();
        let recent_nn: Vec<f64> = recent_rr
            .iter()
            .map(|r| r.seconds)
            .filter(|&r| is_nn(r))
            .collect();
        let recent_unexplained = recent_rr
            .iter()
            .filter(|r| !is_nn(r.seconds) && !explained(r))
            .count();
        let recent_beats = beats.iter().filter(|&&b| b >= hr_start).count();
        if recent_unexplained > 0 {
            push_flag(&mut flags, SignalFlag::Artefact);
        }
        if (recent_beats as u32) < self.config.min_beats {
            push_flag(&mut flags, SignalFlag::TooFewBeats);
        }

        // Quality: valid fraction x plausible-interval fraction x beat-template correlation (Orphanidou
        // 2015). The template is built from the normal beats only: an ectopic beat's different shape is
        // real, not noise.
        let detrended = filtfilt(&[Biquad::highpass(0.5, fs)], &x, (2.0 * fs) as usize);
        let recent: Vec<usize> = beats
            .iter()
            .copied()
            .filter(|&b| b >= hr_start && ectopic.binary_search(&b).is_err())
            .collect();
        let corr = median(&recent_nn)
            .and_then(|m| template_correlation(&detrended, &recent, (m * fs) as usize))
            .unwrap_or(0.0);
        let nn_fraction = if recent_rr.is_empty() {
            0.0
        } else {
            (recent_rr.len() - recent_unexplained) as f64 / recent_rr.len() as f64
        };
        let quality = ((1.0 - invalid) * nn_fraction * corr.clamp(0.0, 1.0)).clamp(0.0, 1.0) as f32;
        if corr < lim.min_template_correlation as f64 && recent_beats >= 3 {
            push_flag(&mut flags, SignalFlag::Artefact);
        }

        let blocking = flags.iter().any(|f| {
            matches!(
                f,
                SignalFlag::Flatline
                    | SignalFlag::LeadOff
                    | SignalFlag::TooFewBeats
                    | SignalFlag::BadSampleRate
            )
        });
        let confident = !blocking
            && invalid <= self.config.max_invalid_fraction as f64
            && quality >= self.config.min_quality
            && corr >= lim.min_template_correlation as f64
            && recent_nn.len() + 1 >= self.config.min_beats as usize;
        let heart_rate_bpm = if confident && !recent_nn.is_empty() {
            median(&recent_nn).map(|m| (60.0 / m) as f32)
        } else {
            None
        };
        // HRV from NN intervals over the whole window; successive differences only between adjacent NN.
        let nn_all: Vec<&RrInterval> = rr.iter().filter(|r| is_nn(r.seconds)).collect();
        let (rmssd_ms, sdnn_ms) = if confident && nn_all.len() >= self.config.min_hrv_intervals {
            let values: Vec<f64> = nn_all.iter().map(|r| r.seconds).collect();
            let sdnn = std_dev(&values) * 1000.0;
            // Adjacent NN pairs: the second interval starts where the first ends.
            let diffs: Vec<f64> = nn_all
                .windows(2)
                .filter(|w| w[1].start == w[0].end)
                .map(|w| (w[1].seconds - w[0].seconds) * 1000.0)
                .collect();
            let rmssd = if diffs.is_empty() {
                None
            } else {
                Some((diffs.iter().map(|d| d * d).sum::<f64>() / diffs.len() as f64).sqrt() as f32)
            };
            (rmssd, Some(sdnn as f32))
        } else {
            (None, None)
        };
        HeartState {
            kind: self.kind,
            heart_rate_bpm,
            rmssd_ms,
            sdnn_ms,
            quality,
            flags,
            beats: beats.len() as u32,
        }
    }
}

/// One RR interval: the beats (sample indices) it runs between, and its length.
#[derive(Clone, Copy, Debug, PartialEq)]
struct RrInterval {
    start: usize,
    end: usize,
    seconds: f64,
}

/// Premature (ectopic) beats, sorted: a beat reached by an interval shorter than `(1 - tol) x median` and
/// left by a longer one, the two together spanning about two normal intervals (`2 x median`, within
/// `2 tol x median`): the premature beat and its compensatory pause. A short-short pair summing to one
/// interval (a spurious detection) or a lone long interval (a missed beat) does not qualify: those are
/// artefacts. On PhysioNet record 0001's development minutes the PVCs come at 0.47-0.67 of the median
/// interval with pauses summing to 1.96-2.19 medians.
fn ectopic_beats(rr: &[RrInterval], median_s: f64, tol: f64) -> Vec<usize> {
    rr.windows(2)
        .filter(|w| {
            let (into, out) = (w[0].seconds, w[1].seconds);
            w[1].start == w[0].end
                && into < (1.0 - tol) * median_s
                && out > into
                && (into + out - 2.0 * median_s).abs() <= 2.0 * tol * median_s
        })
        .map(|w| w[0].end)
        .collect()
}
