"""The report's logic and statistics on hand-made scores (no cabin, no Ray: fast)."""

from __future__ import annotations

import copy
import json

import pytest

from cabin_fleet import manifest, report, stats


def frames(recall=1.0, yaw_p95=5.0, pitch_p95=6.0, accuracy=0.9, tp=90, fn=0, correct=81, zone_frames=90):
    """The "frames" object of `cabin score --json` (sim/src/score/frames.rs), the fields the report reads."""
    return {"truth": "scenario_script", "frames": 100, "observed": 100, "dropped": 0,
            "presence": {"true_positive": tp, "false_positive": 0, "false_negative": fn, "true_negative": 10,
                         "precision": 1.0, "recall": recall},
            "head_pose": {"yaw": {"frames": tp, "mean_abs": 3.0, "p95_abs": yaw_p95, "bias": -3.0},
                          "pitch": {"frames": tp, "mean_abs": 3.0, "p95_abs": pitch_p95, "bias": -3.0},
                          "roll": {"frames": tp, "mean_abs": 1.0, "p95_abs": 2.0, "bias": 0.0}},
            "gaze": {"frames": zone_frames, "correct": correct, "accuracy": accuracy,
                     "zones": ["road_ahead", "off"], "confusion": [[correct, zone_frames - correct], [0, 0]]}}


def score(detected=(True, True), latency=(1.0, 2.0), alerts=(), suggestions=(), frame_metrics=None):
    eps = [
        {"kind": "long_distraction", "start_s": 30.0, "end_s": 35.0, "detail": "glance",
         "detected": detected[0], "latency_s": latency[0] if detected[0] else None},
        {"kind": "microsleep", "start_s": 40.0, "end_s": 42.0, "detail": "closure",
         "detected": detected[1], "latency_s": latency[1] if detected[1] else None},
    ]
    return {"duration_s": 60.0, "normal_driving_s": 53.0, "episodes": eps,
            "false_alerts": [{"at_s": t, "kind": k, "level": "warning", "reason": ""} for t, k in alerts],
            "unexpected_alerts": [], "expectations": [],
            "suggestions": [{"at_s": t, "interest": i, "poi": p, "during_episode": None}
                            for t, i, p in suggestions],
            **({"frames": frame_metrics} if frame_metrics is not None else {})}


def results(label, scores, sha="a"):
    return {"build": {"label": label, "cabin": "cabin"},
            "drives": [{"id": f"d{i}", "ok": s is not None, "events_sha256": f"{sha}{i}", "score": s,
                        "error": None if s else "replay: exit status 1"} for i, s in enumerate(scores)]}


def test_identical_builds_have_no_regression():
    base = results("b", [score(), score()])
    rep = report.compare(base, copy.deepcopy(base))
    assert rep["regression"] is False and report.exit_status(rep) == 0
    assert rep["summary"]["hash_changed"] == []


def test_a_newly_missed_episode_is_a_regression_on_that_episode():
    rep = report.compare(results("b", [score()]), results("c", [score(detected=(False, True))], sha="b"))
    d = rep["drives"][0]
    assert d["newly_missed"] == ["long_distraction 30.0-35.0 s (glance)"]
    assert d["newly_detected"] == [] and d["hash_changed"]
    assert report.exit_status(rep) == 1
    assert rep["totals"]["candidate"]["detection"]["long_distraction"]["detected"] == 0


def test_newly_detected_and_gone_false_alerts_are_improvements():
    base = results("b", [score(detected=(False, True), alerts=[(10.0, "distraction")])])
    cand = results("c", [score()])
    rep = report.compare(base, cand)
    assert rep["regression"] is False
    assert len(rep["drives"][0]["newly_detected"]) == 1
    assert len(rep["drives"][0]["gone_false_alerts"]) == 1


def test_false_alerts_match_within_a_second_and_by_kind():
    base = results("b", [score(alerts=[(10.0, "distraction"), (20.0, "drowsiness")])])
    cand = results("c", [score(alerts=[(10.6, "distraction"), (20.0, "distraction")])])
    d = report.compare(base, cand)["drives"][0]
    assert [a["at_s"] for a in d["new_false_alerts"]] == [20.0]
    assert [a["kind"] for a in d["gone_false_alerts"]] == ["drowsiness"]


def test_latency_shift_beyond_tolerance_is_a_regression():
    rep = report.compare(results("b", [score()]), results("c", [score(latency=(1.3, 2.9))]),
                         latency_tolerance_s=0.5)
    shifts = rep["drives"][0]["latency_shifts"]
    assert [round(s["shift_s"], 3) for s in shifts] == [0.3, 0.9]
    assert len(rep["regressions"]) == 1 and "later" in rep["regressions"][0]


def test_suggestion_changes_and_a_newly_failing_drive():
    base = results("b", [score(suggestions=[(50.0, "coffee", "Corner Coffee")]), score()])
    cand = results("c", [score(suggestions=[(52.0, "coffee", "Corner Coffee"), (55.0, "fuel", None)]), None])
    rep = report.compare(base, cand)
    d0, d1 = rep["drives"]
    assert [s["interest"] for s in d0["suggestions_added"]] == ["fuel"]
    assert d0["suggestions_moved"][0]["candidate_at_s"] == 52.0
    assert rep["summary"]["newly_failing"] == ["d1"] and report.exit_status(rep) == 1


def test_hash_only_changes_fail_only_when_asked():
    base = results("b", [score()])
    rep = report.compare(base, results("c", [score()], sha="z"))
    assert report.exit_status(rep) == 0 and report.exit_status(rep, fail_on_hash_change=True) == 1


def test_markdown_and_json_are_written(tmp_path):
    rep = report.compare(results("b", [score()]), results("c", [score(detected=(False, True))]))
    written = report.write(rep, tmp_path, with_plot=False)
    md = (tmp_path / "report.md").read_text()
    assert "REGRESSION" in md and "newly missed: long_distraction" in md
    assert json.loads((tmp_path / "report.json").read_text())["regression"] is True
    assert "plot" not in written


def test_wilson_and_poisson_intervals_match_published_values():
    lo, hi = stats.wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert stats.wilson(0, 0) == (0.0, 1.0)
    # Garwood exact intervals (e.g. Table 1 of Ulm 1990): 0 -> (0, 3.689), 10 -> (4.795, 18.39).
    assert stats.poisson_interval(0)[1] == pytest.approx(3.689, abs=1e-3)
    lo, hi = stats.poisson_interval(10)
    assert lo == pytest.approx(4.795, abs=1e-3) and hi == pytest.approx(18.390, abs=1e-3)


def test_manifests_resolve_paths_and_refuse_bad_entries(tmp_path):
    (tmp_path / "a.toml").write_text("")
    (tmp_path / "a.mcap").write_bytes(b"")
    (tmp_path / "b.toml").write_text("")
    folder = manifest.load(tmp_path)
    assert [(d.id, bool(d.scenario), bool(d.recording)) for d in folder] == [("a", True, True), ("b", True, False)]
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"drives": [{"id": "x", "scenario": "a.toml"}]}))
    assert manifest.load(m)[0].scenario == str((tmp_path / "a.toml").resolve())
    m.write_text(json.dumps({"drives": [{"id": "x"}]}))
    with pytest.raises(manifest.ManifestError, match="needs 'scenario'"):
        manifest.load(m)
    m.write_text(json.dumps({"drives": [{"id": "x", "scenario": "a.toml"}, {"id": "x", "scenario": "b.toml"}]}))
    with pytest.raises(manifest.ManifestError, match="twice"):
        manifest.load(m)
    with pytest.raises(manifest.ManifestError, match="no such manifest"):
        manifest.load(tmp_path / "missing.json")


def test_frame_metrics_are_compared_where_present():
    # d0: both builds have frames (the candidate's yaw p95 worse, recall and zone accuracy better);
    # d1: only the baseline has them (a score from before frame scoring): not compared;
    # d2: an episode whose script never meets its protocol's condition (earliest_s null) is not counted.
    base = results("b", [score(frame_metrics=frames(recall=0.9, tp=81, fn=9, correct=72, accuracy=0.8)),
                         score(frame_metrics=frames()), score()])
    unscorable = score(detected=(False, True))
    unscorable["episodes"][0]["earliest_s"] = None
    cand = results("c", [score(frame_metrics=frames(recall=1.0, yaw_p95=7.5, accuracy=0.9)), score(), unscorable])
    rep = report.compare(base, cand)
    d0, d1, _ = rep["drives"]
    assert d0["frame_deltas"]["yaw_p95_abs_deg"] == {"baseline": 5.0, "candidate": 7.5, "delta": 2.5}
    assert d0["frame_deltas"]["presence_recall"]["delta"] == pytest.approx(0.1)
    assert d0["frame_deltas"]["zone_accuracy"]["delta"] == pytest.approx(0.1)
    assert "pitch_p95_abs_deg" in d0["frame_deltas"] and d1["frame_deltas"] == {}
    summary = rep["summary"]["frame_deltas"]
    assert summary["yaw_p95_abs_deg"] == {"drives": 1, "mean_delta": 2.5, "better": 0, "worse": 1}
    assert summary["presence_recall"]["better"] == 1 and summary["pitch_p95_abs_deg"]["worse"] == 0
    # Totals pool presence and zones over frames: baseline (81 + 90) / (90 + 90) found.
    fb, fc = rep["totals"]["baseline"]["frames"], rep["totals"]["candidate"]["frames"]
    assert (fb["drives"], fc["drives"]) == (2, 1)
    assert fb["presence_recall"] == pytest.approx(171 / 180)
    assert fb["zone_accuracy"] == pytest.approx((72 + 81) / 180)
    assert fc["yaw_p95_abs_deg"] == {"median": 7.5, "max": 7.5}
    # Frame metrics are reported, not a gate; the unscorable episode is no miss.
    assert rep["regression"] is False, rep["regressions"]
    assert rep["totals"]["candidate"]["detection"]["long_distraction"]["episodes"] == 2
    md = report.markdown(rep)
    assert "## Frame metrics" in md and "| yaw_p95_abs_deg | 5.00 (5.00) | 7.50 (7.50) | 1: +2.50 (0 / 1) |" in md
