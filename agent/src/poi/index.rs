//! The spatial index of POIs: an R-tree (rstar) over (lon, lat) in degrees, bulk-loaded once when a
//! POI set arrives. Invalid entries (no position, unreadable opening hours, duplicate ids) are
//! counted and reported, not indexed.

use super::geo::is_valid;
use cabin_bus::messages::OpeningHours;
use cabin_bus::messages::Poi;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

type Entry = GeomWithData<[f64; 2], u32>;

/// What loading a POI set did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    pub indexed: usize,
    /// (POI id, why) of the first few rejected POIs.
    pub rejected: Vec<(u64, String)>,
    pub rejected_total: usize,
}

impl LoadReport {
    fn reject(&mut self, id: u64, why: String) {
        self.rejected_total += 1;
        if self.rejected.len() < 10 {
            self.rejected.push((id, why));
        }
    }
}

/// POIs with their parsed opening hours and an R-tree over their positions.
#[derive(Default)]
pub struct PoiIndex {
    pois: Vec<Poi>,
    hours: Vec<OpeningHours>,
    tree: RTree<Entry>,
}

impl PoiIndex {
    /// Indexes `pois` (valid ones only; the first POI of a repeated id wins).
    pub fn build(pois: Vec<Poi>) -> (Self, LoadReport) {
        let mut report = LoadReport::default();
        let mut kept = Vec::with_capacity(pois.len());
        let mut hours = Vec::with_capacity(pois.len());
        let mut ids: Vec<u64> = Vec::with_capacity(pois.len());
        for p in pois {
            if !is_valid(p.position) {
                report.reject(p.id, format!("'{}' has no valid position", p.name));
                continue;
            }
            if p.name.trim().is_empty() {
                report.reject(p.id, "no name".into());
                continue;
            }
            match OpeningHours::parse(p.opening_hours.as_deref()) {
                Ok(h) => {
                    ids.push(p.id);
                    hours.push(h);
                    kept.push(p);
                }
                Err(e) => report.reject(p.id, format!("'{}': opening hours: {e}", p.name)),
            }
        }
        // duplicate ids: keep the first
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| (ids[i], i));
        let mut drop = vec![false; ids.len()];
        for w in order.windows(2) {
            if ids[w[0]] == ids[w[1]] {
                drop[w[1]] = true;
            }
        }
        let mut pois = Vec::with_capacity(kept.len());
        let mut hrs = Vec::with_capacity(kept.len());
        for (i, (p, h)) in kept.into_iter().zip(hours).enumerate() {
            if drop[i] {
                report.reject(p.id, format!("'{}': duplicate id", p.name));
            } else {
                pois.push(p);
                hrs.push(h);
            }
        }
        let entries: Vec<Entry> = pois
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new([p.position.lon, p.position.lat], i as u32))
            .collect();
        report.indexed = pois.len();
        (
            PoiIndex {
                pois,
                hours: hrs,
                tree: RTree::bulk_load(entries),
            },
            report,
        )
    }

    pub fn len(&self) -> usize {
        self.pois.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pois.is_empty()
    }

    pub fn poi(&self, idx: u32) -> &Poi {
        &self.pois[idx as usize]
    }

    pub fn hours(&self, idx: u32) -> &OpeningHours {
        &self.hours[idx as usize]
    }

    pub fn pois(&self) -> &[Poi] {
        &self.pois
    }

    /// Index of the POI with this id.
    pub fn find_id(&self, id: u64) -> Option<u32> {
        self.pois.iter().position(|p| p.id == id).map(|i| i as u32)
    }

    /// POIs inside a lon/lat box.
    pub fn in_box(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = u32> + '_ {
        self.tree
            .locate_in_envelope(&AABB::from_corners(min, max))
            .map(|e| e.data)
    }
}
