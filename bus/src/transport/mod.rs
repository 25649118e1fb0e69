//! Transports: how samples move between nodes. Two implementations with the same API:
//! [`InProcess`] (one process, zero-copy `Arc` hand-off) and [`ZenohTransport`] (across processes and
//! ECUs). [`Bus`] sits on top of either and adds headers, sequence numbers and overflow accounting.

mod bus;
mod inproc;
mod zenoh;

pub use self::bus::{Bus, OverflowReport};
pub use self::zenoh::{ZenohConfig, ZenohMode, ZenohTransport};
pub use inproc::InProcess;

use crate::error::Result;
use crate::queue::BoundedQueue;
use crate::sample::Sample;
use crate::topic::{QueuePolicy, TopicId};
use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

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

/// A live subscription; dropping it unsubscribes.
pub struct Subscription {
    pub topic: TopicId,
    pub subscriber: String,
    queue: Arc<BoundedQueue<Arc<Sample>>>,
    _keepalive: Box<dyn Any + Send + Sync>,
}

impl Subscription {
    pub(crate) fn new(
        topic: TopicId,
        subscriber: &str,
        queue: Arc<BoundedQueue<Arc<Sample>>>,
        keepalive: Box<dyn Any + Send + Sync>,
    ) -> Self {
        Subscription {
            topic,
            subscriber: subscriber.to_string(),
            queue,
            _keepalive: keepalive,
        }
    }
    pub fn try_recv(&self) -> Option<Arc<Sample>> {
        self.queue.try_recv()
    }
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Arc<Sample>> {
        self.queue.recv_timeout(timeout)
    }
    pub async fn recv(&self) -> Arc<Sample> {
        self.queue.recv().await
    }
    pub fn queue(&self) -> &Arc<BoundedQueue<Arc<Sample>>> {
        &self.queue
    }
}
