//! The HMI server with real WebSocket clients, fed by a real deterministic run through its observer, with
//! answers going back into the run through the real input bridge (as `cabin run --hmi` wires it).

mod hmi_support;

use cabin_bus::messages::*;
use cabin_bus::runtime::Pacing;
use cabin_bus::{SimDuration, TopicId};
use cabin_cockpit::hmi::protocol::decode_camera;
use futures_util::SinkExt;
use hmi_support::*;
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A runtime for the clients and the real HMI on a free loopback port, with a queue of `capacity`.
fn local_hmi(capacity: usize) -> (tokio::runtime::Runtime, RunningHmi, std::net::SocketAddr) {
    let h = start_hmi("127.0.0.1:0", capacity);
    let addr = h.service.local_addr().expect("bound");
    (runtime(), h, addr)
}

/// Decisions numbered 0..n, then a final `end` marker.
fn numbered_decisions(n: usize, reason_len: usize) -> Vec<(cabin_bus::SimTime, TopicId, Message)> {
    let pad = "x".repeat(reason_len);
    let mut v: Vec<_> = (0..n)
        .map(|i| (at(0.0), TopicId::Decision, decision(&format!("d{i}"), &pad)))
        .collect();
    v.push((at(0.1), TopicId::Decision, decision("end", "marker")));
    v
}

#[test]
fn updates_reach_many_clients_in_order_and_late_joiners_get_the_state() {
    let (rt, mut h, addr) = local_hmi(512);
    rt.block_on(async {
        let mut clients = Vec::new();
        for _ in 0..12 {
            let mut ws = connect(addr).await;
            let hello = read_until(&mut ws, |v| v["type"] == "hello").await;
            assert_eq!(hello.last().expect("hello")["version"], 1);
            clients.push(ws);
        }
        let mut script = numbered_decisions(300, 10);
        script.push((at(0.0), TopicId::Route, example(TopicId::Route)));
        script.push((
            at(0.0),
            TopicId::DriverState,
            driver_state(7.5, Monitoring::Available),
        ));
        script.push((
            at(0.05),
            TopicId::Alert,
            alert(AlertKind::Drowsiness, AlertLevel::Warning, "KSS 7.5"),
        ));
        let run = run_in_thread(
            &mut h,
            Script::new(script, at(0.2)),
            Pacing::AsFastAsPossible,
        );
        for ws in clients.iter_mut() {
            let mut frames = read_until(ws, |v| {
                is_sample(v, "agent/decision") && v["msg"]["decision"] == "end"
            })
            .await;
            // State values are conflated and sent after the events of a batch: read on until the newest.
            ensure_seen(ws, &mut frames, |v| is_sample(v, "perception/driver_state")).await;
            let decisions: Vec<String> = frames
                .iter()
                .filter(|v| is_sample(v, "agent/decision"))
                .map(|v| {
                    v["msg"]["decision"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            let expected: Vec<String> = (0..300)
                .map(|i| format!("d{i}"))
                .chain(["end".to_string()])
                .collect();
            assert_eq!(decisions, expected, "every event, once, in order");
            assert!(frames
                .iter()
                .any(|v| is_sample(v, "perception/alert") && v["msg"]["kind"] == "drowsiness"));
            assert!(frames
                .iter()
                .any(|v| is_sample(v, "perception/driver_state")
                    && v["msg"]["drowsiness"]["kss"] == 7.5));
        }
        join_within(run, WAIT);

        // A page opened now gets hello, the recent events and the current state at once.
        let mut late = connect(addr).await;
        let mut frames = read_until(&mut late, |v| is_sample(v, "map/route")).await;
        ensure_seen(&mut late, &mut frames, |v| {
            is_sample(v, "perception/driver_state")
        })
        .await;
        assert_eq!(frames[0]["type"], "hello");
        assert!(frames
            .iter()
            .any(|v| is_sample(v, "agent/decision") && v["msg"]["decision"] == "end"));
        assert!(frames
            .iter()
            .any(|v| is_sample(v, "perception/driver_state")));
    });
    h.service.stop();
}

/// A client that never reads, with a tiny receive buffer so the server's sends to it block for real.
async fn stalled_client(addr: std::net::SocketAddr) -> Ws {
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = tokio::time::timeout(WAIT, sock.connect(addr))
        .await
        .expect("in time")
        .expect("connect");
    let (ws, _) = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::client_async(
            format!("ws://{addr}/ws"),
            tokio_tungstenite::MaybeTlsStream::Plain(stream),
        ),
    )
    .await
    .expect("in time")
    .expect("handshake");
    ws
}

#[test]
fn a_stalled_client_does_not_block_the_feed_and_its_drops_are_counted() {
    let (rt, mut h, addr) = local_hmi(64);
    rt.block_on(async {
        let stalled = stalled_client(addr).await;
        let mut healthy = connect(addr).await;
        read_until(&mut healthy, |v| v["type"] == "hello").await;
        // 20 000 events of ~4 KB (80 MB) over 5 s of sim time, paced to the wall clock: far more than
        // the socket buffers between the server and the stalled client hold.
        let pad = "x".repeat(4000);
        let mut script: Vec<_> = (0..20_000)
            .map(|i| {
                (
                    at(i as f64 * 5.0 / 20_000.0),
                    TopicId::Decision,
                    decision(&format!("d{i}"), &pad),
                )
            })
            .collect();
        script.push((at(5.0), TopicId::Decision, decision("end", "marker")));
        let run = run_in_thread(
            &mut h,
            Script::new(script, at(5.1)),
            Pacing::WallClock { speed: 1.0 },
        );
        // The healthy client reads along; the run must finish although the stalled one never reads.
        let frames = read_until(&mut healthy, |v| {
            is_sample(v, "agent/decision") && v["msg"]["decision"] == "end"
        })
        .await;
        assert!(
            frames
                .iter()
                .filter(|v| is_sample(v, "agent/decision"))
                .count()
                > 1
        );
        let report = tokio::task::spawn_blocking(move || join_within(run, WAIT))
            .await
            .expect("join");
        assert!(report.samples > 20_000);

        let stats = h.hmi.hub().stats();
        assert_eq!(stats.clients.len(), 2);
        let healthy_id = frames[0]["client"].as_u64();
        let stalled_stats = stats
            .clients
            .iter()
            .find(|c| Some(c.id) != healthy_id)
            .expect("stalled client");
        assert!(
            stalled_stats.dropped > 10_000,
            "most events were dropped for the stalled client: {stats:?}"
        );
        // Its sender is stuck in a send, so its queue stays full: bounded, never growing.
        assert_eq!(stalled_stats.queued, 64, "{stats:?}");
        assert_eq!(
            stats.dropped_total,
            stats.clients.iter().map(|c| c.dropped).sum::<u64>()
        );
        // ... and the drops are shown to pages in their stats frames.
        let s = read_until(&mut healthy, |v| {
            v["type"] == "stats" && v["dropped_all_clients"].as_u64() >= Some(stalled_stats.dropped)
        })
        .await;
        assert_eq!(s.last().expect("stats")["clients"], 2);
        drop(stalled);
    });
    h.service.stop();
}

#[test]
fn malformed_messages_get_a_clear_error_and_change_nothing() {
    let (rt, mut h, addr) = local_hmi(512);
    rt.block_on(async {
        let script = Script::new(
            vec![(at(0.0), TopicId::Suggestion, coffee_suggestion(1))],
            at(0.2),
        );
        let responses = script.responses.clone();
        join_within(
            run_in_thread(&mut h, script, Pacing::AsFastAsPossible),
            WAIT,
        );

        let mut ws = connect(addr).await;
        read_until(&mut ws, |v| is_sample(v, "agent/suggestion")).await;
        let bad = [
            "not json at all",
            "{}",
            r#"{"type":"respond"}"#,
            r#"{"type":"respond","suggestion_id":"one","answer":"decline"}"#,
            r#"{"type":"respond","suggestion_id":1,"answer":"maybe"}"#,
            r#"{"type":"launch","suggestion_id":1}"#,
            r#"{"type":"respond","suggestion_id":1,"answer":"accept","admin":true}"#,
        ];
        for text in bad {
            send_text(&mut ws, text).await;
            let reply = read_until(&mut ws, |v| v["type"] == "error").await;
            let e = reply.last().expect("error");
            assert_eq!(e["code"], "malformed", "{text}: {e}");
            assert!(
                e["error"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("malformed message")),
                "{e}"
            );
            assert_eq!(e["received"], text.chars().take(200).collect::<String>());
        }
        ws.send(WsMessage::Binary(vec![1u8, 2, 3].into()))
            .await
            .expect("send");
        let e = read_until(&mut ws, |v| v["type"] == "error")
            .await
            .pop()
            .expect("error");
        assert!(
            e["error"].as_str().is_some_and(|s| s.contains("binary")),
            "{e}"
        );
        // A suggestion nobody offered.
        send_text(
            &mut ws,
            r#"{"type":"respond","suggestion_id":99,"answer":"accept"}"#,
        )
        .await;
        let e = read_until(&mut ws, |v| v["type"] == "error")
            .await
            .pop()
            .expect("error");
        assert_eq!(e["code"], "unknown_suggestion");

        // The connection still works, and nothing was answered.
        send_text(&mut ws, r#"{"type":"ping","id":5}"#).await;
        let pong = read_until(&mut ws, |v| v["type"] == "pong")
            .await
            .pop()
            .expect("pong");
        assert_eq!(pong["id"], 5);
        let s = read_until(&mut ws, |v| v["type"] == "stats")
            .await
            .pop()
            .expect("stats");
        assert_eq!(s["rejected"], bad.len() as u64 + 2);
        assert!(responses.lock().is_empty());
    });
    h.service.stop();
}

#[test]
fn accept_decline_is_idempotent_and_reaches_the_run_as_one_user_response() {
    let (rt, mut h, addr) = local_hmi(512);
    let responses = rt.block_on(async {
        let mut a = connect(addr).await;
        let mut b = connect(addr).await;
        // Paced to the wall clock so the run is still going when the clients answer; it stops 2 s of
        // sim time after the first answer arrived, or at 120 s.
        let script = Script::new(
            vec![(at(0.5), TopicId::Suggestion, coffee_suggestion(41))],
            at(120.0),
        )
        .stop_after_response(SimDuration::from_secs(2));
        let responses = script.responses.clone();
        let run = run_in_thread(&mut h, script, Pacing::WallClock { speed: 2.0 });
        read_until(&mut a, |v| {
            is_sample(v, "agent/suggestion") && v["msg"]["id"] == 41
        })
        .await;
        read_until(&mut b, |v| {
            is_sample(v, "agent/suggestion") && v["msg"]["id"] == 41
        })
        .await;

        let decline = r#"{"type":"respond","suggestion_id":41,"answer":"decline"}"#;
        let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
        send_text(&mut a, decline).await;
        seen_a.extend(read_until(&mut a, |v| v["type"] == "ack").await);
        let ack = seen_a.last().expect("ack");
        assert_eq!(
            (ack["status"].as_str(), ack["answer"].as_str()),
            (Some("forwarded"), Some("decline"))
        );
        // A double click, and a second page pressing Accept: acknowledged, not sent again.
        send_text(&mut a, decline).await;
        seen_a.extend(read_until(&mut a, |v| v["type"] == "ack").await);
        assert_eq!(seen_a.last().expect("ack")["status"], "already_answered");
        send_text(
            &mut b,
            r#"{"type":"respond","suggestion_id":41,"answer":"accept"}"#,
        )
        .await;
        seen_b.extend(read_until(&mut b, |v| v["type"] == "ack").await);
        let ack = seen_b.last().expect("ack");
        assert_eq!(
            (ack["status"].as_str(), ack["answer"].as_str()),
            (Some("already_answered"), Some("decline"))
        );

        // The answer entered the run: every page sees it on hmi/response, from the input bridge.
        for (ws, seen) in [(&mut a, &mut seen_a), (&mut b, &mut seen_b)] {
            if !seen.iter().any(|v| is_sample(v, "hmi/response")) {
                seen.extend(read_until(ws, |v| is_sample(v, "hmi/response")).await);
            }
            let r = seen
                .iter()
                .find(|v| is_sample(v, "hmi/response"))
                .expect("response");
            assert_eq!(r["msg"]["suggestion_id"], 41);
            assert_eq!(r["msg"]["answer"], "decline");
            assert_eq!(r["src"], "input_bridge");
        }
        tokio::task::spawn_blocking(move || join_within(run, Duration::from_secs(180)))
            .await
            .expect("join");
        responses
    });
    assert_one_answer(&responses, 41, Answer::Decline);
    h.service.stop();
}

#[test]
fn camera_images_are_small_and_only_for_this_host() {
    let (rt, mut h, addr) = local_hmi(512);
    rt.block_on(async {
        let mut ws = connect(addr).await;
        let hello = read_until(&mut ws, |v| v["type"] == "hello")
            .await
            .pop()
            .expect("hello");
        assert_eq!(
            hello["camera"], true,
            "a loopback client may see the camera"
        );
        let frames: Vec<_> = (0..40)
            .map(|i| {
                (
                    at(i as f64 * 0.1),
                    TopicId::Camera,
                    Message::CameraFrame(cabin_bus::fixtures::camera_frame(640, 480)),
                )
            })
            .collect();
        let run = run_in_thread(
            &mut h,
            Script::new(frames, at(4.0)),
            Pacing::WallClock { speed: 4.0 },
        );
        let img = loop {
            match next_frame(&mut ws).await {
                Some(WsMessage::Binary(b)) => break decode_camera(&b).expect("a camera frame"),
                Some(_) => continue,
                None => panic!("closed"),
            }
        };
        assert_eq!(
            (img.width, img.height, img.source_width, img.source_height),
            (320, 240, 640, 480)
        );
        assert_eq!(img.pixels.len(), 320 * 240);
        tokio::task::spawn_blocking(move || join_within(run, WAIT))
            .await
            .expect("join");
    });
    h.service.stop();
}

#[test]
fn the_page_is_served_and_foreign_sites_cannot_open_the_socket() {
    let (rt, h, addr) = local_hmi(512);
    rt.block_on(async {
        let get = |path: &'static str| async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .expect("write");
            let mut out = String::new();
            tokio::time::timeout(WAIT, s.read_to_string(&mut out))
                .await
                .expect("in time")
                .expect("read");
            out
        };
        let index = get("/").await;
        assert!(index.starts_with("HTTP/1.1 200"), "{index}");
        assert!(index.contains("data-testid=\"suggestion\""));
        assert!(index
            .to_ascii_lowercase()
            .contains("content-security-policy: default-src 'self'"));
        assert!(get("/app.js").await.contains("function connect()"));
        assert!(get("/style.css").await.starts_with("HTTP/1.1 200"));
        assert!(get("/nope").await.starts_with("HTTP/1.1 404"));
        let stats: Value = {
            let r = get("/api/stats").await;
            serde_json::from_str(r.split("\r\n\r\n").nth(1).expect("body")).expect("json")
        };
        assert!(stats["clients"].is_array());

        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{addr}/ws")
            .into_client_request()
            .expect("request");
        req.headers_mut()
            .insert("Origin", "https://evil.example".parse().expect("header"));
        let refused = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("in time");
        assert!(
            refused.is_err(),
            "a cross-origin page must not get the socket"
        );
        let mut req = format!("ws://{addr}/ws")
            .into_client_request()
            .expect("request");
        req.headers_mut()
            .insert("Origin", format!("http://{addr}").parse().expect("header"));
        assert!(
            tokio_tungstenite::connect_async(req).await.is_ok(),
            "the page's own origin is let in"
        );
    });
    h.service.stop();
}

#[test]
fn answers_from_other_hmis_on_the_bus_enter_the_run_once() {
    use cabin_bus::runtime::{DeterministicExecutor, ExecutorOptions};
    use cabin_bus::{topics, Bus, NodeName};
    use cabin_cockpit::hmi::run_link::RunHmi;
    use cabin_cockpit::hmi::HmiOptions;

    let rt = runtime();
    // As `cabin run --hmi` does with its zenoh mirror (here the in-process transport: same Bus API).
    let bus = Bus::in_process("demo");
    let mut run_hmi = RunHmi::start("127.0.0.1:0", HmiOptions::default()).expect("HMI starts");
    run_hmi.accept_answers_from(&bus);
    let addr: std::net::SocketAddr = run_hmi
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .expect("addr");
    let script = Script::new(
        vec![(at(0.5), TopicId::Suggestion, coffee_suggestion(9))],
        at(120.0),
    )
    .stop_after_response(SimDuration::from_secs(2));
    let responses = script.responses.clone();
    let mut nodes: Vec<(NodeName, Box<dyn cabin_bus::runtime::Node>)> =
        vec![(NodeName::new("sim").expect("name"), Box::new(script))];
    nodes.extend(run_hmi.take_bridge_node());
    let observer = run_hmi.observer();
    let run = std::thread::spawn(move || {
        let mut exec = DeterministicExecutor::new(
            nodes,
            ExecutorOptions {
                workers: 1,
                pacing: Pacing::WallClock { speed: 2.0 },
                until: Some(at(150.0)),
            },
        )
        .expect("executor");
        exec.observe(observer);
        exec.run()
    });
    rt.block_on(async {
        let mut ws = connect(addr).await;
        let mut seen = read_until(&mut ws, |v| is_sample(v, "agent/suggestion")).await;
        ensure_seen(&mut ws, &mut seen, |v| {
            v["type"] == "run" && v["state"] == "running"
        })
        .await;
        let other = NodeName::new("hmi").expect("name");
        let echo = NodeName::new("input_bridge").expect("name");
        let answer = |a| UserResponse {
            suggestion_id: 9,
            answer: a,
            source: ResponseSource::Touch,
        };
        // Our own answers echoed back by the mirror are ignored; another HMI's first answer counts.
        bus.publish(&echo, topics::RESPONSE, at(0.0), answer(Answer::Accept))
            .expect("publish");
        bus.publish(&other, topics::RESPONSE, at(0.0), answer(Answer::Decline))
            .expect("publish");
        bus.publish(&other, topics::RESPONSE, at(0.0), answer(Answer::Accept))
            .expect("publish");
        ensure_seen(&mut ws, &mut seen, |v| is_sample(v, "hmi/response")).await;
        let r = seen
            .iter()
            .find(|v| is_sample(v, "hmi/response"))
            .expect("response");
        assert_eq!(
            (r["msg"]["answer"].as_str(), r["src"].as_str()),
            (Some("decline"), Some("input_bridge"))
        );
    });
    join_within(run, Duration::from_secs(180));
    assert_one_answer(&responses, 9, Answer::Decline);
    run_hmi.stop();
}
