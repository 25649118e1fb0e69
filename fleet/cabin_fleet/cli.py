"""``cabin-fleet`` (and ``cabin fleet``): run a fleet, compare two builds, or both in one go.

    cabin-fleet run MANIFEST --out DIR [--cabin BIN] [--config DEPLOY.toml] [--address ADDR]
    cabin-fleet compare BASELINE CANDIDATE --out DIR          (two results folders or results.json)
    cabin-fleet regress MANIFEST --out DIR [--baseline-cabin B] [--baseline-config C]
                                 [--candidate-cabin B2] [--candidate-config C2]
    cabin-fleet summary RESULTS                                (one build's totals with CIs)

Exit status: 0 ok; 1 a regression (compare/regress) or a failed drive (run, with --strict); 2 bad usage
or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
from pathlib import Path

from . import manifest, report
from .run import RunOptions, load_results, ray_session, run_fleet
from .tasks import Build


def default_cabin() -> str:
    """$CABIN_BIN, else ./target/debug/cabin, else `cabin` on the PATH."""
    if os.environ.get("CABIN_BIN"):
        return os.environ["CABIN_BIN"]
    local = Path("target/debug/cabin")
    if local.is_file():
        return str(local.resolve())
    return shutil.which("cabin") or "cabin"


def _cluster_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cluster")
    g.add_argument("--address", help="Ray cluster: 'auto' (the one on this node), HOST:PORT or "
                   "ray://HOST:10001; default: start a local cluster for this run")
    g.add_argument("--no-ray", action="store_true",
                   help="run the drives in local threads instead (the single-process reference)")
    g.add_argument("--parallel", type=int, default=1, help="threads with --no-ray (default 1)")
    g.add_argument("--retries", type=int, default=1, help="extra attempts for a failed drive (default 1)")
    g.add_argument("--timeout-s", type=float, default=600.0, help="per drive and step (default 600)")
    g.add_argument("--cpus-per-task", type=float, default=1.0, help="Ray CPUs reserved per drive (default 1)")
    g.add_argument("--workers", type=int, default=1,
                   help="cabin executor threads per drive (default 1; results do not depend on it)")
    g.add_argument("--keep-events", metavar="DIR",
                   help="copy each drive's events log to DIR/<id>.jsonl (shared storage on a cluster)")
    g.add_argument("--ship-package", action="store_true",
                   help="upload cabin_fleet to the cluster (Ray runtime_env) when nodes lack it")


def _options(a: argparse.Namespace) -> RunOptions:
    return RunOptions(address=a.address, use_ray=not a.no_ray, retries=a.retries, timeout_s=a.timeout_s,
                      cpus_per_task=a.cpus_per_task, parallel=a.parallel, keep_events=a.keep_events,
                      ship_package=a.ship_package)


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--latency-tolerance-s", type=float, default=0.5,
                   help="a detected episode alerted this much later is a regression (default 0.5)")
    p.add_argument("--no-plot", action="store_true", help="skip report.png (matplotlib)")
    p.add_argument("--fail-on-hash-change", action="store_true",
                   help="exit 1 when any drive's events hash changed, even with equal scores")


def _finish_report(base: dict, cand: dict, a: argparse.Namespace, out: Path) -> int:
    rep = report.compare(base, cand, latency_tolerance_s=a.latency_tolerance_s)
    written = report.write(rep, out, with_plot=not a.no_plot)
    print(report.markdown(rep))
    print(f"report: {', '.join(written.values())}", file=sys.stderr)
    return report.exit_status(rep, a.fail_on_hash_change)


def cmd_run(a: argparse.Namespace) -> int:
    drives = manifest.load(a.manifest)
    build = Build(cabin=a.cabin, config=a.config, label=a.label, workers=a.workers)
    doc = run_fleet(drives, build, _options(a), out_dir=a.out, manifest=str(a.manifest))
    print(json.dumps(doc["summary"]))
    return 1 if a.strict and doc["summary"]["failed"] else 0


def cmd_compare(a: argparse.Namespace) -> int:
    return _finish_report(load_results(a.baseline), load_results(a.candidate), a, Path(a.out))


def cmd_regress(a: argparse.Namespace) -> int:
    drives = manifest.load(a.manifest)
    opts = _options(a)
    out = Path(a.out)
    base = Build(cabin=a.baseline_cabin, config=a.baseline_config, label="baseline", workers=a.workers)
    cand = Build(cabin=a.candidate_cabin or a.baseline_cabin, config=a.candidate_config,
                 label="candidate", workers=a.workers)
    if base == Build(**{**cand.to_dict(), "label": "baseline"}):
        print("cabin-fleet regress: the candidate is the baseline (give --candidate-cabin or "
              "--candidate-config)", file=sys.stderr)
        return 2
    with ray_session(opts):
        b = run_fleet(drives, base, opts, out_dir=out / "baseline", manifest=str(a.manifest))
        c = run_fleet(drives, cand, opts, out_dir=out / "candidate", manifest=str(a.manifest))
    return _finish_report(b, c, a, out)


def cmd_summary(a: argparse.Namespace) -> int:
    res = load_results(a.results)
    t = report.totals(res)
    print(json.dumps({"build": res["build"], "summary": res["summary"], "totals": t}, indent=1))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cabin-fleet", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="replay + score every drive of a manifest over Ray")
    r.add_argument("manifest", help="corpus.json / drives.json, a list of paths, or a folder")
    r.add_argument("--out", required=True, help="results folder (results.json)")
    r.add_argument("--cabin", default=default_cabin(), help="the cabin binary (every node must have it)")
    r.add_argument("--config", help="deployment config for cabin (--config)")
    r.add_argument("--label", default="build", help="name of this build in reports")
    r.add_argument("--strict", action="store_true", help="exit 1 if any drive failed")
    _cluster_args(r)
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="regression report between two results")
    c.add_argument("baseline")
    c.add_argument("candidate")
    c.add_argument("--out", required=True, help="report folder (report.md, report.json, report.png)")
    _report_args(c)
    c.set_defaults(func=cmd_compare)

    g = sub.add_parser("regress", help="run a baseline and a candidate build, then compare them")
    g.add_argument("manifest")
    g.add_argument("--out", required=True, help="folder for baseline/, candidate/ and the report")
    g.add_argument("--baseline-cabin", default=default_cabin())
    g.add_argument("--baseline-config")
    g.add_argument("--candidate-cabin", help="default: the baseline binary")
    g.add_argument("--candidate-config")
    _cluster_args(g)
    _report_args(g)
    g.set_defaults(func=cmd_regress)

    s = sub.add_parser("summary", help="one build's totals with confidence intervals")
    s.add_argument("results")
    s.set_defaults(func=cmd_summary)
    return p


def _exit_on_term(signum, _frame) -> None:
    # SIGTERM's default ends Python without unwinding: a local Ray cluster the run started would be left
    # running. As an exception, the `finally` that stops it runs.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_term)
    signal.signal(signal.SIGHUP, _exit_on_term)
    try:
        return a.func(a)
    except (manifest.ManifestError, ValueError, OSError) as e:
        print(f"cabin-fleet: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
