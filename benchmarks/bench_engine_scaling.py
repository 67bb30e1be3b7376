"""How the engine's time and memory grow: replications, aircraft, units and the time step (issue 21).

The peer is the reference scenario itself (`examples/reference-large.yaml`: 12 sensors, 14 fire units, 48
aircraft, 1 h at 1 s) run the same way in the same run: every case is one fresh process (one thread, the numba
cache warm), which loads the scenario, builds the world, runs two replications to warm up and then the case's
replications in batches of 100, and reports the world's build time, the run's time and the process's peak
resident memory (imports included). Printed: a table of cases, each axis's log-log slope of time and of memory
against its size (`np.polyfit` on the logs), and the issue's targets with PASS/FAIL:

- 100 replications of four times the reference laydown (the sites repeated four times around one shared
  command-post and early-warning layer, as `bench_audit.py` builds it, the raids unchanged) at most 5x the
  reference's time (build and run);
- 1,000 aircraft (every raid 25 times as large and 5 s apart: 1,000 threats and the 8 airliners) at most 25x the
  48-aircraft time and under 1 GB peak memory.

The cases of the two targets (and the reference) run three times each and their medians are compared (a shared
machine's load drifts).

    python benchmarks/bench_engine_scaling.py [--replications 100] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "reference-large.yaml"
BATCH = 100


def scenario(units: int = 1, aircraft: int = 1, step: float | None = None) -> dict:
    """The reference with its laydown repeated ``units`` times, every raid ``aircraft`` times as large (5 s
    apart) and, if given, another time step [s]."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_audit import laydown

    data = yaml.safe_load(REFERENCE.read_text())
    if units > 1:
        data = {**laydown(data, units), "threats": data["threats"], "traffic": data.get("traffic", [])}
    for raid in data["threats"]:
        if aircraft > 1:
            raid["count"] *= aircraft
            raid["spacing"] = "5 s"
    if step is not None:
        data["step"] = f"{step:g} s"
    return data


def case(spec: dict, replications: int) -> dict:
    """Worker mode: build and run one case in this process; its timings and peak memory."""
    warnings.simplefilter("ignore")
    from iadsim.engine import Engine, build_world
    from iadsim.scenario import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.yaml"
        path.write_text(yaml.safe_dump(scenario(**spec), sort_keys=False))
        t0 = time.perf_counter()
        world = build_world(load_scenario(path))
        build = time.perf_counter() - t0
    Engine(world, np.arange(2), events=False).run()  # warm-up: the compiled kernels
    t0 = time.perf_counter()
    for start in range(0, replications, BATCH):
        Engine(world, np.arange(start, min(start + BATCH, replications)), events=False).run()
    run = time.perf_counter() - t0
    return {"build": build, "run": run, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "sensors": len(world.sensor_ids), "fire_units": len(world.fire_ids), "aircraft": len(world.target_ids),
            "steps": len(world.times), "pairs": int(len(world.looks.pd))}


def fresh(spec: dict, replications: int, repeat: int = 1) -> dict:
    """One case in ``repeat`` fresh processes: the median of each timing, the largest peak memory."""
    env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--case", json.dumps(spec), "--replications",
                              str(replications)], env={**os.environ, **env}, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result = dict(runs[0])
    for name in ("build", "run"):
        result[name] = float(np.median([r[name] for r in runs]))
    result["rss_mb"] = max(r["rss_mb"] for r in runs)
    result["repeat"] = repeat
    return result


def slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="fewer and smaller cases (no targets checked)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(json.loads(args.case), args.replications)))
        return 0
    n = args.replications
    axes = {
        "replications": [({}, r) for r in ((25, 50) if args.quick else (25, 50, 100, 200))],
        "aircraft": [({"aircraft": a}, n) for a in ((1, 2) if args.quick else (1, 2, 5, 25))],
        "units": [({"units": u}, n) for u in ((1, 2) if args.quick else (1, 2, 4))],
        "step": [({"step": s}, n) for s in ((2.0, 1.0) if args.quick else (2.0, 1.0, 0.5))],
    }
    print(f"{'axis':13s} {'size':>6s} {'reps':>5s} {'sensors':>7s} {'fire u.':>7s} {'aircraft':>8s} {'steps':>6s} "
          f"{'pairs':>8s} {'build s':>8s} {'run s':>8s} {'total s':>8s} {'peak MB':>8s}")
    results: dict[str, list] = {}
    cache: dict[str, dict] = {}
    targets = [] if args.quick else [json.dumps(c, sort_keys=True) for c in (
        [{}, n], [{"aircraft": 25}, n], [{"units": 4}, n])]  # the reference and the targets' cases: medians of 3
    for axis, cases in axes.items():
        for spec, reps in cases:
            key = json.dumps([spec, reps], sort_keys=True)
            if key not in cache:
                cache[key] = fresh(spec, reps, 3 if key in targets else 1)
            r = cache[key]
            size = {"replications": reps, "aircraft": r["aircraft"], "units": r["sensors"] + r["fire_units"],
                    "step": r["steps"]}[axis]
            results.setdefault(axis, []).append((size, r))
            print(f"{axis:13s} {size:6d} {reps:5d} {r['sensors']:7d} {r['fire_units']:7d} {r['aircraft']:8d} "
                  f"{r['steps']:6d} {r['pairs']:8d} {r['build']:8.1f} {r['run']:8.1f} {r['build'] + r['run']:8.1f} "
                  f"{r['rss_mb']:8.0f}", flush=True)
    print()
    for axis, rows in results.items():
        sizes = [s for s, _ in rows]
        total = [r["build"] + r["run"] for _, r in rows]
        print(f"log-log slope against {axis} ({sizes[0]} -> {sizes[-1]}): time {slope(sizes, total):.2f}, "
              f"run only {slope(sizes, [r['run'] for _, r in rows]):.2f}, "
              f"peak memory {slope(sizes, [r['rss_mb'] for _, r in rows]):.2f}")
    if args.quick:
        return 0
    ref = results["aircraft"][0][1]  # the reference (every raid once)
    ref_time = ref["build"] + ref["run"]
    x4 = results["units"][-1][1]
    big = results["aircraft"][-1][1]
    ok1 = x4["build"] + x4["run"] <= 5 * ref_time
    ok2 = big["build"] + big["run"] <= 25 * ref_time and big["rss_mb"] < 1024
    print(f"target: {n} replications of 4x the laydown in <= 5x the reference's time: "
          f"{(x4['build'] + x4['run']) / ref_time:.2f}x: {'PASS' if ok1 else 'FAIL'}")
    print(f"target: {big['aircraft']} aircraft in <= 25x the {ref['aircraft']}-aircraft time and < 1 GB: "
          f"{(big['build'] + big['run']) / ref_time:.2f}x, {big['rss_mb']:.0f} MB: {'PASS' if ok2 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
