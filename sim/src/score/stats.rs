//! Error statistics of the frame metrics: mean absolute, 95th percentile absolute and mean signed
//! error (the bias), over the frames where both sides have a value.

use serde::Serialize;

/// Errors of one measured quantity (perceived minus truth), in its unit (degrees for head pose,
/// closure fraction 0..1 for the eyelids). `None` when no frame had both values.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ErrorStats {
    /// Frames with both a perceived and a true value.
    pub frames: u64,
    pub mean_abs: Option<f64>,
    /// 95th percentile of the absolute error, nearest rank: the smallest error at least 95 % of the
    /// frames do not exceed.
    pub p95_abs: Option<f64>,
    /// Mean of perceived minus truth: a systematic offset shows here and not in a spread.
    pub bias: Option<f64>,
}

impl ErrorStats {
    /// From signed errors (perceived minus truth); non-finite values are left out.
    pub fn of(errors: impl IntoIterator<Item = f64>) -> ErrorStats {
        let signed: Vec<f64> = errors.into_iter().filter(|e| e.is_finite()).collect();
        if signed.is_empty() {
            return ErrorStats::default();
        }
        let n = signed.len() as f64;
        let mut abs: Vec<f64> = signed.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        ErrorStats {
            frames: signed.len() as u64,
            mean_abs: Some(round4(abs.iter().sum::<f64>() / n)),
            p95_abs: nearest_rank(&abs, 0.95).map(round4),
            bias: Some(round4(signed.iter().sum::<f64>() / n)),
        }
    }
}

/// The nearest-rank percentile of sorted values: the value at rank ceil(q * n).
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// `num / den`, or `None` for an empty denominator.
pub fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| round4(num as f64 / den as f64))
}

/// Four decimals: enough for degrees and rates, and keeps float noise out of the JSON.
pub fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_the_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 0.95), Some(19.0));
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 0.95), Some(95.0));
        assert_eq!(nearest_rank(&[3.0], 0.95), Some(3.0));
        assert_eq!(nearest_rank(&[], 0.95), None);
    }

    #[test]
    fn error_stats_of_known_errors() {
        let s = ErrorStats::of([1.0, -1.0, 2.0, -2.0, f64::NAN]);
        assert_eq!(s.frames, 4);
        assert_eq!(s.mean_abs, Some(1.5));
        assert_eq!(s.p95_abs, Some(2.0));
        assert_eq!(s.bias, Some(0.0));
        assert_eq!(ErrorStats::of([]), ErrorStats::default());
        assert_eq!(ratio(1, 3), Some(0.3333));
        assert_eq!(ratio(1, 0), None);
    }
}
