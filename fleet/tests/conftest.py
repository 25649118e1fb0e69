"""Fixtures for the fleet tests: the cabin binary, a generated corpus, and a REAL local Ray cluster
(a head node and a second worker node, each with 1 CPU, started with `ray start` like a real cluster;
`ray stop --force` in teardown, also when a test or the start-up fails)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAY = str(Path(sys.executable).with_name("ray"))


def _cabin() -> Path:
    p = Path(os.environ.get("CABIN_BIN", ROOT / "target" / "debug" / "cabin"))
    if not p.is_file():
        pytest.fail(f"{p}: no cabin binary (build it first: cargo build, or set CABIN_BIN)")
    return p


@pytest.fixture(scope="session")
def cabin() -> str:
    return str(_cabin())


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, cabin) -> Path:
    """8 generated drives of 36-42 s: short enough for CI, each with at least one scored episode."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([cabin, "scenarios", "generate", "--count", "8", "--seed", "12", "--out", str(out),
                    "--min-duration-s", "36", "--max-duration-s", "42"], check=True,
                   capture_output=True, text=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([RAY, *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):
    """The address of a 2-node local Ray cluster (head + worker, 1 CPU each)."""
    # Ray 2.60 authenticates with a token by default: this cluster's own random token, given to every
    # node and to the driver (this process) in the environment; nothing is written to ~/.ray.
    token = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env = {**os.environ, **token}
    port = _free_port()
    temp = tmp_path_factory.mktemp("ray")
    try:
        head = _ray("start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                    "--disable-usage-stats", f"--temp-dir={temp}", env=env)
        assert head.returncode == 0, f"ray start --head failed:\n{head.stdout}\n{head.stderr}"
        # Ray advertises this machine's own interface address (not 127.0.0.1): use what it prints.
        m = re.search(r"ray start --address='([^']+)'", head.stdout + head.stderr)
        assert m, f"no address in ray start's output:\n{head.stdout}"
        address = m.group(1)
        worker = _ray("start", f"--address={address}", "--num-cpus=1", "--disable-usage-stats", env=env)
        assert worker.returncode == 0, f"ray start --address failed:\n{worker.stdout}\n{worker.stderr}"
        os.environ.update(token)
        yield address
    finally:
        _ray("stop", "--force", env=env)
        shutil.rmtree(temp, ignore_errors=True)
