//! Fan-out from the bus to every connected page, without ever letting a page hold the bus back.
//!
//! The bus side (an executor observer or a zenoh callback) calls [`Hub::publish_event`],
//! [`Hub::publish_state`] or [`Hub::publish_camera`]; each call serialises nothing and blocks on nothing
//! but short, uncontended locks. Each client owns a bounded queue:
//! - *events* (alerts, utterances, suggestions, decisions, answers) queue up to a capacity; when a client
//!   falls behind, the oldest is dropped and counted, and the count is shown to that client and in
//!   `/api/stats`;
//! - *state* (driver state, vehicle, route, face, ...) is conflated: only the newest value per key waits,
//!   because a page only ever shows the current one;
//! - the *camera* image is conflated the same way, and only queued for clients allowed to see it.
//!
//! A new client first gets a `hello`, then the current state and the recent events, so a page opened (or
//! reloaded, or reconnected) in the middle of a drive is complete at once.

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Sizes of the hub's queues.
#[derive(Clone, Debug)]
pub struct HubConfig {
    /// Events waiting per client before the oldest is dropped.
    pub queue_capacity: usize,
    /// Recent events replayed to a new client (at most `queue_capacity`).
    pub history: usize,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            queue_capacity: 512,
            history: 200,
        }
    }
}

/// One frame for a page.
#[derive(Clone, Debug)]
pub enum Outbound {
    Text(Utf8Bytes),
    Binary(Bytes),
}

impl From<Outbound> for Message {
    fn from(o: Outbound) -> Message {
        match o {
            Outbound::Text(t) => Message::Text(t),
            Outbound::Binary(b) => Message::Binary(b),
        }
    }
}

/// A client's counters, as shown in diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClientStats {
    pub id: u64,
    pub peer: String,
    pub camera: bool,
    /// Events waiting to be sent.
    pub queued: usize,
    /// Events dropped because this client fell behind (oldest first).
    pub dropped: u64,
    /// State values replaced by a newer one before they were sent (normal, not a loss).
    pub conflated: u64,
    /// Frames sent.
    pub sent: u64,
    /// Messages from this client that were refused as malformed.
    pub rejected: u64,
}

/// The whole hub's counters (`/api/stats`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct HubStats {
    pub clients: Vec<ClientStats>,
    /// Samples the hub was fed.
    pub samples: u64,
    /// Events dropped for all clients so far, including clients that have left.
    pub dropped_total: u64,
}

#[derive(Default)]
struct Pending {
    events: VecDeque<Utf8Bytes>,
    state: BTreeMap<String, Utf8Bytes>,
    camera: Option<Bytes>,
    stats: ClientStats,
}

/// One connected page's queue.
pub struct ClientQueue {
    pub id: u64,
    pub peer: SocketAddr,
    /// Whether camera images go to this client (loopback peers only).
    pub camera: bool,
    capacity: usize,
    pending: Mutex<Pending>,
    notify: Notify,
}

impl ClientQueue {
    fn push_event(&self, frame: &Utf8Bytes) -> bool {
        let mut p = self.pending.lock();
        let mut dropped = false;
        while p.events.len() >= self.capacity {
            p.events.pop_front();
            p.stats.dropped += 1;
            dropped = true;
        }
        p.events.push_back(frame.clone());
        drop(p);
        self.notify.notify_one();
        dropped
    }

    fn push_state(&self, key: &str, frame: &Utf8Bytes) {
        let mut p = self.pending.lock();
        if p.state.insert(key.to_string(), frame.clone()).is_some() {
            p.stats.conflated += 1;
        }
        drop(p);
        self.notify.notify_one();
    }

    fn push_camera(&self, image: &Bytes) {
        let mut p = self.pending.lock();
        if p.camera.replace(image.clone()).is_some() {
            p.stats.conflated += 1;
        }
        drop(p);
        self.notify.notify_one();
    }

    /// Waits until something is pending (returns at once if something already is).
    pub async fn ready(&self) {
        self.notify.notified().await
    }

    /// Takes everything pending: events in order, then the newest state values, then the camera image.
    pub fn take(&self) -> Vec<Outbound> {
        let mut p = self.pending.lock();
        let mut out: Vec<Outbound> = p.events.drain(..).map(Outbound::Text).collect();
        out.extend(
            std::mem::take(&mut p.state)
                .into_values()
                .map(Outbound::Text),
        );
        out.extend(p.camera.take().map(Outbound::Binary));
        p.stats.sent += out.len() as u64;
        out
    }

    /// Counts a malformed message from this client.
    pub fn count_rejected(&self) {
        self.pending.lock().stats.rejected += 1;
    }

    pub fn stats(&self) -> ClientStats {
        let p = self.pending.lock();
        ClientStats {
            queued: p.events.len(),
            ..p.stats.clone()
        }
    }
}

#[derive(Default)]
struct Shared {
    clients: BTreeMap<u64, Arc<ClientQueue>>,
    /// Newest value per state key, for new clients.
    state: BTreeMap<String, Utf8Bytes>,
    /// Recent events, for new clients.
    history: VecDeque<Utf8Bytes>,
    /// Drops of clients that have left.
    dropped_gone: u64,
}

/// The fan-out point between the bus and the pages.
pub struct Hub {
    config: HubConfig,
    shared: Mutex<Shared>,
    next_id: AtomicU64,
    samples: AtomicU64,
    camera_clients: AtomicUsize,
    dropped_total: AtomicU64,
}

impl Hub {
    pub fn new(config: HubConfig) -> Self {
        let queue_capacity = config.queue_capacity.max(2);
        // The replay and the `hello` before it must fit in a new client's queue.
        let config = HubConfig {
            queue_capacity,
            history: config.history.min(queue_capacity - 1),
        };
        Hub {
            config,
            shared: Mutex::default(),
            next_id: AtomicU64::new(1),
            samples: AtomicU64::new(0),
            camera_clients: AtomicUsize::new(0),
            dropped_total: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// Adds a client. Its queue starts with `hello`, then the current state and the recent events.
    pub fn register(
        &self,
        peer: SocketAddr,
        camera: bool,
        hello: impl FnOnce(u64) -> String,
    ) -> Arc<ClientQueue> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let client = Arc::new(ClientQueue {
            id,
            peer,
            camera,
            capacity: self.config.queue_capacity,
            pending: Mutex::new(Pending {
                stats: ClientStats {
                    id,
                    peer: peer.to_string(),
                    camera,
                    ..Default::default()
                },
                ..Default::default()
            }),
            notify: Notify::new(),
        });
        let mut shared = self.shared.lock();
        {
            let mut p = client.pending.lock();
            p.events.push_back(Utf8Bytes::from(hello(id)));
            p.events.extend(shared.history.iter().cloned());
            p.state = shared.state.clone();
        }
        client.notify.notify_one();
        if camera {
            self.camera_clients.fetch_add(1, Ordering::Relaxed);
        }
        shared.clients.insert(id, client.clone());
        client
    }

    /// Removes a client (its drops stay in the total).
    pub fn unregister(&self, id: u64) {
        let mut shared = self.shared.lock();
        if let Some(c) = shared.clients.remove(&id) {
            shared.dropped_gone += c.stats().dropped;
            if c.camera {
                self.camera_clients.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts a sample fed to the hub (whatever became of it).
    pub fn count_sample(&self) {
        self.samples.fetch_add(1, Ordering::Relaxed);
    }

    /// An event every client must see (in order): queued, oldest dropped when a client is behind.
    pub fn publish_event(&self, frame: String) {
        let frame = Utf8Bytes::from(frame);
        let mut shared = self.shared.lock();
        if self.config.history > 0 {
            if shared.history.len() >= self.config.history {
                shared.history.pop_front();
            }
            shared.history.push_back(frame.clone());
        }
        for c in shared.clients.values() {
            if c.push_event(&frame) {
                self.dropped_total.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// A state value: only the newest per `key` matters.
    pub fn publish_state(&self, key: &str, frame: String) {
        let frame = Utf8Bytes::from(frame);
        let mut shared = self.shared.lock();
        shared.state.insert(key.to_string(), frame.clone());
        for c in shared.clients.values() {
            c.push_state(key, &frame);
        }
    }

    /// A camera image, for the clients allowed to see it. Not kept for new clients (privacy, and it is
    /// stale a fraction of a second later anyway).
    pub fn publish_camera(&self, image: Bytes) {
        let shared = self.shared.lock();
        for c in shared.clients.values().filter(|c| c.camera) {
            c.push_camera(&image);
        }
    }

    /// Whether any connected client may receive camera images (so the work of making them can be skipped).
    pub fn wants_camera(&self) -> bool {
        self.camera_clients.load(Ordering::Relaxed) > 0
    }

    pub fn client_count(&self) -> usize {
        self.shared.lock().clients.len()
    }

    /// Samples fed so far.
    pub fn samples(&self) -> u64 {
        self.samples.load(Ordering::Relaxed)
    }

    /// Events dropped for all clients so far.
    pub fn dropped_total(&self) -> u64 {
        self.dropped_total.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> HubStats {
        let shared = self.shared.lock();
        HubStats {
            clients: shared.clients.values().map(|c| c.stats()).collect(),
            samples: self.samples(),
            dropped_total: self.dropped_total(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: Vec<Outbound>) -> Vec<String> {
        v.into_iter()
            .map(|o| match o {
                Outbound::Text(t) => t.as_str().to_string(),
                Outbound::Binary(b) => format!("<{} bytes>", b.len()),
            })
            .collect()
    }

    fn peer() -> SocketAddr {
        "127.0.0.1:9".parse().expect("addr")
    }

    #[test]
    fn a_slow_client_loses_the_oldest_events_and_it_is_counted() {
        let hub = Hub::new(HubConfig {
            queue_capacity: 3,
            history: 2,
        });
        let c = hub.register(peer(), false, |id| format!("hello {id}"));
        for i in 0..6 {
            hub.publish_event(format!("e{i}"));
        }
        assert_eq!(texts(c.take()), vec!["e3", "e4", "e5"]);
        assert_eq!(c.stats().dropped, 4, "hello and e0..e2 were dropped");
        assert_eq!(hub.dropped_total(), 4);
    }

    #[test]
    fn state_is_conflated_and_new_clients_get_a_replay() {
        let hub = Hub::new(HubConfig {
            queue_capacity: 8,
            history: 2,
        });
        hub.publish_event("e0".into());
        hub.publish_event("e1".into());
        hub.publish_event("e2".into());
        hub.publish_state("driver", "d1".into());
        hub.publish_state("driver", "d2".into());
        hub.publish_state("route", "r".into());
        let c = hub.register(peer(), false, |_| "hello".into());
        assert_eq!(texts(c.take()), vec!["hello", "e1", "e2", "d2", "r"]);
        hub.publish_state("driver", "d3".into());
        hub.publish_state("driver", "d4".into());
        assert_eq!(texts(c.take()), vec!["d4"]);
        assert_eq!(c.stats().conflated, 1);
        assert_eq!(c.stats().dropped, 0);
    }

    #[test]
    fn camera_images_only_reach_clients_allowed_to_see_them() {
        let hub = Hub::new(HubConfig::default());
        let local = hub.register(peer(), true, |_| "hello".into());
        let remote = hub.register("192.0.2.1:9".parse().expect("addr"), false, |_| {
            "hello".into()
        });
        assert!(hub.wants_camera());
        local.take();
        remote.take();
        hub.publish_camera(Bytes::from_static(b"CAM1...."));
        assert_eq!(texts(local.take()), vec!["<8 bytes>"]);
        assert!(remote.take().is_empty());
        hub.unregister(local.id);
        assert!(!hub.wants_camera());
        assert_eq!(hub.client_count(), 1);
    }
}
