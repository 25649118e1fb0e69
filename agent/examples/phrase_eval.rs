//! Runs a GGUF chat model over the phrasing cases with the production prompt (`language::chat_messages`)
//! and checker (`language::check`), and writes one JSON line per case: the model's text, the check's
//! verdict, what the agent would say (the model's text, or the template when the check rejects it),
//! the rubric's automatic scores (`language::auto_scores`), tokens, time to first token, time per
//! sentence and tokens/s; then a summary with load time and peak RSS (VmHWM). The rubric and the
//! figures: `docs/perf/agent.md`, "Phrasing".
//!
//! Usage (built by `cargo test -p cabin-agent --no-run`):
//! `target/debug/examples/phrase_eval-* MODEL.gguf|template [CASES.jsonl] [OUT.jsonl] [THREADS] [question]`
//! MODEL is a path or relative to `models/`; `template` phrases every case with the template backend
//! (the fallback) instead. Defaults: `agent/data/phrasing_eval/cases.jsonl`, stdout, 1 thread.
//! `question`: the model writes only the offer question (its text up to the first `?`, the agent's
//! streamed first words) and the template states the distance and the detour
//! (`language::template_rest`); a model text without a question, or a proposal with nothing after its
//! question (fresh air), is taken whole, as the agent does.

use cabin_agent::language::{
    auto_scores, template_rest, CheckConfig, LanguageBackend, LocalBackend, LocalConfig,
    PhraseRequest, Proposal, StopReason, TemplateBackend,
};
use cabin_bus::messages::{InterestKind, PoiCategory, Speaker};
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

/// One suggestion case (a line of `cases.jsonl`); a case without `name` is a fresh-air proposal.
#[derive(Deserialize)]
struct Case {
    id: String,
    interest: InterestKind,
    #[serde(default)]
    detail: Option<String>,
    speaker: Speaker,
    #[serde(default)]
    drowsy: bool,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    category: Option<PoiCategory>,
    #[serde(default)]
    distance_km: f64,
    #[serde(default)]
    detour_min: u32,
    #[serde(default)]
    eta_min: u32,
    #[serde(default)]
    co2_ppm: Option<u32>,
}

impl Case {
    fn request(&self) -> PhraseRequest {
        let proposal = match &self.name {
            Some(name) => Proposal::Stop {
                poi_id: 1,
                name: name.clone(),
                brand: self.brand.clone(),
                category: self.category.unwrap_or(PoiCategory::Other),
                distance_km: self.distance_km,
                detour_min: self.detour_min,
                eta_min: self.eta_min,
            },
            None => Proposal::Cabin {
                action: "fresh_air".into(),
                co2_ppm: self.co2_ppm,
            },
        };
        PhraseRequest {
            proposal,
            interest: self.interest,
            interest_detail: self.detail.clone(),
            speaker: self.speaker,
            drowsy: self.drowsy,
        }
    }
}

/// Peak resident set size of this process, kB (`VmHWM` in /proc/self/status; 0 if unreadable).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e4).round() / 10.0
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let model_arg = args
        .get(1)
        .ok_or("usage: phrase_eval MODEL.gguf|template [CASES] [OUT] [THREADS]")?;
    let cases_path = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "agent/data/phrasing_eval/cases.jsonl".into());
    let out_path = args.get(3).filter(|p| p.as_str() != "-").cloned();
    let threads: i32 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(1);
    let question_only = args.get(5).is_some_and(|a| a == "question");

    let cases: Vec<Case> = std::fs::read_to_string(&cases_path)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let rss_before_kb = peak_rss_kb();
    let load_started = Instant::now();
    let mut llm = if model_arg == "template" {
        None
    } else {
        let model = cabin_agent::resolve_model(model_arg)?;
        Some(LocalBackend::start(LocalConfig {
            threads,
            // no wall-clock cut-off: an evaluation on a shared machine must not depend on its load
            time_budget: Duration::ZERO,
            ..LocalConfig::new(model)
        })?)
    };
    let load = load_started.elapsed();
    let label = match &llm {
        Some(l) => l.description().to_string(),
        None => "template".to_string(),
    };
    eprintln!("{label}: loaded in {:.2} s", load.as_secs_f64());

    let mut out: Box<dyn Write> = match &out_path {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(std::io::stdout()),
    };
    let cfg = CheckConfig::default();
    let (mut passed, mut tps, mut ttft_warm, mut sentence_ms) = (0, vec![], vec![], vec![]);
    let mut ttft_cold = None;
    for case in &cases {
        let req = case.request();
        let t0 = Instant::now();
        let (text, figures) = match llm.as_mut() {
            Some(l) => {
                // a proposal with nothing after its question (fresh air) is phrased whole, as the
                // agent does (`AgentCore::start_phrase`)
                let g = if question_only && !template_rest(&req).is_empty() {
                    let mut g = l.first_words_for(&req)?;
                    if g.stop == StopReason::Question {
                        let rest = template_rest(&req);
                        g.text = format!("{} {rest}", g.text.trim()).trim().to_string();
                    } else {
                        // ended without a question: the whole text is already written
                        g = l.generate_for(&req)?;
                    }
                    g
                } else {
                    l.generate_for(&req)?
                };
                let total = t0.elapsed();
                let f = json!({
                    "prompt_tokens": g.prompt_tokens,
                    "cached_prompt_tokens": g.cached_prompt_tokens,
                    "tokens": g.tokens,
                    "names_completed": g.names_completed,
                    "stop": format!("{:?}", g.stop),
                    "ttft_ms": ms(g.time_to_first_token),
                    "sentence_ms": ms(total),
                    "tokens_per_s": (g.tokens_per_s() * 10.0).round() / 10.0,
                });
                if g.cached_prompt_tokens == 0 {
                    ttft_cold.get_or_insert(ms(g.time_to_first_token));
                } else {
                    ttft_warm.push(ms(g.time_to_first_token));
                }
                tps.push(g.tokens_per_s());
                sentence_ms.push(ms(total));
                (g.text, f)
            }
            None => (
                TemplateBackend.phrase(&req)?.text,
                json!({ "sentence_ms": ms(t0.elapsed()) }),
            ),
        };
        let a = auto_scores(&text, &req, &cfg);
        let said = match &a.check {
            Ok(t) => t.clone(),
            Err(_) => TemplateBackend.phrase(&req)?.text,
        };
        passed += a.check.is_ok() as usize;
        let line = json!({
            "case": case.id,
            "facts": req.user_prompt(),
            "text": text,
            "check": match &a.check { Ok(_) => "ok".to_string(), Err(e) => e.clone() },
            "said": said,
            "auto": {
                "words": a.words,
                "le_25_words": a.short as u8,
                "names_place": a.names_place as u8,
                "distance": a.distance as u8,
                "detour": a.detour as u8,
                "no_invented_facts": a.no_invented as u8,
            },
            "figures": figures,
        });
        writeln!(out, "{line}")?;
        eprintln!("{:<24} {:<55} {}", case.id, text, line["check"]);
    }
    out.flush()?;
    let summary = json!({
        "model": label,
        "model_writes": if question_only { "the offer question (template rest)" } else { "the whole sentence" },
        "cases": cases.len(),
        "passed_check": passed,
        "load_s": (load.as_secs_f64() * 100.0).round() / 100.0,
        "ttft_cold_ms": ttft_cold,
        "ttft_warm_median_ms": median(ttft_warm),
        "sentence_median_ms": median(sentence_ms),
        "tokens_per_s_median": (median(tps) * 10.0).round() / 10.0,
        "peak_rss_mb": peak_rss_kb() / 1024,
        "rss_before_load_mb": rss_before_kb / 1024,
        "threads": threads,
    });
    eprintln!("{summary}");
    println!("{summary}");
    Ok(())
}
