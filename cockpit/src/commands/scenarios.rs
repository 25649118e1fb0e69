//! `cabin scenarios generate --count N --seed S --out DIR`: a corpus of varied drives for fleet runs.
//!
//! Writes one scenario file per drive (the generator is `cabin_sim::scenario::generate`) and
//! `corpus.json`, the corpus's manifest: every drive's file with its ground truth (scored episodes,
//! POIs passed, conversation) so a fleet run (`cabin fleet run DIR/corpus.json`) and a person reading
//! the report know what each drive was meant to test. Every file is loaded back before it is listed,
//! so a corpus on disk is always one the simulator accepts.

use anyhow::{Context as _, Result};
use cabin_sim::scenario::generate::{generate_corpus, CorpusOptions};
use cabin_sim::scenario::Scenario;
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug, Clone)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub action: ScenariosAction,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ScenariosAction {
    /// Write a corpus of generated drives (scenario files + corpus.json with their ground truth).
    Generate(GenerateArgs),
}

#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// How many drives.
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// The corpus seed: drive i of seed S is always the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(long, default_value = "corpus")]
    pub out: PathBuf,
    /// Shortest drive, seconds of sim time.
    #[arg(long, default_value_t = 45.0)]
    pub min_duration_s: f64,
    /// Longest drive, seconds of sim time.
    #[arg(long, default_value_t = 90.0)]
    pub max_duration_s: f64,
}

pub fn run(args: ScenariosArgs) -> Result<ExitCode> {
    match args.action {
        ScenariosAction::Generate(a) => generate(a),
    }
}

fn generate(args: GenerateArgs) -> Result<ExitCode> {
    let options = CorpusOptions {
        count: args.count,
        seed: args.seed,
        min_duration_s: args.min_duration_s,
        max_duration_s: args.max_duration_s,
    };
    let drives = generate_corpus(&options)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut listed = Vec::with_capacity(drives.len());
    let mut total_s = 0.0;
    for d in &drives {
        let path = args.out.join(&d.file_name);
        std::fs::write(&path, &d.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let scenario = Scenario::load(&path).with_context(|| {
            format!("generated drive {} does not load (a generator bug)", d.name)
        })?;
        total_s += scenario.duration_s;
        listed.push(corpus_entry(&scenario, &d.file_name));
    }
    let corpus = json!({
        "generator": "cabin scenarios generate",
        "seed": options.seed,
        "count": drives.len(),
        "min_duration_s": options.min_duration_s,
        "max_duration_s": options.max_duration_s,
        "total_drive_s": total_s,
        "drives": listed,
    });
    let index = args.out.join("corpus.json");
    std::fs::write(&index, serde_json::to_string_pretty(&corpus)? + "\n")
        .with_context(|| format!("cannot write {}", index.display()))?;
    println!(
        "wrote {} drives ({:.1} min of driving) to {}; manifest {}",
        drives.len(),
        total_s / 60.0,
        args.out.display(),
        index.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One drive of `corpus.json`: the fleet driver reads `id` and `scenario`; the rest is its ground truth.
fn corpus_entry(s: &Scenario, file_name: &str) -> serde_json::Value {
    json!({
        "id": s.name,
        "scenario": Path::new(file_name),
        "description": s.description,
        "duration_s": s.duration_s,
        "start_time_of_day_s": s.start_time_of_day_s,
        "episodes": s.episodes().iter().map(|e| json!({
            "kind": e.kind,
            "start_s": e.start_s,
            "end_s": e.end_s,
            "detail": e.detail,
        })).collect::<Vec<_>>(),
        "pois": s.poi_passages(),
        "conversation": s.conversation.iter().map(|u| json!({
            "at_s": u.at_s,
            "speaker": u.speaker,
            "text": u.text,
        })).collect::<Vec<_>>(),
    })
}
