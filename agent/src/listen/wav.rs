//! Reads 16-bit PCM WAV files (what espeak-ng and sox write) into samples in [-1, 1]: for tests,
//! benchmarks and tools that feed recorded speech to the speech node.

use crate::error::{AgentError, Result};
use std::path::Path;

/// Decoded audio: mono samples (channels averaged) and the sample rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Wav {
    pub sample_rate_hz: u32,
    pub samples: Vec<f32>,
}

impl Wav {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate_hz.max(1) as f64
    }
}

pub fn read_wav(path: &Path) -> Result<Wav> {
    let data = std::fs::read(path).map_err(|e| AgentError::io(path, e))?;
    parse_wav(&data).map_err(|e| AgentError::Audio(format!("{}: {e}", path.display())))
}

fn u16_at(d: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(i..i + 4)?.try_into().ok()?))
}

/// Parses a RIFF/WAVE file with 16-bit PCM samples, walking its chunks (sox adds `LIST` chunks;
/// espeak-ng writes an unknown data length when it streams, which is clamped to the file).
pub fn parse_wav(d: &[u8]) -> std::result::Result<Wav, String> {
    if d.len() < 12 || &d[0..4] != b"RIFF" || &d[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let mut i = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while i + 8 <= d.len() {
        let id = &d[i..i + 4];
        let len = u32_at(d, i + 4).ok_or("truncated chunk header")? as usize;
        let body = i + 8;
        if id == b"fmt " {
            let f = (
                u16_at(d, body).ok_or("truncated fmt")?,
                u16_at(d, body + 2).ok_or("truncated fmt")?,
                u32_at(d, body + 4).ok_or("truncated fmt")?,
                u16_at(d, body + 14).ok_or("truncated fmt")?,
            );
            format = Some(f);
        } else if id == b"data" {
            let (fmt, channels, rate, bits) = format.ok_or("data chunk before fmt chunk")?;
            if (fmt != 1 && fmt != 0xFFFE) || bits != 16 {
                return Err(format!(
                    "only 16-bit PCM is supported (format {fmt}, {bits} bit)"
                ));
            }
            if channels == 0 || rate == 0 {
                return Err("zero channels or sample rate".into());
            }
            let end = body.saturating_add(len).min(d.len());
            let pcm = &d[body..end];
            let ch = channels as usize;
            let frames = pcm.len() / (2 * ch);
            let mut samples = Vec::with_capacity(frames);
            for f in 0..frames {
                let mut acc = 0.0f32;
                for c in 0..ch {
                    let k = (f * ch + c) * 2;
                    acc += i16::from_le_bytes([pcm[k], pcm[k + 1]]) as f32 / 32768.0;
                }
                samples.push(acc / ch as f32);
            }
            return Ok(Wav {
                sample_rate_hz: rate,
                samples,
            });
        }
        i = body.saturating_add(len + (len & 1));
    }
    Err("no data chunk".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(samples: &[i16]) -> Vec<u8> {
        let mut d = Vec::new();
        let data_len = samples.len() as u32 * 2;
        d.extend_from_slice(b"RIFF");
        d.extend_from_slice(&(36 + data_len).to_le_bytes());
        d.extend_from_slice(b"WAVEfmt ");
        d.extend_from_slice(&16u32.to_le_bytes());
        d.extend_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(&16000u32.to_le_bytes());
        d.extend_from_slice(&32000u32.to_le_bytes());
        d.extend_from_slice(&2u16.to_le_bytes());
        d.extend_from_slice(&16u16.to_le_bytes());
        d.extend_from_slice(b"data");
        d.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            d.extend_from_slice(&s.to_le_bytes());
        }
        d
    }

    #[test]
    fn reads_pcm16_and_rejects_garbage() {
        let w = parse_wav(&wav(&[0, 16384, -32768])).expect("valid");
        assert_eq!(w.sample_rate_hz, 16000);
        assert_eq!(w.samples, vec![0.0, 0.5, -1.0]);
        assert!(parse_wav(b"RIFF....WAVE").is_err());
        assert!(parse_wav(b"garbage").is_err());
        let mut truncated = wav(&[1, 2, 3]);
        truncated.truncate(truncated.len() - 3);
        assert_eq!(parse_wav(&truncated).map(|w| w.samples.len()), Ok(1));
    }
}
