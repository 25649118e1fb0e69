//! `cabin listen` as a user runs it: a folder with a real speech recording at espeak-ng's own rate
//! (22.05 kHz, so it goes through the resampler), the same speech as a 44.1 kHz stereo file, and a
//! corrupt file. Each good file is transcribed by the real models; the corrupt one is an error line,
//! the others still come out, and the exit status is a failure.

use std::path::Path;
use std::process::Command;

#[path = "hmi_support/process.rs"]
mod process;

fn espeak(dir: &Path, name: &str, text: &str) {
    let st = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(dir.join(name))
        .arg(text)
        .status()
        .expect("espeak-ng runs (apt install espeak-ng)");
    assert!(st.success(), "espeak-ng failed");
}

#[test]
fn listen_transcribes_each_file_and_reports_a_corrupt_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    espeak(dir.path(), "a_coffee.wav", "I could really use a coffee.");
    let st = Command::new("sox")
        .arg(dir.path().join("a_coffee.wav"))
        .args(["-r", "44100", "-c", "2"])
        .arg(dir.path().join("b_coffee_stereo.wav"))
        .status()
        .expect("sox runs (apt install sox)");
    assert!(st.success(), "sox failed");
    std::fs::write(
        dir.path().join("c_broken.wav"),
        b"RIFF\x10\0\0\0WAVEjunkjunk",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("notes.txt"),
        b"not audio, not a .wav: skipped",
    )
    .expect("write");

    let out = process::cabin()
        .arg("listen")
        .arg(dir.path())
        .arg("--json")
        .output()
        .expect("cabin starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "a corrupt file makes the run fail");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "one line per .wav file");
    for (line, rate) in lines[..2].iter().zip([22050, 44100]) {
        assert_eq!(line["sample_rate_hz"], rate);
        let text = line["transcript"]
            .as_str()
            .expect("transcript")
            .to_lowercase();
        assert!(text.contains("coffee"), "{text:?}");
        assert_eq!(line["segments"].as_array().map(Vec::len), Some(1));
        assert!(line["duration_s"].as_f64().is_some_and(|d| d > 1.0));
        assert!(line["real_time_factor"].as_f64().is_some_and(|r| r > 0.0));
    }
    assert!(lines[2]["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("c_broken.wav")));
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("c_broken.wav")),
        "{}",
        lines[2]
    );

    // one file, the table line
    let out = process::cabin()
        .arg("listen")
        .arg(dir.path().join("a_coffee.wav"))
        .output()
        .expect("cabin starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("a_coffee.wav: ") && stdout.contains("1 speech segment(s)"),
        "{stdout}"
    );
    assert!(stdout.to_lowercase().contains("coffee"), "{stdout}");
}
