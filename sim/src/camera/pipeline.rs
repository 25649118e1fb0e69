//! Frames in order, optionally rendered ahead on a helper thread.
//!
//! Rendering a synthetic frame takes a few milliseconds; perception then spends several more on the
//! same frame. Rendering the next frames on a second core while the executor runs the current one
//! roughly hides the renderer. It cannot change the result: frame n is a pure function of (scenario,
//! n), the helper produces frames strictly in order into a bounded channel, and the simulator takes
//! them in that order — only *when* a frame is computed depends on thread timing, never *what* it is.

use super::real::RealCamera;
use super::synthetic::{Frame, SyntheticCamera};
use crate::error::{Result, SimError};
use crate::scenario::DriverScript;
use cabin_bus::time::SimTime;
use crossbeam_channel::{bounded, Receiver};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// The stamp of camera frame `n` at `fps`: exact integer nanoseconds, no drift.
pub fn frame_stamp(n: u64, fps: f64) -> SimTime {
    SimTime::from_nanos((n as f64 * 1e9 / fps).round() as u64)
}

/// Makes frame n: the synthetic camera drawing the driver script, or real footage.
pub enum FrameMaker {
    Synthetic {
        camera: Box<SyntheticCamera>,
        script: Box<DriverScript>,
    },
    Real(RealCamera),
}

impl FrameMaker {
    /// Frame `n` at scenario time `t`; `Ok(None)` when real footage has ended.
    pub fn make(&mut self, n: u64, t: f64) -> Result<Option<Frame>> {
        match self {
            FrameMaker::Synthetic { camera, script } => {
                let pose = script.state_at(t);
                Ok(Some(camera.render(n, t, &pose)))
            }
            FrameMaker::Real(r) => r.next_frame(),
        }
    }
}

type Made = (u64, Result<Option<Frame>>);

enum Mode {
    Inline {
        maker: Box<FrameMaker>,
        fps: f64,
    },
    Ahead {
        rx: Receiver<Made>,
        stop: Arc<AtomicBool>,
        handle: Option<JoinHandle<()>>,
    },
    Done,
}

/// Frames 0, 1, 2, ... of a camera.
pub struct FramePipeline {
    mode: Mode,
    next: u64,
}

impl FramePipeline {
    /// `ahead` = how many frames the helper thread may render in advance (0: render inline).
    pub fn new(maker: FrameMaker, count: u64, fps: f64, ahead: usize) -> FramePipeline {
        if ahead == 0 {
            return FramePipeline {
                mode: Mode::Inline {
                    maker: Box::new(maker),
                    fps,
                },
                next: 0,
            };
        }
        let (tx, rx) = bounded::<Made>(ahead);
        let stop = Arc::new(AtomicBool::new(false));
        let stop_thread = stop.clone();
        let mut maker = maker;
        let handle = std::thread::Builder::new()
            .name("sim-camera".into())
            .spawn(move || {
                for n in 0..count {
                    if stop_thread.load(Ordering::Relaxed) {
                        break;
                    }
                    let t = frame_stamp(n, fps).as_secs_f64();
                    let made = maker.make(n, t);
                    let end = matches!(made, Ok(None));
                    if tx.send((n, made)).is_err() || end {
                        break;
                    }
                }
            });
        match handle {
            Ok(h) => FramePipeline {
                mode: Mode::Ahead {
                    rx,
                    stop,
                    handle: Some(h),
                },
                next: 0,
            },
            Err(e) => {
                tracing::warn!("cannot start the camera thread ({e}); no frames");
                FramePipeline {
                    mode: Mode::Done,
                    next: 0,
                }
            }
        }
    }

    /// The next frame (number, result). `None` when the camera has nothing more.
    pub fn next_frame(&mut self) -> Option<(u64, Result<Option<Frame>>)> {
        let n = self.next;
        self.next += 1;
        match &mut self.mode {
            Mode::Inline { maker, fps } => {
                let t = frame_stamp(n, *fps).as_secs_f64();
                Some((n, maker.make(n, t)))
            }
            Mode::Ahead { rx, .. } => match rx.recv() {
                Ok((m, made)) if m == n => Some((n, made)),
                Ok((m, _)) => Some((
                    n,
                    Err(SimError::Other(format!(
                        "camera thread sent frame {m}, expected {n}"
                    ))),
                )),
                Err(_) => None,
            },
            Mode::Done => None,
        }
    }
}

impl Drop for FramePipeline {
    fn drop(&mut self) {
        if let Mode::Ahead { rx, stop, handle } = std::mem::replace(&mut self.mode, Mode::Done) {
            stop.store(true, Ordering::Relaxed);
            drop(rx); // unblocks a send in progress
            if let Some(h) = handle {
                let _ = h.join();
            }
        }
    }
}
