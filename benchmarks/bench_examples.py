"""The engine on each example scenario, side by side with the engine of an earlier commit.

The peer is this project's own engine as it was at ``--commit`` (its ``src`` exported with ``git archive``), run the
same way in the same run: each side in a fresh interpreter per round, one process, one thread (numba's and BLAS's:
:func:`_peer.run_env`) and its own numba cache, both cold at the start; a first round, not counted, fills the caches
(compiling a kernel is not the engine's speed). In a round each side builds every example's world (its time printed
apart), warms up on two replications, then runs ``--replications`` replications in one batch
(``Engine(..., events=False)``), timed; the sides take turns, each going first in turn, ``--rounds`` times (this
shared machine's load drifts), and the medians are compared. Each side also hashes every outcome array of its run:
the script says whether both engines gave the same outcomes, bit for bit (a speed-up that changed a result would be
a different engine, not a faster one).

    python benchmarks/bench_examples.py [--commit 4d81b7d] [--replications 200] [--rounds 3] [examples ...]

The default commit is the one before the emission and silence paths were compiled (2026-12-07, night); the default
examples are every ``examples/*.yaml`` but the national-scale one (``bench_national.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _peer import peer_source, run_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COMMIT = "4d81b7d"


def worker(n: int, examples: list[str]) -> None:
    """Worker mode: each example's run time (and build time, outcome hash) as JSON, from whichever iadsim the
    interpreter imports."""
    import threadpoolctl

    import iadsim
    from iadsim.engine import Engine, build_world
    from iadsim.scenario import load_scenario

    out = {"iadsim": str(Path(iadsim.__file__).parent)}
    with threadpoolctl.threadpool_limits(1):
        for path in examples:
            t0 = time.perf_counter()
            world = build_world(load_scenario(path))
            build = time.perf_counter() - t0
            Engine(world, np.arange(2), events=False).run()  # warm-up (compiled kernels)
            t0 = time.perf_counter()
            state = Engine(world, np.arange(n), events=False).run()
            run = time.perf_counter() - t0
            digest = hashlib.sha256()
            outcomes = state.outcomes
            for field in dataclasses.fields(outcomes):
                value = getattr(outcomes, field.name)
                if isinstance(value, np.ndarray):
                    digest.update(field.name.encode())
                    digest.update(np.ascontiguousarray(value).tobytes())
            out[path] = {"build": build, "run": run, "outcomes": digest.hexdigest()[:16],
                         "steps": len(world.times), "targets": len(world.target_ids)}
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", nargs="*", help="scenario files (default: examples/*.yaml but national-scale)")
    parser.add_argument("--commit", default=DEFAULT_COMMIT, help="the peer: the engine at this commit")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    examples = args.examples or [str(p.relative_to(ROOT)) for p in sorted((ROOT / "examples").glob("*.yaml"))
                                 if p.stem != "national-scale"]
    if args.worker:
        worker(args.replications, examples)
        return
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}; {args.replications} replications "
          f"per example in one batch, one process and one thread per side, {args.rounds} rounds in turn after one "
          "not counted")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            old_src = peer_source(args.commit, Path(tmp) / "peer")
        except subprocess.CalledProcessError as e:
            sys.exit(f"commit {args.commit}: not available ({e.stderr.decode(errors='replace').strip()})")
        sides = ((f"at {args.commit}", old_src, Path(tmp) / "cache-peer"),
                 ("this commit", ROOT / "src", Path(tmp) / "cache-this"))
        runs: dict[str, list[dict]] = {name: [] for name, _, _ in sides}
        for round_ in range(args.rounds + 1):
            for name, src, cache in sides if round_ % 2 == 0 else sides[::-1]:  # (each side first in turn)
                done = subprocess.run([sys.executable, __file__, "--worker", "--replications", str(args.replications),
                                       *examples], env=run_env(src, cache), capture_output=True, text=True,
                                      check=False, cwd=ROOT)
                if done.returncode:
                    sys.exit(f"{name}: the worker failed ({done.returncode}):\n{done.stderr[-2000:]}")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                assert Path(result["iadsim"]).resolve() == (src / "iadsim").resolve(), result["iadsim"]
                if round_:  # (the first fills the caches)
                    runs[name].append(result)
    (old_name, old), (new_name, new) = runs.items()
    print(f"{'example':24s} {'steps':>6s} {'targets':>7s}  {old_name + ' [s]':>16s}  {'this commit [s]':>16s}  "
          f"{'ratio':>6s}  outcomes   rounds [s] ({old_name} / this commit)")
    for path in examples:
        t_old, t_new = (float(np.median([r[path]["run"] for r in side])) for side in (old, new))
        same = len({r[path]["outcomes"] for r in old + new}) == 1
        info = new[0][path]
        rounds = ", ".join(f"{a[path]['run']:.2f}/{b[path]['run']:.2f}" for a, b in zip(old, new, strict=True))
        print(f"{Path(path).stem:24s} {info['steps']:6d} {info['targets']:7d}  {t_old:16.2f}  {t_new:16.2f}  "
              f"{t_new / t_old:6.2f}  {'identical' if same else 'DIFFERENT':9s}  {rounds}")
    builds = ", ".join(f"{Path(path).stem} {np.median([r[path]['build'] for r in old]):.1f}/"
                       f"{np.median([r[path]['build'] for r in new]):.1f}" for path in examples)
    print(f"build_world [s] (medians, {old_name} / this commit): {builds}")
    print("(run times: medians of the rounds; ratio < 1: this commit is faster. An example whose code path did not "
          "change measures this machine's drift)")


if __name__ == "__main__":
    main()
