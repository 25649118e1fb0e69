//! The `http` backend: any OpenAI-compatible chat-completions server (llama.cpp's `llama-server`,
//! Ollama, vLLM, a hosted API) with `ureq`.
//!
//! `https://` speaks TLS through rustls (ring provider), verifying the server against Mozilla's CA set
//! compiled in (webpki-roots: a vehicle image need not ship /etc/ssl, and nothing native is linked), or
//! against the one CA of `ca_file` for a server with a private CA (e.g. one made by `cabin certs`). The
//! API key never travels in clear: a key with a plain `http://` URL is refused unless the host is
//! loopback ([`check_url`], [`UrlRefusal`]). Redirects are not followed, so no downgrade either.
//!
//! Every attempt has a connect and a total timeout; connection failures, timeouts, 429 and 5xx are
//! retried (`retries` times, with a growing pause); other 4xx are not. The model gets two tools:
//! `search_poi` (answered with the one stop the policy chose — the model can look it up, not pick
//! another) and `propose_stop` (its `poi_id` must be the chosen one, else the answer is rejected).
//! Greedy (`temperature` 0); the reply is checked like any other text.

use super::facts::Proposal;
use super::{chat_messages, LanguageBackend, Phrase, PhraseRequest};
use crate::error::{AgentError, Result};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// Settings of the HTTP backend.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpConfig {
    /// The chat-completions endpoint, e.g. `http://127.0.0.1:8080/v1/chat/completions` or
    /// `https://llm.example.com/v1/chat/completions`.
    pub url: String,
    /// The `model` field sent.
    pub model: String,
    /// Sent as a bearer token when set (only over https, or plain http to loopback).
    pub api_key: Option<String>,
    /// Trust only this CA (PEM) for https instead of the built-in Mozilla set: a server with a private
    /// CA on the vehicle network.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Total time per attempt.
    pub timeout: Duration,
    /// Extra attempts after a failure that may pass (timeout, refused, 429, 5xx).
    pub retries: u32,
    /// Pause before the first retry (doubles each time).
    pub backoff: Duration,
    pub max_tokens: u32,
    /// Offer the tools `search_poi` and `propose_stop`.
    pub tools: bool,
    /// Most request/response rounds (tool calls) per sentence.
    pub max_rounds: usize,
}

impl HttpConfig {
    pub fn new(url: &str) -> Self {
        HttpConfig {
            url: url.to_string(),
            model: "default".into(),
            api_key: None,
            ca_file: None,
            connect_timeout: Duration::from_millis(500),
            timeout: Duration::from_secs(3),
            retries: 2,
            backoff: Duration::from_millis(200),
            max_tokens: 64,
            tools: true,
            max_rounds: 3,
        }
    }
}

fn fail(reason: impl std::fmt::Display) -> AgentError {
    AgentError::Language {
        backend: "http",
        reason: reason.to_string(),
    }
}

/// Why a URL is not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("url '{0}' is neither http:// nor https://")]
    Scheme(String),
    #[error("url '{0}' has no host")]
    NoHost(String),
    #[error("refusing to send the API key in clear to '{host}': use https:// (plain http only to loopback)")]
    KeyInClear { host: String },
}

/// Whether `host` (a name, an IPv4 or a bracketed IPv6 address) is this machine.
fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The host of `url` (`http://user@host:port/path` -> `host`, `http://[::1]:8080/` -> `[::1]`).
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if hostport.starts_with('[') {
        hostport
            .split_once(']')
            .map(|(h, _)| &hostport[..h.len() + 1])?
    } else {
        hostport.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// Checks that `url` may be used: http or https with a host, and no API key in clear beyond loopback.
/// Returns whether the connection is TLS.
pub fn check_url(url: &str, sends_key: bool) -> std::result::Result<bool, UrlRefusal> {
    let tls = if url.starts_with("https://") {
        true
    } else if url.starts_with("http://") {
        false
    } else {
        return Err(UrlRefusal::Scheme(url.to_string()));
    };
    let host = host_of(url).ok_or_else(|| UrlRefusal::NoHost(url.to_string()))?;
    if sends_key && !tls && !is_loopback(host) {
        return Err(UrlRefusal::KeyInClear {
            host: host.to_string(),
        });
    }
    Ok(tls)
}

/// The TLS settings: rustls; the `ca_file` CA alone, or the built-in Mozilla roots.
fn tls_config(config: &HttpConfig) -> Result<ureq::tls::TlsConfig> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
    let roots = match &config.ca_file {
        None => RootCerts::WebPki,
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| fail(format!("ca_file {}: {e}", path.display())))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => return Err(fail(format!("ca_file {}: {e}", path.display()))),
                }
            }
            if certs.is_empty() {
                return Err(fail(format!(
                    "ca_file {}: no certificate in it",
                    path.display()
                )));
            }
            let certs: Vec<Certificate<'static>> = certs;
            RootCerts::new_with_certs(&certs)
        }
    };
    Ok(TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(roots)
        .build())
}

/// The model's text, with the tools it called (if any) for the decision log.
fn phrase_with_tools(text: &str, used: &[String]) -> Phrase {
    Phrase {
        text: text.to_string(),
        note: if used.is_empty() {
            String::new()
        } else {
            format!("tools: {}", used.join(", "))
        },
    }
}

/// The tool definitions offered to the model.
pub fn tool_definitions() -> Value {
    json!([
        {"type": "function", "function": {
            "name": "search_poi",
            "description": "Look up the stop proposed by the car for a category of place.",
            "parameters": {"type": "object", "properties": {
                "category": {"type": "string", "description": "coffee, food, fuel, charging, toilet, rest"},
                "max_detour_min": {"type": "number"}
            }, "required": ["category"]}
        }},
        {"type": "function", "function": {
            "name": "propose_stop",
            "description": "Propose the stop to the driver with one short sentence.",
            "parameters": {"type": "object", "properties": {
                "poi_id": {"type": "integer"},
                "text": {"type": "string", "description": "the sentence spoken to the driver"}
            }, "required": ["poi_id", "text"]}
        }}
    ])
}

/// An OpenAI-compatible chat client. See the module docs.
pub struct HttpBackend {
    config: HttpConfig,
    agent: ureq::Agent,
}

enum Attempt {
    Retry(String),
    Fatal(String),
}

impl HttpBackend {
    pub fn new(config: HttpConfig) -> Result<Self> {
        check_url(&config.url, config.api_key.is_some()).map_err(fail)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls_config(&config)?)
            .https_only(config.url.starts_with("https://"))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(HttpBackend { config, agent })
    }

    fn post_once(&self, body: &str) -> std::result::Result<Value, Attempt> {
        let mut req = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "application/json");
        if let Some(k) = &self.config.api_key {
            req = req.header("Authorization", &format!("Bearer {k}"));
        }
        let mut resp = req.send(body).map_err(|e| match e {
            ureq::Error::Timeout(_) | ureq::Error::Io(_) | ureq::Error::ConnectionFailed => {
                Attempt::Retry(e.to_string())
            }
            other => Attempt::Fatal(other.to_string()),
        })?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .map_err(|e| Attempt::Retry(format!("reading the reply: {e}")))?;
        if status == 429 || status >= 500 {
            return Err(Attempt::Retry(format!("HTTP {status}")));
        }
        if status != 200 {
            let head: String = text.chars().take(200).collect();
            return Err(Attempt::Fatal(format!("HTTP {status}: {head}")));
        }
        serde_json::from_str(&text).map_err(|e| Attempt::Fatal(format!("reply is not JSON: {e}")))
    }

    /// POSTs with retries; returns the parsed reply.
    fn post(&self, body: &Value) -> Result<Value> {
        let body = body.to_string();
        let mut pause = self.config.backoff;
        let mut last = String::new();
        for attempt in 0..=self.config.retries {
            match self.post_once(&body) {
                Ok(v) => return Ok(v),
                Err(Attempt::Fatal(e)) => return Err(fail(e)),
                Err(Attempt::Retry(e)) => {
                    tracing::warn!(attempt, url = %self.config.url, "language server: {e}");
                    last = e;
                    if attempt < self.config.retries {
                        std::thread::sleep(pause);
                        pause *= 2;
                    }
                }
            }
        }
        Err(fail(format!(
            "no answer after {} attempts: {last}",
            self.config.retries + 1
        )))
    }

    fn search_result(req: &PhraseRequest) -> Value {
        match &req.proposal {
            Proposal::Stop {
                poi_id,
                name,
                category,
                distance_km,
                detour_min,
                ..
            } => json!([{
                "poi_id": poi_id,
                "name": name,
                "category": crate::interests::category_name(*category),
                "distance_km": distance_km,
                "detour_min": detour_min,
                "open_on_arrival": true
            }]),
            Proposal::Cabin { .. } => json!([]),
        }
    }
}

impl LanguageBackend for HttpBackend {
    fn name(&self) -> &'static str {
        "http"
    }

    fn phrase(&mut self, request: &PhraseRequest) -> Result<Phrase> {
        let is_stop = matches!(request.proposal, Proposal::Stop { .. });
        let tools = self.config.tools && is_stop;
        let mut messages: Vec<Value> = chat_messages(request)
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        let mut used = Vec::new();
        for _round in 0..self.config.max_rounds.max(1) {
            let mut body = json!({
                "model": self.config.model,
                "messages": messages,
                "temperature": 0,
                "max_tokens": self.config.max_tokens,
                "stream": false,
            });
            if tools {
                body["tools"] = tool_definitions();
                body["tool_choice"] = json!("auto");
            }
            let reply = self.post(&body)?;
            let message = reply
                .pointer("/choices/0/message")
                .cloned()
                .ok_or_else(|| fail("reply has no choices[0].message"))?;
            let calls = message
                .get("tool_calls")
                .and_then(|c| c.as_array())
                .cloned()
                .unwrap_or_default();
            if calls.is_empty() {
                let text = message
                    .get("content")
                    .and_then(|c| c.as_str())
                    .ok_or_else(|| fail("reply has neither content nor tool calls"))?;
                return Ok(phrase_with_tools(text, &used));
            }
            messages.push(message.clone());
            for call in &calls {
                let id = call.get("id").and_then(|v| v.as_str()).unwrap_or("call");
                let name = call
                    .pointer("/function/name")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let args: Value = call
                    .pointer("/function/arguments")
                    .and_then(|v| v.as_str())
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or(Value::Null);
                used.push(name.to_string());
                match name {
                    "search_poi" => messages.push(json!({
                        "role": "tool",
                        "tool_call_id": id,
                        "content": Self::search_result(request).to_string(),
                    })),
                    "propose_stop" => {
                        let chosen = match &request.proposal {
                            Proposal::Stop { poi_id, .. } => *poi_id,
                            Proposal::Cabin { .. } => {
                                return Err(fail("propose_stop for a cabin action"))
                            }
                        };
                        let poi = args.get("poi_id").and_then(|v| v.as_u64());
                        if poi != Some(chosen) {
                            return Err(AgentError::Rejected(format!(
                                "the model proposed POI {poi:?}, not the chosen {chosen}"
                            )));
                        }
                        let text = args
                            .get("text")
                            .and_then(|v| v.as_str())
                            .ok_or_else(|| fail("propose_stop without text"))?;
                        return Ok(phrase_with_tools(text, &used));
                    }
                    other => return Err(fail(format!("unknown tool '{other}'"))),
                }
            }
        }
        Err(fail(format!(
            "no sentence after {} rounds of tool calls",
            self.config.max_rounds
        )))
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn the_api_key_goes_in_clear_only_to_loopback() {
        for url in [
            "http://127.0.0.1:8080/v1/chat/completions",
            "http://localhost/v1",
            "http://[::1]:8080/v1",
            "https://llm.example.com/v1/chat/completions",
            "https://192.168.1.20/v1",
        ] {
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert_eq!(
            check_url("http://192.168.1.20:8080/v1/chat/completions", true),
            Err(UrlRefusal::KeyInClear {
                host: "192.168.1.20".into()
            })
        );
        assert!(matches!(
            check_url("http://user@llm.example.com/v1", true),
            Err(UrlRefusal::KeyInClear { .. })
        ));
        assert!(matches!(
            check_url("http://localhost.evil.example/v1", true),
            Err(UrlRefusal::KeyInClear { .. })
        ));
        assert_eq!(check_url("http://192.168.1.20:8080/v1", false), Ok(false));
        assert!(matches!(
            check_url("ftp://x/", false),
            Err(UrlRefusal::Scheme(_))
        ));
        assert!(matches!(
            check_url("http:///v1", false),
            Err(UrlRefusal::NoHost(_))
        ));
        let mut c = HttpConfig::new("http://10.0.0.7:8080/v1/chat/completions");
        c.api_key = Some("sk-secret".into());
        let e = HttpBackend::new(c).err().expect("refused");
        assert!(e.to_string().contains("in clear"), "{e}");
    }
}
