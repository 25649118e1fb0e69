//! Counting lost messages from sequence numbers across publisher restarts.
//!
//! Every message carries its publisher's sequence number per (source, topic), from 0 (see
//! `cabin_bus::Header`). A gap is a loss. A supervised process that is restarted publishes again from 0:
//! that is a new *incarnation* of the publisher, not billions of lost messages and not a duplicate. zenoh
//! delivers one publisher's reliable messages in order, so a number below the expected one can only mean
//! a new incarnation; the first numbers of that incarnation that did not arrive are losses too. What an
//! incarnation published after the last message received from it, before it died, cannot be known here
//! (nothing arrives to tell): the driver state's "no face observations for X s" reports that outage.

use cabin_bus::{Header, NodeName, TopicId};
use std::collections::BTreeMap;

/// What one message says about its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The first message seen from this publisher (whatever came before was before we listened).
    First,
    /// The next one, as expected.
    InOrder,
    /// `lost` messages are missing before this one.
    Gap { lost: u64 },
    /// The publisher started over (a restart); `lost` of its new incarnation's first messages are missing.
    Restarted { lost: u64 },
}

/// Received, lost and restarts of one (source, topic) stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamCount {
    pub received: u64,
    pub lost: u64,
    /// Incarnations seen after the first.
    pub restarts: u32,
    next: u64,
}

/// Sequence accounting of every stream seen.
#[derive(Clone, Debug, Default)]
pub struct LossCounter {
    streams: BTreeMap<(TopicId, NodeName), StreamCount>,
}

impl LossCounter {
    /// Accounts for one received message.
    pub fn observe(&mut self, topic: TopicId, header: &Header) -> Arrival {
        let seq = header.seq;
        let key = (topic, header.source.clone());
        let first = !self.streams.contains_key(&key);
        let s = self.streams.entry(key).or_default();
        let arrival = if first {
            Arrival::First
        } else if seq == s.next {
            Arrival::InOrder
        } else if seq > s.next {
            Arrival::Gap { lost: seq - s.next }
        } else {
            Arrival::Restarted { lost: seq }
        };
        match arrival {
            Arrival::Gap { lost } => s.lost += lost,
            Arrival::Restarted { lost } => {
                s.lost += lost;
                s.restarts += 1;
            }
            Arrival::First | Arrival::InOrder => {}
        }
        s.received += 1;
        s.next = seq + 1;
        arrival
    }

    /// The count of one stream.
    pub fn stream(&self, topic: TopicId, source: &str) -> Option<StreamCount> {
        self.streams
            .iter()
            .find(|((t, n), _)| *t == topic && n.as_str() == source)
            .map(|(_, c)| *c)
    }

    /// Every stream, in (topic, source) order.
    pub fn streams(&self) -> impl Iterator<Item = (TopicId, &str, StreamCount)> + '_ {
        self.streams.iter().map(|((t, n), c)| (*t, n.as_str(), *c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(seq: u64) -> Header {
        Header {
            source: NodeName::new("camera").unwrap_or_default(),
            seq,
            stamp: cabin_bus::SimTime::ZERO,
        }
    }

    #[test]
    fn gaps_are_losses_and_a_restart_is_a_new_incarnation() {
        let mut c = LossCounter::default();
        let t = TopicId::Face;
        assert_eq!(c.observe(t, &h(40)), Arrival::First);
        assert_eq!(c.observe(t, &h(41)), Arrival::InOrder);
        assert_eq!(c.observe(t, &h(44)), Arrival::Gap { lost: 2 });
        assert_eq!(c.observe(t, &h(0)), Arrival::Restarted { lost: 0 });
        assert_eq!(c.observe(t, &h(1)), Arrival::InOrder);
        assert_eq!(c.observe(t, &h(0)), Arrival::Restarted { lost: 0 });
        assert_eq!(c.observe(t, &h(3)), Arrival::Gap { lost: 2 });
        let s = c.stream(t, "camera").expect("stream");
        assert_eq!((s.received, s.lost, s.restarts), (7, 4, 2));
        assert!(c.stream(TopicId::Alert, "camera").is_none());
    }

    #[test]
    fn a_restart_whose_first_messages_were_lost_counts_them() {
        let mut c = LossCounter::default();
        c.observe(TopicId::Face, &h(0));
        c.observe(TopicId::Face, &h(500));
        assert_eq!(
            c.observe(TopicId::Face, &h(3)),
            Arrival::Restarted { lost: 3 }
        );
    }
}
