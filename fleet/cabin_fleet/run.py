"""A fleet run: every drive of a manifest replayed + scored, one Ray task per drive.

Ray does the scheduling (placement, back-pressure, a node joining or dying); this module only submits
one task per drive, retries a failed drive (a corrupt or truncated recording, a crash, a timeout, a
lost worker) up to ``retries`` more times, prints a line per finished drive, and writes
``results.json``. A failure is reported, never fatal to the run. Without Ray (``use_ray=False``) the
same task runs in a local thread pool: the single-process reference the Ray results must equal.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from . import tasks
from .local_cluster import local_cluster
from .manifest import Drive

RESULTS_SCHEMA = "cabin-fleet-results/1"


@dataclass
class RunOptions:
    # Ray cluster address ("auto", "HOST:PORT", "ray://HOST:10001"); None starts a local cluster.
    address: str | None = None
    use_ray: bool = True
    retries: int = 1
    timeout_s: float = 600.0
    cpus_per_task: float = 1.0
    # Threads when use_ray is False.
    parallel: int = 1
    # Copy each drive's events log here (a folder every node can write: shared storage on a cluster).
    keep_events: str | None = None
    # Upload this package to the cluster (Ray runtime_env py_modules) when nodes do not have it.
    ship_package: bool = False
    progress: TextIO = field(default_factory=lambda: sys.stderr)


def _binary_sha256(path: str) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


class _Progress:
    """One line per finished drive on stderr, so a long run shows it is alive and what failed."""

    def __init__(self, total: int, out: TextIO, label: str):
        self.total, self.out, self.label, self.done = total, out, label, 0
        self.start = time.perf_counter()

    def retry(self, r: dict) -> None:
        print(f"[{self.label}] retrying {r['id']} (attempt {r['attempts']} failed: {r['error']})",
              file=self.out, flush=True)

    def finished(self, r: dict) -> None:
        self.done += 1
        status = "ok" if r["ok"] else "FAILED"
        wall = f"{r['replay_wall_s']:.1f} s" if r.get("replay_wall_s") is not None else "-"
        digest = (r.get("events_sha256") or "-")[:12]
        line = (f"[{self.label} {self.done}/{self.total} {time.perf_counter() - self.start:.0f} s] "
                f"{r['id']} {status} replay {wall} sha256 {digest} on {r.get('node', '?')}")
        if r.get("attempts", 1) > 1:
            line += f" after {r['attempts']} attempts"
        if not r["ok"]:
            line += f": {r['error']}"
        print(line, file=self.out, flush=True)


def _lost(drive: Drive, error: str) -> dict:
    """The result of an attempt whose task never returned (worker died, node lost, Ray error)."""
    return {"id": drive.id, "ok": False, "node": None, "ray_node": None, "events_sha256": None, "score": None,
            "replay_wall_s": None, "score_wall_s": None, "error": error, "diagnostics": ""}


def _ray():
    """Imports Ray with token authentication asked for. Ray 2.60 clusters use token authentication by
    default, and Ray reads the mode when it is first imported: set later, a driver sends no token."""
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    import ray

    return ray


def ray_connect(address: str, opts: RunOptions) -> None:
    """Joins the Ray cluster at ``address``."""
    ray = _ray()

    init: dict = {"address": address, "log_to_driver": False, "logging_level": "WARNING"}
    if opts.ship_package:
        import cabin_fleet

        init["runtime_env"] = {"py_modules": [cabin_fleet]}
    ray.init(**init)


@contextmanager
def ray_session(opts: RunOptions):
    """One Ray connection for several fleet runs (a baseline and a candidate). Without an address, a
    single-node local cluster with this machine's CPUs is started for the session and stopped after."""
    if not opts.use_ray:
        yield
        return
    ray = _ray()

    with ExitStack() as stack:
        address = opts.address
        if address is None:
            cpus = os.cpu_count() or 1
            print(f"[fleet] no --address: starting a local Ray cluster with {cpus} CPU(s)",
                  file=opts.progress, flush=True)
            address = stack.enter_context(local_cluster([cpus]))
        ray_connect(address, opts)
        try:
            yield
        finally:
            ray.shutdown()


def _run_with_ray(drives: list[Drive], build: tasks.Build, opts: RunOptions,
                  finish: Callable[[Drive, dict, int], bool]) -> dict:
    ray = _ray()

    # A caller that runs several builds opens one session for all of them (ray_session).
    with ExitStack() as stack:
        if not ray.is_initialized():
            stack.enter_context(ray_session(opts))
        return _submit_all(drives, build, opts, finish)


def _submit_all(drives: list[Drive], build: tasks.Build, opts: RunOptions,
                finish: Callable[[Drive, dict, int], bool]) -> dict:
    ray = _ray()

    cluster = {
        "nodes": sum(1 for n in ray.nodes() if n.get("Alive")),
        "cpus": ray.cluster_resources().get("CPU", 0),
    }
    # Retries are ours (max_retries=0): a failed drive is resubmitted like any other task, and
    # every attempt is counted the same way whether cabin failed or the worker died.
    remote = ray.remote(num_cpus=opts.cpus_per_task, max_retries=0)(tasks.replay_and_score)

    def submit(d: Drive):
        return remote.remote(d.to_dict(), build.to_dict(), opts.timeout_s, opts.keep_events)

    pending = {submit(d): (d, 1) for d in drives}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        ref = done[0]
        drive, attempt = pending.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.RayError as e:
            result = _lost(drive, f"ray: {type(e).__name__}: {str(e)[:500]}")
        if finish(drive, result, attempt):
            pending[submit(drive)] = (drive, attempt + 1)
    return cluster


def _run_locally(drives: list[Drive], build: tasks.Build, opts: RunOptions,
                 finish: Callable[[Drive, dict, int], bool]) -> dict:
    def attempts(d: Drive) -> None:
        attempt = 1
        while finish(d, tasks.replay_and_score(d.to_dict(), build.to_dict(), opts.timeout_s,
                                               opts.keep_events), attempt):
            attempt += 1

    with ThreadPoolExecutor(max_workers=max(1, opts.parallel)) as pool:
        for f in as_completed([pool.submit(attempts, d) for d in drives]):
            f.result()
    return {"nodes": 1, "cpus": opts.parallel, "ray": False}


def run_fleet(drives: list[Drive], build: tasks.Build, opts: RunOptions,
              out_dir: str | Path | None = None, manifest: str | None = None) -> dict:
    """Replays and scores every drive; returns (and writes to out_dir/results.json) the results."""
    progress = _Progress(len(drives), opts.progress, build.label)
    results: dict[str, dict] = {}

    def finish(drive: Drive, result: dict, attempt: int) -> bool:
        """Records an attempt; True when the drive should be tried again."""
        result["attempts"] = attempt
        if not result["ok"] and attempt <= opts.retries:
            progress.retry(result)
            return True
        result.update(drive.to_dict())
        results[drive.id] = result
        progress.finished(result)
        return False

    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    runner = _run_with_ray if opts.use_ray else _run_locally
    cluster = runner(drives, build, opts, finish)
    wall_s = time.perf_counter() - t0
    ordered = [results[d.id] for d in drives]
    ok = [r for r in ordered if r["ok"]]
    drive_s = sum((r["score"] or {}).get("duration_s", 0.0) for r in ok)
    doc = {
        "schema": RESULTS_SCHEMA,
        "build": {**build.to_dict(), "cabin_sha256": _binary_sha256(build.cabin)},
        "manifest": manifest,
        "started_utc": started,
        "wall_s": wall_s,
        "cluster": cluster,
        "summary": {
            "drives": len(ordered),
            "ok": len(ok),
            "failed": len(ordered) - len(ok),
            "drive_s": drive_s,
            "replay_cpu_s": sum(r["replay_wall_s"] or 0.0 for r in ok),
            "drive_hours_per_wall_hour": drive_s / wall_s if wall_s > 0 else None,
        },
        "drives": ordered,
    }
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    s = doc["summary"]
    print(f"[{build.label}] {s['ok']}/{s['drives']} drives ok, {s['failed']} failed, "
          f"{drive_s / 3600:.3f} drive-hours in {wall_s:.1f} s wall "
          f"({s['drive_hours_per_wall_hour'] or 0:.1f} drive-h per wall-h) on "
          f"{cluster.get('nodes')} node(s), {cluster.get('cpus')} CPU(s)",
          file=opts.progress, flush=True)
    return doc


def load_results(path: str | Path) -> dict:
    """A results.json (or the folder holding it)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    doc = json.loads(p.read_text())
    if doc.get("schema") != RESULTS_SCHEMA:
        raise ValueError(f"{p}: not a cabin fleet results file (schema {doc.get('schema')!r})")
    return doc
