//! Reading espeak-ng's WAV output and resampling it to 16 kHz.

use std::f64::consts::PI;

/// Parses a 16-bit PCM WAV (mono or the first channel of several): (sample rate, samples in [-1, 1]).
/// espeak-ng writing to a pipe leaves the data size unset (0 or 0x7fffffff): the data then runs to
/// the end of the buffer.
pub fn parse_wav(bytes: &[u8]) -> Result<(u32, Vec<f32>), String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".into());
    }
    let u16le = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
    let u32le = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let mut pos = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32le(&bytes[pos + 4..pos + 8]) as usize;
        let body = pos + 8;
        if id == b"fmt " {
            if body + 16 > bytes.len() {
                return Err("truncated fmt chunk".into());
            }
            let b = &bytes[body..];
            format = Some((
                u16le(&b[0..2]),
                u16le(&b[2..4]),
                u32le(&b[4..8]),
                u16le(&b[14..16]),
            ));
        } else if id == b"data" {
            let (tag, channels, rate, bits) = format.ok_or("data before fmt")?;
            if tag != 1 || bits != 16 || channels == 0 {
                return Err(format!(
                    "unsupported WAV: format {tag}, {bits} bits, {channels} channels"
                ));
            }
            let avail = bytes.len() - body;
            let len = if size == 0 || size > avail {
                avail
            } else {
                size
            };
            let frame = 2 * channels as usize;
            let samples = bytes[body..body + len - len % frame]
                .chunks_exact(frame)
                .map(|f| i16::from_le_bytes([f[0], f[1]]) as f32 / 32768.0)
                .collect();
            return Ok((rate, samples));
        }
        pos = body.saturating_add(size + (size & 1));
    }
    Err("no data chunk".into())
}

/// Band-limited resampling (windowed sinc, 16 zero crossings each side, Hann window, cut-off just
/// below the lower Nyquist frequency).
pub fn resample(input: &[f32], from_hz: u32, to_hz: u32) -> Vec<f32> {
    if from_hz == to_hz || input.is_empty() || from_hz == 0 || to_hz == 0 {
        return input.to_vec();
    }
    let ratio = from_hz as f64 / to_hz as f64;
    // Cut-off in cycles per input sample.
    let fc = 0.5 * 0.92 * (to_hz.min(from_hz) as f64 / from_hz as f64);
    let half = (16.0 / (2.0 * fc)).ceil() as i64;
    let n_out = ((input.len() as f64) / ratio).floor() as usize;
    let mut out = Vec::with_capacity(n_out);
    for m in 0..n_out {
        let x = m as f64 * ratio;
        let centre = x.floor() as i64;
        let mut acc = 0.0f64;
        for k in (centre - half + 1)..=(centre + half) {
            if k < 0 || k as usize >= input.len() {
                continue;
            }
            let u = x - k as f64;
            let w = 0.5 + 0.5 * (PI * u / half as f64).cos();
            let arg = 2.0 * fc * u;
            let sinc = if arg.abs() < 1e-12 {
                1.0
            } else {
                (PI * arg).sin() / (PI * arg)
            };
            acc += input[k as usize] as f64 * 2.0 * fc * sinc * w;
        }
        out.push(acc as f32);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_survives_resampling() {
        let f = 440.0;
        let input: Vec<f32> = (0..22050)
            .map(|i| (2.0 * PI * f * i as f64 / 22050.0).sin() as f32 * 0.5)
            .collect();
        let out = resample(&input, 22050, 16000);
        assert_eq!(out.len(), 16000);
        let err = (1000..15000)
            .map(|m| (out[m] as f64 - 0.5 * (2.0 * PI * f * m as f64 / 16000.0).sin()).abs())
            .fold(0.0, f64::max);
        assert!(err < 0.01, "{err}");
    }

    #[test]
    fn wav_headers_are_checked() {
        assert!(parse_wav(b"garbage").is_err());
        let mut w = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        w.extend_from_slice(&16u32.to_le_bytes());
        w.extend_from_slice(&[1, 0, 1, 0]);
        w.extend_from_slice(&8000u32.to_le_bytes());
        w.extend_from_slice(&16000u32.to_le_bytes());
        w.extend_from_slice(&[2, 0, 16, 0]);
        w.extend_from_slice(b"data");
        w.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
        w.extend_from_slice(&[0, 0x40, 0, 0xc0, 1]);
        let (rate, s) = parse_wav(&w).unwrap();
        assert_eq!((rate, s), (8000, vec![0.5, -0.5]));
    }
}
