//! `cabin perceive`: the camera pipeline on a user's own still image, image folder or video.

use crate::cli::PerceiveArgs;
use anyhow::{Context as _, Result};
use cabin_bus::messages::FaceObservation;
use std::process::ExitCode;

fn line(name: &str, o: &FaceObservation) -> String {
    match &o.face {
        Some(f) => format!(
            "{name}: face {:.2} at ({:.0},{:.0}) {:.0}x{:.0}, yaw {:+.1} pitch {:+.1} roll {:+.1}, eyes L {:.2} R {:.2}, gaze {:?} [{:?}]",
            f.score,
            f.bbox.x,
            f.bbox.y,
            f.bbox.width,
            f.bbox.height,
            f.head_pose.yaw_deg,
            f.head_pose.pitch_deg,
            f.head_pose.roll_deg,
            f.left_eye.openness_raw,
            f.right_eye.openness_raw,
            f.gaze_zone,
            o.camera
        ),
        None => format!("{name}: no face [{:?}], brightness {:.0}", o.camera, o.brightness),
    }
}

pub fn run(args: PerceiveArgs) -> Result<ExitCode> {
    let results = cabin_perception::perceive_path(&args.input, args.annotate.as_deref())
        .with_context(|| format!("cannot perceive {}", args.input.display()))?;
    for (name, obs) in &results {
        if args.json {
            println!(
                "{}",
                serde_json::json!({ "input": name, "observation": obs })
            );
        } else {
            println!("{}", line(name, obs));
        }
    }
    if let Some(a) = &args.annotate {
        eprintln!("annotated output: {}", a.display());
    }
    Ok(ExitCode::SUCCESS)
}
