//! Spoken conversation for the speech-to-text path: scripted text synthesised with espeak-ng.
//!
//! espeak-ng (Debian package `espeak-ng`) writes a 22.05 kHz 16-bit WAV; the cabin's audio topic
//! carries 16 kHz mono floats, so the clip is read with the bus's WAV reader, resampled (rubato) and
//! normalised to the scenario's speech level. The text goes to espeak-ng on stdin, never on the
//! command line, so no utterance can be taken for an option. Synthesis happens once, when the simulator starts; the same
//! espeak-ng version gives the same samples every run.

mod resample;

use crate::error::{Result, SimError};
use crate::rng::Rng;
use crate::scenario::ScriptedUtterance;
use cabin_bus::audio_file::parse_wav;
use std::io::Write;
use std::process::{Command, Stdio};

pub use resample::resample;

/// The audio topic's sample rate.
pub const SAMPLE_RATE_HZ: u32 = 16_000;

/// Synthesises `text` with espeak-ng: 16 kHz mono samples with their peak at `amplitude`.
pub fn synthesise(text: &str, voice: &str, words_per_min: u32, amplitude: f64) -> Result<Vec<f32>> {
    let mut child = Command::new("espeak-ng")
        .args(["-v", voice, "-s", &words_per_min.to_string(), "--stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            SimError::Speech(format!(
                "cannot run espeak-ng ({e}); install the espeak-ng package"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| SimError::Speech(format!("espeak-ng stdin: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| SimError::Speech(format!("espeak-ng: {e}")))?;
    if !out.status.success() {
        return Err(SimError::Speech(format!(
            "espeak-ng failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let wav =
        parse_wav(&out.stdout, "espeak-ng output").map_err(|e| SimError::Speech(e.to_string()))?;
    let mut pcm = resample(&wav.samples, wav.sample_rate_hz, SAMPLE_RATE_HZ)?;
    let peak = pcm.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if peak <= 0.0 {
        return Err(SimError::Speech(format!(
            "espeak-ng produced silence for '{text}'"
        )));
    }
    let k = amplitude as f32 / peak;
    for v in pcm.iter_mut() {
        *v *= k;
    }
    Ok(pcm)
}

/// A synthesised utterance placed on the drive's timeline.
#[derive(Clone, Debug)]
pub struct Clip {
    /// First sample index (16 kHz, from t = 0).
    pub start: u64,
    pub samples: Vec<f32>,
}

/// The cabin microphone: speech clips on a noise floor, cut into chunks.
pub struct Microphone {
    clips: Vec<Clip>,
    chunk: usize,
    noise_level: f32,
    seed: u64,
    /// Index of the next chunk.
    k: u64,
}

impl Microphone {
    /// Synthesises every utterance. Errors name the utterance's line.
    pub fn new(
        utterances: &[ScriptedUtterance],
        voice: &str,
        words_per_min: u32,
        amplitude: f64,
        chunk_ms: u32,
        noise_level: f64,
        seed: u64,
    ) -> Result<Microphone> {
        let mut clips = Vec::new();
        for u in utterances {
            let samples = synthesise(
                &u.text,
                u.voice.as_deref().unwrap_or(voice),
                words_per_min,
                amplitude,
            )
            .map_err(|e| SimError::Speech(format!("utterance on line {}: {e}", u.line)))?;
            clips.push(Clip {
                start: (u.at_s * SAMPLE_RATE_HZ as f64).round() as u64,
                samples,
            });
        }
        Ok(Microphone {
            clips,
            chunk: (SAMPLE_RATE_HZ as usize * chunk_ms as usize / 1000).max(1),
            noise_level: noise_level as f32,
            seed,
            k: 0,
        })
    }

    pub fn clips(&self) -> &[Clip] {
        &self.clips
    }

    pub fn chunk_len(&self) -> usize {
        self.chunk
    }

    /// The next chunk (stamped at its first sample: `index * chunk / 16 kHz`) and its index.
    pub fn next_chunk(&mut self) -> (u64, Vec<f32>) {
        let k = self.k;
        self.k += 1;
        let start = k * self.chunk as u64;
        let mut out = vec![0.0f32; self.chunk];
        if self.noise_level > 0.0 {
            let mut rng = Rng::stream(self.seed, "cabin_noise", k);
            for v in out.iter_mut() {
                *v = self.noise_level * (2.0 * rng.uniform() as f32 - 1.0);
            }
        }
        for c in &self.clips {
            let end = c.start + c.samples.len() as u64;
            if end <= start || c.start >= start + self.chunk as u64 {
                continue;
            }
            for (i, v) in out.iter_mut().enumerate() {
                let s = start + i as u64;
                if s >= c.start && s < end {
                    *v += c.samples[(s - c.start) as usize];
                }
            }
        }
        for v in out.iter_mut() {
            *v = v.clamp(-1.0, 1.0);
        }
        (k, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "I could use a coffee.";

    /// espeak-ng writing to a pipe leaves the WAV's data size unset: the clip must still be read whole.
    #[test]
    fn espeak_ngs_streamed_wav_is_read_whole() {
        let out = Command::new("espeak-ng")
            .args(["-v", "en-us", "-s", "150", "--stdout", TEXT])
            .output()
            .expect("espeak-ng runs (apt install espeak-ng)");
        assert!(out.status.success(), "espeak-ng failed");
        let wav = &out.stdout;
        let at = wav
            .windows(4)
            .position(|w| w == b"data")
            .expect("data chunk")
            + 4;
        let declared = u32::from_le_bytes([wav[at], wav[at + 1], wav[at + 2], wav[at + 3]]);
        let present = wav.len() - (at + 4);
        assert!(
            declared as usize > present,
            "espeak-ng now writes the real size ({declared}): this test no longer covers streaming"
        );
        let audio = parse_wav(wav, "espeak-ng output").expect("readable");
        assert_eq!(audio.sample_rate_hz, 22050);
        assert_eq!(audio.samples.len(), present / 2);
        let pcm = synthesise(TEXT, "en-us", 150, 0.5).expect("synthesised");
        assert_eq!(pcm.len(), audio.samples.len() * 16000 / 22050);
        let peak = pcm.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.5).abs() < 1e-6, "peak {peak}");
    }
}
