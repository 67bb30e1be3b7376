"""The results store of a sweep: one Parquet file per work unit, written atomically, queried with DuckDB.

A sweep folder holds

``points.json``
    the design: factors, every point's factor values and seed, and a fingerprint of the work plan;
``results/p00003-b000012.parquet``
    the per-replication metric rows of one work unit (point 3, batch 12): columns ``point``,
    ``replication``, one column per factor and one per metric. A file is written under a temporary name
    and renamed into place (``os.replace``), so a file that exists is complete; a sweep killed at any
    moment (even ``kill -9``) resumes by skipping the units whose file exists.
``summary.json``
    per-point means and 95 % confidence intervals, written when the sweep completes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from iadsim.scenario import InputError

RESULTS = "results"
POINTS = "points.json"
SUMMARY = "summary.json"
_UNIT_FILE = re.compile(r"^p(\d+)-b(\d+)\.parquet$")


def unit_path(out_dir: str | Path, point: int, batch: int) -> Path:
    """The file of work unit (point, batch)."""
    return Path(out_dir) / RESULTS / f"p{point:05d}-b{batch:06d}.parquet"


def completed_units(out_dir: str | Path) -> set[tuple[int, int]]:
    """(point, batch) of every complete work unit; temporary files of interrupted writes are ignored."""
    folder = Path(out_dir) / RESULTS
    if not folder.is_dir():
        return set()
    done = set()
    for entry in os.scandir(folder):
        m = _UNIT_FILE.match(entry.name)
        if m:
            done.add((int(m.group(1)), int(m.group(2))))
    return done


def write_unit(out_dir: str | Path, point: int, batch: int, frame: pd.DataFrame) -> Path:
    """Write one work unit's rows atomically: a temporary file, flushed to disk, then renamed into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = unit_path(out_dir, point, batch)
    final.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    tmp = final.with_name(f".{final.stem}.{os.getpid()}.tmp")  # not *.parquet: readers never see it
    with open(tmp, "wb") as f:
        f.write(sink.getvalue().to_pybytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)
    return final


def remove_temporary(out_dir: str | Path) -> int:
    """Delete the temporary files of writes cut short (a killed sweep); call only when no sweep runs there."""
    folder = Path(out_dir) / RESULTS
    removed = 0
    for tmp in folder.glob(".*.tmp") if folder.is_dir() else ():
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def read_unit(out_dir: str | Path, point: int, batch: int, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of one complete work unit (only ``columns``, when given)."""
    return pd.read_parquet(unit_path(out_dir, point, batch), columns=columns)


def write_json(path: str | Path, data: object) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_json_default))
    os.replace(tmp, path)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_points(out_dir: str | Path) -> dict:
    """The sweep's design as written by run_sweep (points.json)."""
    path = Path(out_dir) / POINTS
    if not path.is_file():
        raise InputError(out_dir, f"not a sweep folder: {POINTS} not found")
    return json.loads(path.read_text())


def points_frame(out_dir: str | Path) -> pd.DataFrame:
    """One row per point: point, seed and the factor values."""
    meta = read_points(out_dir)
    rows = [{"point": p["point"], "seed": p["seed"], **p["values"]} for p in meta["points"]]
    return pd.DataFrame(rows)


def _glob(out_dir: str | Path) -> str:
    return str(Path(out_dir).resolve() / RESULTS / "*.parquet")


def load_results(out_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every per-replication row of a sweep, sorted by (point, replication)."""
    import pyarrow.dataset as ds

    folder = Path(out_dir) / RESULTS
    files = sorted(str(folder / f"p{p:05d}-b{b:06d}.parquet") for p, b in completed_units(out_dir))
    if not files:
        raise InputError(out_dir, f"no results: {RESULTS}/*.parquet not found")
    frame = ds.dataset(files, format="parquet").to_table(columns=columns).to_pandas()
    keys = [c for c in ("point", "replication") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame


def query(out_dir: str | Path, sql: str) -> pd.DataFrame:
    """Run DuckDB SQL over a sweep: view ``results`` (per-replication rows) and table ``points`` (the design).

    Example: ``query(dir, 'SELECT point, avg(leakers) FROM results GROUP BY point ORDER BY point')``.
    """
    import duckdb

    if not completed_units(out_dir):
        raise InputError(out_dir, f"no results: {RESULTS}/*.parquet not found")
    con = duckdb.connect()
    try:
        glob = _glob(out_dir).replace("'", "''")
        con.execute(f"CREATE VIEW results AS SELECT * FROM read_parquet('{glob}')")
        if (Path(out_dir) / POINTS).is_file():
            points = points_frame(out_dir)
            con.register("points", points)
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            raise InputError("SQL", f"query failed: {exc}") from None
    finally:
        con.close()
