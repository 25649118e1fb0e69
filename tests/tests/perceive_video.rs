//! `perceive_path` (what `cabin perceive` calls) on a video of rendered frames: every frame is perceived,
//! in order, and the head turn the frames show is read back.

use cabin_perception::camera::FrameView;
use cabin_perception::perceive_path;
use cabin_sim::scenario::DriverPose;
use cabin_tests::driver_camera::{facing_road, DriverCamera};
use opencv::core::Size;
use opencv::prelude::*;
use opencv::videoio;

#[test]
fn a_video_is_perceived_frame_by_frame() {
    let dir = tempfile::tempdir().expect("temp dir");
    let video = dir.path().join("drive.avi");
    let fourcc = videoio::VideoWriter::fourcc('M', 'J', 'P', 'G').expect("fourcc");
    let mut w = videoio::VideoWriter::new(
        video.to_str().expect("utf-8 path"),
        fourcc,
        30.0,
        Size::new(640, 480),
        true,
    )
    .expect("video writer");
    assert!(
        w.is_opened().expect("writer state"),
        "OpenCV can write MJPG/AVI"
    );
    let mut camera = DriverCamera::colour();
    for i in 0..6 {
        let frame = camera.shoot(&DriverPose {
            yaw_deg: -15.0 + 6.0 * i as f64,
            ..facing_road()
        });
        let view = FrameView::new(&frame).expect("a valid frame");
        w.write(view.mat()).expect("frame written");
    }
    w.release().expect("video closed");
    let ann = dir.path().join("frames");
    let res = perceive_path(&video, Some(&ann)).expect("the video is read");
    assert_eq!(res.len(), 6);
    assert_eq!(res[0].0, "frame_000000");
    let yaws: Vec<f32> = res
        .iter()
        .map(|r| r.1.face.as_ref().expect("face").head_pose.yaw_deg)
        .collect();
    assert!(yaws[5] > yaws[0] + 15.0, "{yaws:?}");
    assert!(ann.join("frame_000005.png").is_file());
}
