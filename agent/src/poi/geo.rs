//! Distances on the Earth, and a flat local frame for projecting onto route segments.
//!
//! POIs are indexed in degrees (so one index serves a whole country), and exact work happens in a
//! local east/north frame in metres around each route segment, where a few kilometres of flat-Earth
//! error is below a metre. Great-circle distance is the `geo` crate's haversine; projection onto a
//! segment uses `geo`'s `LineLocatePoint` for the fraction along it, in the flat frame. The frame
//! stays ours: the corridor search projects each POI onto a few segments of one chunk per R-tree
//! query, so one cheap linear map per chunk beats a spherical projection per POI and segment, and
//! `geo`'s `ClosestPoint` for a line also runs an exact intersection test the search does not need.

use cabin_bus::messages::GeoPoint;
use geo::{Distance, Haversine, Line, LineLocatePoint, Point};

/// Mean Earth radius, metres (IUGG; the radius of `geo`'s [`Haversine`]).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude.
pub const M_PER_DEG_LAT: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance, metres.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat))
}

/// Whether a point is a usable WGS84 position.
pub fn is_valid(p: GeoPoint) -> bool {
    p.lat.is_finite() && p.lon.is_finite() && p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0
}

/// Metres per degree of longitude at `lat` (never below 1 m, even at the poles).
pub fn m_per_deg_lon(lat: f64) -> f64 {
    (M_PER_DEG_LAT * lat.to_radians().cos()).max(1.0)
}

/// A flat east/north frame in metres around an origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalFrame {
    origin: GeoPoint,
    m_per_deg_lon: f64,
}

impl LocalFrame {
    pub fn new(origin: GeoPoint) -> Self {
        LocalFrame {
            origin,
            m_per_deg_lon: m_per_deg_lon(origin.lat),
        }
    }

    /// (east, north) of `p` in metres.
    pub fn to_xy(&self, p: GeoPoint) -> [f64; 2] {
        [
            (p.lon - self.origin.lon) * self.m_per_deg_lon,
            (p.lat - self.origin.lat) * M_PER_DEG_LAT,
        ]
    }
}

/// Closest point of segment `a`-`b` to `p` (all in one local frame): (distance, fraction along).
/// A zero-length segment is its start.
pub fn project_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let t = Line::new(a, b)
        .line_locate_point(&Point::from(p))
        .unwrap_or(0.0);
    let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    (((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt(), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    #[test]
    fn distances_agree_at_short_range() {
        let (a, b) = (at(48.0, 11.0), at(48.01, 11.01));
        let xy = LocalFrame::new(a).to_xy(b);
        let flat = (xy[0].powi(2) + xy[1].powi(2)).sqrt();
        let great_circle = haversine_m(a, b);
        assert!(
            (great_circle - flat).abs() < 0.5,
            "{great_circle} vs {flat}"
        );
        let one_degree = haversine_m(a, at(49.0, 11.0));
        assert!((one_degree - M_PER_DEG_LAT).abs() < 1e-6, "{one_degree}");
        assert!(!is_valid(at(f64::NAN, 0.0)));
    }

    #[test]
    fn projection_clamps_to_the_segment() {
        assert_eq!(
            project_on_segment([5.0, 3.0], [0.0, 0.0], [10.0, 0.0]),
            (3.0, 0.5)
        );
        assert_eq!(
            project_on_segment([-4.0, 3.0], [0.0, 0.0], [10.0, 0.0]),
            (5.0, 0.0)
        );
        assert_eq!(
            project_on_segment([13.0, 4.0], [0.0, 0.0], [10.0, 0.0]),
            (5.0, 1.0)
        );
        assert_eq!(
            project_on_segment([3.0, 4.0], [0.0, 0.0], [0.0, 0.0]),
            (5.0, 0.0),
            "a zero-length segment is its start"
        );
    }
}
