"""Engine throughput on the reference scenario (examples/reference-large.yaml), against a yardstick and a naive loop.

The yardstick (issue 21; :mod:`_yardstick`), timed in the same run on the same world and the same replications,
one thread each: one numba loop doing, per step, replication, look and visible sensor-target pair, SNR -> Pd ->
keyed draw -> M-of-N update; the least work detection alone needs. The issue's targets: the engine within 5x of
the yardstick, and 1,000 replications in at most 10 s on this machine (both cores).

Also printed: the engine's two kernels that do the yardstick's kind of work, per look and per report (each sensor's
own tracks, every node's picture), timed by themselves in one batch against the yardstick (:func:`kernel_floor`):
how near the yardstick the engine can come without doing less; the two-process run three times, with its median
and how many of the three met the 10 s target; and the command users run, ``iadsim simulate --replications N`` in a
fresh process with its default workers, without and with ``--out``, three times each, timed from outside (start-up
and the world included; with ``--out`` also the events, time series and states it records and the run folder), and
whether the command without ``--out`` meets the 10 s target.

The naive peer is the obvious way to write Monte Carlo: a Python loop over replications, each an Engine of one
replication. Printed: build time, replications/s (1 process and 2 processes), the ratios, cost scaling with
replications and with sensor x target pairs, and peak memory.

Second peer: the engine as it was before an issue with a performance target against "the commit before":
real tracks (issue 19: false plots, each sensor's tracks; "within 1.5x") by default, or the continuous-time
kill chain (issue 18: "no slower") with ``--baseline 18``. The script exports that commit's ``src`` with
``git archive`` and runs both engines the same way, each in a fresh interpreter (start-up, import and
``build_world`` included): the reference scenario, 1,000 replications in batches on two forked processes,
rounds in turn.

Batches are those ``iadsim simulate`` chooses (:func:`iadsim.analysis.montecarlo.batch_size_for`: for 1,000
reference replications, 500 on one process or on two), unless ``--batch`` sets them.

Memory against false plots (:func:`false_plot_memory`): traced memory at each quarter of a batch while false
plots pile up, with the reference's and with a thousand times its false plots in every look.

    python benchmarks/bench_engine.py [--replications 1000] [--batch N] [--peer 4] [--quick]
                                      [--baseline {19,18} | --no-baseline] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import threadpoolctl
import yaml

from iadsim.engine import Engine, build_world
from iadsim.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).parent))
from _yardstick import prepare, yardstick  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "examples" / "reference-large.yaml"
# the last commit before an issue, and how much slower than it the issue allows this engine to be
BASELINES = {"18": ("f55dce0", 1.0, "no slower than"), "19": ("ce3e8e6", 1.5, "within 1.5x of")}
_WORLD = None  # shared with forked workers


def run_batch(reps) -> float:
    t0 = time.perf_counter()
    Engine(_WORLD, np.asarray(reps), events=False).run()
    return time.perf_counter() - t0


def batches(n: int, size: int) -> list[np.ndarray]:
    return [np.arange(s, min(s + size, n)) for s in range(0, n, size)]


def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def scaled_threats(factor: int) -> Path:
    """The reference scenario with every raid `factor` times as large (more sensor x target pairs)."""
    data = yaml.safe_load(REFERENCE.read_text())
    for raid in data["threats"]:
        raid["count"] *= factor
        raid["spacing"] = "5 s"
    path = Path(tempfile.mkdtemp()) / "reference-scaled.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def false_plot_memory(world, batch: int) -> None:
    """Memory against false plots: traced memory at each quarter of a batch while the false plots pile up
    (it must not grow with them: plots live for one look, tracks in a fixed table), then a batch with a
    thousand times the false plots of every look (the track table sized for that clutter, as a catalog
    with such a Pfa would size it)."""
    from iadsim.engine.phases import initial_state
    from iadsim.tracking.scan import slots_needed

    for factor in (1.0, 1000.0):
        engine = Engine(world, np.arange(batch), events=False)
        ctx = engine.ctx
        ctx.false_plots = ctx.false_plots * factor
        ctx.track_slots = slots_needed(len(world.target_ids), ctx.false_plots.max(initial=0.0),
                                       world.scenario.spec.doctrine.tracking.confirm_looks)
        engine.state = initial_state(ctx)
        marks = {len(world.times) * q // 4 for q in (1, 2, 3, 4)}
        tracemalloc.start()
        current = []
        while engine.state.time_index < len(world.times):
            engine.step()
            if engine.state.time_index in marks:
                current.append(tracemalloc.get_traced_memory()[0] / 1e6)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        looks = batch * (world.times[-1] / world.look_period)  # looks of each sensor over the run
        plots = float((looks * ctx.false_plots).sum())
        trk = engine.state.tracks
        table = trk.table.nbytes / 1e6
        print(f"false plots x{factor:g} (~{plots:,.0f} over a batch of {batch}; {ctx.track_slots} track slots per "
              f"sensor, a {table:.0f} MB table allocated before the run; {trk.false_confirmed.mean():.1f} false "
              f"tracks confirmed and {trk.dropped.mean():.0f} plots without a slot per replication): memory "
              f"allocated since the start, at each quarter of the run, {', '.join(f'{c:.0f}' for c in current)} MB "
              f"(peak {peak / 1e6:.0f} MB)")


def kernel_floor(n: int, t_yard: float) -> None:
    """What the engine's two compiled kernels that do the yardstick's kind of work, per look and per report, take by
    themselves, in one batch of ``n`` replications: each sensor's own tracks (``scan_looks``: plots, association,
    M-of-N, the filters) and every node's picture (``fuse_reports``: each report into each fire unit's and command
    post's track), timed call by call (numba's dispatch of each call included: the number of calls is printed);
    ``t_yard``: the yardstick's time for as many replications. Unless it does less of this work, the engine cannot
    come much nearer the yardstick than these kernels do."""
    from iadsim.engine import phases

    spent = {"scan_looks": 0.0, "fuse_reports": 0.0}
    counts = {"looks": 0, "detections": 0, "scan_looks": 0, "fuse_reports": 0}

    def timing(name, kernel):
        def call(*args):
            counts[name] += 1
            if name == "scan_looks":
                counts["looks"] += len(args[0])
                counts["detections"] += int(args[3][-1]) + int(args[9][-1])  # detections and false plots
            t0 = time.perf_counter()
            out = kernel(*args)
            spent[name] += time.perf_counter() - t0
            return out
        return call

    originals = phases.scan_looks, phases.fuse_reports
    phases.scan_looks, phases.fuse_reports = timing("scan_looks", originals[0]), timing("fuse_reports", originals[1])
    try:
        engine = Engine(_WORLD, np.arange(n), events=False)
        t0 = time.perf_counter()
        st = engine.run()
        t_all = time.perf_counter() - t0
    finally:
        phases.scan_looks, phases.fuse_reports = originals
    both = sum(spent.values())
    fused = int(st.picture.updates.sum())
    calls = counts["scan_looks"], counts["fuse_reports"]
    print(f"the engine's sensor-track and picture kernels, one batch of {n}: scan_looks {spent['scan_looks']:.2f} s "
          f"({calls[0]} calls), fuse_reports {spent['fuse_reports']:.2f} s ({calls[1]} calls; "
          f"{100 * both / t_all:.0f} % of the batch's {t_all:.1f} s); together {both / t_yard:.1f}x the yardstick by "
          f"themselves (per replication: {counts['looks'] // n} looks, {counts['detections'] // n} detections and "
          f"false plots, {fused // n} updates of the nodes' tracks)")


def _two_forked():
    """Two forked worker processes sharing the world, one BLAS thread each, as `iadsim simulate`'s workers run
    (iadsim.analysis.sweep.executors._start_worker)."""
    return mp.get_context("fork").Pool(2, initializer=threadpoolctl.threadpool_limits, initargs=(1, "blas"))


def two_processes(n: int, batch: int | None) -> None:
    """Worker mode (``--two-processes``): build the reference world, run ``n`` replications in batches of ``batch``
    (None: as ``iadsim simulate`` would on two workers) on two forked processes, print the timings as JSON (whichever
    iadsim the interpreter imports)."""
    global _WORLD
    import iadsim

    t0 = time.perf_counter()
    scenario = load_scenario(REFERENCE)
    _WORLD = build_world(scenario)
    t_build = time.perf_counter() - t0
    run_batch(np.arange(2))  # warm-up (compiled kernels)
    if batch is None:  # (the side-by-side runs pass it: an older iadsim may not have batch_size_for)
        from iadsim.analysis.montecarlo import batch_size_for

        batch = batch_size_for(scenario, n, 2)
    with _two_forked() as pool:
        t_run = timed(lambda: pool.map(run_batch, batches(n, max(1, min(batch, n // 2)))))
    print(json.dumps({"iadsim": str(Path(iadsim.__file__).parent), "build": t_build, "run": t_run}))


def command_line(n: int, write: bool) -> float:
    """Wall time of ``python -m iadsim.cli simulate`` on the reference scenario, ``n`` replications, its default
    workers (one per CPU where forking is safe), in a fresh process (this interpreter, its environment: the same
    numba cache); with ``write``, ``--out`` a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "iadsim.cli", "simulate", str(REFERENCE), "--replications", str(n), "--json"]
        command += ["--out", str(Path(tmp) / "run")] if write else []
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - t0
        if done.returncode:
            sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
        return elapsed


def side_by_side(issue: str, n: int, batch: int, rounds: int = 3) -> None:
    """This engine and the one before ``issue`` (:data:`BASELINES`), each in a fresh interpreter, the same way
    (:func:`two_processes`), ``rounds`` times in turn (a shared machine's load drifts): the medians are
    compared with the issue's limit."""
    rev, limit, words = BASELINES[issue]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=False)
        if archive.returncode:
            print(f"baseline {rev}: not available ({archive.stderr.decode(errors='replace').strip()}); skipped")
            return
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        sides = ((f"before issue {issue} ({rev})", Path(tmp) / "src"), ("this commit", ROOT / "src"))
        runs: dict[str, list] = {name: [] for name, _ in sides}
        for _ in range(rounds):
            for name, src in sides:
                env = dict(os.environ, PYTHONPATH=str(src))
                t0 = time.perf_counter()
                out = subprocess.run([sys.executable, __file__, "--two-processes", "--replications", str(n),
                                      "--batch", str(batch)], env=env, capture_output=True, text=True, check=True)
                wall = time.perf_counter() - t0
                result = json.loads(out.stdout.strip().splitlines()[-1])
                assert Path(result["iadsim"]).resolve() == (src / "iadsim").resolve(), result["iadsim"]
                runs[name].append((result["run"], wall, result["build"]))
        medians = {}
        for name, rows in runs.items():
            run, wall, build = (float(np.median(col)) for col in zip(*rows, strict=True))
            medians[name] = (run, wall)
            print(f"{name}: {n} replications on 2 processes in {run:.1f} s, median of "
                  f"{', '.join(f'{r:.1f}' for r, _, _ in rows)} (build_world {build:.1f} s; {wall:.1f} s with "
                  "start-up)")
        (old_run, old_wall), (new_run, new_wall) = medians.values()
        verdict = "meets" if new_run <= limit * old_run else "misses"
        print(f"this commit / before issue {issue}: run {new_run / old_run:.2f}x, with start-up "
              f"{new_wall / old_wall:.2f}x: {verdict} the issue's '{words} the commit before' target")


def main() -> None:
    global _WORLD
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=None,
                        help="replications per batch (default: as iadsim simulate chooses them)")
    parser.add_argument("--peer", type=int, default=4, help="replications run one at a time by the naive peer")
    parser.add_argument("--quick", action="store_true", help="200 replications, smaller scaling runs")
    parser.add_argument("--baseline", default="19", choices=sorted(BASELINES),
                        help="the issue whose commit before to compare with, side by side")
    parser.add_argument("--rounds", type=int, default=3, help="side-by-side rounds")
    parser.add_argument("--no-baseline", action="store_true", help="skip the side-by-side comparison")
    parser.add_argument("--two-processes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = 200 if args.quick else args.replications
    if args.two_processes:
        two_processes(n, args.batch)
        return

    scenario = load_scenario(REFERENCE)
    t0 = time.perf_counter()
    _WORLD = w = build_world(scenario)
    t_build = time.perf_counter() - t0
    steps, n_s, n_f, n_t = len(w.times), len(w.sensor_ids), len(w.fire_ids), len(w.target_ids)
    print(f"reference: {scenario.summary()}")
    static_mb = (w.looks.nbytes + w.position.nbytes + w.velocity.nbytes) / 1e6
    print(f"world: {steps} steps, {n_s} sensors, {n_f} fire units, {n_t} targets ({int(w.civil.sum())} civil); "
          f"build_world {t_build:.2f} s; static arrays {static_mb:.0f} MB")
    print(f"cpus: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    run_batch(np.arange(2))  # warm-up (compiled kernels)

    # the naive peer: one replication per Engine, in a Python loop
    t_peer = timed(lambda: [run_batch([r]) for r in range(args.peer)])
    peer_rate = args.peer / t_peer
    print(f"naive per-replication loop: {args.peer} replications in {t_peer:.1f} s = {peer_rate:.2f} rep/s")

    # batched, one process
    from iadsim.analysis.montecarlo import batch_size_for

    one, two = args.batch or batch_size_for(scenario, n, 1), args.batch or batch_size_for(scenario, n, 2)
    t_one = timed(lambda: [run_batch(b) for b in batches(n, one)])
    rate_one = n / t_one
    print(f"batched engine, 1 process: {n} replications in batches of {one} in {t_one:.1f} s = {rate_one:.1f} rep/s "
          f"({rate_one / peer_rate:.1f}x the naive loop)")

    # the yardstick, one thread, the same replications
    yardstick(prepare(w, np.arange(2)))  # compile
    inputs = prepare(w, np.arange(n))  # (like the world, before the clock)
    t_yard = timed(yardstick, inputs)
    ratio = t_one / t_yard
    print(f"yardstick (one numba loop: SNR -> Pd -> keyed draw -> M-of-N per look and visible pair), 1 thread: "
          f"{n} replications in {t_yard:.2f} s; the engine takes {ratio:.1f}x as long: "
          f"{'meets' if ratio <= 5 else 'misses'} the 'within 5x of the yardstick' target")

    kernel_floor(min(n, one), t_yard * min(n, one) / n)

    # batched, two processes (fork shares the world), three times: this machine's speed drifts by a tenth or more,
    # and a target met in one run may be missed in the next
    runs = []
    for _ in range(3):
        with _two_forked() as pool:
            runs.append(timed(lambda: pool.map(run_batch, batches(n, max(1, min(two, n // 2))))))
    t_two = float(np.median(runs))
    rate_two = n / t_two
    per_1000 = 1000 / rate_two
    met = sum(1000 * t / n <= 10 for t in runs)
    print(f"batched engine, 2 processes: {n} replications in batches of {max(1, min(two, n // 2))}, three runs: "
          f"{', '.join(f'{t:.1f}' for t in runs)} s; median {t_two:.1f} s = {rate_two:.1f} rep/s "
          f"({rate_two / peer_rate:.1f}x the naive loop); 1,000 replications ~ {per_1000:.1f} s: "
          f"{'meets' if per_1000 <= 10 else 'misses'} the 10 s target (met in {met} of 3 runs)")

    # the command users run, timed from outside: a fresh process, its start-up and the world included (the engine's
    # runs above time the batches alone); with --out also the events, the time series, the states and the run
    # folder's files. First a short run (the recorders' compiled code loaded or compiled), then three of each, in turn
    command_line(2, True)
    rounds = {False: [], True: []}
    for _ in range(3):
        for write in rounds:
            rounds[write].append(command_line(n, write))
    for write, times in rounds.items():
        t_cli = float(np.median(times))
        per_1000 = 1000 * t_cli / n
        print(f"iadsim simulate --replications {n}{' --out' if write else ''} (a fresh process, its default workers "
              f"on {os.cpu_count()} CPUs: start-up, world"
              f"{', events, time series, states and the run folder' if write else ''} included), three runs: "
              f"{', '.join(f'{t:.1f}' for t in times)} s; median {t_cli:.1f} s = {t_cli / t_two:.2f}x the engine's "
              f"two-process median; 1,000 replications ~ {per_1000:.1f} s: "
              f"{'meets' if per_1000 <= 10 else 'misses'} the 10 s target")

    # scaling with replications (one batch each)
    small, large = (50, 200) if args.quick else (100, 400)
    t_small, t_large = run_batch(np.arange(small)), run_batch(np.arange(large))
    print(f"replications {small} -> {large} (x{large // small}): {t_small:.1f} s -> {t_large:.1f} s "
          f"(x{t_large / t_small:.2f}; per replication {1e3 * t_small / small:.0f} -> {1e3 * t_large / large:.0f} ms)")

    # scaling with sensor x target pairs: every raid twice as large
    reps = np.arange(small)
    base_world = _WORLD
    scaled = build_world(load_scenario(scaled_threats(2)))
    _WORLD = scaled
    t_scaled = run_batch(reps)
    _WORLD = base_world
    pairs0, pairs1 = n_s * n_t, n_s * len(scaled.target_ids)
    print(f"sensor x target pairs {pairs0} -> {pairs1} (x{pairs1 / pairs0:.2f}), {small} replications: "
          f"{t_small:.1f} s -> {t_scaled:.1f} s (x{t_scaled / t_small:.2f})")

    # memory: Python-level peak of one batch, and the process's peak resident set (batches of 250 unless --batch:
    # the figures recorded in docs/engine.md are for those; since 2026-12-05 the track slots and the nodes' tracks
    # are mapped outside Python's allocator (iadsim.memory), so tracemalloc no longer sees them)
    probe = args.batch or 250
    tracemalloc.start()
    run_batch(np.arange(probe))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak / 1e6:.0f} MB allocated during a batch of {probe} (tracemalloc); "
          f"process peak RSS {maxrss:.0f} MB")
    false_plot_memory(w, probe)
    if not args.no_baseline:
        side_by_side(args.baseline, n, two, args.rounds)  # (both engines in the same batches)


if __name__ == "__main__":
    main()
