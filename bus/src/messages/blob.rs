//! Shared, immutable byte buffers for large payloads (camera frames).
//!
//! A [`Blob`] is a [`bytes::Bytes`]: cloning it is a reference-count increment, so the in-process
//! transport hands the same pixels to every subscriber without copying them, and the zenoh transport sends
//! and receives them without copying them either (see [`crate::codec::encode_parts`] and
//! [`crate::codec::decode_shared`]). On the wire it is a length-prefixed byte string.

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;
use std::ops::Deref;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blob(Bytes);

impl Blob {
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        Blob(bytes.into())
    }
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
    /// The shared buffer itself (a reference-count increment, no copy).
    pub fn to_bytes(&self) -> Bytes {
        self.0.clone()
    }
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Blob {
    fn from(v: Vec<u8>) -> Self {
        Blob(v.into())
    }
}

impl From<Bytes> for Blob {
    fn from(b: Bytes) -> Self {
        Blob(b)
    }
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

thread_local! {
    /// The buffer a zero-copy decode is reading from. serde gives a `Deserialize` impl no way to receive
    /// context, so [`decode_from`] parks the source here for the duration of one decode; a `Blob` whose
    /// bytes lie inside it becomes a slice of it instead of a copy.
    static SOURCE: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// Runs `decode` with `source` as the buffer that borrowed blobs are sliced from (no copy).
pub(crate) fn decode_from<T>(source: &Bytes, decode: impl FnOnce(&[u8]) -> T) -> T {
    struct Reset(Option<Bytes>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0.take();
            SOURCE.with(|s| *s.borrow_mut() = previous);
        }
    }
    let previous = SOURCE.with(|s| s.borrow_mut().replace(source.clone()));
    let _reset = Reset(previous);
    decode(source)
}

fn borrowed(v: &[u8]) -> Blob {
    let shared = SOURCE.with(|s| {
        let s = s.borrow();
        let src = s.as_ref()?;
        let (start, end) = (src.as_ptr() as usize, src.as_ptr() as usize + src.len());
        let (p, q) = (v.as_ptr() as usize, v.as_ptr() as usize + v.len());
        (p >= start && q <= end).then(|| src.slice_ref(v))
    });
    Blob(shared.unwrap_or_else(|| Bytes::copy_from_slice(v)))
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<Blob, E> {
                Ok(borrowed(v))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(Bytes::copy_from_slice(v)))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v.into()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Blob, A::Error> {
                // JSON has no byte strings: accept an array of numbers (what serde_json writes).
                let mut v = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(b) = a.next_element::<u8>()? {
                    v.push(b);
                }
                Ok(Blob(v.into()))
            }
        }
        d.deserialize_bytes(V)
    }
}
