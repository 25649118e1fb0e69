//! The wire codec: every message type round-trips; garbage gives a typed error, never a panic.

use bytes::Bytes;
use cabin_bus::codec::{self, CodecError, CODEC_VERSION};
use cabin_bus::fixtures;
use cabin_bus::messages::CameraFrame;
use cabin_bus::{SimTime, TopicId};
use proptest::prelude::*;

#[test]
fn every_message_type_round_trips_byte_for_byte() {
    for sample in fixtures::every_sample("camera", SimTime::from_millis(1234)) {
        let bytes = codec::encode(&sample).expect("encodes");
        assert_eq!(bytes[0], CODEC_VERSION);
        assert_eq!(bytes[1], sample.topic as u8);
        let back = codec::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", sample.topic));
        assert_eq!(back.topic, sample.topic);
        assert_eq!(back.header, sample.header);
        // Re-encoding gives the same bytes (NaN samples make `==` on payloads useless).
        assert_eq!(
            codec::encode(&back).expect("re-encodes"),
            bytes,
            "{}",
            sample.topic
        );
    }
}

#[test]
fn split_encoding_is_the_same_bytes_and_pixels_are_never_copied() {
    for sample in fixtures::every_sample("camera", SimTime::from_millis(7)) {
        let whole = codec::encode(&sample).expect("encodes");
        let parts = codec::encode_parts(&sample).expect("encodes");
        let mut joined = parts.prefix.clone();
        joined.extend_from_slice(parts.tail.as_deref().unwrap_or_default());
        assert_eq!(joined, whole, "{}", sample.topic);

        let shared = Bytes::from(whole.clone());
        let back = codec::decode_shared(&shared).expect("decodes");
        assert_eq!(codec::encode(&back).expect("re-encodes"), whole);
        if let Some(frame) = sample.get::<CameraFrame>() {
            // Out: the tail is the sample's own pixel buffer. In: the pixels are a slice of the buffer.
            let tail = parts.tail.expect("a frame has a tail");
            assert_eq!(tail.as_ptr(), frame.data.as_ptr());
            let got = back.get::<CameraFrame>().expect("a frame");
            assert!(shared.as_ptr_range().contains(&got.data.as_ptr()));
            assert_eq!(got.data.as_slice(), frame.data.as_slice());
        } else {
            assert!(parts.tail.is_none(), "{}", sample.topic);
        }
    }
}

#[test]
fn encoding_is_compact() {
    let s =
        &fixtures::every_sample("driver_state", SimTime::from_millis(1))[TopicId::Alert as usize];
    let n = codec::encode(s).expect("encodes").len();
    assert!(n < 80, "an alert takes {n} bytes");
}

#[test]
fn structured_errors_for_bad_input() {
    assert_eq!(codec::decode(&[]), Err(CodecError::Empty));
    assert_eq!(codec::decode(&[9, 0]), Err(CodecError::Version(9)));
    assert_eq!(
        codec::decode(&[CODEC_VERSION, 250]),
        Err(CodecError::UnknownTopic(250))
    );
    let good = codec::encode(&fixtures::every_sample("a", SimTime::ZERO)[TopicId::Alert as usize])
        .expect("encodes");
    for cut in 2..good.len() {
        assert!(
            codec::decode(&good[..cut]).is_err(),
            "truncated at {cut} must not decode"
        );
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        codec::decode(&trailing),
        Err(CodecError::Trailing { trailing: 1 })
    );
    // A valid alert payload under the camera topic byte is rejected as the wrong payload.
    let mut wrong = good;
    wrong[1] = TopicId::Camera as u8;
    assert!(matches!(
        codec::decode(&wrong),
        Err(CodecError::WrongPayload { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = codec::decode(&bytes);
    }

    #[test]
    fn garbage_after_a_valid_prefix_never_panics(topic in 0u8..20, tail in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut bytes = vec![CODEC_VERSION, topic];
        bytes.extend(tail);
        let _ = codec::decode(&bytes);
    }

    #[test]
    fn mutated_valid_messages_never_panic(idx in 0usize..20, pos in any::<usize>(), val in any::<u8>()) {
        let samples = fixtures::every_sample("sim", SimTime::from_millis(5));
        let s = &samples[idx % samples.len()];
        let mut bytes = codec::encode(s).expect("encodes");
        let p = pos % bytes.len();
        bytes[p] = val;
        // The zero-copy decoder accepts and rejects exactly what the copying one does.
        let copied = codec::decode(&bytes).map(|s| codec::encode(&s));
        let shared = codec::decode_shared(&Bytes::from(bytes)).map(|s| codec::encode(&s));
        prop_assert_eq!(copied, shared);
    }
}
