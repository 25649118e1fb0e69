//! Which interest a POI serves, and how good a stop it is: one score with every term written out,
//! so the decision log can say why this POI and not the next one.
//!
//! score = match · confidence            (does it serve the interest, how sure is the interest)
//!       + 0.5 · (1 − detour / budget)   (a shorter detour is better)
//!       + 0.3 · (1 − ahead / look-ahead) (sooner is better)
//!       + 0.3 · preference bonus        (chains and categories this driver accepted or declined)
//!       + drowsiness bonus              (a drowsy driver: coffee +0.6, a rest area +0.4)
//! A category the driver never wants scores nothing and is not proposed.

use super::corridor::Candidate;
use crate::interests::{category_name, LiveInterest, PreferenceSnapshot};
use cabin_bus::messages::{InterestKind, Poi, PoiCategory};

/// How well a POI category serves an interest (0 = not at all).
pub fn match_weight(interest: &LiveInterest, poi: &Poi) -> f32 {
    use InterestKind as K;
    use PoiCategory as C;
    if interest.kind == K::Place {
        let Some(want) = interest.detail_str().map(str::to_lowercase) else {
            return 0.0;
        };
        let brand = poi.brand.as_deref().map(str::to_lowercase);
        let name = poi.name.to_lowercase();
        return if brand.as_deref() == Some(want.as_str()) || name.contains(&want) {
            1.0
        } else {
            0.0
        };
    }
    match (interest.kind, poi.category) {
        (K::Coffee, C::Coffee) => 1.0,
        (K::Food, C::Restaurant) => 1.0,
        (K::Food, C::FastFood) => 0.9,
        (K::Food, C::Coffee) => 0.4,
        (K::Fuel, C::Fuel) => 1.0,
        (K::Charging, C::Charging) => 1.0,
        (K::Toilet, C::Toilet) => 1.0,
        (K::Toilet, C::RestArea) => 0.9,
        (K::Toilet, C::Fuel) => 0.7,
        (K::Toilet, C::Coffee | C::Restaurant | C::FastFood) => 0.6,
        (K::Rest, C::RestArea) => 1.0,
        (K::Rest, C::Coffee) => 0.9,
        (K::Rest, C::Restaurant) => 0.5,
        _ => 0.0,
    }
}

/// What ranking needs to know beyond the candidate.
#[derive(Clone, Copy, Debug)]
pub struct RankContext<'a> {
    pub preferences: &'a PreferenceSnapshot,
    pub drowsy: bool,
    pub detour_budget_s: f64,
    pub look_ahead_m: f64,
}

/// A scored (interest, POI) pair with its explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub interest_id: u32,
    pub candidate: Candidate,
    pub score: f32,
    /// "match 1.0 x conf 0.80 = 0.80; detour 0.7 min +0.43; ..."
    pub why: String,
}

/// Scores one pair; `None` when the POI does not serve the interest or its category is unwanted.
pub fn rank(
    interest: &LiveInterest,
    confidence: f32,
    poi: &Poi,
    candidate: &Candidate,
    ctx: &RankContext<'_>,
) -> Option<Ranked> {
    let m = match_weight(interest, poi);
    if m <= 0.0 || ctx.preferences.never_wanted(poi.category) {
        return None;
    }
    let base = m * confidence;
    let detour = 0.5 * (1.0 - (candidate.detour_s / ctx.detour_budget_s.max(1.0)).min(1.0)) as f32;
    let near = 0.3 * (1.0 - (candidate.ahead_m / ctx.look_ahead_m.max(1.0)).min(1.0)) as f32;
    let pref = 0.3 * ctx.preferences.bonus(poi);
    let drowsy = match (ctx.drowsy, poi.category) {
        (true, PoiCategory::Coffee) => 0.6,
        (true, PoiCategory::RestArea) => 0.4,
        _ => 0.0,
    };
    let score = base + detour + near + pref + drowsy;
    let mut why = format!(
        "{} serves {} ({m:.1} x confidence {confidence:.2} = {base:.2}); detour {:.1} min +{detour:.2}; {:.1} km ahead +{near:.2}",
        category_name(poi.category),
        interest.label(),
        candidate.detour_s / 60.0,
        candidate.ahead_m / 1000.0,
    );
    if pref != 0.0 {
        let chain = poi
            .brand
            .as_deref()
            .filter(|b| ctx.preferences.preferred_chain(b))
            .map(|b| format!(", preferred chain {b}"))
            .unwrap_or_default();
        why.push_str(&format!("; preferences {pref:+.2}{chain}"));
    }
    if drowsy > 0.0 {
        why.push_str(&format!("; driver drowsy +{drowsy:.2}"));
    }
    why.push_str(&format!("; score {score:.2}"));
    Some(Ranked {
        interest_id: interest.id,
        candidate: candidate.clone(),
        score,
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::messages::{Answer, GeoPoint, Speaker};

    fn interest(kind: InterestKind, detail: Option<&str>) -> LiveInterest {
        LiveInterest {
            id: 1,
            kind,
            offers: kind,
            detail: detail.map(|d| heapless::String::try_from(d).expect("short")),
            speaker: Speaker::Passenger,
            confidence: 0.8,
            since_s: 0.0,
            first_s: 0.0,
        }
    }

    fn poi(category: PoiCategory, brand: Option<&str>) -> Poi {
        Poi {
            id: 1,
            name: "Some Place".into(),
            category,
            position: GeoPoint::default(),
            brand: brand.map(String::from),
            opening_hours: None,
        }
    }

    fn cand(detour_s: f64, ahead_m: f64) -> Candidate {
        Candidate {
            poi: 0,
            along_m: ahead_m,
            ahead_m,
            offset_m: 0.0,
            detour_m: 0.0,
            detour_s,
            eta_s: 0.0,
            arrival_tod_s: 0.0,
        }
    }

    #[test]
    fn drowsy_drivers_get_coffee_first_and_preferences_count() {
        // every interest here is held with confidence 0.8
        let rank_08 =
            |i: &LiveInterest, p: Poi, c: Candidate, ctx: &RankContext| rank(i, 0.8, &p, &c, ctx);
        let prefs = PreferenceSnapshot::default();
        let ctx = RankContext {
            preferences: &prefs,
            drowsy: true,
            detour_budget_s: 300.0,
            look_ahead_m: 10_000.0,
        };
        let rest = interest(InterestKind::Rest, None);
        let coffee = rank_08(
            &rest,
            poi(PoiCategory::Coffee, None),
            cand(60.0, 3000.0),
            &ctx,
        )
        .expect("coffee serves rest");
        let area = rank_08(
            &rest,
            poi(PoiCategory::RestArea, None),
            cand(60.0, 3000.0),
            &ctx,
        )
        .expect("rest area serves rest");
        assert!(coffee.score > area.score, "{} vs {}", coffee.why, area.why);
        assert!(rank_08(&rest, poi(PoiCategory::Fuel, None), cand(0.0, 0.0), &ctx).is_none());

        let mut prefs = PreferenceSnapshot::default();
        for _ in 0..3 {
            prefs.record(PoiCategory::FastFood, None, Answer::Decline);
            prefs.record(PoiCategory::Coffee, Some("Starbucks"), Answer::Accept);
        }
        let ctx = RankContext {
            preferences: &prefs,
            drowsy: false,
            ..ctx
        };
        let food = interest(InterestKind::Food, None);
        assert!(rank_08(
            &food,
            poi(PoiCategory::FastFood, None),
            cand(0.0, 0.0),
            &ctx
        )
        .is_none());
        let c = interest(InterestKind::Coffee, None);
        let sb = rank_08(
            &c,
            poi(PoiCategory::Coffee, Some("Starbucks")),
            cand(60.0, 3000.0),
            &ctx,
        )
        .expect("ranked");
        let other = rank_08(
            &c,
            poi(PoiCategory::Coffee, Some("Costa")),
            cand(60.0, 3000.0),
            &ctx,
        )
        .expect("ranked");
        assert!(
            sb.score > other.score && sb.why.contains("preferred chain"),
            "{}",
            sb.why
        );
        let place = interest(InterestKind::Place, Some("Costa"));
        assert_eq!(
            match_weight(&place, &poi(PoiCategory::Coffee, Some("costa"))),
            1.0
        );
        assert_eq!(
            match_weight(&place, &poi(PoiCategory::Coffee, Some("Starbucks"))),
            0.0
        );
    }
}
