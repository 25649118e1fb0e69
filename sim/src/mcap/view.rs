//! How each topic appears in Foxglove: a JSON-schema channel per topic.
//!
//! Camera frames use Foxglove's well-known image schemas (`foxglove.CompressedImage` with PNG or JPEG,
//! or `foxglove.RawImage`), so the Image panel shows them. Audio chunks appear as a summary (length,
//! RMS, peak: 16 kHz of floats as JSON would dwarf everything else). Every other topic is its payload as
//! JSON (the same JSON the events log writes), with a schema inferred from the first message so
//! Foxglove's plot and message panels can offer its fields. These views are for looking at a run; the
//! exact messages are in the raw channels next to them (see [`super::recorder`]).

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use cabin_bus::messages::{AudioChunk, CameraFrame, MessageKind, PixelFormat};
use cabin_bus::sample::Sample;
use opencv::core::{Mat, Vector, CV_8UC1, CV_8UC3};
use opencv::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How camera frames are stored for viewing (and, for PNG and raw, for exact replay).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraEncoding {
    /// Lossless `foxglove.CompressedImage` (replay is exact).
    Png,
    /// Lossy `foxglove.CompressedImage` at the given quality (small files; replayed frames differ).
    Jpeg(u8),
    /// `foxglove.RawImage` (exact, largest).
    Raw,
}

/// A channel's schema: name, JSON schema text.
pub struct SchemaSpec {
    pub name: String,
    pub data: String,
}

fn time_schema() -> Value {
    json!({
        "type": "object",
        "title": "time",
        "properties": {
            "sec": {"type": "integer", "minimum": 0},
            "nsec": {"type": "integer", "minimum": 0, "maximum": 999_999_999}
        }
    })
}

pub fn compressed_image_schema() -> SchemaSpec {
    let s = json!({
        "title": "foxglove.CompressedImage",
        "description": "A compressed image",
        "type": "object",
        "properties": {
            "timestamp": time_schema(),
            "frame_id": {"type": "string", "description": "Frame of reference"},
            "data": {"type": "string", "contentEncoding": "base64", "description": "Compressed image data"},
            "format": {"type": "string", "description": "Image format: jpeg, png, webp"}
        }
    });
    SchemaSpec {
        name: "foxglove.CompressedImage".into(),
        data: s.to_string(),
    }
}

pub fn raw_image_schema() -> SchemaSpec {
    let s = json!({
        "title": "foxglove.RawImage",
        "description": "A raw image",
        "type": "object",
        "properties": {
            "timestamp": time_schema(),
            "frame_id": {"type": "string"},
            "width": {"type": "integer", "minimum": 0},
            "height": {"type": "integer", "minimum": 0},
            "encoding": {"type": "string", "description": "mono8, rgb8, bgr8"},
            "step": {"type": "integer", "minimum": 0},
            "data": {"type": "string", "contentEncoding": "base64"}
        }
    });
    SchemaSpec {
        name: "foxglove.RawImage".into(),
        data: s.to_string(),
    }
}

/// A JSON schema describing `v`'s shape (types of fields; `null` fields accept anything).
pub fn infer_schema(v: &Value) -> Value {
    match v {
        Value::Null => json!({}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_f64() => json!({"type": "number"}),
        Value::Number(_) => json!({"type": "integer"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(a) => {
            json!({"type": "array", "items": a.first().map_or(json!({}), infer_schema)})
        }
        Value::Object(m) => {
            let props: serde_json::Map<String, Value> = m
                .iter()
                .map(|(k, v)| (k.clone(), infer_schema(v)))
                .collect();
            json!({"type": "object", "properties": props})
        }
    }
}

fn stamp_json(sample: &Sample) -> Value {
    let ns = sample.header.stamp.as_nanos();
    json!({"sec": ns / 1_000_000_000, "nsec": ns % 1_000_000_000})
}

/// An 8-bit image as OpenCV sees it (BGR for colour).
fn frame_mat(f: &CameraFrame) -> Result<Mat, String> {
    f.validate().map_err(|e| e.to_string())?;
    let typ = match f.format {
        PixelFormat::Gray8 => CV_8UC1,
        PixelFormat::Rgb8 | PixelFormat::Bgr8 => CV_8UC3,
    };
    let bpp = f.format.bytes_per_pixel() as usize;
    let row = f.width as usize * bpp;
    let mut packed = Vec::with_capacity(row * f.height as usize);
    for r in 0..f.height as usize {
        let o = r * f.stride as usize;
        packed.extend_from_slice(&f.data[o..o + row]);
    }
    let flat = Mat::from_slice(&packed).map_err(|e| e.to_string())?;
    let shaped = flat
        .reshape(bpp as i32, f.height as i32)
        .map_err(|e| e.to_string())?
        .try_clone()
        .map_err(|e| e.to_string())?;
    if shaped.typ() != typ {
        return Err(format!(
            "cannot lay out a {:?} frame for encoding",
            f.format
        ));
    }
    if f.format == PixelFormat::Rgb8 {
        let mut bgr = Mat::default();
        opencv::imgproc::cvt_color(&shaped, &mut bgr, opencv::imgproc::COLOR_RGB2BGR, 0)
            .map_err(|e| e.to_string())?;
        return Ok(bgr);
    }
    Ok(shaped)
}

/// The Foxglove view of a camera frame.
pub fn camera_view(
    sample: &Sample,
    f: &CameraFrame,
    enc: CameraEncoding,
) -> Result<Vec<u8>, String> {
    let v = match enc {
        CameraEncoding::Raw => json!({
            "timestamp": stamp_json(sample),
            "frame_id": "driver_camera",
            "width": f.width,
            "height": f.height,
            "encoding": match f.format { PixelFormat::Gray8 => "mono8", PixelFormat::Rgb8 => "rgb8", PixelFormat::Bgr8 => "bgr8" },
            "step": f.stride,
            "data": BASE64.encode(&*f.data),
        }),
        CameraEncoding::Png | CameraEncoding::Jpeg(_) => {
            let mat = frame_mat(f)?;
            let (ext, params, format): (&str, Vec<i32>, &str) = match enc {
                CameraEncoding::Jpeg(q) => (
                    ".jpg",
                    vec![opencv::imgcodecs::IMWRITE_JPEG_QUALITY, q as i32],
                    "jpeg",
                ),
                _ => (
                    ".png",
                    vec![opencv::imgcodecs::IMWRITE_PNG_COMPRESSION, 1],
                    "png",
                ),
            };
            let mut buf: Vector<u8> = Vector::new();
            let params: Vector<i32> = params.into_iter().collect();
            opencv::imgcodecs::imencode(ext, &mat, &mut buf, &params).map_err(|e| e.to_string())?;
            json!({
                "timestamp": stamp_json(sample),
                "frame_id": "driver_camera",
                "format": format,
                "data": BASE64.encode(buf.as_slice()),
            })
        }
    };
    serde_json::to_vec(&v).map_err(|e| e.to_string())
}

/// Pixels back from a camera view (PNG/JPEG/raw), in the layout of `like` (format, size; rows packed).
pub fn pixels_from_view(view: &[u8], like: &CameraFrame) -> Result<Vec<u8>, String> {
    let v: Value = serde_json::from_slice(view).map_err(|e| format!("image message: {e}"))?;
    let data = v
        .get("data")
        .and_then(Value::as_str)
        .ok_or("image message has no data")?;
    let bytes = BASE64
        .decode(data)
        .map_err(|e| format!("image data is not base64: {e}"))?;
    if v.get("encoding").is_some() {
        return Ok(bytes); // RawImage: the exact bytes
    }
    let buf: Vector<u8> = bytes.into_iter().collect();
    let flag = match like.format {
        PixelFormat::Gray8 => opencv::imgcodecs::IMREAD_GRAYSCALE,
        _ => opencv::imgcodecs::IMREAD_COLOR,
    };
    let mat = opencv::imgcodecs::imdecode(&buf, flag).map_err(|e| e.to_string())?;
    if mat.empty() || mat.cols() as u32 != like.width || mat.rows() as u32 != like.height {
        return Err(format!(
            "image is {}x{}, the frame says {}x{}",
            mat.cols(),
            mat.rows(),
            like.width,
            like.height
        ));
    }
    let mat = if like.format == PixelFormat::Rgb8 {
        let mut rgb = Mat::default();
        opencv::imgproc::cvt_color(&mat, &mut rgb, opencv::imgproc::COLOR_BGR2RGB, 0)
            .map_err(|e| e.to_string())?;
        rgb
    } else {
        mat
    };
    let mat = if mat.is_continuous() {
        mat
    } else {
        mat.try_clone().map_err(|e| e.to_string())?
    };
    let packed = mat.data_bytes().map_err(|e| e.to_string())?;
    let bpp = like.format.bytes_per_pixel() as usize;
    let row = like.width as usize * bpp;
    if like.stride as usize == row {
        return Ok(packed.to_vec());
    }
    // Re-pad rows to the frame's stride (padding bytes are not recorded: zeros).
    let mut out = vec![0u8; like.stride as usize * (like.height as usize - 1) + row];
    for r in 0..like.height as usize {
        out[r * like.stride as usize..r * like.stride as usize + row]
            .copy_from_slice(&packed[r * row..(r + 1) * row]);
    }
    Ok(out)
}

/// The Foxglove view of an audio chunk: a summary, not the samples.
pub fn audio_view(a: &AudioChunk) -> Value {
    let n = a.samples.len();
    let rms = if n == 0 {
        0.0
    } else {
        (a.samples.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / n as f64).sqrt()
    };
    let peak = a.samples.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    json!({"sample_rate_hz": a.sample_rate_hz, "channel": a.channel, "samples": n, "rms": rms, "peak": peak})
}

/// The schema name of a cabin message type (`cabin.DriverState`).
pub fn schema_name(kind: MessageKind) -> String {
    format!("cabin.{kind:?}")
}
