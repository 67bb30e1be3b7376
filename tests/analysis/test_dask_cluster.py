"""The Dask executor against a real cluster: a `dask scheduler` and two `dask worker` processes started here,
one of them killed (SIGKILL) mid-sweep. The sweep completes, and its rows are those of the local executor.

A subprocess test (marked ``subprocess`` and ``slow``): about 30 s on 2 cores, every wait bounded, every
process it starts killed in a ``finally``; caches and Dask's scratch space are kept out of $HOME."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from iadsim.analysis import LocalExecutor, load_results, load_sweep, run_sweep

from .conftest import GRID_SWEEP

pytestmark = [pytest.mark.subprocess, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
START_TIMEOUT = 120.0  # [s] for the scheduler and the workers to come up (imports on a loaded machine)
WATCHDOG = 300.0  # [s] after which every process started here is killed, so a stuck sweep fails, not hangs
CACHES = {"MPLCONFIGDIR": "matplotlib", "NUMBA_CACHE_DIR": "numba", "XDG_CACHE_HOME": "xdg",
          "XDG_CONFIG_HOME": "xdg-config", "HYPOTHESIS_STORAGE_DIRECTORY": "hypothesis",
          "DASK_TEMPORARY_DIRECTORY": "dask"}


def _env() -> dict:
    """This environment, with every cache the cluster's processes could write kept in the repo's .cache."""
    env = os.environ.copy()
    for name, folder in CACHES.items():
        env.setdefault(name, str(REPO / ".cache" / folder))
    return env


def _rows(out_dir: Path) -> pd.DataFrame:
    return load_results(out_dir).sort_values(["point", "replication"]).reset_index(drop=True)


def _wait_for(predicate, timeout: float, what: str, procs: list) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        dead = [p.args[1:3] for p in procs if p.poll() is not None]
        if dead:
            raise AssertionError(f"{dead} exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


def _stop(procs: list[subprocess.Popen]) -> None:
    """Kill every process started here and wait for it (each in a session of its own: the session too)."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything it left in its session
        except (ProcessLookupError, PermissionError):
            pass


@pytest.mark.skipif(not DASK.exists(), reason="the dask command is not installed next to this Python")
def test_a_worker_killed_mid_sweep_costs_nothing_but_time(write_sweep, tmp_path):
    from distributed import Client

    # 2 points x 6 batches: point 1's last batches are submitted only after point 0 is finished, so a worker
    # killed then always has work left to lose or to take over
    sweep = load_sweep(write_sweep(GRID_SWEEP.replace("replications: 6", "replications: 12")))
    env, logs = _env(), tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen] = []

    def start(*args: str, log: str) -> subprocess.Popen:
        with open(logs / log, "wb") as out:
            proc = subprocess.Popen([str(DASK), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True, cwd=tmp_path)
        procs.append(proc)
        return proc

    watchdog = threading.Timer(WATCHDOG, _stop, args=(procs,))
    watchdog.daemon = True
    watchdog.start()
    client = None
    started = time.monotonic()
    try:
        scheduler_file = tmp_path / "scheduler.json"
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
              str(scheduler_file), "--idle-timeout", f"{WATCHDOG:g}s", log="scheduler.log")
        _wait_for(lambda: scheduler_file.exists() and "address" in scheduler_file.read_text(), START_TIMEOUT,
                  "the scheduler's address", procs)
        address = json.loads(scheduler_file.read_text())["address"]
        workers = {name: start("worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--host",
                               "127.0.0.1", "--no-dashboard", "--local-directory", str(tmp_path / name),
                               "--death-timeout", "60", "--preload", "iadsim.analysis.sweep.executors",
                               log=f"{name}.log")
                   for name in ("w0", "w1")}
        client = Client(address, timeout=START_TIMEOUT, set_as_default=False)
        client.wait_for_workers(2, timeout=START_TIMEOUT)
        by_name = {info["name"]: addr for addr, info in client.scheduler_info()["workers"].items()}
        cluster_up = time.monotonic() - started

        killed: dict = {}
        after: list[int] = []

        def progress(p) -> None:
            if killed:
                after.append(p.replications_run)
            elif 1 <= p.points_done < p.points_total:  # a point finished, another not: kill the busier worker
                busy = client.processing()
                name = max(by_name, key=lambda n: len(busy.get(by_name[n], ())))
                workers[name].send_signal(signal.SIGKILL)
                workers[name].wait(timeout=30)
                killed.update(name=name, processing=len(busy.get(by_name[name], ())), done=p.replications_run)

        dask = run_sweep(sweep, tmp_path / "dask", "dask", scheduler=address, progress=progress)
        sweep_seconds = time.monotonic() - started - cluster_up
        assert killed and workers[killed["name"]].returncode == -signal.SIGKILL, killed
        assert after and killed["done"] < 2 * 12, (killed, after)  # killed mid-sweep: units completed after it
        assert dask.units_run == 2 * 6 and not dask.summary.empty and list(dask.summary["replications"]) == [12, 12]
        _wait_for(lambda: len(client.scheduler_info()["workers"]) == 1, 30, "the scheduler to drop the worker",
                  [])
    finally:
        if client is not None:
            client.close()
        _stop(procs)
        watchdog.cancel()
    local = run_sweep(sweep, tmp_path / "local", LocalExecutor(workers=2))
    pd.testing.assert_frame_equal(_rows(local.out_dir), _rows(dask.out_dir))
    print(f"cluster up in {cluster_up:.1f} s, sweep {sweep_seconds:.1f} s; killed {killed}")
