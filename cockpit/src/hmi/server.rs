//! The HTTP and WebSocket server (axum on tokio): the page's files, `/ws` for live updates and answers,
//! `/api/stats` for the fan-out counters.
//!
//! Each WebSocket client runs one task that waits for its queue, sends what is pending, answers the
//! page's requests and sends its `stats` every second. A client that stops reading only stalls its own
//! task; the hub keeps dropping its oldest events meanwhile (see [`super::hub`]).
//!
//! A browser lets any website open a WebSocket to `127.0.0.1`, so the upgrade is refused when the request
//! carries an `Origin` that is not this server's own host: another site cannot press Accept or watch the
//! camera. Tools that send no `Origin` (bench scripts, tests) are let in.
//!
//! Bound beyond loopback (an HMI head unit reached over the vehicle network, a bench), every request —
//! page, `/api/stats`, `/ws` — needs the server's token: `CABIN_HMI_TOKEN` from the environment, else
//! 128 random bits made at start and shown in [`HmiServer::url`]. A client presents it as
//! `Authorization: Bearer <token>`, as the `cabin_hmi_token` cookie, or once as `?token=<token>`, which
//! sets the cookie (HttpOnly, SameSite=Strict) so the page's own requests and WebSocket carry it. On
//! loopback the HMI stays open: only this host reaches it.

use super::assets::{self, CONTENT_SECURITY_POLICY};
use super::protocol::{self, MAX_CLIENT_MESSAGE};
use super::{parse_addr, Hmi, HmiError, Result};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Clone)]
struct AppState {
    hmi: Arc<Hmi>,
    shutdown: watch::Receiver<bool>,
    /// The token every request needs (bound beyond loopback), or `None` (loopback: open).
    token: Option<Arc<str>>,
}

/// The environment variable that sets the HMI's token (else one is generated at start).
pub const TOKEN_ENV: &str = "CABIN_HMI_TOKEN";
/// The cookie that carries the token after a `?token=` visit.
const TOKEN_COOKIE: &str = "cabin_hmi_token";

/// The token for a server bound to `addr`: none on loopback, else `CABIN_HMI_TOKEN` or 128 random bits.
fn token_for(addr: SocketAddr) -> std::io::Result<Option<Arc<str>>> {
    if addr.ip().is_loopback() {
        return Ok(None);
    }
    if let Some(t) = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(Some(t.trim().into()));
    }
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(Some(hex::encode(bytes).into()))
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The token a request presents: bearer header, cookie, or `?token=` (then it should become a cookie).
fn presented(req: &Request) -> (Option<&str>, bool) {
    let headers = req.headers();
    if let Some(t) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return (Some(t.trim()), false);
    }
    if let Some(t) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(TOKEN_COOKIE)?.strip_prefix('='))
    {
        return (Some(t), false);
    }
    let query = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="));
    (query, query.is_some())
}

async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = state.token.clone() else {
        return next.run(req).await;
    };
    let (given, from_query) = presented(&req);
    if !given.is_some_and(|g| same_secret(g, &token)) {
        tracing::warn!(path = %req.uri().path(), "HMI request without a valid token refused");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "this HMI needs its token: open the URL `cabin` printed (…/?token=…)",
        )
            .into_response();
    }
    let mut response = next.run(req).await;
    if from_query {
        let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// A running server on the current tokio runtime.
pub struct HmiServer {
    local_addr: SocketAddr,
    token: Option<Arc<str>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl HmiServer {
    /// Binds `addr` (see [`parse_addr`]) and starts serving `hmi` on the current runtime.
    pub async fn bind(addr: &str, hmi: Arc<Hmi>) -> Result<Self> {
        let sock = parse_addr(addr)?;
        let listener = TcpListener::bind(sock)
            .await
            .map_err(|source| HmiError::Bind {
                addr: sock.to_string(),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| HmiError::Bind {
            addr: sock.to_string(),
            source,
        })?;
        let token = token_for(local_addr).map_err(|source| HmiError::Bind {
            addr: format!("{local_addr} (making its access token)"),
            source,
        })?;
        let (stop, shutdown) = watch::channel(false);
        let app = router(AppState {
            hmi,
            shutdown: shutdown.clone(),
            token: token.clone(),
        });
        let mut until = shutdown;
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = until.wait_for(|s| *s).await;
            })
            .await
        });
        Ok(HmiServer {
            local_addr,
            token,
            stop,
            task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The token requests need (bound beyond loopback), else `None`.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The address to open in a browser (loopback when listening on every interface), with the token
    /// when one is needed.
    pub fn url(&self) -> String {
        let mut a = self.local_addr;
        if a.ip().is_unspecified() {
            a.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        match &self.token {
            Some(t) => format!("http://{a}/?token={t}"),
            None => format!("http://{a}/"),
        }
    }

    /// Closes every client connection and stops listening.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("HMI server ended with an error: {e}"),
            Err(e) => tracing::warn!("HMI server task failed: {e}"),
        }
    }
}

/// The server on its own small runtime, for synchronous callers (`cabin run`, tests).
pub struct HmiService {
    runtime: tokio::runtime::Runtime,
    server: Option<HmiServer>,
}

impl HmiService {
    pub fn start(addr: &str, hmi: Arc<Hmi>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cabin-hmi")
            .enable_all()
            .build()
            .map_err(HmiError::Runtime)?;
        let server = runtime.block_on(HmiServer::bind(addr, hmi))?;
        Ok(HmiService {
            runtime,
            server: Some(server),
        })
    }

    pub fn url(&self) -> String {
        self.server.as_ref().map(HmiServer::url).unwrap_or_default()
    }
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(HmiServer::local_addr)
    }
    /// See [`HmiServer::token`].
    pub fn token(&self) -> Option<String> {
        self.server
            .as_ref()
            .and_then(|s| s.token().map(str::to_string))
    }
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// Stops the server (pages see the connection close and start reconnecting).
    pub fn stop(mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/ws", get(websocket))
        .route("/api/stats", get(stats))
        .fallback(get(asset))
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state)
}

async fn asset(uri: Uri) -> Response {
    match assets::get(uri.path()) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "no-store"),
                (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn stats(State(state): State<AppState>) -> Response {
    axum::Json(state.hmi.hub().stats()).into_response()
}

/// Whether a browser's `Origin` is this server itself (`http://<Host>`).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = origin.to_str().unwrap_or_default();
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

async fn websocket(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Response {
    if !same_origin(&headers) {
        tracing::warn!(%peer, "refused a cross-origin WebSocket from {:?}", headers.get(header::ORIGIN));
        return (StatusCode::FORBIDDEN, "cross-origin WebSocket refused").into_response();
    }
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| client_session(socket, peer, state))
}

/// Removes the client from the hub however its session ends.
struct Registered<'a>(&'a Hmi, u64);
impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.hub().unregister(self.1);
    }
}

async fn client_session(socket: WebSocket, peer: SocketAddr, state: AppState) {
    let hmi = state.hmi.clone();
    let camera = hmi.options().camera && peer.ip().is_loopback();
    let client = hmi.hub().register(peer, camera, |id| hmi.hello(id, camera));
    let _registered = Registered(&hmi, client.id);
    tracing::info!(client = client.id, %peer, camera, "HMI client connected");
    let mut shutdown = state.shutdown;
    // A stalled client may be stuck in a send; dropping the whole session is what ends it on shutdown.
    tokio::select! {
        _ = serve_client(socket, &hmi, &client) => {}
        _ = shutdown.wait_for(|s| *s) => {}
    }
    tracing::info!(client = client.id, %peer, "HMI client gone");
}

async fn serve_client(mut socket: WebSocket, hmi: &Hmi, client: &super::ClientQueue) {
    let mut stats = tokio::time::interval(hmi.options().stats_period);
    stats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = client.ready() => {
                // Let a burst gather so state values conflate and the page gets one batch.
                tokio::time::sleep(hmi.options().batch).await;
                for out in client.take() {
                    if socket.send(out.into()).await.is_err() {
                        return;
                    }
                }
            }
            _ = stats.tick() => {
                if socket.send(Message::text(hmi.stats_json(client))).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                let reply = match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(Message::Text(text))) => hmi.handle_request(client, text.as_str()),
                    Some(Ok(Message::Binary(_))) => {
                        client.count_rejected();
                        protocol::error_json("malformed", &protocol::ProtocolError::Binary.to_string(), None)
                    }
                    Some(Ok(_)) => continue, // ping/pong: answered by the socket itself
                };
                if socket.send(Message::text(reply)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_browsers_may_open_the_socket() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h), "tools send no Origin");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:7780"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:7780"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn a_token_is_needed_beyond_loopback_only_and_compared_whole() {
        let lo: SocketAddr = "127.0.0.1:7780".parse().expect("addr");
        assert!(token_for(lo).expect("token").is_none());
        let any: SocketAddr = "0.0.0.0:7780".parse().expect("addr");
        let t = token_for(any).expect("token").expect("needed");
        if std::env::var(TOKEN_ENV).is_err() {
            assert_eq!(t.len(), 32, "128 random bits in hex: {t}");
        }
        let copy: String = t.chars().collect();
        assert!(same_secret(&t, &copy));
        assert!(!same_secret(&t, &t[..t.len() - 1]));
        assert!(!same_secret("abcd", "abce"));
    }
}
