//! Agent benchmarks (run with `cargo bench --profile dev -p cabin-agent`):
//! - `decision/*`: vehicle-state update -> decision with 10k and 1M POIs (a live coffee interest,
//!   the driver distracted so every update runs the full corridor search, ranking and policy);
//! - `interests/extract`: one utterance through the rules (the labelled sets); `interests/model_*`:
//!   p50/p99 per utterance through the rules + the sentence-embedding model (one thread; printed),
//!   and one 12-token sentence through the model alone;
//! - `stt/*`: Silero VAD per 32 ms chunk and Moonshine per utterance (espeak-ng speech), with the
//!   real-time factor printed;
//! - `llm/*`: local model time to first token and decode speed, 1 and 2 threads.
//!
//! Figures are recorded in docs/perf/agent.md.

use cabin_agent::assistant::{AgentConfig, AgentCore, Outputs, PreferenceMode};
use cabin_agent::interests::embedding::SentenceEncoder;
use cabin_agent::interests::{labelled, Extractor};
use cabin_agent::language::{chat_tsv, samples, LocalBackend, LocalConfig, TemplateBackend};
use cabin_agent::listen::{SegmenterConfig, SileroVad, SpeechModelPaths, SpeechToText, VadStream};
use cabin_bus::audio_file::read_wav;
use cabin_bus::messages::*;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// A deterministic pseudo-random sequence (no dependency, same POIs every run).
struct Lcg(u64);
impl Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const CATEGORIES: [PoiCategory; 9] = [
    PoiCategory::Coffee,
    PoiCategory::Fuel,
    PoiCategory::Charging,
    PoiCategory::Restaurant,
    PoiCategory::FastFood,
    PoiCategory::RestArea,
    PoiCategory::Toilet,
    PoiCategory::Shop,
    PoiCategory::Other,
];

/// A 400 km eastbound route along 48°N with a gentle wiggle, one point every 200 m.
fn route() -> Route {
    let deg_per_km = 1.0 / (111.195 * 48f64.to_radians().cos());
    Route {
        name: "bench".into(),
        polyline: (0..=2000)
            .map(|i| {
                let km = i as f64 * 0.2;
                GeoPoint {
                    lat: 48.0 + 0.02 * (km / 7.0).sin(),
                    lon: 11.0 + km * deg_per_km,
                }
            })
            .collect(),
        length_m: 0.0,
    }
}

/// `n` POIs spread uniformly over a 500 km x 300 km box around the route.
fn pois(n: usize) -> Vec<Poi> {
    let mut r = Lcg(42);
    (0..n)
        .map(|i| {
            let category = CATEGORIES[(r.next_f64() * 9.0) as usize % 9];
            Poi {
                id: i as u64 + 1,
                name: format!("POI {i}"),
                category,
                position: GeoPoint {
                    lat: 46.65 + r.next_f64() * 2.7,
                    lon: 10.33 + r.next_f64() * 6.7,
                },
                brand: None,
                opening_hours: if i % 4 == 0 {
                    Some("07:00-20:00".into())
                } else {
                    None
                },
            }
        })
        .collect()
}

/// Whether the command-line filter (if any) selects `group`, so expensive setup is skipped for
/// groups that will not run (criterion filters only inside `bench_function`).
fn selected(group: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty()
        || filters
            .iter()
            .any(|f| f.split('|').any(|p| group.contains(p) || p.contains(group)))
}

fn vehicle(progress_m: f64) -> VehicleState {
    VehicleState {
        position: GeoPoint {
            lat: 48.0,
            lon: 11.0,
        },
        speed_mps: 25.0,
        heading_deg: 90.0,
        route_progress_m: progress_m,
        time_of_day_s: 12 * 3600,
    }
}

fn core_with(n: usize, interest: bool) -> AgentCore {
    let config = AgentConfig {
        preferences: PreferenceMode::Off,
        ..Default::default()
    };
    let mut core = AgentCore::new(config, Box::new(TemplateBackend), None);
    let mut out = Outputs::default();
    core.on_route(&route(), &mut out);
    let t = Instant::now();
    core.on_pois(&PoiSet { pois: pois(n) }, &mut out);
    println!(
        "indexed {} POIs in {:.0} ms",
        core.poi_count(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    // distracted (eyes off the road 2.5 s): no proposal goes out, so each update runs the full search
    let distracted = cabin_agent::fixtures::driver(2.5, 3.0);
    core.on_driver_state(0.0, &distracted, &mut out);
    if interest {
        let u = Utterance {
            speaker: Speaker::Passenger,
            text: "I could really use a coffee.".into(),
            source: UtteranceSource::Script,
            duration_s: 0.0,
        };
        core.on_utterance(1.0, &u, &mut out);
    }
    core
}

fn corridor_stats(c: &mut Criterion) {
    use cabin_agent::poi::{corridor, CorridorConfig, CorridorQuery, PoiIndex, RouteIndex};
    if !selected("corridor") {
        return;
    }
    let route = RouteIndex::new(&route()).expect("route");
    for (label, n) in [("10k", 10_000usize), ("1M", 1_000_000)] {
        let (index, _) = PoiIndex::build(pois(n));
        let cfg = CorridorConfig::default();
        let q = |p: f64| CorridorQuery {
            progress_m: p,
            speed_mps: 25.0,
            time_of_day_s: 43_200.0,
            look_ahead_m: 6_000.0,
            budget_scale: 1.0,
        };
        let (mut examined, mut found, mut inbox) = (0usize, 0usize, 0usize);
        for k in 0..1000 {
            let r = corridor(&index, &route, &q(10_000.0 + k as f64 * 370.0), &cfg, |p| {
                p.category == PoiCategory::Coffee
            });
            examined += r.examined;
            found += r.candidates.len();
            let all = corridor(
                &index,
                &route,
                &q(10_000.0 + k as f64 * 370.0),
                &cfg,
                |_| true,
            );
            inbox += all.examined;
        }
        println!(
            "corridor/{label}: per query {:.1} POIs in the boxes, {:.1} coffee POIs projected, {:.2} coffee candidates",
            inbox as f64 / 1000.0,
            examined as f64 / 1000.0,
            found as f64 / 1000.0
        );
        let mut p = 10_000.0;
        c.bench_function(&format!("corridor/coffee_{label}_pois"), |b| {
            b.iter(|| {
                p = if p > 380_000.0 { 10_000.0 } else { p + 2.5 };
                black_box(corridor(&index, &route, &q(p), &cfg, |poi| {
                    poi.category == PoiCategory::Coffee
                }))
            })
        });
    }
}

fn decision(c: &mut Criterion) {
    if !selected("decision") {
        return;
    }
    let mut g = c.benchmark_group("decision");
    for (label, n) in [("10k", 10_000usize), ("1M", 1_000_000)] {
        let mut core = core_with(n, true);
        let mut progress = 10_000.0;
        // vehicle time stays put so the interest never decays: every update is the full search
        let t = 2.0;
        // what one update examines, for the record
        let mut out = Outputs::default();
        core.on_vehicle(t, &vehicle(progress), &mut out);
        let held = out.decisions.iter().any(|d| d.decision == "held_back");
        println!(
            "decision/{label}: first update -> {} decisions (held back: {held}), live interests {}",
            out.decisions.len(),
            core.memory().len()
        );
        g.bench_function(format!("vehicle_update_{label}_pois"), |b| {
            b.iter(|| {
                progress += 2.5; // 10 Hz at 25 m/s
                if progress > 380_000.0 {
                    progress = 10_000.0;
                }
                let mut out = Outputs::default();
                core.on_vehicle(t, black_box(&vehicle(progress)), &mut out);
                black_box(out)
            })
        });
        let mut idle = core_with(n, false);
        g.bench_function(format!("vehicle_update_{label}_pois_no_interest"), |b| {
            b.iter(|| {
                let mut out = Outputs::default();
                idle.on_vehicle(5.0, black_box(&vehicle(50_000.0)), &mut out);
                black_box(out)
            })
        });
    }
    g.finish();
}

fn interests(c: &mut Criterion) {
    if !selected("interests") {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut items = labelled::load(&dir.join("utterances.jsonl")).expect("labelled");
    items.extend(labelled::load(&dir.join("utterances_heldout.jsonl")).expect("held-out"));
    let texts: Vec<String> = items.into_iter().map(|i| i.text).collect();
    let mut ex = Extractor::default();
    let mut i = 0;
    c.bench_function("interests/extract_one_utterance", |b| {
        b.iter(|| {
            i = (i + 1) % texts.len();
            black_box(ex.extract(Speaker::Passenger, black_box(&texts[i]), i as f64))
        })
    });
    let start = Instant::now();
    let Ok(mut ex) = Extractor::with_model() else {
        eprintln!("interests/model_*: skipped, no models/embedding (run scripts/setup.sh)");
        return;
    };
    println!(
        "interests/model_start_up: {:.2} s (the head cache hit or missed: models/embedding/head_cache.bin)",
        start.elapsed().as_secs_f64()
    );
    // p50/p99 per utterance over every labelled line, each seen once: the classifier remembers
    // recent texts, so a repeated line (and criterion's loop) would time the cache, not the model;
    // the development lines' embeddings are seeded from the head cache at start-up, so they are
    // forgotten first
    if let Some(u) = ex.understanding() {
        u.forget_embeddings();
    }
    let mut times = Vec::with_capacity(texts.len());
    for (j, t) in texts.iter().enumerate() {
        let start = Instant::now();
        black_box(ex.extract(Speaker::Passenger, t, j as f64));
        times.push(start.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "interests/model_extract: {} utterances, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (1 thread, uncached)",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    let Ok(mut enc) = SentenceEncoder::load_default() else {
        return;
    };
    // the sentence the candle probe timed (12 tokens with [CLS] and [SEP]), docs/perf/agent.md
    let twelve = "I could really use a coffee right now, honestly";
    c.bench_function("interests/model_embed_12_tokens", |b| {
        b.iter(|| black_box(enc.embed(black_box(twelve)).expect("embed")))
    });
}

fn espeak(dir: &Path, text: &str) -> Vec<f32> {
    let raw = dir.join("raw.wav");
    let out = dir.join("s.wav");
    let ok = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
        && std::process::Command::new("sox")
            .arg(&raw)
            .args(["-r", "16000", "-c", "1", "-b", "16"])
            .arg(&out)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    assert!(ok, "espeak-ng and sox are needed for the STT benchmark");
    read_wav(&out).expect("wav").samples
}

fn stt(c: &mut Criterion) {
    if !selected("stt") {
        return;
    }
    let Ok(paths) = SpeechModelPaths::installed() else {
        eprintln!("stt: models not installed, skipped");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let audio = espeak(
        dir.path(),
        "Can we stop for something to eat soon? I am really hungry.",
    );
    let seconds = audio.len() as f64 / 16_000.0;
    let mut stt = SpeechToText::load(&paths, 1, SegmenterConfig::default(), 1).expect("load");
    // real-time factor over 10 runs (1 intra-op thread)
    let t = Instant::now();
    for _ in 0..10 {
        black_box(stt.transcribe(&audio).expect("transcribe"));
    }
    let per = t.elapsed().as_secs_f64() / 10.0;
    println!(
        "stt: {:.2} s utterance transcribed in {:.0} ms: real-time factor {:.3} (1 thread)",
        seconds,
        per * 1000.0,
        per / seconds
    );
    c.bench_function("stt/moonshine_utterance", |b| {
        b.iter(|| black_box(stt.transcribe(black_box(&audio)).expect("transcribe")))
    });
    let mut vad = SileroVad::load(&paths.vad, 1).expect("vad");
    let mut stream = VadStream::default();
    let chunk = &audio[16_000..16_512];
    c.bench_function("stt/silero_vad_32ms_chunk", |b| {
        b.iter(|| black_box(vad.probability(&mut stream, black_box(chunk)).expect("vad")))
    });
}

fn llm(c: &mut Criterion) {
    if !selected("llm") {
        return;
    }
    let Ok(model) = cabin_agent::resolve_model("llm/SmolLM2-135M-Instruct.Q4_1.gguf") else {
        eprintln!("llm: model not installed, skipped");
        return;
    };
    let request = samples::coffee_stop(6.0, 4);
    // the same chat for the C baseline (agent/benches/baseline/llama_decode.c); the bench runs without it
    let prompt_file = std::env::temp_dir().join("cabin_llm_prompt.tsv");
    let _ = std::fs::write(prompt_file, chat_tsv(&request));
    let mut g = c.benchmark_group("llm");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for threads in [1, 2] {
        let config = LocalConfig {
            threads,
            time_budget: Duration::from_secs(120),
            // the first request measures the cold prefix (the agent warms it at load)
            warm_prefix: Vec::new(),
            ..LocalConfig::new(model.clone())
        };
        let mut llm = LocalBackend::start(config).expect("load");
        let mut ttft = Vec::new();
        let mut tps = Vec::new();
        let mut last = None;
        let cold = llm.generate_for(&request).expect("generate");
        println!(
            "llm/{threads} threads, cold (no cached prefix): {} prompt tokens, time to first token {:.0} ms",
            cold.prompt_tokens,
            cold.time_to_first_token.as_secs_f64() * 1000.0
        );
        for _ in 0..10 {
            let g = llm.generate_for(&request).expect("generate");
            ttft.push(g.time_to_first_token.as_secs_f64() * 1000.0);
            tps.push(g.tokens_per_s());
            last = Some(g);
        }
        ttft.sort_by(f64::total_cmp);
        tps.sort_by(f64::total_cmp);
        if let Some(g) = last {
            println!(
                "llm/{threads} threads, warm: {} prompt tokens ({} cached), {} generated; median time to first token {:.0} ms (min {:.0}), median decode {:.1} tokens/s (max {:.1}); {:?}",
                g.prompt_tokens, g.cached_prompt_tokens, g.tokens, ttft[5], ttft[0], tps[5], tps[9], g.text
            );
        }
        g.bench_function(format!("phrase_{threads}_threads"), |b| {
            b.iter(|| black_box(llm.generate_for(&request).expect("generate")))
        });
    }
    g.finish();
}

criterion_group!(benches, decision, corridor_stats, interests, stt, llm);
criterion_main!(benches);
