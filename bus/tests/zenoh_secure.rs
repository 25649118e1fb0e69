//! The secured bus on loopback with real zenoh sessions: TLS with mutual authentication and the
//! deployment's access-control table (see docs/SECURITY.md). Certificates come from the same code as
//! `cabin certs`. Every test first proves that an authorised peer's message arrives, so a dead link
//! cannot pass for a refusal; every wait polls with a timeout.

use cabin_bus::security::{certs, AccessControl, TlsConfig};
use cabin_bus::{
    codec, fixtures, SimTime, Subscription, TopicId, Transport, ZenohConfig, ZenohTransport,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zenoh::Wait;

const VEHICLE: &str = "sectest";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A development CA with certificates for the roles of the default table.
fn pki() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let roles: Vec<String> = ["hmi", "dms", "cockpit", "sim"].map(String::from).into();
    certs::write_dir(dir.path(), &roles, &[], false).expect("certificates");
    dir
}

/// A TLS peer of `role`, enforcing the default access-control table.
fn secured(pki: &tempfile::TempDir, role: &str, port: u16, peers: &[u16]) -> ZenohConfig {
    ZenohConfig {
        access_control: Some(AccessControl::cabin_default()),
        ..ZenohConfig::loopback_tls(port, peers, TlsConfig::from_dir(pki.path(), role))
    }
}

fn open(config: &ZenohConfig) -> Arc<ZenohTransport> {
    Arc::new(ZenohTransport::open(VEHICLE, config).expect("zenoh session"))
}

/// A sample of `topic` whose header names `source` (the marker the assertions look for).
fn sample(topic: TopicId, source: &str) -> Arc<cabin_bus::Sample> {
    let s = fixtures::every_sample(source, SimTime::from_millis(100))
        .into_iter()
        .find(|s| s.topic == topic)
        .expect("a fixture for every topic");
    Arc::new(s)
}

/// Publishes `source`'s sample on `topic` from `t` until `sub` receives it (declarations and links
/// come up asynchronously); returns everything `sub` received meanwhile.
fn until_received(
    t: &ZenohTransport,
    topic: TopicId,
    source: &str,
    sub: &Subscription,
) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        t.publish(sample(topic, source)).expect("publish");
        while let Some(s) = sub.recv_timeout(Duration::from_millis(100)) {
            seen.push(s.header.source.as_str().to_string());
            if seen.last().map(String::as_str) == Some(source) {
                return seen;
            }
        }
    }
    panic!("{source}'s {topic} never arrived over TLS");
}

fn drain(sub: &Subscription) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some(s) = sub.try_recv() {
        seen.push(s.header.source.as_str().to_string());
    }
    seen
}

/// What the cockpit ECU (subscribed to responses and alerts, enforcing access control when `acl`)
/// receives from the HMI, the DMS and an intruder holding a valid `cockpit` certificate, after each
/// has sent its authorised message and forgeries: (response sources, alert sources).
fn wrong_role_forgeries(acl: bool) -> (Vec<String>, Vec<String>) {
    let pki = pki();
    let port = free_port();
    let mut config = secured(&pki, "cockpit", port, &[]);
    if !acl {
        config.access_control = None;
    }
    let cockpit = open(&config);
    let responses = cockpit
        .subscribe(TopicId::Response, "agent", TopicId::Response.info().policy)
        .expect("subscribe");
    let alerts = cockpit
        .subscribe(TopicId::Alert, "agent", TopicId::Alert.info().policy)
        .expect("subscribe");
    let hmi = open(&secured(&pki, "hmi", free_port(), &[port]));
    let dms = open(&secured(&pki, "dms", free_port(), &[port]));
    // An intruder with a valid certificate for the wrong role (and no access control of its own).
    let intruder = open(&ZenohConfig::loopback_tls(
        free_port(),
        &[port],
        TlsConfig::from_dir(pki.path(), "cockpit"),
    ));
    let suggestions = cockpit
        .subscribe(
            TopicId::Suggestion,
            "probe",
            TopicId::Suggestion.info().policy,
        )
        .expect("subscribe");

    // Authorised: the HMI's response and the DMS's alert arrive.
    until_received(&hmi, TopicId::Response, "hmi-ok", &responses);
    until_received(&dms, TopicId::Alert, "dms-ok", &alerts);
    // The intruder is connected and may publish what its role publishes (agent/suggestion) ...
    until_received(&intruder, TopicId::Suggestion, "intruder-ok", &suggestions);

    // ... but not a response nor an alert; nor may the HMI raise an alert or the DMS answer.
    for _ in 0..5 {
        intruder
            .publish(sample(TopicId::Response, "forged-response"))
            .expect("publish");
        intruder
            .publish(sample(TopicId::Alert, "forged-alert"))
            .expect("publish");
        hmi.publish(sample(TopicId::Alert, "hmi-alert"))
            .expect("publish");
        dms.publish(sample(TopicId::Response, "dms-response"))
            .expect("publish");
    }
    // Markers sent after the forgeries on the same links, at the same or lower priority: once they
    // are in, anything the links let through before them is in too.
    until_received(
        &intruder,
        TopicId::Suggestion,
        "intruder-done",
        &suggestions,
    );
    let mut got_responses = until_received(&hmi, TopicId::Response, "hmi-done", &responses);
    let mut got_alerts = until_received(&dms, TopicId::Alert, "dms-done", &alerts);
    got_responses.extend(drain(&responses));
    got_alerts.extend(drain(&alerts));
    let failures = cockpit
        .decode_failures()
        .count
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(failures, 0);
    (got_responses, got_alerts)
}

#[test]
fn only_the_right_role_may_publish_a_response_or_an_alert() {
    let (got_responses, got_alerts) = wrong_role_forgeries(true);
    for forged in ["forged-response", "dms-response"] {
        assert!(
            !got_responses.iter().any(|s| s == forged),
            "{forged} was accepted: {got_responses:?}"
        );
    }
    for forged in ["forged-alert", "hmi-alert"] {
        assert!(
            !got_alerts.iter().any(|s| s == forged),
            "{forged} was accepted: {got_alerts:?}"
        );
    }
}

/// The control: without access control the same forgeries do arrive, so the test above shows the
/// table at work, not forgeries that were never sent.
#[test]
fn without_access_control_a_wrong_role_injects() {
    let (got_responses, got_alerts) = wrong_role_forgeries(false);
    assert!(
        got_responses.iter().any(|s| s == "forged-response"),
        "{got_responses:?}"
    );
    assert!(
        got_alerts.iter().any(|s| s == "forged-alert"),
        "{got_alerts:?}"
    );
}

#[test]
fn a_peer_without_a_certificate_cannot_connect_or_inject() {
    let pki = pki();
    let port = free_port();
    let cockpit = open(&secured(&pki, "cockpit", port, &[]));
    let responses = cockpit
        .subscribe(TopicId::Response, "agent", TopicId::Response.info().policy)
        .expect("subscribe");
    let hmi = open(&secured(&pki, "hmi", free_port(), &[port]));
    until_received(&hmi, TopicId::Response, "hmi-ok", &responses);

    let key = TopicId::Response.key_expr(VEHICLE);
    let forged = codec::encode(&sample(TopicId::Response, "forged")).expect("encodes");
    // Plain TCP to the TLS listener, and TLS that trusts the CA but has no client certificate.
    let ca = pki.path().join(certs::CA_CERT_FILE).display().to_string();
    let attempts = [
        format!("{{ mode: 'peer', connect: {{ endpoints: ['tcp/127.0.0.1:{port}'] }}, scouting: {{ multicast: {{ enabled: false }} }} }}"),
        format!("{{ mode: 'peer', connect: {{ endpoints: ['tls/127.0.0.1:{port}'] }}, scouting: {{ multicast: {{ enabled: false }} }}, transport: {{ link: {{ tls: {{ root_ca_certificate: '{ca}' }} }} }} }}"),
    ];
    for json in attempts {
        let config = zenoh::Config::from_json5(&json).expect("attacker config");
        let attacker = zenoh::open(config).wait().expect("attacker session");
        let deadline = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < deadline {
            attacker.put(&key, forged.clone()).wait().expect("put");
            assert!(
                responses.recv_timeout(Duration::from_millis(50)).is_none(),
                "a certless peer injected a response ({json})"
            );
        }
        assert_eq!(
            attacker.info().peers_zid().wait().count(),
            0,
            "a certless peer was let in ({json})"
        );
        attacker.close().wait().expect("close");
    }
    // The authorised link still works after the attempts.
    until_received(&hmi, TopicId::Response, "hmi-after", &responses);
}

#[test]
fn raw_camera_frames_are_refused_by_the_acl_even_when_exported() {
    let pki = pki();
    let port = free_port();
    // Both ends export host-local topics (a misconfiguration); the table names no raw topic, so the
    // receiver's access control still drops the frames.
    let mut rx = secured(&pki, "dms", port, &[]);
    rx.export_host_local = true;
    let dms = open(&rx);
    let mut tx = secured(&pki, "sim", free_port(), &[port]);
    tx.export_host_local = true;
    let sim = open(&tx);
    let frames = dms
        .subscribe(TopicId::Camera, "face", TopicId::Camera.info().policy)
        .expect("subscribe");
    let ecg = dms
        .subscribe(TopicId::Ecg, "biometrics", TopicId::Ecg.info().policy)
        .expect("subscribe");
    until_received(&sim, TopicId::Ecg, "sim-ok", &ecg);
    for _ in 0..5 {
        sim.publish(sample(TopicId::Camera, "raw-frame"))
            .expect("publish");
    }
    until_received(&sim, TopicId::Ecg, "sim-done", &ecg);
    assert!(
        frames.recv_timeout(Duration::from_millis(200)).is_none(),
        "a raw camera frame crossed the network"
    );
}
