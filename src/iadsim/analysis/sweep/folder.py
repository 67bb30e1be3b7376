"""The sweep folder: created (:func:`_make_folder`), then adopted only when it is empty or holds this very
sweep -- its ``points.json`` carries the same fingerprint -- and refused otherwise (:func:`_prepare`);
``points.json`` and copies of the sweep and base files are then written, and the results files already
there checked against this sweep's columns. The files themselves are :mod:`.store`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

from iadsim.analysis.metrics import REPLICATION_METRICS as METRICS
from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.spec import Sweep
from iadsim.scenario import InputError
from iadsim.scenario.versions import CURRENT
from iadsim.scenario.yamlio import read_bytes, read_json


def _make_folder(out_dir: Path) -> None:
    """Create the sweep folder; InputError when the path is a file or the folder cannot be created or written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "is a file, not a folder; give --out a folder for the sweep's results")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir, f"cannot create the sweep folder: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(out_dir, "is not writable; give --out a folder you can write to")


def _prepare(sweep: Sweep, out_dir: Path) -> None:
    """Adopt the (locked) folder or refuse it, then write points.json and copies of the inputs.

    A folder is adopted when it is empty or its points.json carries this sweep's fingerprint; anything
    else -- another sweep's design, a points.json that cannot be read, results or other files without a
    points.json -- is refused with InputError saying to choose another --out or delete the folder. The
    existing results files are then checked (:func:`~iadsim.analysis.sweep.store.check_units`).
    """
    fingerprint = sweep.fingerprint()
    path = out_dir / store.POINTS
    advice = "choose another --out folder or delete this one"
    try:
        entries = {e.name for e in os.scandir(out_dir)}
    except OSError as exc:
        raise InputError(out_dir, f"cannot be read: {exc.strerror or exc}") from None
    entries -= {store.LOCK}
    entries = {e for e in entries if not store.TEMPORARY.match(e)}
    if store.POINTS in entries:
        try:
            old = read_json(path, what="sweep design (points.json)")
        except InputError as exc:
            raise InputError(exc.file, f"{exc.message}: this folder's sweep cannot be identified; {advice}",
                             exc.line) from None
        if not isinstance(old, dict) or old.get("fingerprint") != fingerprint:
            if isinstance(old, dict) and old.get("plan") == sweep.plan_fingerprint():
                raise InputError(out_dir, f"holds results computed from other inputs: {_changed(old, sweep)} "
                                          f"changed since; {advice}")
            raise InputError(out_dir, "holds the results of a different sweep (its points, seeds or replications "
                                      f"differ, or its points.json was changed); {advice}")
    elif entries:
        what = (f"has a {store.RESULTS} folder but no {store.POINTS}" if store.RESULTS in entries else
                f"is not empty and is not a sweep folder (no {store.POINTS})")
        raise InputError(out_dir, f"{what}, so its contents cannot be matched to this sweep; {advice}")
    meta = {
        "name": sweep.name, "fingerprint": fingerprint, "plan": sweep.plan_fingerprint(), "inputs": sweep.inputs,
        "format_version": CURRENT["sweep"],
        "sweep_file": str(sweep.file), "base": str(sweep.base_path), "design": sweep.spec.design, "seed": sweep.seed,
        "common_random_numbers": sweep.spec.common_random_numbers,
        "replications": sweep.spec.replications, "stop": sweep.spec.stop.model_dump() if sweep.spec.stop else None,
        "batch": sweep.batch_size(), "metrics": sweep.metrics, "tradeoff": sweep.spec.tradeoff,
        "factors": [{"name": f.name, "path": f.path, "kind": f.kind, "unit": f.spec.unit, "values": f.spec.values,
                     "low": f.spec.low, "high": f.spec.high} for f in sweep.factors],
        "points": [{"point": p.index, "seed": p.seed, "values": p.values,
                    **({"oat": {"factor": p.oat[0], "level": p.oat[1]}} if p.oat else {})} for p in sweep.points],
    }
    store.write_json(path, meta)  # first: a folder killed right after this is still recognised
    try:
        (out_dir / store.RESULTS).mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir / store.RESULTS, f"cannot create the results folder: {exc.strerror or exc}") from None
    store.remove_temporary(out_dir)
    for source, name in ((sweep.file, "sweep.yaml"), (sweep.base_path, "scenario.yaml")):
        _copy_input(source, out_dir / name)
    store.check_units(store.unit_files(out_dir), _expected_columns(sweep))


def _changed(old: dict, sweep: Sweep) -> str:
    """Which kinds of input differ from those recorded in an earlier points.json (quoting none of it)."""
    recorded = old.get("inputs") if isinstance(old.get("inputs"), dict) else {}
    kinds = [what for key, what in (("catalog", "a catalog file"), ("terrain", "the terrain file"),
                                    ("iadsim", "the iadsim version"), ("code", "iadsim's code"))
             if recorded.get(key) != sweep.inputs.get(key)]
    return "the sweep's inputs (" + (" and ".join(kinds) or "catalog, terrain or iadsim version") + ")"


def _copy_input(source: Path, target: Path) -> None:
    """Copy an input file into the folder (read with the safe reader, written atomically)."""
    try:
        if target.exists() and os.path.samefile(source, target):
            return
    except OSError:
        pass
    data = read_bytes(source, what="sweep or scenario file")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(target, f"cannot write: {exc.strerror or exc}") from None


def _expected_columns(sweep: Sweep) -> dict:
    """Column name -> allowed pyarrow types of this sweep's results files, in order."""
    import pyarrow as pa

    kinds = {"float": (pa.float64(),), "int": (pa.int64(),), "bool": (pa.bool_(),),
             "string": (pa.large_string(), pa.string())}
    columns = {"point": (pa.int64(),), "replication": (pa.int64(),)}
    columns.update({f.name: kinds[f.kind] for f in sweep.factors})
    columns.update({m: (pa.int64(), pa.float64()) for m in METRICS})
    return columns

