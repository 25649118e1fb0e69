"""Fleet throughput on this machine: the figures of docs/perf/fleet.md.

    .venv/bin/python fleet/bench/scale.py [--drives 12] [--cabin target/debug/cabin] [--out out/fleet-bench]

Measures, on one generated corpus (seed 21, 60 s drives):
1. single process, no Ray, one drive at a time: wall and CPU seconds per drive, camera pipeline on and
   off (a deployment without the camera node and with the simulator's frames off);
2. over a real local Ray cluster with 1 worker node (1 CPU) and with 2 nodes (1 CPU each);
3. Ray's own per-task cost: no-op tasks, and tasks that only start a process (`true`).
Prints a JSON summary (also written to OUT/scale.json).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from cabin_fleet import manifest
from cabin_fleet.run import RunOptions, run_fleet
from cabin_fleet.tasks import Build

RAY = str(Path(sys.executable).with_name("ray"))


def camera_off_config(cabin: str, path: Path) -> Path:
    """The default deployment without the camera node, the simulator publishing no frames."""
    text = subprocess.run([cabin, "config"], capture_output=True, text=True, check=True).stdout
    text, n = re.subn(r'\[\[node\]\]\nname = "camera"\nkind = "camera"\nprocess = "[^"]*"\n', "", text)
    text, m = re.subn(r'params = \{ scenario = "default" \}', 'params = { scenario = "default", camera = false }',
                      text)
    if n != 1 or m != 1:
        raise SystemExit("cannot derive a camera-off config from `cabin config` (its layout changed)")
    path.write_text(text)
    return path


def children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def local_pass(drives, build: Build) -> dict:
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    doc = run_fleet(drives, build, RunOptions(use_ray=False, parallel=1, retries=0, progress=io.StringIO()))
    wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    drive_s = doc["summary"]["drive_s"]
    replay = [r["replay_wall_s"] for r in doc["drives"]]
    return {"drives": len(drives), "ok": doc["summary"]["ok"], "drive_s": drive_s, "wall_s": wall,
            "cpu_s": cpu, "replay_wall_s_per_drive": sum(replay) / len(replay),
            "drive_h_per_wall_h": drive_s / wall, "drive_h_per_cpu_h": drive_s / cpu,
            "hashes": {r["id"]: r["events_sha256"] for r in doc["drives"]}}


def start_cluster(nodes: int, env: dict) -> str:
    port = None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    head = subprocess.run([RAY, "start", "--head", f"--port={port}", "--num-cpus=1",
                           "--include-dashboard=false", "--disable-usage-stats"],
                          env=env,
                          capture_output=True, text=True, check=True)
    address = re.search(r"ray start --address='([^']+)'", head.stdout + head.stderr).group(1)
    for _ in range(nodes - 1):
        subprocess.run([RAY, "start", f"--address={address}", "--num-cpus=1", "--disable-usage-stats"],
                       env=env, capture_output=True, text=True, check=True)
    return address


def ray_pass(drives, build: Build, nodes: int, env: dict) -> dict:
    address = start_cluster(nodes, env)
    try:
        t0 = time.perf_counter()
        doc = run_fleet(drives, build, RunOptions(address=address, retries=0, progress=io.StringIO()))
        wall = time.perf_counter() - t0
        overhead = ray_overhead(address)
    finally:
        subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True)
    drive_s = doc["summary"]["drive_s"]
    return {"nodes": nodes, "drives": len(drives), "ok": doc["summary"]["ok"], "drive_s": drive_s,
            "wall_s": wall, "drive_h_per_wall_h": drive_s / wall,
            "connect_and_run_wall_s": wall, **overhead,
            "hashes": {r["id"]: r["events_sha256"] for r in doc["drives"]}}


def ray_overhead(address: str, n: int = 200) -> dict:
    """Per-task cost of Ray itself on this cluster: an empty task, and a task that starts `true`."""
    import ray

    ray.init(address=address, log_to_driver=False, logging_level="WARNING")
    try:
        noop = ray.remote(num_cpus=1)(lambda: None)
        spawn = ray.remote(num_cpus=1)(lambda: subprocess.run(["true"]).returncode)
        ray.get([noop.remote() for _ in range(10)])  # warm the workers
        t0 = time.perf_counter()
        ray.get([noop.remote() for _ in range(n)])
        t_noop = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        ray.get([spawn.remote() for _ in range(n)])
        t_spawn = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        for _ in range(n):
            subprocess.run(["true"])
        t_direct = (time.perf_counter() - t0) / n
    finally:
        ray.shutdown()
    return {"noop_task_ms": 1e3 * t_noop, "spawn_true_task_ms": 1e3 * t_spawn,
            "spawn_true_direct_ms": 1e3 * t_direct}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--drives", type=int, default=12)
    p.add_argument("--cabin", default="target/debug/cabin")
    p.add_argument("--out", default="out/fleet-bench")
    a = p.parse_args()
    cabin = str(Path(a.cabin).resolve())
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / "corpus"
    subprocess.run([cabin, "scenarios", "generate", "--count", str(a.drives), "--seed", "21", "--out",
                    str(corpus), "--min-duration-s", "60", "--max-duration-s", "60"], check=True,
                   capture_output=True)
    drives = manifest.load(corpus / "corpus.json")
    # Token authentication (Ray 2.60's default) with a token of this run, for every node and the driver.
    os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)})
    env = dict(os.environ)
    on = Build(cabin=cabin, label="camera-on")
    off = Build(cabin=cabin, config=str(camera_off_config(cabin, out / "camera_off.toml")), label="camera-off")
    result = {"cores": os.cpu_count(), "loadavg_before": os.getloadavg()}
    result["local_camera_on"] = local_pass(drives, on)
    result["local_camera_off"] = local_pass(drives, off)
    result["ray_1_node"] = ray_pass(drives, on, 1, env)
    result["ray_2_nodes"] = ray_pass(drives, on, 2, env)
    result["hashes_equal_everywhere"] = (result["local_camera_on"]["hashes"] == result["ray_1_node"]["hashes"]
                                         == result["ray_2_nodes"]["hashes"])
    result["loadavg_after"] = os.getloadavg()
    for k in ("local_camera_on", "local_camera_off", "ray_1_node", "ray_2_nodes"):
        result[k].pop("hashes")
    (out / "scale.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
