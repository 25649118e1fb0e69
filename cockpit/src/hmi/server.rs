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

use super::assets::{self, CONTENT_SECURITY_POLICY};
use super::protocol::{self, MAX_CLIENT_MESSAGE};
use super::{parse_addr, Hmi, HmiError, Result};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
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
}

/// A running server on the current tokio runtime.
pub struct HmiServer {
    local_addr: SocketAddr,
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
        let (stop, shutdown) = watch::channel(false);
        let app = router(AppState {
            hmi,
            shutdown: shutdown.clone(),
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
            stop,
            task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address to open in a browser (loopback when listening on every interface).
    pub fn url(&self) -> String {
        let mut a = self.local_addr;
        if a.ip().is_unspecified() {
            a.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{a}/")
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
    use axum::http::HeaderValue;

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
}
