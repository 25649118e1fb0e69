"""The fleet driver on a REAL 2-node Ray cluster (conftest.ray_cluster), with the real cabin binary.

One baseline run over Ray of 8 generated drives + 2 recordings (one good, one truncated) is shared by
the tests; each test checks one claim about it. A candidate run with a deliberately changed
driver-state threshold is compared against it; that run is `cabin fleet run` without --address, so it
also shows the driver starting and stopping a local cluster of its own.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cabin_fleet import manifest, report
from cabin_fleet.run import RunOptions, run_fleet
from cabin_fleet.tasks import Build

# The candidate build: the same binary with a changed driver-state threshold. A 14 s awareness budget
# raises the long-distraction warning only after 7 s away (0.5 x 14 s) instead of 3 s, so the generated
# long distractions (3.6-7 s) are no longer detected. Nothing else in the policy reads this value.
CANDIDATE_THRESHOLDS = "params = { thresholds = { distraction = { awareness_budget_s = 14.0 } } }"
CHANGED_KIND = "long_distraction"


@pytest.fixture(scope="module")
def recordings(tmp_path_factory, cabin, corpus) -> dict:
    """A good recording of the first 10 s of drive 0 (PNG camera: replays exactly) and a truncated copy."""
    out = tmp_path_factory.mktemp("rec")
    scenario = sorted(corpus.glob("*.toml"))[0]
    good = out / "good.mcap"
    p = subprocess.run([cabin, "record", "--out", str(good), "--scenario", str(scenario),
                        "--until", "10", "--quiet"], capture_output=True, text=True, check=True)
    recorded_hash = re.search(r"events sha256: ([0-9a-f]{64})", p.stdout).group(1)
    data = good.read_bytes()
    truncated = out / "truncated.mcap"
    truncated.write_bytes(data[: len(data) * 3 // 5])
    return {"scenario": str(scenario), "good": str(good), "truncated": str(truncated),
            "recorded_hash": recorded_hash}


@pytest.fixture(scope="module")
def drives(corpus, recordings, tmp_path_factory) -> list[manifest.Drive]:
    doc = json.loads((corpus / "corpus.json").read_text())
    doc["drives"] = [{"id": d["id"], "scenario": d["scenario"]} for d in doc["drives"]] + [
        {"id": "recorded", "recording": recordings["good"], "scenario": recordings["scenario"]},
        {"id": "truncated", "recording": recordings["truncated"], "scenario": recordings["scenario"]},
    ]
    m = corpus / "fleet.json"
    m.write_text(json.dumps(doc))
    return manifest.load(m)


@pytest.fixture(scope="module")
def over_ray(ray_cluster, cabin, drives, tmp_path_factory):
    progress = io.StringIO()
    opts = RunOptions(address=ray_cluster, retries=1, timeout_s=300, progress=progress)
    out = tmp_path_factory.mktemp("baseline")
    doc = run_fleet(drives, Build(cabin=cabin, label="baseline"), opts, out_dir=out)
    sys.stderr.write(progress.getvalue())
    return {"doc": doc, "out": out, "progress": progress.getvalue()}


@pytest.fixture(scope="module")
def single_process(cabin, drives):
    """The reference: each corpus drive run by cabin directly, outside Ray (2 at a time)."""
    corpus_drives = [d for d in drives if d.recording is None]
    opts = RunOptions(use_ray=False, parallel=2, retries=0, timeout_s=300, progress=io.StringIO())
    return run_fleet(corpus_drives, Build(cabin=cabin, label="local"), opts)


def by_id(doc: dict) -> dict:
    return {r["id"]: r for r in doc["drives"]}


def test_the_run_used_both_nodes_of_the_cluster(over_ray):
    doc = over_ray["doc"]
    assert doc["cluster"]["nodes"] == 2 and doc["cluster"]["cpus"] == 2
    assert len({r["ray_node"] for r in doc["drives"] if r["ok"]}) == 2


def test_every_drive_hash_over_ray_equals_a_single_process_run(over_ray, single_process):
    ray_results, local = by_id(over_ray["doc"]), by_id(single_process)
    assert len(local) >= 8
    for drive_id, ref in local.items():
        assert ref["ok"], ref["error"]
        got = ray_results[drive_id]
        assert got["ok"], got["error"]
        assert got["events_sha256"] == ref["events_sha256"], drive_id
        assert got["score"] == ref["score"], drive_id


def test_a_truncated_recording_fails_after_a_retry_and_the_rest_complete(over_ray):
    results = by_id(over_ray["doc"])
    bad = results["truncated"]
    assert not bad["ok"] and bad["attempts"] == 2
    assert "damage" in bad["error"]
    assert all(r["ok"] for i, r in results.items() if i != "truncated")
    assert over_ray["doc"]["summary"]["failed"] == 1


def test_a_recording_replays_to_the_recorded_runs_hash(over_ray, recordings):
    assert by_id(over_ray["doc"])["recorded"]["events_sha256"] == recordings["recorded_hash"]


def test_progress_says_a_line_per_finished_drive(over_ray, drives):
    lines = [l for l in over_ray["progress"].splitlines() if re.match(r"\[baseline \d+/\d+ ", l)]
    assert len(lines) == len(drives)
    assert any("truncated FAILED" in l for l in lines)
    assert "retrying truncated" in over_ray["progress"]


@pytest.fixture(scope="module")
def candidate(ray_cluster, cabin, drives, tmp_path_factory):
    """The candidate build (the changed threshold) over the scored corpus drives, run the way a user
    first runs the driver: `cabin fleet run` with no --address, which must start a token-authenticated
    local cluster of its own, run the drives there and stop only that cluster. One run serves both the
    regression claim and the own-cluster claim (it used to be two runs: 8 candidate drives on the shared
    cluster and 2 more drives for the own cluster)."""
    out = tmp_path_factory.mktemp("candidate")
    config = subprocess.run([cabin, "config"], capture_output=True, text=True, check=True).stdout
    changed = config.replace('kind = "driver_state"\n', f'kind = "driver_state"\n{CANDIDATE_THRESHOLDS}\n')
    assert changed != config
    cfg = out / "candidate.toml"
    cfg.write_text(changed)
    scored = [d.to_dict() for d in drives if d.recording is None]
    m = out / "scored.json"
    m.write_text(json.dumps({"drives": scored}))
    # a user's shell: no Ray settings inherited from the shared test cluster
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    p = subprocess.run([cabin, "fleet", "run", str(m), "--out", str(out / "results"), "--config", str(cfg),
                        "--label", "candidate", "--retries", "0", "--timeout-s", "300"],
                       capture_output=True, text=True, timeout=900, env=env)
    assert p.returncode == 0, f"cabin fleet run failed:\n{p.stdout}\n{p.stderr}"
    doc = json.loads((out / "results" / "results.json").read_text())
    return {"doc": doc, "out": out / "results", "stderr": p.stderr, "drives": len(scored)}


def test_a_changed_threshold_is_a_regression_on_the_right_episodes(over_ray, candidate, tmp_path):
    cand = candidate["doc"]
    base = {**over_ray["doc"], "drives": [r for r in over_ray["doc"]["drives"] if r["id"] in by_id(cand)]}
    rep = report.compare(base, cand)
    assert report.exit_status(rep) == 1
    missed = [m for d in rep["drives"] for m in d["newly_missed"]]
    assert missed, "the changed threshold missed nothing"
    assert all(m.startswith(CHANGED_KIND) for m in missed), missed
    # Every regression is on a long distraction the baseline detected: no other kind of finding.
    assert all("newly missed: long_distraction" in r for r in rep["regressions"]), rep["regressions"]
    # The same comparison from the command line: the exit status a CI job gates on, and the files.
    cli = subprocess.run([sys.executable, "-m", "cabin_fleet.cli", "compare", str(over_ray["out"]),
                          str(candidate["out"]), "--out", str(tmp_path / "report")],
                         capture_output=True, text=True)
    assert cli.returncode == 1, cli.stderr
    assert "REGRESSION" in cli.stdout
    assert (tmp_path / "report" / "report.json").is_file()
    assert (tmp_path / "report" / "report.md").read_text().count("newly missed: long_distraction") == len(missed)


def test_a_build_compared_with_itself_has_no_regression(over_ray):
    rep = report.compare(over_ray["doc"], over_ray["doc"])
    assert report.exit_status(rep, fail_on_hash_change=True) == 0


def test_without_an_address_the_driver_starts_and_stops_its_own_local_cluster(ray_cluster, candidate):
    """`cabin fleet run` with no --address (the candidate fixture): the command a user types first. It
    must start a token-authenticated local cluster itself, run the drives there, and stop only that
    cluster (the shared test cluster keeps running)."""
    assert "starting a local Ray cluster" in candidate["stderr"]
    doc = candidate["doc"]
    n = candidate["drives"]
    assert doc["summary"] == {**doc["summary"], "drives": n, "ok": n, "failed": 0}
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["events_sha256"]) for r in doc["drives"])
    assert doc["cluster"]["nodes"] == 1, "its own single-node cluster, not the shared 2-node one"
    # the shared cluster is still there: its head answers
    status = subprocess.run([str(Path(sys.executable).with_name("ray")), "status", f"--address={ray_cluster}"],
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, f"the shared cluster was stopped:\n{status.stdout}\n{status.stderr}"
