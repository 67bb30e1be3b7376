"""Sweep throughput: replications per second against workers, start method, scenario size and executor.

In the same run, on the same sweep (the airbase-as-designed example, two points: authority mode
human-on-the-loop vs autonomous):

* local worker processes, 1 and 2 of them, forked ('fork': what 'auto' picks in this process, as in
  ``iadsim sweep`` without a progress bar), 2 from the fork server ('forkserver': its one-off start, which
  imports iadsim, falls in the first such run, shown apart as 'forkserver (first)') and 2 spawned
  ('spawn': each imports everything; the default before issue 21);
* in-process (``serial``: no worker start-up, no pickling), the peer every executor is compared with; it runs
  after the forked rows because it starts numba's OpenMP threads, after which 'auto' no longer forks;
* a Dask LocalCluster of 2 worker processes with 1 thread each (thread for thread the local 2 workers),
  timed from creating the cluster to the last result, and from the cluster up to the last result;
* a larger synthetic scenario (three times the threats) on 2 forked local workers.

Every time is to the last result, worker or cluster start-up included unless said. "first" is when the
first work unit's result arrived (start-up, imports, the first World and engine batch). "compute" sums the
time inside the workers (world build + engine): on an idle machine it stays flat as workers are added, and
grows when they compete for CPUs. "steady" is the rate from the first completed work unit to the last, which
is what long sweeps see. Each case runs ``--repeat`` times, interleaved with the others, and the run with
the shortest wall time is shown (other work on the machine only slows runs down). Results are checked to be
identical.

    python benchmarks/bench_scaling.py [--replications 100] [--batch 25] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from iadsim.analysis import DaskExecutor, LocalExecutor, load_results, load_sweep, run_sweep
from iadsim.analysis.sweep.executors import start_method

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "airbase-as-designed.yaml"

SWEEP = """\
base: {base}
design: list
factors:
  - {{path: authority.mode, values: [human-on-the-loop, autonomous]}}
replications: {replications}
batch: {batch}
seed: 1
{extra}
"""
LARGER = 'set: {"threats[raid-north].count": 12, "threats[raid-south].count": 6}'


def timed_sweep(sweep, out: Path, executor, started: float | None = None) -> dict:
    """Run the sweep; times from `started` (default: now) to the first and the last result."""
    marks: list[tuple[float, int]] = []
    start = time.perf_counter()
    started = start if started is None else started
    result = run_sweep(sweep, out, executor, progress=lambda p: marks.append((time.perf_counter(), p.replications_run)))
    done = [(t, n) for t, n in marks if n > 0]
    wall = done[-1][0] - started
    steady = (done[-1][1] - done[0][1]) / (done[-1][0] - done[0][0]) if len(done) > 1 else float("nan")
    return {"reps": result.replications_run, "first_s": done[0][0] - started, "wall_s": wall,
            "compute_s": result.compute_seconds, "rep_per_s_wall": result.replications_run / wall,
            "rep_per_s_steady": steady}


def best(runs: list[dict]) -> dict:
    """The run with the shortest wall time (other work on the machine only ever slows a run down)."""
    return min(runs, key=lambda r: r["wall_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100, help="replications per point")
    parser.add_argument("--batch", type=int, default=25, help="replications per work unit")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case, interleaved; the best is shown")
    args = parser.parse_args()
    if args.repeat < 2:  # (the first fork-server run is shown apart: the later ones make its row)
        parser.error("--repeat must be at least 2")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average before the run {load} (other work on the machine slows workers)")
    print(f"sweep: 2 points x {args.replications} replications, batches of {args.batch}; each case run "
          f"{args.repeat} times, interleaved, the best (shortest wall) shown")

    runs: dict[tuple[str, str, int, str], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def sweep_file(name: str, extra: str = "") -> object:
            path = tmp / f"{name}.yaml"
            path.write_text(SWEEP.format(base=EXAMPLE, replications=args.replications, batch=args.batch, extra=extra))
            return load_sweep(path)

        example, larger = sweep_file("example"), sweep_file("larger", LARGER)
        print(f"the local executor's 'auto' start method here: {start_method('auto')}")
        first_forkserver: dict = {}
        cluster_starts: list[float] = []

        def run(case: tuple, sweep, executor, rep: int, started=None) -> dict:
            out = tmp / f"{'-'.join(map(str, case))}-{rep}".replace(" ", "_")
            row = timed_sweep(sweep, out, executor, started)
            runs.setdefault(case, []).append(row)
            return row | {"out": out}

        outs = {}
        # forked rows first: the in-process run starts numba's OpenMP threads, and a Dask client its own
        for rep in range(args.repeat):
            outs["fork-1"] = run(("example", "local", 1, "fork"), example, LocalExecutor(1, "fork"), rep)["out"]
            outs["fork-2"] = run(("example", "local", 2, "fork"), example, LocalExecutor(2, "fork"), rep)["out"]
            row = run(("example", "local", 2, "forkserver"), example, LocalExecutor(2, "forkserver"), rep)
            outs["forkserver-2"] = row["out"]
            if rep == 0:  # the fork server started in this run: kept apart, the later runs reuse it
                first_forkserver = runs.pop(("example", "local", 2, "forkserver"))[0]
            outs["spawn-2"] = run(("example", "local", 2, "spawn"), example, LocalExecutor(2, "spawn"), rep)["out"]
            run(("larger (3x threats)", "local", 2, "fork"), larger, LocalExecutor(2, "fork"), rep)

        from distributed import Client, LocalCluster

        for rep in range(args.repeat):
            outs["serial"] = run(("example", "serial", 1, "-"), example, "serial", rep)["out"]
            t0 = time.perf_counter()
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
            client = Client(cluster, set_as_default=False)
            client.wait_for_workers(2)
            cluster_starts.append(time.perf_counter() - t0)
            try:
                row = run(("example", "dask (with start-up)", 2, "-"), example, DaskExecutor(client=client), rep,
                          started=t0)
                outs["dask-2"] = row["out"]
            finally:
                client.close()
                cluster.close()
            up = {**runs[("example", "dask (with start-up)", 2, "-")][-1]}
            up["first_s"] -= cluster_starts[-1]
            up["wall_s"] -= cluster_starts[-1]
            up["rep_per_s_wall"] = up["reps"] / up["wall_s"]
            runs.setdefault(("example", "dask (cluster up)", 2, "-"), []).append(up)

        reference = load_results(outs["serial"])
        for name in ("fork-1", "fork-2", "forkserver-2", "spawn-2", "dask-2"):
            pd.testing.assert_frame_equal(reference, load_results(outs[name]))

    by = {case: best(rows) for case, rows in runs.items()}
    with_start = runs[("example", "dask (with start-up)", 2, "-")]  # the cluster-up row: of the same run
    by[("example", "dask (cluster up)", 2, "-")] = runs[("example", "dask (cluster up)", 2, "-")][
        with_start.index(by[("example", "dask (with start-up)", 2, "-")])]
    by[("example", "local", 2, "forkserver (first)")] = first_forkserver
    order = [("example", "local", 1, "fork"), ("example", "local", 2, "fork"),
             ("example", "local", 2, "forkserver (first)"), ("example", "local", 2, "forkserver"),
             ("example", "local", 2, "spawn"), ("example", "serial", 1, "-"),
             ("example", "dask (with start-up)", 2, "-"), ("example", "dask (cluster up)", 2, "-"),
             ("larger (3x threats)", "local", 2, "fork")]
    table = pd.DataFrame([{"scenario": c[0], "executor": c[1], "workers": c[2], "start": c[3],
                           **{k: v for k, v in by[c].items() if k != "method"}} for c in order])
    pd.set_option("display.width", 180)
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    local1, local2 = by[order[0]], by[order[1]]
    server_first, server2, spawn2, serial = by[order[2]], by[order[3]], by[order[4]], by[order[5]]
    dask_with, dask_up, large2 = by[order[6]], by[order[7]], by[order[8]]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    start = cluster_starts[with_start.index(dask_with)]
    print(f"\nload average after the run {load}; Dask LocalCluster start-up (2 workers x 1 thread): "
          f"{start:.2f} s, in the 'with start-up' row; the fork server's start: in the 'forkserver (first)' row, "
          "later sweeps of the process reuse it")
    print("ratios, every figure to the last result with start-up included unless said (rows identical on every "
          "executor: checked)")
    print(f"  local 2 / 1 worker (fork), wall rate:                 "
          f"{local2['rep_per_s_wall'] / local1['rep_per_s_wall']:.2f}x")
    print(f"  local 2 / 1 worker (fork), steady rate:               "
          f"{local2['rep_per_s_steady'] / local1['rep_per_s_steady']:.2f}x")
    print(f"  local 2 workers, spawn / fork, wall time:             {spawn2['wall_s'] / local2['wall_s']:.2f}x")
    print(f"  local 2 workers, forkserver / fork, wall time:        {server2['wall_s'] / local2['wall_s']:.2f}x "
          f"(first sweep, with the server's start: {server_first['wall_s'] / local2['wall_s']:.2f}x)")
    print(f"  local 1 worker (fork) / in-process, wall time:        {local1['wall_s'] / serial['wall_s']:.2f}x")
    print(f"  dask 2 with cluster start-up / local 2, wall time:    {dask_with['wall_s'] / local2['wall_s']:.2f}x")
    print(f"  dask 2 once the cluster is up / local 2, wall time:   {dask_up['wall_s'] / local2['wall_s']:.2f}x")
    print(f"  dask 2 / local 2 workers, steady rate:                "
          f"{dask_with['rep_per_s_steady'] / local2['rep_per_s_steady']:.2f}x")
    print(f"  larger / example scenario (2 workers), steady rate:   "
          f"{large2['rep_per_s_steady'] / local2['rep_per_s_steady']:.2f}x")


if __name__ == "__main__":
    main()
