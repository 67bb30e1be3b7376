"""Static WTA heuristics vs the published optima of Andersen, Pavlikov & Toffolo (2022).

Reads every instance in ../shared/data/wta (never copied into the project) and, in the same run:

* ``MMR greedy``      - iadsim.c2.mmr_greedy (maximal marginal return, best pair first);
* ``MMR + 1-move``    - the greedy followed by iadsim.c2.improve_by_reassignment;
* ``Hungarian + 1-move`` (peer) - each round treated as its own weapon and given at most one per
  target by scipy's linear_sum_assignment on pk * V (iadsim.c2.hungarian_assign), then the same local
  search, which also places any rounds left over when rounds outnumber targets.

Objective: expected surviving value (minimise). Gap = (objective - best published UB) / best UB, where the
best UB / LB are taken over every approach in results.csv (LB = UB: proven optimum).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from iadsim.c2 import hungarian_assign, improve_by_reassignment, mmr_greedy, read_published_bounds, read_wta_instance

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wta"


def hungarian_seed(pk, value, mu):
    """One round per target at most: a linear assignment of rounds to targets on pk * V."""
    owner = np.repeat(np.arange(pk.shape[0]), mu)
    w, t = hungarian_assign(pk[owner] * value)
    x = np.zeros(pk.shape, dtype=np.int64)
    np.add.at(x, (owner[w], t), 1)
    return x


def timed(fn, *args, repeat=3):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return out, best


def main() -> None:
    bounds = read_published_bounds(DATA / "results.csv")
    header = f"{'instance':<18}{'best LB':>12}{'best UB':>12}  {'method':<20}"
    header += f"{'objective':>12}{'gap':>9}{'time [ms]':>11}"
    print("Static WTA, expected surviving value (lower is better); gap to the best published UB")
    print(header)
    print("-" * len(header))
    summary: dict[str, list[float]] = {}
    for path in sorted(DATA.glob("wta_*.txt"), key=lambda p: [int(v) for v in p.stem[4:].split("x")]):
        inst = read_wta_instance(path)
        m, n = inst.pk.shape
        mu = int(inst.weapons_available[0])
        lb, ub = bounds[(m, n, mu)]
        (x_g, f_g), t_g = timed(mmr_greedy, *inst)
        (x_l, f_l), t_l = timed(improve_by_reassignment, x_g, *inst)
        x_h, t_h0 = timed(hungarian_seed, inst.pk, inst.target_value, inst.weapons_available)
        (x_hl, f_hl), t_h1 = timed(improve_by_reassignment, x_h, *inst)
        rows = [
            ("MMR greedy", f_g, t_g),
            ("MMR + 1-move", f_l, t_g + t_l),
            ("Hungarian + 1-move", f_hl, t_h0 + t_h1),
        ]
        for k, (name, f, t) in enumerate(rows):
            assert f >= lb * (1 - 1e-6), "below a published lower bound: objective is wrong"
            gap = (f - ub) / ub
            summary.setdefault(name, []).append(gap)
            label = f"{path.stem:<18}{lb:>12.4f}{ub:>12.4f}" if k == 0 else " " * 42
            print(f"{label}  {name:<20}{f:>12.4f}{gap:>9.2%}{1e3 * t:>11.2f}")
    print("-" * len(header))
    for name, gaps in summary.items():
        print(f"mean gap {name:<20}{np.mean(gaps):>8.2%}   (max {np.max(gaps):.2%})")


if __name__ == "__main__":
    main()
