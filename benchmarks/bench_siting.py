"""Siting benchmark (issue 26, item 1): 6 units over 2,000 candidates on the 1201 x 1201 SRTM-3 tile N44W072 at three
bands, within 60 s and under 2 GB.

Ours: ``iadsim.analysis.site.build_problem`` (one masking sweep per candidate and mast height, packed bits) and
``iadsim.analysis.siting.solve`` (the MILP if it fits and finishes, else greedy + local search with the LP or
stand-alone bound). Peer, in the same run on the same masks: the plain greedy of maximum coverage (each unit placed,
in turn, where it adds most; constraints respected), the textbook heuristic. Printed: the times, both coverages,
the bound and its kind, the ratios, the peak resident memory and PASS/FAIL against the 60 s / 2 GB targets.

Run: ``.venv/bin/python benchmarks/bench_siting.py [--time-limit 15]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

DEM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dem" / "N44W072.hgt"

SCENARIO = """\
name: white-mountains-siting
duration: 10 min
terrain: {{source: {dem}}}
origin: {{lat: 44.5, lon: -71.5}}
defended_assets:
  - {{id: town, x: 0 km, y: 0 km, radius: 3 km}}
units:
  - {{id: cp, type: command-post, x: 2 km, y: -2 km}}
  - {{id: ew, type: ew-radar, x: 10 km, y: 12 km, mast_height: 20 m}}
  - {{id: sr1, type: mr-search-radar, x: -8 km, y: 6 km, mast_height: 15 m}}
  - {{id: sr2, type: mr-search-radar, x: 9 km, y: -7 km, mast_height: 15 m}}
  - {{id: sr3, type: mr-search-radar, x: -10 km, y: -12 km, mast_height: 10 m}}
  - {{id: sr4, type: mr-search-radar, x: 14 km, y: 4 km, mast_height: 10 m}}
  - {{id: t1, type: mr-telar, x: -3 km, y: 3 km, mast_height: 6 m}}
  - {{id: t2, type: mr-telar, x: 4 km, y: -3 km, mast_height: 6 m}}
links:
  - {{from: ew, to: cp, carries: tracks}}
  - {{from: sr1, to: cp, carries: tracks}}
  - {{from: sr2, to: cp, carries: tracks}}
  - {{from: sr3, to: cp, carries: tracks}}
  - {{from: sr4, to: cp, carries: tracks}}
  - {{from: cp, to: t1, carries: cues}}
  - {{from: cp, to: t2, carries: cues}}
threats:
  - id: west
    type: attack-helicopter
    target: town
    altitude_reference: agl
    route:
      - {{x: -38 km, y: 20 km, altitude: 30 m}}
      - {{x: 0 km, y: 0 km, altitude: 30 m}}
  - id: south
    type: attack-helicopter
    target: town
    altitude_reference: agl
    route:
      - {{x: 10 km, y: -45 km, altitude: 30 m}}
      - {{x: 0 km, y: 0 km, altitude: 30 m}}
"""

UNITS = ["sr1", "sr2", "sr3", "sr4", "t1", "t2"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=15.0, help="seconds per solver stage")
    parser.add_argument("--candidates", type=int, default=2000)
    args = parser.parse_args()

    from iadsim.analysis.site import build_problem
    from iadsim.analysis.siting import SitingOptions, _greedy, coverage_of, feasible, solve
    from iadsim.scenario import load_scenario
    from iadsim.terrain import masking_heights

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "siting.yaml"
        path.write_text(SCENARIO.format(dem=DEM))
        scenario = load_scenario(path)
        masking_heights(scenario.terrain.elevation, scenario.terrain.cell_size, [600], [600], 10.0,
                        max_distance=1e3)  # numba's first call (cache load) outside the timing
        options = SitingOptions(time_limit=args.time_limit)
        t0 = time.perf_counter()
        built = build_problem(scenario, UNITS, options, auto=args.candidates)
        t1 = time.perf_counter()
        solution = solve(built.problem, args.time_limit)
        t2 = time.perf_counter()
        problem = built.problem
        greedy = _greedy(problem, problem.planes())
        t3 = time.perf_counter()
    ours = t2 - t0
    greedy_value = float(coverage_of(problem, greedy).sum()) if greedy is not None else float("nan")
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # Linux: kB
    print(f"DEM {DEM.name}: {scenario.terrain.shape[0]} x {scenario.terrain.shape[1]} cells after projection; "
          f"coverage grid {problem.n_cells:,} cells of {built.cell:g} m, {len(built.bands)} bands; "
          f"{problem.xy.shape[0]:,} candidates ({len(UNITS)} given) for {len(UNITS)} units")
    print(f"ours : build {t1 - t0:6.2f} s (masks), solve {t2 - t1:6.2f} s, total {ours:6.2f} s; method "
          f"{solution.method}, coverage {solution.objective:,.0f}, bound {solution.bound:,.0f} ({solution.bound_kind}),"
          f" gap {solution.gap:.2%}; notes: {'; '.join(solution.notes)}")
    print(f"peer : plain greedy on the same masks {t3 - t2:6.2f} s (+ the same {t1 - t0:.2f} s build), coverage "
          f"{greedy_value:,.0f}, feasible (floors included): {greedy is not None and feasible(problem, greedy)}")
    print(f"ratio: coverage ours / greedy {solution.objective / greedy_value:.4f}; time ours / (build + greedy) "
          f"{ours / (t1 - t0 + t3 - t2):.2f}")
    print(f"given laydown coverage {problem.floors.sum():,.0f}; peak resident memory {rss_gb:.2f} GB")
    ok = ours <= 60 and rss_gb < 2
    print(f"target (<= 60 s, < 2 GB): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
