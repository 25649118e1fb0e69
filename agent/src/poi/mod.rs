//! Where a stop could be: POIs indexed in an R-tree, the route with cumulative distances, and the
//! corridor search that finds the POIs ahead within a detour budget and open on arrival; then the
//! ranking that matches them to live interests.

mod corridor;
mod geo;
mod index;
mod load;
mod rank;
mod route;

pub use cabin_bus::messages::OpeningHours;
pub use corridor::{corridor, Candidate, CorridorConfig, CorridorQuery, CorridorResult};
pub use geo::{haversine_m, is_valid, project_on_segment, LocalFrame, EARTH_RADIUS_M};
pub use index::{LoadReport, PoiIndex};
pub use load::{load_poi_file, FILE_ID_OFFSET};
pub use rank::{match_weight, rank, RankContext, Ranked};
pub use route::RouteIndex;
