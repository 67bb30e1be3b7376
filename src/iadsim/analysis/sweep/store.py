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
    per-point means and 95 % confidence intervals, written when the sweep completes;
``.lock``
    while a sweep runs: the PID and host of the process running it (:class:`FolderLock`).

Everything read back from a folder is checked: a damaged ``points.json`` or a results file that is cut
short or has other columns is an :class:`~iadsim.scenario.InputError` naming the file and what to do.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
from pathlib import Path

import pandas as pd

from iadsim.scenario import InputError
from iadsim.scenario.yamlio import read_json, write_atomic

RESULTS = "results"
POINTS = "points.json"
SUMMARY = "summary.json"
LOCK = ".lock"
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
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise InputError(folder, f"cannot be read: {exc.strerror or exc}") from None
    for entry in entries:
        m = _UNIT_FILE.match(entry.name)
        if m:
            if not entry.is_file():  # (a FIFO would hang every reader: named, never opened)
                raise InputError(folder / entry.name, "is named as a results file but is not a regular file (a "
                                 "FIFO, device or folder); remove it and rerun the sweep to recompute it")
            done.add((int(m.group(1)), int(m.group(2))))
    return done


def unit_files(out_dir: str | Path) -> list[Path]:
    """The files of every complete work unit, in (point, batch) order: an explicit list, never a glob."""
    return [unit_path(out_dir, p, b) for p, b in sorted(completed_units(out_dir))]


def write_unit(out_dir: str | Path, point: int, batch: int, frame: pd.DataFrame) -> Path:
    """Write one work unit's rows atomically: a temporary file, flushed to disk, then renamed into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = unit_path(out_dir, point, batch)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(final, sink.getvalue().to_pybytes())  # the temporary name is not *.parquet
    except OSError as exc:
        raise InputError(final, f"cannot write: {exc.strerror or exc}") from None
    return final


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


TEMPORARY = re.compile(r"^\.(points\.json|summary\.json|sweep\.yaml|scenario\.yaml)\.\w+\.tmp$")
"""Names of the temporary files of the folder's own atomic writes (left by a sweep killed mid-write)."""


def remove_temporary(out_dir: str | Path) -> int:
    """Delete the temporary files of writes cut short (a killed sweep); call only when no sweep runs there."""
    folder = Path(out_dir) / RESULTS
    leftovers = list(folder.glob(".*.tmp")) if folder.is_dir() else []
    leftovers += [Path(out_dir) / name for name in os.listdir(out_dir) if TEMPORARY.match(name)]
    for tmp in leftovers:
        _discard(tmp)
    return len(leftovers)


def _damaged(path: Path, exc: BaseException) -> InputError:
    reason = (str(exc).splitlines() or [type(exc).__name__])[0][:100]
    return InputError(path, f"is damaged or cut short ({reason}); delete it and rerun the sweep to recompute it")


def read_unit(out_dir: str | Path, point: int, batch: int, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of one complete work unit (only ``columns``, when given)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = unit_path(out_dir, point, batch)
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _damaged(path, exc) from None


_INTEGER_KEYS = ("point", "replication")


def check_units(files: list[Path], expected: dict | None = None):
    """Read the footer of every results file: each must be a complete Parquet file whose columns and types
    are those of the others (and, given ``expected`` -- column name -> tuple of allowed pyarrow types, in
    order -- exactly those). Returns the common schema (None for no files); InputError naming the first
    file that differs and saying to delete it: without ``expected``, one whose schema fewer files share than
    another's (when no schema is held by more files than each other one, both files are named and none is
    called the odd one). A file holding more rows than one work unit (its sweep's ``batch``) is refused too: it
    would be read whole (bounded memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas, most = [], _unit_rows(files)
    for path in files:
        try:
            footer = pq.read_metadata(path)
            schema = footer.schema.to_arrow_schema().remove_metadata()
        except Exception as exc:  # pyarrow raises many kinds: any of them means the file is not usable
            raise _damaged(path, exc) from None
        problem = None
        if most is not None and footer.num_rows > most:
            problem = f"it holds {footer.num_rows:,} rows, more than a work unit's {most:,}"
        for key in _INTEGER_KEYS:
            if key not in schema.names or schema.field(key).type != pa.int64():
                problem = f"no integer column '{key}'"
                break
        if problem is None and expected is not None:
            if schema.names != list(expected):
                problem = "its columns are not those of this sweep's results"
            else:
                for name, allowed in expected.items():
                    if schema.field(name).type not in allowed:
                        problem = f"column '{name}' has type {schema.field(name).type}"
                        break
        if problem is not None:
            raise InputError(path, f"is not a results file of this sweep ({problem}); delete it and rerun the sweep "
                                   "to recompute it")
        schemas.append(schema)
    if not schemas:
        return None
    kinds: list[list[int]] = []  # the files of each distinct schema, in order of first appearance
    for i, schema in enumerate(schemas):
        for group in kinds:
            if schemas[group[0]].equals(schema):
                group.append(i)
                break
        else:
            kinds.append([i])
    if len(kinds) == 1:
        return schemas[0]
    common = max(kinds, key=len)
    if sum(len(g) == len(common) for g in kinds) > 1:  # no majority: which is the odd one cannot be told
        a, b = (files[g[0]] for g in kinds[:2])
        raise InputError(a, f"and {b.name} have different columns or types, and no schema is held by more results "
                            "files than the other: one of them is not a results file of this sweep (damaged or "
                            "copied in); delete it and rerun the sweep to recompute it")
    odd = min(i for g in kinds if g is not common for i in g)
    raise InputError(files[odd], "is not a results file of this sweep (its columns or their types differ from the "
                                 f"other {len(common)} results files); delete it and rerun the sweep to recompute it")


def _unit_rows(files: list[Path]) -> int | None:
    """The most rows one work unit of these files' sweep holds (its ``batch``, from its points.json), or None
    when it is not known."""
    if not files:
        return None
    try:
        batch = read_points(Path(files[0]).parent.parent).get("batch")
    except InputError:
        return None
    return int(batch) if isinstance(batch, int) and not isinstance(batch, bool) and batch > 0 else None


def write_json(path: str | Path, data: object) -> None:
    """Write JSON atomically (temporary file, then rename); a number that is not finite (a factor at its base value
    is NaN in the tables) is written as null: JSON has no NaN, and jq and JavaScript refuse Python's."""
    import json

    path = Path(path)
    try:
        text = json.dumps(_finite(data), indent=2, default=_json_default, allow_nan=False)
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None


def _finite(value):
    """``value`` with every float that is not finite (Python's or numpy's) replaced by None, in dicts, lists and
    tuples."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not math.isfinite(float(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _json_default(value):
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def is_complete(out_dir: str | Path) -> bool:
    """Whether the sweep in ``out_dir`` finished: its ``summary.json``, written when every point is finished, says
    so. An unfinished sweep's results are the points finished so far (resuming runs the rest)."""
    try:  # (its opening only: the summary of a sweep of many points is larger than read_json takes)
        with open(Path(out_dir) / SUMMARY, "rb") as f:
            head = f.read(_SUMMARY_HEAD)
    except OSError:
        return False
    return _COMPLETE.match(head) is not None


_SUMMARY_HEAD = 4096
# how write_json opens a complete sweep's summary: {"name": <a JSON string or null>, "complete": true, ...
_COMPLETE = re.compile(rb'\{\s*"name":\s*(?:null|"(?:[^"\\]|\\.){0,2000}"),\s*"complete":\s*true\s*,')


def unfinished_advice(out_dir: str | Path) -> str:
    """How to finish the sweep in ``out_dir``: the command that resumes it (its sweep file, from points.json)."""
    try:
        file = read_points(out_dir).get("sweep_file")
    except InputError:
        file = None
    return f"resume it with `iadsim sweep {file if isinstance(file, str) else 'SWEEP_FILE'} --out {out_dir}`"


def warn_if_unfinished(out_dir: str | Path, stacklevel: int = 2) -> None:
    """A :class:`iadsim.analysis.sweep.spec.SweepWarning` when ``out_dir`` holds a sweep that has not finished: what
    is read from it covers the points finished so far (with the command that resumes it)."""
    if (Path(out_dir) / POINTS).is_file() and not is_complete(out_dir):
        import warnings

        from iadsim.analysis.sweep.spec import SweepWarning

        warnings.warn(f"{out_dir}: an unfinished sweep: the answer covers the points finished so far "
                      f"({unfinished_advice(out_dir)})", SweepWarning, stacklevel=stacklevel + 1)


def read_points(out_dir: str | Path) -> dict:
    """The sweep's design as written by run_sweep (points.json), checked throughout (:func:`check_points`):
    InputError naming the file and the first problem otherwise."""
    path = Path(out_dir) / POINTS
    if not path.exists():
        raise InputError(out_dir, f"not a sweep folder: {POINTS} not found")
    meta = read_json(path, what="sweep design (points.json)")
    problem = check_points(meta)
    if problem is not None:
        raise InputError(path, f"is not a sweep design written by iadsim: {problem}")
    return meta


_OAT_LEVELS = ("low", "high")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def check_points(meta: object) -> str | None:
    """What is wrong with a sweep design read from points.json (None: nothing), in a few words that quote none of its
    content. Checked: a mapping; ``design`` and ``fingerprint`` strings; ``seed`` an integer and ``metrics`` a list
    of strings and ``tradeoff`` two when present; ``factors`` a list of mappings, each with a string ``name``
    (unique, not ``point`` or ``seed``) and, when present, ``values`` a list of scalars and ``low``/``high`` numbers
    or null; ``points`` a list of mappings numbered 0, 1, ... with an integer ``point`` and ``seed`` and a mapping
    of ``values`` whose keys are the factors' names and whose values are scalars. An ``oat`` design also needs each
    factor's two levels (``values: [low, high]`` or numbers ``low`` and ``high``) and the points labelled ``oat:
    {factor, level}`` with one base point and one point per factor and level."""
    if not isinstance(meta, dict):
        return "expected a mapping"
    for key in ("design", "fingerprint"):
        if not isinstance(meta.get(key), str):
            return f"'{key}' is not a string"
    if "seed" in meta and not _is_int(meta["seed"]):
        return "'seed' is not an integer"
    metrics = meta.get("metrics")
    if metrics is not None and not (isinstance(metrics, list) and all(isinstance(m, str) for m in metrics)):
        return "'metrics' is not a list of names"
    tradeoff = meta.get("tradeoff")
    if tradeoff is not None and not (isinstance(tradeoff, list) and len(tradeoff) == 2
                                     and all(isinstance(m, str) for m in tradeoff)):
        return "'tradeoff' is not a list of two metric names"
    factors = meta.get("factors")
    if not isinstance(factors, list):
        return "'factors' is not a list"
    names: list[str] = []
    for k, f in enumerate(factors):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            return f"factors[{k}] is not a factor (a mapping with a string name)"
        if f["name"] in names or f["name"] in ("point", "seed"):
            return f"factors[{k}] has the name of another column"
        values = f.get("values")
        if values is not None and not (isinstance(values, list) and all(_is_scalar(v) for v in values)):
            return f"factors[{k}].values is not a list of values"
        for bound in ("low", "high"):
            if f.get(bound) is not None and not _is_number(f[bound]):
                return f"factors[{k}].{bound} is not a number"
        names.append(f["name"])
    points = meta.get("points")
    if not isinstance(points, list):
        return "'points' is not a list"
    for i, p in enumerate(points):
        ok = (isinstance(p, dict) and isinstance(p.get("values"), dict)
              and all(_is_int(p.get(k)) for k in ("point", "seed")))
        if not ok:
            return f"points[{i}] is not a point (integer point and seed, mapping of values)"
        if p["point"] != i:
            return f"points[{i}] is numbered {p['point']}"
        if set(p["values"]) != set(names):
            return f"points[{i}] does not have a value of every factor (and nothing else)"
        if not all(_is_scalar(v) for v in p["values"].values()):
            return f"points[{i}] has a value that is not a number, string or boolean"
    return _check_oat(factors, points) if meta["design"] == "oat" else None


def _check_oat(factors: list[dict], points: list[dict]) -> str | None:
    """The labels and levels a one-at-a-time design needs (see :func:`check_points`)."""
    for k, f in enumerate(factors):
        values = f.get("values")
        if values is not None:
            if len(values) != 2:
                return f"factors[{k}] of an oat design does not have two values (low and high)"
        elif not (_is_number(f.get("low")) and _is_number(f.get("high"))):
            return f"factors[{k}] of an oat design has neither two values nor low and high"
    wanted = {(None, "base")} | {(f["name"], level) for f in factors for level in _OAT_LEVELS}
    seen = set()
    for i, p in enumerate(points):
        oat = p.get("oat")
        label = (oat.get("factor"), oat.get("level")) if isinstance(oat, dict) else None
        if label not in wanted or label in seen:
            return f"points[{i}] of an oat design has no label or a repeated one (oat: factor and level)"
        seen.add(label)
    if seen != wanted:
        return "an oat design needs a base point and a low and a high point of every factor"
    return None


def points_frame(out_dir: str | Path) -> pd.DataFrame:
    """One row per point: point, seed and the factor values."""
    meta = read_points(out_dir)
    rows = [{"point": p["point"], "seed": p["seed"], **p["values"]} for p in meta["points"]]
    return pd.DataFrame(rows)


def load_results(out_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every per-replication row of a sweep, sorted by (point, replication)."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    files = unit_files(out_dir)
    if not files:
        raise _no_results(out_dir)
    schema = check_units(files)
    if columns is not None:
        missing = [c for c in columns if c not in schema.names]
        if missing:
            raise InputError(files[0], f"has no column '{missing[0]}'; not a results file of this sweep")
    wanted = columns
    if columns is not None and "replication" not in columns and {"point", "replication"} <= set(schema.names):
        wanted = [*columns, "replication"]  # (to check that no replication is counted twice)
    try:
        frame = ds.dataset([str(f) for f in files], format="parquet", schema=schema).to_table(
            columns=wanted).to_pandas()
    except Exception as exc:  # pyarrow raises many kinds (ArrowException, TypeError, KeyError, ...)
        for path in files:  # which one?
            try:
                pq.read_table(path, columns=columns).to_pandas()
            except Exception as bad:
                raise _damaged(path, bad) from None
        raise InputError(Path(out_dir) / RESULTS, f"cannot be read ({type(exc).__name__}); delete "
                                                  "its damaged results files and rerun the sweep") from None
    if {"point", "replication"} <= set(frame.columns):
        twice = frame.duplicated(["point", "replication"])
        if twice.any():
            raise _twice(out_dir, *(int(v) for v in frame.loc[twice, ["point", "replication"]].iloc[0]))
    if wanted is not columns:
        frame = frame[columns]
    keys = [c for c in ("point", "replication") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame


MAX_QUERY_ROWS = 5_000_000
"""Most rows :func:`query` returns (a table of them, in memory)."""
QUERY_MEMORY = "4GB"
"""DuckDB's memory limit for :func:`query`: beyond it a query fails with DuckDB's message (not the system's kill)."""


def _twice(out_dir, point: int, replication: int) -> InputError:
    return InputError(Path(out_dir) / RESULTS, f"holds replication {replication} of point {point} twice (a results "
                      "file copied?): delete the copy and rerun the sweep")


def query(out_dir: str | Path, sql: str, allow_files: bool = False) -> pd.DataFrame:
    """Run DuckDB SQL over a sweep: view ``results`` (per-replication rows) and table ``points`` (the design).

    Example: ``query(dir, 'SELECT point, avg(leakers) FROM results GROUP BY point ORDER BY point')``.

    ``results`` is the explicit list of the folder's unit files (never a glob built from the folder's
    name), read by pyarrow and handed to DuckDB as a dataset; DuckDB itself may then touch no file at all
    (``enable_external_access = false``, then ``lock_configuration = true``; extensions are neither
    installed nor loaded), so the SQL cannot read other files, write (``COPY ... TO``), ``ATTACH``,
    ``INSTALL`` or ``LOAD``. DuckDB's ``allowed_paths`` is deliberately left empty: a path allowed there
    can also be overwritten (``COPY ... TO`` it with ``USE_TMP_FILE false``, DuckDB 2.0).
    ``allow_files=True`` lifts these restrictions (e.g. to join another folder's files). DuckDB works within
    :data:`QUERY_MEMORY`, and an answer of more than :data:`MAX_QUERY_ROWS` rows is refused (it is streamed, never
    built whole).
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.dataset as ds

    if not isinstance(sql, str) or not sql.strip().strip(";").strip():
        raise InputError("SQL", "the query is empty; give one such as \"SELECT * FROM results LIMIT 5\"")
    files = unit_files(out_dir)
    if not files:
        raise _no_results(out_dir)
    schema = check_units(files)
    points = points_frame(out_dir) if (Path(out_dir) / POINTS).exists() else None
    dataset = ds.dataset([str(f) for f in files], format="parquet", schema=schema)
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False, "memory_limit": QUERY_MEMORY})
    try:
        if not allow_files:
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        con.register("results", dataset)
        if points is not None:
            con.register("points", points)
        try:
            # (the least duplicate, as load_results names it: DuckDB groups in no set order)
            twice = con.execute("SELECT point, replication FROM results GROUP BY point, replication "
                                "HAVING count(*) > 1 ORDER BY point, replication LIMIT 1").fetchone()
            if twice is not None:
                raise _twice(out_dir, *twice)
            relation = con.sql(sql)
            if relation is None:  # (a statement, not a query: nothing to show)
                return pd.DataFrame()
            answer = relation.limit(MAX_QUERY_ROWS + 1).df()  # (streamed: a huge answer is never built)
            if len(answer) > MAX_QUERY_ROWS:
                raise InputError("SQL", f"the answer has more than {MAX_QUERY_ROWS:,} rows; aggregate, or add LIMIT")
            return answer
        except duckdb.Error as exc:
            raise InputError("SQL", f"query failed: {_one_line(exc)}") from None
        except pa.ArrowException as exc:
            raise InputError(Path(out_dir) / RESULTS, f"a results file cannot be read ({_one_line(exc)}); run "
                                                      "the sweep again to find and recompute it") from None
    finally:
        con.close()


def _no_results(out_dir: str | Path) -> InputError:
    """The error for a folder without a sweep's results: not there, not a folder, or no results in it."""
    folder = Path(out_dir)
    if not folder.exists():
        return InputError(folder, "not found: give a sweep's --out folder")
    if not folder.is_dir():
        return InputError(folder, "is not a folder: give a sweep's --out folder")
    return InputError(folder, f"no results: {RESULTS}/*.parquet not found (is it a sweep's --out folder?)")


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------- the lock


class FolderLock:
    """One sweep at a time in a folder: the file ``.lock``, held with ``flock`` and naming its holder.

    ``flock`` locks die with their process, so a sweep killed with ``kill -9`` leaves a lock file that the
    next sweep takes over (``previous`` then names the dead holder, for a warning); a live holder makes
    :meth:`acquire` raise InputError naming its PID. The file is removed on release.
    """

    def __init__(self, out_dir: str | Path):
        self.folder = Path(out_dir)
        self.path = self.folder / LOCK
        self.fd: int | None = None
        self.previous: str | None = None

    def acquire(self) -> FolderLock:
        import fcntl

        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_NONBLOCK", 0)
        for _ in range(20):
            try:
                fd = os.open(self.path, flags, 0o644)
            except OSError as exc:
                reason = "is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or str(exc)
                raise InputError(self.path, f"cannot be used as the sweep's lock file: {reason}") from None
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise InputError(self.path, "is not a regular file; delete it (it is the sweep's lock file)")
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise InputError(self.folder, f"another sweep ({_holder(fd) or 'PID unknown'}) is running "
                                                      "in this folder; wait for it to end or choose another "
                                                      "--out") from None
                    raise InputError(self.path, f"cannot be locked: {exc.strerror or exc}") from None
                try:
                    same = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except OSError:
                    same = False
                if not same:  # its holder released and removed it between our open and flock
                    os.close(fd)
                    continue
                previous = _holder(fd)
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
            except InputError:
                os.close(fd)
                raise
            except OSError as exc:
                os.close(fd)
                raise InputError(self.path, f"cannot write the sweep's lock file: {exc.strerror or exc}") from None
            self.fd, self.previous = fd, previous
            return self
        raise InputError(self.path, "cannot lock the folder: its lock file keeps being replaced")

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            if os.path.samestat(os.fstat(self.fd), os.stat(self.path)):
                os.unlink(self.path)
        except OSError:
            pass
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _holder(fd: int) -> str | None:
    """'PID 123 on host' from a lock file's content (only digits and host-name characters are shown)."""
    try:
        text = os.pread(fd, 200, 0).decode("ascii", "replace")
    except OSError:
        return None
    m = re.match(r"(\d{1,10}) ([A-Za-z0-9._-]{1,64})", text)
    return f"PID {m.group(1)} on {m.group(2)}" if m else None
