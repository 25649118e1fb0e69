//! Time-weighted samples over a sliding window of vehicle time.
//!
//! Face observations arrive at the camera's frame rate, not on a fixed grid, so the window stores each
//! observation's duration and answers "how much time in the last N seconds was X" exactly, counting the
//! part of an interval that straddles the window start.

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct TimeWindow<T> {
    span_s: f64,
    /// (end time, duration, value), oldest first.
    items: VecDeque<(f64, f64, T)>,
}

impl<T: Copy> TimeWindow<T> {
    pub fn new(span_s: f64) -> Self {
        TimeWindow {
            span_s: span_s.max(0.0),
            items: VecDeque::new(),
        }
    }

    /// Records that `value` held for the `dt_s` seconds ending at `t_s`.
    pub fn push(&mut self, t_s: f64, dt_s: f64, value: T) {
        if dt_s > 0.0 && dt_s.is_finite() && t_s.is_finite() {
            self.items.push_back((t_s, dt_s, value));
        }
        self.prune(t_s);
    }

    /// Drops what ended before the window that ends at `now_s`.
    pub fn prune(&mut self, now_s: f64) {
        let start = now_s - self.span_s;
        while self.items.front().is_some_and(|(t, _, _)| *t <= start) {
            self.items.pop_front();
        }
    }

    /// Seconds within the window ending at `now_s` for which `pred` held.
    pub fn time_where(&self, now_s: f64, pred: impl Fn(&T) -> bool) -> f64 {
        let start = now_s - self.span_s;
        self.items
            .iter()
            .filter(|(_, _, v)| pred(v))
            .map(|(t, dt, _)| {
                let lo = (t - dt).max(start);
                let hi = t.min(now_s);
                (hi - lo).max(0.0)
            })
            .sum()
    }

    /// Forgets everything recorded so far.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn span_s(&self) -> f64 {
        self.span_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_time_in_the_window_including_partial_intervals() {
        let mut w = TimeWindow::new(10.0);
        w.push(2.0, 2.0, true); // [0, 2]
        w.push(5.0, 3.0, false); // [2, 5]
        w.push(11.0, 6.0, true); // [5, 11]
        assert!((w.time_where(11.0, |v| *v) - 7.0).abs() < 1e-12); // [1,2] + [5,11]
        assert!((w.time_where(11.0, |v| !*v) - 3.0).abs() < 1e-12);
        w.push(20.0, 9.0, false);
        assert!((w.time_where(20.0, |v| *v) - 1.0).abs() < 1e-12); // [10, 11]
    }
}
