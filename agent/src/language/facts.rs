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
        /// Extra time of the detour, whole minutes (at least 1).
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

    /// Who wanted it, for the model: "the passenger wants a coffee".
    pub fn who_wants(&self) -> String {
        let who = match self.speaker {
            Speaker::Driver => "the driver",
            Speaker::Passenger => "the passenger",
            Speaker::Unknown if self.drowsy => return "the driver looks tired".to_string(),
            Speaker::Unknown => "someone",
        };
        let tired = if self.drowsy {
            " and the driver looks tired"
        } else {
            ""
        };
        format!("{who} wants {}{tired}", self.wanted())
    }

    /// The facts as the user message of a chat model (the form of [`EXAMPLES`](super::EXAMPLES)).
    pub fn user_prompt(&self) -> String {
        match &self.proposal {
            Proposal::Stop {
                name,
                distance_km,
                detour_min,
                ..
            } => {
                let tired = if self.drowsy {
                    ", the driver looks tired"
                } else {
                    ""
                };
                format!(
                    "Propose a stop at {name} for {}{tired} ({distance_km:.1} km ahead, {detour_min} min detour).",
                    self.wanted()
                )
            }
            Proposal::Cabin { co2_ppm, .. } => match co2_ppm {
                Some(ppm) => format!("Propose letting fresh air in (CO2 is {ppm} ppm)."),
                None => format!(
                    "Propose letting fresh air in ({} says the air is stale).",
                    match self.speaker {
                        Speaker::Driver => "the driver",
                        Speaker::Passenger => "the passenger",
                        Speaker::Unknown => "someone",
                    }
                ),
            },
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
            } => vec![
                (*distance_km, "km"),
                (*detour_min as f64, "min"),
                (*eta_min as f64, "min"),
            ],
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
