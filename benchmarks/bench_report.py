"""`iadsim report` on a run folder: this iadsim against a peer, an earlier iadsim:

* ``--peer f7b98e7`` (the default): the report before issue 20 (no breakdown by raid, type and fire unit, no
  engagement timeline, no "what drove the outcome", a replay without states), so the ratio is the price of
  explaining (issue 20, "Done when": building the report on the demo run takes under 10 s);
* ``--peer 1b2d16d`` (issue 13's end): a report that rebuilt the engine's World and recomputed coverage from
  the stored scenario to draw its map and replay (issue 14: under 10 s and 600 MB).

In the same run, for each scenario (the demo's ``airbase-as-designed`` and the bigger ``reference-large``):

* each version simulates its own run folder (same scenario, seed and replications; each reads only its
  own format), untimed;
* each version's ``iadsim report RUN --out page.html`` is run as its users run it: a fresh process, start-up
  included, one thread each (``OMP_NUM_THREADS=1`` etc. for both), best of ``--repeat``; peak memory is the
  process's maximum resident set size.

The peer's source is taken with ``git archive 1b2d16d src`` into a temporary folder and run with this
venv's packages (``PYTHONPATH``), so the benchmark needs the repository's history.

    .venv/bin/python benchmarks/bench_report.py [--replications 200] [--repeat 3] [--peer f7b98e7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _peer import peer_source, run_env

ROOT = Path(__file__).resolve().parents[1]
PEERS = ("f7b98e7", "1b2d16d")
SCENARIOS = ("airbase-as-designed", "reference-large")
TARGET_SECONDS, TARGET_MB = 10.0, 600.0

_MEASURE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")


def _cli(src: Path, cache: Path, *args: str) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of ``iadsim ARGS`` run from ``src`` in a fresh process."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "iadsim.cli", *args],
                         env=run_env(src, cache), capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak_kb, code = out.stdout.split()[-2:]
    if code != "0":
        raise SystemExit(f"iadsim {' '.join(args)} failed (exit {code}) with {src}")
    return seconds, int(peak_kb) / 1024.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer", default=PEERS[0], choices=PEERS)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        versions = {"iadsim (this)": ROOT / "src", f"iadsim {args.peer} (peer)": peer_source(args.peer, tmp / "peer")}
        print(f"report of a {args.replications}-replication run, best of {args.repeat}, start-up included, "
              "one thread each")
        failed = False
        for name in args.scenarios:
            scenario = ROOT / "examples" / f"{name}.yaml"
            results = {}
            for label, src in versions.items():
                run = tmp / f"{name}-{len(results)}"
                cache = tmp / f"cache-{len(results)}"
                _cli(src, cache, "simulate", str(scenario), "--replications", str(args.replications), "--seed", "7",
                     "--out", str(run))
                best = min((_cli(src, cache, "report", str(run), "--out", str(tmp / "page.html"))
                            for _ in range(args.repeat)), key=lambda r: r[0])
                results[label] = best
                print(f"  {name:22s} {label:26s} {best[0]:6.2f} s  {best[1]:7.0f} MB")
            (ours_s, ours_mb), (peer_s, peer_mb) = results.values()
            print(f"  {name:22s} ratio peer/this: time {peer_s / ours_s:.2f}x, memory {peer_mb / ours_mb:.2f}x")
            if name == "airbase-as-designed" and (ours_s > TARGET_SECONDS or ours_mb > TARGET_MB):
                print(f"  TARGET MISSED: the demo run's report must take under {TARGET_SECONDS:g} s, {TARGET_MB:g} MB")
                failed = True
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
