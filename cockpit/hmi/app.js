// cabin cockpit HMI: one WebSocket to the server, a model of what the bus said, and a render of it.
// Text from the bus (utterances, the agent's phrasing) is untrusted: it only ever goes into textContent.
"use strict";

const KSS_LABELS = [
  "", "Extremely alert", "Very alert", "Alert", "Rather alert", "Neither alert nor sleepy",
  "Some signs of sleepiness", "Sleepy, no effort to stay awake", "Sleepy, some effort to stay awake",
  "Very sleepy, fighting sleep",
];
const ALERT_LEVELS = ["cleared", "info", "warning", "critical"];
const MAX_TRANSCRIPT = 300;
const MAX_LOG = 200;

const $ = (id) => document.getElementById(id);
const el = (tag, attrs, ...children) => {
  const e = tag.startsWith("svg:") ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
};
const fmtTime = (t) => {
  if (t === null || t === undefined || !isFinite(t)) return "--:--.-";
  const m = Math.floor(t / 60), s = t - m * 60;
  return String(m).padStart(2, "0") + ":" + s.toFixed(1).padStart(4, "0");
};
// Enums arrive as serde writes them: a unit variant as "name", a struct variant as {"name": {fields}}.
const variant = (v) => {
  if (typeof v === "string") return [v, {}];
  if (v && typeof v === "object") {
    const k = Object.keys(v)[0];
    return k === undefined ? [null, {}] : [k, v[k] || {}];
  }
  return [null, {}];
};
const fmt = (x, d) => (x === null || x === undefined || !isFinite(x)) ? "–" : Number(x).toFixed(d);
const words = (s) => String(s || "").replace(/_/g, " ");

// ---------------------------------------------------------------- model
let S;
function resetModel() {
  S = {
    hello: null, t: null, run: null, driver: null, heart: {}, alerts: new Map(), alertLog: [],
    vehicle: null, route: null, pois: null, env: null, interests: null, face: null, truth: null,
    suggestions: [], answers: new Map(), pending: new Map(), errors: new Map(),
    transcript: [], stats: null, diagnostics: null, camera: null, cameraAt: null,
  };
}
resetModel();

function onSample(m) {
  if (typeof m.t === "number") S.t = S.t === null ? m.t : Math.max(S.t, m.t);
  const msg = m.msg;
  switch (m.topic) {
    case "perception/driver_state": S.driver = msg; break;
    case "perception/heart": S.heart[msg.kind] = msg; break;
    case "perception/face": S.face = msg; break;
    case "sim/ground_truth": S.truth = msg; break;
    case "vehicle/state": S.vehicle = msg; break;
    case "vehicle/environment": S.env = msg; break;
    case "map/route": S.route = msg; break;
    case "map/pois": S.pois = msg; break;
    case "agent/interests": S.interests = msg; break;
    case "perception/alert": onAlert(m.t, msg); break;
    case "agent/utterance":
      pushTranscript({ kind: "utterance", t: m.t, who: words(msg.speaker), text: msg.text,
        why: msg.source === "speech_to_text" ? "heard" : "scripted" });
      break;
    case "agent/decision":
      if (msg.decision === "no_answer") expireSuggestion(msg);
      pushTranscript({ kind: "decision", t: m.t, who: "agent · " + words(msg.decision), text: msg.reason,
        decision: msg.decision });
      break;
    case "agent/suggestion": {
      // a streamed suggestion comes twice under one id: its first words, then the whole text
      const known = S.suggestions.find((s) => s.id === msg.id);
      if (known) {
        known.text = msg.text;
        known.phrased_by = msg.phrased_by;
        const line = S.transcript.find((x) => x.kind === "suggestion" && x.id === msg.id);
        if (line) line.text = msg.text;
        break;
      }
      S.suggestions.push({ ...msg, t: m.t });
      pushTranscript({ kind: "suggestion", t: m.t, who: "agent proposes", text: msg.text, why: msg.reason, id: msg.id });
      break;
    }
    case "hmi/response":
      S.answers.set(msg.suggestion_id, { answer: msg.answer, confirmed: true, src: m.src });
      S.pending.delete(msg.suggestion_id);
      pushTranscript({ kind: "response", t: m.t, who: "driver",
        text: (msg.answer === "accept" ? "accepted" : "declined") + " suggestion #" + msg.suggestion_id, id: msg.suggestion_id });
      break;
  }
}

// The agent stopped waiting for an answer: the newest unanswered suggestion of that interest expires.
function expireSuggestion(d) {
  const open = S.suggestions.filter((s) => !S.answers.has(s.id) && !s.expired);
  const match = open.filter((s) => !d.interest || s.interest === d.interest).pop() || open.pop();
  if (match) match.expired = true;
}

function onAlert(t, a) {
  const prev = S.alerts.get(a.kind);
  S.alertLog.push({ t, kind: a.kind, level: a.level, reason: a.reason });
  if (S.alertLog.length > MAX_LOG) S.alertLog.shift();
  if (a.level === "cleared") {
    S.alerts.delete(a.kind);
  } else {
    const steps = prev ? prev.steps.concat([{ t, level: a.level }]) : [{ t, level: a.level }];
    S.alerts.set(a.kind, { kind: a.kind, level: a.level, reason: a.reason, since: prev ? prev.since : t, steps });
  }
}

function pushTranscript(item) {
  S.transcript.push(item);
  if (S.transcript.length > MAX_TRANSCRIPT) S.transcript.shift();
}

// ---------------------------------------------------------------- connection
let ws = null;
let backoff = 500;
let connState = "connecting";

function connect() {
  setConn("connecting");
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  let sock;
  try {
    sock = new WebSocket(url);
  } catch (e) {
    retry();
    return;
  }
  sock.binaryType = "arraybuffer";
  ws = sock;
  sock.onopen = () => { backoff = 500; };
  sock.onmessage = (ev) => {
    if (typeof ev.data !== "string") { onCamera(ev.data); return; }
    let m;
    try { m = JSON.parse(ev.data); } catch (e) { console.warn("bad frame", e); return; }
    onMessage(m);
    scheduleRender();
  };
  sock.onclose = () => {
    if (ws === sock) { ws = null; setConn("disconnected"); retry(); }
  };
  sock.onerror = () => { /* onclose follows */ };
}

function retry() {
  const wait = backoff;
  backoff = Math.min(backoff * 2, 5000);
  setTimeout(connect, wait);
}

function setConn(state) {
  connState = state;
  const c = $("connection");
  c.dataset.state = state;
  c.textContent = state === "connected" ? "connected" : state === "connecting" ? "connecting…" : "disconnected — reconnecting";
}

function onMessage(m) {
  switch (m.type) {
    case "hello":
      // A new connection (maybe to a restarted server): start from its replay.
      resetModel();
      S.hello = m;
      setConn("connected");
      break;
    case "sample": onSample(m); break;
    case "stats": S.stats = m; break;
    case "diagnostics": S.diagnostics = m; break;
    case "run": S.run = m; if (typeof m.t === "number") S.t = Math.max(S.t || 0, m.t); break;
    case "ack":
      S.pending.delete(m.suggestion_id);
      S.errors.delete(m.suggestion_id);
      if (!S.answers.has(m.suggestion_id)) S.answers.set(m.suggestion_id, { answer: m.answer, confirmed: false });
      break;
    case "error": {
      const id = [...S.pending.keys()].pop();
      if (id !== undefined) { S.pending.delete(id); S.errors.set(id, m.error); }
      console.warn("server refused a request:", m.error);
      break;
    }
  }
}

function respond(answer) {
  const s = currentSuggestion();
  if (!s || S.answers.has(s.id) || S.pending.has(s.id)) return;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    S.errors.set(s.id, "not connected to the cockpit; try again when connected");
    scheduleRender();
    return;
  }
  S.pending.set(s.id, answer);
  S.errors.delete(s.id);
  ws.send(JSON.stringify({ type: "respond", suggestion_id: s.id, answer }));
  scheduleRender();
}

// ---------------------------------------------------------------- camera
const camOff = document.createElement("canvas");
function onCamera(buf) {
  const dv = new DataView(buf);
  if (buf.byteLength < 28 || String.fromCharCode(dv.getUint8(0), dv.getUint8(1), dv.getUint8(2), dv.getUint8(3)) !== "CAM1") return;
  const w = dv.getUint16(4, true), h = dv.getUint16(6, true);
  const sw = dv.getUint16(8, true), sh = dv.getUint16(10, true);
  const px = new Uint8Array(buf, 28);
  if (px.length !== w * h) return;
  camOff.width = w; camOff.height = h;
  const ctx = camOff.getContext("2d");
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = px[i];
    img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  S.camera = { w, h, sw, sh, seq: Number(dv.getBigUint64(12, true)), t: dv.getFloat64(20, true) };
  S.cameraAt = performance.now();
  scheduleRender();
}

// ---------------------------------------------------------------- render
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; render(); }, 80);
}

function render() {
  const h = S.hello;
  $("vehicle").textContent = h ? "vehicle " + h.vehicle : "vehicle —";
  $("mode").textContent = h ? (h.mode === "run" ? "in-process run" : "joined over zenoh") : "—";
  $("sim-time").textContent = fmtTime(S.t);
  const rs = S.run ? S.run.state : "unknown";
  $("run-state").dataset.state = rs;
  $("run-state").textContent = rs === "ended" ? "run ended" : rs === "unknown" ? "—" : rs;
  renderDriver();
  renderAlerts();
  renderSuggestion();
  renderMap();
  renderCamera();
  renderTruth();
  renderTranscript();
  renderDiagnostics();
}

function kssLevel(kss) {
  if (kss >= 8) return ["very_drowsy", "very drowsy"];
  if (kss >= 6) return ["drowsy", "drowsy"];
  return ["awake", "awake"];
}

function renderDriver() {
  const d = S.driver;
  const mon = $("monitoring");
  if (!d) { mon.dataset.status = "none"; mon.textContent = "no data yet"; return; }
  const [status, m] = variant(d.monitoring);
  mon.dataset.status = status || "none";
  mon.textContent = status === "available" ? "available"
    : status === "calibrating" ? "calibrating " + Math.round((m.progress || 0) * 100) + "%"
    : status === "unavailable" ? "unavailable: " + (m.reason || "") : "—";

  const dist = d.distraction || {};
  const att = $("attention");
  let state = "on_road", text = "eyes on the road";
  if (dist.phone_use) { state = "phone"; text = "phone use"; }
  else if (dist.long_distraction) { state = "distracted"; text = "long distraction"; }
  else if (dist.visual_time_sharing) { state = "distracted"; text = "glancing away repeatedly"; }
  else if (dist.eyes_off_road_s > 0.5) { state = "distracted"; text = "eyes off road " + fmt(dist.eyes_off_road_s, 1) + " s"; }
  if (status === "unavailable") { state = "unknown"; text = "cannot tell"; }
  att.dataset.state = state;
  att.textContent = text;
  const zone = S.face && S.face.face ? words(S.face.face.gaze_zone) : "–";
  $("attention-detail").textContent = "gaze " + zone + " · off road " + fmt(dist.eyes_off_road_s, 1) +
    " s · away in last 30 s " + fmt(dist.away_in_window_s, 1) + " s" + (d.unresponsive ? " · UNRESPONSIVE" : "");

  const dr = d.drowsiness || {};
  const kss = Number(dr.kss);
  $("kss").textContent = fmt(kss, 1);
  const k = Math.max(1, Math.min(9, Math.round(kss || 1)));
  const [lvl, lvlText] = kssLevel(k);
  const dl = $("drowsiness-level");
  dl.dataset.level = isFinite(kss) ? lvl : "none";
  dl.textContent = isFinite(kss) ? lvlText + " — " + KSS_LABELS[k] : "—";
  for (const li of $("kss-scale").children) {
    const v = Number(li.dataset.kss);
    li.classList.toggle("on", v <= k);
    li.classList.toggle("current", v === k);
  }
  $("drowsiness-detail").textContent = "PERCLOS " + fmt((dr.perclos || 0) * 100, 0) + "% · blinks " +
    fmt(dr.blinks_per_min, 0) + "/min · mean blink " + fmt(dr.mean_blink_ms, 0) + " ms · microsleeps " + (dr.microsleeps ?? "–");

  $("heart-rate").textContent = fmt(d.heart_rate_bpm, 0);
  const parts = ["HRV (RMSSD) " + fmt(d.hrv_rmssd_ms, 0) + " ms"];
  for (const [kind, hs] of Object.entries(S.heart)) {
    parts.push(kind.toUpperCase() + " quality " + fmt(hs.quality, 2) + (hs.flags && hs.flags.length ? " (" + hs.flags.map(words).join(", ") + ")" : ""));
  }
  $("heart-detail").textContent = parts.join(" · ");
}

function renderAlerts() {
  const box = $("alerts");
  box.replaceChildren();
  const active = [...S.alerts.values()].sort((a, b) => ALERT_LEVELS.indexOf(b.level) - ALERT_LEVELS.indexOf(a.level));
  if (!active.length) box.appendChild(el("div", { class: "empty dim" }, "No active alert"));
  for (const a of active) {
    const steps = el("div", { class: "steps" });
    a.steps.forEach((s, i) => {
      if (i) steps.appendChild(document.createTextNode(" → "));
      steps.appendChild(el("span", { class: "step-" + s.level }, s.level + " " + fmtTime(s.t)));
    });
    box.appendChild(el("div", { class: "alert", "data-testid": "alert", "data-kind": a.kind, "data-level": a.level },
      el("div", {}, el("span", { class: "kind" }, words(a.kind)), " · " + a.level),
      el("div", { class: "sub" }, a.reason), steps));
  }
  const log = $("alert-log");
  log.replaceChildren(...S.alertLog.slice(-60).reverse().map((e) =>
    el("li", { "data-kind": e.kind, "data-level": e.level }, el("span", { class: "t" }, fmtTime(e.t)),
      words(e.kind) + " " + e.level + " — " + e.reason)));
}

function currentSuggestion() {
  return S.suggestions.length ? S.suggestions[S.suggestions.length - 1] : null;
}

function suggestionStatus(s) {
  const a = S.answers.get(s.id);
  if (a) return { state: a.answer, confirmed: !!a.confirmed };
  if (S.pending.has(s.id)) return { state: "sending", confirmed: false };
  if (s.expired) return { state: "expired", confirmed: false };
  if (S.run && S.run.state === "ended") return { state: "run_ended", confirmed: false };
  return { state: "pending", confirmed: false };
}

function renderSuggestion() {
  const s = currentSuggestion();
  const panel = $("suggestion");
  $("suggestion-empty").hidden = !!s;
  $("suggestion-card").hidden = !s;
  if (s) {
    const st = suggestionStatus(s);
    panel.dataset.state = st.state;
    panel.dataset.id = s.id;
    panel.dataset.interest = s.interest;
    $("suggestion-text").textContent = s.text;
    const facts = [];
    const [kind, act] = variant(s.action);
    if (kind === "stop" && act.poi) {
      facts.push(act.poi.name + " (" + words(act.poi.category) + ")");
      facts.push(fmt(act.distance_m / 1000, 1) + " km ahead");
      facts.push("+" + fmt(act.detour_s / 60, 1) + " min detour");
    } else if (kind === "cabin") {
      facts.push("cabin: " + words(act.action));
    }
    facts.push("phrased by " + s.phrased_by);
    facts.push("#" + s.id + " at " + fmtTime(s.t));
    $("suggestion-facts").replaceChildren(...facts.map((f) => el("span", {}, f)));
    $("suggestion-reason").textContent = /^why\b/i.test(s.reason) ? s.reason : "Why: " + s.reason;
    const answered = st.state !== "pending";
    $("accept").disabled = answered;
    $("decline").disabled = answered;
    const status = $("suggestion-status");
    status.dataset.state = st.state;
    status.dataset.confirmed = String(st.confirmed);
    status.dataset.id = s.id;
    status.textContent = st.state === "pending" ? "Waiting for the driver's answer"
      : st.state === "sending" ? "Sending…"
      : st.state === "expired" ? "No answer given; the agent stopped waiting"
      : st.state === "run_ended" ? "Not answered before the run ended"
      : (st.state === "accept" ? "Accepted" : "Declined — the agent will not propose it again") +
        (st.confirmed ? " (received by the agent's bus)" : " (sent)");
    const err = S.errors.get(s.id);
    $("suggestion-error").hidden = !err;
    $("suggestion-error").textContent = err || "";
  } else {
    panel.dataset.state = "none";
  }
  $("suggestion-history").replaceChildren(...S.suggestions.slice().reverse().map((x) => {
    const st = suggestionStatus(x);
    return el("li", { "data-testid": "suggestion-item", "data-id": x.id, "data-interest": x.interest, "data-status": st.state },
      el("span", { class: "t" }, fmtTime(x.t)), "#" + x.id + " " + x.text + " — " + st.state);
  }));
}

function renderMap() {
  const svg = $("route-map");
  const route = S.route, pois = (S.pois && S.pois.pois) || [], v = S.vehicle;
  if (!route || !route.polyline || route.polyline.length < 2) return;
  const W = 600, H = 360, pad = 24;
  const pts = route.polyline.concat(pois.map((p) => p.position), v ? [v.position] : []);
  const lat0 = pts.reduce((a, p) => a + p.lat, 0) / pts.length;
  const kx = Math.cos(lat0 * Math.PI / 180);
  const xy = (p) => [p.lon * kx, -p.lat];
  const xs = pts.map((p) => xy(p)[0]), ys = pts.map((p) => xy(p)[1]);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const scale = Math.min((W - 2 * pad) / Math.max(maxX - minX, 1e-9), (H - 2 * pad) / Math.max(maxY - minY, 1e-9));
  const ox = (W - (maxX - minX) * scale) / 2, oy = (H - (maxY - minY) * scale) / 2;
  const P = (p) => { const [x, y] = xy(p); return [ox + (x - minX) * scale, oy + (y - minY) * scale]; };
  const line = route.polyline.map((p) => P(p).map((c) => c.toFixed(1)).join(",")).join(" ");
  const kids = [el("svg:polyline", { class: "route-line", "data-testid": "route-line", points: line })];
  // The driven part, up to the vehicle's progress along the route.
  if (v && route.length_m > 0) {
    const done = [];
    let acc = 0;
    const poly = route.polyline;
    done.push(P(poly[0]));
    for (let i = 1; i < poly.length; i++) {
      const d = geoDist(poly[i - 1], poly[i]);
      if (acc + d >= v.route_progress_m) {
        const f = d > 0 ? (v.route_progress_m - acc) / d : 0;
        done.push(P({ lat: poly[i - 1].lat + f * (poly[i].lat - poly[i - 1].lat), lon: poly[i - 1].lon + f * (poly[i].lon - poly[i - 1].lon) }));
        break;
      }
      acc += d;
      done.push(P(poly[i]));
    }
    kids.push(el("svg:polyline", { class: "route-done", points: done.map((c) => c.map((n) => n.toFixed(1)).join(",")).join(" ") }));
  }
  const s = currentSuggestion();
  const [akind, act] = s ? variant(s.action) : [null, {}];
  const suggestedPoi = akind === "stop" && act.poi ? act.poi.id : null;
  for (const p of pois) {
    const [x, y] = P(p.position);
    const c = el("svg:circle", { class: "poi" + (p.id === suggestedPoi ? " suggested" : ""), "data-testid": "poi",
      "data-id": p.id, "data-category": p.category, cx: x.toFixed(1), cy: y.toFixed(1), r: p.id === suggestedPoi ? 8 : 5 });
    c.appendChild(el("svg:title", {}, p.name + " (" + words(p.category) + ")"));
    kids.push(c);
    if (p.id === suggestedPoi || p.category === "coffee") {
      kids.push(el("svg:text", { class: "poi-label", x: (x + 9).toFixed(1), y: (y + 4).toFixed(1) }, p.name));
    }
  }
  if (v) {
    const [x, y] = P(v.position);
    kids.push(el("svg:polygon", { class: "vehicle", "data-testid": "vehicle-marker", points: "0,-11 7,8 0,4 -7,8",
      transform: "translate(" + x.toFixed(1) + "," + y.toFixed(1) + ") rotate(" + (v.heading_deg || 0).toFixed(0) + ")" }));
  }
  kids.push(el("svg:text", { class: "legend", x: 8, y: H - 8 }, "north up · POIs: coffee, fuel/charging, food, rest, other"));
  svg.replaceChildren(...kids);
  $("route-name").textContent = route.name + " · " + fmt(route.length_m / 1000, 1) + " km";
  if (v) {
    const tod = v.time_of_day_s;
    const hhmm = String(Math.floor(tod / 3600) % 24).padStart(2, "0") + ":" + String(Math.floor(tod / 60) % 60).padStart(2, "0");
    $("vehicle-state").textContent = fmt(v.speed_mps * 3.6, 0) + " km/h · " + fmt(v.route_progress_m / 1000, 1) + " / " +
      fmt(route.length_m / 1000, 1) + " km · local time " + hhmm;
  }
  if (S.env) {
    const e = S.env;
    $("environment").textContent = "cabin " + fmt(e.temperature_c, 1) + " °C, CO₂ " + fmt(e.co2_ppm, 0) + " ppm · outside " +
      fmt(e.outside_temperature_c, 0) + " °C, " + words(e.weather) + ", " + words(e.ambient_light);
  }
  const ints = (S.interests && S.interests.interests) || [];
  $("interests").replaceChildren(...(ints.length ? ints.map((i) => el("li", { "data-testid": "interest", "data-kind": i.kind },
    words(i.kind) + (i.detail ? " (" + i.detail + ")" : "") + " · " + words(i.speaker) + " · " + fmt(i.confidence * 100, 0) + "%"))
    : [el("li", { class: "dim" }, "no interests")]));
}

function geoDist(a, b) {
  const R = 6371000, rad = Math.PI / 180;
  const dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
  const x = Math.sin(dlat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dlon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(x)));
}

function renderCamera() {
  const cv = $("camera-canvas");
  const ctx = cv.getContext("2d");
  const st = $("camera-status");
  if (!S.camera) {
    const allowed = S.hello && S.hello.camera;
    st.dataset.state = "none";
    st.textContent = allowed ? "waiting for camera images" :
      "no camera images: they are shown only on this host, with `cabin run --hmi`";
    return;
  }
  const cam = S.camera;
  const W = cv.width, H = cv.height;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, W, H);
  const k = Math.min(W / cam.w, H / cam.h);
  const dw = cam.w * k, dh = cam.h * k, dx = (W - dw) / 2, dy = (H - dh) / 2;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(camOff, 0, 0, cam.w, cam.h, dx, dy, dw, dh);
  // Overlays are in source pixels.
  const sx = dw / (cam.sw || cam.w), sy = dh / (cam.sh || cam.h);
  const X = (x) => dx + x * sx, Y = (y) => dy + y * sy;
  const f = S.face && S.face.face;
  st.dataset.state = "live";
  st.textContent = "frame " + cam.seq + " at " + fmtTime(cam.t) + " · camera " + (S.face ? words(S.face.camera) : "–") +
    (f ? " · face " + fmt(f.score, 2) + ", yaw " + fmt(f.head_pose.yaw_deg, 0) + "°, pitch " + fmt(f.head_pose.pitch_deg, 0) + "°" : "");
  if (!f) return;
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#3fb950";
  ctx.strokeRect(X(f.bbox.x), Y(f.bbox.y), f.bbox.width * sx, f.bbox.height * sy);
  ctx.fillStyle = "#d29922";
  for (const p of f.keypoints || []) { ctx.beginPath(); ctx.arc(X(p.x), Y(p.y), 2, 0, 2 * Math.PI); ctx.fill(); }
  ctx.strokeStyle = "#58a6ff";
  for (const eye of [f.left_eye, f.right_eye]) {
    const c = (eye && eye.contour) || [];
    if (c.length < 2) continue;
    ctx.beginPath();
    c.forEach((p, i) => (i ? ctx.lineTo(X(p.x), Y(p.y)) : ctx.moveTo(X(p.x), Y(p.y))));
    ctx.closePath();
    ctx.stroke();
  }
  drawAxes(ctx, f, X, Y, sx);
}

// Head-pose axes from the nose: red = the driver's right, green = up, blue = where the face points.
// Yaw positive = the driver turns to their left (image right, the camera faces the driver); pitch positive = up.
function drawAxes(ctx, f, X, Y, sx) {
  const nose = (f.keypoints && f.keypoints[2]) || { x: f.bbox.x + f.bbox.width / 2, y: f.bbox.y + f.bbox.height / 2 };
  const rad = Math.PI / 180;
  const yaw = -f.head_pose.yaw_deg * rad, pitch = -f.head_pose.pitch_deg * rad, roll = f.head_pose.roll_deg * rad;
  const rot = (v) => {
    let [x, y, z] = v;
    [y, z] = [y * Math.cos(pitch) - z * Math.sin(pitch), y * Math.sin(pitch) + z * Math.cos(pitch)];
    [x, z] = [x * Math.cos(yaw) + z * Math.sin(yaw), -x * Math.sin(yaw) + z * Math.cos(yaw)];
    [x, y] = [x * Math.cos(roll) - y * Math.sin(roll), x * Math.sin(roll) + y * Math.cos(roll)];
    return [x, y, z];
  };
  const L = f.bbox.width * 0.5 * sx;
  const o = [X(nose.x), Y(nose.y)];
  for (const [v, color] of [[[-1, 0, 0], "#f85149"], [[0, -1, 0], "#3fb950"], [[0, 0, -1], "#58a6ff"]]) {
    const [x, y] = rot(v);
    ctx.strokeStyle = color;
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(o[0], o[1]);
    ctx.lineTo(o[0] + x * L, o[1] + y * L);
    ctx.stroke();
  }
}

function renderTruth() {
  const g = S.truth;
  const body = $("truth-body");
  if (!g) return;
  const f = S.face && S.face.face;
  const d = S.driver;
  const closure = (eye) => (eye && eye.openness !== null && eye.openness !== undefined) ? fmt(Math.max(0, 1 - eye.openness), 2) : "–";
  const active = [...S.alerts.values()].map((a) => words(a.kind) + " " + a.level).join(", ") || "no alert";
  const rows = [
    ["face present", g.face_present ? "yes" : "no", S.face ? (f ? "yes (" + fmt(f.score, 2) + ")" : "no") : "–", g.face_present === !!f],
    ["camera", g.camera_blocked ? "blocked" : "clear", S.face ? words(S.face.camera) : "–", g.camera_blocked === (S.face && S.face.camera !== "ok" && S.face.camera !== "face_lost")],
    ["head yaw", fmt(g.yaw_deg, 0) + "°", f ? fmt(f.head_pose.yaw_deg, 0) + "°" : "–", f && Math.abs(g.yaw_deg - f.head_pose.yaw_deg) < 10],
    ["head pitch", fmt(g.pitch_deg, 0) + "°", f ? fmt(f.head_pose.pitch_deg, 0) + "°" : "–", f && Math.abs(g.pitch_deg - f.head_pose.pitch_deg) < 10],
    ["head roll", fmt(g.roll_deg, 0) + "°", f ? fmt(f.head_pose.roll_deg, 0) + "°" : "–", f && Math.abs(g.roll_deg - f.head_pose.roll_deg) < 10],
    ["left eye closure", fmt(g.left_eye_closure, 2), f ? closure(f.left_eye) : "–", true],
    ["right eye closure", fmt(g.right_eye_closure, 2), f ? closure(f.right_eye) : "–", true],
    ["gaze zone", words(g.gaze_zone), f ? words(f.gaze_zone) : "–", f && g.gaze_zone === f.gaze_zone],
    ["episode / alerts", g.episode ? words(g.episode) : "none", active, true],
    ["drowsiness", "(scripted in the scenario)", d ? "KSS " + fmt(d.drowsiness.kss, 1) : "–", true],
  ];
  body.replaceChildren(...rows.map(([name, truth, stack, ok]) =>
    el("tr", { "data-testid": "truth-row", "data-name": name, class: ok === false ? "mismatch" : "" },
      el("td", {}, name), el("td", {}, truth), el("td", {}, stack))));
}

let lastTranscriptLen = -1;
function renderTranscript() {
  const box = $("transcript");
  if (S.transcript.length === lastTranscriptLen && box.childElementCount === S.transcript.length) return;
  lastTranscriptLen = S.transcript.length;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  box.replaceChildren(...S.transcript.map((i) => el("li", { "data-testid": "transcript-item", "data-kind": i.kind,
    "data-decision": i.decision, "data-id": i.id },
    el("span", { class: "t" }, fmtTime(i.t)), el("span", { class: "who" }, i.who), i.text,
    i.why ? el("span", { class: "why" }, " — " + i.why) : null)));
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function renderDiagnostics() {
  const s = S.stats;
  if (s) {
    $("client").textContent = "#" + s.client + " · " + s.sent + " frames · queue " + s.queued;
    $("dropped").textContent = String(s.dropped);
    $("dropped-all").textContent = String(s.dropped_all_clients);
    $("clients").textContent = String(s.clients);
    $("samples").textContent = String(s.samples);
  }
  const d = S.diagnostics;
  if (d) {
    $("bus-problems").textContent = d.warnings + " / " + d.errors;
    $("diagnostics").replaceChildren(...d.recent.slice().reverse().map((r) =>
      el("li", { "data-severity": r.severity }, el("span", { class: "t" }, fmtTime(r.t)), r.source + ": " + r.message)));
  }
}

$("accept").addEventListener("click", () => respond("accept"));
$("decline").addEventListener("click", () => respond("decline"));
connect();
render();
