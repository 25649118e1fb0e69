"""Fixtures for the fleet tests: the cabin binary, a generated corpus, and a REAL local Ray cluster
(a head node and a second worker node, each with 1 CPU, started with `ray start` like a real cluster;
`ray stop --force` in teardown, also when a test or the start-up fails)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cabin_fleet.local_cluster import local_cluster

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="session")
def ray_cluster():
    """The address of a 2-node local Ray cluster (head + worker, 1 CPU each), with its own random auth
    token in this process's environment; `ray stop --force` at the end, also when start-up fails."""
    with local_cluster([1, 1]) as address:
        yield address
