"""Running sweeps: identical rows on every executor, resuming after a kill, CI stopping, DuckDB queries."""

import math
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis import DaskExecutor, LocalExecutor, load_results, query, run_sweep
from iadsim.analysis.metrics import REPLICATION_METRICS as METRICS
from iadsim.analysis.sweep import SweepWarning, ci_half_width, load_sweep, summarise_sweep

from .conftest import GRID_SWEEP, TINY_SCENARIO

STOP_SWEEP = """\
base: tiny.yaml
design: list
factors: [{{path: "units[telar].readiness.availability", values: [0.6, 1.0]}}]
stop: {{metric: kills, half_width: {half_width}, min: 6, max: 30, batch: 3}}
seed: 5
"""


@pytest.fixture(scope="module")
def dask_client():
    """One Dask LocalCluster (2 worker processes) for the module: cluster start-up is slow."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def _rows(out_dir: Path) -> pd.DataFrame:
    return load_results(out_dir).sort_values(["point", "replication"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The grid sweep run once with local worker processes (2 workers)."""
    folder = tmp_path_factory.mktemp("grid")
    (folder / "tiny.yaml").write_text(TINY_SCENARIO)
    (folder / "sweep.yaml").write_text(GRID_SWEEP)
    sweep = load_sweep(folder / "sweep.yaml")
    return sweep, run_sweep(sweep, folder / "local", LocalExecutor(workers=2))


def test_local_processes_give_the_same_rows_as_in_process(local_run, tmp_path):
    sweep, local = local_run
    serial = run_sweep(sweep, tmp_path / "serial", "serial")
    a = _rows(local.out_dir)
    assert len(a) == 2 * 6 and list(a.columns[:3]) == ["point", "replication", "units[sr].readiness.availability"]
    assert set(METRICS) <= set(a.columns)
    pd.testing.assert_frame_equal(a, _rows(serial.out_dir))
    assert local.units_run == 2 * 3 and list(local.summary["replications"]) == [6, 6]


def test_dask_gives_the_same_rows_as_local_processes(local_run, tmp_path, dask_client):
    # (the module-scoped cluster starts only here, after the local workers have finished)
    sweep, local = local_run
    dask = run_sweep(sweep, tmp_path / "dask", DaskExecutor(client=dask_client))
    pd.testing.assert_frame_equal(_rows(local.out_dir), _rows(dask.out_dir))
    assert dask.units_run == 2 * 3


def test_leaving_a_dask_executor_on_an_error_cancels_what_it_has_not_run(dask_client):
    """The scheduler leaves cancelling to the executor (the protocol's rule); on a cluster that may be shared, the
    Dask executor cancels its units itself."""
    import time

    futures = []
    with pytest.raises(KeyboardInterrupt), DaskExecutor(client=dask_client) as ex:
        futures += [ex.submit(time.sleep, 1.0) for _ in range(4)]
        raise KeyboardInterrupt
    assert len(futures) == 4 and all(f.cancelled() for f in futures)


def test_rows_do_not_depend_on_the_batch_size(write_sweep, tmp_path):
    # the engine's keyed RNG: replication r of point p is the same whichever batch it runs in
    small = run_sweep(load_sweep(write_sweep(GRID_SWEEP)), tmp_path / "b2", "serial")
    large = run_sweep(load_sweep(write_sweep(GRID_SWEEP.replace("batch: 2", "batch: 6"), "b6.yaml")), tmp_path / "b6",
                      "serial")
    pd.testing.assert_frame_equal(_rows(small.out_dir), _rows(large.out_dir))


def test_dask_by_scheduler_address_gives_the_same_rows(local_run, tmp_path, dask_client):
    # the address is checked (a handshake is read) before distributed connects: a real scheduler passes
    sweep, local = local_run
    address = dask_client.scheduler.address
    dask = run_sweep(sweep, tmp_path / "dask", "dask", scheduler=address)
    pd.testing.assert_frame_equal(_rows(local.out_dir), _rows(dask.out_dir))


def test_stop_rule_is_the_same_on_dask(write_sweep, tmp_path, dask_client):
    # stages are decided only on complete earlier stages, so the stopping point does not depend on timing
    sweep = load_sweep(write_sweep(STOP_SWEEP.format(half_width=0.6)))
    serial = run_sweep(sweep, tmp_path / "serial", "serial")
    dask = run_sweep(sweep, tmp_path / "dask", DaskExecutor(client=dask_client))
    pd.testing.assert_frame_equal(_rows(serial.out_dir), _rows(dask.out_dir))


def _check_every_replication_once(out_dir: Path, points: int, replications: int) -> None:
    rows = load_results(out_dir)
    counts = rows.groupby(["point", "replication"]).size()
    assert (counts == 1).all()
    expected = pd.MultiIndex.from_product([range(points), range(replications)], names=["point", "replication"])
    assert counts.index.equals(expected)


def test_resume_after_partial_run(write_sweep, tmp_path):
    sweep = load_sweep(write_sweep(GRID_SWEEP))
    first = run_sweep(sweep, tmp_path / "out", "serial", max_units=4)
    assert first.units_run == 4 and first.summary.empty
    (tmp_path / "out" / "results" / ".p00001-b000002.999.tmp").write_bytes(b"half a file")  # a cut-short write
    second = run_sweep(sweep, tmp_path / "out", "serial")
    assert (second.units_skipped, second.units_run) == (4, 2)
    _check_every_replication_once(tmp_path / "out", 2, 6)
    assert not list((tmp_path / "out" / "results").glob("*.tmp"))
    reference = run_sweep(sweep, tmp_path / "reference", "serial")
    pd.testing.assert_frame_equal(_rows(tmp_path / "out"), _rows(reference.out_dir))


def test_an_unfinished_sweep_is_not_reported_and_its_query_says_so(write_sweep, tmp_path, capsys):
    # the report drew a tornado and named "what moves the outcome most" from the points finished so far
    from iadsim.analysis.sweep import store
    from iadsim.cli import main
    from iadsim.report.sweep import load_sweep_table
    from iadsim.scenario import InputError

    sweep = load_sweep(write_sweep(GRID_SWEEP))
    run_sweep(sweep, tmp_path / "out", "serial", max_units=4)
    assert not store.is_complete(tmp_path / "out")
    from iadsim import SweepResults
    from iadsim.analysis.sweep import SweepWarning

    partial = SweepResults(tmp_path / "out")
    assert not partial.complete
    for table in ("points", "results"):  # Python callers are told too
        with pytest.warns(SweepWarning, match="an unfinished sweep: the answer covers the points finished so far"):
            assert len(getattr(partial, table)) > 0
    with pytest.raises(InputError, match=r"is an unfinished sweep: resume it with `iadsim sweep .*sweep.yaml --out "):
        load_sweep_table(tmp_path / "out")
    assert main(["query", str(tmp_path / "out"), "SELECT count(*) AS n FROM results"]) == 0
    err = capsys.readouterr().err
    assert "iadsim: warning: " in err and "an unfinished sweep: the answer covers the points finished so far" in err
    run_sweep(sweep, tmp_path / "out", "serial")
    assert store.is_complete(tmp_path / "out") and load_sweep_table(tmp_path / "out") is not None
    assert main(["query", str(tmp_path / "out"), "SELECT count(*) AS n FROM results"]) == 0
    assert "warning" not in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a finished sweep's tables warn of nothing
        assert partial.complete and len(partial.points) == 2
    # a finished sweep that loses a results file (as "delete it and rerun" advises) and whose rerun is interrupted is
    # unfinished again: its old summary.json said complete, and query and the report read the partial points
    next(iter(store.unit_files(tmp_path / "out"))).unlink()
    run_sweep(sweep, tmp_path / "out", "serial", max_units=0)
    assert not store.is_complete(tmp_path / "out")
    run_sweep(sweep, tmp_path / "out", "serial")
    assert store.is_complete(tmp_path / "out")
    # a summary too large for read_json (a sweep of some 50,000 points) still says it completed; a name of escapes too
    summary = tmp_path / "out" / store.SUMMARY
    for name in ("x" * 200, "\u00e9\"" * 100, None):
        store.write_json(summary, {"name": name, "complete": True, "points": [{"p": "y" * 1000}] * 60_000})
        assert summary.stat().st_size > 50e6 and store.is_complete(tmp_path / "out"), name
    store.write_json(summary, {"name": "x", "complete": False, "points": []})
    assert not store.is_complete(tmp_path / "out")


def test_a_results_file_copied_under_another_name_is_not_counted_twice(write_sweep, tmp_path):
    # the copy's rows are point 0's again: they were counted in (n doubled) and a resume wrote them into summary.json
    import shutil

    from iadsim.analysis.sweep import store
    from iadsim.scenario import InputError

    sweep = load_sweep(write_sweep(GRID_SWEEP))
    run_sweep(sweep, tmp_path / "out", "serial")
    n = len(load_results(tmp_path / "out"))
    shutil.copyfile(store.unit_path(tmp_path / "out", 0, 0), store.unit_path(tmp_path / "out", 99, 0))
    with pytest.raises(InputError, match=r"holds replication 0 of point 0 twice \(a results file copied\?\)"):
        load_results(tmp_path / "out")
    with pytest.raises(InputError, match="twice"):
        run_sweep(sweep, tmp_path / "out", "serial")  # (the resume summarises: refused, not summed)
    with pytest.raises(InputError, match="holds replication 0 of point 0 twice"):  # (SQL counted the copy in)
        query(tmp_path / "out", "SELECT point, count(*) FROM results GROUP BY point")
    store.unit_path(tmp_path / "out", 99, 0).unlink()
    assert len(load_results(tmp_path / "out")) == n


def test_resume_after_sigkill(write_sweep, tmp_path):
    path = write_sweep(GRID_SWEEP.replace("replications: 6", "replications: 24"))
    out = tmp_path / "out"
    script = f"from iadsim.analysis import run_sweep; run_sweep({str(path)!r}, {str(out)!r}, 'serial')"
    proc = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list((out / "results").glob("*.parquet"))) < 2:
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    written = len(list((out / "results").glob("*.parquet")))
    assert 2 <= written < 24, written  # killed part-way
    assert (out / ".lock").exists()  # left by the killed sweep: taken over with a warning naming it
    with pytest.warns(SweepWarning, match=f"PID {proc.pid} .*ended without releasing it"):
        resumed = run_sweep(load_sweep(path), out, "serial")
    assert resumed.units_skipped + resumed.units_run == 24 and resumed.units_skipped >= written
    _check_every_replication_once(out, 2, 24)


def test_different_sweep_in_the_same_folder_is_refused(write_sweep, tmp_path):
    from iadsim.scenario import InputError

    run_sweep(load_sweep(write_sweep(GRID_SWEEP)), tmp_path / "out", "serial", max_units=1)
    other = load_sweep(write_sweep(GRID_SWEEP.replace("seed: 11", "seed: 12"), "other.yaml"))
    with pytest.raises(InputError, match="different sweep"):
        run_sweep(other, tmp_path / "out", "serial")


def _stops_at(values, target: float, least: int, most: int, batch: int) -> int:
    """Where the documented sequential rule stops (docs: a sweep's ``stop``): from ``least`` replications, stop
    once the half-width is at most ``target`` (or at ``most``); else plan the replications a normal
    approximation says are needed, n (half-width / target)^2, at least one batch more and at most twice n,
    in whole batches."""
    n = least
    while n < most:
        half = ci_half_width(values[:n], metric="kills")  # (the interval the summary gives the metric)
        if half is not None and half <= target:
            return n
        need = n + batch
        if half:
            need = max(need, math.ceil(n * (half / target) ** 2))
        n = min(max(math.ceil(min(need, 2 * n, most) / batch), n // batch + 1) * batch, most)
    return most


def test_a_factor_that_empties_a_layer_keeps_one_schema(write_sweep, tmp_path):
    """Moving the TELAR from the medium layer to the short one leaves the short layer empty at one point (its
    metrics NaN) and not at the other (whole numbers): the results files still share one schema, and the sweep
    finishes (it refused its own files as 'not a results file of this sweep' and could never finish)."""
    sweep = load_sweep(write_sweep(GRID_SWEEP.replace('"units[sr].readiness.availability", values: [0.5, 1.0]',
                                                      '"units[telar].layer", values: [medium, short]')))
    run_sweep(sweep, tmp_path / "out", "serial")
    rows = load_results(tmp_path / "out")
    short = rows.groupby("point")["reached_short"]
    assert short.apply(lambda x: x.isna().all()).tolist() == [True, False]
    assert rows["reached_short"].dtype == np.float64
    assert summarise_sweep(tmp_path / "out", ["kills"])["replications"].tolist() == [6, 6]


def test_a_results_file_larger_than_a_work_unit_is_refused_unread(write_sweep, tmp_path):
    """A work unit holds one batch of replications (2 here): a file of more rows (20 million took 2.75 GB before a
    resume refused it) is refused from its footer, never read whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iadsim.analysis.sweep import store
    from iadsim.scenario import InputError

    sweep = load_sweep(write_sweep(GRID_SWEEP))
    run_sweep(sweep, tmp_path / "out", "serial")
    rows = pq.read_table(store.unit_path(tmp_path / "out", 0, 0))
    big = pa.concat_tables([rows] * 5).to_pandas()
    big["replication"] = np.arange(100, 100 + len(big), dtype=np.int64)
    path = store.unit_path(tmp_path / "out", 0, 9)
    pq.write_table(pa.Table.from_pandas(big, schema=rows.schema, preserve_index=False), path)
    for read in (lambda: load_results(tmp_path / "out"), lambda: query(tmp_path / "out", "SELECT 1"),
                 lambda: run_sweep(sweep, tmp_path / "out", "serial")):
        with pytest.raises(InputError, match="it holds 10 rows, more than a work unit's 2") as err:
            read()
        assert err.value.file == str(path)


def test_a_query_whose_answer_is_huge_is_refused_in_bounded_time(write_sweep, tmp_path):
    """`SELECT * FROM range(100000000000)` was killed by the system after 50 s and every GB of memory; the answer is
    streamed and refused beyond its row limit."""
    from iadsim.analysis.sweep import store
    from iadsim.scenario import InputError

    sweep = load_sweep(write_sweep(GRID_SWEEP))
    run_sweep(sweep, tmp_path / "out", "serial")
    started = time.perf_counter()
    with pytest.raises(InputError, match=f"more than {store.MAX_QUERY_ROWS:,} rows; aggregate, or add LIMIT"):
        query(tmp_path / "out", "SELECT * FROM range(100000000000)")
    assert time.perf_counter() - started < 60
    assert len(query(tmp_path / "out", "SELECT * FROM range(10)")) == 10


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_as_a_results_file_is_refused_not_read(write_sweep, tmp_path):
    """Reading it would wait for a writer for ever (query and resume both hung)."""
    from iadsim.analysis.sweep import store
    from iadsim.scenario import InputError

    sweep = load_sweep(write_sweep(GRID_SWEEP))
    run_sweep(sweep, tmp_path / "out", "serial")
    fifo = store.unit_path(tmp_path / "out", 9, 0)
    os.mkfifo(fifo)
    for read in (lambda: load_results(tmp_path / "out"), lambda: run_sweep(sweep, tmp_path / "out", "serial"),
                 lambda: query(tmp_path / "out", "SELECT count(*) FROM results")):
        with pytest.raises(InputError, match="is named as a results file but is not a regular file") as err:
            read()
        assert err.value.file == str(fifo)


@pytest.mark.parametrize("half_width", [100.0, 0.6, 0.01])
def test_ci_stopping(write_sweep, tmp_path, half_width):
    sweep = load_sweep(write_sweep(STOP_SWEEP.format(half_width=half_width)))
    run_sweep(sweep, tmp_path / "out", "serial")
    rows = load_results(tmp_path / "out")
    summary = summarise_sweep(tmp_path / "out", ["kills"]).set_index("point")
    ran_to_max = []
    for point, group in rows.groupby("point"):
        kills = group.sort_values("replication")["kills"].to_numpy(float)
        n = len(kills)
        assert list(group["replication"].sort_values()) == list(range(n))
        assert 6 <= n <= 30 and n % 3 == 0
        hw = ci_half_width(kills, metric="kills")
        # a point stopped early reports the precision it stopped for (the rule read another interval than this)
        assert summary.loc[point, "kills_half_width"] == pytest.approx(hw)
        if half_width == 100.0:
            assert n == 6  # never stops before min, stops as soon as allowed
        elif half_width == 0.01:
            # runs to max, unless the kills never vary: a zero half-width stops it as soon as allowed
            assert (n == 30 and hw > half_width) or (np.ptp(kills) == 0 and n == 6)
            ran_to_max.append(n == 30)
        else:
            assert hw <= half_width or n == 30
            assert n == _stops_at(kills, half_width, 6, 30, 3)  # not stopped late, nor early
    assert half_width != 0.01 or any(ran_to_max)


def test_duckdb_query_and_points_table(write_sweep, tmp_path):
    run_sweep(load_sweep(write_sweep(GRID_SWEEP)), tmp_path / "out", "serial")
    frame = query(tmp_path / "out", 'SELECT point, "units[sr].readiness.availability" AS a, count(*) AS n, '
                                    "avg(kills) AS kills FROM results GROUP BY ALL ORDER BY point")
    assert list(frame["n"]) == [6, 6] and list(frame["a"]) == [0.5, 1.0]
    rows = load_results(tmp_path / "out")
    assert np.allclose(frame["kills"], rows.groupby("point")["kills"].mean())
    joined = query(tmp_path / "out", "SELECT count(*) AS n FROM results JOIN points USING (point) WHERE seed > 0")
    assert joined["n"][0] == 12
    from iadsim.scenario import InputError

    with pytest.raises(InputError, match="query failed"):
        query(tmp_path / "out", "SELECT nonsense FROM results")


def test_progress_callback(write_sweep, tmp_path):
    seen = []
    run_sweep(load_sweep(write_sweep(GRID_SWEEP)), tmp_path / "out", "serial", progress=seen.append)
    assert seen[-1].points_done == seen[-1].points_total == 2
    assert seen[-1].replications_done == seen[-1].replications_planned == 12 and seen[-1].rate > 0


def test_the_scenarios_warnings_are_said_once_a_points_own_naming_it(tmp_path):
    """`iadsim sweep` on two worker processes, each building the points it runs: the warning loading the base
    scenario gives is said once, with its line (the points that give it again say nothing); a point's own
    warning is said once, naming the point, however many workers built that point; no other warning line."""
    base = tmp_path / "tiny.yaml"
    # the raid's route ends at (0, 0) km: 2 km from sr at (0, 2), hypot(1, 1) = 1.4 km from telar at (-1, 1)
    base.write_text(TINY_SCENARIO.replace("target: base", "target: sr"))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text('base: tiny.yaml\ndesign: list\nfactors: [{name: target, path: "threats[raid].target", '
                     "values: [sr, telar, sr]}]\nreplications: 8\nbatch: 2\nseed: 3\nmetrics: [kills]\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run([sys.executable, "-m", "iadsim.cli", "sweep", str(sweep), "--out", str(tmp_path / "out"),
                           "--workers", "2"], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    said = [line for line in done.stderr.splitlines() if line.startswith("iadsim: warning: ")]
    lines = TINY_SCENARIO.splitlines()
    line = lines.index("    route:", lines.index("  - id: raid")) + 1  # (the raid's route: the warning's field)
    assert said == [
        f"iadsim: warning: {base}:{line}: threats[0].route: ends 2.0 km from unit 'sr', which it attacks: a "
        "threat strikes at the end of its route",
        f"iadsim: warning: point 1 (target=telar): {base}: threats[0].route: ends 1.4 km from unit 'telar', which it "
        "attacks: a threat strikes at the end of its route"], done.stderr
    assert not any("Warning" in line for line in done.stderr.splitlines()), done.stderr  # (a worker's own form)
