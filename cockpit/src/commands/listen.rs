//! `cabin listen`: the speech node's speech to text on a user's own recordings (a WAV file or a folder
//! of them), as `cabin perceive` does for images. One line (or JSON object) per file; a file that
//! cannot be read is an error line and the others go on; the exit status says whether any failed.
//!
//! Audio is brought to what the speech node takes: the reader averages the channels of a stereo (or
//! any multi-channel) file to mono, and any other sample rate is resampled to 16 kHz with the
//! simulator's band-limited resampler. Then the node's own path: noise suppression (as configured),
//! Silero VAD, segmentation, Moonshine per segment, one thread, the node's default settings.

use crate::cli::ListenArgs;
use anyhow::{anyhow, Context as _, Result};
use cabin_agent::listen::{NoiseSuppressorConfig, SpeechConfig, SpeechToText, SAMPLE_RATE};
use cabin_bus::audio_file::read_wav;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Silence played to the VAD before a recording (0.5 s at 16 kHz).
const LEAD_IN_SAMPLES: usize = SAMPLE_RATE as usize / 2;

/// What one recording gave.
#[derive(serde::Serialize)]
struct Listened {
    file: String,
    duration_s: f64,
    /// The file's own sample rate (resampled to 16 kHz when different).
    sample_rate_hz: u32,
    transcript: String,
    segments: Vec<Segment>,
    /// Compute time (resampling, suppression, VAD, Moonshine) over the recording's duration.
    real_time_factor: f64,
}

#[derive(serde::Serialize)]
struct Segment {
    duration_s: f32,
    text: String,
}

/// The WAV files to read: the file itself, or a folder's `*.wav` in name order.
fn inputs(input: &Path) -> Result<Vec<PathBuf>> {
    if !input.is_dir() {
        return Ok(vec![input.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(input)
        .with_context(|| format!("cannot read the folder {}", input.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(anyhow!("no .wav files in {}", input.display()));
    }
    Ok(files)
}

fn listen(stt: &mut SpeechToText, file: &Path) -> Result<Listened> {
    let wav = read_wav(file)?;
    let t = Instant::now();
    let mut samples = if wav.sample_rate_hz == SAMPLE_RATE {
        wav.samples.clone()
    } else {
        cabin_sim::speech::resample(&wav.samples, wav.sample_rate_hz, SAMPLE_RATE)?
    };
    // As the speech node does with a microphone's chunks: NaN/inf is silence, overload is clipped.
    for s in samples.iter_mut() {
        *s = if s.is_finite() {
            s.clamp(-1.0, 1.0)
        } else {
            0.0
        };
    }
    // Half a second of silence first, as a live microphone stream has before anyone speaks: a recording
    // that starts right on a word otherwise lost it (LJSpeech LJ001-0001 came out without "Printing").
    let mut audio = vec![0.0; LEAD_IN_SAMPLES];
    audio.extend_from_slice(&samples);
    let heard = stt.transcribe_recording(&audio)?;
    let compute_s = t.elapsed().as_secs_f64();
    let segments: Vec<Segment> = heard
        .into_iter()
        .filter(|h| !h.transcript.text.trim().is_empty())
        .map(|h| Segment {
            duration_s: h.duration_s,
            text: h.transcript.text,
        })
        .collect();
    Ok(Listened {
        file: file.display().to_string(),
        duration_s: wav.duration_s(),
        sample_rate_hz: wav.sample_rate_hz,
        transcript: segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        real_time_factor: compute_s / wav.duration_s().max(1e-3),
        segments,
    })
}

fn line(l: &Listened) -> String {
    let durations: Vec<String> = l
        .segments
        .iter()
        .map(|s| format!("{:.1}", s.duration_s))
        .collect();
    format!(
        "{}: {:.2} s ({} Hz), {} speech segment(s) [{} s], RTF {:.3}: {:?}",
        l.file,
        l.duration_s,
        l.sample_rate_hz,
        l.segments.len(),
        durations.join(", "),
        l.real_time_factor,
        l.transcript
    )
}

pub fn run(args: ListenArgs) -> Result<ExitCode> {
    let files = inputs(&args.input)?;
    let config = SpeechConfig::default();
    let suppress = args.noise_suppression.unwrap_or(config.noise_suppression);
    let paths = config
        .paths()
        .context("speech models missing (run scripts/setup.sh)")?;
    let mut stt = SpeechToText::load(&paths, config.threads, config.segmenter(), 1)
        .context("cannot load the speech models")?;
    stt.set_noise_suppression(suppress.then(NoiseSuppressorConfig::default));
    let mut failed = 0;
    for file in &files {
        match listen(&mut stt, file) {
            Ok(l) if args.json => println!("{}", serde_json::to_string(&l)?),
            Ok(l) => println!("{}", line(&l)),
            Err(e) => {
                failed += 1;
                if args.json {
                    println!(
                        "{}",
                        serde_json::json!({ "file": file.display().to_string(), "error": e.to_string() })
                    );
                } else {
                    println!("{}: error: {e}", file.display());
                }
            }
        }
    }
    if failed > 0 {
        eprintln!(
            "{failed} of {} file(s) could not be transcribed",
            files.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
