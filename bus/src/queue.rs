//! Bounded subscriber queues with an explicit overflow policy, and their counters.
//!
//! Every subscription owns one queue. Overflow never goes unnoticed: each queue counts what it dropped
//! or refused, and the runtime turns those counts into `QueueOverflow` diagnostics.

use crate::topic::QueuePolicy;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many times a blocking receive looks again (yielding in between) before it sleeps.
const SPINS_BEFORE_SLEEP: u32 = 8;

/// What happened to a pushed item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Queued.
    Queued,
    /// Queued, and an older item was dropped to make room (latest-only / drop-oldest).
    ReplacedOldest,
    /// Not queued: the lossless queue is full.
    Refused,
}

/// A bounded multi-producer queue with one consumer, blocking and async receive.
pub struct BoundedQueue<T> {
    policy: QueuePolicy,
    items: Mutex<VecDeque<T>>,
    ready: Condvar,
    notify: tokio::sync::Notify,
    dropped: AtomicU64,
    received: AtomicU64,
}

impl<T> BoundedQueue<T> {
    pub fn new(policy: QueuePolicy) -> Self {
        BoundedQueue {
            policy,
            items: Mutex::new(VecDeque::with_capacity(policy.capacity())),
            ready: Condvar::new(),
            notify: tokio::sync::Notify::new(),
            dropped: AtomicU64::new(0),
            received: AtomicU64::new(0),
        }
    }

    pub fn policy(&self) -> QueuePolicy {
        self.policy
    }

    /// Pushes an item according to the policy. Never blocks.
    pub fn push(&self, item: T) -> PushOutcome {
        let outcome = {
            let mut q = self.items.lock();
            let cap = self.policy.capacity();
            if q.len() < cap {
                q.push_back(item);
                PushOutcome::Queued
            } else {
                match self.policy {
                    QueuePolicy::Lossless(_) => PushOutcome::Refused,
                    QueuePolicy::LatestOnly | QueuePolicy::DropOldest(_) => {
                        q.pop_front();
                        q.push_back(item);
                        PushOutcome::ReplacedOldest
                    }
                }
            }
        };
        match outcome {
            PushOutcome::Queued => {
                self.received.fetch_add(1, Ordering::Relaxed);
            }
            PushOutcome::ReplacedOldest => {
                self.received.fetch_add(1, Ordering::Relaxed);
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            PushOutcome::Refused => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
        if outcome != PushOutcome::Refused {
            self.ready.notify_one();
            self.notify.notify_one();
        }
        outcome
    }

    pub fn try_recv(&self) -> Option<T> {
        self.items.lock().pop_front()
    }

    /// Waits up to `timeout` for an item.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<T> {
        // Look again a few times, yielding the core, before sleeping: when items arrive back to back a
        // sleeping consumer makes every push pay a futex wake-up in the producer (zenoh's receive thread).
        for _ in 0..SPINS_BEFORE_SLEEP {
            if let Some(x) = self.items.lock().pop_front() {
                return Some(x);
            }
            std::thread::yield_now();
        }
        let deadline = Instant::now() + timeout;
        let mut q = self.items.lock();
        loop {
            if let Some(x) = q.pop_front() {
                return Some(x);
            }
            if self.ready.wait_until(&mut q, deadline).timed_out() {
                return q.pop_front();
            }
        }
    }

    /// Waits for an item (async).
    pub async fn recv(&self) -> T {
        loop {
            let notified = self.notify.notified();
            if let Some(x) = self.try_recv() {
                return x;
            }
            notified.await;
        }
    }

    /// Takes everything queued now.
    pub fn drain(&self) -> Vec<T> {
        self.items.lock().drain(..).collect()
    }

    pub fn len(&self) -> usize {
        self.items.lock().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Items dropped (latest-only / drop-oldest) or refused (lossless) since creation.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
    /// Items accepted since creation.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_only_keeps_the_newest_and_counts() {
        let q = BoundedQueue::new(QueuePolicy::LatestOnly);
        assert_eq!(q.push(1), PushOutcome::Queued);
        assert_eq!(q.push(2), PushOutcome::ReplacedOldest);
        assert_eq!(q.push(3), PushOutcome::ReplacedOldest);
        assert_eq!(q.try_recv(), Some(3));
        assert_eq!(q.try_recv(), None);
        assert_eq!(q.dropped(), 2);
    }

    #[test]
    fn lossless_refuses_when_full_and_counts() {
        let q = BoundedQueue::new(QueuePolicy::Lossless(2));
        assert_eq!(q.push(1), PushOutcome::Queued);
        assert_eq!(q.push(2), PushOutcome::Queued);
        assert_eq!(q.push(3), PushOutcome::Refused);
        assert_eq!(q.drain(), vec![1, 2]);
        assert_eq!(q.dropped(), 1);
    }

    #[test]
    fn drop_oldest_keeps_order() {
        let q = BoundedQueue::new(QueuePolicy::DropOldest(2));
        for i in 0..5 {
            q.push(i);
        }
        assert_eq!(q.drain(), vec![3, 4]);
        assert_eq!(q.dropped(), 3);
    }

    #[test]
    fn recv_timeout_wakes_on_push() {
        let q = std::sync::Arc::new(BoundedQueue::new(QueuePolicy::Lossless(4)));
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.recv_timeout(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        q.push(7);
        assert_eq!(t.join().ok().flatten(), Some(7));
    }
}
