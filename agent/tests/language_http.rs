//! The http backend against a small OpenAI-compatible server on loopback (std TcpListener speaking
//! HTTP/1.1): tool calls, retries, timeouts, a model that proposes a POI that does not exist, and the
//! agent node phrasing through it (with the check and the template fallback).

mod common;

use cabin_agent::language::{samples, HttpBackend, HttpConfig, LanguageBackend, PhraseRequest};
use cabin_agent::AgentError;
use cabin_bus::prelude::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted reply: status, JSON body, delay before answering.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: Value,
    delay: Duration,
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body,
        delay: Duration::ZERO,
    }
}

/// One HTTP POST as the test servers read it.
struct Request {
    /// The `Authorization` header's value ("" without one).
    authorization: String,
    body: Vec<u8>,
}

/// Reads a POST request (request line, headers, `Content-Length` bytes of body); `None` for anything
/// else or a connection that ends early.
fn read_post(reader: &mut impl BufRead) -> Option<Request> {
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() || !first.starts_with("POST ") {
        return None;
    }
    let (mut len, mut authorization) = (0usize, String::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            authorization = line["authorization:".len()..].trim().to_string();
        }
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        authorization,
        body,
    })
}

/// A chat-completions server answering with `replies` in order (the last one repeats); records the
/// request bodies.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

fn serve(replies: Vec<Reply>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/v1/chat/completions",
        listener.local_addr().expect("addr")
    );
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        let mut n = 0;
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let Some(Request { body, .. }) = read_post(&mut reader) else {
                continue;
            };
            seen.lock()
                .expect("lock")
                .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            let reply = replies[n.min(replies.len() - 1)].clone();
            n += 1;
            std::thread::sleep(reply.delay);
            let text = reply.body.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                reply.status,
                text.len(),
                text
            );
        }
    });
    Server { url, requests }
}

fn completion(message: Value, finish: &str) -> Value {
    json!({
        "id": "chatcmpl-8f1c2", "object": "chat.completion", "created": 1718000000,
        "model": "smollm2-360m-instruct",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 212, "completion_tokens": 31, "total_tokens": 243}
    })
}

fn tool_call(id: &str, name: &str, args: Value) -> Value {
    completion(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}}
        ]}),
        "tool_calls",
    )
}

fn text(content: &str) -> Value {
    completion(json!({"role": "assistant", "content": content}), "stop")
}

fn request() -> PhraseRequest {
    samples::coffee_stop(6.0, 4)
}

fn config(url: &str) -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_millis(800),
        backoff: Duration::from_millis(20),
        ..HttpConfig::new(url)
    }
}

#[test]
fn tool_calls_search_then_propose() {
    let server = serve(vec![
        ok(tool_call(
            "call_1",
            "search_poi",
            json!({"category": "coffee", "max_detour_min": 5}),
        )),
        ok(tool_call(
            "call_2",
            "propose_stop",
            json!({"poi_id": 1, "text": "How about a coffee at Bean There Coffee? It is 6.0 km ahead."}),
        )),
    ]);
    let mut b = HttpBackend::new(config(&server.url)).expect("backend");
    let p = b.phrase(&request()).expect("phrase");
    assert_eq!(
        p.text,
        "How about a coffee at Bean There Coffee? It is 6.0 km ahead."
    );
    assert_eq!(p.note, "tools: search_poi, propose_stop");
    let reqs = server.requests.lock().expect("lock").clone();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0]["temperature"], json!(0));
    let tools: Vec<&str> = reqs[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t.pointer("/function/name").and_then(|n| n.as_str()))
        .collect();
    assert_eq!(tools, ["search_poi", "propose_stop"]);
    assert_eq!(reqs[0]["messages"][0]["role"], "system");
    // the second request carries the tool result: only the stop the policy chose
    let msgs = reqs[1]["messages"].as_array().expect("messages");
    let tool_msg = msgs
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool message");
    assert_eq!(tool_msg["tool_call_id"], "call_1");
    let result: Value =
        serde_json::from_str(tool_msg["content"].as_str().expect("content")).expect("json");
    assert_eq!(result[0]["name"], "Bean There Coffee");
    assert_eq!(result.as_array().map(|a| a.len()), Some(1));
}

#[test]
fn retries_server_errors_and_gives_up_on_timeouts() {
    let server = serve(vec![
        Reply {
            status: 503,
            body: json!({"error": {"message": "loading model"}}),
            delay: Duration::ZERO,
        },
        ok(text("Shall we stop at Bean There Coffee for a coffee?")),
    ]);
    let mut b = HttpBackend::new(config(&server.url)).expect("backend");
    let p = b.phrase(&request()).expect("retried");
    assert_eq!(p.text, "Shall we stop at Bean There Coffee for a coffee?");
    assert_eq!(server.requests.lock().expect("lock").len(), 2);

    let slow = serve(vec![Reply {
        delay: Duration::from_millis(1500),
        ..ok(text("too late"))
    }]);
    let mut b = HttpBackend::new(HttpConfig {
        retries: 1,
        ..config(&slow.url)
    })
    .expect("backend");
    let e = b.phrase(&request()).expect_err("times out");
    assert!(e.to_string().contains("after 2 attempts"), "{e}");

    let bad = serve(vec![Reply {
        status: 400,
        body: json!({"error": {"message": "bad request"}}),
        delay: Duration::ZERO,
    }]);
    let mut b = HttpBackend::new(config(&bad.url)).expect("backend");
    let e = b.phrase(&request()).expect_err("4xx is not retried");
    assert!(e.to_string().contains("HTTP 400"), "{e}");
    assert_eq!(bad.requests.lock().expect("lock").len(), 1);

    // nothing listening at all
    let mut b = HttpBackend::new(HttpConfig {
        retries: 0,
        ..config("http://127.0.0.1:9/v1/chat/completions")
    })
    .expect("backend");
    assert!(b.phrase(&request()).is_err());
}

#[test]
fn a_model_proposing_another_poi_is_rejected() {
    let server = serve(vec![ok(tool_call(
        "call_1",
        "propose_stop",
        json!({"poi_id": 424242, "text": "Let's go to Fake Palace, it's open!"}),
    ))]);
    let mut b = HttpBackend::new(config(&server.url)).expect("backend");
    let e = b.phrase(&request()).expect_err("rejected");
    assert!(matches!(e, AgentError::Rejected(_)), "{e}");
}

fn http_agent(url: &str) -> Box<dyn Node> {
    let params = format!(
        "backend = \"http\"\nhttp_url = \"{url}\"\nhttp_timeout_ms = 800\npreferences = \"off\""
    );
    let spec = NodeSpec::inline("agent", "agent", &params).expect("spec");
    Box::new(cabin_agent::AgentNode::from_spec(&spec).expect("agent"))
}

#[test]
fn the_agent_phrases_through_the_server_and_falls_back_when_it_lies() {
    let good = serve(vec![
        ok(tool_call("c1", "search_poi", json!({"category": "coffee"}))),
        ok(tool_call(
            "c2",
            "propose_stop",
            json!({"poi_id": 1, "text": "Your passenger wanted a coffee. How about Bean There Coffee? It's 6.0 km ahead, a 1 min detour."}),
        )),
    ]);
    let out = common::run(
        common::coffee_drive(),
        vec![("agent", http_agent(&good.url))],
    );
    let sugg = common::on(&out, topics::SUGGESTION);
    assert_eq!(sugg.len(), 1);
    assert_eq!(sugg[0].1.phrased_by, "http");
    assert!(sugg[0].1.text.starts_with("Your passenger wanted a coffee"));

    // a server whose model gets the distance wrong: the template is used, and the event says so
    let liar = serve(vec![ok(text(
        "Bean There Coffee is only 2 km away, let's stop!",
    ))]);
    let out = common::run(
        common::coffee_drive(),
        vec![("agent", http_agent(&liar.url))],
    );
    let sugg = common::on(&out, topics::SUGGESTION);
    assert_eq!(sugg.len(), 1);
    let s = &sugg[0].1;
    assert!(
        s.phrased_by
            .starts_with("template (fallback: http text rejected"),
        "{}",
        s.phrased_by
    );
    assert!(s.phrased_by.contains("'2'"), "{}", s.phrased_by);
    assert!(
        s.text
            .starts_with("Your passenger wanted a coffee. How about Bean There Coffee?"),
        "{}",
        s.text
    );
    let proposed = common::on(&out, topics::DECISION)
        .into_iter()
        .find(|(_, d)| d.decision == "phrased")
        .expect("decision");
    assert!(
        proposed.1.reason.contains("fallback"),
        "{}",
        proposed.1.reason
    );
}

/// A chat-completions server over TLS (rustls + ring) with a certificate from a `cabin certs` CA:
/// answers `reply` to every request and records each request's `Authorization` header.
fn serve_tls(
    cert: &cabin_bus::security::RoleCert,
    reply: Value,
) -> (String, Arc<Mutex<Vec<String>>>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = vec![CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).expect("cert pem")];
    let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).expect("key pem");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "https://{}/v1/chat/completions",
        listener.local_addr().expect("addr")
    );
    let auth = Arc::new(Mutex::new(Vec::new()));
    let seen = auth.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut reader = BufReader::new(&mut tls);
            // A client that refuses the certificate ends the handshake here: no request.
            let Some(Request { authorization, .. }) = read_post(&mut reader) else {
                continue;
            };
            seen.lock().expect("lock").push(authorization);
            let text = reply.to_string();
            let _ = write!(
                tls,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                text.len(),
                text
            );
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (url, auth)
}

#[test]
fn speaks_tls_to_a_server_of_a_private_ca_and_refuses_an_unknown_one() {
    let ca = cabin_bus::security::DevCa::new().expect("CA");
    let cert = ca.issue("llm", &[]).expect("server certificate");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.cert_pem()).expect("write CA");
    let sentence = "How about a coffee at Bean There Coffee? It is 6.0 km ahead.";
    let (url, auth) = serve_tls(&cert, text(sentence));

    let secured = HttpConfig {
        api_key: Some("sk-test".into()),
        ca_file: Some(ca_file),
        tools: false,
        ..config(&url)
    };
    let mut b = HttpBackend::new(secured.clone()).expect("backend");
    let p = b.phrase(&request()).expect("phrase over TLS");
    assert_eq!(p.text, sentence);
    assert_eq!(*auth.lock().expect("lock"), ["Bearer sk-test"]);

    // Without the private CA the built-in Mozilla roots do not know the server: no request is sent.
    let mut untrusted = HttpBackend::new(HttpConfig {
        ca_file: None,
        retries: 0,
        ..secured
    })
    .expect("backend");
    let e = untrusted
        .phrase(&request())
        .expect_err("an unknown CA is refused");
    assert!(matches!(e, AgentError::Language { .. }), "{e}");
    assert_eq!(
        auth.lock().expect("lock").len(),
        1,
        "the key went nowhere else"
    );

    // And the key never goes in clear beyond loopback.
    let e = HttpBackend::new(HttpConfig {
        api_key: Some("sk-test".into()),
        ..config("http://192.0.2.7:8080/v1/chat/completions")
    })
    .err()
    .expect("refused");
    assert!(e.to_string().contains("in clear"), "{e}");
}
