//! Listening: speech to text on the device.
//!
//! Audio chunks (16 kHz, one channel per seat zone) go through Silero VAD in 32 ms chunks; the
//! segmenter cuts speech segments with hysteresis; Moonshine base-en turns each segment into text. The
//! [`SpeechNode`] publishes the text as an [`Utterance`](cabin_bus::messages::Utterance) and never
//! the audio. Everything runs on ONNX Runtime with one intra-op thread per session.

mod denoise;
mod moonshine;
mod node;
mod noise;
mod segmenter;
mod tokenizer;
mod transcriber;
mod vad;
mod wer;

pub use denoise::{NoiseSuppressor, NoiseSuppressorConfig, DEFAULT_HIGH_PASS_HZ, GAIN_FLOOR};
pub use moonshine::{Moonshine, Transcript};
pub use node::{speaker_of_channel, SpeechConfig, SpeechNode};
pub use noise::{active_speech_power, mix_at_snr, noise_gain, CabinNoise, ENGINE_RPM};
pub use segmenter::{Segmenter, SegmenterConfig};
pub use tokenizer::MoonshineTokenizer;
pub use transcriber::{EarlyTranscription, Heard, SpeechModelPaths, SpeechToText};
pub use vad::{SileroVad, VadStream, SAMPLE_RATE, VAD_CHUNK};
pub use wer::{normalise_words, word_error_rate, word_errors};
