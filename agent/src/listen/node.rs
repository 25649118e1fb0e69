//! The `speech` node: cabin audio in, utterances out. Raw audio never leaves it: only the text of
//! what was said is published, on the host-local utterance topic. Scripted utterances (a scenario's
//! conversation, as text) are forwarded onto the same topic, so the agent cannot tell a script from a
//! microphone except by the `source` field.

use super::segmenter::SegmenterConfig;
use super::transcriber::{Heard, SpeechModelPaths, SpeechToText};
use super::vad::{SAMPLE_RATE, VAD_CHUNK};
use cabin_bus::prelude::*;
use serde::Deserialize;

/// Parameters of the `speech` node.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpeechConfig {
    /// Model files, relative to `models/` or absolute.
    pub vad_model: String,
    pub encoder_model: String,
    pub decoder_model: String,
    pub tokenizer: String,
    /// ONNX Runtime intra-op threads per session (1 beat 2 on the 2-core target).
    pub threads: usize,
    /// VAD probability that starts speech.
    pub speech_threshold: f32,
    /// VAD probability below which a chunk counts as silence.
    pub silence_threshold: f32,
    /// Silence that ends an utterance, ms.
    pub min_silence_ms: u32,
    /// Shorter speech is dropped as a click, ms.
    pub min_speech_ms: u32,
    /// Audio kept before and after speech, ms.
    pub pad_ms: u32,
    /// Silence after which the segment is transcribed early, while the rest of `min_silence_ms` is
    /// waited out (`SpeechToText::set_early_transcription`): the same words, ready ~250 ms sooner
    /// in a live run. 0 = transcribe only when the silence has lasted `min_silence_ms`. Measured:
    /// docs/perf/agent.md, "A quiet machine, and early transcription".
    pub early_transcription_ms: u32,
    /// Longer speech is cut into pieces, s (Moonshine takes at most 64 s).
    pub max_segment_s: f32,
    /// Microphone channels listened to.
    pub max_channels: usize,
    /// Noise suppression (high-pass + Wiener filter, `listen::NoiseSuppressor`) before the VAD.
    /// Measured on real speech in cabin noise: docs/perf/agent.md, "Listening in noise".
    pub noise_suppression: bool,
    /// Who sits at each microphone channel (index = channel); channels past the list are
    /// `unknown`. Default `["driver", "passenger"]`; a single shared cabin microphone is honestly
    /// `["unknown"]`.
    pub channel_speakers: Vec<Speaker>,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            vad_model: "stt/silero_vad.onnx".into(),
            encoder_model: "stt/moonshine/encoder_model.onnx".into(),
            decoder_model: "stt/moonshine/decoder_model_merged.onnx".into(),
            tokenizer: "stt/moonshine/tokenizer.bin".into(),
            threads: 1,
            speech_threshold: 0.5,
            silence_threshold: 0.35,
            min_silence_ms: 416,
            min_speech_ms: 256,
            pad_ms: 96,
            early_transcription_ms: 160,
            max_segment_s: 20.0,
            max_channels: 4,
            noise_suppression: false,
            channel_speakers: vec![Speaker::Driver, Speaker::Passenger],
        }
    }
}

impl SpeechConfig {
    /// The segmenter settings these parameters give.
    pub fn segmenter(&self) -> SegmenterConfig {
        let chunk_ms = VAD_CHUNK as f32 * 1000.0 / SAMPLE_RATE as f32;
        let chunks = |ms: f32| ((ms / chunk_ms).round() as usize).max(1);
        SegmenterConfig {
            speech_threshold: self.speech_threshold,
            silence_threshold: self.silence_threshold.min(self.speech_threshold),
            min_silence_chunks: chunks(self.min_silence_ms as f32),
            min_speech_chunks: chunks(self.min_speech_ms as f32),
            pad_chunks: (self.pad_ms as f32 / chunk_ms).round() as usize,
            max_chunks: chunks(self.max_segment_s.clamp(0.5, 60.0) * 1000.0),
            early_chunks: (self.early_transcription_ms as f32 / chunk_ms).round() as usize,
        }
    }

    /// The noise suppression these parameters ask for.
    pub fn noise_suppression_config(&self) -> Option<super::denoise::NoiseSuppressorConfig> {
        self.noise_suppression
            .then(super::denoise::NoiseSuppressorConfig::default)
    }

    /// The model files, resolved against `models/`.
    pub fn paths(&self) -> crate::Result<SpeechModelPaths> {
        Ok(SpeechModelPaths {
            vad: crate::resolve_model(&self.vad_model)?,
            encoder: crate::resolve_model(&self.encoder_model)?,
            decoder: crate::resolve_model(&self.decoder_model)?,
            tokenizer: crate::resolve_model(&self.tokenizer)?,
        })
    }
}

/// Who speaks into a microphone channel by default (0 driver, 1 passenger).
pub fn speaker_of_channel(channel: u8) -> Speaker {
    match channel {
        0 => Speaker::Driver,
        1 => Speaker::Passenger,
        _ => Speaker::Unknown,
    }
}

/// The speech node. See the module docs.
pub struct SpeechNode {
    config: SpeechConfig,
    stt: Option<SpeechToText>,
    load_error: Option<String>,
    /// Audio chunks refused because the models are not loaded (reported sparsely).
    refused: u64,
}

impl SpeechNode {
    pub fn new(config: SpeechConfig) -> Self {
        SpeechNode {
            config,
            stt: None,
            load_error: None,
            refused: 0,
        }
    }

    pub fn from_spec(spec: &NodeSpec) -> Result<Self, NodeError> {
        let config: SpeechConfig = spec.params()?;
        if config.threads == 0 || config.threads > 8 {
            return Err(NodeError::Config {
                node: spec.name.to_string(),
                reason: format!("threads = {}: must be 1..=8", config.threads),
            });
        }
        Ok(Self::new(config))
    }

    /// Loads the models now instead of at start (tests and tools that want the error early).
    pub fn load(&mut self) -> crate::Result<()> {
        if self.stt.is_none() {
            let paths = self.config.paths()?;
            let mut stt = SpeechToText::load(
                &paths,
                self.config.threads,
                self.config.segmenter(),
                self.config.max_channels,
            )?;
            stt.set_noise_suppression(self.config.noise_suppression_config());
            stt.set_early_transcription(self.config.early_transcription_ms > 0);
            self.stt = Some(stt);
        }
        Ok(())
    }

    fn publish(&self, ctx: &mut Context, heard: Heard) {
        if heard.transcript.text.trim().is_empty() {
            tracing::debug!(channel = heard.channel, "segment transcribed to nothing");
            return;
        }
        ctx.publish(
            topics::UTTERANCE,
            Utterance {
                speaker: self
                    .config
                    .channel_speakers
                    .get(heard.channel as usize)
                    .copied()
                    .unwrap_or(Speaker::Unknown),
                text: heard.transcript.text,
                source: UtteranceSource::SpeechToText,
                duration_s: heard.duration_s,
            },
        );
    }

    fn on_audio(&mut self, chunk: &AudioChunk, ctx: &mut Context) -> NodeResult {
        let topic = TopicId::Audio;
        let Some(stt) = self.stt.as_mut() else {
            self.refused += 1;
            if self.refused == 1 || self.refused.is_multiple_of(1000) {
                return Err(NodeError::input(
                    topic,
                    format!(
                        "speech models not loaded ({}); {} audio chunks refused",
                        self.load_error.as_deref().unwrap_or("unknown reason"),
                        self.refused
                    ),
                ));
            }
            return Ok(());
        };
        if chunk.sample_rate_hz != SAMPLE_RATE {
            return Err(NodeError::input(
                topic,
                format!(
                    "audio at {} Hz; the speech models need {SAMPLE_RATE} Hz",
                    chunk.sample_rate_hz
                ),
            ));
        }
        let bad = chunk.samples.iter().filter(|s| !s.is_finite()).count();
        let samples: std::borrow::Cow<'_, [f32]> = if bad > 0 {
            ctx.reject_input(
                topic,
                format!(
                    "{bad} of {} samples are NaN/infinite; replaced by silence",
                    chunk.samples.len()
                ),
            );
            chunk
                .samples
                .iter()
                .map(|s| {
                    if s.is_finite() {
                        s.clamp(-1.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect::<Vec<_>>()
                .into()
        } else if chunk.samples.iter().any(|s| s.abs() > 1.0) {
            chunk
                .samples
                .iter()
                .map(|s| s.clamp(-1.0, 1.0))
                .collect::<Vec<_>>()
                .into()
        } else {
            (&chunk.samples[..]).into()
        };
        let heard = stt
            .push(chunk.channel, &samples)
            .map_err(|e| NodeError::input(topic, e))?;
        for h in heard {
            self.publish(ctx, h);
        }
        Ok(())
    }
}

impl Node for SpeechNode {
    fn inputs(&self) -> Vec<TopicId> {
        vec![TopicId::Audio, TopicId::ScriptedSpeech]
    }

    fn on_start(&mut self, ctx: &mut Context) -> NodeResult {
        if let Err(e) = self.load() {
            let msg = format!("speech-to-text unavailable, scripted speech only: {e}");
            tracing::error!("{msg}");
            ctx.report(Severity::Error, msg);
            self.load_error = Some(e.to_string());
        }
        Ok(())
    }

    fn on_message(&mut self, sample: &Sample, ctx: &mut Context) -> NodeResult {
        let _span = tracing::debug_span!("speech", topic = %sample.topic).entered();
        match sample.topic {
            TopicId::Audio => match sample.get::<AudioChunk>() {
                Some(chunk) => self.on_audio(chunk, ctx),
                None => Err(NodeError::input(sample.topic, "not an AudioChunk")),
            },
            TopicId::ScriptedSpeech => match sample.get::<Utterance>() {
                Some(u) => {
                    ctx.publish(
                        topics::UTTERANCE,
                        Utterance {
                            source: UtteranceSource::Script,
                            ..u.clone()
                        },
                    );
                    Ok(())
                }
                None => Err(NodeError::input(sample.topic, "not an Utterance")),
            },
            other => Err(NodeError::input(other, "not an input of the speech node")),
        }
    }

    fn shutdown(&mut self, ctx: &mut Context) -> NodeResult {
        if let Some(stt) = self.stt.as_ref() {
            let early = stt.early_transcription();
            tracing::info!(
                used = early.used,
                voided = early.voided,
                "early transcription: segments ready at the end of their silence, and runs voided by speech that went on"
            );
        }
        let flushed = self.stt.as_mut().map(|stt| stt.flush()).unwrap_or_default();
        for h in flushed {
            match h {
                Ok(h) => self.publish(ctx, h),
                Err(e) => ctx.reject_input(TopicId::Audio, e.to_string()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_map_channels_to_speakers() {
        let spec = NodeSpec::inline(
            "speech",
            "speech",
            "channel_speakers = [\"unknown\"]\nmin_silence_ms = 320",
        )
        .expect("spec");
        let node = SpeechNode::from_spec(&spec).expect("node");
        assert_eq!(node.config.channel_speakers, vec![Speaker::Unknown]);
        assert_eq!(node.config.segmenter().min_silence_chunks, 10);
        assert_eq!(node.config.segmenter().early_chunks, 5);
        let bad = NodeSpec::inline("speech", "speech", "treads = 2").expect("spec");
        assert!(SpeechNode::from_spec(&bad).is_err());
        let bad = NodeSpec::inline("speech", "speech", "threads = 0").expect("spec");
        assert!(SpeechNode::from_spec(&bad).is_err());
    }
}
