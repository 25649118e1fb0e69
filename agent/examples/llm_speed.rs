//! Time to first token and decode speed of the local backend on the agent's coffee prompt, per run,
//! in the same form as `benches/baseline/llama_decode.c` prints for llama.cpp alone, so the two can
//! be run alternately on a shared machine: `llm_speed THREADS RUNS`.
//! (Built by `cargo test -p cabin-agent --no-run`; run `target/debug/examples/llm_speed-*`.)

use cabin_agent::language::{chat_messages, LocalBackend, LocalConfig, PhraseRequest, Proposal};
use cabin_bus::messages::{InterestKind, PoiCategory, Speaker};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let threads: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let model = cabin_agent::resolve_model("llm/SmolLM2-135M-Instruct.Q4_1.gguf")?;
    let request = PhraseRequest {
        proposal: Proposal::Stop {
            poi_id: 1,
            name: "Bean There Coffee".into(),
            brand: Some("Bean There".into()),
            category: PoiCategory::Coffee,
            distance_km: 6.0,
            detour_min: 1,
            eta_min: 4,
        },
        interest: InterestKind::Coffee,
        interest_detail: None,
        speaker: Speaker::Passenger,
        drowsy: false,
    };
    let chat = chat_messages(&request);
    let tsv: String = chat.iter().map(|(r, m)| format!("{r}\t{m}\n")).collect();
    std::fs::write(std::env::temp_dir().join("cabin_llm_prompt.tsv"), tsv)?;
    let chat: Vec<(&str, &str)> = chat.iter().map(|(r, m)| (*r, m.as_str())).collect();
    let mut llm = LocalBackend::start(LocalConfig {
        threads,
        time_budget: Duration::from_secs(300),
        ..LocalConfig::new(model)
    })?;
    for _ in 0..runs {
        let g = llm.generate_chat(&chat)?;
        println!(
            "threads {threads}: {} prompt tokens ({} cached), {} generated, first token {:.0} ms, decode {:.1} tokens/s: {}",
            g.prompt_tokens,
            g.cached_prompt_tokens,
            g.tokens,
            g.time_to_first_token.as_secs_f64() * 1000.0,
            g.tokens_per_s(),
            g.text
        );
    }
    Ok(())
}
