//! One biometric signal as a stream of chunks: samples from a generator or a CSV, sensor noise, and
//! the scenario's artefacts (lead-off, motion, NaN, saturation), each chunk stamped with the time of
//! its first sample.

use super::{EcgModel, HeartModel, PpgModel};
use crate::rng::Rng;
use crate::scenario::{Artefact, ArtefactKind, BiometricsSpec, SignalSource, SignalSpec};
use cabin_bus::messages::{BiometricChunk, BiometricKind};
use cabin_bus::time::SimTime;
use std::f64::consts::TAU;

enum Source {
    Ecg(Box<EcgModel>),
    Ppg(Box<PpgModel>),
    Csv { samples: Vec<f32>, pos: usize },
}

pub struct SignalStream {
    kind: BiometricKind,
    sample_rate_hz: f64,
    chunk_len: usize,
    source: Source,
    noise: f64,
    artefacts: Vec<Artefact>,
    rng: Rng,
    motion_phase: [f64; 2],
    /// Index of the next sample.
    n: u64,
}

impl SignalStream {
    pub fn new(
        kind: BiometricKind,
        spec: &SignalSpec,
        bio: &BiometricsSpec,
        seed: u64,
    ) -> SignalStream {
        let heart = || {
            HeartModel::new(
                bio.heart_rate_bpm.clone(),
                bio.hrv_std_bpm,
                bio.lf_hf_ratio,
                bio.respiration_hz,
                seed,
            )
        };
        let source =
            match (&spec.source, kind) {
                (SignalSource::Csv { samples, .. }, _) => Source::Csv {
                    samples: samples.clone(),
                    pos: 0,
                },
                (SignalSource::Generator, BiometricKind::Ecg) => Source::Ecg(Box::new(
                    EcgModel::new(heart(), bio.respiration_hz, spec.sample_rate_hz),
                )),
                (SignalSource::Generator, BiometricKind::Ppg) => Source::Ppg(Box::new(
                    PpgModel::new(heart(), bio.respiration_hz, spec.sample_rate_hz),
                )),
            };
        let label = match kind {
            BiometricKind::Ecg => "ecg",
            BiometricKind::Ppg => "ppg",
        };
        let mut rng = Rng::stream(seed, label, 0);
        let motion_phase = [rng.range(0.0, TAU), rng.range(0.0, TAU)];
        SignalStream {
            kind,
            sample_rate_hz: spec.sample_rate_hz,
            chunk_len: ((spec.chunk_s * spec.sample_rate_hz).round() as usize).max(1),
            source,
            noise: spec.noise,
            artefacts: spec.artefacts.clone(),
            rng,
            motion_phase,
            n: 0,
        }
    }

    /// When the next chunk starts (its stamp).
    pub fn next_stamp(&self) -> SimTime {
        SimTime::from_nanos((self.n as f64 * 1e9 / self.sample_rate_hz).round() as u64)
    }

    /// The next chunk; `None` when a CSV has no samples left.
    pub fn next_chunk(&mut self) -> Option<BiometricChunk> {
        if let Source::Csv { samples, pos } = &self.source {
            if *pos >= samples.len() {
                return None;
            }
        }
        let mut samples = Vec::with_capacity(self.chunk_len);
        for _ in 0..self.chunk_len {
            let t = self.n as f64 / self.sample_rate_hz;
            let clean = match &mut self.source {
                Source::Ecg(m) => m.next_mv(),
                Source::Ppg(m) => m.next_value(),
                Source::Csv { samples, pos } => match samples.get(*pos) {
                    Some(&v) => {
                        *pos += 1;
                        v as f64
                    }
                    None => break,
                },
            };
            let noisy = clean + self.noise * self.rng.gaussian();
            samples.push(self.artefact(t, noisy) as f32);
            self.n += 1;
        }
        Some(BiometricChunk {
            kind: self.kind,
            sample_rate_hz: self.sample_rate_hz as f32,
            samples,
        })
    }

    fn artefact(&mut self, t: f64, v: f64) -> f64 {
        let Some(a) = self
            .artefacts
            .iter()
            .find(|a| t >= a.start_s && t < a.end_s)
        else {
            return v;
        };
        let ecg = self.kind == BiometricKind::Ecg;
        match a.kind {
            // The electrode front end rails; an optical sensor off the skin reads nothing.
            ArtefactKind::LeadOff => {
                if ecg {
                    4.8
                } else {
                    0.0
                }
            }
            ArtefactKind::Nan => f64::NAN,
            ArtefactKind::Saturation => (v * 3.0).clamp(-1.0, 1.0),
            ArtefactKind::Motion => {
                let [p0, p1] = self.motion_phase;
                let scale = if ecg { 1.0 } else { 0.8 };
                let spike = if self.rng.uniform() < 0.01 {
                    self.rng.range(-2.0, 2.0)
                } else {
                    0.0
                };
                v + scale
                    * (1.2 * (TAU * 0.7 * t + p0).sin() + 0.6 * (TAU * 1.9 * t + p1).sin() + spike)
            }
        }
    }
}
