"""The regression report between two builds' fleet results: what changed, drive by drive and in total.

openpilot's process replay diffs bytes; this diffs scores. Per drive and per scored episode: newly
missed / newly detected episodes, alert latency shifts, new or gone false alerts (alerts in normal
driving, alerts before an episode's earliest protocol time, and alerts of the wrong kind during an
episode), suggestion changes (and expected suggestions no longer made), frame-by-frame metric deltas
when both scores have them (face presence recall, head yaw/pitch p95 error, gaze-zone accuracy: see
:data:`FRAME_METRICS`; reported, not a gate), drives that now fail, and which drives' events hash
changed. Totals carry 95 % confidence intervals (Wilson for detection rates, exact Poisson
for false alerts per hour). Written as Markdown + JSON + one plot; :func:`exit_status` gates CI.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .stats import rate_per_hour, wilson

REPORT_SCHEMA = "cabin-fleet-report/1"


# ---- matching one drive's scores ------------------------------------------------------------------

def _episode_key(e: dict) -> tuple:
    return (e["kind"], round(e["start_s"], 3), round(e["end_s"], 3))


def _episode_name(e: dict) -> str:
    return f"{e['kind']} {e['start_s']:.1f}-{e['end_s']:.1f} s ({e.get('detail', '')})"


def _unscorable(e: dict) -> bool:
    """The script never meets the episode's protocol condition (earliest_s null): no alert can detect it,
    so it is neither a miss nor a detection (scores from before the protocol rule always have a time)."""
    return "earliest_s" in e and e["earliest_s"] is None


def _alerts(score: dict) -> list[dict]:
    """Alerts the ground truth did not call for: in normal driving, before an episode's earliest protocol
    time (``premature_for`` names the episode), or of the wrong kind in an episode."""
    out = [{**a, "during": a.get("premature_for")} for a in score.get("false_alerts", [])]
    out += [{**u["onset"], "during": ", ".join(u.get("during", []))}
            for u in score.get("unexpected_alerts", [])]
    return sorted(out, key=lambda a: a["at_s"])


def _match(base: list[dict], cand: list[dict], same, tolerance_s: float):
    """Greedy matching in time order: (pairs, only in base, only in cand)."""
    pairs, unmatched = [], list(cand)
    gone = []
    for b in base:
        best = None
        for c in unmatched:
            dt = abs(c["at_s"] - b["at_s"])
            if same(b, c) and dt <= tolerance_s and (best is None or dt < abs(best["at_s"] - b["at_s"])):
                best = c
        if best is None:
            gone.append(b)
        else:
            unmatched.remove(best)
            pairs.append((b, best))
    return pairs, gone, unmatched


def _numeric_leaves(value, prefix: str = "") -> dict[str, float]:
    if isinstance(value, bool):
        return {prefix: float(value)}
    if isinstance(value, (int, float)):
        return {prefix: float(value)}
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_numeric_leaves(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_numeric_leaves(v, f"{prefix}[{i}]"))
    return out


FRAME_KEYS = ("frames", "frame_metrics")

# The frame metrics compared by name: `cabin score --json` -> "frames" (sim/src/score/frames.rs).
# Each is a path into that object; None (JSON null) means "no frame had it" and is not compared.
FRAME_METRICS = {
    "presence_recall": ("presence", "recall"),
    "presence_precision": ("presence", "precision"),
    "yaw_p95_abs_deg": ("head_pose", "yaw", "p95_abs"),
    "pitch_p95_abs_deg": ("head_pose", "pitch", "p95_abs"),
    "zone_accuracy": ("gaze", "accuracy"),
}
# Which direction is better, for the sign of a delta in the Markdown ("+" = better).
HIGHER_IS_BETTER = {"presence_recall": True, "presence_precision": True, "yaw_p95_abs_deg": False,
                    "pitch_p95_abs_deg": False, "zone_accuracy": True}


def frame_metrics(score: dict | None) -> dict[str, float]:
    """The named frame metrics of one score ({} when it has no frame metrics)."""
    frames = (score or {}).get("frames")
    if not isinstance(frames, dict):
        return {}
    out = {}
    for name, path in FRAME_METRICS.items():
        v = frames
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name] = float(v)
    return out


def _frame_deltas(base: dict, cand: dict) -> dict[str, dict]:
    """Per named frame metric present in both scores: baseline, candidate, candidate - baseline."""
    b, c = frame_metrics(base), frame_metrics(cand)
    return {k: {"baseline": b[k], "candidate": c[k], "delta": c[k] - b[k]} for k in FRAME_METRICS
            if k in b and k in c}


def _frame_changes(base: dict, cand: dict) -> dict[str, list[float]]:
    """Numeric frame-by-frame metrics that differ (when the score carries them)."""
    key = next((k for k in FRAME_KEYS if k in base or k in cand), None)
    if key is None:
        return {}
    b, c = _numeric_leaves(base.get(key)), _numeric_leaves(cand.get(key))
    return {k: [b.get(k, math.nan), c.get(k, math.nan)] for k in sorted(set(b) | set(c))
            if not (k in b and k in c and abs(b[k] - c[k]) <= 1e-9)}


def compare_drive(base: dict, cand: dict, latency_tolerance_s: float, alert_match_s: float) -> dict:
    """What changed for one drive between two builds."""
    d = {
        "id": base["id"],
        "baseline_ok": base["ok"],
        "candidate_ok": cand["ok"],
        "hash_changed": base.get("events_sha256") != cand.get("events_sha256"),
        "baseline_sha256": base.get("events_sha256"),
        "candidate_sha256": cand.get("events_sha256"),
        "newly_missed": [], "newly_detected": [], "latency_shifts": [],
        "new_false_alerts": [], "gone_false_alerts": [],
        "suggestions_added": [], "suggestions_removed": [], "suggestions_moved": [],
        "expectations_lost": [], "expectations_gained": [],
        "frame_metric_changes": {},
        "frame_deltas": {},
        "candidate_error": cand.get("error"),
        "baseline_error": base.get("error"),
        "regressions": [],
    }
    bs, cs = base.get("score"), cand.get("score")
    if bs is None or cs is None:
        if base["ok"] and not cand["ok"]:
            d["regressions"].append(f"fails now: {cand.get('error')}")
        return d
    cand_eps = {_episode_key(e): e for e in cs.get("episodes", [])}
    for be in bs.get("episodes", []):
        ce = cand_eps.get(_episode_key(be))
        if ce is None or _unscorable(be) or _unscorable(ce):
            continue
        name = _episode_name(be)
        if be["detected"] and not ce["detected"]:
            d["newly_missed"].append(name)
            d["regressions"].append(f"newly missed: {name}")
        elif ce["detected"] and not be["detected"]:
            d["newly_detected"].append(name)
        elif be["detected"] and ce["detected"]:
            shift = ce["latency_s"] - be["latency_s"]
            if abs(shift) > 1e-9:
                d["latency_shifts"].append({"episode": name, "baseline_s": be["latency_s"],
                                            "candidate_s": ce["latency_s"], "shift_s": shift})
            if shift > latency_tolerance_s:
                d["regressions"].append(f"alert {shift:+.2f} s later: {name}")
    same_kind = lambda a, b: a["kind"] == b["kind"]
    _, gone, new = _match(_alerts(bs), _alerts(cs), same_kind, alert_match_s)
    d["gone_false_alerts"], d["new_false_alerts"] = gone, new
    for a in new:
        where = f" during {a['during']}" if a["during"] else ""
        d["regressions"].append(f"new false alert: {a['kind']} ({a['level']}) at {a['at_s']:.1f} s{where}")
    same_offer = lambda a, b: (a["interest"], a.get("poi")) == (b["interest"], b.get("poi"))
    pairs, removed, added = _match(bs.get("suggestions", []), cs.get("suggestions", []), same_offer,
                                   math.inf)
    d["suggestions_removed"], d["suggestions_added"] = removed, added
    d["suggestions_moved"] = [{"interest": b["interest"], "poi": b.get("poi"), "baseline_at_s": b["at_s"],
                               "candidate_at_s": c["at_s"]} for b, c in pairs if abs(b["at_s"] - c["at_s"]) > 1e-9]
    for s in added:
        if s.get("during_episode"):
            d["regressions"].append(f"new suggestion to a driver in an episode ({s['during_episode']}): "
                                    f"{s['interest']} at {s['at_s']:.1f} s")
    for be, ce in zip(bs.get("expectations", []), cs.get("expectations", [])):
        name = f"{be['interest']} {be.get('poi') or ''} in {be['after_s']:.0f}-{be['before_s']:.0f} s".strip()
        if be["met"] and not ce["met"]:
            d["expectations_lost"].append(name)
            d["regressions"].append(f"expected suggestion no longer made: {name}")
        elif ce["met"] and not be["met"]:
            d["expectations_gained"].append(name)
    d["frame_metric_changes"] = _frame_changes(bs, cs)
    d["frame_deltas"] = _frame_deltas(bs, cs)
    return d


# ---- totals ----------------------------------------------------------------------------------------

def totals(results: dict) -> dict:
    """One build's detection rates (per episode kind and all) and false-alert rate, with 95 % CIs."""
    kinds: dict[str, list[int]] = {}
    alerts, normal_s, drive_s = 0, 0.0, 0.0
    scored = 0
    for r in results["drives"]:
        s = r.get("score")
        if not r["ok"] or s is None:
            continue
        scored += 1
        for e in s.get("episodes", []):
            if _unscorable(e):
                continue
            k = kinds.setdefault(e["kind"], [0, 0])
            k[0] += bool(e["detected"])
            k[1] += 1
        alerts += len(_alerts(s))
        normal_s += s.get("normal_driving_s", 0.0)
        drive_s += s.get("duration_s", 0.0)
    rows = {k: _rate(v[0], v[1]) for k, v in sorted(kinds.items())}
    rows["all"] = _rate(sum(v[0] for v in kinds.values()), sum(v[1] for v in kinds.values()))
    per_h, ci = rate_per_hour(alerts, normal_s / 3600)
    return {"drives_scored": scored, "drive_hours": drive_s / 3600, "detection": rows,
            "false_alerts": {"count": alerts, "normal_driving_h": normal_s / 3600,
                             "per_hour": per_h, "ci95": list(ci)},
            "frames": frame_totals(results)}


def frame_totals(results: dict) -> dict:
    """One build's frame metrics over its drives that have them: face presence and gaze-zone accuracy
    pooled over all frames (exact), the p95 head-pose errors as the median and worst drive (a p95
    cannot be pooled from per-drive p95s)."""
    tp = fn = zone_ok = zone_n = 0
    p95: dict[str, list[float]] = {"yaw_p95_abs_deg": [], "pitch_p95_abs_deg": []}
    drives = 0
    for r in results["drives"]:
        f = (r.get("score") or {}).get("frames") if r["ok"] else None
        if not isinstance(f, dict):
            continue
        drives += 1
        pr, gz = f.get("presence", {}), f.get("gaze", {})
        tp += pr.get("true_positive", 0)
        fn += pr.get("false_negative", 0)
        zone_ok += gz.get("correct", 0)
        zone_n += gz.get("frames", 0)
        m = frame_metrics(r["score"])
        for k, v in p95.items():
            if k in m:
                v.append(m[k])
    out = {"drives": drives,
           "presence_recall": tp / (tp + fn) if tp + fn else None,
           "zone_accuracy": zone_ok / zone_n if zone_n else None}
    for k, v in p95.items():
        v.sort()
        out[k] = {"median": v[len(v) // 2] if v else None, "max": v[-1] if v else None}
    return out


def _rate(detected: int, n: int) -> dict:
    return {"detected": detected, "episodes": n, "rate": detected / n if n else math.nan,
            "ci95": list(wilson(detected, n))}


# ---- the whole report -------------------------------------------------------------------------------

def compare(baseline: dict, candidate: dict, latency_tolerance_s: float = 0.5,
            alert_match_s: float = 1.0) -> dict:
    cand_by_id = {r["id"]: r for r in candidate["drives"]}
    drives = [compare_drive(b, cand_by_id[b["id"]], latency_tolerance_s, alert_match_s)
              for b in baseline["drives"] if b["id"] in cand_by_id]
    only = sorted(set(r["id"] for r in baseline["drives"]) ^ set(cand_by_id))
    shifts = [s["shift_s"] for d in drives for s in d["latency_shifts"]]
    count = lambda key: sum(len(d[key]) for d in drives)
    summary = {
        "drives_compared": len(drives),
        "drives_in_one_build_only": only,
        "hash_changed": [d["id"] for d in drives if d["hash_changed"]],
        "newly_failing": [d["id"] for d in drives if d["baseline_ok"] and not d["candidate_ok"]],
        "failing_in_both": [d["id"] for d in drives if not d["baseline_ok"] and not d["candidate_ok"]],
        "newly_missed": count("newly_missed"),
        "newly_detected": count("newly_detected"),
        "new_false_alerts": count("new_false_alerts"),
        "gone_false_alerts": count("gone_false_alerts"),
        "suggestion_changes": count("suggestions_added") + count("suggestions_removed")
        + count("suggestions_moved"),
        "latency_shifts": len(shifts),
        "median_latency_shift_s": sorted(shifts)[len(shifts) // 2] if shifts else 0.0,
        "frame_metric_changes": sum(len(d["frame_metric_changes"]) for d in drives),
        "frame_deltas": _frame_summary(drives),
    }
    regressions = [f"{d['id']}: {r}" for d in drives for r in d["regressions"]]
    return {
        "schema": REPORT_SCHEMA,
        "baseline": baseline["build"],
        "candidate": candidate["build"],
        "latency_tolerance_s": latency_tolerance_s,
        "regression": bool(regressions),
        "regressions": regressions,
        "summary": summary,
        "totals": {"baseline": totals(baseline), "candidate": totals(candidate)},
        "drives": drives,
    }


def _frame_summary(drives: list[dict]) -> dict[str, dict]:
    """Per named frame metric: how many drives have it in both builds, the mean delta, and how many
    drives got better / worse (direction from HIGHER_IS_BETTER)."""
    out = {}
    for k in FRAME_METRICS:
        deltas = [d["frame_deltas"][k]["delta"] for d in drives if k in d.get("frame_deltas", {})]
        if not deltas:
            continue
        sign = 1.0 if HIGHER_IS_BETTER[k] else -1.0
        out[k] = {"drives": len(deltas), "mean_delta": sum(deltas) / len(deltas),
                  "better": sum(1 for x in deltas if sign * x > 1e-9),
                  "worse": sum(1 for x in deltas if sign * x < -1e-9)}
    return out


def exit_status(report: dict, fail_on_hash_change: bool = False) -> int:
    """0: no regression; 1: a regression (or, strictly, any changed events hash)."""
    if report["regression"]:
        return 1
    if fail_on_hash_change and report["summary"]["hash_changed"]:
        return 1
    return 0


def _pct(r: dict) -> str:
    if r["episodes"] == 0:
        return "-"
    lo, hi = r["ci95"]
    return f"{r['detected']}/{r['episodes']} = {100 * r['rate']:.0f}% [{100 * lo:.0f}-{100 * hi:.0f}]"


def _fa(t: dict) -> str:
    fa = t["false_alerts"]
    if fa["normal_driving_h"] <= 0:
        return "-"
    lo, hi = fa["ci95"]
    return f"{fa['count']} in {fa['normal_driving_h']:.2f} h = {fa['per_hour']:.1f}/h [{lo:.1f}-{hi:.1f}]"


def _build_name(b: dict) -> str:
    cfg = f" --config {b['config']}" if b.get("config") else ""
    return f"`{b['label']}`: {b['cabin']}{cfg} (sha256 {(b.get('cabin_sha256') or '?')[:12]})"


def markdown(report: dict) -> str:
    s, tb, tc = report["summary"], report["totals"]["baseline"], report["totals"]["candidate"]
    verdict = (f"**REGRESSION**: {len(report['regressions'])} finding(s)" if report["regression"]
               else "**no regression**")
    out = [
        "# cabin fleet regression report", "",
        f"- baseline: {_build_name(report['baseline'])}",
        f"- candidate: {_build_name(report['candidate'])}",
        f"- {s['drives_compared']} drives compared ({tb['drive_hours']:.2f} drive-hours); "
        f"events hash changed on {len(s['hash_changed'])}; verdict: {verdict}", "",
        "## Totals (95% confidence intervals: Wilson for detection, exact Poisson for false alerts)", "",
        "| episode kind | baseline detected | candidate detected |", "|---|---|---|",
    ]
    for kind in sorted(set(tb["detection"]) | set(tc["detection"]), key=lambda k: (k == "all", k)):
        empty = {"episodes": 0}
        out.append(f"| {kind} | {_pct(tb['detection'].get(kind, empty))} | "
                   f"{_pct(tc['detection'].get(kind, empty))} |")
    out += ["", f"- false alerts: baseline {_fa(tb)}; candidate {_fa(tc)}",
            f"- per episode: {s['newly_missed']} newly missed, {s['newly_detected']} newly detected, "
            f"{s['latency_shifts']} latency shifts (median {s['median_latency_shift_s']:+.2f} s)",
            f"- false alerts: {s['new_false_alerts']} new, {s['gone_false_alerts']} gone; "
            f"suggestion changes: {s['suggestion_changes']}; frame-metric changes: {s['frame_metric_changes']}",
            f"- drives failing: {len(s['newly_failing'])} newly, {len(s['failing_in_both'])} in both builds",
            ""]
    out += _frames_markdown(report)
    if report["regressions"]:
        out += ["## Regressions", ""] + [f"- {r}" for r in report["regressions"]] + [""]
    changed = [d for d in report["drives"] if d["hash_changed"] or not d["candidate_ok"]]
    if changed:
        out += ["## Drives that changed", "",
                "| drive | hash | missed | detected | latency shifts | false alerts +/- | suggestions +/-/moved |",
                "|---|---|---|---|---|---|---|"]
        for d in changed:
            if not d["candidate_ok"] or not d["baseline_ok"]:
                out.append(f"| {d['id']} | failed: baseline {d['baseline_error'] or 'ok'}; "
                           f"candidate {d['candidate_error'] or 'ok'} | | | | | |")
                continue
            shifts = ", ".join(f"{x['shift_s']:+.2f} s" for x in d["latency_shifts"]) or "-"
            out.append(
                f"| {d['id']} | {(d['baseline_sha256'] or '-')[:8]} -> {(d['candidate_sha256'] or '-')[:8]} | "
                f"{'; '.join(d['newly_missed']) or '-'} | {'; '.join(d['newly_detected']) or '-'} | {shifts} | "
                f"+{len(d['new_false_alerts'])}/-{len(d['gone_false_alerts'])} | "
                f"+{len(d['suggestions_added'])}/-{len(d['suggestions_removed'])}/{len(d['suggestions_moved'])} |")
        out.append("")
    return "\n".join(out)


def _num(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _frames_markdown(report: dict) -> list[str]:
    """Frame metrics of both builds, and the per-drive deltas (only when some drive has them)."""
    fb, fc = report["totals"]["baseline"]["frames"], report["totals"]["candidate"]["frames"]
    deltas = report["summary"]["frame_deltas"]
    if not (fb["drives"] or fc["drives"]):
        return []
    out = ["## Frame metrics (reported, not a gate)", "",
           f"Drives with frame metrics: baseline {fb['drives']}, candidate {fc['drives']}. Presence recall and "
           "zone accuracy pooled over frames; head-pose p95 |error| as the median (worst) drive.", "",
           "| metric | baseline | candidate | drives compared: mean delta (better / worse) |", "|---|---|---|---|"]
    for k in ("presence_recall", "zone_accuracy"):
        d = deltas.get(k)
        out.append(f"| {k} | {_num(fb[k])} | {_num(fc[k])} | "
                   + (f"{d['drives']}: {d['mean_delta']:+.4f} ({d['better']} / {d['worse']})" if d else "-") + " |")
    for k in ("yaw_p95_abs_deg", "pitch_p95_abs_deg"):
        d = deltas.get(k)
        out.append(f"| {k} | {_num(fb[k]['median'], 2)} ({_num(fb[k]['max'], 2)}) | "
                   f"{_num(fc[k]['median'], 2)} ({_num(fc[k]['max'], 2)}) | "
                   + (f"{d['drives']}: {d['mean_delta']:+.2f} ({d['better']} / {d['worse']})" if d else "-") + " |")
    return out + [""]


def plot(report: dict, path: Path) -> bool:
    """Detection rate per episode kind and false alerts per hour, both builds with 95 % CIs.
    Returns False (and draws nothing) when matplotlib is not installed: the plot is optional."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    tb, tc = report["totals"]["baseline"], report["totals"]["candidate"]
    kinds = sorted(set(tb["detection"]) | set(tc["detection"]), key=lambda k: (k == "all", k))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [4, 1]})
    width = 0.38
    for i, (name, t) in enumerate((("baseline", tb), ("candidate", tc))):
        rates, lows, highs = [], [], []
        for k in kinds:
            r = t["detection"].get(k, {"rate": math.nan, "ci95": [math.nan, math.nan]})
            rates.append(r["rate"])
            # max(0, ...): at a rate of 0 or 1 the interval's end can differ from the rate by a rounding
            # error of either sign, and matplotlib refuses a negative error bar.
            lows.append(max(0.0, r["rate"] - r["ci95"][0]))
            highs.append(max(0.0, r["ci95"][1] - r["rate"]))
        xs = [x + (i - 0.5) * width for x in range(len(kinds))]
        left.bar(xs, rates, width, yerr=[lows, highs], capsize=3, label=name)
        fa = t["false_alerts"]
        right.bar([i], [fa["per_hour"]], 0.6, yerr=[[max(0.0, fa["per_hour"] - fa["ci95"][0])],
                                                    [max(0.0, fa["ci95"][1] - fa["per_hour"])]], capsize=3)
    left.set_xticks(range(len(kinds)), [k.replace("_", "\n") for k in kinds], fontsize=8)
    left.set_ylim(0, 1.05)
    left.set_ylabel("detection rate (95% Wilson CI)")
    left.legend()
    right.set_xticks([0, 1], ["baseline", "candidate"], fontsize=8)
    right.set_ylabel("false alerts per hour (95% CI)")
    fig.suptitle("cabin fleet: baseline vs candidate")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write(report: dict, out_dir: str | Path, with_plot: bool = True) -> dict[str, str]:
    """report.md, report.json and (optionally) report.png in out_dir; returns what was written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {"markdown": str(out / "report.md"), "json": str(out / "report.json")}
    (out / "report.md").write_text(markdown(report))
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    if with_plot and plot(report, out / "report.png"):
        written["plot"] = str(out / "report.png")
    return written
