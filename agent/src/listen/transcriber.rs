//! Speech to text for several microphone channels: VAD per 32 ms chunk, segmentation, Moonshine per
//! segment. No bus here, so tests and benchmarks measure exactly what the node runs.

use super::denoise::{NoiseSuppressor, NoiseSuppressorConfig};
use super::moonshine::{Moonshine, Transcript};
use super::segmenter::{Segmenter, SegmenterConfig};
use super::vad::{SileroVad, VadStream, SAMPLE_RATE, VAD_CHUNK};
use crate::error::{AgentError, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where the speech models are and how to run them.
#[derive(Clone, Debug)]
pub struct SpeechModelPaths {
    pub vad: PathBuf,
    pub encoder: PathBuf,
    pub decoder: PathBuf,
    pub tokenizer: PathBuf,
}

impl SpeechModelPaths {
    /// The models prepared by setup (`models/stt/...`).
    pub fn installed() -> Result<Self> {
        Ok(SpeechModelPaths {
            vad: crate::resolve_model("stt/silero_vad.onnx")?,
            encoder: crate::resolve_model("stt/moonshine/encoder_model.onnx")?,
            decoder: crate::resolve_model("stt/moonshine/decoder_model_merged.onnx")?,
            tokenizer: crate::resolve_model("stt/moonshine/tokenizer.bin")?,
        })
    }
}

/// A finished utterance of one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Heard {
    pub channel: u8,
    pub transcript: Transcript,
    pub duration_s: f32,
}

struct ChannelStream {
    /// Noise suppression ahead of the VAD, when configured. Its last few milliseconds (the filter's
    /// latency, 16 ms) are still inside it when a stream ends: trailing silence, not speech.
    suppressor: Option<NoiseSuppressor>,
    vad: VadStream,
    segmenter: Segmenter,
    /// Samples waiting to fill a 512-sample chunk.
    pending: Vec<f32>,
    /// The transcript of the segment's settled audio ([`Segmenter::settled`]) and that audio's
    /// length, made while the segmenter waits out the end-of-speech silence.
    early: Option<(usize, Transcript)>,
}

/// How often early transcription paid off (see [`SpeechToText::set_early_transcription`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EarlyTranscription {
    /// Segments whose transcript was ready when their silence ended.
    pub used: u64,
    /// Early transcripts thrown away because the speaker went on after the pause.
    pub voided: u64,
}

/// VAD + segmentation + Moonshine over any number of channels (up to `max_channels`).
pub struct SpeechToText {
    vad: SileroVad,
    moonshine: Moonshine,
    segmenter: SegmenterConfig,
    streams: BTreeMap<u8, ChannelStream>,
    max_channels: usize,
    suppression: Option<NoiseSuppressorConfig>,
    early: bool,
    early_counts: EarlyTranscription,
}

impl SpeechToText {
    pub fn load(
        paths: &SpeechModelPaths,
        threads: usize,
        segmenter: SegmenterConfig,
        max_channels: usize,
    ) -> Result<Self> {
        Ok(SpeechToText {
            vad: SileroVad::load(&paths.vad, threads)?,
            moonshine: Moonshine::load(&paths.encoder, &paths.decoder, &paths.tokenizer, threads)?,
            segmenter,
            streams: BTreeMap::new(),
            max_channels: max_channels.max(1),
            suppression: None,
            early: false,
            early_counts: EarlyTranscription::default(),
        })
    }

    /// Transcribe a segment as soon as its audio is settled (the segmenter's `early_chunks` into the
    /// closing silence) rather than when the silence has lasted `min_silence`: in a live stream the
    /// words are ready when the silence ends, instead of one Moonshine run later. The utterances are
    /// the same, at the same points of the stream; the price is a wasted run on each pause the
    /// speaker ends by talking on (counted in [`SpeechToText::early_transcription`]). Off by
    /// default: a recording decoded whole gains nothing from it.
    pub fn set_early_transcription(&mut self, on: bool) {
        self.early = on;
    }

    /// The counts of early transcription so far.
    pub fn early_transcription(&self) -> EarlyTranscription {
        self.early_counts
    }

    /// Noise suppression on every channel's audio before the VAD (None: off, the default of `load`).
    /// Applies to streams started after the call.
    pub fn set_noise_suppression(&mut self, config: Option<NoiseSuppressorConfig>) {
        self.suppression = config;
    }

    /// Transcribes one whole segment directly (no VAD).
    pub fn transcribe(&mut self, audio: &[f32]) -> Result<Transcript> {
        self.moonshine.transcribe(audio)
    }

    /// A whole recording (16 kHz mono) through the node's own path: VAD, segmentation, Moonshine per
    /// segment, the speech still open at the end flushed. Runs on a channel of its own that is dropped
    /// afterwards, so one recording's VAD state and pre-roll never leak into the next.
    pub fn transcribe_recording(&mut self, samples: &[f32]) -> Result<Vec<Heard>> {
        const RECORDING: u8 = u8::MAX;
        self.streams.remove(&RECORDING);
        let pushed = self.push_chunks(RECORDING, samples, false);
        let stream = self.streams.remove(&RECORDING);
        let mut heard = pushed?;
        if let Some(mut s) = stream {
            if let Some(seg) = s.segmenter.flush() {
                heard.push(self.decode(RECORDING, &seg)?);
            }
        }
        Ok(heard)
    }

    /// Adds 16 kHz samples of `channel`; returns the utterances this audio completed.
    pub fn push(&mut self, channel: u8, samples: &[f32]) -> Result<Vec<Heard>> {
        self.push_chunks(channel, samples, self.early)
    }

    fn push_chunks(&mut self, channel: u8, samples: &[f32], early: bool) -> Result<Vec<Heard>> {
        if !self.streams.contains_key(&channel) && self.streams.len() >= self.max_channels {
            return Err(AgentError::Audio(format!(
                "channel {channel}: at most {} channels are listened to",
                self.max_channels
            )));
        }
        let cfg = self.segmenter.clone();
        let suppression = self.suppression.as_ref();
        let stream = self
            .streams
            .entry(channel)
            .or_insert_with(|| ChannelStream {
                suppressor: suppression.map(NoiseSuppressor::new),
                vad: VadStream::default(),
                segmenter: Segmenter::new(cfg),
                pending: Vec::with_capacity(VAD_CHUNK),
                early: None,
            });
        let filtered;
        let samples = match stream.suppressor.as_mut() {
            Some(s) => {
                filtered = s.push(samples);
                &filtered[..]
            }
            None => samples,
        };
        let mut heard = Vec::new();
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (VAD_CHUNK - stream.pending.len()).min(rest.len());
            stream.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if stream.pending.len() < VAD_CHUNK {
                continue;
            }
            let p = self.vad.probability(&mut stream.vad, &stream.pending)?;
            let finished = stream.segmenter.push(&stream.pending, p);
            stream.pending.clear();
            let early_made = stream.early.take();
            if let Some(seg) = finished {
                let transcript = match early_made {
                    Some((len, transcript)) if len == seg.len() => {
                        self.early_counts.used += 1;
                        transcript
                    }
                    other => {
                        self.early_counts.voided += u64::from(other.is_some());
                        transcribe(&mut self.moonshine, channel, &seg)?
                    }
                };
                heard.push(Heard {
                    channel,
                    transcript,
                    duration_s: seg.len() as f32 / SAMPLE_RATE as f32,
                });
                continue;
            }
            stream.early = early_made;
            if !early {
                continue;
            }
            if let Some(audio) = stream.segmenter.settled() {
                // a pause the speaker ended by talking on: its transcript is void
                self.early_counts.voided += u64::from(stream.early.is_some());
                stream.early = match transcribe(&mut self.moonshine, channel, audio) {
                    Ok(t) => Some((audio.len(), t)),
                    Err(e) => {
                        // the finished segment is transcribed again and reports the error then
                        tracing::debug!(channel, error = %e, "early transcription failed");
                        None
                    }
                };
            }
        }
        Ok(heard)
    }

    /// Ends every stream: transcribes the speech still in progress.
    pub fn flush(&mut self) -> Vec<Result<Heard>> {
        let mut segments = Vec::new();
        for (&ch, s) in self.streams.iter_mut() {
            if let Some(seg) = s.segmenter.flush() {
                segments.push((ch, seg));
            }
            s.pending.clear();
            s.early = None;
            s.vad = VadStream::default();
        }
        segments
            .into_iter()
            .map(|(ch, seg)| self.decode(ch, &seg))
            .collect()
    }

    fn decode(&mut self, channel: u8, segment: &[f32]) -> Result<Heard> {
        Ok(Heard {
            channel,
            transcript: transcribe(&mut self.moonshine, channel, segment)?,
            duration_s: segment.len() as f32 / SAMPLE_RATE as f32,
        })
    }
}

fn transcribe(moonshine: &mut Moonshine, channel: u8, segment: &[f32]) -> Result<Transcript> {
    let _span = tracing::debug_span!("transcribe", channel, samples = segment.len()).entered();
    let transcript = moonshine.transcribe(segment)?;
    tracing::debug!(channel, text = %transcript.text, "heard");
    Ok(transcript)
}
