//! The facts of a proposal, already rounded the way they may be said: a phrasing may use these
//! names and these numbers and nothing else.

use crate::interests::kind_name;
use cabin_bus::messages::{InterestKind, PoiCategory, Speaker};

/// What is being proposed.
#[derive(Clone, Debug, PartialEq)]
pub enum Proposal {
    Stop {
        poi_id: u64,
        name: String,
        brand: Option<String>,
        category: PoiCategory,
        /// Distance to the exit, km, one decimal.
        distance_km: f64,
        /// Extra time of the detour, whole minutes (the agent rounds up to at least 1; 0 = on the
        /// route, said "right on our way").
        detour_min: u32,
        /// Time to the exit, whole minutes (at least 1).
        eta_min: u32,
    },
    Cabin {
        action: String,
        /// CO2 in ppm, rounded to 10, when high CO2 is the reason.
        co2_ppm: Option<u32>,
    },
}

/// Everything a backend may use to phrase one proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct PhraseRequest {
    pub proposal: Proposal,
    pub interest: InterestKind,
    /// A brand or place name the person said.
    pub interest_detail: Option<String>,
    /// Who expressed the interest (`Unknown` when it came from the driver state).
    pub speaker: Speaker,
    pub drowsy: bool,
}

/// Rounds a distance to the way it is said: km with one decimal.
pub fn round_km(m: f64) -> f64 {
    (m / 100.0).round() / 10.0
}

/// A distance in km (one decimal) as it is said: metres below 1 km ("300 m"), else "6.4 km".
pub fn say_distance(km: f64) -> String {
    if km < 1.0 {
        format!("{} m", (km * 1000.0).round() as u32)
    } else {
        format!("{km:.1} km")
    }
}

/// Rounds seconds to whole minutes, at least 1.
pub fn round_min(s: f64) -> u32 {
    ((s / 60.0).round() as u32).max(1)
}

fn thing(interest: InterestKind, detail: Option<&str>) -> String {
    match (interest, detail) {
        (InterestKind::Place, Some(d)) => d.to_string(),
        (InterestKind::Coffee, _) => "a coffee".into(),
        (InterestKind::Food, _) => "something to eat".into(),
        (InterestKind::Fuel, _) => "fuel".into(),
        (InterestKind::Charging, _) => "charging the car".into(),
        (InterestKind::Toilet, _) => "a toilet break".into(),
        (InterestKind::Rest, _) => "a break".into(),
        (InterestKind::FreshAir, _) => "fresh air".into(),
        (k, _) => kind_name(k).into(),
    }
}

pub(crate) fn category_words(c: PoiCategory) -> &'static str {
    match c {
        PoiCategory::Coffee => "coffee shop",
        PoiCategory::Fuel => "fuel station",
        PoiCategory::Charging => "charging station",
        PoiCategory::Restaurant => "restaurant",
        PoiCategory::FastFood => "fast-food restaurant",
        PoiCategory::RestArea => "rest area",
        PoiCategory::Toilet => "public toilet",
        PoiCategory::Shop => "shop",
        PoiCategory::Other => "place",
    }
}

impl PhraseRequest {
    /// What was wanted, in words: "a coffee", "Starbucks".
    pub fn wanted(&self) -> String {
        thing(self.interest, self.interest_detail.as_deref())
    }

    /// What is offered, as a noun phrase that reads after "How about": "a coffee", "a charging
    /// stop", "something to eat". The interest's bare word ("charging", "fuel") is not one: "How
    /// about a charging at Fast Charge B?" was the old prompt's output.
    pub fn offer(&self) -> String {
        match (self.interest, self.interest_detail.as_deref()) {
            (InterestKind::Coffee, _) => "a coffee".into(),
            (InterestKind::Food, _) => "something to eat".into(),
            (InterestKind::Fuel, _) => "a fuel stop".into(),
            (InterestKind::Charging, _) => "a charging stop".into(),
            (InterestKind::Toilet, _) => "a restroom break".into(),
            (InterestKind::Rest, _) => "a break".into(),
            (InterestKind::FreshAir, _) => "some fresh air".into(),
            // a named place: the stop itself is the offer, the name follows ("a stop at Starbucks")
            (InterestKind::Place, _) => "a stop".into(),
        }
    }

    /// The distance as it is said: "6.4 km", or metres below 1 km ("300 m").
    pub fn distance_words(&self) -> Option<String> {
        match &self.proposal {
            Proposal::Stop { distance_km, .. } => Some(say_distance(*distance_km)),
            Proposal::Cabin { .. } => None,
        }
    }

    /// The detour as it is said: "a 2 min detour", or "right on our way" for none.
    pub fn detour_words(&self) -> Option<String> {
        match &self.proposal {
            Proposal::Stop { detour_min: 0, .. } => Some("right on our way".into()),
            // "an 8 min detour", "an 11 min detour": the article goes by how the number is said
            Proposal::Stop { detour_min, .. } => {
                let an = matches!(detour_min, 8 | 11 | 18) || (80..90).contains(detour_min);
                Some(format!(
                    "{} {detour_min} min detour",
                    if an { "an" } else { "a" }
                ))
            }
            Proposal::Cabin { .. } => None,
        }
    }

    /// The facts as the user message of a chat model, one slot per line (the form of
    /// [`EXAMPLES`](super::EXAMPLES)): the phrases are already grammatical, so the model only has to
    /// put them in a sentence.
    pub fn user_prompt(&self) -> String {
        match &self.proposal {
            Proposal::Stop { name, .. } => {
                let mut s = format!(
                    "Place: {name}\nOffer: {}\nDistance: {} ahead\nDetour: {}",
                    self.offer(),
                    self.distance_words().unwrap_or_default(),
                    self.detour_words().unwrap_or_default()
                );
                match (self.speaker, self.drowsy) {
                    (_, true) => s.push_str("\nNote: the driver looks tired"),
                    (Speaker::Passenger, false) => s.push_str("\nAsked by: the passenger"),
                    (Speaker::Driver, false) => s.push_str("\nAsked by: the driver"),
                    (Speaker::Unknown, false) => {}
                }
                s
            }
            Proposal::Cabin { co2_ppm, .. } => {
                let why = match (co2_ppm, self.speaker) {
                    (Some(ppm), _) => format!("CO2 is {ppm} ppm"),
                    (None, Speaker::Driver) => "the driver says the air is stale".into(),
                    (None, Speaker::Passenger) => "the passenger says the air is stale".into(),
                    (None, Speaker::Unknown) => "the air is stale".into(),
                };
                format!("Offer: some fresh air\nReason: {why}")
            }
        }
    }

    /// The names a phrasing may use (the POI's name and brand).
    pub fn allowed_names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Proposal::Stop { name, brand, .. } = &self.proposal {
            v.push(name.clone());
            if let Some(b) = brand {
                v.push(b.clone());
            }
        }
        if let Some(d) = &self.interest_detail {
            v.push(d.clone());
        }
        v
    }

    /// The numbers a phrasing may use, with their unit: ("2.4", km), ("3", min).
    pub fn allowed_numbers(&self) -> Vec<(f64, &'static str)> {
        match &self.proposal {
            Proposal::Stop {
                distance_km,
                detour_min,
                eta_min,
                ..
            } => {
                let mut v = vec![
                    (*distance_km, "km"),
                    (*detour_min as f64, "min"),
                    (*eta_min as f64, "min"),
                ];
                if *distance_km < 1.0 {
                    // said in metres below 1 km (`say_distance`)
                    v.push(((*distance_km * 1000.0).round(), "m"));
                }
                v
            }
            Proposal::Cabin { co2_ppm, .. } => {
                co2_ppm.map(|p| vec![(p as f64, "ppm")]).unwrap_or_default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_the_spoken_form() {
        assert_eq!(round_km(2449.0), 2.4);
        assert_eq!(round_km(2450.0), 2.5);
        assert_eq!(round_min(20.0), 1);
        assert_eq!(round_min(150.0), 3);
    }
}
