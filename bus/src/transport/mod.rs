//! Transports: how samples move between nodes. Two implementations with the same API:
//! [`InProcess`] (one process, zero-copy `Arc` hand-off) and [`ZenohTransport`] (across processes and
//! ECUs). [`Bus`] sits on top of either and adds headers, sequence numbers and overflow accounting.

mod bus;
mod inproc;
mod zenoh;

pub use self::bus::{Bus, OverflowReport};
pub use self::zenoh::{ZenohConfig, ZenohMode, ZenohTransport};
pub use inproc::InProcess;

use self::zenoh::DecodeFailures;
use crate::error::Result;
use crate::queue::BoundedQueue;
use crate::sample::Sample;
use crate::topic::{QueuePolicy, TopicId};
use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Moves samples between publishers and subscribers.
pub trait Transport: Send + Sync {
    /// Delivers a sample to every subscriber of its topic. A lossless subscriber whose queue is full makes
    /// this return [`BusError::Overflow`](crate::BusError::Overflow) (the others still get the sample).
    fn publish(&self, sample: Arc<Sample>) -> Result<()>;
    /// Subscribes `subscriber` (a node name, for reports) to `topic` with a queue of the given policy.
    /// State topics deliver their last value at once.
    fn subscribe(
        &self,
        topic: TopicId,
        subscriber: &str,
        policy: QueuePolicy,
    ) -> Result<Subscription>;
    /// Human-readable name (`in-process`, `zenoh peer`).
    fn describe(&self) -> String;
}

/// What a subscription's queue holds: a sample, or a small zenoh payload whose version, topic and header
/// were checked on arrival and whose message is decoded when the subscriber takes it.
///
/// Why: decoding (validation, the owned vectors, the `Arc`) on zenoh's receive thread made that one thread
/// the bottleneck of small-message throughput (+0.4 µs of its CPU per message against raw zenoh, measured
/// with `--bench zenoh`); the subscriber's own thread has the time. The payload is copied inline (no
/// allocation, no reference to zenoh's receive buffer, which a queued slice would keep alive).
pub struct Delivery(Queued);

enum Queued {
    Sample(Arc<Sample>),
    Wire(self::zenoh::SmallPayload),
}

impl Delivery {
    pub(crate) fn sample(sample: Arc<Sample>) -> Self {
        Delivery(Queued::Sample(sample))
    }
    fn wire(payload: self::zenoh::SmallPayload) -> Self {
        Delivery(Queued::Wire(payload))
    }
}

/// A live subscription; dropping it unsubscribes.
pub struct Subscription {
    pub topic: TopicId,
    pub subscriber: String,
    queue: Arc<BoundedQueue<Delivery>>,
    /// Where a payload decoded late that turns out malformed is counted (zenoh subscriptions).
    failures: Option<Arc<DecodeFailures>>,
    _keepalive: Box<dyn Any + Send + Sync>,
}

impl Subscription {
    pub(crate) fn new(
        topic: TopicId,
        subscriber: &str,
        queue: Arc<BoundedQueue<Delivery>>,
        keepalive: Box<dyn Any + Send + Sync>,
    ) -> Self {
        Subscription {
            topic,
            subscriber: subscriber.to_string(),
            queue,
            failures: None,
            _keepalive: keepalive,
        }
    }

    pub(crate) fn with_decode_failures(mut self, failures: Arc<DecodeFailures>) -> Self {
        self.failures = Some(failures);
        self
    }

    /// The sample a delivery carries; `None` (counted as a decode failure) for a payload that does not
    /// decode.
    fn open(&self, d: Delivery) -> Option<Arc<Sample>> {
        match d.0 {
            Queued::Sample(s) => Some(s),
            Queued::Wire(w) => w.decode(self.topic, self.failures.as_deref()),
        }
    }

    pub fn try_recv(&self) -> Option<Arc<Sample>> {
        loop {
            if let Some(s) = self.open(self.queue.try_recv()?) {
                return Some(s);
            }
        }
    }
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Arc<Sample>> {
        // Queued already: no clock read (two per message were ~17% of this call's samples in a burst).
        while let Some(d) = self.queue.try_recv() {
            if let Some(s) = self.open(d) {
                return Some(s);
            }
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Some(s) = self.open(self.queue.recv_timeout(left)?) {
                return Some(s);
            }
        }
    }
    pub async fn recv(&self) -> Arc<Sample> {
        loop {
            if let Some(s) = self.open(self.queue.recv().await) {
                return s;
            }
        }
    }
    pub fn queue(&self) -> &Arc<BoundedQueue<Delivery>> {
        &self.queue
    }
}

impl Drop for Subscription {
    /// Payloads still queued are decoded once, so a malformed one is counted even if nobody took it.
    fn drop(&mut self) {
        if self.failures.is_some() {
            for d in self.queue.drain() {
                drop(self.open(d));
            }
        }
    }
}
