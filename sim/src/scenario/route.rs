//! The route: a lat/lon polyline and a speed profile over time, and where the vehicle is at any
//! instant.
//!
//! Distances use a local flat-earth (equirectangular) projection around the route's first point:
//! exact to well under a metre over the tens of kilometres a scenario covers, and cheap and
//! reproducible. The vehicle moves along the polyline by integrating the piecewise-linear speed
//! profile exactly (trapezoids), and stops at the route's end.

use super::timeline::Keyframes;
use cabin_bus::messages::GeoPoint;

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A local east/north projection in metres around a reference point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalFrame {
    origin: GeoPoint,
    m_per_deg_lat: f64,
    m_per_deg_lon: f64,
}

impl LocalFrame {
    pub fn new(origin: GeoPoint) -> Self {
        let m_per_deg_lat = EARTH_RADIUS_M.to_radians();
        LocalFrame {
            origin,
            m_per_deg_lat,
            m_per_deg_lon: m_per_deg_lat * origin.lat.to_radians().cos(),
        }
    }
    /// (east, north) in metres.
    pub fn to_local(&self, p: GeoPoint) -> (f64, f64) {
        (
            (p.lon - self.origin.lon) * self.m_per_deg_lon,
            (p.lat - self.origin.lat) * self.m_per_deg_lat,
        )
    }
    pub fn to_geo(&self, east: f64, north: f64) -> GeoPoint {
        GeoPoint {
            lat: self.origin.lat + north / self.m_per_deg_lat,
            lon: self.origin.lon + east / self.m_per_deg_lon,
        }
    }
}

/// A polyline with cumulative distances.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutePath {
    points: Vec<GeoPoint>,
    local: Vec<(f64, f64)>,
    cumulative_m: Vec<f64>,
    frame: LocalFrame,
}

/// Where a point lies relative to the route.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    /// Distance along the route of the closest route point, metres.
    pub along_m: f64,
    /// Distance from the route, metres.
    pub offset_m: f64,
}

impl RoutePath {
    pub fn new(points: Vec<GeoPoint>) -> Result<Self, String> {
        if points.len() < 2 {
            return Err("a route needs at least two [lat, lon] points".into());
        }
        for (i, p) in points.iter().enumerate() {
            if !(p.lat.is_finite() && p.lon.is_finite())
                || p.lat.abs() > 90.0
                || p.lon.abs() > 180.0
            {
                return Err(format!(
                    "point {i} [{}, {}] is not a valid [lat, lon]",
                    p.lat, p.lon
                ));
            }
        }
        let frame = LocalFrame::new(points[0]);
        let local: Vec<(f64, f64)> = points.iter().map(|&p| frame.to_local(p)).collect();
        let mut cumulative_m = vec![0.0];
        for w in local.windows(2) {
            let d = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
            cumulative_m.push(cumulative_m.last().copied().unwrap_or(0.0) + d);
        }
        if cumulative_m.last().copied().unwrap_or(0.0) < 1.0 {
            return Err("the route is shorter than 1 m".into());
        }
        Ok(RoutePath {
            points,
            local,
            cumulative_m,
            frame,
        })
    }

    pub fn points(&self) -> &[GeoPoint] {
        &self.points
    }
    pub fn length_m(&self) -> f64 {
        self.cumulative_m.last().copied().unwrap_or(0.0)
    }
    pub fn frame(&self) -> LocalFrame {
        self.frame
    }

    /// Position and heading (degrees clockwise from north) at `d` metres along the route (clamped).
    pub fn at(&self, d: f64) -> (GeoPoint, f64) {
        let d = d.clamp(0.0, self.length_m());
        let i = self
            .cumulative_m
            .partition_point(|&c| c <= d)
            .clamp(1, self.local.len() - 1);
        let (a, b) = (self.local[i - 1], self.local[i]);
        let seg = self.cumulative_m[i] - self.cumulative_m[i - 1];
        let f = if seg > 0.0 {
            (d - self.cumulative_m[i - 1]) / seg
        } else {
            0.0
        };
        let e = a.0 + (b.0 - a.0) * f;
        let n = a.1 + (b.1 - a.1) * f;
        let heading = (b.0 - a.0).atan2(b.1 - a.1).to_degrees().rem_euclid(360.0);
        (self.frame.to_geo(e, n), heading)
    }

    /// The closest point of the route to `p`.
    pub fn project(&self, p: GeoPoint) -> Projection {
        let (px, py) = self.frame.to_local(p);
        let mut best = Projection {
            along_m: 0.0,
            offset_m: f64::INFINITY,
        };
        for (i, w) in self.local.windows(2).enumerate() {
            let (ax, ay) = w[0];
            let (dx, dy) = (w[1].0 - ax, w[1].1 - ay);
            let len2 = dx * dx + dy * dy;
            let f = if len2 > 0.0 {
                (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (ax + dx * f, ay + dy * f);
            let off = (px - cx).hypot(py - cy);
            if off < best.offset_m {
                best = Projection {
                    along_m: self.cumulative_m[i] + f * len2.sqrt(),
                    offset_m: off,
                };
            }
        }
        best
    }
}

/// Speed over time (m/s keyframes) and the distance it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct SpeedProfile {
    speed: Keyframes,
    /// Distance covered at each keyframe's time.
    cumulative_m: Vec<f64>,
}

impl SpeedProfile {
    /// `speed_mps`: keyframes in m/s, all >= 0.
    pub fn new(speed_mps: Keyframes) -> Result<Self, String> {
        if speed_mps.min() < 0.0 {
            return Err("speeds must be >= 0".into());
        }
        let p = speed_mps.points();
        let mut cumulative_m = vec![p[0].0 * p[0].1];
        for w in p.windows(2) {
            let area = (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0;
            cumulative_m.push(cumulative_m.last().copied().unwrap_or(0.0) + area);
        }
        Ok(SpeedProfile {
            speed: speed_mps,
            cumulative_m,
        })
    }

    pub fn speed_at(&self, t: f64) -> f64 {
        self.speed.at(t)
    }

    /// Distance covered from t = 0 to `t`, metres (exact for the piecewise-linear profile).
    pub fn distance_at(&self, t: f64) -> f64 {
        let p = self.speed.points();
        let t = t.max(0.0);
        if t <= p[0].0 {
            return p[0].1 * t;
        }
        let i = p.partition_point(|&(pt, _)| pt <= t);
        let base = self.cumulative_m[i - 1];
        let (t0, v0) = p[i - 1];
        let v = self.speed.at(t);
        base + (t - t0) * (v0 + v) / 2.0
    }

    /// The first time the distance reaches `d`, if it ever does (bisection; distance is monotone).
    pub fn time_at_distance(&self, d: f64, horizon_s: f64) -> Option<f64> {
        if self.distance_at(horizon_s) < d {
            return None;
        }
        let (mut lo, mut hi) = (0.0, horizon_s);
        for _ in 0..64 {
            let mid = 0.5 * (lo + hi);
            if self.distance_at(mid) < d {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(hi)
    }
}

/// The route section of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteSpec {
    pub name: String,
    pub path: RoutePath,
    pub speed: SpeedProfile,
    /// VehicleState publication rate, Hz.
    pub rate_hz: f64,
}

/// The vehicle at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VehicleSample {
    pub position: GeoPoint,
    pub speed_mps: f64,
    pub heading_deg: f64,
    pub progress_m: f64,
}

impl RouteSpec {
    /// Where the vehicle is at `t` seconds; it stops at the end of the route.
    pub fn vehicle_at(&self, t: f64) -> VehicleSample {
        let d = self.speed.distance_at(t);
        let len = self.path.length_m();
        let (position, heading_deg) = self.path.at(d);
        VehicleSample {
            position,
            speed_mps: if d >= len {
                0.0
            } else {
                self.speed.speed_at(t)
            },
            heading_deg,
            progress_m: d.min(len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_integrates_the_speed_profile() {
        let s = SpeedProfile::new(
            Keyframes::new(vec![(0.0, 0.0), (10.0, 20.0), (20.0, 20.0)]).unwrap(),
        )
        .unwrap();
        assert!((s.distance_at(10.0) - 100.0).abs() < 1e-9);
        assert!((s.distance_at(20.0) - 300.0).abs() < 1e-9);
        assert!((s.distance_at(30.0) - 500.0).abs() < 1e-9);
        assert!((s.distance_at(5.0) - 25.0).abs() < 1e-9);
        let t = s.time_at_distance(200.0, 100.0).unwrap();
        assert!((t - 15.0).abs() < 1e-6, "{t}");
    }

    #[test]
    fn positions_follow_the_polyline() {
        let a = GeoPoint {
            lat: 48.0,
            lon: 11.0,
        };
        let f = LocalFrame::new(a);
        let b = f.to_geo(0.0, 1000.0);
        let c = f.to_geo(1000.0, 1000.0);
        let r = RoutePath::new(vec![a, b, c]).unwrap();
        assert!((r.length_m() - 2000.0).abs() < 1e-6);
        let (p, h) = r.at(1500.0);
        let (e, n) = f.to_local(p);
        assert!((e - 500.0).abs() < 1e-6 && (n - 1000.0).abs() < 1e-6);
        assert!((h - 90.0).abs() < 1e-9);
        let proj = r.project(f.to_geo(700.0, 1200.0));
        assert!((proj.along_m - 1700.0).abs() < 1e-6 && (proj.offset_m - 200.0).abs() < 1e-6);
    }
}
