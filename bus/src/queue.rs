//! Bounded subscriber queues with an explicit overflow policy, and their counters.
//!
//! Every subscription owns one queue. Overflow never goes unnoticed: each queue counts what it dropped
//! or refused, and the runtime turns those counts into `QueueOverflow` diagnostics.

use crate::topic::QueuePolicy;
use crossbeam_queue::ArrayQueue;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};
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
///
/// The items live in a lock-free ring ([`ArrayQueue`], allocated once at the policy's capacity): a push
/// from zenoh's receive thread and a pop by the subscriber never wait for each other (the mutex this
/// replaced made the two threads contend on every message of a burst). The lock below
/// is only for sleeping: a push touches it only when a blocking receiver is asleep (or going to sleep).
pub struct BoundedQueue<T> {
    policy: QueuePolicy,
    items: ArrayQueue<T>,
    /// Blocking receivers inside the sleep path of [`BoundedQueue::recv_timeout`].
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    ready: Condvar,
    notify: tokio::sync::Notify,
    dropped: AtomicU64,
    received: AtomicU64,
}

impl<T> BoundedQueue<T> {
    pub fn new(policy: QueuePolicy) -> Self {
        BoundedQueue {
            policy,
            items: ArrayQueue::new(policy.capacity()),
            sleepers: AtomicUsize::new(0),
            sleep_lock: Mutex::new(()),
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
        let outcome = match self.policy {
            QueuePolicy::Lossless(_) => match self.items.push(item) {
                Ok(()) => PushOutcome::Queued,
                // The refused item is dropped here, and counted below.
                Err(_refused) => PushOutcome::Refused,
            },
            // `force_push` replaces the oldest item when full, atomically with respect to other pushes
            // and pops, so the ring keeps the newest `capacity` items in order.
            QueuePolicy::LatestOnly | QueuePolicy::DropOldest(_) => {
                match self.items.force_push(item) {
                    None => PushOutcome::Queued,
                    Some(_oldest) => PushOutcome::ReplacedOldest,
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
            self.wake();
        }
        outcome
    }

    /// Wakes a receiver after a push. The fence pairs with the one in `recv_timeout`'s sleep path: either
    /// this push sees the sleeper registered (and signals it under the lock it sleeps with), or the
    /// sleeper's look at the queue, made after registering, sees this item. No lost wake-up, and no lock
    /// or syscall per push while the receiver is awake.
    fn wake(&self) {
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::Relaxed) > 0 {
            let _sleeping = self.sleep_lock.lock();
            self.ready.notify_one();
        }
        // An atomic swap when no task waits (the permit is kept for the next `recv`).
        self.notify.notify_one();
    }

    pub fn try_recv(&self) -> Option<T> {
        self.items.pop()
    }

    /// Waits up to `timeout` for an item.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<T> {
        // Look again a few times, yielding the core, before sleeping: when items arrive back to back a
        // sleeping consumer makes every push pay a futex wake-up in the producer (zenoh's receive thread).
        for _ in 0..SPINS_BEFORE_SLEEP {
            if let Some(x) = self.items.pop() {
                return Some(x);
            }
            std::thread::yield_now();
        }
        let deadline = Instant::now() + timeout;
        let mut guard = self.sleep_lock.lock();
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let item = loop {
            if let Some(x) = self.items.pop() {
                break Some(x);
            }
            if self.ready.wait_until(&mut guard, deadline).timed_out() {
                break self.items.pop();
            }
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        item
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

    /// Takes everything queued now (at most one queue's worth, so a producer that keeps pushing cannot
    /// keep this call going).
    pub fn drain(&self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.items.len());
        while out.len() < self.items.capacity() {
            match self.items.pop() {
                Some(x) => out.push(x),
                None => break,
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
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

    #[test]
    fn latest_only_and_drop_oldest_count_what_they_replace() {
        let q = BoundedQueue::new(QueuePolicy::DropOldest(3));
        let outcomes: Vec<_> = (0..5).map(|i| q.push(i)).collect();
        assert_eq!(outcomes[..3], [PushOutcome::Queued; 3]);
        assert_eq!(outcomes[3..], [PushOutcome::ReplacedOldest; 2]);
        assert_eq!((q.received(), q.dropped(), q.len()), (5, 2, 3));
        assert_eq!(q.try_recv(), Some(2));
    }

    /// Two producers and a blocking consumer that sleeps between bursts: a lossless queue deep enough for
    /// everything delivers every item, each producer's in order, however the threads are scheduled (a
    /// lost wake-up would leave the consumer waiting for its 10 s timeout and miss items).
    #[test]
    fn concurrent_pushes_reach_a_sleeping_consumer_in_order() {
        const PER_PRODUCER: u64 = 5_000;
        let q = std::sync::Arc::new(BoundedQueue::new(QueuePolicy::Lossless(
            2 * PER_PRODUCER as usize,
        )));
        let producers: Vec<_> = (0..2u64)
            .map(|p| {
                let q = q.clone();
                std::thread::spawn(move || {
                    for i in 0..PER_PRODUCER {
                        assert_eq!(q.push((p, i)), PushOutcome::Queued);
                        if i % 500 == 0 {
                            // Let the consumer run dry and go to sleep now and then.
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                })
            })
            .collect();
        let mut next = [0u64; 2];
        while next.iter().sum::<u64>() < 2 * PER_PRODUCER {
            let Some((p, i)) = q.recv_timeout(Duration::from_secs(10)) else {
                break;
            };
            assert_eq!(i, next[p as usize], "producer {p} out of order");
            next[p as usize] += 1;
        }
        for t in producers {
            assert!(t.join().is_ok());
        }
        assert_eq!(next, [PER_PRODUCER; 2]);
        assert_eq!((q.received(), q.dropped()), (2 * PER_PRODUCER, 0));
    }

    /// One item at a time, each answered before the next is pushed, so every round the receiver runs dry
    /// and its look at the queue races the next push: pushed while it spins, while it registers as a
    /// sleeper, between its last look and its wait, or after it sleeps. The producer waits a varying
    /// while before each push to land in each of those windows. A lost wake-up (a push that neither the
    /// receiver's last look nor a notify reaches) leaves one side waiting out its 10 s timeout: `None`,
    /// and the test fails at the round where it happened, whatever the scheduling.
    #[test]
    fn ping_pong_never_loses_a_wake_up() {
        const ROUNDS: u32 = 5_000;
        const PATIENCE: Duration = Duration::from_secs(10);
        let ping = std::sync::Arc::new(BoundedQueue::new(QueuePolicy::Lossless(1)));
        let pong = std::sync::Arc::new(BoundedQueue::new(QueuePolicy::Lossless(1)));
        let (ping2, pong2) = (ping.clone(), pong.clone());
        let echo = std::thread::spawn(move || -> Result<(), String> {
            for round in 0..ROUNDS {
                let got = ping2
                    .recv_timeout(PATIENCE)
                    .ok_or_else(|| format!("ping {round} never woke the receiver"))?;
                if got != round {
                    return Err(format!("ping {round} arrived as {got}"));
                }
                for _ in 0..(round * 7) % 61 {
                    std::hint::spin_loop();
                }
                pong2.push(round);
            }
            Ok(())
        });
        for round in 0..ROUNDS {
            for _ in 0..(round * 13) % 97 {
                std::hint::spin_loop();
            }
            if round % 10 == 0 {
                // Long enough for the receiver to be asleep in the condition variable.
                std::thread::sleep(Duration::from_micros(200));
            }
            assert_eq!(ping.push(round), PushOutcome::Queued);
            assert_eq!(pong.recv_timeout(PATIENCE), Some(round), "pong {round}");
        }
        assert_eq!(echo.join().ok(), Some(Ok(())));
        assert_eq!(
            (ping.received(), pong.received()),
            (ROUNDS as u64, ROUNDS as u64)
        );
    }
}
