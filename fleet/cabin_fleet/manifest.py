"""What a fleet run replays: a list of drives, each a scenario file and/or an MCAP recording.

A manifest is one of
- a JSON file with a ``drives`` list (``cabin scenarios generate`` writes ``corpus.json`` this way), each
  entry ``{"id": ..., "scenario": "a.toml", "recording": "a.mcap"}`` (at least one of the two files;
  ``scenario`` alone = simulate it, ``recording`` = replay it, scored against ``scenario`` if given);
- a text file with one path per line (``.toml`` = scenario, ``.mcap`` = recording; ``#`` comments);
- a folder: every ``*.toml`` and ``*.mcap`` in it, a recording paired with the scenario of the same stem.

Relative paths are relative to the manifest's folder and are made absolute, so every node of a cluster
finds the files on a shared directory mounted at the same place.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


class ManifestError(ValueError):
    """A manifest that cannot be read: the message names the file and the entry."""


@dataclass(frozen=True)
class Drive:
    id: str
    scenario: str | None = None
    recording: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _resolve(base: Path, value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ManifestError(f"{where}: expected a path, got {value!r}")
    p = Path(value)
    return str(p if p.is_absolute() else (base / p).resolve())


def _from_json(path: Path) -> list[Drive]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ManifestError(f"{path}: {e}") from e
    entries = doc.get("drives") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise ManifestError(f"{path}: expected a 'drives' list")
    drives = []
    for i, e in enumerate(entries):
        where = f"{path}: drives[{i}]"
        if not isinstance(e, dict):
            raise ManifestError(f"{where}: expected an object")
        scenario = _resolve(path.parent, e.get("scenario"), f"{where}.scenario")
        recording = _resolve(path.parent, e.get("recording"), f"{where}.recording")
        if scenario is None and recording is None:
            raise ManifestError(f"{where}: needs 'scenario' and/or 'recording'")
        default_id = Path(recording or scenario).stem
        drives.append(Drive(id=str(e.get("id") or default_id), scenario=scenario, recording=recording))
    return drives


def _from_paths(paths: list[Path]) -> list[Drive]:
    by_stem: dict[str, dict[str, str]] = {}
    for p in paths:
        kind = {".toml": "scenario", ".mcap": "recording"}.get(p.suffix)
        if kind is None:
            raise ManifestError(f"{p}: not a .toml scenario or an .mcap recording")
        by_stem.setdefault(p.stem, {})[kind] = str(p.resolve())
    return [Drive(id=stem, **files) for stem, files in by_stem.items()]


def load(path: str | Path) -> list[Drive]:
    """The drives of a manifest (JSON, path list or folder), ids unique, in manifest order."""
    path = Path(path)
    if path.is_dir():
        drives = _from_paths(sorted(p for p in path.iterdir() if p.suffix in (".toml", ".mcap")))
    elif not path.is_file():
        raise ManifestError(f"{path}: no such manifest")
    elif path.suffix == ".json":
        drives = _from_json(path)
    else:
        lines = [l.strip() for l in path.read_text().splitlines()]
        base = path.parent
        drives = _from_paths([(base / l).resolve() for l in lines if l and not l.startswith("#")])
    if not drives:
        raise ManifestError(f"{path}: no drives")
    seen: set[str] = set()
    for d in drives:
        if d.id in seen:
            raise ManifestError(f"{path}: drive id {d.id!r} appears twice")
        seen.add(d.id)
    return drives
