//! The template backend: fixed sentences from the facts. Deterministic, instant, always passes the
//! check; the fallback whenever a model is absent, slow, or says something the data does not back.

use super::facts::{PhraseRequest, Proposal};
use super::{LanguageBackend, Phrase};
use crate::error::Result;
use cabin_bus::messages::{InterestKind, Speaker};

#[derive(Clone, Debug, Default)]
pub struct TemplateBackend;

/// The template sentence for a request: the form of the model's examples ("How about a coffee at
/// Bean There Coffee? It's 6.4 km ahead, a 1 min detour."), at most ~22 words for names of up to
/// four words, with who asked or a tired driver as a short first sentence.
pub fn template_text(req: &PhraseRequest) -> String {
    match &req.proposal {
        Proposal::Stop { name, .. } => {
            let distance = req.distance_words().unwrap_or_default();
            let detour = req.detour_words().unwrap_or_default();
            let offer = req.offer();
            let tired = req.drowsy
                && matches!(
                    req.interest,
                    InterestKind::Coffee | InterestKind::Rest | InterestKind::Food
                );
            let question = match (req.speaker, tired) {
                (_, true) => format!("You seem tired. How about {offer} at {name}?"),
                (Speaker::Passenger, false) if req.interest != InterestKind::Place => {
                    format!("Your passenger wanted {offer}. How about {name}?")
                }
                _ => format!("How about {offer} at {name}?"),
            };
            format!("{question} It's {distance} ahead, {detour}.")
        }
        Proposal::Cabin { co2_ppm, .. } => match co2_ppm {
            Some(ppm) => format!(
                "The air is getting stale, CO2 is at {ppm} ppm. Shall I let some fresh air in?"
            ),
            None => "The air is getting stale. Shall I let some fresh air in?".to_string(),
        },
    }
}

/// What the template says after its offer question ("It's 6.4 km ahead, a 1 min detour."; nothing
/// for a cabin proposal): how a streamed suggestion whose first words were said is completed when
/// the model's own rest is rejected.
pub fn template_rest(req: &PhraseRequest) -> String {
    let text = template_text(req);
    match text.find("? ") {
        Some(i) => text[i + 2..].trim().to_string(),
        None => String::new(),
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
