//! The HMI's token: bound beyond loopback every request (page, stats, WebSocket) needs it — as a bearer
//! header, as `?token=` (which sets a cookie) or as that cookie — and is refused without it; bound to
//! loopback the HMI stays open. Real server, real HTTP and WebSocket clients.

mod hmi_support;

use hmi_support::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A raw HTTP/1.1 GET: (status, headers and body as text).
fn get(addr: SocketAddr, path: &str, extra: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .expect("request");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Whether a WebSocket to `url` opens.
fn ws_opens(url: String) -> bool {
    runtime().block_on(async {
        tokio::time::timeout(
            Duration::from_secs(10),
            tokio_tungstenite::connect_async(url),
        )
        .await
        .expect("handshake in time")
        .is_ok()
    })
}

#[test]
fn beyond_loopback_every_request_needs_the_token() {
    let h = start_hmi("0.0.0.0:0", 64);
    let port = h.service.local_addr().expect("bound").port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let token = h.service.token().expect("a token beyond loopback");
    assert!(h.service.url().ends_with(&format!("/?token={token}")));

    for path in ["/", "/api/stats", "/ws"] {
        assert_eq!(get(addr, path, "").0, 401, "{path} without a token");
        assert_eq!(
            get(addr, path, "Authorization: Bearer wrong\r\n").0,
            401,
            "{path} with a wrong token"
        );
    }
    let (status, _) = get(
        addr,
        "/api/stats",
        &format!("Authorization: Bearer {token}\r\n"),
    );
    assert_eq!(status, 200);
    // `?token=` once: the page, and a cookie the page's later requests carry.
    let (status, reply) = get(addr, &format!("/?token={token}"), "");
    assert_eq!(status, 200);
    let cookie = reply
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .expect("a cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("name=value");
    assert_eq!(
        get(addr, "/api/stats", &format!("Cookie: {pair}\r\n")).0,
        200
    );

    assert!(
        !ws_opens(format!("ws://{addr}/ws")),
        "WebSocket without token"
    );
    assert!(ws_opens(format!("ws://{addr}/ws?token={token}")));
    h.service.stop();
}

#[test]
fn on_loopback_the_hmi_stays_open() {
    let h = start_hmi("127.0.0.1:0", 64);
    let addr = h.service.local_addr().expect("bound");
    assert!(h.service.token().is_none());
    assert!(!h.service.url().contains("token"));
    assert_eq!(get(addr, "/api/stats", "").0, 200);
    assert_eq!(get(addr, "/", "").0, 200);
    assert!(ws_opens(format!("ws://{addr}/ws")));
    h.service.stop();
}
