//! The zenoh transport: samples as codec bytes on `cabin/<vehicle>/<domain>/<topic>`.
//!
//! - Peer mode on loopback for tests (multicast scouting off, explicit endpoints), client/router mode for
//!   multi-ECU deployments; all from [`ZenohConfig`].
//! - State topics use zenoh-ext's advanced publisher (a one-sample cache) and advanced subscriber (history
//!   with late-publisher detection), so a node that joins or restarts gets the last value at once.
//! - Host-local topics (raw camera, raw audio, utterances) are published with
//!   `Locality::SessionLocal` unless the config exports them: privacy is enforced by zenoh's routing, not by
//!   convention.
//! - A secured deployment runs every link over TLS with mutual authentication (`[zenoh.tls]`) and lets
//!   zenoh's access control enforce which role publishes and subscribes what (`[zenoh.access_control]`,
//!   see [`crate::security`] and docs/SECURITY.md).
//! - Camera frames are published with congestion control `Drop` (a stale frame is worthless); events with
//!   `Block` so they are not lost.
//! - Pixels are not copied by this layer: they go out as their own zenoh slice next to the encoded header
//!   ([`codec::encode_parts`]) and come in as a slice of zenoh's receive buffer ([`codec::decode_shared`]).
//! - Small payloads (biometric chunks, alerts, state) are only header-checked on zenoh's receive thread and
//!   decoded by the subscriber when taken ([`SmallPayload`], [`super::Delivery`]): decoding them on zenoh's
//!   thread made it the bottleneck of small-message throughput (docs/perf/bus.md).

use super::{Delivery, Subscription, Transport};
use crate::codec;
use crate::error::{BusError, Result};
use crate::queue::BoundedQueue;
use crate::sample::Sample;
use crate::security::{AccessControl, TlsConfig};
use crate::topic::{QueuePolicy, TopicId, TOPICS};
use bytes::Bytes;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};
use zenoh::bytes::ZBytes;
use zenoh::qos::{CongestionControl, Priority};
use zenoh::sample::Locality;
use zenoh::Wait;
use zenoh_ext::{
    AdvancedPublisherBuilderExt, AdvancedSubscriberBuilderExt, CacheConfig, HistoryConfig,
};

/// zenoh session role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZenohMode {
    #[default]
    Peer,
    Client,
    Router,
}

/// How this process joins the zenoh network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ZenohConfig {
    pub mode: ZenohMode,
    /// Endpoints to connect to, e.g. `tcp/192.168.1.10:7447`.
    pub connect: Vec<String>,
    /// Endpoints to listen on, e.g. `tcp/127.0.0.1:7447`.
    pub listen: Vec<String>,
    /// UDP multicast scouting (discovery). Off by default: vehicles use explicit endpoints.
    pub multicast_scouting: bool,
    /// zenoh shared memory between processes on one host.
    pub shared_memory: bool,
    /// Let host-local topics (raw camera, raw audio, utterances) leave the process. Off by default.
    pub export_host_local: bool,
    /// TLS with mutual authentication on every link (endpoints must then be `tls/...`).
    pub tls: Option<TlsConfig>,
    /// Which role (certificate common name) may publish and subscribe which topics. Needs `tls`.
    pub access_control: Option<AccessControl>,
}

impl Default for ZenohConfig {
    fn default() -> Self {
        ZenohConfig {
            mode: ZenohMode::Peer,
            connect: Vec::new(),
            listen: Vec::new(),
            multicast_scouting: false,
            shared_memory: false,
            export_host_local: false,
            tls: None,
            access_control: None,
        }
    }
}

impl ZenohConfig {
    /// A peer on loopback that listens on `port` and connects to `peers` (ports), scouting off.
    pub fn loopback(port: u16, peers: &[u16]) -> Self {
        ZenohConfig {
            listen: vec![format!("tcp/127.0.0.1:{port}")],
            connect: peers.iter().map(|p| format!("tcp/127.0.0.1:{p}")).collect(),
            ..Default::default()
        }
    }

    /// A TLS peer on loopback with `tls`'s identity, listening on `port` and connecting to `peers`.
    pub fn loopback_tls(port: u16, peers: &[u16], tls: TlsConfig) -> Self {
        ZenohConfig {
            listen: vec![format!("tls/127.0.0.1:{port}")],
            connect: peers.iter().map(|p| format!("tls/127.0.0.1:{p}")).collect(),
            tls: Some(tls),
            ..Default::default()
        }
    }

    /// Checks the security settings: with TLS every endpoint is `tls/` (a plain listener would let
    /// unauthenticated peers in), and access control needs TLS (its subjects are certificate names).
    pub fn validate(&self) -> std::result::Result<(), crate::security::SecurityError> {
        use crate::security::SecurityError;
        if self.tls.is_some() {
            if let Some(e) = self
                .listen
                .iter()
                .chain(&self.connect)
                .find(|e| !e.starts_with("tls/"))
            {
                return Err(SecurityError::Tls(format!(
                    "endpoint '{e}' is not tls/...: with [zenoh.tls] every link must be TLS"
                )));
            }
        }
        if let Some(acl) = &self.access_control {
            if acl.enabled && self.tls.is_none() {
                return Err(SecurityError::Tls(
                    "access_control needs [zenoh.tls]: its roles are certificate names".into(),
                ));
            }
            acl.validate(self.export_host_local)?;
        }
        Ok(())
    }

    fn to_zenoh(&self, vehicle: &str) -> Result<zenoh::Config> {
        self.validate()
            .map_err(|e| BusError::Zenoh(format!("config: {e}")))?;
        let mut c = zenoh::Config::default();
        let set = |c: &mut zenoh::Config, key: &str, value: String| {
            c.insert_json5(key, &value)
                .map_err(|e| BusError::Zenoh(format!("config {key}: {e}")))
        };
        let mode = match self.mode {
            ZenohMode::Peer => "peer",
            ZenohMode::Client => "client",
            ZenohMode::Router => "router",
        };
        set(&mut c, "mode", format!("\"{mode}\""))?;
        let list = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        set(&mut c, "connect/endpoints", list(&self.connect))?;
        set(&mut c, "listen/endpoints", list(&self.listen))?;
        set(
            &mut c,
            "scouting/multicast/enabled",
            self.multicast_scouting.to_string(),
        )?;
        set(
            &mut c,
            "transport/shared_memory/enabled",
            self.shared_memory.to_string(),
        )?;
        // The advanced publisher (state topics, history for late joiners) orders samples by timestamp.
        set(
            &mut c,
            "timestamping/enabled",
            "{ router: true, peer: true, client: true }".into(),
        )?;
        if let Some(tls) = &self.tls {
            let v = tls
                .to_zenoh_json()
                .map_err(|e| BusError::Zenoh(format!("config: {e}")))?;
            set(&mut c, "transport/link/tls", v.to_string())?;
        }
        if let Some(acl) = self.access_control.as_ref().filter(|a| a.enabled) {
            let v = acl
                .to_zenoh_json(vehicle, self.export_host_local)
                .map_err(|e| BusError::Zenoh(format!("config: {e}")))?;
            set(&mut c, "access_control", v.to_string())?;
        }
        Ok(c)
    }
}

enum Publisher {
    Plain(zenoh::pubsub::Publisher<'static>),
    Advanced(zenoh_ext::AdvancedPublisher<'static>),
}

/// Undecodable messages seen by this transport's subscribers.
#[derive(Default)]
pub struct DecodeFailures {
    pub count: std::sync::atomic::AtomicU64,
    pub last: Mutex<Option<(TopicId, String)>>,
}

impl DecodeFailures {
    /// Counts one message on `topic` that was dropped because it did not decode, and why.
    fn record(&self, topic: TopicId, why: String) {
        tracing::warn!(%topic, error = %why, "undecodable message dropped");
        self.count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *self.last.lock() = Some((topic, why));
    }
}

/// Payloads up to this size are queued as bytes and decoded by the subscriber (see [`super::Delivery`]):
/// the small, frequent messages (biometric chunks, alerts, vehicle state), whose decoding costs more than
/// zenoh's own work per message. 120 bytes keep a queue slot at 128 bytes.
const SMALL_PAYLOAD: usize = 120;

/// A small payload copied out of zenoh's receive buffer, its version, topic and header already checked.
pub struct SmallPayload {
    len: u8,
    bytes: [u8; SMALL_PAYLOAD],
}

impl SmallPayload {
    /// Copies `bytes` if it is small enough and its version, topic and header are right for `topic`.
    /// `Ok(None)`: too big (decode it now); `Err`: does not belong here, or malformed.
    fn check(bytes: &[u8], topic: TopicId) -> Result<Option<Self>, String> {
        if bytes.len() > SMALL_PAYLOAD {
            return Ok(None);
        }
        match codec::decode_header(bytes) {
            Ok((t, _, _)) if t == topic => {}
            Ok((t, _, _)) => return Err(format!("sample for {t} arrived on {topic}")),
            Err(e) => return Err(e.to_string()),
        }
        let mut out = SmallPayload {
            len: bytes.len() as u8,
            bytes: [0; SMALL_PAYLOAD],
        };
        out.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(Some(out))
    }

    /// Decodes the payload; a malformed message is counted in `failures` and gives `None`.
    pub(super) fn decode(
        &self,
        topic: TopicId,
        failures: Option<&DecodeFailures>,
    ) -> Option<Arc<Sample>> {
        match codec::decode(&self.bytes[..self.len as usize]) {
            Ok(sample) => Some(Arc::new(sample)),
            Err(e) => {
                if let Some(f) = failures {
                    f.record(topic, e.to_string());
                }
                None
            }
        }
    }
}

/// A zenoh session carrying cabin samples.
pub struct ZenohTransport {
    session: zenoh::Session,
    vehicle: String,
    config: ZenohConfig,
    /// One publisher per topic, declared on first use. Read without a lock on every publish (the lock
    /// below only serialises declaring): a mutex and an `Arc` clone per message were ~5% of a small
    /// message's publish call.
    publishers: Vec<OnceLock<Publisher>>,
    declaring: Mutex<()>,
    decode_failures: Arc<DecodeFailures>,
}

impl ZenohTransport {
    pub fn open(vehicle: &str, config: &ZenohConfig) -> Result<Self> {
        if crate::NodeName::new(vehicle).is_none() {
            return Err(BusError::InvalidName(vehicle.to_string()));
        }
        let session = zenoh::open(config.to_zenoh(vehicle)?)
            .wait()
            .map_err(|e| BusError::Zenoh(e.to_string()))?;
        Ok(ZenohTransport {
            session,
            vehicle: vehicle.to_string(),
            config: config.clone(),
            publishers: TOPICS.iter().map(|_| OnceLock::new()).collect(),
            declaring: Mutex::new(()),
            decode_failures: Arc::new(DecodeFailures::default()),
        })
    }

    pub fn session(&self) -> &zenoh::Session {
        &self.session
    }

    pub fn decode_failures(&self) -> &Arc<DecodeFailures> {
        &self.decode_failures
    }

    fn publisher(&self, topic: TopicId) -> Result<&Publisher> {
        let slot = self
            .publishers
            .get(topic as usize)
            .ok_or_else(|| BusError::Zenoh(format!("no publisher slot for {topic}")))?;
        if let Some(p) = slot.get() {
            return Ok(p);
        }
        let _declaring = self.declaring.lock();
        if let Some(p) = slot.get() {
            return Ok(p);
        }
        let info = topic.info();
        let key = topic.key_expr(&self.vehicle);
        let destination = if info.host_local && !self.config.export_host_local {
            Locality::SessionLocal
        } else {
            Locality::Any
        };
        let (cc, priority) = match topic {
            TopicId::Camera => (CongestionControl::Drop, Priority::DataLow),
            TopicId::Alert | TopicId::DriverState => {
                (CongestionControl::Block, Priority::InteractiveHigh)
            }
            _ => (CongestionControl::Block, Priority::Data),
        };
        let builder = self
            .session
            .declare_publisher(key)
            .congestion_control(cc)
            .priority(priority)
            .allowed_destination(destination);
        let publisher = if info.state {
            let p = builder
                .cache(CacheConfig::default().max_samples(1))
                .publisher_detection()
                .wait()
                .map_err(|e| BusError::Zenoh(e.to_string()))?;
            Publisher::Advanced(p)
        } else {
            Publisher::Plain(builder.wait().map_err(|e| BusError::Zenoh(e.to_string()))?)
        };
        Ok(slot.get_or_init(|| publisher))
    }

    /// Subscribes to raw keys (`cabin/*/**` etc.) for inspection tools: every sample is decoded and handed
    /// to `f` with its key, decode errors included.
    pub fn subscribe_raw<F>(&self, key_expr: &str, f: F) -> Result<zenoh::pubsub::Subscriber<()>>
    where
        F: Fn(&str, std::result::Result<Sample, codec::CodecError>) + Send + Sync + 'static,
    {
        self.session
            .declare_subscriber(key_expr.to_string())
            .callback(move |s: zenoh::sample::Sample| {
                let bytes = s.payload().to_bytes();
                f(s.key_expr().as_str(), codec::decode(&bytes));
            })
            .wait()
            .map_err(|e| BusError::Zenoh(e.to_string()))
    }
}

/// The zenoh payload for encoded parts: the pixels are appended as their own slice, not copied.
fn wire_payload(parts: codec::WireParts) -> ZBytes {
    match parts.tail {
        None => ZBytes::from(parts.prefix),
        Some(tail) => {
            let mut w = ZBytes::writer();
            w.append(ZBytes::from(parts.prefix));
            w.append(ZBytes::from(tail));
            w.finish()
        }
    }
}

/// A sample's wire parts: a small camera frame is encoded in one buffer (copying a few KiB costs less
/// than the second zenoh slice and the frame clone that sharing needs), a large one keeps its pixels
/// shared ([`codec::encode_parts`]). The bytes on the wire are the same either way.
fn encode_for_wire(sample: &Sample) -> std::result::Result<codec::WireParts, codec::CodecError> {
    if sample.message.bulk_len() < SHARE_FROM {
        return Ok(codec::WireParts {
            prefix: codec::encode(sample)?,
            tail: None,
        });
    }
    codec::encode_parts(sample)
}

/// Payloads from this size on are shared with zenoh rather than read in place: worth the one small
/// allocation that sharing costs only when a buffer (camera pixels) would otherwise be copied.
const SHARE_FROM: usize = 4096;

/// Decodes a received payload without copying its pixels. A small payload in one slice is read in place;
/// a large one in one slice (the usual case, and shared memory) is shared as it is; a payload zenoh holds
/// in several slices is joined once.
fn decode_payload(payload: &ZBytes) -> std::result::Result<Sample, codec::CodecError> {
    let mut slices = payload.slices();
    match (slices.next(), slices.next()) {
        (Some(one), None) if one.len() < SHARE_FROM => codec::decode(one),
        (Some(_), None) => codec::decode_shared(&Bytes::from_owner(Contiguous(payload.clone()))),
        _ => codec::decode_shared(&Bytes::from(payload.to_bytes().into_owned())),
    }
}

/// A single-slice [`ZBytes`] seen as bytes (checked by [`decode_payload`] before it is built).
struct Contiguous(ZBytes);

impl AsRef<[u8]> for Contiguous {
    fn as_ref(&self) -> &[u8] {
        self.0.slices().next().unwrap_or(&[])
    }
}

impl Transport for ZenohTransport {
    fn publish(&self, sample: Arc<Sample>) -> Result<()> {
        if !sample.is_well_typed() {
            return Err(BusError::WrongPayload {
                topic: sample.topic,
                found: sample.message.kind(),
            });
        }
        let payload = wire_payload(encode_for_wire(&sample)?);
        let publisher = self.publisher(sample.topic)?;
        let r = match publisher {
            Publisher::Plain(p) => p.put(payload).wait(),
            Publisher::Advanced(p) => p.put(payload).wait(),
        };
        r.map_err(|e| BusError::Zenoh(e.to_string()))
    }

    fn subscribe(
        &self,
        topic: TopicId,
        subscriber: &str,
        policy: QueuePolicy,
    ) -> Result<Subscription> {
        let queue = Arc::new(BoundedQueue::new(policy));
        let q = queue.clone();
        let failures = self.decode_failures.clone();
        // Small single-slice payloads: header checked here, message decoded by the subscriber. The rest
        // (camera frames, fragmented payloads): decoded here, pixels shared with zenoh's buffer.
        let callback = move |s: zenoh::sample::Sample| {
            let payload = s.payload();
            let mut slices = payload.slices();
            if let (Some(one), None) = (slices.next(), slices.next()) {
                match SmallPayload::check(one, topic) {
                    Ok(Some(small)) => {
                        q.push(Delivery::wire(small));
                        return;
                    }
                    Ok(None) => {}
                    Err(why) => return failures.record(topic, why),
                }
            }
            match decode_payload(payload) {
                Ok(sample) if sample.topic == topic => {
                    q.push(Delivery::sample(Arc::new(sample)));
                }
                Ok(sample) => failures.record(
                    topic,
                    format!("sample for {} arrived on {}", sample.topic, topic),
                ),
                Err(e) => failures.record(topic, e.to_string()),
            }
        };
        let key = topic.key_expr(&self.vehicle);
        let origin = if topic.info().host_local && !self.config.export_host_local {
            Locality::SessionLocal
        } else {
            Locality::Any
        };
        let keepalive: Box<dyn std::any::Any + Send + Sync> = if topic.info().state {
            let s = self
                .session
                .declare_subscriber(key)
                .allowed_origin(origin)
                .history(
                    HistoryConfig::default()
                        .detect_late_publishers()
                        .max_samples(1),
                )
                .callback(callback)
                .wait()
                .map_err(|e| BusError::Zenoh(e.to_string()))?;
            Box::new(s)
        } else {
            let s = self
                .session
                .declare_subscriber(key)
                .allowed_origin(origin)
                .callback(callback)
                .wait()
                .map_err(|e| BusError::Zenoh(e.to_string()))?;
            Box::new(s)
        };
        Ok(Subscription::new(topic, subscriber, queue, keepalive)
            .with_decode_failures(self.decode_failures.clone()))
    }

    fn describe(&self) -> String {
        let mode = match self.config.mode {
            ZenohMode::Peer => "peer",
            ZenohMode::Client => "client",
            ZenohMode::Router => "router",
        };
        format!("zenoh {mode} (zid {})", self.session.zid())
    }
}
