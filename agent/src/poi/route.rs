//! The route as a polyline with cumulative distances, so "where am I" is a binary search on route
//! progress and "what is ahead" is a contiguous range of segments.

use super::geo::{haversine_m, is_valid};
use cabin_bus::messages::{GeoPoint, Route};
use std::ops::Range;

#[derive(Clone, Debug)]
pub struct RouteIndex {
    pub name: String,
    points: Vec<GeoPoint>,
    /// Distance along the route at each point, metres.
    cum_m: Vec<f64>,
}

impl RouteIndex {
    /// Validates and indexes a route. Distances follow the published `length_m` when it is within
    /// 20% of the polyline's own length (the simulator's progress is measured on the same scale).
    pub fn new(route: &Route) -> Result<Self, String> {
        if route.polyline.len() < 2 {
            return Err(format!(
                "route '{}' has {} points; need at least 2",
                route.name,
                route.polyline.len()
            ));
        }
        if let Some(bad) = route.polyline.iter().position(|p| !is_valid(*p)) {
            return Err(format!(
                "route '{}': point {bad} is not a valid position",
                route.name
            ));
        }
        let mut cum_m = Vec::with_capacity(route.polyline.len());
        let mut d = 0.0;
        cum_m.push(0.0);
        for w in route.polyline.windows(2) {
            d += haversine_m(w[0], w[1]);
            cum_m.push(d);
        }
        if d <= 0.0 {
            return Err(format!("route '{}' has zero length", route.name));
        }
        let published = route.length_m;
        if published.is_finite() && published > 0.0 && (published / d - 1.0).abs() < 0.2 {
            let k = published / d;
            cum_m.iter_mut().for_each(|c| *c *= k);
        }
        Ok(RouteIndex {
            name: route.name.clone(),
            points: route.polyline.clone(),
            cum_m,
        })
    }

    pub fn length_m(&self) -> f64 {
        self.cum_m.last().copied().unwrap_or(0.0)
    }

    pub fn points(&self) -> &[GeoPoint] {
        &self.points
    }

    /// Distance along the route at point `i`.
    pub fn cum_m(&self, i: usize) -> f64 {
        self.cum_m[i.min(self.cum_m.len() - 1)]
    }

    pub fn segment_count(&self) -> usize {
        self.points.len() - 1
    }

    /// The segment containing route distance `at_m` (clamped to the route).
    pub fn segment_at(&self, at_m: f64) -> usize {
        let i = self.cum_m.partition_point(|&c| c <= at_m);
        i.saturating_sub(1).min(self.segment_count() - 1)
    }

    /// Segments overlapping route distances `from_m..to_m`.
    pub fn segments_between(&self, from_m: f64, to_m: f64) -> Range<usize> {
        if to_m <= from_m {
            return 0..0;
        }
        self.segment_at(from_m)..self.segment_at(to_m) + 1
    }

    /// The position at route distance `at_m`.
    pub fn point_at(&self, at_m: f64) -> GeoPoint {
        let i = self.segment_at(at_m);
        let (a, b) = (self.points[i], self.points[i + 1]);
        let len = self.cum_m[i + 1] - self.cum_m[i];
        let t = if len > 0.0 {
            ((at_m - self.cum_m[i]) / len).clamp(0.0, 1.0)
        } else {
            0.0
        };
        GeoPoint {
            lat: a.lat + t * (b.lat - a.lat),
            lon: a.lon + t * (b.lon - a.lon),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_maps_to_segments() {
        let route = Route {
            name: "r".into(),
            polyline: (0..11)
                .map(|i| GeoPoint {
                    lat: 48.0,
                    lon: 11.0 + i as f64 * 0.01,
                })
                .collect(),
            length_m: 0.0,
        };
        let r = RouteIndex::new(&route).expect("valid");
        let seg = r.length_m() / 10.0;
        assert_eq!(r.segment_at(0.0), 0);
        assert_eq!(r.segment_at(seg * 2.5), 2);
        assert_eq!(r.segment_at(1e12), 9);
        assert_eq!(r.segments_between(seg * 2.5, seg * 4.5), 2..5);
        assert!((r.point_at(seg * 0.5).lon - 11.005).abs() < 1e-9);
        let bad = Route {
            polyline: vec![GeoPoint::default()],
            ..route
        };
        assert!(RouteIndex::new(&bad).is_err());
    }
}
