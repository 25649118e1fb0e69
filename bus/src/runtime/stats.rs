//! Step-latency statistics (wall clock). These never enter the events log: they go to the metrics file
//! and, live, to the diagnostics topic.

use serde::Serialize;
use std::time::Duration;

/// Latency samples of one node's steps, with a bounded memory (a fixed ring of the most recent samples
/// for percentiles; count, total and max over all).
#[derive(Clone, Debug)]
pub struct StepStats {
    recent_us: Vec<u32>,
    next: usize,
    pub steps: u64,
    pub total: Duration,
    pub max: Duration,
    /// CPU time of the threads that ran the steps (see [`super::resources::thread_cpu_time`]).
    pub cpu: Duration,
    pub deadline_misses: u64,
    pub errors: u64,
    pub panics: u64,
}

const RING: usize = 4096;

impl Default for StepStats {
    fn default() -> Self {
        StepStats {
            recent_us: Vec::with_capacity(RING),
            next: 0,
            steps: 0,
            total: Duration::ZERO,
            max: Duration::ZERO,
            cpu: Duration::ZERO,
            deadline_misses: 0,
            errors: 0,
            panics: 0,
        }
    }
}

/// A summary for reports.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StepSummary {
    pub steps: u64,
    pub mean_us: f64,
    pub p50_us: u32,
    pub p99_us: u32,
    pub max_us: u32,
    /// CPU time spent in the steps, milliseconds (the stepping thread's clock).
    pub cpu_ms: u64,
    pub deadline_misses: u64,
    pub errors: u64,
    pub panics: u64,
}

impl StepStats {
    pub fn record(&mut self, d: Duration, deadline: Option<Duration>) {
        let us = d.as_micros().min(u32::MAX as u128) as u32;
        if self.recent_us.len() < RING {
            self.recent_us.push(us);
        } else {
            self.recent_us[self.next] = us;
        }
        self.next = (self.next + 1) % RING;
        self.steps += 1;
        self.total += d;
        self.max = self.max.max(d);
        if deadline.is_some_and(|dl| d > dl) {
            self.deadline_misses += 1;
        }
    }

    /// Adds the CPU time one step took on the thread that ran it.
    pub fn record_cpu(&mut self, cpu: Duration) {
        self.cpu += cpu;
    }

    pub fn summary(&self) -> StepSummary {
        let mut v = self.recent_us.clone();
        v.sort_unstable();
        let pct = |p: f64| {
            if v.is_empty() {
                0
            } else {
                v[((v.len() - 1) as f64 * p).round() as usize]
            }
        };
        StepSummary {
            steps: self.steps,
            mean_us: if self.steps == 0 {
                0.0
            } else {
                self.total.as_secs_f64() * 1e6 / self.steps as f64
            },
            p50_us: pct(0.5),
            p99_us: pct(0.99),
            max_us: self.max.as_micros().min(u32::MAX as u128) as u32,
            cpu_ms: self.cpu.as_millis().min(u64::MAX as u128) as u64,
            deadline_misses: self.deadline_misses,
            errors: self.errors,
            panics: self.panics,
        }
    }
}
