"""Sweep throughput: replications per second against workers, scenario size and executor.

In the same run, on the same sweep (the airbase-as-designed example, two points: authority mode
human-on-the-loop vs autonomous):

* in-process (``serial``: no worker start-up, no pickling) - the peer every executor is compared with;
* local processes with 1 and 2 workers (``spawn``);
* a Dask LocalCluster with 2 worker processes (cluster start-up timed separately);
* a larger synthetic scenario (three times the threats) on 2 local workers.

"compute" sums the time inside the workers (world build + engine): on an idle machine it stays flat as
workers are added, and grows when they compete for CPUs. "wall" counts everything a user waits for (worker
start-up included); "steady" is the rate from the first completed work unit to the last, which is what long
sweeps see. Results are checked to be identical.

    python benchmarks/bench_scaling.py [--replications 100] [--batch 25]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from iadsim.analysis import DaskExecutor, LocalExecutor, load_results, load_sweep, run_sweep

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


def timed_sweep(sweep, out: Path, executor) -> dict:
    marks: list[tuple[float, int]] = []
    start = time.perf_counter()
    result = run_sweep(sweep, out, executor, progress=lambda p: marks.append((time.perf_counter(), p.replications_run)))
    wall = time.perf_counter() - start
    done = [(t, n) for t, n in marks if n > 0]
    steady = (done[-1][1] - done[0][1]) / (done[-1][0] - done[0][0]) if len(done) > 1 else float("nan")
    return {"reps": result.replications_run, "wall_s": wall, "compute_s": result.compute_seconds,
            "rep_per_s_wall": result.replications_run / wall, "rep_per_s_steady": steady}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100, help="replications per point")
    parser.add_argument("--batch", type=int, default=25, help="replications per work unit")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average before the run {load} (other work on the machine slows workers)")
    print(f"sweep: 2 points x {args.replications} replications, batches of {args.batch}")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def sweep_file(name: str, extra: str = "") -> object:
            path = tmp / f"{name}.yaml"
            path.write_text(SWEEP.format(base=EXAMPLE, replications=args.replications, batch=args.batch, extra=extra))
            return load_sweep(path)

        example, larger = sweep_file("example"), sweep_file("larger", LARGER)
        cases = [("example", "serial", 1, example, lambda: "serial"),
                 ("example", "local", 1, example, lambda: LocalExecutor(1)),
                 ("example", "local", 2, example, lambda: LocalExecutor(2))]
        for scenario, name, workers, sweep, make in cases:
            rows.append({"scenario": scenario, "executor": name, "workers": workers,
                         **timed_sweep(sweep, tmp / f"{scenario}-{name}-{workers}", make())})

        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
        client = Client(cluster)
        client.wait_for_workers(2)
        cluster_start = time.perf_counter() - t0
        try:
            rows.append({"scenario": "example", "executor": "dask", "workers": 2,
                         **timed_sweep(example, tmp / "example-dask-2", DaskExecutor(client=client))})
        finally:
            client.close()
            cluster.close()
        rows.append({"scenario": "larger (3x threats)", "executor": "local", "workers": 2,
                     **timed_sweep(larger, tmp / "larger-local-2", LocalExecutor(2))})

        reference = load_results(tmp / "example-serial-1")
        for name in ("example-local-1", "example-local-2", "example-dask-2"):
            pd.testing.assert_frame_equal(reference, load_results(tmp / name))

    table = pd.DataFrame(rows)
    pd.set_option("display.width", 160)
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    by = {(r["scenario"], r["executor"], r["workers"]): r for r in rows}
    serial, local1, local2 = by[("example", "serial", 1)], by[("example", "local", 1)], by[("example", "local", 2)]
    dask2, large2 = by[("example", "dask", 2)], by[("larger (3x threats)", "local", 2)]
    print(f"\nDask LocalCluster start-up (2 workers): {cluster_start:.2f} s (not in the dask row's wall time)")
    print("ratios (rows identical on every executor: checked)")
    print(f"  local 2 / 1 worker, steady rate:          {local2['rep_per_s_steady'] / local1['rep_per_s_steady']:.2f}x")
    print(f"  local 2 / 1 worker, wall rate:            {local2['rep_per_s_wall'] / local1['rep_per_s_wall']:.2f}x")
    print(f"  local 1 worker / in-process, wall time:    {local1['wall_s'] / serial['wall_s']:.2f}x")
    print(f"  dask 2 / local 2 workers, wall time:       {dask2['wall_s'] / local2['wall_s']:.2f}x")
    print(f"  dask 2 / local 2 workers, steady rate:     {dask2['rep_per_s_steady'] / local2['rep_per_s_steady']:.2f}x")
    print(f"  larger / example scenario (2 workers), steady rate: "
          f"{large2['rep_per_s_steady'] / local2['rep_per_s_steady']:.2f}x")


if __name__ == "__main__":
    main()
