//! When to restart a crashed process: exponential back-off from `initial`, capped at `cap`; a process
//! that ran `stable_after` before it crashed starts over from `initial`; after `max_fast_crashes`
//! crashes in a row, each within `stable_after` of its start, the supervisor gives up (a process that
//! cannot start — a missing model, a bad config — would otherwise restart forever and hide the cause).

use std::time::Duration;

/// The restart rules of one supervised process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RestartPolicy {
    pub initial: Duration,
    pub cap: Duration,
    pub stable_after: Duration,
    pub max_fast_crashes: u32,
}

impl Default for RestartPolicy {
    /// 0.5 s first: a camera process back in well under a second of drive time plus its model loading
    /// (the "cannot monitor, then back"); 30 s cap and stable period, as systemd-style supervisors
    /// use for a service's restart burst window; 5 fast crashes (systemd's StartLimitBurst default).
    fn default() -> Self {
        RestartPolicy {
            initial: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            stable_after: Duration::from_secs(30),
            max_fast_crashes: 5,
        }
    }
}

/// What to do after a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Restart { after: Duration },
    GiveUp { fast_crashes: u32 },
}

/// The crash history of one process.
#[derive(Clone, Debug)]
pub struct Backoff {
    policy: RestartPolicy,
    fast_crashes: u32,
}

impl Backoff {
    pub fn new(policy: RestartPolicy) -> Self {
        Backoff {
            policy,
            fast_crashes: 0,
        }
    }

    /// Crashes in a row, each soon after its start.
    pub fn fast_crashes(&self) -> u32 {
        self.fast_crashes
    }

    /// The process crashed after running `ran_for`.
    pub fn on_crash(&mut self, ran_for: Duration) -> Decision {
        let p = &self.policy;
        if ran_for >= p.stable_after {
            self.fast_crashes = 0;
            return Decision::Restart { after: p.initial };
        }
        self.fast_crashes += 1;
        if self.fast_crashes >= p.max_fast_crashes.max(1) {
            return Decision::GiveUp {
                fast_crashes: self.fast_crashes,
            };
        }
        let doublings = (self.fast_crashes - 1).min(30);
        let after = p.initial.saturating_mul(1u32 << doublings).min(p.cap);
        Decision::Restart { after }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RestartPolicy {
        RestartPolicy {
            initial: Duration::from_millis(100),
            cap: Duration::from_millis(500),
            stable_after: Duration::from_secs(10),
            max_fast_crashes: 5,
        }
    }

    #[test]
    fn fast_crashes_double_the_delay_up_to_the_cap_then_give_up() {
        let mut b = Backoff::new(policy());
        let fast = Duration::from_secs(1);
        let delays: Vec<_> = (0..4)
            .map(|_| match b.on_crash(fast) {
                Decision::Restart { after } => after.as_millis(),
                d => panic!("{d:?}"),
            })
            .collect();
        assert_eq!(delays, [100, 200, 400, 500]);
        assert_eq!(b.on_crash(fast), Decision::GiveUp { fast_crashes: 5 });
    }

    #[test]
    fn a_stable_run_resets_the_back_off() {
        let mut b = Backoff::new(policy());
        for _ in 0..3 {
            b.on_crash(Duration::from_secs(1));
        }
        assert_eq!(b.fast_crashes(), 3);
        assert_eq!(
            b.on_crash(Duration::from_secs(60)),
            Decision::Restart {
                after: Duration::from_millis(100)
            }
        );
        assert_eq!(b.fast_crashes(), 0);
        assert_eq!(
            b.on_crash(Duration::from_secs(1)),
            Decision::Restart {
                after: Duration::from_millis(100)
            }
        );
    }
}
