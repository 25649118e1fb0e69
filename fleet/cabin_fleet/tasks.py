"""One drive, replayed and scored by the ``cabin`` binary: the body of one Ray task.

It is a plain function of (drive, build) returning a JSON-able dict, so the same code runs in a Ray
worker, in a test's single-process comparison, or with ``--no-ray``. The cabin executor is
deterministic: the events hash of a drive does not depend on the machine, the node or the attempt, so a
retry is idempotent and a changed hash between two builds is a real change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HASH_LINE = re.compile(r"^events sha256: ([0-9a-f]{64})$", re.MULTILINE)
# The replay node says this (tracing, on stderr) when a recording breaks off part-way: the drive is
# then incomplete and counts as failed even though cabin exits 0.
DAMAGE = re.compile(r"replayed up to the damage[^\n]*")
TAIL_CHARS = 2000


@dataclass(frozen=True)
class Build:
    """The build under test: a cabin binary and, optionally, a deployment config."""

    cabin: str
    config: str | None = None
    label: str = "build"
    # cabin's executor threads per drive (results do not depend on it); match the task's CPUs.
    workers: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


class DriveFailed(Exception):
    """A step of the drive failed: the message says which and why."""


def _tail(text: str) -> str:
    return text[-TAIL_CHARS:]


def _run(cmd: list[str], timeout_s: float, step: str) -> subprocess.CompletedProcess:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as e:
        raise DriveFailed(f"{step}: timed out after {timeout_s:.0f} s") from e
    except OSError as e:
        raise DriveFailed(f"{step}: cannot start {cmd[0]}: {e}") from e
    if p.returncode != 0:
        raise DriveFailed(f"{step}: exit status {p.returncode}: {_tail(p.stderr).strip()}")
    return p


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _ray_node_id() -> str | None:
    """The Ray node running this task (several nodes can share one host name), or None outside Ray."""
    try:
        import ray

        return ray.get_runtime_context().get_node_id() if ray.is_initialized() else None
    except ImportError:
        return None


def replay_command(drive: dict, build: Build, events: Path) -> list[str]:
    """The cabin command line that produces the drive's events log."""
    if drive.get("recording"):
        cmd = [build.cabin, "replay", drive["recording"], "--events", str(events), "--quiet"]
    else:
        cmd = [build.cabin, "run", "--scenario", drive["scenario"], "--events", str(events),
               "--no-bus", "--quiet"]
    if build.config:
        cmd += ["--config", build.config]
    return cmd + ["--workers", str(build.workers)]


def replay_and_score(drive: dict, build: dict, timeout_s: float = 600.0,
                     keep_events: str | None = None) -> dict:
    """Replays (or simulates) one drive and scores it; never raises: failures are in the result."""
    b = Build(**build)
    result = {
        "id": drive["id"],
        "ok": False,
        "node": socket.gethostname(),
        "ray_node": _ray_node_id(),
        "pid": os.getpid(),
        "events_sha256": None,
        "events_lines": None,
        "score": None,
        "replay_wall_s": None,
        "score_wall_s": None,
        "error": None,
        "diagnostics": "",
    }
    work = Path(tempfile.mkdtemp(prefix=f"cabin-fleet-{drive['id']}-"))
    try:
        events = work / "events.jsonl"
        t0 = time.perf_counter()
        p = _run(replay_command(drive, b, events), timeout_s, "replay")
        result["replay_wall_s"] = time.perf_counter() - t0
        result["diagnostics"] = _tail(p.stderr)
        damage = DAMAGE.search(p.stderr)
        if damage:
            raise DriveFailed(f"replay: recording incomplete: {damage.group(0)}")
        m = HASH_LINE.search(p.stdout)
        if not m:
            raise DriveFailed(f"replay: no 'events sha256' line in cabin's output: {_tail(p.stdout)}")
        result["events_sha256"] = m.group(1)
        # The file on disk must be what cabin fingerprinted (a full disk, a partial write).
        on_disk = _file_sha256(events)
        if on_disk != m.group(1):
            raise DriveFailed(f"replay: events file hash {on_disk} != cabin's {m.group(1)}")
        with events.open("rb") as f:
            result["events_lines"] = sum(1 for _ in f)
        if drive.get("scenario"):
            t1 = time.perf_counter()
            s = _run([b.cabin, "score", "--scenario", drive["scenario"], "--events", str(events),
                      "--json"], timeout_s, "score")
            result["score_wall_s"] = time.perf_counter() - t1
            try:
                result["score"] = json.loads(s.stdout)
            except json.JSONDecodeError as e:
                raise DriveFailed(f"score: not JSON: {e}: {_tail(s.stdout)}") from e
            # The events file was a temporary one: its path is noise that would differ per attempt.
            result["score"].pop("events_file", None)
        if keep_events:
            dest = Path(keep_events) / f"{drive['id']}.jsonl"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(events, dest)
        result["ok"] = True
    except DriveFailed as e:
        result["error"] = str(e)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result
