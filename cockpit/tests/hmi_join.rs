//! `cabin hmi` (the real binary) joining a bus over real zenoh on loopback: the page's feed gets the
//! state published before it joined, live events, nothing host-local (camera, utterances), and the
//! driver's answer goes out on `hmi/response`, once.

mod hmi_support;

use cabin_bus::messages::*;
use cabin_bus::{topics, Bus, NodeName, TopicId, ZenohConfig};
use hmi_support::*;
use std::time::{Duration, Instant};

/// Answers suggestion 5 from the page; returns the status of the server's ack.
async fn answer(ws: &mut Ws, seen: &mut Vec<serde_json::Value>, answer: &str) -> String {
    let respond = format!(r#"{{"type":"respond","suggestion_id":5,"answer":"{answer}"}}"#);
    send_text(ws, &respond).await;
    seen.extend(read_until(ws, |v| v["type"] == "ack").await);
    seen.last().expect("ack")["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn cabin_hmi_joins_a_running_bus_and_publishes_the_answer_once() {
    let rt = runtime();
    let (zport, hport) = (free_port(), free_port());
    let vehicle = format!("hmijoin{zport}");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("cabin.toml");
    std::fs::write(
        &cfg,
        format!("vehicle = \"{vehicle}\"\n[zenoh]\nmode = \"peer\"\nlisten = [\"tcp/127.0.0.1:{zport}\"]\nmulticast_scouting = false\n"),
    )
    .expect("config");

    // The vehicle side: what `cabin run` mirrors, published before the HMI joins.
    let bus = Bus::zenoh(&vehicle, &ZenohConfig::loopback(zport, &[])).expect("zenoh bus");
    let answers = bus.subscribe(TopicId::Response, "test").expect("subscribe");
    let src = NodeName::new("sim").expect("name");
    let Message::Route(route) = example(TopicId::Route) else {
        unreachable!()
    };
    bus.publish(&src, topics::ROUTE, at(1.0), route)
        .expect("publish route");

    let hmi_addr = format!("127.0.0.1:{hport}");
    let config = cfg.to_str().expect("utf-8 path");
    let _child = spawn_logged(
        &[
            "hmi",
            &hmi_addr,
            "--no-voice",
            "--seconds",
            "300",
            "--config",
            config,
        ],
        "hmi-join",
    );
    rt.block_on(async {
        let start = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", hport))
            .await
            .is_err()
        {
            assert!(
                start.elapsed() < WAIT,
                "cabin hmi did not listen; see target/test-artefacts/hmi-join-stderr.txt"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut ws = connect(format!("127.0.0.1:{hport}").parse().expect("addr")).await;
        let mut seen = read_until(&mut ws, |v| v["type"] == "hello").await;
        let hello = seen.last().expect("hello").clone();
        assert_eq!(
            (hello["mode"].as_str(), hello["camera"].as_bool()),
            (Some("join"), Some(false))
        );
        // The route was published before `cabin hmi` existed: state topics keep it for late joiners.
        ensure_seen(&mut ws, &mut seen, |v| {
            is_sample(v, "map/route") && v["t"] == 1.0
        })
        .await;

        // Live: host-local topics stay on their host; the rest arrives.
        let publish_all = || {
            let Message::CameraFrame(frame) = example(TopicId::Camera) else {
                unreachable!()
            };
            bus.publish(&src, topics::CAMERA, at(2.0), frame)
                .expect("camera");
            let Message::Utterance(u) = example(TopicId::Utterance) else {
                unreachable!()
            };
            bus.publish(&src, topics::UTTERANCE, at(2.0), u)
                .expect("utterance");
            let Message::Suggestion(s) = coffee_suggestion(5) else {
                unreachable!()
            };
            bus.publish(&src, topics::SUGGESTION, at(2.0), s)
                .expect("suggestion");
        };
        // zenoh subscriptions of the joining process may still be settling: publish until it shows.
        let mut got_suggestion = false;
        for _ in 0..100 {
            publish_all();
            let next = tokio::time::timeout(
                Duration::from_millis(300),
                read_until(&mut ws, |v| is_sample(v, "agent/suggestion")),
            )
            .await;
            if let Ok(frames) = next {
                seen.extend(frames);
                got_suggestion = true;
                break;
            }
        }
        assert!(
            got_suggestion,
            "the suggestion never reached the page: {seen:?}"
        );

        assert_eq!(answer(&mut ws, &mut seen, "decline").await, "forwarded");
        let r =
            tokio::task::spawn_blocking(move || answers.recv_timeout(WAIT).map(|s| (s, answers)))
                .await
                .expect("join");
        let (sample, answers) = r.expect("the answer reached the bus");
        assert_eq!(
            sample.get::<UserResponse>(),
            Some(&UserResponse {
                suggestion_id: 5,
                answer: Answer::Decline,
                source: ResponseSource::Touch,
            })
        );
        assert_eq!(sample.header.source.as_str(), "hmi");
        assert_eq!(
            sample.header.stamp,
            at(2.0),
            "stamped with the newest sim time on the bus"
        );

        assert_eq!(
            answer(&mut ws, &mut seen, "accept").await,
            "already_answered"
        );
        // The page also sees the answer come back on hmi/response.
        ensure_seen(&mut ws, &mut seen, |v| is_sample(v, "hmi/response")).await;
        assert!(
            !seen.iter().any(|v| is_sample(v, "agent/utterance")),
            "utterances are host-local"
        );
        assert!(
            answers
                .try_recv()
                .is_none_or(|s| s.header.source.as_str() != "hmi"),
            "a second answer went out"
        );
    });
}
