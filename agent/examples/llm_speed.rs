//! Time to first token and decode speed of the local backend on the agent's coffee prompt, per run,
//! in the same form as `benches/baseline/llama_decode.c` prints for llama.cpp alone, so the two can
//! be run alternately on a shared machine: `llm_speed THREADS RUNS [MODEL.gguf]` (default SmolLM2;
//! a path or relative to `models/`).
//! (Built by `cargo test -p cabin-agent --no-run`; run `target/debug/examples/llm_speed-*`.)

use cabin_agent::language::{chat_tsv, samples, LocalBackend, LocalConfig};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let threads: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let model = cabin_agent::resolve_model(
        args.get(3)
            .map(String::as_str)
            .unwrap_or("llm/SmolLM2-135M-Instruct.Q4_1.gguf"),
    )?;
    let request = samples::coffee_stop(6.0, 4);
    // the same chat for the C baseline (agent/benches/baseline/llama_decode.c)
    let prompt_file = std::env::temp_dir().join("cabin_llm_prompt.tsv");
    std::fs::write(prompt_file, chat_tsv(&request))?;
    let mut llm = LocalBackend::start(LocalConfig {
        threads,
        time_budget: Duration::from_secs(300),
        ..LocalConfig::new(model)
    })?;
    for _ in 0..runs {
        let g = llm.generate_for(&request)?;
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
