//! Latency summaries for the live measurements (`live_rtsp`, the `alert_latency` example): one line of
//! p50, p99, min and max in milliseconds, so every live figure in docs/perf/live.md is computed alike.

/// The percentile `q` (0..1) of sorted values, at the rounded rank `(n - 1) * q`; NaN when empty.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// `name: n=… p50 … ms, p99 … ms, min … ms, max … ms` of the latencies `ms`.
pub fn summary(name: &str, mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "{name}: n={} p50 {:.1} ms, p99 {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.first().copied().unwrap_or(f64::NAN),
        ms.last().copied().unwrap_or(f64::NAN)
    )
}
