//! Speaks the agent's suggestions on the host with `espeak-ng` (Debian package, offline).
//!
//! A suggestion is meant to be heard while driving, not read. Speaking must never hold up the run, so
//! each phrase goes to a new `espeak-ng` process on a helper thread, with the text on its stdin (never on
//! a command line or through a shell, whatever the language model wrote). A phrase that arrives while
//! the previous one is still being spoken is skipped rather than queued: a stale proposal is worse than
//! none; only the rest of a streamed suggestion waits for its first words ([`Voice::say_next`]).
//! Without `espeak-ng` the HMI says so once and stays silent.

use parking_lot::Mutex;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The longest the rest of a streamed suggestion waits for its first words to be said (a 25-word
/// sentence at espeak-ng's 165 words per minute is ~9 s).
const CONTINUE_WITHIN: std::time::Duration = std::time::Duration::from_secs(12);

/// The host's voice, or silence.
#[derive(Clone)]
pub struct Voice {
    program: Option<String>,
    /// Write each phrase to `<dir>/phrase-<n>.wav` instead of the speakers (benches without audio, tests).
    wav_dir: Option<std::path::PathBuf>,
    busy: Arc<AtomicBool>,
    warned: Arc<AtomicBool>,
    spoken: Arc<Mutex<Vec<String>>>,
}

impl Voice {
    /// Speaks with `espeak-ng`.
    pub fn espeak() -> Self {
        Self::with_program(Some("espeak-ng".into()))
    }

    /// Never speaks (`--no-voice`, tests).
    pub fn off() -> Self {
        Self::with_program(None)
    }

    /// `espeak-ng`, or silence with `--no-voice`.
    pub fn unless_muted(no_voice: bool) -> Self {
        if no_voice {
            Self::off()
        } else {
            Self::espeak()
        }
    }

    /// Speaks with `espeak-ng` into WAV files in `dir` rather than to the speakers.
    pub fn espeak_to_files(dir: impl Into<std::path::PathBuf>) -> Self {
        Voice {
            wav_dir: Some(dir.into()),
            ..Self::espeak()
        }
    }

    fn with_program(program: Option<String>) -> Self {
        Voice {
            program,
            wav_dir: None,
            busy: Arc::default(),
            warned: Arc::default(),
            spoken: Arc::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.program.is_some()
    }

    /// Starts speaking `text` and returns at once. `false` when muted, busy or unable to speak.
    pub fn say(&self, text: &str) -> bool {
        let Some(program) = self.program.clone() else {
            return false;
        };
        let text: String = text.chars().filter(|c| !c.is_control()).take(400).collect();
        if text.trim().is_empty() || self.busy.swap(true, Ordering::SeqCst) {
            return false;
        }
        self.speak(program, text)
    }

    /// Says `text` right after the phrase being spoken: the rest of a streamed suggestion, whose first
    /// words are being said. Queued behind them (for at most [`CONTINUE_WITHIN`]), not skipped as
    /// [`Voice::say`] skips. `false` when muted or unable to start the waiting thread.
    pub fn say_next(&self, text: &str) -> bool {
        let Some(program) = self.program.clone() else {
            return false;
        };
        let text: String = text.chars().filter(|c| !c.is_control()).take(400).collect();
        if text.trim().is_empty() {
            return false;
        }
        let voice = self.clone();
        std::thread::Builder::new()
            .name("cabin-voice-next".into())
            .spawn(move || {
                let waited = std::time::Instant::now();
                while voice.busy.swap(true, Ordering::SeqCst) {
                    if waited.elapsed() > CONTINUE_WITHIN {
                        tracing::debug!("voice still busy: the rest of a suggestion is not said");
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                voice.speak(program, text);
            })
            .is_ok()
    }

    /// Speaks `text` on a helper thread; the caller holds `busy`, which the thread frees.
    fn speak(&self, program: String, text: String) -> bool {
        let n = {
            let mut spoken = self.spoken.lock();
            spoken.push(text.clone());
            spoken.len()
        };
        let busy = self.busy.clone();
        let warned = self.warned.clone();
        let wav = self
            .wav_dir
            .as_ref()
            .map(|d| d.join(format!("phrase-{n}.wav")));
        let spawned = std::thread::Builder::new().name("cabin-voice".into()).spawn(move || {
            let mut cmd = Command::new(&program);
            cmd.args(["--stdin", "-s", "165"]);
            if let Some(w) = &wav {
                cmd.arg("-w").arg(w);
            }
            let child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            match child {
                Ok(mut child) => {
                    if let Some(mut stdin) = child.stdin.take() {
                        let _ = stdin.write_all(text.as_bytes());
                        let _ = stdin.write_all(b"\n");
                    }
                    if let Err(e) = child.wait() {
                        tracing::warn!("{program}: {e}");
                    }
                }
                Err(e) => {
                    if !warned.swap(true, Ordering::SeqCst) {
                        tracing::warn!("cannot speak suggestions: {program}: {e} (install espeak-ng, or pass --no-voice)");
                    }
                }
            }
            busy.store(false, Ordering::SeqCst);
        });
        if spawned.is_err() {
            self.busy.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Everything handed to the speech process so far (for tests and the summary).
    pub fn spoken(&self) -> Vec<String> {
        self.spoken.lock().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muted_voice_says_nothing() {
        let v = Voice::off();
        assert!(!v.say("Stop for coffee?"));
        assert!(v.spoken().is_empty());
    }

    fn wait_idle(v: &Voice) {
        for _ in 0..500 {
            if !v.busy.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the voice stayed busy for 10 s");
    }

    #[test]
    fn espeak_ng_really_speaks_a_suggestion() {
        // scripts/setup.sh installs espeak-ng: a missing one is a broken setup, not a reason to pass.
        assert!(
            Command::new("espeak-ng").arg("--version").output().is_ok(),
            "espeak-ng is not installed (scripts/setup.sh installs it)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let v = Voice::espeak_to_files(dir.path());
        assert!(v.say("Stop for coffee at Bean There in two kilometres?"));
        wait_idle(&v);
        let wav =
            std::fs::read(dir.path().join("phrase-1.wav")).expect("espeak-ng wrote the phrase");
        assert_eq!(&wav[..4], b"RIFF");
        // 22.05 kHz 16-bit mono: a ~3 s phrase is far more than 20 kB of audio.
        assert!(wav.len() > 20_000, "only {} bytes of speech", wav.len());
    }

    #[test]
    fn the_rest_of_a_streamed_suggestion_is_said_after_its_first_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        let v = Voice::espeak_to_files(dir.path());
        assert!(v.say("How about a coffee at Bean There Coffee?"));
        // arrives while the first words are still being said: queued, not skipped
        assert!(v.say_next("It's 2.6 km ahead, a 1 min detour."));
        for _ in 0..500 {
            if v.spoken().len() == 2 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        wait_idle(&v);
        assert_eq!(
            v.spoken(),
            [
                "How about a coffee at Bean There Coffee?",
                "It's 2.6 km ahead, a 1 min detour."
            ]
        );
    }

    #[test]
    fn a_missing_program_is_survived() {
        let v = Voice::with_program(Some("/nonexistent/espeak-ng".into()));
        assert!(v.say("hello"));
        // The helper thread fails to spawn the program, warns once and frees the voice.
        wait_idle(&v);
        assert!(v.warned.load(Ordering::SeqCst));
    }
}
