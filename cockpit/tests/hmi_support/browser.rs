//! Headless Chromium driven over WebDriver (Debian's `chromium` + `chromium-driver`, installed by
//! scripts/setup.sh) with fantoccini. Every wait has a timeout.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process and a browser session on it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session. A missing browser fails the
    /// test (scripts/setup.sh installs it, so its absence is a broken setup that a skip would hide);
    /// `None`, with a message, only when `CABIN_TESTS_WITHOUT_BROWSER=1` says a machine has none on purpose.
    pub async fn start() -> Option<Browser> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            let why = format!("{CHROMEDRIVER} or {CHROMIUM} is missing (scripts/setup.sh installs chromium and chromium-driver)");
            assert!(
                std::env::var("CABIN_TESTS_WITHOUT_BROWSER").is_ok_and(|v| v == "1"),
                "{why}; set CABIN_TESTS_WITHOUT_BROWSER=1 to skip the browser tests on purpose"
            );
            eprintln!("SKIPPED: {why}");
            return None;
        }
        let port = super::free_port();
        let log = super::artefact_dir().join(format!("chromedriver-{port}.log"));
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1600,1200".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) => {
                    assert!(
                        start.elapsed() < super::WAIT,
                        "no WebDriver session within {:?}: {e}",
                        super::WAIT
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Evaluates `expr` (a JavaScript expression) in the page.
    pub async fn eval(&self, expr: &str) -> Value {
        self.client
            .execute(&format!("return ({expr});"), vec![])
            .await
            .unwrap_or(Value::Null)
    }

    /// Polls `expr` until it is truthy; returns its value. Panics with `what` and the page's state on
    /// timeout.
    pub async fn wait_for(&self, what: &str, expr: &str, within: Duration) -> Value {
        let start = Instant::now();
        loop {
            let v = self.eval(expr).await;
            let truthy = !matches!(&v, Value::Null | Value::Bool(false))
                && v != json!(0)
                && v != json!("")
                && v.as_array().is_none_or(|a| !a.is_empty());
            if truthy {
                return v;
            }
            if start.elapsed() > within {
                let state = self.eval(PAGE_STATE).await;
                let _ = self
                    .screenshot(&format!("timeout-{}.png", what.replace(' ', "-")))
                    .await;
                panic!("timed out after {within:?} waiting for {what}; page state: {state:#}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn click(&self, testid: &str) {
        let sel = format!("[data-testid={testid}]");
        self.client
            .find(Locator::Css(&sel))
            .await
            .unwrap_or_else(|e| panic!("no {sel}: {e}"))
            .click()
            .await
            .expect("click");
    }

    /// Clicks Decline and waits until the page shows that the run confirmed the answer.
    pub async fn decline_and_wait_for_the_run(&self) {
        self.click("decline").await;
        self.wait_for(
            "the decline to reach the run",
            "(() => { const s = document.querySelector('[data-testid=suggestion-status]'); return s.dataset.state === 'decline' && s.dataset.confirmed === 'true'; })()",
            super::WAIT,
        )
        .await;
    }

    /// Saves a screenshot of the whole page under target/test-artefacts/ and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Grow the window until the viewport holds the whole page (the window has some chrome).
        for _ in 0..3 {
            let dims = self.eval("[document.documentElement.scrollHeight, window.innerHeight, window.outerHeight]").await;
            let n = |i: usize| dims[i].as_u64().unwrap_or(0) as u32;
            let (page, inner, outer) = (n(0), n(1), n(2));
            if page == 0 || inner >= page {
                break;
            }
            let _ = self
                .client
                .set_window_size(1600, (page + outer.saturating_sub(inner)).min(4000))
                .await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let png = self.client.screenshot().await.expect("screenshot");
        let path = super::artefact_dir().join(name);
        std::fs::write(&path, &png).expect("write screenshot");
        path
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// What the page shows, as JSON (for waits and for failure messages).
pub const PAGE_STATE: &str = r#"(() => {
  const q = (s) => document.querySelector(s);
  const all = (s) => [...document.querySelectorAll(s)];
  const sug = q('[data-testid=suggestion]');
  const status = q('[data-testid=suggestion-status]');
  return {
    connection: q('[data-testid=connection]').dataset.state,
    run: q('[data-testid=run-state]').dataset.state,
    sim_time: q('[data-testid=sim-time]').textContent,
    monitoring: q('[data-testid=monitoring]').dataset.status,
    kss: q('[data-testid=kss]').textContent,
    drowsiness: q('[data-testid=drowsiness-level]').dataset.level,
    heart_rate: q('[data-testid=heart-rate]').textContent,
    alerts: all('[data-testid=alert]').map(e => ({kind: e.dataset.kind, level: e.dataset.level})),
    alert_log: all('[data-testid=alert-log] li').map(e => ({kind: e.dataset.kind, level: e.dataset.level})),
    suggestion: { state: sug.dataset.state, id: sug.dataset.id, interest: sug.dataset.interest,
      text: q('[data-testid=suggestion-text]').textContent, status: status.dataset.state,
      confirmed: status.dataset.confirmed, error: q('[data-testid=suggestion-error]').textContent },
    suggestions: all('[data-testid=suggestion-item]').map(e => ({id: e.dataset.id, interest: e.dataset.interest, status: e.dataset.status})),
    route_points: (q('[data-testid=route-line]') || {getAttribute: () => ''}).getAttribute('points').split(' ').filter(Boolean).length,
    vehicle_marker: !!q('[data-testid=vehicle-marker]'),
    pois: all('[data-testid=poi]').length,
    transcript: all('[data-testid=transcript-item]').map(e => e.dataset.kind),
    decisions: all('[data-testid=transcript-item][data-kind=decision]').map(e => e.dataset.decision),
    camera: q('[data-testid=camera-status]').dataset.state,
    truth_rows: all('[data-testid=truth-row]').length,
    dropped: q('[data-testid=dropped]').textContent,
  };
})()"#;
