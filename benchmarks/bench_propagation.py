"""Engine throughput and `iadsim coverage` time with the propagation model (issue 16) against the peer,
iadsim as of commit 3d20922: the engine as it stood before the issue's model was wired in (two-ray over a flat
mirror, no diffraction, no terrain-aware reflection; the issue's first slice had added physics functions that
nothing called yet, and the review fixes of issue 15 were in). The issue's target: both within 1.3x of the
peer on the reference scenario.

In the same run, on ``examples/reference-large.yaml`` (12 sensors, 48 aircraft, one hour at 1 s):

* ``iadsim simulate --replications N`` (the World's physics - where propagation is computed - and N
  replications), and
* ``iadsim coverage --out DIR`` (four height bands),

each run as users run them: a fresh process, start-up included, one thread each (``OMP_NUM_THREADS=1`` and
friends for both), best of ``--repeat``, the two versions alternating. The peer's source is taken with
``git archive 3d20922 src`` into a temporary folder and run with this venv's packages (``PYTHONPATH``), so
the benchmark needs the repository's history. Each version keeps its own caches.

    .venv/bin/python benchmarks/bench_propagation.py [--replications 200] [--repeat 3]
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
PEER = "3d20922"
SCENARIO = ROOT / "examples" / "reference-large.yaml"
TARGET_RATIO = 1.3


def _seconds(src: Path, cache: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "iadsim.cli", *args], env=run_env(src, cache), capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"iadsim {' '.join(args)} failed with {src}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-propagation-") as tmp:
        tmp = Path(tmp)
        versions = {"iadsim (this)": ROOT / "src", f"iadsim {PEER} (peer)": peer_source(PEER, tmp / "peer")}
        jobs = {
            f"simulate, {args.replications} replications": ("simulate", str(SCENARIO), "--replications",
                                                            str(args.replications), "--seed", "7"),
            "coverage, 4 bands": ("coverage", str(SCENARIO), "--out", str(tmp / "coverage")),
        }
        print(f"{SCENARIO.name}: best of {args.repeat}, start-up included, one thread each")
        failed = False
        for job, command in jobs.items():
            times = {label: [] for label in versions}
            for i, src in enumerate(versions.values()):
                _seconds(src, tmp / f"cache-{i}", *command)  # warm: compiled kernels and the audit cache
            for _ in range(args.repeat):
                for i, (label, src) in enumerate(versions.items()):
                    times[label].append(_seconds(src, tmp / f"cache-{i}", *command))
            ours, peer = (min(t) for t in times.values())
            for label, t in times.items():
                print(f"  {job:32s} {label:26s} {min(t):7.2f} s")
            ratio = ours / peer
            print(f"  {job:32s} ratio this/peer: {ratio:.2f}x (target <= {TARGET_RATIO:g}x)")
            if ratio > TARGET_RATIO:
                print(f"  TARGET MISSED: {job} is {ratio:.2f}x the peer's time")
                failed = True
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
