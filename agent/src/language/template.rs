//! The template backend: fixed sentences from the facts. Deterministic, instant, always passes the
//! check; the fallback whenever a model is absent, slow, or says something the data does not back.

use super::facts::{category_words, PhraseRequest, Proposal};
use super::{LanguageBackend, Phrase};
use crate::error::Result;
use cabin_bus::messages::{InterestKind, Speaker};

#[derive(Clone, Debug, Default)]
pub struct TemplateBackend;

/// The template sentence for a request.
pub fn template_text(req: &PhraseRequest) -> String {
    match &req.proposal {
        Proposal::Stop {
            name,
            category,
            distance_km,
            detour_min,
            ..
        } => {
            let lead = match (req.speaker, req.drowsy) {
                (Speaker::Unknown, true) => "You seem tired.".to_string(),
                (Speaker::Driver, _) => format!("You mentioned {}.", req.wanted()),
                (Speaker::Passenger, _) => format!("Your passenger mentioned {}.", req.wanted()),
                (Speaker::Unknown, false) => format!("Someone mentioned {}.", req.wanted()),
            };
            let tired = if req.drowsy
                && matches!(req.interest, InterestKind::Coffee | InterestKind::Rest)
            {
                "; a break could help"
            } else {
                ""
            };
            format!(
                "{lead} {name}, a {}, is {distance_km:.1} km ahead, about {detour_min} min off the route{tired}. Shall we stop?",
                category_words(*category)
            )
        }
        Proposal::Cabin { co2_ppm, .. } => match co2_ppm {
            Some(ppm) => format!(
                "The air in here is getting stale, CO2 is at {ppm} ppm. Shall I let some fresh air in?"
            ),
            None => "The air in here is getting stale. Shall I let some fresh air in?".to_string(),
        },
    }
}

impl LanguageBackend for TemplateBackend {
    fn name(&self) -> &'static str {
        "template"
    }

    fn phrase(&mut self, request: &PhraseRequest) -> Result<Phrase> {
        Ok(Phrase {
            text: template_text(request),
            note: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::{check, samples, CheckConfig};
    use cabin_bus::messages::PoiCategory;

    #[test]
    fn templates_pass_the_check() {
        for (speaker, drowsy, interest) in [
            (Speaker::Passenger, false, InterestKind::Coffee),
            (Speaker::Driver, true, InterestKind::Rest),
            (Speaker::Unknown, true, InterestKind::Rest),
            (Speaker::Passenger, false, InterestKind::Toilet),
        ] {
            let req = PhraseRequest {
                proposal: Proposal::Stop {
                    poi_id: 3,
                    name: "Rastplatz Moosburg".into(),
                    brand: None,
                    category: PoiCategory::RestArea,
                    distance_km: 12.5,
                    detour_min: 2,
                    eta_min: 8,
                },
                interest,
                interest_detail: None,
                speaker,
                drowsy,
            };
            let t = template_text(&req);
            assert_eq!(check(&t, &req, &CheckConfig::default()), Ok(t.clone()));
        }
        let cabin = samples::fresh_air(1250);
        let t = template_text(&cabin);
        assert_eq!(check(&t, &cabin, &CheckConfig::default()), Ok(t.clone()));
    }
}
