//! Word error rate against cabin-noise SNR on real read speech: the speech node's own path (Silero
//! VAD, segmentation, Moonshine base-en, 1 thread each) on every clip of `models/speech_eval/`
//! (scripts/data/speech_eval.py), clean and mixed with synthetic cabin noise (`listen::CabinNoise`,
//! a fixed seed per clip) at 20, 10, 5 and 0 dB SNR over the active speech; each condition raw, with
//! the high-pass alone and with the high-pass + Wiener filter (`listen::NoiseSuppressor`, run inside
//! `SpeechToText` as the speech node runs it).
//!
//! Build: `cargo test -p cabin-agent --example noise_wer --no-run`; run:
//! `nice -n 10 target/debug/examples/noise_wer-<hash> [--clips N] [--verbose]`. Prints a Markdown table
//! (stdout); `--verbose` also prints each clip's transcript (stderr). Not a test: it takes minutes.

use cabin_agent::listen::{
    noise_gain, normalise_words, word_errors, CabinNoise, NoiseSuppressorConfig, SegmenterConfig,
    SpeechModelPaths, SpeechToText, DEFAULT_HIGH_PASS_HZ, SAMPLE_RATE,
};
use cabin_bus::audio_file::read_wav;
use std::collections::BTreeMap;
use std::time::Instant;

/// Noise (or silence, when clean) before and after each clip: the segmenter sees the speech start
/// and end as it would in a cabin.
const LEAD_S: f64 = 0.5;
const TAIL_S: f64 = 0.8;
const SNRS: [Option<f64>; 5] = [None, Some(20.0), Some(10.0), Some(5.0), Some(0.0)];

struct Clip {
    name: String,
    corpus: String,
    transcript: String,
    samples: Vec<f32>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    errors: usize,
    words: usize,
    segments: usize,
    compute_s: f64,
    audio_s: f64,
}

impl Tally {
    fn wer(&self) -> f64 {
        self.errors as f64 / self.words.max(1) as f64 * 100.0
    }
}

fn load_clips(limit: usize) -> Result<Vec<Clip>, Box<dyn std::error::Error>> {
    let tsv = cabin_agent::resolve_model("speech_eval/transcripts.tsv")?;
    let dir = tsv.parent().ok_or("no parent")?.join("clips");
    let mut clips = Vec::new();
    for line in std::fs::read_to_string(&tsv)?.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, corpus, transcript] = cols[..] else {
            continue;
        };
        let wav = read_wav(&dir.join(name))?;
        if wav.sample_rate_hz != SAMPLE_RATE {
            return Err(format!("{name}: {} Hz (setup writes 16 kHz)", wav.sample_rate_hz).into());
        }
        clips.push(Clip {
            name: name.into(),
            corpus: corpus.into(),
            transcript: transcript.into(),
            samples: wav.samples,
        });
    }
    clips.truncate(limit);
    Ok(clips)
}

/// The clip with its lead-in and tail, mixed with cabin noise at `snr` (None: clean, silent padding).
/// The SNR is measured on the clip itself; the noise runs through the padding too, as in a cabin.
fn condition(clip: &Clip, index: usize, snr: Option<f64>) -> Vec<f32> {
    let lead = (LEAD_S * SAMPLE_RATE as f64) as usize;
    let tail = (TAIL_S * SAMPLE_RATE as f64) as usize;
    let mut audio = vec![0.0; lead];
    audio.extend_from_slice(&clip.samples);
    audio.extend(vec![0.0; tail]);
    if let Some(snr) = snr {
        let noise = CabinNoise::new(1000 + index as u64).take(audio.len());
        let g = noise_gain(&clip.samples, &noise, snr);
        for (a, n) in audio.iter_mut().zip(&noise) {
            *a += g * n;
        }
    }
    audio
}

/// The front ends compared: none, the high-pass alone, the high-pass and the Wiener filter.
fn modes() -> Vec<(&'static str, Option<NoiseSuppressorConfig>)> {
    vec![
        ("raw", None),
        (
            "high-pass",
            Some(NoiseSuppressorConfig {
                high_pass_hz: Some(DEFAULT_HIGH_PASS_HZ),
                wiener: false,
            }),
        ),
        ("high-pass + Wiener", Some(NoiseSuppressorConfig::default())),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let limit = args
        .iter()
        .position(|a| a == "--clips")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    let clips = load_clips(limit)?;
    let paths = SpeechModelPaths::installed()?;
    let mut stt = SpeechToText::load(&paths, 1, SegmenterConfig::default(), 1)?;
    let audio_s: f64 = clips
        .iter()
        .map(|c| c.samples.len() as f64 / SAMPLE_RATE as f64)
        .sum();
    let words: usize = clips
        .iter()
        .map(|c| normalise_words(&c.transcript).len())
        .sum();
    eprintln!(
        "{} clips, {audio_s:.1} s of speech, {words} words; cabin noise {:.0} % of its power below 500 Hz",
        clips.len(),
        100.0 * CabinNoise::power_below(&CabinNoise::new(1).take(1 << 13), 500.0)
    );
    let modes = modes();
    // (snr index, mode index) -> corpus -> tally; corpus "all" is the total
    let mut table: BTreeMap<(usize, usize), BTreeMap<String, Tally>> = BTreeMap::new();
    for (si, snr) in SNRS.iter().enumerate() {
        for (mi, (mode, config)) in modes.iter().enumerate() {
            let row = table.entry((si, mi)).or_default();
            // the node's own path: suppression inside SpeechToText, a fresh stream per clip
            stt.set_noise_suppression(config.clone());
            for (i, clip) in clips.iter().enumerate() {
                let audio = condition(clip, i, *snr);
                let t = Instant::now();
                let heard = stt.transcribe_recording(&audio)?;
                let dt = t.elapsed().as_secs_f64();
                let text = heard
                    .iter()
                    .map(|h| h.transcript.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let (e, n) = word_errors(&clip.transcript, &text);
                if verbose {
                    eprintln!(
                        "{:>5} {mode:<18} {:<58} {e:>2}/{n:<2} {text:?}",
                        snr.map_or("clean".into(), |s| format!("{s} dB")),
                        clip.name
                    );
                }
                for key in [clip.corpus.as_str(), "all"] {
                    let t = row.entry(key.to_string()).or_default();
                    t.errors += e;
                    t.words += n;
                    t.segments += heard.len();
                    t.compute_s += dt;
                    t.audio_s += audio.len() as f64 / SAMPLE_RATE as f64;
                }
            }
        }
    }
    let corpora: Vec<String> = table
        .values()
        .next()
        .map(|r| r.keys().filter(|k| *k != "all").cloned().collect())
        .unwrap_or_default();
    let names: Vec<&str> = modes.iter().map(|(m, _)| *m).collect();
    print!("| SNR |");
    for m in &names {
        print!(" WER, {m} |");
    }
    for c in &corpora {
        print!(" {c}: {} |", names.join(" / "));
    }
    println!(" RTF: {} |", names.join(" / "));
    println!("|{}", " --- |".repeat(1 + names.len() + corpora.len() + 1));
    for (si, snr) in SNRS.iter().enumerate() {
        print!("| {} |", snr.map_or("clean".into(), |s| format!("{s} dB")));
        for mi in 0..names.len() {
            let t = table[&(si, mi)]["all"];
            print!(" {:.1} % ({}/{}) |", t.wer(), t.errors, t.words);
        }
        for c in &corpora {
            let v: Vec<String> = (0..names.len())
                .map(|mi| format!("{:.1}", table[&(si, mi)][c].wer()))
                .collect();
            print!(" {} % |", v.join(" / "));
        }
        let v: Vec<String> = (0..names.len())
            .map(|mi| {
                let t = table[&(si, mi)]["all"];
                format!("{:.3}", t.compute_s / t.audio_s)
            })
            .collect();
        println!(" {} |", v.join(" / "));
    }
    Ok(())
}
