//! Pulse (systolic peak) detection in the PPG: Elgendi's two event-related moving averages.
//!
//! M. Elgendi, I. Norton, M. Brearley, D. Abbott, D. Schuurmans, "Systolic Peak Detection in Acceleration
//! Photoplethysmograms Measured from Emergency Responders in Tropical Conditions", PLoS ONE 8(10): e76585,
//! 2013. As published (the variant for the PPG itself):
//! 1. band-pass 0.5–8 Hz (second-order Butterworth, zero phase);
//! 2. clip negative values to zero and square: S[n] = max(x, 0)^2;
//! 3. two moving averages: MA_peak over W1 = 111 ms (a systolic peak) and MA_beat over W2 = 667 ms
//!    (one beat);
//! 4. offset alpha = beta * mean(S), beta = 0.02; "blocks of interest" are where MA_peak > MA_beat + alpha;
//! 5. blocks at least W1 long hold one systolic peak: the maximum of the filtered signal in the block.
//!
//! Added for robustness: peaks closer than 300 ms (above 200 bpm) keep only the larger one.

use super::filters::{band_pass_window, mean, moving_average};

pub const W1_S: f64 = 0.111;
pub const W2_S: f64 = 0.667;
pub const BETA: f64 = 0.02;

/// Detected systolic peaks, as sample indices into `x` (finite samples), in order.
pub fn detect_pulse_peaks(x: &[f64], fs: f64) -> Vec<usize> {
    let Some(f) = band_pass_window(x, fs, (0.5, 8.0), 2.0) else {
        return Vec::new();
    };
    let n = x.len();
    let s: Vec<f64> = f.iter().map(|v| v.max(0.0).powi(2)).collect();
    let w1 = ((W1_S * fs).round() as usize).max(1);
    let w2 = ((W2_S * fs).round() as usize).max(1);
    let ma_peak = moving_average(&s, w1);
    let ma_beat = moving_average(&s, w2);
    let alpha = BETA * mean(&s);
    let mut peaks: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        if ma_peak[i] > ma_beat[i] + alpha {
            let start = i;
            while i < n && ma_peak[i] > ma_beat[i] + alpha {
                i += 1;
            }
            if i - start >= w1 {
                let p = (start..i)
                    .max_by(|&a, &b| f[a].total_cmp(&f[b]))
                    .unwrap_or(start);
                peaks.push(p);
            }
        } else {
            i += 1;
        }
    }
    let min_gap = (0.3 * fs) as usize;
    let mut kept: Vec<usize> = Vec::with_capacity(peaks.len());
    for p in peaks {
        match kept.last() {
            Some(&l) if p - l < min_gap => {
                if f[p] > f[l] {
                    kept.pop();
                    kept.push(p);
                }
            }
            _ => kept.push(p),
        }
    }
    kept
}
