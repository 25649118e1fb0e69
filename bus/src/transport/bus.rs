//! [`Bus`]: the typed front of a transport. It stamps headers (source, per-source sequence number, vehicle
//! time), checks payload types at compile time through [`Topic`], and accounts for queue overflows so
//! they can be reported on the diagnostics topic.

use super::{Delivery, InProcess, Subscription, Transport, ZenohConfig, ZenohTransport};
use crate::error::Result;
use crate::header::{Header, NodeName};
use crate::messages::Payload;
use crate::queue::BoundedQueue;
use crate::sample::Sample;
use crate::time::SimTime;
use crate::topic::{QueuePolicy, Topic, TopicId};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

/// New drops on one subscription since the previous report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverflowReport {
    pub topic: TopicId,
    pub subscriber: String,
    /// Dropped since the previous report.
    pub new_drops: u64,
    /// Dropped in total.
    pub total_drops: u64,
}

struct Watched {
    topic: TopicId,
    subscriber: String,
    queue: Weak<BoundedQueue<Delivery>>,
    reported: u64,
}

/// A typed bus over a [`Transport`]. Clone it freely.
#[derive(Clone)]
pub struct Bus {
    vehicle: String,
    transport: Arc<dyn Transport>,
    seqs: Arc<Mutex<HashMap<(NodeName, TopicId), u64>>>,
    watched: Arc<Mutex<Vec<Watched>>>,
}

impl Bus {
    pub fn new(vehicle: &str, transport: Arc<dyn Transport>) -> Self {
        Bus {
            vehicle: vehicle.to_string(),
            transport,
            seqs: Arc::default(),
            watched: Arc::default(),
        }
    }

    /// A bus inside this process only.
    pub fn in_process(vehicle: &str) -> Self {
        Self::new(vehicle, Arc::new(InProcess::new()))
    }

    /// A bus over zenoh.
    pub fn zenoh(vehicle: &str, config: &ZenohConfig) -> Result<Self> {
        Ok(Self::new(
            vehicle,
            Arc::new(ZenohTransport::open(vehicle, config)?),
        ))
    }

    pub fn vehicle(&self) -> &str {
        &self.vehicle
    }
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The next sequence number for `source` on `topic`.
    pub fn next_seq(&self, source: &NodeName, topic: TopicId) -> u64 {
        let mut seqs = self.seqs.lock();
        let n = seqs.entry((source.clone(), topic)).or_insert(0);
        let s = *n;
        *n += 1;
        s
    }

    /// Publishes `payload` on `topic` as `source`, referring to vehicle time `stamp`. Returns the header.
    pub fn publish<T: Payload>(
        &self,
        source: &NodeName,
        topic: Topic<T>,
        stamp: SimTime,
        payload: T,
    ) -> Result<Header> {
        let header = Header {
            source: source.clone(),
            seq: self.next_seq(source, topic.id),
            stamp,
        };
        let sample = Sample {
            topic: topic.id,
            header: header.clone(),
            message: payload.into_message(),
        };
        self.transport.publish(Arc::new(sample))?;
        Ok(header)
    }

    /// Publishes a sample whose header is already set (replay, bridging).
    pub fn publish_sample(&self, sample: Arc<Sample>) -> Result<()> {
        self.transport.publish(sample)
    }

    /// Subscribes with the topic's declared queue policy.
    pub fn subscribe(&self, topic: TopicId, subscriber: &str) -> Result<Subscription> {
        self.subscribe_with(topic, subscriber, topic.info().policy)
    }

    /// Subscribes with an explicit queue policy.
    pub fn subscribe_with(
        &self,
        topic: TopicId,
        subscriber: &str,
        policy: QueuePolicy,
    ) -> Result<Subscription> {
        let sub = self.transport.subscribe(topic, subscriber, policy)?;
        self.watched.lock().push(Watched {
            topic,
            subscriber: subscriber.to_string(),
            queue: Arc::downgrade(sub.queue()),
            reported: 0,
        });
        Ok(sub)
    }

    /// Subscriptions that dropped or refused messages since the last call. Never silent: the runtime
    /// publishes each as a `QueueOverflow` diagnostic.
    pub fn overflow_report(&self) -> Vec<OverflowReport> {
        let mut out = Vec::new();
        let mut watched = self.watched.lock();
        watched.retain_mut(|w| {
            let Some(q) = w.queue.upgrade() else {
                return false;
            };
            let total = q.dropped();
            if total > w.reported {
                out.push(OverflowReport {
                    topic: w.topic,
                    subscriber: w.subscriber.clone(),
                    new_drops: total - w.reported,
                    total_drops: total,
                });
                w.reported = total;
            }
            true
        });
        out
    }
}
