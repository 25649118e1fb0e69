//! Test helpers: a scripted source node for the deterministic executor, espeak-ng speech, a
//! straight test route with POIs, and driver states.
#![allow(dead_code)]

use cabin_bus::prelude::*;
use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

type Emit = Box<dyn FnMut(&mut Context) + Send>;

/// Publishes scripted messages at given vehicle times, then asks the run to stop at `end`.
pub struct Script {
    events: Vec<(SimTime, Emit)>,
    next: usize,
    end: SimTime,
}

impl Script {
    pub fn new(end_s: f64) -> Self {
        Script {
            events: Vec::new(),
            next: 0,
            end: SimTime::from_secs_f64(end_s),
        }
    }

    /// Publishes `payload` on `topic` at `t_s` seconds.
    pub fn at<T: cabin_bus::messages::Payload + Clone + Send>(
        mut self,
        t_s: f64,
        topic: Topic<T>,
        payload: T,
    ) -> Self {
        self.events.push((
            SimTime::from_secs_f64(t_s),
            Box::new(move |ctx: &mut Context| ctx.publish(topic, payload.clone())),
        ));
        self
    }

    /// Applies a script-building step (a shared episode), keeping the order of the chain.
    pub fn then(self, step: impl FnOnce(Self) -> Self) -> Self {
        step(self)
    }

    fn sorted(mut self) -> Self {
        self.events.sort_by_key(|e| e.0);
        self
    }
}

impl Node for Script {
    fn inputs(&self) -> Vec<TopicId> {
        Vec::new()
    }
    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        self.on_tick(ctx)
    }
    fn on_message(&mut self, _sample: &Sample, _ctx: &mut Context) -> NodeResult {
        Ok(())
    }
    fn on_tick(&mut self, ctx: &mut Context) -> NodeResult {
        let now = ctx.now();
        while self.next < self.events.len() && self.events[self.next].0 <= now {
            (self.events[self.next].1)(ctx);
            self.next += 1;
        }
        if ctx.now() >= self.end {
            ctx.request_stop();
        } else if let Some((t, _)) = self.events.get(self.next) {
            ctx.wake_at(*t);
        } else {
            ctx.wake_at(self.end);
        }
        Ok(())
    }
}

/// Runs `nodes` after the script; returns every sample published, in order.
pub fn run(script: Script, nodes: Vec<(&str, Box<dyn Node>)>) -> Vec<Arc<Sample>> {
    run_with_workers(script, nodes, 1)
}

pub fn run_with_workers(
    script: Script,
    nodes: Vec<(&str, Box<dyn Node>)>,
    workers: usize,
) -> Vec<Arc<Sample>> {
    let mut all: Vec<(NodeName, Box<dyn Node>)> = vec![(
        NodeName::new("script").expect("name"),
        Box::new(script.sorted()),
    )];
    for (n, node) in nodes {
        all.push((NodeName::new(n).expect("name"), node));
    }
    DeterministicExecutor::new(all, ExecutorOptions::with_workers(workers))
        .expect("executor")
        .run_collecting()
        .1
}

/// Payloads of one type published on one topic, with their stamps in seconds.
pub fn on<T: cabin_bus::messages::Payload + Clone>(
    samples: &[Arc<Sample>],
    topic: Topic<T>,
) -> Vec<(f64, T)> {
    samples
        .iter()
        .filter(|s| s.topic == topic.id)
        .filter_map(|s| {
            s.get::<T>()
                .map(|p| (s.header.stamp.as_secs_f64(), p.clone()))
        })
        .collect()
}

/// Synthesises `text` with espeak-ng (en-us, 150 wpm) into a 16 kHz mono 16-bit WAV in `dir`.
pub fn espeak(dir: &Path, name: &str, text: &str) -> PathBuf {
    let raw = dir.join(format!("{name}.raw.wav"));
    let out = dir.join(format!("{name}.wav"));
    let st = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng runs (apt install espeak-ng)");
    assert!(st.success(), "espeak-ng failed for {text:?}");
    let st = Command::new("sox")
        .arg(&raw)
        .args(["-r", "16000", "-c", "1", "-b", "16"])
        .arg(&out)
        .status()
        .expect("sox runs (apt install sox)");
    assert!(st.success(), "sox failed for {text:?}");
    out
}

/// An eastbound route along 48°N from 11.0°E, `km` long, one point every ~370 m.
pub fn straight_route(km: f64) -> Route {
    let deg_per_km = 1.0 / (111.195 * 48f64.to_radians().cos());
    let n = (km / 0.37).ceil() as usize;
    Route {
        name: "test-east".into(),
        polyline: (0..=n)
            .map(|i| GeoPoint {
                lat: 48.0,
                lon: 11.0 + (i as f64 * km / n as f64) * deg_per_km,
            })
            .collect(),
        length_m: 0.0,
    }
}

/// A point `along_km` along [`straight_route`] and `off_m` north of it.
pub fn beside_route(along_km: f64, off_m: f64) -> GeoPoint {
    let deg_per_km = 1.0 / (111.195 * 48f64.to_radians().cos());
    GeoPoint {
        lat: 48.0 + off_m / 111_195.0,
        lon: 11.0 + along_km * deg_per_km,
    }
}

pub fn poi(id: u64, name: &str, category: PoiCategory, at: GeoPoint) -> Poi {
    Poi {
        id,
        name: name.into(),
        category,
        position: at,
        brand: None,
        opening_hours: None,
    }
}

/// The vehicle `progress_km` along [`straight_route`] at 25 m/s, at noon + `t_s`.
pub fn vehicle(progress_km: f64, t_s: f64) -> VehicleState {
    VehicleState {
        position: beside_route(progress_km, 0.0),
        speed_mps: 25.0,
        heading_deg: 90.0,
        route_progress_m: progress_km * 1000.0,
        time_of_day_s: 12 * 3600 + t_s as u32,
    }
}

/// An attentive driver (or a distracted one: eyes off the road for `eyes_off_s`), with a KSS.
#[allow(unused_imports)] // not every test crate that shares this module uses it
pub use cabin_agent::fixtures::driver;

pub fn said(speaker: Speaker, text: &str) -> Utterance {
    Utterance {
        speaker,
        text: text.into(),
        source: UtteranceSource::Script,
        duration_s: 0.0,
    }
}

/// The start of a 200 s drive on a 40 km straight route: the route and `pois` at 0 s, the passenger's
/// `remark` at 20 s. Add any other scripted input, then [`moving_at_25_mps`].
pub fn remark_on_route(pois: Vec<Poi>, remark: &str) -> Script {
    Script::new(200.0)
        .at(0.0, topics::ROUTE, straight_route(40.0))
        .at(0.0, topics::POIS, PoiSet { pois })
        .at(20.0, topics::UTTERANCE, said(Speaker::Passenger, remark))
}

/// A vehicle update every second of the 200 s drive, at 25 m/s along the route.
pub fn moving_at_25_mps(mut s: Script) -> Script {
    for t in 0..=200 {
        s = s.at(
            t as f64,
            topics::VEHICLE,
            vehicle(t as f64 * 0.025, t as f64),
        );
    }
    s
}

/// A 200 s drive: a coffee shop 10 km along a straight route, the passenger's coffee remark at 20 s.
pub fn coffee_drive() -> Script {
    let shop = poi(
        1,
        "Bean There Coffee",
        PoiCategory::Coffee,
        beside_route(10.0, 150.0),
    );
    moving_at_25_mps(remark_on_route(vec![shop], "I could really use a coffee."))
}
