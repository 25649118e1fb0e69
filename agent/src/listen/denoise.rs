//! Light noise suppression for cabin audio before the VAD and Moonshine: a high-pass that removes
//! engine and road rumble, then a per-frequency Wiener gain against a tracked noise floor.
//!
//! - **High-pass**: a 2nd-order Butterworth section (RBJ Audio EQ Cookbook biquad) at
//!   [`DEFAULT_HIGH_PASS_HZ`]. Car-interior noise has most of its power below 500 Hz and its engine
//!   tones at 40–200 Hz (see `noise.rs`), while speech intelligibility lives above ~300 Hz: telephone
//!   speech (300–3,400 Hz) is understood fine.
//! - **Wiener filter**: STFT with a 32 ms square-root-Hann window and 16 ms hop (perfect
//!   reconstruction with 50 % overlap), the noise power per bin tracked as the minimum of the smoothed
//!   power over ~2 s (R. Martin, "Noise power spectral density estimation based on optimal smoothing and
//!   minimum statistics", IEEE Trans. Speech Audio Proc. 9(5), 2001, simplified: fixed smoothing and a
//!   fixed bias), the a-priori SNR by the decision-directed rule (Y. Ephraim, D. Malah, IEEE Trans.
//!   ASSP 32(6), 1984, alpha = 0.98), gain `xi / (1 + xi)` floored at [`GAIN_FLOOR`] so the residual
//!   noise stays natural instead of "musical".
//!
//! Streaming: [`NoiseSuppressor::push`] takes any number of samples and returns the filtered ones
//! [`NoiseSuppressor::LATENCY`] samples late; [`NoiseSuppressor::process`] runs a whole clip and returns
//! it aligned, same length. Pure arithmetic: the same input gives the same output.

use super::vad::SAMPLE_RATE;
use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::f32::consts::PI;
use std::sync::Arc;

/// High-pass corner, Hz (see the module docs).
pub const DEFAULT_HIGH_PASS_HZ: f32 = 150.0;
/// Lowest Wiener gain: -14 dB.
pub const GAIN_FLOOR: f32 = 0.2;
const FRAME: usize = 512;
const HOP: usize = FRAME / 2;
const BINS: usize = FRAME / 2 + 1;
/// Smoothing of the power before the minimum is taken (~80 ms at a 16 ms hop).
const SMOOTHING: f32 = 0.8;
/// Frames per minimum-tracking sub-window (0.5 s) and sub-windows kept (4: ~2 s, longer than a word).
const SUB_WINDOW: usize = 32;
const SUB_WINDOWS: usize = 4;
/// The minimum of a smoothed noisy power sits below its mean; Martin's bias for this window and
/// smoothing is about 1.5 (his fig. 2 for D = 128 frames, smoothing ~0.8).
const MIN_BIAS: f32 = 1.5;
/// Decision-directed smoothing of the a-priori SNR (Ephraim & Malah).
const DD_ALPHA: f32 = 0.98;

/// What the suppressor does.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseSuppressorConfig {
    /// High-pass corner in Hz; None = no high-pass.
    pub high_pass_hz: Option<f32>,
    /// The Wiener filter after the high-pass.
    pub wiener: bool,
}

impl Default for NoiseSuppressorConfig {
    fn default() -> Self {
        NoiseSuppressorConfig {
            high_pass_hz: Some(DEFAULT_HIGH_PASS_HZ),
            wiener: true,
        }
    }
}

/// A biquad in transposed direct form II.
#[derive(Clone, Debug)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    z: [f32; 2],
}

impl Biquad {
    /// RBJ cookbook high-pass, Q = 1/sqrt(2) (Butterworth).
    fn high_pass(hz: f32) -> Self {
        let w0 = 2.0 * PI * hz / SAMPLE_RATE as f32;
        let alpha = w0.sin() / (2.0 * std::f32::consts::FRAC_1_SQRT_2);
        let cos = w0.cos();
        let a0 = 1.0 + alpha;
        Biquad {
            b: [
                (1.0 + cos) / 2.0 / a0,
                -(1.0 + cos) / a0,
                (1.0 + cos) / 2.0 / a0,
            ],
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }

    fn run(&mut self, x: f32) -> f32 {
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// Per-bin state of the Wiener filter.
struct Wiener {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    window: Vec<f32>,
    smoothed: Vec<f32>,
    current_min: Vec<f32>,
    minima: Vec<Vec<f32>>,
    noise: Vec<f32>,
    prev_gain_snr: Vec<f32>,
    frames: usize,
    /// Input not yet framed (starts with HOP zeros so the first frame is half padding).
    input: Vec<f32>,
    /// Overlap-add accumulator, FRAME long.
    overlap: Vec<f32>,
    spectrum: Vec<Complex32>,
    frame: Vec<f32>,
}

impl Wiener {
    fn new() -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let window = (0..FRAME)
            .map(|i| (0.5 - 0.5 * (2.0 * PI * i as f32 / FRAME as f32).cos()).sqrt())
            .collect();
        Wiener {
            forward: planner.plan_fft_forward(FRAME),
            inverse: planner.plan_fft_inverse(FRAME),
            window,
            smoothed: vec![0.0; BINS],
            current_min: vec![f32::MAX; BINS],
            minima: Vec::with_capacity(SUB_WINDOWS),
            noise: vec![0.0; BINS],
            prev_gain_snr: vec![0.0; BINS],
            frames: 0,
            input: vec![0.0; HOP],
            overlap: vec![0.0; FRAME],
            spectrum: vec![Complex32::new(0.0, 0.0); BINS],
            frame: vec![0.0; FRAME],
        }
    }

    /// Adds samples; returns the finished ones (HOP at a time).
    fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        self.input.extend_from_slice(samples);
        let mut start = 0;
        while self.input.len() - start >= FRAME {
            for (i, f) in self.frame.iter_mut().enumerate() {
                *f = self.input[start + i] * self.window[i];
            }
            self.filter_frame();
            out.extend_from_slice(&self.overlap[..HOP]);
            self.overlap.copy_within(HOP.., 0);
            self.overlap[FRAME - HOP..].fill(0.0);
            start += HOP;
        }
        self.input.drain(..start);
    }

    fn filter_frame(&mut self) {
        // Both lengths are fixed at construction, so the FFTs cannot fail; a failure would leave the
        // frame unfiltered rather than panic.
        if self
            .forward
            .process(&mut self.frame, &mut self.spectrum)
            .is_err()
        {
            return;
        }
        self.frames += 1;
        if self.frames == 1 {
            // The first frame is half the priming zeros: its power would pin the noise minimum near
            // zero for the tracker's whole memory (2 s). It passes unfiltered, its output (the first
            // 16 ms) is the filter's latency.
            self.resynthesise();
            return;
        }
        for k in 0..BINS {
            let p = self.spectrum[k].norm_sqr();
            self.smoothed[k] = if self.frames == 2 {
                p
            } else {
                SMOOTHING * self.smoothed[k] + (1.0 - SMOOTHING) * p
            };
            self.current_min[k] = self.current_min[k].min(self.smoothed[k]);
        }
        if (self.frames - 1).is_multiple_of(SUB_WINDOW) {
            if self.minima.len() == SUB_WINDOWS {
                self.minima.remove(0);
            }
            self.minima.push(std::mem::replace(
                &mut self.current_min,
                vec![f32::MAX; BINS],
            ));
        }
        for k in 0..BINS {
            let floor = self
                .minima
                .iter()
                .map(|m| m[k])
                .fold(self.current_min[k], f32::min);
            self.noise[k] = (MIN_BIAS * floor).max(1e-12);
            let posterior = self.spectrum[k].norm_sqr() / self.noise[k];
            let prior =
                DD_ALPHA * self.prev_gain_snr[k] + (1.0 - DD_ALPHA) * (posterior - 1.0).max(0.0);
            let gain = (prior / (1.0 + prior)).max(GAIN_FLOOR);
            self.prev_gain_snr[k] = gain * gain * posterior;
            self.spectrum[k] *= gain;
        }
        self.resynthesise();
    }

    /// Inverse FFT of the (filtered) spectrum, windowed and overlap-added.
    fn resynthesise(&mut self) {
        // The DC and Nyquist bins of a real signal's spectrum must be real for the inverse FFT.
        self.spectrum[0].im = 0.0;
        self.spectrum[BINS - 1].im = 0.0;
        if self
            .inverse
            .process(&mut self.spectrum, &mut self.frame)
            .is_err()
        {
            return;
        }
        let scale = 1.0 / FRAME as f32; // realfft does not normalise
        for i in 0..FRAME {
            self.overlap[i] += self.frame[i] * self.window[i] * scale;
        }
    }
}

/// The noise suppressor of one audio stream. See the module docs.
pub struct NoiseSuppressor {
    high_pass: Option<Biquad>,
    wiener: Option<Wiener>,
    filtered: Vec<f32>,
}

impl Default for NoiseSuppressor {
    fn default() -> Self {
        Self::new(&NoiseSuppressorConfig::default())
    }
}

impl NoiseSuppressor {
    /// Samples by which [`push`](Self::push)'s output trails its input (the Wiener filter's half
    /// frame; 0 with the high-pass alone).
    pub const LATENCY: usize = HOP;

    pub fn new(config: &NoiseSuppressorConfig) -> Self {
        NoiseSuppressor {
            high_pass: config
                .high_pass_hz
                .filter(|hz| hz.is_finite() && *hz > 0.0 && *hz < SAMPLE_RATE as f32 / 2.0)
                .map(Biquad::high_pass),
            wiener: config.wiener.then(Wiener::new),
            filtered: Vec::new(),
        }
    }

    pub fn latency(&self) -> usize {
        if self.wiener.is_some() {
            Self::LATENCY
        } else {
            0
        }
    }

    /// Filters the next samples of the stream; returns as many as are finished.
    pub fn push(&mut self, samples: &[f32]) -> Vec<f32> {
        self.filtered.clear();
        match self.high_pass.as_mut() {
            Some(hp) => self.filtered.extend(samples.iter().map(|&x| hp.run(x))),
            None => self.filtered.extend_from_slice(samples),
        }
        match self.wiener.as_mut() {
            Some(w) => {
                let mut out = Vec::with_capacity(samples.len() + HOP);
                w.push(&self.filtered, &mut out);
                out
            }
            None => self.filtered.clone(),
        }
    }

    /// A whole clip, filtered and aligned with the input (same length).
    pub fn process(&mut self, samples: &[f32]) -> Vec<f32> {
        let latency = self.latency();
        let mut out = self.push(samples);
        if latency > 0 {
            out.extend(self.push(&vec![0.0; FRAME]));
            out.drain(..latency.min(out.len()));
        }
        out.truncate(samples.len());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::CabinNoise;

    fn tone(hz: f32, n: usize, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (2.0 * PI * hz * i as f32 / SAMPLE_RATE as f32).sin())
            .collect()
    }

    fn power(x: &[f32]) -> f32 {
        x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32
    }

    #[test]
    fn without_noise_reduction_the_stft_reconstructs_the_input() {
        let x = tone(1000.0, 8000, 0.5);
        let mut ns = NoiseSuppressor::new(&NoiseSuppressorConfig {
            high_pass_hz: None,
            wiener: false,
        });
        assert_eq!(ns.process(&x), x);
    }

    #[test]
    fn a_word_over_a_quiet_floor_passes_the_wiener_filter() {
        // 1 s of a quiet noise floor, then a 0.4 s tone burst (speech-like: it starts well above the
        // floor and is shorter than the noise tracker's 2 s memory)
        let mut x: Vec<f32> = CabinNoise::new(9)
            .take(16_000)
            .iter()
            .map(|v| 0.01 * v)
            .collect();
        x.extend(tone(1000.0, 6400, 0.5));
        x.extend(vec![0.0; 1600]);
        let y = NoiseSuppressor::new(&NoiseSuppressorConfig {
            high_pass_hz: None,
            wiener: true,
        })
        .process(&x);
        assert_eq!(y.len(), x.len());
        let burst = 16_000 + 1024..16_000 + 6400 - 1024;
        let kept = power(&y[burst.clone()]) / power(&x[burst]);
        assert!((0.8..1.1).contains(&kept), "burst power kept {kept:.2}");
        let floor = power(&y[4000..15000]) / power(&x[4000..15000]);
        assert!(floor < 0.2, "noise floor kept {floor:.2}");
    }

    #[test]
    fn rumble_is_removed_and_speech_band_kept() {
        let n = 3 * SAMPLE_RATE as usize;
        let noise = CabinNoise::new(3).take(n);
        let out = NoiseSuppressor::default().process(&noise);
        let (before, after) = (power(&noise[8000..]), power(&out[8000..]));
        assert!(
            after < before * 0.1,
            "noise power {before:.3} -> {after:.3}"
        );
        // a 0.4 s burst at 1 kHz (a word's length) 2 s into the noise, 10 dB under the noise's power
        let burst = 32_000..32_000 + 6400;
        let mut mixed = noise.clone();
        for (i, v) in tone(1000.0, burst.len(), 0.45).iter().enumerate() {
            mixed[burst.start + i] += v;
        }
        let out = NoiseSuppressor::default().process(&mixed);
        // the 1 kHz component inside the burst (away from its edges) keeps its amplitude
        let inner = burst.start + 1024..burst.end - 1024;
        let w = 2.0 * PI * 1000.0 / SAMPLE_RATE as f32;
        let (mut a, mut b) = (0.0f32, 0.0f32);
        for i in inner.clone() {
            a += out[i] * (w * (i - burst.start) as f32).sin();
            b += out[i] * (w * (i - burst.start) as f32).cos();
        }
        let amplitude = 2.0 * (a * a + b * b).sqrt() / inner.len() as f32;
        assert!(
            (0.35..0.5).contains(&amplitude),
            "1 kHz amplitude 0.45 -> {amplitude:.3}"
        );
    }

    #[test]
    fn streaming_equals_batch() {
        let x = CabinNoise::new(5).take(10_000);
        let batch = NoiseSuppressor::default().process(&x);
        let mut ns = NoiseSuppressor::default();
        let mut streamed = Vec::new();
        for c in x.chunks(333) {
            streamed.extend(ns.push(c));
        }
        assert_eq!(
            &streamed[NoiseSuppressor::LATENCY..],
            &batch[..streamed.len() - NoiseSuppressor::LATENCY]
        );
    }
}
