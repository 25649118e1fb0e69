//! POIs ahead on the route within a detour budget, open when the car gets there.
//!
//! Only a corridor ahead is searched, never all POIs: the route from `progress + min_ahead` to
//! `progress + look_ahead` is cut into chunks of about 2 km; each chunk's bounding box, widened by
//! the largest offset the detour budget allows, is one R-tree query; each POI found is projected onto
//! the chunk's segments in a local metric frame to get its offset from the route and where along the
//! route it is reached. The cost depends on the POI density along the corridor, not on the total
//! number of POIs (see the 10k vs 1M benchmark in `docs/perf/agent.md`).
//!
//! Detour model (a stop off the route means driving there and back on side roads):
//! `detour_m = 2 · offset · road_factor`, `detour_s = detour_m / access_speed`; a POI is inside the
//! budget when both `detour_s <= detour_budget_s` and `detour_m <= max_detour_m`. Arrival time of
//! day = vehicle time of day + time to the exit point at current speed (at least 5 m/s) + half the
//! detour; the POI must be open then and `min_open_s` later.

use super::geo::{m_per_deg_lon, project_on_segment, LocalFrame, M_PER_DEG_LAT};
use super::index::PoiIndex;
use super::route::RouteIndex;
use cabin_bus::messages::Poi;

/// Corridor and detour settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CorridorConfig {
    /// Closer than this (metres ahead) is too late to take the exit.
    pub min_ahead_m: f64,
    /// Never look further ahead than this, metres.
    pub max_ahead_m: f64,
    /// Extra time a stop may cost, seconds.
    pub detour_budget_s: f64,
    /// Extra distance a stop may cost, metres.
    pub max_detour_m: f64,
    /// Speed on the way to the POI and back, m/s.
    pub access_speed_mps: f64,
    /// Road distance / straight-line distance off the route.
    pub road_factor: f64,
    /// The POI must stay open this long after arrival, seconds.
    pub min_open_s: f64,
    /// Route length per R-tree query, metres.
    pub chunk_m: f64,
}

impl Default for CorridorConfig {
    fn default() -> Self {
        CorridorConfig {
            min_ahead_m: 300.0,
            max_ahead_m: 20_000.0,
            detour_budget_s: 300.0,
            max_detour_m: 4_000.0,
            access_speed_mps: 13.9,
            road_factor: 1.3,
            min_open_s: 900.0,
            chunk_m: 2_000.0,
        }
    }
}

/// Where the vehicle is and how far to look.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorridorQuery {
    pub progress_m: f64,
    pub speed_mps: f64,
    /// Local time, seconds since midnight; opening hours are evaluated on
    /// [`OpeningHours::DEFAULT_DATE`](cabin_bus::messages::OpeningHours::DEFAULT_DATE) (the bus
    /// carries no date), and an arrival past midnight falls on the day after.
    pub time_of_day_s: f64,
    /// How far ahead to look, metres (capped by `max_ahead_m`).
    pub look_ahead_m: f64,
    /// Multiplies the detour budget (a drowsy driver may accept a longer detour for a rest).
    pub budget_scale: f64,
}

/// A POI that fits the route.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Index into the [`PoiIndex`].
    pub poi: u32,
    /// Route distance of the point where the car leaves the route.
    pub along_m: f64,
    /// Metres ahead of the vehicle.
    pub ahead_m: f64,
    /// Straight-line distance off the route.
    pub offset_m: f64,
    pub detour_m: f64,
    pub detour_s: f64,
    /// Seconds until the exit point.
    pub eta_s: f64,
    /// Time of day on arrival at the POI, seconds since midnight (not wrapped).
    pub arrival_tod_s: f64,
}

/// What the corridor search found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CorridorResult {
    /// Open, within budget, in route order.
    pub candidates: Vec<Candidate>,
    /// Would fit but closed at arrival.
    pub closed: Vec<Candidate>,
    /// POIs looked at (inside the query boxes and wanted).
    pub examined: usize,
}

/// Slowest speed assumed for arrival times (the car is stopped in traffic, not parked for good).
const MIN_SPEED_MPS: f64 = 5.0;

/// Searches the corridor ahead for POIs accepted by `wanted`.
pub fn corridor(
    index: &PoiIndex,
    route: &RouteIndex,
    q: &CorridorQuery,
    cfg: &CorridorConfig,
    mut wanted: impl FnMut(&Poi) -> bool,
) -> CorridorResult {
    let mut result = CorridorResult::default();
    let scale = if q.budget_scale.is_finite() {
        q.budget_scale.clamp(0.1, 4.0)
    } else {
        1.0
    };
    let budget_s = cfg.detour_budget_s * scale;
    let budget_m = cfg.max_detour_m * scale;
    let max_offset =
        budget_m.min(budget_s * cfg.access_speed_mps) / (2.0 * cfg.road_factor.max(1.0));
    let from = q.progress_m + cfg.min_ahead_m;
    let to = (q.progress_m + q.look_ahead_m.min(cfg.max_ahead_m)).min(route.length_m());
    if !(from.is_finite() && to.is_finite()) || to <= from || max_offset <= 0.0 || index.is_empty()
    {
        return result;
    }
    let segs = route.segments_between(from, to);
    let pts = route.points();
    let last_seg = route.segment_count() - 1;
    let mut found: Vec<(u32, f64, f64)> = Vec::new(); // (poi, offset, along)
    let mut start = segs.start;
    let mut xy: Vec<[f64; 2]> = Vec::new();
    while start < segs.end {
        let mut end = start + 1; // exclusive segment index
        while end < segs.end && route.cum_m(end + 1) - route.cum_m(start) <= cfg.chunk_m {
            end += 1;
        }
        let chunk = &pts[start..=end];
        let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
        for p in chunk {
            lo = [lo[0].min(p.lon), lo[1].min(p.lat)];
            hi = [hi[0].max(p.lon), hi[1].max(p.lat)];
        }
        let dlat = max_offset / M_PER_DEG_LAT;
        let dlon = max_offset / m_per_deg_lon(lo[1].abs().max(hi[1].abs()).min(89.0));
        // Project on the chunk plus `max_offset` of route on either side: a POI in this chunk's box
        // whose nearest route point lies in a neighbouring chunk must find that point, not a
        // clamped end of this chunk.
        let proj = route.segments_between(
            route.cum_m(start) - max_offset,
            route.cum_m(end) + max_offset,
        );
        let frame = LocalFrame::new(chunk[0]);
        xy.clear();
        xy.extend(pts[proj.start..=proj.end].iter().map(|p| frame.to_xy(*p)));
        for i in index.in_box([lo[0] - dlon, lo[1] - dlat], [hi[0] + dlon, hi[1] + dlat]) {
            let poi = index.poi(i);
            if !wanted(poi) {
                continue;
            }
            result.examined += 1;
            let p = frame.to_xy(poi.position);
            let mut best = (f64::MAX, 0.0, false);
            let n = xy.len() - 1;
            for (k, w) in xy.windows(2).enumerate() {
                let (d, t) = project_on_segment(p, w[0], w[1]);
                if d < best.0 {
                    let s = proj.start + k;
                    let clamped =
                        (k == 0 && t == 0.0 && s != 0) || (k + 1 == n && t == 1.0 && s != last_seg);
                    best = (
                        d,
                        route.cum_m(s) + t * (route.cum_m(s + 1) - route.cum_m(s)),
                        clamped,
                    );
                }
            }
            if !best.2 && best.0 <= max_offset && best.1 >= from && best.1 <= to {
                found.push((i, best.0, best.1));
            }
        }
        start = end;
    }
    // a POI near a chunk border may be found twice: keep its closest projection
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    found.dedup_by_key(|f| f.0);
    let speed = if q.speed_mps.is_finite() {
        q.speed_mps.max(MIN_SPEED_MPS)
    } else {
        MIN_SPEED_MPS
    };
    for (poi, offset, along) in found {
        let detour_m = 2.0 * offset * cfg.road_factor.max(1.0);
        let detour_s = detour_m / cfg.access_speed_mps.max(1.0);
        if detour_s > budget_s || detour_m > budget_m {
            continue;
        }
        let ahead_m = along - q.progress_m;
        let eta_s = ahead_m / speed;
        let c = Candidate {
            poi,
            along_m: along,
            ahead_m,
            offset_m: offset,
            detour_m,
            detour_s,
            eta_s,
            arrival_tod_s: q.time_of_day_s + eta_s + detour_s / 2.0,
        };
        if index.hours(poi).open_for(c.arrival_tod_s, cfg.min_open_s) {
            result.candidates.push(c);
        } else {
            result.closed.push(c);
        }
    }
    let order = |a: &Candidate, b: &Candidate| {
        a.along_m
            .total_cmp(&b.along_m)
            .then(index.poi(a.poi).id.cmp(&index.poi(b.poi).id))
    };
    result.candidates.sort_by(order);
    result.closed.sort_by(order);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::messages::{GeoPoint, PoiCategory, Route};

    fn poi(id: u64, lat: f64, lon: f64, hours: Option<&str>) -> Poi {
        Poi {
            id,
            name: format!("p{id}"),
            category: PoiCategory::Coffee,
            position: GeoPoint { lat, lon },
            brand: None,
            opening_hours: hours.map(String::from),
        }
    }

    /// An eastbound route along 48°N, 0.01° of longitude ≈ 744 m.
    fn setup() -> (PoiIndex, RouteIndex) {
        let route = Route {
            name: "east".into(),
            polyline: (0..=100)
                .map(|i| GeoPoint {
                    lat: 48.0,
                    lon: 11.0 + i as f64 * 0.01,
                })
                .collect(),
            length_m: 0.0,
        };
        let pois = vec![
            poi(1, 48.002, 11.10, None),                // ~7.4 km along, 222 m off
            poi(2, 48.05, 11.12, None),                 // 5.5 km off: outside the budget
            poi(3, 48.001, 10.99, None),                // behind the start
            poi(4, 47.999, 11.20, Some("06:00-08:00")), // closed at noon
            poi(5, 48.0005, 11.005, None),              // too close (behind min_ahead once moving)
            poi(6, 48.0015, 11.0995, None),             // just past the end of a short look-ahead
        ];
        (
            PoiIndex::build(pois).0,
            RouteIndex::new(&route).expect("route"),
        )
    }

    #[test]
    fn finds_open_pois_ahead_within_budget() {
        let (index, route) = setup();
        let q = CorridorQuery {
            progress_m: 1_000.0,
            speed_mps: 25.0,
            time_of_day_s: 12.0 * 3600.0,
            look_ahead_m: 20_000.0,
            budget_scale: 1.0,
        };
        let r = corridor(&index, &route, &q, &CorridorConfig::default(), |_| true);
        let ids: Vec<u64> = r.candidates.iter().map(|c| index.poi(c.poi).id).collect();
        assert_eq!(ids, vec![6, 1]);
        let c = &r.candidates[1];
        assert!((c.offset_m - 222.4).abs() < 2.0, "{}", c.offset_m);
        assert!((c.ahead_m - 6_440.0).abs() < 20.0, "{}", c.ahead_m);
        assert!((c.detour_s - 2.0 * c.offset_m * 1.3 / 13.9).abs() < 1e-9);
        assert_eq!(r.closed.len(), 1);
        assert_eq!(index.poi(r.closed[0].poi).id, 4);
        // a filter that wants nothing examines nothing
        let none = corridor(&index, &route, &q, &CorridorConfig::default(), |_| false);
        assert!(none.candidates.is_empty() && none.examined == 0);
        // looking only 3 km ahead misses it
        let short = CorridorQuery {
            look_ahead_m: 3_000.0,
            ..q
        };
        assert!(
            corridor(&index, &route, &short, &CorridorConfig::default(), |_| true)
                .candidates
                .is_empty()
        );
    }

    #[test]
    fn weekday_rules_are_read_at_the_arrival_time() {
        let (_, route) = setup();
        let pois = vec![
            poi(1, 48.002, 11.10, Some("Mo-Fr 06:00-22:00; Sa,Su off")),
            poi(2, 48.002, 11.11, Some("Sa,Su 08:00-20:00")),
            poi(3, 48.002, 11.12, Some("Th 00:00-06:00")),
        ];
        let index = PoiIndex::build(pois).0;
        let at = |time_of_day_s: f64| {
            let q = CorridorQuery {
                progress_m: 1_000.0,
                speed_mps: 25.0,
                time_of_day_s,
                look_ahead_m: 20_000.0,
                budget_scale: 1.0,
            };
            let r = corridor(&index, &route, &q, &CorridorConfig::default(), |_| true);
            let ids = |c: &[Candidate]| c.iter().map(|c| index.poi(c.poi).id).collect::<Vec<_>>();
            (ids(&r.candidates), ids(&r.closed))
        };
        // the default date is a Wednesday: open on weekdays, closed at weekends
        assert_eq!(at(12.0 * 3600.0), (vec![1], vec![2, 3]));
        // late on Wednesday evening the car arrives after midnight: Thursday's early hours
        assert_eq!(at(23.0 * 3600.0 + 59.0 * 60.0), (vec![3], vec![1, 2]));
    }
}
