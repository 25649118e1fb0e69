//! Distances on the Earth, and a flat local frame for projecting onto route segments.
//!
//! POIs are indexed in degrees (so one index serves a whole country), and exact work happens in a
//! local east/north frame in metres around each route segment, where a few kilometres of flat-Earth
//! error is below a metre.

use cabin_bus::messages::GeoPoint;

/// Mean Earth radius, metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude.
pub const M_PER_DEG_LAT: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance, metres.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
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
pub fn project_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = [a[0] + t * d[0], a[1] + t * d[1]];
    (((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt(), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_agree_at_short_range() {
        let a = GeoPoint {
            lat: 48.0,
            lon: 11.0,
        };
        let b = GeoPoint {
            lat: 48.01,
            lon: 11.01,
        };
        let f = LocalFrame::new(a);
        let xy = f.to_xy(b);
        let flat = (xy[0].powi(2) + xy[1].powi(2)).sqrt();
        assert!(
            (haversine_m(a, b) - flat).abs() < 0.5,
            "{} vs {flat}",
            haversine_m(a, b)
        );
        assert!(
            (haversine_m(
                a,
                GeoPoint {
                    lat: 49.0,
                    lon: 11.0
                }
            ) - 111_195.0)
                .abs()
                < 10.0
        );
        let (d, t) = project_on_segment([5.0, 3.0], [0.0, 0.0], [10.0, 0.0]);
        assert_eq!((d, t), (3.0, 0.5));
        assert!(!is_valid(GeoPoint {
            lat: f64::NAN,
            lon: 0.0
        }));
    }
}
