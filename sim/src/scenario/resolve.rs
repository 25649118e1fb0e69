//! From the raw TOML structs to a validated [`Scenario`]: every check that needs meaning, not just
//! syntax, with the line of the offending field.

use super::driver::{
    Closure, DriverInputs, DriverScript, Drowsy, GazeSegment, Interval, PhoneHold, Pose, Wear,
    PHONE_DISTANCE_MM, PHONE_RAISED_PITCH_DEG, PHONE_RAISED_YAW_DEG,
};
use super::error::{ScenarioError, SourceText};
use super::geofiles;
use super::raw::*;
use super::route::{RoutePath, RouteSpec, SpeedProfile};
use super::sections::*;
use super::timeline::{Keyframes, RawCurve};
use super::Scenario;
use cabin_bus::messages::{GazeZone, GeoPoint, OpeningHours, Poi};
use cabin_bus::poi_file::PoiFormat;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub(super) fn parse(text: &str, file: &str, base_dir: Option<&Path>) -> Resolved<Scenario> {
    let src = SourceText { file, text };
    let raw: RawScenario = toml::from_str(text).map_err(|e| src.from_toml(&e))?;
    let r = Resolver {
        src,
        base: base_dir.map(Path::to_path_buf),
        duration: 0.0,
    };
    r.scenario(raw)
}

/// A part of the scenario read and checked, or why it is not acceptable.
type Resolved<T> = Result<T, ScenarioError>;

struct Resolver<'a> {
    src: SourceText<'a>,
    base: Option<PathBuf>,
    duration: f64,
}

impl Resolver<'_> {
    /// `v` when `ok`, else an error at `table.field` saying what `v` must be.
    fn check(
        &self,
        at: (&Range<usize>, &str, &str),
        v: f64,
        ok: bool,
        must: String,
    ) -> Resolved<f64> {
        let (span, table, field) = at;
        match ok && v.is_finite() {
            true => Ok(v),
            false => Err(self.src.field_error(span, table, field, must)),
        }
    }

    /// A time within the drive.
    fn time(&self, span: &Range<usize>, table: &str, field: &str, v: f64) -> Resolved<f64> {
        let ok = (0.0..=self.duration).contains(&v);
        let must = format!("{v} s is outside the drive (0..{} s)", self.duration);
        self.check((span, table, field), v, ok, must)
    }

    /// A positive, finite number.
    fn positive(&self, span: &Range<usize>, table: &str, field: &str, v: f64) -> Resolved<f64> {
        let must = format!("{v} must be a number > 0");
        self.check((span, table, field), v, v > 0.0, must)
    }

    /// A finite number in [lo, hi].
    fn within(
        &self,
        span: &Range<usize>,
        table: &str,
        field: &str,
        v: f64,
        lo: f64,
        hi: f64,
    ) -> Resolved<f64> {
        let must = format!("{v} must be within {lo}..{hi}");
        self.check((span, table, field), v, (lo..=hi).contains(&v), must)
    }

    /// One scripted gaze segment (a glance or a head pose) at `timing` = (at_s, duration_s,
    /// transition_s): inside the drive, its transition at most half its length; `pose` is checked
    /// after the timing, so errors come in the order the fields are written.
    fn gaze_segment(
        &self,
        s: &Range<usize>,
        tb: &str,
        timing: (f64, f64, f64),
        zone: GazeZone,
        pose: impl FnOnce() -> Resolved<Pose>,
    ) -> Resolved<GazeSegment> {
        let (at_s, duration_s, transition_s) = timing;
        let start = self.time(s, tb, "at_s", at_s)?;
        let dur = self.positive(s, tb, "duration_s", duration_s)?;
        self.time(s, tb, "duration_s", start + dur)?;
        let transition_s = self.within(s, tb, "transition_s", transition_s, 0.0, dur / 2.0)?;
        Ok(GazeSegment {
            start_s: start,
            end_s: start + dur,
            transition_s,
            pose: pose()?,
            zone,
            line: self.src.line_of(s.start),
        })
    }

    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        match &self.base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p.to_path_buf(),
        }
    }

    fn scenario(mut self, raw: RawScenario) -> Resolved<Scenario> {
        let hspan = raw.scenario.span();
        let h = raw.scenario.into_inner();
        self.duration = self.positive(&hspan, "scenario", "duration_s", h.duration_s)?;
        if self.duration > 7.0 * 86_400.0 {
            return Err(self.src.field_error(
                &hspan,
                "scenario",
                "duration_s",
                "longer than a week",
            ));
        }
        let start_time_of_day_s = parse_time_of_day(&h.start_time)
            .map_err(|m| self.src.field_error(&hspan, "scenario", "start_time", m))?;
        if h.name.trim().is_empty() {
            return Err(self
                .src
                .field_error(&hspan, "scenario", "name", "must not be empty"));
        }
        let scoring = self.scoring(raw.scoring)?;
        let route = self.route(raw.route)?;
        let pois = self.pois(raw.pois)?;
        let driver = self.driver(raw.driver, h.seed, &scoring)?;
        let camera = self.camera(raw.camera)?;
        let biometrics = self.biometrics(raw.biometrics)?;
        let environment = self.environment(raw.environment)?;
        let speech = self.speech(raw.speech)?;
        let conversation = self.conversation(raw.conversation)?;
        let expectations = self.expectations(raw.expect, &pois)?;
        Ok(Scenario {
            name: h.name,
            description: h.description,
            file: self.src.file.to_string(),
            duration_s: self.duration,
            start_time_of_day_s,
            seed: h.seed,
            route,
            pois,
            driver,
            camera,
            biometrics,
            environment,
            speech,
            conversation,
            expectations,
            scoring,
        })
    }

    fn scoring(&self, raw: Option<Spanned<RawScoring>>) -> Resolved<ScoringSpec> {
        let (span, s) = split(raw);
        Ok(ScoringSpec {
            grace_s: self.within(&span, "scoring", "grace_s", s.grace_s, 0.0, 600.0)?,
            long_distraction_s: self.positive(
                &span,
                "scoring",
                "long_distraction_s",
                s.long_distraction_s,
            )?,
            min_absent_s: self.within(
                &span,
                "scoring",
                "min_absent_s",
                s.min_absent_s,
                0.0,
                600.0,
            )?,
        })
    }

    fn route(&self, raw: Spanned<RawRoute>) -> Resolved<RouteSpec> {
        let span = raw.span();
        let r = raw.into_inner();
        let points: Vec<GeoPoint> =
            match (&r.points, &r.file) {
                (Some(p), None) => p.iter().map(|&(lat, lon)| GeoPoint { lat, lon }).collect(),
                (None, Some(f)) => geofiles::route_points_from_file(&self.path(f))?,
                _ => return Err(self.src.field_error(
                    &span,
                    "route",
                    "points",
                    "give either `points = [[lat, lon], ...]` or `file = \"route.csv\"` (not both)",
                )),
            };
        let field = if r.file.is_some() { "file" } else { "points" };
        let path =
            RoutePath::new(points).map_err(|m| self.src.field_error(&span, "route", field, m))?;
        let kmh = r
            .speed_kmh
            .resolve()
            .map_err(|m| self.src.field_error(&span, "route", "speed_kmh", m))?;
        if kmh.min() < 0.0 || kmh.max() > 400.0 {
            return Err(self.src.field_error(
                &span,
                "route",
                "speed_kmh",
                "speeds must be within 0..400 km/h",
            ));
        }
        let mps = Keyframes::new(kmh.points().iter().map(|&(t, v)| (t, v / 3.6)).collect())
            .map_err(|m| self.src.field_error(&span, "route", "speed_kmh", m))?;
        let speed = SpeedProfile::new(mps)
            .map_err(|m| self.src.field_error(&span, "route", "speed_kmh", m))?;
        Ok(RouteSpec {
            name: if r.name.is_empty() {
                "route".into()
            } else {
                r.name
            },
            path,
            speed,
            rate_hz: self.within(&span, "route", "rate_hz", r.rate_hz, 0.01, 1000.0)?,
        })
    }

    /// Inline places, then the POIs of each file, in that order; every one through [`add_poi`].
    fn pois(&self, raw: Option<Spanned<RawPois>>) -> Resolved<Vec<Poi>> {
        let (span, p) = split(raw);
        let mut pois: Vec<Poi> = Vec::new();
        let mut next_id = 1u64;
        for entry in p.place {
            let espan = entry.span();
            let e = entry.into_inner();
            let t = "pois.place";
            self.within(&espan, t, "lat", e.lat, -90.0, 90.0)?;
            self.within(&espan, t, "lon", e.lon, -180.0, 180.0)?;
            OpeningHours::parse(e.opening_hours.as_deref())
                .map_err(|m| self.src.field_error(&espan, t, "opening_hours", m))?;
            let poi = Poi {
                id: e.id.unwrap_or(next_id),
                name: e.name,
                category: e.category,
                position: GeoPoint {
                    lat: e.lat,
                    lon: e.lon,
                },
                brand: e.brand,
                opening_hours: e.opening_hours,
            };
            add_poi(&mut pois, &mut next_id, poi)
                .map_err(|m| self.src.field_error(&espan, t, "id", m))?;
        }
        for f in &p.files {
            let path = self.path(f);
            let Some(format) = PoiFormat::from_path(&path) else {
                return Err(self.src.field_error(
                    &span,
                    "pois",
                    "files",
                    format!("{f}: use a .csv or .geojson file"),
                ));
            };
            for poi in geofiles::pois_from_file(&path, format, next_id)? {
                add_poi(&mut pois, &mut next_id, poi).map_err(|message| ScenarioError {
                    file: path.display().to_string(),
                    line: 0,
                    field: "id".into(),
                    message,
                })?;
            }
        }
        Ok(pois)
    }

    fn driver(
        &self,
        raw: Option<Spanned<RawDriver>>,
        seed: u64,
        scoring: &ScoringSpec,
    ) -> Resolved<DriverScript> {
        let (span, d) = split(raw);
        let t = "driver";
        let mut gaze: Vec<GazeSegment> = Vec::new();
        for (s, g) in spanned(&d.glance) {
            let tb = "driver.glance";
            let timing = (g.at_s, g.duration_s, g.transition_s);
            gaze.push(self.gaze_segment(&s, tb, timing, g.direction.zone(), || {
                let p = g.direction.pose(g.style);
                Ok(Pose {
                    yaw_deg: self.within(
                        &s,
                        tb,
                        "yaw_deg",
                        g.yaw_deg.unwrap_or(p.yaw_deg),
                        -90.0,
                        90.0,
                    )?,
                    pitch_deg: self.within(
                        &s,
                        tb,
                        "pitch_deg",
                        g.pitch_deg.unwrap_or(p.pitch_deg),
                        -60.0,
                        60.0,
                    )?,
                    eye_yaw_deg: self.within(
                        &s,
                        tb,
                        "eye_yaw_deg",
                        g.eye_yaw_deg.unwrap_or(p.eye_yaw_deg),
                        -45.0,
                        45.0,
                    )?,
                    eye_pitch_deg: self.within(
                        &s,
                        tb,
                        "eye_pitch_deg",
                        g.eye_pitch_deg.unwrap_or(p.eye_pitch_deg),
                        -40.0,
                        40.0,
                    )?,
                    ..p
                })
            })?);
        }
        let mut time_sharing = Vec::new();
        for (s, ts) in spanned(&d.time_sharing) {
            let tb = "driver.time_sharing";
            let start = self.time(&s, tb, "at_s", ts.at_s)?;
            if ts.glances < 2 {
                return Err(self.src.field_error(
                    &s,
                    tb,
                    "glances",
                    "time sharing needs at least 2 glances",
                ));
            }
            let gl = self.positive(&s, tb, "glance_s", ts.glance_s)?;
            let between = self.positive(&s, tb, "between_s", ts.between_s)?;
            let tr = self.within(&s, tb, "transition_s", ts.transition_s, 0.0, gl / 2.0)?;
            let n = ts.glances as f64;
            let end = start + n * gl + (n - 1.0) * between;
            self.time(&s, tb, "glances", end)?;
            if ts.direction.zone().is_driving_related() {
                return Err(self.src.field_error(
                    &s,
                    tb,
                    "direction",
                    "time sharing is about glances away from driving-related zones",
                ));
            }
            let glance_pose = ts.direction.pose(ts.style);
            let line = self.src.line_of(s.start);
            for k in 0..ts.glances {
                let g0 = start + k as f64 * (gl + between);
                gaze.push(GazeSegment {
                    start_s: g0,
                    end_s: g0 + gl,
                    transition_s: tr,
                    pose: glance_pose,
                    zone: ts.direction.zone(),
                    line,
                });
            }
            time_sharing.push((
                Interval {
                    start_s: start + tr / 2.0,
                    end_s: end - tr / 2.0,
                    line,
                },
                format!(
                    "{} glances of {:.1} s to {:?}, {:.1} s apart ({:.1} s away in {:.1} s)",
                    ts.glances,
                    gl,
                    ts.direction.zone(),
                    between,
                    n * (gl - tr),
                    end - start
                ),
            ));
        }
        for (s, h) in spanned(&d.head_pose) {
            let tb = "driver.head_pose";
            let timing = (h.at_s, h.duration_s, h.transition_s);
            let zone = h.zone.unwrap_or(GazeZone::RoadAhead);
            gaze.push(self.gaze_segment(&s, tb, timing, zone, || {
                Ok(Pose {
                    yaw_deg: self.within(&s, tb, "yaw_deg", h.yaw_deg, -90.0, 90.0)?,
                    pitch_deg: self.within(&s, tb, "pitch_deg", h.pitch_deg, -60.0, 60.0)?,
                    roll_deg: self.within(&s, tb, "roll_deg", h.roll_deg, -60.0, 60.0)?,
                    ..Pose::default()
                })
            })?);
        }
        let mut phones = Vec::new();
        for (s, ph) in spanned(&d.phone) {
            let tb = "driver.phone";
            let yaw = self.within(
                &s,
                tb,
                "yaw_deg",
                ph.yaw_deg.unwrap_or(PHONE_RAISED_YAW_DEG),
                -60.0,
                60.0,
            )?;
            let pitch = self.within(
                &s,
                tb,
                "pitch_deg",
                ph.pitch_deg.unwrap_or(PHONE_RAISED_PITCH_DEG),
                -40.0,
                20.0,
            )?;
            // Within arm's reach and in front of the face (the renderer draws it nearer than the face).
            let distance = self.within(
                &s,
                tb,
                "distance_mm",
                ph.distance_mm.unwrap_or(PHONE_DISTANCE_MM),
                250.0,
                600.0,
            )?;
            let timing = (ph.at_s, ph.duration_s, ph.transition_s);
            // The bus has no zone for a raised phone: the look is scored as the phone zone
            // (`lap_phone`), which is not driving-related, so a long look is a long distraction.
            let look = self.gaze_segment(&s, tb, timing, GazeZone::LapPhone, || {
                Ok(ph.style.split(yaw, pitch))
            })?;
            let raise = self.within(&s, tb, "raise_s", ph.raise_s, 0.0, 5.0)?;
            self.time(&s, tb, "raise_s", look.start_s - raise)?;
            self.time(&s, tb, "raise_s", look.end_s + raise)?;
            phones.push(PhoneHold {
                look_s: (look.start_s, look.end_s),
                raise_s: raise,
                yaw_deg: yaw,
                pitch_deg: pitch,
                distance_mm: distance,
                line: look.line,
            });
            gaze.push(look);
        }
        gaze.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        for w in gaze.windows(2) {
            if w[1].start_s < w[0].end_s {
                return Err(self.src.error(
                    w[1].line,
                    "driver",
                    format!(
                        "this glance/head pose at {:.2} s overlaps the one on line {} ({:.2}..{:.2} s)",
                        w[1].start_s, w[0].line, w[0].start_s, w[0].end_s
                    ),
                ));
            }
        }

        let mut closures = Vec::new();
        for (s, m) in spanned(&d.microsleep) {
            let tb = "driver.microsleep";
            let start = self.time(&s, tb, "at_s", m.at_s)?;
            if !(m.duration_s.is_finite() && m.duration_s >= 1.0) {
                return Err(self.src.field_error(
                    &s,
                    tb,
                    "duration_s",
                    format!("{} s: a microsleep keeps the eyes closed for 1 s or more (use [[driver.slow_closure]] for shorter closures)", m.duration_s),
                ));
            }
            let c = Closure {
                start_s: start,
                closing_s: self.positive(&s, tb, "closing_s", m.closing_s)?,
                hold_s: m.duration_s,
                opening_s: self.positive(&s, tb, "opening_s", m.opening_s)?,
                closure: 1.0,
                head_drop_deg: self.within(&s, tb, "head_drop_deg", m.head_drop_deg, 0.0, 45.0)?,
            };
            self.time(&s, tb, "duration_s", c.end_s())?;
            closures.push((c, self.src.line_of(s.start), true));
        }
        for (s, c) in spanned(&d.slow_closure) {
            let tb = "driver.slow_closure";
            let cl = Closure {
                start_s: self.time(&s, tb, "at_s", c.at_s)?,
                closing_s: self.positive(&s, tb, "closing_s", c.closing_s)?,
                hold_s: self.within(&s, tb, "hold_s", c.hold_s, 0.0, 3600.0)?,
                opening_s: self.positive(&s, tb, "opening_s", c.opening_s)?,
                closure: self.within(&s, tb, "closure", c.closure, 0.0, 1.0)?,
                head_drop_deg: self.within(&s, tb, "head_drop_deg", c.head_drop_deg, 0.0, 45.0)?,
            };
            self.time(&s, tb, "hold_s", cl.end_s())?;
            // A full closure held 1 s or more is a microsleep whatever it is called.
            let micro = cl.closure >= 0.99 && cl.hold_s >= 1.0;
            closures.push((cl, self.src.line_of(s.start), micro));
        }
        let mut drowsy = Vec::new();
        for (s, dr) in spanned(&d.drowsy) {
            let tb = "driver.drowsy";
            let start = self.time(&s, tb, "at_s", dr.at_s)?;
            let dur = self.positive(&s, tb, "duration_s", dr.duration_s)?;
            self.time(&s, tb, "duration_s", start + dur)?;
            drowsy.push((
                Drowsy {
                    start_s: start,
                    end_s: start + dur,
                    blink_rate_per_min: self.within(
                        &s,
                        tb,
                        "blink_rate_per_min",
                        dr.blink_rate_per_min,
                        0.0,
                        120.0,
                    )?,
                    blink_duration_s: self.within(
                        &s,
                        tb,
                        "blink_duration_ms",
                        dr.blink_duration_ms,
                        50.0,
                        2000.0,
                    )? / 1000.0,
                    lid_droop: self.within(&s, tb, "lid_droop", dr.lid_droop, 0.0, 0.9)?,
                    nod_deg: self.within(&s, tb, "nod_deg", dr.nod_deg, 0.0, 30.0)?,
                    ramp_s: self.within(&s, tb, "ramp_s", dr.ramp_s, 0.0, dur / 2.0)?,
                },
                self.src.line_of(s.start),
            ));
        }
        let intervals = |list: &[Spanned<RawInterval>], tb: &str| -> Resolved<Vec<Interval>> {
            spanned(list)
                .map(|(s, i)| {
                    let start = self.time(&s, tb, "at_s", i.at_s)?;
                    let dur = self.positive(&s, tb, "duration_s", i.duration_s)?;
                    self.time(&s, tb, "duration_s", start + dur)?;
                    Ok(Interval {
                        start_s: start,
                        end_s: start + dur,
                        line: self.src.line_of(s.start),
                    })
                })
                .collect()
        };
        let face_absent = intervals(&d.face_absent, "driver.face_absent")?;
        let camera_blocked = intervals(&d.camera_blocked, "driver.camera_blocked")?;
        let mut wear = Vec::new();
        for (s, w) in spanned(&d.wear) {
            let tb = "driver.wear";
            let from_s = self.time(&s, tb, "from_s", w.from_s)?;
            let to_s = match w.to_s {
                Some(to) => self.time(&s, tb, "to_s", to)?,
                None => f64::INFINITY,
            };
            if to_s <= from_s {
                return Err(self.src.field_error(&s, tb, "to_s", "must be after from_s"));
            }
            let ir = w
                .ir_transmittance
                .unwrap_or(w.item.default_ir_transmittance());
            wear.push(Wear {
                item: w.item,
                from_s,
                to_s,
                ir_transmittance: self.within(&s, tb, "ir_transmittance", ir, 0.0, 1.0)?,
                line: self.src.line_of(s.start),
            });
        }

        let mut script = DriverScript::build(DriverInputs {
            seed,
            duration_s: self.duration,
            neutral: Pose {
                yaw_deg: self.within(&span, t, "yaw_deg", d.neutral.yaw_deg, -45.0, 45.0)?,
                pitch_deg: self.within(&span, t, "pitch_deg", d.neutral.pitch_deg, -30.0, 30.0)?,
                roll_deg: self.within(&span, t, "roll_deg", d.neutral.roll_deg, -30.0, 30.0)?,
                ..d.neutral
            },
            sway_deg: self.within(&span, t, "head_sway_deg", d.head_sway_deg, 0.0, 10.0)?,
            blink_rate_per_min: self.within(
                &span,
                t,
                "blink_rate_per_min",
                d.blink_rate_per_min,
                0.0,
                120.0,
            )?,
            blink_duration_s: self.within(
                &span,
                t,
                "blink_duration_ms",
                d.blink_duration_ms,
                50.0,
                2000.0,
            )? / 1000.0,
            gaze,
            time_sharing,
            closures,
            drowsy,
            face_absent,
            camera_blocked,
            long_distraction_s: scoring.long_distraction_s,
            min_absent_s: scoring.min_absent_s,
        });
        script.wear = wear;
        script.phones = phones;
        if let Some(face) = &d.face {
            if !crate::scenario::is_valid_face_id(face) {
                return Err(self.src.field_error(
                    &span,
                    t,
                    "face",
                    "a driver id: lower-case letters, digits and `_` (models/face/drivers/drivers.toml)",
                ));
            }
            script.face = face.clone();
        }
        Ok(script)
    }

    fn camera(&self, raw: Option<Spanned<RawCamera>>) -> Resolved<CameraSpec> {
        let (span, c) = split(raw);
        let t = "camera";
        let need_path = |kind: &str| -> Resolved<PathBuf> {
            let p = c.path.as_deref().ok_or_else(|| {
                self.src.field_error(
                    &span,
                    t,
                    "path",
                    format!("source = \"{kind}\" needs a path"),
                )
            })?;
            let p = self.path(p);
            let ok = if kind == "video" {
                p.is_file()
            } else {
                p.is_dir()
            };
            if !ok {
                return Err(self.src.field_error(
                    &span,
                    t,
                    "path",
                    format!("{} does not exist", p.display()),
                ));
            }
            Ok(p)
        };
        let source = match c.source.as_str() {
            "synthetic" => CameraSource::Synthetic,
            "video" => CameraSource::Video(need_path("video")?),
            "images" => CameraSource::Images(need_path("images")?),
            "none" => CameraSource::None,
            other => {
                return Err(self.src.field_error(
                    &span,
                    t,
                    "source",
                    format!("unknown source '{other}' (synthetic, video, images, none)"),
                ))
            }
        };
        if !(16..=4096).contains(&c.width) || !(16..=4096).contains(&c.height) {
            return Err(self.src.field_error(
                &span,
                t,
                "width",
                "width and height must be within 16..4096",
            ));
        }
        Ok(CameraSpec {
            source,
            fps: self.within(&span, t, "fps", c.fps, 0.1, 240.0)?,
            width: c.width,
            height: c.height,
            color: c.color,
            noise: self.within(&span, t, "noise", c.noise, 0.0, 50.0)?,
            blur_sigma: self.within(&span, t, "blur_sigma", c.blur_sigma, 0.0, 10.0)?,
            head_distance_m: self.within(
                &span,
                t,
                "head_distance_m",
                c.head_distance_m,
                0.3,
                2.0,
            )?,
            fov_deg: self.within(&span, t, "fov_deg", c.fov_deg, 10.0, 150.0)?,
            exposure_lag_s: self.within(&span, t, "exposure_lag_s", c.exposure_lag_s, 0.0, 30.0)?,
            looped: c.looped,
        })
    }

    fn biometrics(&self, raw: Option<Spanned<RawBiometrics>>) -> Resolved<BiometricsSpec> {
        let (span, b) = split(raw);
        let t = "biometrics";
        let hr = b
            .heart_rate_bpm
            .resolve()
            .map_err(|m| self.src.field_error(&span, t, "heart_rate_bpm", m))?;
        if hr.min() < 25.0 || hr.max() > 220.0 {
            return Err(self.src.field_error(
                &span,
                t,
                "heart_rate_bpm",
                "heart rates must be within 25..220 bpm",
            ));
        }
        Ok(BiometricsSpec {
            heart_rate_bpm: hr,
            hrv_std_bpm: self.within(&span, t, "hrv_std_bpm", b.hrv_std_bpm, 0.0, 20.0)?,
            lf_hf_ratio: self.within(&span, t, "lf_hf_ratio", b.lf_hf_ratio, 0.01, 100.0)?,
            respiration_hz: self.within(&span, t, "respiration_hz", b.respiration_hz, 0.05, 1.0)?,
            ecg: b
                .ecg
                .map(|s| self.signal(s, "biometrics.ecg", 250.0, 0.01))
                .transpose()?,
            ppg: b
                .ppg
                .map(|s| self.signal(s, "biometrics.ppg", 64.0, 0.005))
                .transpose()?,
        })
    }

    fn signal(
        &self,
        raw: Spanned<RawSignal>,
        t: &str,
        default_rate: f64,
        default_noise: f64,
    ) -> Resolved<SignalSpec> {
        let span = raw.span();
        let s = raw.into_inner();
        let rate = self.within(
            &span,
            t,
            "sample_rate_hz",
            s.sample_rate_hz.unwrap_or(default_rate),
            1.0,
            10_000.0,
        )?;
        let source = match s.source.as_str() {
            "generator" => SignalSource::Generator,
            "csv" => {
                let f = s.file.as_deref().ok_or_else(|| {
                    self.src
                        .field_error(&span, t, "file", "source = \"csv\" needs a file")
                })?;
                if s.sample_rate_hz.is_none() {
                    return Err(self.src.field_error(
                        &span,
                        t,
                        "sample_rate_hz",
                        "a CSV signal needs its sample rate",
                    ));
                }
                let file = self.path(f);
                let samples = read_signal_csv(&file, s.column.as_deref())?;
                SignalSource::Csv { file, samples }
            }
            other => {
                return Err(self.src.field_error(
                    &span,
                    t,
                    "source",
                    format!("unknown source '{other}' (generator, csv)"),
                ))
            }
        };
        let mut artefacts = Vec::new();
        for (asp, a) in spanned(&s.artefact) {
            let tb = format!("{t}.artefact");
            let start = self.time(&asp, &tb, "at_s", a.at_s)?;
            let dur = self.positive(&asp, &tb, "duration_s", a.duration_s)?;
            artefacts.push(Artefact {
                kind: a.kind,
                start_s: start,
                end_s: start + dur,
            });
        }
        Ok(SignalSpec {
            source,
            sample_rate_hz: rate,
            chunk_s: self.within(&span, t, "chunk_s", s.chunk_s, 0.01, 10.0)?,
            noise: self.within(
                &span,
                t,
                "noise",
                s.noise.unwrap_or(default_noise),
                0.0,
                10.0,
            )?,
            artefacts,
        })
    }

    fn environment(&self, raw: Option<Spanned<RawEnvironment>>) -> Resolved<EnvironmentSpec> {
        let (span, e) = split(raw);
        let t = "environment";
        let curve = |c: RawCurve, f: &str| {
            c.resolve()
                .map_err(|m| self.src.field_error(&span, t, f, m))
        };
        Ok(EnvironmentSpec {
            rate_hz: self.within(&span, t, "rate_hz", e.rate_hz, 0.01, 100.0)?,
            co2_ppm: curve(e.co2_ppm, "co2_ppm")?,
            temperature_c: curve(e.temperature_c, "temperature_c")?,
            humidity_pct: curve(e.humidity_pct, "humidity_pct")?,
            outside_temperature_c: curve(e.outside_temperature_c, "outside_temperature_c")?,
            ambient_light: e
                .ambient_light
                .resolve()
                .map_err(|m| self.src.field_error(&span, t, "ambient_light", m))?,
            weather: e
                .weather
                .resolve()
                .map_err(|m| self.src.field_error(&span, t, "weather", m))?,
        })
    }

    fn speech(&self, raw: Option<Spanned<RawSpeech>>) -> Resolved<SpeechSpec> {
        let (span, s) = split(raw);
        let t = "speech";
        if s.voice.is_empty()
            || !s
                .voice
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_+".contains(c))
        {
            return Err(self.src.field_error(
                &span,
                t,
                "voice",
                format!("'{}' is not an espeak-ng voice name", s.voice),
            ));
        }
        if !(80..=450).contains(&s.words_per_min) {
            return Err(self
                .src
                .field_error(&span, t, "words_per_min", "must be within 80..450"));
        }
        if !(10..=1000).contains(&s.chunk_ms) {
            return Err(self
                .src
                .field_error(&span, t, "chunk_ms", "must be within 10..1000"));
        }
        Ok(SpeechSpec {
            mode: s.mode,
            voice: s.voice,
            words_per_min: s.words_per_min,
            chunk_ms: s.chunk_ms,
            noise_level: self.within(&span, t, "noise_level", s.noise_level, 0.0, 0.5)?,
            amplitude: self.within(&span, t, "amplitude", s.amplitude, 0.01, 1.0)?,
        })
    }

    fn conversation(&self, raw: Vec<Spanned<RawUtterance>>) -> Resolved<Vec<ScriptedUtterance>> {
        let mut out: Vec<ScriptedUtterance> = Vec::new();
        for u in raw {
            let s = u.span();
            let u = u.into_inner();
            let t = "conversation";
            let at_s = self.time(&s, t, "at_s", u.at_s)?;
            if u.text.trim().is_empty() {
                return Err(self.src.field_error(&s, t, "text", "empty utterance"));
            }
            if u.text.len() > 2000 {
                return Err(self
                    .src
                    .field_error(&s, t, "text", "longer than 2000 bytes"));
            }
            if let Some(v) = &u.voice {
                if v.is_empty()
                    || !v
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_+".contains(c))
                {
                    return Err(self.src.field_error(
                        &s,
                        t,
                        "voice",
                        format!("'{v}' is not an espeak-ng voice name"),
                    ));
                }
            }
            out.push(ScriptedUtterance {
                at_s,
                speaker: u.speaker,
                text: u.text,
                voice: u.voice,
                line: self.src.line_of(s.start),
            });
        }
        out.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Ok(out)
    }

    fn expectations(
        &self,
        raw: Option<Spanned<RawExpect>>,
        pois: &[Poi],
    ) -> Resolved<Vec<SuggestionExpectation>> {
        let (_, e) = split(raw);
        e.suggestion
            .into_iter()
            .map(|x| {
                let s = x.span();
                let x = x.into_inner();
                let t = "expect.suggestion";
                let after_s = self.time(&s, t, "after_s", x.after_s)?;
                let before_s = self.time(&s, t, "before_s", x.before_s)?;
                if before_s <= after_s {
                    return Err(self.src.field_error(
                        &s,
                        t,
                        "before_s",
                        "must be later than after_s",
                    ));
                }
                if let Some(p) = &x.poi {
                    if !pois.iter().any(|q| &q.name == p) {
                        return Err(self.src.field_error(
                            &s,
                            t,
                            "poi",
                            format!("no POI named '{p}'"),
                        ));
                    }
                }
                Ok(SuggestionExpectation {
                    interest: x.interest,
                    poi: x.poi,
                    after_s,
                    before_s,
                    line: self.src.line_of(s.start),
                })
            })
            .collect()
    }
}

/// The entries of a `[[table]]` list, each with its span.
fn spanned<T>(list: &[Spanned<T>]) -> impl Iterator<Item = (Range<usize>, &T)> {
    list.iter().map(|e| (e.span(), e.get_ref()))
}

/// A missing optional table becomes its default with an empty span.
fn split<T: Default>(raw: Option<Spanned<T>>) -> (Range<usize>, T) {
    match raw {
        Some(s) => (s.span(), s.into_inner()),
        None => (0..0, T::default()),
    }
}

/// Adds a POI unless its id is already taken; POIs without an id are numbered after the largest id
/// so far (`next_id`).
fn add_poi(pois: &mut Vec<Poi>, next_id: &mut u64, poi: Poi) -> Result<(), String> {
    if pois.iter().any(|q| q.id == poi.id) {
        return Err(format!(
            "POI id {} ({}) is used twice in this scenario",
            poi.id, poi.name
        ));
    }
    *next_id = (*next_id).max(poi.id.saturating_add(1));
    pois.push(poi);
    Ok(())
}

fn parse_time_of_day(s: &str) -> Result<u32, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let nums: Option<Vec<u32>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    match nums.as_deref() {
        Some([h, m]) if *h < 24 && *m < 60 => Ok(h * 3600 + m * 60),
        Some([h, m, sec]) if *h < 24 && *m < 60 && *sec < 60 => Ok(h * 3600 + m * 60 + sec),
        _ => Err(format!("'{s}' is not a time of day HH:MM or HH:MM:SS")),
    }
}

/// One column of a CSV of samples: `column` by header name or 0-based index; default the first
/// numeric column. Empty cells and `nan` become NaN (a sensor fault the consumer must flag).
fn read_signal_csv(path: &Path, column: Option<&str>) -> Resolved<Vec<f32>> {
    let file = path.display().to_string();
    let e = |line: usize, field: &str, message: String| ScenarioError {
        file: file.clone(),
        line,
        field: field.into(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|x| e(0, "-", format!("cannot read: {x}")))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(e(1, "-", "empty file".into()));
    };
    let cells: Vec<&str> = first.split(',').map(str::trim).collect();
    let has_header = cells
        .iter()
        .any(|c| c.parse::<f64>().is_err() && !c.eq_ignore_ascii_case("nan"));
    let col = match column {
        Some(c) => match c.parse::<usize>() {
            Ok(i) => i,
            Err(_) => cells
                .iter()
                .position(|h| h.eq_ignore_ascii_case(c))
                .ok_or_else(|| e(1, "column", format!("no column named '{c}' in the header")))?,
        },
        None => 0,
    };
    let mut out = Vec::new();
    let parse_row = |ln: usize, l: &str, out: &mut Vec<f32>| -> Resolved<()> {
        let cell = l
            .split(',')
            .nth(col)
            .map(str::trim)
            .ok_or_else(|| e(ln + 1, "column", format!("row has no column {col}")))?;
        let v = if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
            f32::NAN
        } else {
            cell.parse::<f32>()
                .map_err(|_| e(ln + 1, "column", format!("'{cell}' is not a number")))?
        };
        out.push(v);
        Ok(())
    };
    if !has_header {
        parse_row(0, first, &mut out)?;
    }
    for (ln, l) in lines {
        parse_row(ln, l, &mut out)?;
    }
    if out.is_empty() {
        return Err(e(1, "-", "no samples".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[scenario]\nname = \"t\"\nduration_s = 60.0\n\n[route]\npoints = [[48.0, 11.0], [48.01, 11.0]]\nspeed_kmh = 50\n";

    fn place(id: Option<u64>, hours: &str) -> String {
        let id = id.map(|i| format!("id = {i}\n")).unwrap_or_default();
        format!("\n[[pois.place]]\n{id}name = \"p\"\ncategory = \"coffee\"\nlat = 48.0\nlon = 11.0\nopening_hours = \"{hours}\"\n")
    }

    #[test]
    fn inline_places_take_openstreetmap_hours_and_bad_ones_name_the_line() {
        let text = format!(
            "{MINIMAL}{}",
            place(None, "Mo-Fr 07:00-19:00; Sa 08:00-12:00; PH off")
        );
        let s = parse(&text, "s.toml", None).expect("valid");
        assert_eq!(s.pois[0].id, 1);
        let text = format!("{MINIMAL}{}", place(None, "Mo-Fr 07:00-"));
        let e = parse(&text, "s.toml", None).expect_err("unreadable hours");
        assert_eq!(
            (e.file.as_str(), e.line, e.field.as_str()),
            ("s.toml", 14, "pois.place.opening_hours")
        );
        assert!(e.message.contains("Mo-Fr 07:00-"), "{e}");
    }

    #[test]
    fn ids_are_unique_across_places_and_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("p.csv"),
            "name,lat,lon\nA,48.0,11.0\nB,48.0,11.0\n",
        )
        .expect("write");
        let files = "\n[pois]\nfiles = [\"p.csv\"]\n";
        let text = format!(
            "{MINIMAL}{}{}{files}",
            place(Some(7), "24/7"),
            place(None, "off")
        );
        let s = parse(&text, "s.toml", Some(dir.path())).expect("valid");
        let ids: Vec<u64> = s.pois.iter().map(|p| p.id).collect();
        assert_eq!(ids, [7, 8, 9, 10], "numbered after the largest id so far");
        let twice = format!(
            "{MINIMAL}{}{}",
            place(Some(3), "24/7"),
            place(Some(3), "24/7")
        );
        let e = parse(&twice, "s.toml", None).expect_err("id 3 twice");
        assert_eq!((e.line, e.field.as_str()), (18, "pois.place.id"), "{e}");
        std::fs::write(dir.path().join("q.csv"), "id,name,lat,lon\n1,A,48.0,11.0\n")
            .expect("write");
        let clash = format!(
            "{MINIMAL}{}\n[pois]\nfiles = [\"q.csv\"]\n",
            place(None, "24/7")
        );
        let e = parse(&clash, "s.toml", Some(dir.path())).expect_err("id 1 twice");
        assert!(e.file.ends_with("q.csv") && e.field == "id", "{e}");
    }
}
