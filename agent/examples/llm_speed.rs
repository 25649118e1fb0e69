//! Where the local model's phrasing time goes, per request, on the agent's coffee prompt: applying
//! the chat template and tokenising, prompt evaluation, generation per token (llama.cpp's own
//! figures from `llama_perf_context` beside the wall clock) and the checker; then the process's
//! memory. The first lines are in the same form as `benches/baseline/llama_decode.c` prints for
//! llama.cpp alone, so the two can be run alternately on a shared machine.
//!
//! `llm_speed THREADS RUNS [MODEL.gguf] [N_CTX] [N_BATCH] [WARM]` (default SmolLM2, a path or relative
//! to `models/`; N_CTX, N_BATCH and WARM = 1|0 default to the agent's `LocalConfig`; WARM = 0 does
//! not evaluate the fixed prefix at load, as before issue 13 item 6).
//! (Built by `cargo test -p cabin-agent --no-run`; run `target/debug/examples/llm_speed-*`.)

use cabin_agent::language::{chat_tsv, check, samples, CheckConfig, LocalBackend, LocalConfig};
use std::time::{Duration, Instant};

/// `VmRSS` and `VmHWM` of this process, MB.
fn rss_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let threads: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let model = cabin_agent::resolve_model(
        args.get(3)
            .map(String::as_str)
            .unwrap_or("llm/SmolLM2-135M-Instruct.Q4_1.gguf"),
    )?;
    let defaults = LocalConfig::new(model.clone());
    let n_ctx = args
        .get(4)
        .and_then(|a| a.parse().ok())
        .unwrap_or(defaults.n_ctx);
    let n_batch = args
        .get(5)
        .and_then(|a| a.parse().ok())
        .unwrap_or(defaults.n_batch);
    let warm = args.get(6).map(|a| a != "0").unwrap_or(true);
    let request = samples::coffee_stop(6.0, 4);
    // the same chat for the C baseline (agent/benches/baseline/llama_decode.c)
    let prompt_file = std::env::temp_dir().join("cabin_llm_prompt.tsv");
    std::fs::write(prompt_file, chat_tsv(&request))?;
    let (rss0, _) = rss_mb();
    let loading = Instant::now();
    let mut llm = LocalBackend::start(LocalConfig {
        threads,
        time_budget: Duration::from_secs(300),
        n_ctx,
        n_batch,
        warm_prefix: if warm {
            defaults.warm_prefix
        } else {
            Vec::new()
        },
        ..defaults
    })?;
    println!(
        "{}; n_ctx {n_ctx}, n_batch {n_batch}, prefix warmed at load: {warm}; start {:.0} ms",
        llm.description(),
        loading.elapsed().as_secs_f64() * 1000.0
    );
    let cfg = CheckConfig::default();
    for _ in 0..runs {
        let t0 = Instant::now();
        let g = llm.generate_for(&request)?;
        let generate = t0.elapsed();
        let t1 = Instant::now();
        let verdict = check(&g.text, &request, &cfg);
        let check_time = t1.elapsed();
        println!(
            "threads {threads}: {} prompt tokens ({} cached), {} generated, first token {:.0} ms, decode {:.1} tokens/s: {}",
            g.prompt_tokens,
            g.cached_prompt_tokens,
            g.tokens,
            g.time_to_first_token.as_secs_f64() * 1000.0,
            g.tokens_per_s(),
            g.text
        );
        let l = g.llama;
        println!(
            "  request {:.0} ms (incl. the wait for the warm-up): template+tokenise {:.2} ms | llama.cpp prompt eval {:.0} ms / {} tokens ({:.1} ms/token) | generation {:.0} ms / {} tokens ({:.1} ms/token) | check {:.3} ms ({})",
            generate.as_secs_f64() * 1000.0,
            g.tokenize_time.as_secs_f64() * 1000.0,
            l.prompt_ms,
            l.prompt_tokens,
            l.prompt_ms / f64::from(l.prompt_tokens.max(1)),
            l.eval_ms,
            l.eval_tokens,
            l.eval_ms / f64::from(l.eval_tokens.max(1)),
            check_time.as_secs_f64() * 1000.0,
            if verdict.is_ok() { "ok" } else { "rejected" },
        );
    }
    let (rss, hwm) = rss_mb();
    println!("memory: RSS {rss} MB, peak {hwm} MB (before loading: {rss0} MB)");
    Ok(())
}
