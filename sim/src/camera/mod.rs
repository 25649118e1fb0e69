//! The driver camera: synthetic frames of the scripted driver, or real footage.
//!
//! The synthetic camera ([`SyntheticCamera`]) is the 2.5D face-mesh renderer: a real photo's face mesh,
//! posed in 3D, eyelids closed by moving mesh vertices, on a lit cabin background with sensor effects.
//! It draws exactly the state [`crate::scenario::DriverScript::state_at`] gives, so its ground truth is
//! exact. `sim/scenarios/README.md` says what it can and cannot stand in for.

mod background;
mod drivers;
mod lighting;
mod mesh;
mod phone;
mod pipeline;
mod raster;
mod real;
mod sensor;
mod synthetic;
mod wear;

pub use drivers::{catalogue, face_ids, DriverFace, DEFAULT_FACE};
pub use lighting::{FrameLight, Lighting};
pub use mesh::{Eye, EyeColour, EyeLids, FaceModel, Texture};
pub use phone::{PhonePart, PhonePartKind};
pub use pipeline::{frame_stamp, FrameMaker, FramePipeline};
pub use real::RealCamera;
pub use synthetic::{Frame, SyntheticCamera};
