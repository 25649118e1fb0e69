//! Sample phrase requests: the default drive's coffee stop and a fresh-air proposal. The LLM speed example,
//! the agent bench (and through its prompt file the C baseline) and the language tests all phrase these, so
//! their figures and verdicts speak of the same prompts.

use super::{PhraseRequest, Proposal};
use cabin_bus::messages::{InterestKind, PoiCategory, Speaker};

/// The passenger wanted a coffee; Bean There Coffee is `distance_km` ahead (a 1 min detour), reached in
/// `eta_min` minutes.
pub fn coffee_stop(distance_km: f64, eta_min: u32) -> PhraseRequest {
    PhraseRequest {
        proposal: Proposal::Stop {
            poi_id: 1,
            name: "Bean There Coffee".into(),
            brand: Some("Bean There".into()),
            category: PoiCategory::Coffee,
            distance_km,
            detour_min: 1,
            eta_min,
        },
        interest: InterestKind::Coffee,
        interest_detail: None,
        speaker: Speaker::Passenger,
        drowsy: false,
    }
}

/// Let fresh air in: the cabin's CO2 reached `co2_ppm` (nobody asked).
pub fn fresh_air(co2_ppm: u32) -> PhraseRequest {
    PhraseRequest {
        proposal: Proposal::Cabin {
            action: "fresh_air".into(),
            co2_ppm: Some(co2_ppm),
        },
        interest: InterestKind::FreshAir,
        interest_detail: None,
        speaker: Speaker::Unknown,
        drowsy: false,
    }
}
