"""Local worker processes: how they start ('fork' where safe, a preloaded 'forkserver', 'spawn'), that they
start once per sweep and keep each scenario variant's World, and that the rows never depend on either."""

import copy
import json
import os
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest

import iadsim.engine
from iadsim.analysis import LocalExecutor, load_results, run_sweep
from iadsim.analysis.sweep import executors, load_sweep
from iadsim.analysis.sweep.executors import (
    START_METHODS,
    WorkUnit,
    fork_is_safe,
    start_method,
    variant_keys,
    world_for,
)

from .conftest import GRID_SWEEP

LINUX = sys.platform.startswith("linux")


def _rows(out_dir: Path) -> pd.DataFrame:
    return load_results(out_dir).sort_values(["point", "replication"]).reset_index(drop=True)


@pytest.fixture
def grid(write_sweep):
    return load_sweep(write_sweep(GRID_SWEEP))


@pytest.fixture(scope="module")
def serial_rows(tmp_path_factory):
    """The grid sweep's rows in this process: the reference every start method must reproduce."""
    from .conftest import TINY_SCENARIO

    folder = tmp_path_factory.mktemp("reference")
    (folder / "tiny.yaml").write_text(TINY_SCENARIO)
    (folder / "sweep.yaml").write_text(GRID_SWEEP)
    return _rows(run_sweep(load_sweep(folder / "sweep.yaml"), folder / "out", "serial").out_dir)


# ---------------------------------------------------------------------------------------------- start methods


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_every_start_method_gives_the_rows_of_the_serial_executor(grid, tmp_path, serial_rows, method):
    # ('fork' is checked in a fresh process below: forking this test process, with pytest's threads, is not safe)
    ex = LocalExecutor(workers=2, start_method=method)
    result = run_sweep(grid, tmp_path / "out", ex)
    assert ex.method == method and result.units_run == 2 * 3
    pd.testing.assert_frame_equal(serial_rows, _rows(result.out_dir))


BLAS_SCRIPT = """\
import json, sys
import threadpoolctl
from iadsim.analysis import LocalExecutor

def blas(_=None):
    return sorted(p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")

if __name__ == "__main__":
    with LocalExecutor(2, sys.argv[1]) as ex:
        futures = [ex.submit(blas, None) for _ in range(6)]
        print(json.dumps({"parent": blas(), "workers": [f.result() for f in futures], "pids": ex.pids()}))
"""


@pytest.mark.parametrize("method", ["fork", "forkserver"] if LINUX else ["spawn"])
def test_each_worker_runs_one_blas_thread(method, tmp_path):
    """The workers are the parallelism: a BLAS pool's idle threads spin after each call and take the other
    workers' cores (the national example ran at half speed on two workers). In a fresh process: forking this
    one, with pytest's threads, is not safe."""
    script = tmp_path / "blas.py"
    script.write_text(BLAS_SCRIPT)
    # (a Dask nanny sets OPENBLAS_NUM_THREADS=1 in the process that starts it, and pytest's may have started one)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                             "GOTO_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run([sys.executable, str(script), method], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    if not seen["parent"] or max(seen["parent"]) <= 1:
        pytest.skip(f"BLAS runs one thread on this machine already (one core): {seen}")
    assert 1 <= len(seen["pids"]) <= 2  # (a fork server starts them as tasks come)
    assert seen["workers"] == [[1] * len(seen["parent"])] * 6  # the parent keeps its own pool


CTRL_C_SCRIPT = """\
from iadsim.analysis import LocalExecutor, run_sweep

calls = []

def stop(progress):
    calls.append(progress)
    if len(calls) == 2:  # the first unit done, others running or waiting
        raise KeyboardInterrupt

try:
    run_sweep({sweep!r}, {out!r}, LocalExecutor(workers=2, start_method="fork"), progress=stop)
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.mark.skipif(not LINUX, reason="forks")
def test_a_ctrl_c_in_a_local_sweep_prints_no_traceback(write_sweep, tmp_path):
    """The units still waiting are stopped with the workers: none is cancelled first, which Python 3.11's pool
    thread then failed on (InvalidStateError, printed as 'Exception in thread')."""
    path = write_sweep(GRID_SWEEP.replace("replications: 6", "replications: 12"), "long.yaml")
    script = CTRL_C_SCRIPT.format(sweep=str(path), out=str(tmp_path / "out"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=os.environ.copy())
    assert done.returncode == 0 and done.stdout.strip() == "interrupted", done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Exception in thread" not in done.stderr, done.stderr[-2000:]


def test_auto_does_not_fork_while_another_thread_runs():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert not fork_is_safe()
        assert start_method("auto") in ("forkserver", "spawn")
        assert start_method("spawn") == "spawn" and start_method("fork") == "fork"  # asked for: as asked
    finally:
        stop.set()
        thread.join()
    with pytest.raises(ValueError, match="unknown start method"):
        LocalExecutor(2, start_method="threads")
    assert START_METHODS[0] == "auto"


# run in a fresh process, as `iadsim sweep` is: no other thread, so 'auto' forks; every build of a World is logged
# by the worker that makes it (the patched loader is inherited by the forked workers)
FORK_SCRIPT = """\
import json, os, sys, threading
from iadsim.analysis import LocalExecutor, load_sweep, run_sweep
from iadsim.analysis.sweep import executors

real = executors.scenario_from_document

def logged(doc, path, **kwargs):
    with open({log!r}, "a") as f:
        f.write(json.dumps([os.getpid(), doc.data["units"][1]["readiness"]["availability"]]) + "\\n")
    return real(doc, path, **kwargs)

executors.scenario_from_document = logged
ex = LocalExecutor(workers=2)
pids = set()
result = run_sweep(load_sweep({sweep!r}), {out!r}, ex, progress=lambda p: pids.update(ex.pids()))
stop = threading.Event()
threading.Thread(target=stop.wait, daemon=True).start()
print(json.dumps({{"method": ex.method, "units": result.units_run, "pids": sorted(pids), "parent": os.getpid(),
                  "with_a_thread": executors.start_method("auto")}}))
stop.set()
"""


@pytest.mark.skipif(not LINUX, reason="'auto' forks on Linux only")
def test_auto_forks_in_a_fresh_process_and_each_worker_builds_a_world_once(write_sweep, tmp_path, serial_rows):
    # 12 work units over 2 points: each of the 2 workers builds each point's World at most once
    path = write_sweep(GRID_SWEEP.replace("replications: 6", "replications: 12"), "long.yaml")
    log, out = tmp_path / "builds.log", tmp_path / "out"
    script = FORK_SCRIPT.format(log=str(log), sweep=str(path), out=str(out))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env=os.environ.copy())
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["method"] == "fork" and report["units"] == 2 * 6
    assert report["with_a_thread"] in ("forkserver", "spawn")
    builds = [tuple(json.loads(line)) for line in log.read_text().splitlines()]
    workers = {pid for pid, _ in builds if pid != report["parent"]}  # the parent validates the points
    assert workers and workers <= set(report["pids"]) and len(report["pids"]) == 2  # started once, kept
    worker_builds = [b for b in builds if b[0] in workers]
    assert len(worker_builds) == len(set(worker_builds)) <= 2 * 2, worker_builds  # once per worker and variant
    rows = _rows(out)
    pd.testing.assert_frame_equal(serial_rows, rows[rows["replication"] < 6].reset_index(drop=True))


# ---------------------------------------------------------------------------------------------- the worker's cache


def _unit(sweep, p: int, b: int, data: dict | None = None, inputs: dict | None = None) -> WorkUnit:
    point, base = sweep.points[p], str(sweep.base_path)
    data = point.data if data is None else data
    keys = variant_keys(base, data, sweep.inputs if inputs is None else inputs)
    return WorkUnit(p, b, 2 * b, 2 * b + 2, point.seed, data, base, *keys)


def test_a_worker_keeps_each_variants_world_and_shares_its_terrain(grid, monkeypatch):
    monkeypatch.setattr(executors, "_WORLDS", OrderedDict())
    monkeypatch.setattr(executors, "_TERRAINS", OrderedDict())
    built = []
    real = iadsim.engine.build_world
    monkeypatch.setattr(iadsim.engine, "build_world", lambda scenario: built.append(scenario) or real(scenario))

    first = world_for(_unit(grid, 0, 0))
    assert world_for(_unit(grid, 0, 1)) is first and len(built) == 1  # the next batch of the point: kept
    second = world_for(_unit(grid, 1, 0))
    assert second is not first and len(built) == 2  # another point: its own World ...
    assert built[1].terrain is built[0].terrain  # ... on the terrain already loaded (it differs elsewhere)
    assert world_for(_unit(grid, 0, 2)) is first and len(built) == 2

    # a variant on other terrain gets its own; the same data reading other files is another variant
    data = copy.deepcopy(grid.points[0].data)
    data["terrain"]["flat"] = "250 m"
    world_for(_unit(grid, 0, 0, data=data))
    assert len(built) == 3 and built[2].terrain is not built[0].terrain
    assert float(built[2].terrain.elevation.max()) == 250.0 and float(built[0].terrain.elevation.max()) == 100.0
    changed = {**grid.inputs, "catalog": {**grid.inputs["catalog"], "extra.yaml": "0" * 64}}
    assert variant_keys(str(grid.base_path), grid.points[0].data, changed)[0] != _unit(grid, 0, 0).key
    world_for(_unit(grid, 0, 0, inputs=changed))
    assert len(built) == 4 and built[3].terrain is not built[2].terrain  # (the last terrain is the one kept)

    # keys: of everything the build reads; the terrain's only of what the terrain loader reads
    assert _unit(grid, 0, 0).key != _unit(grid, 1, 0).key
    assert _unit(grid, 0, 0).terrain_key == _unit(grid, 1, 0).terrain_key != _unit(grid, 0, 0, data=data).terrain_key
    assert len(executors._WORLDS) == 4 and len(executors._TERRAINS) == 1


def test_units_without_keys_are_built_every_time(grid, monkeypatch):
    monkeypatch.setattr(executors, "_WORLDS", OrderedDict())
    point = grid.points[0]
    unit = WorkUnit(0, 0, 0, 2, point.seed, point.data, str(grid.base_path))
    assert world_for(unit) is not world_for(unit) and not executors._WORLDS


def test_the_scheduler_gives_every_unit_its_variants_keys(grid, tmp_path, monkeypatch):
    from iadsim.analysis.sweep import scheduling

    seen = []
    real = scheduling.WorkUnit

    def recording(*args, **kwargs):
        unit = real(*args, **kwargs)
        seen.append(unit)
        return unit

    monkeypatch.setattr(scheduling, "WorkUnit", recording)
    run_sweep(grid, tmp_path / "out", "serial")
    by_point = {}
    for unit in seen:
        by_point.setdefault(unit.point, set()).add((unit.key, unit.terrain_key))
        assert (unit.key, unit.terrain_key) == variant_keys(str(grid.base_path), grid.points[unit.point].data,
                                                            grid.inputs)
    assert len(by_point) == 2 and all(len(keys) == 1 for keys in by_point.values())
    assert by_point[0] != by_point[1]


def test_the_cache_is_safe_for_threads_of_one_worker(grid, monkeypatch):
    # a Dask worker may run several units at once in threads of one process
    monkeypatch.setattr(executors, "_WORLDS", OrderedDict())
    monkeypatch.setattr(executors, "_WORLD_CACHE", 1)
    errors = []

    def work(p: int) -> None:
        try:
            for b in range(2):
                world_for(_unit(grid, p, b))
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p % 2,)) for p in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(executors._WORLDS) == 1



def test_a_builds_warnings_are_its_own_when_another_thread_warns_meanwhile(grid, monkeypatch):
    # a Dask worker's threads: another thread's scenario warning, given while this one builds, is not this build's
    import warnings

    from iadsim.scenario.load import ScenarioWarning
    from iadsim.scenario.notes import issue_warning

    monkeypatch.setattr(executors, "_WORLDS", OrderedDict())
    building, warned = threading.Event(), threading.Event()
    real = iadsim.engine.build_world

    def build(scenario):
        issue_warning("this build's own", ScenarioWarning)
        building.set()
        assert warned.wait(60)
        return real(scenario)

    monkeypatch.setattr(iadsim.engine, "build_world", build)
    notes = []
    worker = threading.Thread(target=lambda: world_for(_unit(grid, 0, 0), notes))

    def other():
        assert building.wait(60)
        issue_warning("another thread's", ScenarioWarning)
        warned.set()

    with warnings.catch_warnings(record=True) as issued:
        warnings.simplefilter("always")
        threads = [worker, threading.Thread(target=other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert notes == [(ScenarioWarning, "this build's own")]
    assert [str(w.message) for w in issued] == ["another thread's"]  # issued in its thread, not collected
