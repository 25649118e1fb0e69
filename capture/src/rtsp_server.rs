//! An RTSP server (gst-rtsp-server) for a HIL bench: it serves a camera stream that an ECU under test
//! reads through its own `gst_camera` node (`rtspsrc location=rtsp://BENCH:PORT/camera ...`).
//!
//! A mount serves either a launch line (a recorded clip: `( filesrc ! qtdemux ! h264parse ! rtph264pay
//! name=pay0 )`, re-sent without re-encoding) or frames pushed from Rust ([`FrameFeed`]: the simulator's
//! renderer at wall-clock pace, `cabin hil --rtsp`). Pushed frames are sent as Motion JPEG over RTP
//! (`jpegenc ! rtpjpegpay`, RFC 2435): Debian 12's plugin sets have no H.264 encoder (x264 lives in
//! `-ugly`, openh264 is not packaged), JPEG is in `-good`, every frame is a key frame (a bench client that
//! joins or loses packets recovers on the next frame), and at a DMS camera's 640x480 grey a frame is a few
//! tens of kB, nothing for a loopback or bench Ethernet link.
//!
//! The server runs its own GLib main loop on a thread; dropping the [`RtspServer`] stops it.

use crate::error::CaptureError;
use crate::pipeline::init;
use cabin_bus::messages::{CameraFrame, PixelFormat};
use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_rtsp_server as rtsp;
use gstreamer_rtsp_server::prelude::*;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The appsrc name in [`FrameFeed`]'s launch line.
const FEED_SRC: &str = "cabin_feed";

/// The launch line of a mount fed by [`FrameFeed`]: live appsrc stamped on arrival (the frames come at
/// wall-clock pace), a two-frame leaky queue so a slow client never holds the simulator back, MJPEG.
pub const FEED_LAUNCH: &str =
    "( appsrc name=cabin_feed is-live=true do-timestamp=true format=time \
    ! queue leaky=downstream max-size-buffers=2 ! videoconvert ! video/x-raw,format=I420 \
    ! jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26 )";

/// The client side of [`FEED_LAUNCH`], for a `gst_camera` node's `pipeline` (append the URL).
pub const FEED_CLIENT: &str = "rtspsrc latency=0 location=";
/// What follows the URL in a client of [`FEED_LAUNCH`].
pub const FEED_CLIENT_TAIL: &str = " ! rtpjpegdepay ! jpegdec";

/// A running RTSP server.
pub struct RtspServer {
    main_loop: glib::MainLoop,
    thread: Option<JoinHandle<()>>,
    address: String,
    port: u16,
    _server: rtsp::RTSPServer,
}

/// What a mount serves.
pub enum Mount {
    /// A gst-rtsp-server launch line (its payloader named `pay0`).
    Launch(String),
    /// Frames pushed through this feed.
    Feed(FrameFeed),
}

impl RtspServer {
    /// Serves `mounts` (`("/camera", Mount::...)`) on `address:port`; port 0 takes a free one. Bind to
    /// loopback unless a bench on another host must reach it.
    pub fn serve(
        address: &str,
        port: u16,
        mounts: Vec<(String, Mount)>,
    ) -> Result<Self, CaptureError> {
        init()?;
        let err = |reason: String| CaptureError::Pipeline {
            pipeline: format!("rtsp://{address}:{port}"),
            reason,
        };
        let server = rtsp::RTSPServer::new();
        server.set_address(address);
        server.set_service(&port.to_string());
        let points = server
            .mount_points()
            .ok_or_else(|| err("the server has no mount points".into()))?;
        for (path, mount) in mounts {
            if !path.starts_with('/') {
                return Err(err(format!("mount path `{path}` must start with '/'")));
            }
            let factory = rtsp::RTSPMediaFactory::new();
            match mount {
                // A pipeline per client: each session plays a recording from its start.
                Mount::Launch(line) => factory.set_launch(&line),
                Mount::Feed(feed) => {
                    // One pipeline for every client: a bench and a recorder see the same frames.
                    factory.set_shared(true);
                    factory.set_launch(FEED_LAUNCH);
                    factory.connect_media_configure(move |_, media| feed.attach(media));
                }
            }
            points.add_factory(&path, factory);
        }
        let context = glib::MainContext::new();
        server
            .attach(Some(&context))
            .map_err(|e| err(format!("cannot listen: {e}")))?;
        let bound = server.bound_port();
        let port = u16::try_from(bound).map_err(|_| err(format!("bound to port {bound}")))?;
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let ml = main_loop.clone();
        let thread = std::thread::Builder::new()
            .name("rtsp-server".into())
            .spawn(move || ml.run())
            .map_err(|e| err(format!("cannot start the server thread: {e}")))?;
        tracing::info!("RTSP server on rtsp://{address}:{port}");
        Ok(RtspServer {
            main_loop,
            thread: Some(thread),
            address: address.to_string(),
            port,
            _server: server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of a mount.
    pub fn url(&self, path: &str) -> String {
        format!("rtsp://{}:{}{path}", self.address, self.port)
    }
}

impl Drop for RtspServer {
    fn drop(&mut self) {
        self.main_loop.quit();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Frames pushed into every running pipeline of a [`Mount::Feed`]. Clone it: one clone goes to the
/// server, the other pushes.
#[derive(Clone, Default)]
pub struct FrameFeed {
    sources: Arc<Mutex<Vec<FeedSource>>>,
    pushed: Arc<std::sync::atomic::AtomicU64>,
}

struct FeedSource {
    src: gst_app::AppSrc,
    caps: Option<(PixelFormat, u32, u32)>,
}

impl FrameFeed {
    pub fn new() -> Self {
        Self::default()
    }

    fn attach(&self, media: &rtsp::RTSPMedia) {
        let Ok(bin) = media.element().downcast::<gst::Bin>() else {
            tracing::warn!("RTSP media is not a bin: no feed");
            return;
        };
        let Some(src) = bin
            .by_name(FEED_SRC)
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        else {
            tracing::warn!("RTSP media without its appsrc: no feed");
            return;
        };
        self.lock().push(FeedSource { src, caps: None });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FeedSource>> {
        self.sources.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Clients currently fed.
    pub fn clients(&self) -> usize {
        self.lock().len()
    }

    /// Frames pushed to at least one client so far.
    pub fn pushed(&self) -> u64 {
        self.pushed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends `frame` to every client (none connected: nothing happens). A client that went away is
    /// forgotten; a frame that is not valid is skipped with a warning.
    pub fn push(&self, frame: &CameraFrame) {
        let mut sources = self.lock();
        if sources.is_empty() {
            return;
        }
        if let Err(e) = frame.validate() {
            tracing::warn!("frame not sent over RTSP: {e}");
            return;
        }
        let Some(buffer) = gst_buffer(frame) else {
            return;
        };
        let key = (frame.format, frame.width, frame.height);
        sources.retain_mut(|s| {
            if s.caps != Some(key) {
                s.src.set_caps(Some(&raw_caps(frame)));
                s.caps = Some(key);
            }
            s.src.push_buffer(buffer.clone()).is_ok()
        });
        if !sources.is_empty() {
            self.pushed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

fn raw_caps(frame: &CameraFrame) -> gst::Caps {
    let format = match frame.format {
        PixelFormat::Gray8 => "GRAY8",
        PixelFormat::Rgb8 => "RGB",
        PixelFormat::Bgr8 => "BGR",
    };
    gst::Caps::builder("video/x-raw")
        .field("format", format)
        .field("width", frame.width as i32)
        .field("height", frame.height as i32)
        .field("framerate", gst::Fraction::new(0, 1))
        .build()
}

/// The frame as a GStreamer buffer in GStreamer's default layout (rows padded to 4 bytes): shared
/// without a copy when the frame already has that stride, repacked otherwise.
fn gst_buffer(frame: &CameraFrame) -> Option<gst::Buffer> {
    let row = frame.width as usize * frame.format.bytes_per_pixel() as usize;
    let stride = row.div_ceil(4) * 4;
    let h = frame.height as usize;
    if frame.stride as usize == stride && frame.data.len() >= stride * h {
        return Some(gst::Buffer::from_slice(frame.data.to_bytes()));
    }
    let mut out = vec![0u8; stride * h];
    let src = frame.data.as_slice();
    for y in 0..h {
        let from = y * frame.stride as usize;
        out.get_mut(y * stride..y * stride + row)?
            .copy_from_slice(src.get(from..from + row)?);
    }
    Some(gst::Buffer::from_mut_slice(out))
}
