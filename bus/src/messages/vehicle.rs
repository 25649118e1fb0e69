//! The vehicle: where it is, how fast it goes, the route it follows, and the cabin around the driver.

use serde::{Deserialize, Serialize};

/// A WGS84 position in degrees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VehicleState {
    pub position: GeoPoint,
    pub speed_mps: f32,
    /// Heading in degrees clockwise from north.
    pub heading_deg: f32,
    /// Distance travelled along the route, metres.
    pub route_progress_m: f64,
    /// Local time of day at the vehicle, seconds since midnight (for opening hours, circadian lows).
    pub time_of_day_s: u32,
}

/// The planned route, published once as state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub name: String,
    pub polyline: Vec<GeoPoint>,
    pub length_m: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmbientLight {
    Day,
    Dusk,
    Night,
    Tunnel,
    /// Low sun in the driver's face: glare.
    LowSun,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weather {
    Clear,
    Cloudy,
    Rain,
    Snow,
    Fog,
}

/// Cabin environment and outside conditions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CabinEnvironment {
    pub co2_ppm: f32,
    pub temperature_c: f32,
    pub humidity_pct: f32,
    pub ambient_light: AmbientLight,
    pub outside_temperature_c: f32,
    pub weather: Weather,
}
