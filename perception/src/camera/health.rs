//! Camera health: faults as explicit states, never silence.
//!
//! A driver monitor that silently sees nothing is worse than one that says so. Per frame the pipeline
//! reports one [`CameraStatus`]; between frames the camera node asks [`CameraHealth::check_timeout`] on a
//! tick, so a camera that stopped sending still produces `NoFrames` observations.
//!
//! | status | rule (defaults) |
//! | --- | --- |
//! | `Corrupt` | the frame failed validation (zero size, short stride, truncated buffer) |
//! | `Black` | mean luma < 12, or contrast (luma std) < 4 while not saturated: no light, lens covered; or, when no face is found, coarse structure (std of 8x8-block means) < 10: a hand over the lens with the auto-exposure opened up (bright enough, noisy, but featureless) |
//! | `Saturated` | >= 60 % of pixels at 250+ or mean luma > 240: glare, IR flood |
//! | `Frozen` | the same bytes as the previous frame `frozen_after` frames in a row (a real sensor never repeats a frame exactly: noise) |
//! | `NoFrames` | no frame for `no_frames_after_s` |
//! | `FaceLost` | the image is usable but no face passed the presence test |
//!
//! Statistics come from the detector's 128x128 letterbox (padding excluded), so they cost nothing extra.
//! A dark IR-like frame (mean ~25) is not `Black`: it has contrast and still carries a face. The
//! coarse-structure test runs only after the detector found no face, so a dim but visible face is never
//! called blocked. Measured on the simulator's frames (`sim/examples/render_poses`): covered lens coarse
//! std 6.7 (mean 27, pixel std 10); empty cabin at night 17.7; driver at night 24-27; daylight ~63.

use super::detector::ImageStats;
use cabin_bus::messages::{Blob, CameraFrame, CameraStatus};
use cabin_bus::SimTime;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraHealthConfig {
    pub black_mean_max: f32,
    pub blocked_std_max: f32,
    /// Without a face, coarse structure below this means a covered lens.
    pub blocked_coarse_std_max: f32,
    pub saturated_fraction: f32,
    pub saturated_mean_min: f32,
    /// Identical consecutive frames before `Frozen` (at 30 fps, 15 = 0.5 s); 0 disables the check (for
    /// a noise-free synthetic camera whose frames legitimately repeat).
    pub frozen_after: u32,
    /// Seconds without a frame before `NoFrames`.
    pub no_frames_after_s: f64,
}

impl Default for CameraHealthConfig {
    fn default() -> Self {
        CameraHealthConfig {
            black_mean_max: 12.0,
            blocked_std_max: 4.0,
            blocked_coarse_std_max: 10.0,
            saturated_fraction: 0.6,
            saturated_mean_min: 240.0,
            frozen_after: 15,
            no_frames_after_s: 0.5,
        }
    }
}

/// Tracks frame arrival and repetition.
#[derive(Clone, Debug)]
pub struct CameraHealth {
    config: CameraHealthConfig,
    previous: Option<(u32, u32, u32, Blob)>,
    repeats: u32,
    last_frame_at: Option<SimTime>,
}

impl CameraHealth {
    pub fn new(config: CameraHealthConfig) -> Self {
        CameraHealth {
            config,
            previous: None,
            repeats: 0,
            last_frame_at: None,
        }
    }

    /// Records a frame's arrival (valid or not) at `now`.
    pub fn frame_arrived(&mut self, now: SimTime) {
        self.last_frame_at = Some(now);
    }

    /// Whether this frame repeats the previous one often enough to call the camera frozen. Keeps a
    /// reference (not a copy) to the frame's bytes for the next comparison.
    pub fn is_frozen(&mut self, frame: &CameraFrame) -> bool {
        if self.config.frozen_after == 0 {
            return false;
        }
        let same = match &self.previous {
            Some((w, h, s, data)) => {
                *w == frame.width
                    && *h == frame.height
                    && *s == frame.stride
                    && data.as_slice() == frame.data.as_slice()
            }
            None => false,
        };
        self.repeats = if same {
            self.repeats.saturating_add(1)
        } else {
            0
        };
        self.previous = Some((frame.width, frame.height, frame.stride, frame.data.clone()));
        self.repeats >= self.config.frozen_after
    }

    /// The image-quality verdict of a frame's statistics: `Black`, `Saturated` or `Ok`.
    pub fn classify(&self, s: &ImageStats) -> CameraStatus {
        let c = &self.config;
        if s.saturated >= c.saturated_fraction || s.mean > c.saturated_mean_min {
            CameraStatus::Saturated
        } else if s.mean < c.black_mean_max || s.std < c.blocked_std_max {
            CameraStatus::Black
        } else {
            CameraStatus::Ok
        }
    }

    /// The verdict for a frame in which no face was found: `Black` (covered lens: no coarse structure)
    /// or `FaceLost`.
    pub fn classify_without_face(&self, s: &ImageStats) -> CameraStatus {
        if s.coarse_std < self.config.blocked_coarse_std_max {
            CameraStatus::Black
        } else {
            CameraStatus::FaceLost
        }
    }

    /// `Some(NoFrames)` when no frame arrived for the configured time before `now` (or ever, once that
    /// much time has passed since `start`).
    pub fn check_timeout(&self, now: SimTime, start: SimTime) -> Option<CameraStatus> {
        let since = self.last_frame_at.unwrap_or(start);
        (now.saturating_since(since).as_secs_f64() >= self.config.no_frames_after_s)
            .then_some(CameraStatus::NoFrames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_bus::messages::PixelFormat;

    fn stats(mean: f32, std: f32, saturated: f32) -> ImageStats {
        ImageStats {
            mean,
            std,
            saturated,
            coarse_std: std,
        }
    }

    #[test]
    fn classifies_black_blocked_saturated_and_dark_but_fine() {
        let h = CameraHealth::new(CameraHealthConfig::default());
        assert_eq!(h.classify(&stats(3.0, 1.0, 0.0)), CameraStatus::Black);
        assert_eq!(h.classify(&stats(90.0, 2.0, 0.0)), CameraStatus::Black);
        assert_eq!(h.classify(&stats(252.0, 2.0, 0.9)), CameraStatus::Saturated);
        assert_eq!(h.classify(&stats(25.0, 14.0, 0.0)), CameraStatus::Ok);
        // The simulator's covered lens: mean 27, pixel std 10, coarse std 6.7 -> blocked, not face lost.
        let covered = ImageStats {
            mean: 27.0,
            std: 10.2,
            saturated: 0.0,
            coarse_std: 6.7,
        };
        assert_eq!(h.classify(&covered), CameraStatus::Ok);
        assert_eq!(h.classify_without_face(&covered), CameraStatus::Black);
        let empty_cabin_at_night = ImageStats {
            mean: 71.0,
            std: 19.2,
            saturated: 0.0,
            coarse_std: 17.7,
        };
        assert_eq!(
            h.classify_without_face(&empty_cabin_at_night),
            CameraStatus::FaceLost
        );
    }

    #[test]
    fn repeated_frames_freeze_and_time_without_frames_is_reported() {
        let mut h = CameraHealth::new(CameraHealthConfig::default());
        let f = CameraFrame {
            format: PixelFormat::Gray8,
            width: 2,
            height: 1,
            stride: 2,
            data: vec![1u8, 2].into(),
        };
        let frozen: Vec<bool> = (0..16).map(|_| h.is_frozen(&f)).collect();
        assert!(!frozen[14] && frozen[15]);
        let g = CameraFrame {
            data: vec![3u8, 2].into(),
            ..f
        };
        assert!(!h.is_frozen(&g));
        h.frame_arrived(SimTime::from_millis(1000));
        assert_eq!(
            h.check_timeout(SimTime::from_millis(1400), SimTime::ZERO),
            None
        );
        assert_eq!(
            h.check_timeout(SimTime::from_millis(1500), SimTime::ZERO),
            Some(CameraStatus::NoFrames)
        );
    }
}
