//! Interleaved microphone buffers -> fixed-length per-seat chunks, timed from the buffers' PTS.
//!
//! Pure bookkeeping, no GStreamer: the node hands over each buffer's samples, PTS and DISCONT flag; the
//! chunker deinterleaves, zeroes non-finite samples, cuts `chunk_len` samples per seat and tells each
//! chunk's time (nanoseconds of pipeline running time at its first sample). A discontinuity (the DISCONT
//! flag, or a PTS that does not follow on from the previous buffer) ends the chunk under way early, so no
//! chunk spans a gap, and the next one starts at the new PTS.

/// Audio on the bus: 16 kHz, the speech node's rate (Silero VAD and Moonshine are trained at 16 kHz).
pub const SAMPLE_RATE_HZ: u32 = 16_000;

/// A PTS further than this from where the previous buffer ended is a discontinuity. Two sample periods
/// at 16 kHz: audioresample's timestamps round to the nanosecond, so exact follow-on buffers differ by
/// less than one.
const PTS_TOLERANCE_NS: u64 = 2 * 1_000_000_000 / SAMPLE_RATE_HZ as u64;

/// One chunk of every seat, all starting at the same sample.
#[derive(Clone, Debug, PartialEq)]
pub struct SeatChunks {
    /// Pipeline running time of the first sample, ns.
    pub pts_ns: u64,
    /// One sample vector per interleaved channel, in channel order.
    pub channels: Vec<Vec<f32>>,
}

/// What went wrong in the audio so far (all counts since the node was made).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AudioLosses {
    /// Buffers flagged DISCONT or whose PTS did not follow on (after the first buffer of a stream).
    pub discontinuities: u64,
    /// Audio missing in PTS gaps, ns.
    pub gap_ns: u64,
    /// NaN or infinite samples, replaced by silence.
    pub non_finite: u64,
    /// Buffers without a PTS (timed as following on from the previous one).
    pub unstamped: u64,
    /// Buffers whose length is not a whole number of interleaved frames (the tail is dropped).
    pub ragged: u64,
}

/// The per-seat chunker. See the module docs.
pub struct Chunker {
    channels: usize,
    chunk_len: usize,
    /// Samples of the chunk under way, per channel.
    partial: Vec<Vec<f32>>,
    /// PTS of the first sample of the chunk under way.
    partial_pts: u64,
    /// Where the previous buffer ended (ns), if a stream is under way.
    expected_pts: Option<u64>,
    losses: AudioLosses,
}

fn samples_to_ns(n: u64) -> u64 {
    n * 1_000_000_000 / SAMPLE_RATE_HZ as u64
}

impl Chunker {
    /// `channels` interleaved channels cut into chunks of `chunk_len` samples (both at least 1).
    pub fn new(channels: usize, chunk_len: usize) -> Chunker {
        let channels = channels.max(1);
        Chunker {
            channels,
            chunk_len: chunk_len.max(1),
            partial: vec![Vec::new(); channels],
            partial_pts: 0,
            expected_pts: None,
            losses: AudioLosses::default(),
        }
    }

    pub fn losses(&self) -> AudioLosses {
        self.losses
    }

    /// A new stream (the pipeline was restarted): its PTS start over, and nothing is carried across.
    pub fn restart(&mut self) {
        for p in self.partial.iter_mut() {
            p.clear();
        }
        self.expected_pts = None;
    }

    /// Takes one interleaved buffer; returns the chunks it completed (and the early end of the chunk
    /// under way, if the buffer is discontinuous).
    pub fn push(
        &mut self,
        interleaved: &[f32],
        pts_ns: Option<u64>,
        discont: bool,
    ) -> Vec<SeatChunks> {
        let mut out = Vec::new();
        let frames = interleaved.len() / self.channels;
        if !interleaved.len().is_multiple_of(self.channels) {
            self.losses.ragged += 1;
        }
        let pts = match (pts_ns, self.expected_pts) {
            (Some(p), _) => p,
            (None, Some(e)) => {
                self.losses.unstamped += 1;
                e
            }
            (None, None) => {
                self.losses.unstamped += 1;
                0
            }
        };
        if let Some(expected) = self.expected_pts {
            let off = pts.abs_diff(expected);
            if discont || off > PTS_TOLERANCE_NS {
                self.losses.discontinuities += 1;
                if pts > expected {
                    self.losses.gap_ns += pts - expected;
                }
                if let Some(c) = self.take_partial() {
                    out.push(c);
                }
            }
        }
        if self.partial[0].is_empty() {
            self.partial_pts = pts;
        }
        for (i, frame) in interleaved
            .chunks_exact(self.channels)
            .enumerate()
            .take(frames)
        {
            for (ch, &v) in frame.iter().enumerate() {
                let v = if v.is_finite() {
                    v
                } else {
                    self.losses.non_finite += 1;
                    0.0
                };
                self.partial[ch].push(v);
            }
            if self.partial[0].len() == self.chunk_len {
                if let Some(c) = self.take_partial() {
                    out.push(c);
                }
                self.partial_pts = pts + samples_to_ns(i as u64 + 1);
            }
        }
        self.expected_pts = Some(pts + samples_to_ns(frames as u64));
        out
    }

    /// The chunk under way, however short (end of stream, discontinuity).
    pub fn take_partial(&mut self) -> Option<SeatChunks> {
        if self.partial[0].is_empty() {
            return None;
        }
        let channels = self
            .partial
            .iter_mut()
            .map(|p| std::mem::replace(p, Vec::with_capacity(self.chunk_len)))
            .collect();
        Some(SeatChunks {
            pts_ns: self.partial_pts,
            channels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_deinterleaves_and_times_chunks() {
        let mut c = Chunker::new(2, 4);
        // 6 frames: L = 0..6, R = 10..16
        let buf: Vec<f32> = (0..6).flat_map(|i| [i as f32, 10.0 + i as f32]).collect();
        let out = c.push(&buf, Some(0), true);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].pts_ns, 0);
        assert_eq!(out[0].channels[0], vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(out[0].channels[1], vec![10.0, 11.0, 12.0, 13.0]);
        let out = c.push(&buf, Some(samples_to_ns(6)), false);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].pts_ns, samples_to_ns(4));
        assert_eq!(out[1].pts_ns, samples_to_ns(8));
        assert_eq!(c.losses(), AudioLosses::default());
    }

    #[test]
    fn counts_gaps_discont_and_non_finite() {
        let mut c = Chunker::new(1, 4);
        assert!(c.push(&[0.1, f32::NAN], Some(0), false).is_empty());
        // 1 s later: a gap; the 2-sample chunk under way ends early.
        let out = c.push(&[f32::INFINITY, 0.2], Some(1_000_000_000), false);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].channels[0], vec![0.1, 0.0]);
        let l = c.losses();
        assert_eq!((l.discontinuities, l.non_finite), (1, 2));
        assert_eq!(l.gap_ns, 1_000_000_000 - samples_to_ns(2));
        // Follows on, but flagged DISCONT by the source.
        c.push(&[0.0], Some(1_000_000_000 + samples_to_ns(2)), true);
        assert_eq!(c.losses().discontinuities, 2);
    }
}
