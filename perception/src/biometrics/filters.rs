//! Signal-processing building blocks: Butterworth biquads, zero-phase filtering, moving averages.
//!
//! The heart analysis works on a sliding window of samples, so every filter here runs forward and
//! backward over the window (zero phase, like `filtfilt`): peaks stay where they are in time, and the
//! result does not depend on how the samples were chunked.

use std::f64::consts::PI;

/// A second-order IIR section (RBJ audio-EQ cookbook coefficients, normalised so a0 = 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

impl Biquad {
    /// Second-order Butterworth low-pass at `fc` Hz for sample rate `fs` (Q = 1/sqrt 2).
    pub fn lowpass(fc: f64, fs: f64) -> Biquad {
        Biquad::butterworth(fc, fs, |c| [(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0])
    }

    /// Second-order Butterworth high-pass at `fc` Hz for sample rate `fs`.
    pub fn highpass(fc: f64, fs: f64) -> Biquad {
        Biquad::butterworth(fc, fs, |c| [(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0])
    }

    /// The cookbook section at `fc` Hz with Q = 1/sqrt 2: `numerator(cos w)` gives b0..b2 before
    /// normalisation (the denominator is the same for the low- and the high-pass).
    fn butterworth(fc: f64, fs: f64, numerator: impl Fn(f64) -> [f64; 3]) -> Biquad {
        let w = 2.0 * PI * (fc / fs).clamp(1e-6, 0.499);
        let (s, c) = w.sin_cos();
        let alpha = s / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
        let a0 = 1.0 + alpha;
        Biquad {
            b: numerator(c).map(|b| b / a0),
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
        }
    }

    /// Filters `x` in place, forward (direct form II transposed, starting from rest at `x[0]`'s level).
    fn run(&self, x: &mut [f64]) {
        let Some(&first) = x.first() else { return };
        // Start in the steady state for a constant input equal to the first sample.
        let dc = (self.b[0] + self.b[1] + self.b[2]) / (1.0 + self.a[0] + self.a[1]);
        let y0 = dc * first;
        let mut z1 = y0 - self.b[0] * first;
        let mut z2 = self.b[2] * first - self.a[1] * y0;
        for v in x.iter_mut() {
            let xi = *v;
            let yi = self.b[0] * xi + z1;
            z1 = self.b[1] * xi - self.a[0] * yi + z2;
            z2 = self.b[2] * xi - self.a[1] * yi;
            *v = yi;
        }
    }
}

/// A detector's analysis window band-passed to `low_hz..high_hz` (Butterworth high-pass then low-pass,
/// zero phase, `pad_s` seconds of reflection at each end). `None` when the window is shorter than one
/// second or `fs` is not a positive rate: too little to find beats in.
pub fn band_pass_window(
    x: &[f64],
    fs: f64,
    (low_hz, high_hz): (f64, f64),
    pad_s: f64,
) -> Option<Vec<f64>> {
    if x.len() < fs as usize || !(fs > 0.0) {
        return None;
    }
    let sections = [Biquad::highpass(low_hz, fs), Biquad::lowpass(high_hz, fs)];
    Some(filtfilt(&sections, x, (fs * pad_s) as usize))
}

/// Zero-phase filtering through a cascade of sections: forward, then backward, with `pad` samples of odd
/// reflection at both ends to tame the edge transients.
pub fn filtfilt(sections: &[Biquad], x: &[f64], pad: usize) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let pad = pad.min(n - 1);
    let mut buf = Vec::with_capacity(n + 2 * pad);
    // Odd reflection: 2 * x[0] - x[pad..1], signal, 2 * x[n-1] - x[n-2..n-1-pad].
    buf.extend((1..=pad).rev().map(|i| 2.0 * x[0] - x[i]));
    buf.extend_from_slice(x);
    buf.extend((1..=pad).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
    for s in sections {
        s.run(&mut buf);
    }
    buf.reverse();
    for s in sections {
        s.run(&mut buf);
    }
    buf.reverse();
    buf[pad..pad + n].to_vec()
}

/// Centred moving average over `width` samples (shrinking at the edges).
pub fn moving_average(x: &[f64], width: usize) -> Vec<f64> {
    let n = x.len();
    let w = width.max(1);
    let half = w / 2;
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    for v in x {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + v);
    }
    (0..n)
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + w - half).min(n);
            (prefix[hi] - prefix[lo]) / (hi - lo).max(1) as f64
        })
        .collect()
}

pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

pub fn std_dev(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

pub fn median(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(f: f64, fs: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (2.0 * PI * f * i as f64 / fs).sin())
            .collect()
    }

    #[test]
    fn bandpass_keeps_the_band_and_removes_the_rest() {
        let fs = 250.0;
        let bp = [Biquad::highpass(5.0, fs), Biquad::lowpass(15.0, fs)];
        let amp = |f: f64| {
            let y = filtfilt(&bp, &tone(f, fs, 2500), 250);
            std_dev(&y[500..2000]) * std::f64::consts::SQRT_2
        };
        assert!(amp(10.0) > 0.7, "{}", amp(10.0));
        assert!(amp(0.5) < 0.01, "{}", amp(0.5));
        assert!(amp(60.0) < 0.05, "{}", amp(60.0));
    }

    #[test]
    fn zero_phase_keeps_a_peak_in_place() {
        let mut x = vec![0.0; 400];
        x[200] = 1.0;
        let y = filtfilt(&[Biquad::lowpass(15.0, 250.0)], &x, 100);
        let peak = y
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(peak, 200);
    }

    #[test]
    fn moving_average_and_median() {
        assert_eq!(
            moving_average(&[0.0, 3.0, 0.0, 3.0], 2),
            vec![0.0, 1.5, 1.5, 1.5]
        );
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
