//! Cuts a stream of VAD-scored chunks into speech segments: pure logic, no model, so it is tested
//! with made-up probabilities.
//!
//! Hysteresis as in Silero's own `get_speech_timestamps`: speech starts when a chunk scores at least
//! `speech_threshold`, and ends only after `min_silence` of chunks scoring below the lower
//! `silence_threshold`. A little audio before the start and after the end is kept (`pad`) because the
//! VAD reacts a chunk late and Moonshine hears the onset better with it. A segment shorter than
//! `min_speech` is a click, not speech; one longer than `max_segment` is cut, so memory stays bounded
//! and Moonshine's 64 s limit is never reached.
//!
//! Early transcription: once `early` chunks of a silence run have passed (at least `pad`), the
//! segment's audio is already exactly what it will be if the silence lasts to `min_silence` (the
//! trailing silence beyond `pad` is cut either way). [`Segmenter::settled`] hands that audio out on
//! that one chunk, so the speech node can transcribe during the rest of the wait instead of after it:
//! the same words, ~`min_silence - early` sooner.

use super::vad::VAD_CHUNK;
use std::collections::VecDeque;

/// Segmenter settings, in chunks of [`VAD_CHUNK`] samples (32 ms).
#[derive(Clone, Debug, PartialEq)]
pub struct SegmenterConfig {
    pub speech_threshold: f32,
    pub silence_threshold: f32,
    pub min_silence_chunks: usize,
    pub min_speech_chunks: usize,
    pub pad_chunks: usize,
    pub max_chunks: usize,
    /// Chunks of a silence run after which [`Segmenter::settled`] offers the segment for early
    /// transcription (raised to `pad_chunks`); 0 = never.
    pub early_chunks: usize,
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        SegmenterConfig {
            speech_threshold: 0.5,
            silence_threshold: 0.35,
            min_silence_chunks: 13, // ~416 ms
            min_speech_chunks: 8,   // ~256 ms
            pad_chunks: 3,          // ~96 ms
            max_chunks: 625,        // 20 s
            early_chunks: 5,        // ~160 ms
        }
    }
}

/// One stream's segmentation state.
#[derive(Clone, Debug)]
pub struct Segmenter {
    config: SegmenterConfig,
    pre_roll: VecDeque<Vec<f32>>,
    in_speech: bool,
    segment: Vec<f32>,
    chunks: usize,
    speech_chunks: usize,
    silence_run: usize,
}

impl Segmenter {
    pub fn new(config: SegmenterConfig) -> Self {
        Segmenter {
            pre_roll: VecDeque::with_capacity(config.pad_chunks + 1),
            config,
            in_speech: false,
            segment: Vec::new(),
            chunks: 0,
            speech_chunks: 0,
            silence_run: 0,
        }
    }

    pub fn in_speech(&self) -> bool {
        self.in_speech
    }

    /// Adds one chunk with its speech probability; returns a finished segment, if this chunk ended one.
    pub fn push(&mut self, chunk: &[f32], prob: f32) -> Option<Vec<f32>> {
        debug_assert_eq!(chunk.len(), VAD_CHUNK);
        let c = &self.config;
        if !self.in_speech {
            if prob >= c.speech_threshold {
                self.in_speech = true;
                self.segment.clear();
                for p in self.pre_roll.drain(..) {
                    self.segment.extend_from_slice(&p);
                }
                self.segment.extend_from_slice(chunk);
                self.chunks = self.segment.len() / VAD_CHUNK;
                self.speech_chunks = 1;
                self.silence_run = 0;
            } else {
                if self.pre_roll.len() == c.pad_chunks {
                    self.pre_roll.pop_front();
                }
                if c.pad_chunks > 0 {
                    self.pre_roll.push_back(chunk.to_vec());
                }
            }
            return None;
        }
        self.segment.extend_from_slice(chunk);
        self.chunks += 1;
        if prob >= c.speech_threshold {
            self.speech_chunks += 1;
        }
        if prob < c.silence_threshold {
            self.silence_run += 1;
        } else {
            self.silence_run = 0;
        }
        if self.silence_run >= c.min_silence_chunks {
            // keep `pad` chunks of the trailing silence
            let trim = self.silence_run.saturating_sub(c.pad_chunks) * VAD_CHUNK;
            let keep = self.segment.len().saturating_sub(trim);
            self.segment.truncate(keep);
            return self.finish();
        }
        if self.chunks >= c.max_chunks {
            let seg = self.finish();
            // a cut inside speech: keep listening as speech
            self.in_speech = true;
            return seg;
        }
        None
    }

    /// The segment as it will be finished if the silence run now going on lasts to `min_silence`:
    /// `Some` only on the chunk where that run reaches `early_chunks`, and only for a segment long
    /// enough to be kept. Speech that resumes makes it void; the caller matches it to the finished
    /// segment by length (a finished segment of the same length is the same audio: the segment only
    /// grows by appending, and finishing only cuts trailing silence).
    pub fn settled(&self) -> Option<&[f32]> {
        let c = &self.config;
        let early = c.early_chunks.max(c.pad_chunks);
        if c.early_chunks == 0
            || !self.in_speech
            || self.silence_run != early
            || early >= c.min_silence_chunks
            || self.speech_chunks < c.min_speech_chunks
        {
            return None;
        }
        let trim = (self.silence_run - c.pad_chunks) * VAD_CHUNK;
        Some(&self.segment[..self.segment.len().saturating_sub(trim)])
    }

    /// Ends the stream: the segment in progress, if it is long enough.
    pub fn flush(&mut self) -> Option<Vec<f32>> {
        if self.in_speech {
            self.finish()
        } else {
            None
        }
    }

    fn finish(&mut self) -> Option<Vec<f32>> {
        let long_enough = self.speech_chunks >= self.config.min_speech_chunks;
        let seg = std::mem::take(&mut self.segment);
        self.in_speech = false;
        self.chunks = 0;
        self.speech_chunks = 0;
        self.silence_run = 0;
        self.pre_roll.clear();
        long_enough.then_some(seg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(s: &mut Segmenter, probs: &[f32]) -> Vec<Vec<f32>> {
        probs
            .iter()
            .enumerate()
            .filter_map(|(i, &p)| s.push(&vec![i as f32; VAD_CHUNK], p))
            .collect()
    }

    /// Speech probabilities, one per chunk, from runs of (probability, chunks).
    fn runs(runs: &[(f32, usize)]) -> Vec<f32> {
        runs.iter()
            .flat_map(|&(p, n)| std::iter::repeat_n(p, n))
            .collect()
    }

    #[test]
    fn speech_between_silences_is_one_padded_segment() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        let segs = feed(&mut s, &runs(&[(0.0, 10), (0.9, 20), (0.1, 20)]));
        assert_eq!(segs.len(), 1);
        // 3 chunks of pre-roll + 20 of speech + 3 of trailing silence
        assert_eq!(segs[0].len(), 26 * VAD_CHUNK);
        assert_eq!(segs[0][0], 7.0, "pre-roll starts 3 chunks before the onset");
        assert!(!s.in_speech());
    }

    #[test]
    fn short_pauses_and_clicks() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        // a pause of 5 chunks inside speech does not cut it
        let pause = runs(&[(0.9, 10), (0.1, 5), (0.9, 10), (0.0, 15)]);
        assert_eq!(feed(&mut s, &pause).len(), 1);
        // a 2-chunk click is dropped
        assert!(feed(&mut s, &runs(&[(0.9, 2), (0.0, 20)])).is_empty());
    }

    #[test]
    fn settled_audio_is_the_finished_segment_and_a_resumed_pause_voids_it() {
        let mut s = Segmenter::new(SegmenterConfig::default());
        let probs = runs(&[(0.0, 10), (0.9, 20), (0.1, 7), (0.9, 10), (0.1, 20)]);
        let mut settled = Vec::new();
        let mut finished = Vec::new();
        for (i, &p) in probs.iter().enumerate() {
            if let Some(seg) = s.push(&vec![i as f32; VAD_CHUNK], p) {
                finished.push(seg);
            }
            if let Some(audio) = s.settled() {
                settled.push((i, audio.to_vec()));
            }
        }
        // one offer per silence run, on its 5th chunk: the pause (void) and the end
        assert_eq!(
            settled.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![34, 51]
        );
        assert_eq!(finished.len(), 1);
        assert_ne!(settled[0].1.len(), finished[0].len(), "speech resumed");
        assert_eq!(settled[1].1, finished[0], "the same audio, 8 chunks sooner");
        // a click too short to keep: nothing offered
        for p in runs(&[(0.9, 2), (0.0, 20)]) {
            assert!(s.push(&[0.0; VAD_CHUNK], p).is_none());
            assert!(s.settled().is_none());
        }
        let off = SegmenterConfig {
            early_chunks: 0,
            ..Default::default()
        };
        let mut s = Segmenter::new(off);
        for (i, &p) in probs.iter().enumerate() {
            s.push(&vec![i as f32; VAD_CHUNK], p);
            assert!(s.settled().is_none());
        }
    }

    #[test]
    fn long_speech_is_cut_and_flush_ends_the_stream() {
        let cfg = SegmenterConfig {
            max_chunks: 50,
            ..Default::default()
        };
        let mut s = Segmenter::new(cfg);
        let segs = feed(&mut s, &[0.9; 120]);
        assert_eq!(segs.len(), 2);
        assert!(s.in_speech());
        assert_eq!(s.flush().map(|v| v.len()), Some(20 * VAD_CHUNK));
        assert_eq!(s.flush(), None);
    }
}
