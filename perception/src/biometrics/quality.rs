//! Signal quality: per-sample validity, flat segments, and a beat-template correlation index.
//!
//! The template index follows C. Orphanidou et al., "Signal-Quality Indices for the Electrocardiogram and
//! Photoplethysmogram: Derivation and Applications to Wireless Monitoring", IEEE Journal of Biomedical and
//! Health Informatics 19(3):832–838, 2015: cut a window of one median RR interval around every detected
//! beat, average them into a template, and take the mean correlation of the beats with the template.
//! Clean signals repeat their beat shape; noise and artefacts do not. Their acceptance thresholds, used
//! as defaults: 0.66 for ECG, 0.86 for PPG.

use super::filters::mean;

/// Why a sample is not usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SampleState {
    Valid = 0,
    NotANumber = 1,
    OutOfRange = 2,
    /// No sample arrived for this instant (a gap between chunks).
    Missing = 3,
}

/// Pearson correlation; 0 when either side is constant.
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let (ma, mb) = (mean(&a[..n]), mean(&b[..n]));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (x, y) = (a[i] - ma, b[i] - mb);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// Mean correlation of the beats at `beats` with their average (window = `len` samples centred on each
/// beat). `None` with fewer than 3 complete beats.
pub fn template_correlation(x: &[f64], beats: &[usize], len: usize) -> Option<f64> {
    let half = len / 2;
    if len < 4 {
        return None;
    }
    let segs: Vec<&[f64]> = beats
        .iter()
        .filter(|&&b| b >= half && b + len - half <= x.len())
        .map(|&b| &x[b - half..b - half + len])
        .collect();
    if segs.len() < 3 {
        return None;
    }
    let mut template = vec![0.0; len];
    for s in &segs {
        for (t, v) in template.iter_mut().zip(s.iter()) {
            *t += v / segs.len() as f64;
        }
    }
    Some(mean(
        &segs
            .iter()
            .map(|s| correlation(s, &template))
            .collect::<Vec<f64>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_shapes_correlate_and_noise_does_not() {
        let beat = |i: usize| ((i as f64 - 10.0) / 2.0).powi(2).neg_exp();
        let x: Vec<f64> = (0..200).map(|i| beat(i % 40)).collect();
        let beats: Vec<usize> = (0..5).map(|k| 10 + 40 * k).collect();
        assert!(template_correlation(&x, &beats, 40).unwrap() > 0.99);
        let mut s = 12345u64;
        let noise: Vec<f64> = (0..200)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % 1000) as f64 / 1000.0
            })
            .collect();
        assert!(template_correlation(&noise, &beats, 40).unwrap() < 0.6);
        assert_eq!(correlation(&[1.0, 1.0], &[1.0, 2.0]), 0.0);
    }

    trait NegExp {
        fn neg_exp(self) -> f64;
    }
    impl NegExp for f64 {
        fn neg_exp(self) -> f64 {
            (-self).exp()
        }
    }
}
