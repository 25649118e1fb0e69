//! The in-process transport: subscribers' bounded queues receive `Arc<Sample>` clones, so a camera frame
//! published once is shared, not copied, however many nodes read it.

use super::{Delivery, Subscription, Transport};
use crate::error::{BusError, Result};
use crate::queue::{BoundedQueue, PushOutcome};
use crate::sample::Sample;
use crate::topic::{QueuePolicy, TopicId, TOPICS};
use parking_lot::{Mutex, RwLock};
use std::sync::{Arc, Weak};

struct Entry {
    subscriber: String,
    queue: Weak<BoundedQueue<Delivery>>,
}

/// One process's bus. Cheap to clone (shared inside).
#[derive(Clone, Default)]
pub struct InProcess {
    inner: Arc<Inner>,
}

struct Inner {
    subscribers: Vec<RwLock<Vec<Entry>>>,
    last: Vec<Mutex<Option<Arc<Sample>>>>,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            subscribers: TOPICS.iter().map(|_| RwLock::new(Vec::new())).collect(),
            last: TOPICS.iter().map(|_| Mutex::new(None)).collect(),
        }
    }
}

impl InProcess {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Transport for InProcess {
    fn publish(&self, sample: Arc<Sample>) -> Result<()> {
        let topic = sample.topic;
        if !sample.is_well_typed() {
            return Err(BusError::WrongPayload {
                topic,
                found: sample.message.kind(),
            });
        }
        let idx = topic as usize;
        if topic.info().state {
            *self.inner.last[idx].lock() = Some(sample.clone());
        }
        let mut refused = None;
        let mut stale = false;
        for e in self.inner.subscribers[idx].read().iter() {
            match e.queue.upgrade() {
                Some(q) => {
                    if q.push(Delivery::sample(sample.clone())) == PushOutcome::Refused
                        && refused.is_none()
                    {
                        refused = Some((e.subscriber.clone(), q.policy().capacity()));
                    }
                }
                None => stale = true,
            }
        }
        if stale {
            self.inner.subscribers[idx]
                .write()
                .retain(|e| e.queue.strong_count() > 0);
        }
        match refused {
            Some((subscriber, capacity)) => Err(BusError::Overflow {
                topic,
                subscriber,
                capacity,
            }),
            None => Ok(()),
        }
    }

    fn subscribe(
        &self,
        topic: TopicId,
        subscriber: &str,
        policy: QueuePolicy,
    ) -> Result<Subscription> {
        let queue = Arc::new(BoundedQueue::new(policy));
        let idx = topic as usize;
        // Register before reading the last value so a concurrent publish is not missed in between.
        self.inner.subscribers[idx].write().push(Entry {
            subscriber: subscriber.to_string(),
            queue: Arc::downgrade(&queue),
        });
        if topic.info().state {
            if let Some(last) = self.inner.last[idx].lock().clone() {
                queue.push(Delivery::sample(last));
            }
        }
        Ok(Subscription::new(topic, subscriber, queue, Box::new(())))
    }

    fn describe(&self) -> String {
        "in-process".into()
    }
}
