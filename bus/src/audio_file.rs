//! Audio files: the one WAV reader, shared by the simulator (espeak-ng's speech, read from its stdout)
//! and the agent (recorded speech in tests, benchmarks and tools), so a file one of them accepts the
//! other accepts too. Decoding is `hound`'s: integer PCM of 8 to 32 bits and 32-bit float, plain or
//! WAVE_FORMAT_EXTENSIBLE, any number of channels, averaged to mono, as samples in [-1, 1].
//!
//! Two kinds of file that hound refuses on its own stay readable, because real producers write them:
//! - **a data size left unset**: espeak-ng writing to a pipe cannot seek back to fill it in, so it
//!   writes 0x7ffff000 (other streaming writers write 0 or 0x7fffffff); the data then runs to the end
//!   of the bytes;
//! - **a file cut short** (an interrupted recording or copy): it is read up to its last whole frame.
//!
//! ```
//! use cabin_bus::audio_file::parse_wav;
//! let mut wav = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
//! wav.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
//! wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
//! wav.extend_from_slice(&[2, 0, 16, 0]); // 2 bytes per frame, 16 bits
//! wav.extend_from_slice(b"data\xff\xff\xff\x7f"); // size unset, as when streamed
//! wav.extend_from_slice(&[0, 0x40, 0, 0xc0]);
//! let audio = parse_wav(&wav, "example").expect("valid");
//! assert_eq!((audio.sample_rate_hz, audio.samples), (8000, vec![0.5, -0.5]));
//! assert!(parse_wav(b"garbage", "example").unwrap_err().to_string().starts_with("example: "));
//! ```

use std::io::{Cursor, Read};
use std::path::Path;

/// Decoded audio: one channel (the file's channels averaged) and its sample rate.
#[derive(Clone, Debug, PartialEq)]
pub struct MonoAudio {
    pub sample_rate_hz: u32,
    /// Samples in [-1, 1].
    pub samples: Vec<f32>,
}

impl MonoAudio {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate_hz.max(1) as f64
    }
}

/// Why an audio file cannot be read; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioFileError {
    #[error("{file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    /// The RIFF structure around the samples (checked here, before hound sees the file).
    #[error("{file}: {reason}")]
    Layout { file: String, reason: &'static str },
    #[error("{file}: {source}")]
    Decode { file: String, source: hound::Error },
}

/// Reads a WAV file into mono samples.
pub fn read_wav(path: &Path) -> Result<MonoAudio, AudioFileError> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => parse_wav(&bytes, &file),
        Err(source) => Err(AudioFileError::Read { file, source }),
    }
}

/// Decodes WAV bytes into mono samples; `file` names them in errors (a path, or e.g. "espeak-ng output").
pub fn parse_wav(bytes: &[u8], file: &str) -> Result<MonoAudio, AudioFileError> {
    let layout = |reason| AudioFileError::Layout {
        file: file.to_string(),
        reason,
    };
    let data = find_data_chunk(bytes).map_err(layout)?;
    let header = header_with_data_len(bytes, &data).map_err(layout)?;
    let pcm = &bytes[data.start..data.start + data.len];
    let decode = |source| AudioFileError::Decode {
        file: file.to_string(),
        source,
    };
    let reader = hound::WavReader::new(Cursor::new(header).chain(pcm)).map_err(decode)?;
    let audio = to_mono(reader).map_err(decode)?;
    if audio.sample_rate_hz == 0 {
        return Err(layout("the sample rate is 0"));
    }
    Ok(audio)
}

/// Where the samples are: the data chunk's body, `len` cut to the whole frames actually present.
struct DataChunk {
    start: usize,
    len: usize,
}

/// Walks the RIFF chunks to the data chunk. Only what hound cannot be told is read here (where the
/// data starts, the frame size to cut a short file at); hound checks the format itself.
fn find_data_chunk(bytes: &[u8]) -> Result<DataChunk, &'static str> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file");
    }
    let le_u32 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let mut frame_bytes = None;
    let mut pos = 12;
    while let Some(chunk_header) = bytes.get(pos..pos + 8) {
        let declared = le_u32(&chunk_header[4..8]);
        let start = pos + 8;
        match &chunk_header[0..4] {
            // The fmt chunk's block-align field: bytes per frame, all channels.
            b"fmt " => {
                frame_bytes = bytes
                    .get(start + 12..start + 14)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
            }
            b"data" => {
                let frame = frame_bytes
                    .filter(|&n| n > 0)
                    .ok_or("no valid fmt chunk before the data chunk")?;
                let present = bytes.len() - start;
                // 0 and sizes past the end mean "unset" (streamed) or "cut short": take what is there.
                let len = if declared == 0 || declared > present {
                    present
                } else {
                    declared
                };
                return Ok(DataChunk {
                    start,
                    len: len - len % frame,
                });
            }
            _ => {}
        }
        pos = start.saturating_add(declared).saturating_add(declared & 1);
    }
    Err("no data chunk")
}

/// A copy of everything before the samples with the RIFF and data sizes set to the samples present,
/// so hound reads exactly those (it trusts the sizes, and refuses an unset or overlong one).
fn header_with_data_len(bytes: &[u8], data: &DataChunk) -> Result<Vec<u8>, &'static str> {
    let mut header = bytes[..data.start].to_vec();
    let data_len = u32::try_from(data.len).map_err(|_| "more than 4 GiB of samples")?;
    let riff_len = u32::try_from(data.start - 8 + data.len).map_err(|_| "larger than 4 GiB")?;
    header[4..8].copy_from_slice(&riff_len.to_le_bytes());
    header[data.start - 4..].copy_from_slice(&data_len.to_le_bytes());
    Ok(header)
}

fn to_mono<R: Read>(mut reader: hound::WavReader<R>) -> Result<MonoAudio, hound::Error> {
    let spec = reader.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            // Full scale of a signed `bits_per_sample` integer (hound allows 1 to 32 bits).
            let full_scale = (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / full_scale))
                .collect::<Result<_, _>>()?
        }
    };
    // hound refuses a file with zero channels, so the frames below are never empty.
    let channels = usize::from(spec.channels.max(1));
    let samples = interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok(MonoAudio {
        sample_rate_hz: spec.sample_rate,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit PCM WAV as a careful writer lays it out, with a LIST chunk after the samples (sox
    /// adds one).
    fn pcm16(channels: u16, samples: &[i16]) -> Vec<u8> {
        let data_len = samples.len() as u32 * 2;
        let mut d = b"RIFF".to_vec();
        d.extend_from_slice(&(36 + data_len + 12).to_le_bytes());
        d.extend_from_slice(b"WAVEfmt ");
        d.extend_from_slice(&16u32.to_le_bytes());
        d.extend_from_slice(&1u16.to_le_bytes());
        d.extend_from_slice(&channels.to_le_bytes());
        d.extend_from_slice(&16000u32.to_le_bytes());
        d.extend_from_slice(&(32000 * channels as u32).to_le_bytes());
        d.extend_from_slice(&(2 * channels).to_le_bytes());
        d.extend_from_slice(&16u16.to_le_bytes());
        d.extend_from_slice(b"data");
        d.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            d.extend_from_slice(&s.to_le_bytes());
        }
        d.extend_from_slice(b"LIST\x04\0\0\0INFO");
        d
    }

    fn data_size_at(wav: &[u8]) -> usize {
        wav.windows(4)
            .position(|w| w == b"data")
            .expect("data chunk")
            + 4
    }

    #[test]
    fn reads_pcm16_and_stops_at_the_end_of_the_data_chunk() {
        let audio = parse_wav(&pcm16(1, &[0, 16384, -32768]), "t.wav").expect("valid");
        assert_eq!(audio.sample_rate_hz, 16000);
        assert_eq!(audio.samples, vec![0.0, 0.5, -1.0]);
        assert_eq!(audio.duration_s(), 3.0 / 16000.0);
    }

    #[test]
    fn averages_channels_to_mono() {
        let audio = parse_wav(&pcm16(2, &[16384, 0, -16384, -16384]), "t.wav").expect("valid");
        assert_eq!(audio.samples, vec![0.25, -0.5]);
    }

    #[test]
    fn rejects_garbage_with_the_file_named() {
        for bad in [
            &b"garbage"[..],
            b"RIFF....WAVE",
            b"RIFF\0\0\0\0WAVEdata\0\0\0\0",
        ] {
            let e = parse_wav(bad, "bad.wav").expect_err("not audio");
            assert!(matches!(e, AudioFileError::Layout { .. }), "{e}");
            assert!(e.to_string().starts_with("bad.wav: "), "{e}");
        }
        let mut adpcm = pcm16(1, &[1, 2]);
        adpcm[20] = 2; // format tag 2 (MS ADPCM): hound's verdict
        let e = parse_wav(&adpcm, "adpcm.wav").expect_err("unsupported");
        assert!(matches!(e, AudioFileError::Decode { .. }), "{e}");
        let e = read_wav(Path::new("/nonexistent/x.wav")).expect_err("no file");
        assert!(e.to_string().starts_with("/nonexistent/x.wav: "), "{e}");
    }

    #[test]
    fn an_unset_data_size_runs_to_the_end() {
        for unset in [0u32, 0x7fff_ffff, 0x7fff_f000] {
            let mut wav = pcm16(1, &[16384, -16384]);
            wav.truncate(wav.len() - 12); // a streamed file has nothing after its samples
            wav.push(1); // and may end in half a frame
            let at = data_size_at(&wav);
            wav[at..at + 4].copy_from_slice(&unset.to_le_bytes());
            let audio = parse_wav(&wav, "stream.wav").expect("streamed");
            assert_eq!(audio.samples, vec![0.5, -0.5], "data size {unset:#x}");
        }
    }

    #[test]
    fn a_truncated_file_is_read_to_its_last_whole_frame() {
        let mut wav = pcm16(2, &[1, 2, 3, 4, 5, 6]);
        wav.truncate(wav.len() - 12 - 3); // the LIST chunk and 3 of the last frame's 4 bytes
        assert_eq!(
            parse_wav(&wav, "cut.wav").map(|a| a.samples.len()).ok(),
            Some(2)
        );
    }

    fn encode<S: hound::Sample + Copy>(
        bits: u16,
        format: hound::SampleFormat,
        samples: &[S],
    ) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48000,
            bits_per_sample: bits,
            sample_format: format,
        };
        let mut buf = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut buf, spec).expect("writer");
        for &s in samples {
            writer.write_sample(s).expect("sample");
        }
        writer.finalize().expect("finalize");
        buf.into_inner()
    }

    #[test]
    fn reads_24_bit_and_float_files() {
        let int24 = encode(
            24,
            hound::SampleFormat::Int,
            &[1 << 22, 0, -(1 << 23), -(1 << 23)], // (0.5, 0) and (-1, -1)
        );
        let audio = parse_wav(&int24, "int24.wav").expect("24-bit");
        assert_eq!(
            (audio.sample_rate_hz, audio.samples),
            (48000, vec![0.25, -1.0])
        );
        let float = encode(
            32,
            hound::SampleFormat::Float,
            &[0.5f32, 0.25, -0.75, -0.25],
        );
        let audio = parse_wav(&float, "float.wav").expect("float");
        assert_eq!(audio.samples, vec![0.375, -0.5]);
    }
}
