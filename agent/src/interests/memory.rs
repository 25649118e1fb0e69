//! The agent's memory of live interests: bounded, decaying, cancellable.
//!
//! Fixed capacity ([`CAPACITY`] entries in a `heapless::Vec`, details in `heapless::String`s): a
//! talkative cabin cannot grow it, and the lowest-confidence entry is evicted when a new interest
//! arrives at a full memory. Confidence halves every `half_life` of its kind (coffee and food 20 min,
//! fuel and charging 1 h: an empty tank does not go away by itself), so "I'm hungry" an hour ago no
//! longer counts; below `forget_below` the entry expires. Saying it again refreshes it. Each entry
//! has an id, so the policy can tell one interest from the next and propose once per interest.

use super::extract::{Act, Scope, Signal, STOP_KINDS};
use cabin_bus::messages::{Interest, InterestKind, InterestSet, Speaker};

/// Most interests remembered at once.
pub const CAPACITY: usize = 16;
/// Longest brand or place name kept, bytes.
pub const DETAIL_BYTES: usize = 32;

/// Decay and forgetting.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryConfig {
    /// Confidence halves after this long, seconds (per kind, see [`MemoryConfig::half_life_s`]).
    pub half_life_short_s: f64,
    /// Half-life for needs that do not pass by themselves (fuel, charging).
    pub half_life_long_s: f64,
    /// Half-life of a stuffy cabin remark.
    pub half_life_cabin_s: f64,
    /// An entry below this confidence is forgotten.
    pub forget_below: f32,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            half_life_short_s: 1200.0,
            half_life_long_s: 3600.0,
            half_life_cabin_s: 600.0,
            forget_below: 0.15,
        }
    }
}

impl MemoryConfig {
    pub fn half_life_s(&self, kind: InterestKind) -> f64 {
        match kind {
            InterestKind::Fuel | InterestKind::Charging => self.half_life_long_s,
            InterestKind::FreshAir => self.half_life_cabin_s,
            _ => self.half_life_short_s,
        }
    }
}

/// One remembered interest.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveInterest {
    /// Unique within the drive.
    pub id: u32,
    /// `Place` for a named brand or place.
    pub kind: InterestKind,
    /// What it is for: equal to `kind`, or for a place, what the place offers.
    pub offers: InterestKind,
    pub detail: Option<heapless::String<DETAIL_BYTES>>,
    pub speaker: Speaker,
    /// Confidence when last expressed.
    pub confidence: f32,
    /// When last expressed (seconds of vehicle time).
    pub since_s: f64,
    /// When first expressed.
    pub first_s: f64,
}

impl LiveInterest {
    /// Confidence decayed to `now_s`.
    pub fn confidence_at(&self, now_s: f64, config: &MemoryConfig) -> f32 {
        let age = (now_s - self.since_s).max(0.0);
        let hl = config.half_life_s(self.kind).max(1.0);
        (self.confidence as f64 * 0.5f64.powf(age / hl)) as f32
    }

    pub fn detail_str(&self) -> Option<&str> {
        self.detail.as_ref().map(|d| d.as_str())
    }

    /// "coffee" or "place 'Starbucks'": for logs and reasons.
    pub fn label(&self) -> String {
        match self.detail_str() {
            Some(d) => format!("{} '{d}'", kind_name(self.kind)),
            None => kind_name(self.kind).to_string(),
        }
    }
}

/// The snake_case name of a kind, as in the messages.
pub fn kind_name(kind: InterestKind) -> &'static str {
    match kind {
        InterestKind::Coffee => "coffee",
        InterestKind::Food => "food",
        InterestKind::Fuel => "fuel",
        InterestKind::Charging => "charging",
        InterestKind::Toilet => "toilet",
        InterestKind::Rest => "rest",
        InterestKind::FreshAir => "fresh_air",
        InterestKind::Place => "place",
    }
}

pub fn speaker_name(s: Speaker) -> &'static str {
    match s {
        Speaker::Driver => "driver",
        Speaker::Passenger => "passenger",
        Speaker::Unknown => "someone",
    }
}

/// What the memory did.
#[derive(Clone, Debug, PartialEq)]
pub enum MemoryEvent {
    Added(LiveInterest),
    Reinforced(LiveInterest),
    Cancelled {
        interest: LiveInterest,
        cue: String,
    },
    Expired(LiveInterest),
    /// Pushed out by a newer interest at full capacity.
    Evicted(LiveInterest),
}

/// Truncates `s` to at most `DETAIL_BYTES` on a character boundary.
fn detail_of(s: &str) -> heapless::String<DETAIL_BYTES> {
    let mut out = heapless::String::new();
    for c in s.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

/// Bounded memory of live interests. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct InterestMemory {
    entries: heapless::Vec<LiveInterest, CAPACITY>,
    next_id: u32,
    config: MemoryConfig,
}

impl InterestMemory {
    pub fn new(config: MemoryConfig) -> Self {
        InterestMemory {
            entries: heapless::Vec::new(),
            next_id: 1,
            config,
        }
    }

    pub fn config(&self) -> &MemoryConfig {
        &self.config
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: u32) -> Option<&LiveInterest> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Live entries in id order.
    pub fn iter(&self) -> impl Iterator<Item = &LiveInterest> {
        self.entries.iter()
    }

    /// Applies one signal said by `speaker` at `now_s`.
    pub fn apply(&mut self, signal: &Signal, speaker: Speaker, now_s: f64) -> Vec<MemoryEvent> {
        match signal.act {
            Act::Want => signal.kind.map_or_else(Vec::new, |offers| {
                self.want(
                    offers,
                    signal.brand.as_deref(),
                    speaker,
                    signal.confidence,
                    now_s,
                )
            }),
            Act::Cancel => self.cancel(signal, speaker),
            Act::Inquiry => Vec::new(),
        }
    }

    fn want(
        &mut self,
        offers: InterestKind,
        brand: Option<&str>,
        speaker: Speaker,
        confidence: f32,
        now_s: f64,
    ) -> Vec<MemoryEvent> {
        let (kind, detail) = match brand {
            Some(b) => (InterestKind::Place, Some(detail_of(b))),
            None => (offers, None),
        };
        let config = self.config.clone();
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.kind == kind && e.detail == detail)
        {
            let now_conf = e.confidence_at(now_s, &config);
            e.confidence = (now_conf + 0.1).max(confidence).min(1.0);
            e.since_s = now_s;
            e.speaker = speaker;
            return vec![MemoryEvent::Reinforced(e.clone())];
        }
        let mut events = Vec::new();
        if self.entries.is_full() {
            let weakest = self
                .entries
                .iter()
                .enumerate()
                .min_by(|a, b| {
                    a.1.confidence_at(now_s, &config)
                        .total_cmp(&b.1.confidence_at(now_s, &config))
                        .then(a.1.id.cmp(&b.1.id))
                })
                .map(|(i, _)| i);
            if let Some(i) = weakest {
                events.push(MemoryEvent::Evicted(self.entries.remove(i)));
            }
        }
        let entry = LiveInterest {
            id: self.next_id,
            kind,
            offers,
            detail,
            speaker,
            confidence: confidence.clamp(0.0, 1.0),
            since_s: now_s,
            first_s: now_s,
        };
        self.next_id = self.next_id.wrapping_add(1).max(1);
        if self.entries.push(entry.clone()).is_ok() {
            events.push(MemoryEvent::Added(entry));
        }
        events
    }

    fn cancel(&mut self, signal: &Signal, speaker: Speaker) -> Vec<MemoryEvent> {
        let matches = |e: &LiveInterest| -> bool {
            let whose = signal.scope == Scope::All || e.speaker == speaker;
            let what = match (signal.kind, signal.brand.as_deref()) {
                (None, _) => STOP_KINDS.contains(&e.kind),
                (Some(_), Some(b)) => e.detail_str().is_some_and(|d| d.eq_ignore_ascii_case(b)),
                (Some(k), None) => e.kind == k || (e.kind == InterestKind::Place && e.offers == k),
            };
            whose && what
        };
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.entries.len() {
            if matches(&self.entries[i]) {
                let interest = self.entries.remove(i);
                events.push(MemoryEvent::Cancelled {
                    interest,
                    cue: signal.cue.clone(),
                });
            } else {
                i += 1;
            }
        }
        events
    }

    /// Removes one interest (satisfied by an accepted stop, or declined).
    pub fn remove(&mut self, id: u32) -> Option<LiveInterest> {
        let i = self.entries.iter().position(|e| e.id == id)?;
        Some(self.entries.remove(i))
    }

    /// Forgets what decayed below `forget_below` by `now_s`.
    pub fn expire(&mut self, now_s: f64) -> Vec<MemoryEvent> {
        let config = self.config.clone();
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.entries.len() {
            if self.entries[i].confidence_at(now_s, &config) < config.forget_below {
                events.push(MemoryEvent::Expired(self.entries.remove(i)));
            } else {
                i += 1;
            }
        }
        events
    }

    /// The memory as the bus message, confidences decayed to `now_s`.
    pub fn snapshot(&self, now_s: f64) -> InterestSet {
        InterestSet {
            interests: self
                .entries
                .iter()
                .map(|e| Interest {
                    kind: e.kind,
                    detail: e.detail.as_ref().map(|d| d.to_string()),
                    speaker: e.speaker,
                    confidence: e.confidence_at(now_s, &self.config),
                    since_s: e.since_s,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(kind: InterestKind, brand: Option<&str>) -> Signal {
        Signal {
            kind: Some(kind),
            brand: brand.map(String::from),
            act: Act::Want,
            scope: Scope::Speaker,
            confidence: 0.8,
            cue: "test".into(),
        }
    }

    fn cancel(kind: InterestKind, scope: Scope) -> Signal {
        Signal {
            act: Act::Cancel,
            scope,
            ..want(kind, None)
        }
    }

    #[test]
    fn decays_expires_and_reinforces() {
        let mut m = InterestMemory::new(MemoryConfig::default());
        m.apply(&want(InterestKind::Food, None), Speaker::Passenger, 0.0);
        let e = m.iter().next().cloned().expect("added");
        assert!((e.confidence_at(1200.0, m.config()) - 0.4).abs() < 1e-4);
        assert!(m.expire(1800.0).is_empty());
        assert_eq!(
            m.expire(3600.0).len(),
            1,
            "an hour later it no longer counts"
        );
        m.apply(&want(InterestKind::Coffee, None), Speaker::Passenger, 0.0);
        let ev = m.apply(&want(InterestKind::Coffee, None), Speaker::Driver, 600.0);
        assert!(matches!(&ev[..], [MemoryEvent::Reinforced(e)] if e.speaker == Speaker::Driver));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn cancels_by_scope_kind_and_brand() {
        let mut m = InterestMemory::new(MemoryConfig::default());
        m.apply(&want(InterestKind::Coffee, None), Speaker::Passenger, 0.0);
        m.apply(
            &want(InterestKind::Coffee, Some("Starbucks")),
            Speaker::Passenger,
            0.0,
        );
        m.apply(&want(InterestKind::Toilet, None), Speaker::Driver, 0.0);
        let mine = cancel(InterestKind::Toilet, Scope::Speaker);
        assert!(
            m.apply(&mine, Speaker::Passenger, 1.0).is_empty(),
            "not the passenger's"
        );
        assert_eq!(m.apply(&mine, Speaker::Driver, 1.0).len(), 1);
        let coffee = cancel(InterestKind::Coffee, Scope::All);
        assert_eq!(
            m.apply(&coffee, Speaker::Driver, 2.0).len(),
            2,
            "coffee and the coffee chain"
        );
        assert!(m.is_empty());
    }

    #[test]
    fn capacity_is_fixed_and_the_weakest_goes() {
        let mut m = InterestMemory::new(MemoryConfig::default());
        for i in 0..40 {
            let name = format!("brand{i}");
            m.apply(
                &want(InterestKind::Food, Some(&name)),
                Speaker::Passenger,
                i as f64,
            );
        }
        assert_eq!(m.len(), CAPACITY);
        assert!(
            m.iter().all(|e| e.first_s >= 24.0),
            "oldest (weakest) were evicted"
        );
        let long = "x".repeat(500);
        m.apply(
            &want(InterestKind::Food, Some(&long)),
            Speaker::Passenger,
            50.0,
        );
        assert!(m
            .iter()
            .all(|e| e.detail_str().is_none_or(|d| d.len() <= DETAIL_BYTES)));
    }
}
