"""A local Ray cluster started the way a real one is: `ray start --head` (and optionally more nodes
with `ray start --address`), each a separate process tree, stopped with `ray stop --force`.

Why not `ray.init()` with no address: Ray 2.60 turns token authentication on by default, and a cluster
that `ray.init()` starts inside the driver reads its auth settings before the driver can hand them a
token (the GCS aborts without one; with one in the environment, the driver then says the mode is
'disabled'). Starting the nodes with `ray start` and a token in their environment, then connecting the
driver to the printed address with the same token, is the path that works — and it is the same path a
multi-node cluster takes, so the local run exercises what production does.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# `ray` from the same venv as this interpreter (fleet/install.sh puts both there).
RAY = str(Path(sys.executable).with_name("ray"))


class LocalClusterError(RuntimeError):
    """`ray start` failed; the message carries its output."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([RAY, *args], env=env, capture_output=True, text=True, timeout=180)


@contextmanager
def local_cluster(cpus_per_node: list[int]) -> Iterator[str]:
    """Starts a head node plus one node per further entry of ``cpus_per_node`` on this machine and
    yields the cluster address; the driver's environment gets the cluster's own random token, and the
    token never touches ~/.ray. This cluster's processes are stopped (and its temp dir removed) on
    exit; other Ray clusters on the machine are left alone."""
    if not cpus_per_node:
        raise ValueError("a cluster needs at least a head node")
    token = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env = {**os.environ, **token}
    temp = tempfile.mkdtemp(prefix="cabin-ray-")
    try:
        head = _ray(["start", "--head", f"--port={_free_port()}", f"--num-cpus={cpus_per_node[0]}",
                     "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"], env)
        if head.returncode != 0:
            raise LocalClusterError(f"ray start --head failed:\n{head.stdout}\n{head.stderr}")
        # Ray advertises this machine's own interface address (not 127.0.0.1): use what it prints.
        m = re.search(r"ray start --address='([^']+)'", head.stdout + head.stderr)
        if not m:
            raise LocalClusterError(f"no address in ray start's output:\n{head.stdout}\n{head.stderr}")
        address = m.group(1)
        for cpus in cpus_per_node[1:]:
            node = _ray(["start", f"--address={address}", f"--num-cpus={cpus}", "--disable-usage-stats"], env)
            if node.returncode != 0:
                raise LocalClusterError(f"ray start --address failed:\n{node.stdout}\n{node.stderr}")
        saved = {k: os.environ.get(k) for k in token}
        os.environ.update(token)
        try:
            yield address
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    finally:
        _stop(temp)
        shutil.rmtree(temp, ignore_errors=True)


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process this user can see (Linux /proc)."""
    procs: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            # the parent pid is the field after the parenthesised command name, which may hold spaces
            stat = (entry / "stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        procs[int(entry.name)] = (ppid, cmdline)
    return procs


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie has ended: it only waits for its parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:][:1] != "Z"


def _stop(temp: str, term_grace_s: float = 2.0, kill_wait_s: float = 10.0) -> None:
    """Stops this cluster's processes only — those whose command line names its temp dir (GCS,
    raylets, monitors) and their descendants (workers, agents) — where `ray stop --force` would end
    every Ray cluster on the machine, a test's or a user's included.

    SIGTERM first, then SIGKILL for whatever still runs ``term_grace_s`` later. The grace is short on
    purpose: the cluster's temp dir (its logs and state) is deleted right after, so nothing needs a
    clean exit, and several of its processes do not exit on SIGTERM at all — measured 2026-12-06 with
    Ray 2.60: the GCS server and the autoscaler monitor still ran 10 s after it, and so did a raylet that
    had run tasks, so the former 10 s grace was waited out at every stop (twice per fleet test session)."""
    procs = _processes()
    ours = {pid for pid, (_, cmd) in procs.items() if temp in cmd and pid != os.getpid()}
    grew = True
    while grew:
        children = {pid for pid, (ppid, _) in procs.items() if ppid in ours} - ours - {os.getpid()}
        grew = bool(children)
        ours |= children
    for sig, wait_s in ((signal.SIGTERM, term_grace_s), (signal.SIGKILL, kill_wait_s)):
        for pid in ours:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and any(_alive(pid) for pid in ours):
            time.sleep(0.1)
