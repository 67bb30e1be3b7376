"""Run folders (format 4): self-contained, built atomically, readable batch by batch.

Layout of ``<target>/``::

    manifest.json        format_version, iadsim version, seed, replications, batch size, scenario sha256,
                         catalogs, terrain (crop file, downsampling factor, one sha256 over the terrain's
                         source files and land cover), finished batches
    scenario/            scenario.yaml (the file as written), catalogs/ (every catalog file it uses) and a
                         user's land-cover class table (landcover-classes.yaml)
    terrain/dem.tif      the DEM cropped to the area of interest (absent for flat terrain)
    terrain/landcover.tif  the land-cover class codes on the crop's grid (with surface.landcover)
    metrics/batch-000003.parquet   one row per replication, a column per replication metric
    events/batch-000003.parquet    the typed events (iadsim.events: kind, unit and target indices, ...)
    series/batch-000003.parquet    per sampled step (montecarlo.SERIES_POINTS): time, replications, each series' sum
    states/batch-000003.parquet    each target's and unit's status (iadsim.events.Status) at the trajectory
                                   frames, a row when it changed: what the report's replay shows
    decisions/batch-000003.parquet with automation (authority.automation) only: the engine's decisions
                                   (iadsim.events.DECISION_DTYPES), what the report's human-machine teaming
                                   section reads
    entities.json, trajectories.parquet, coverage.json, coverage.npz   what a report draws
    corridors.json                                                     (--corridors) least-exposed corridors
                                   (iadsim.analysis.artifacts), written when the run starts
    audit.json, summary.json

Format 3 (iadsim 0.4) made events a typed table and added series/, entities, trajectories and coverage:
a report reads the folder only, never rebuilding the engine's world or recomputing coverage. Format 4 added
states/ (the replay's track and unit states), and later decisions/ (a folder without it, written before, or of a
scenario without automation, has no decisions: :func:`read_decisions` gives None).

A run is built in ``<target>.partial/``: each batch's files are written under a temporary name and renamed
into place, then the manifest (also replaced atomically) lists the batch as finished, so a run killed at
any moment leaves every finished batch readable. When the run completes, an existing ``<target>`` moves to
``.<target>.iadsim-old`` (:func:`old_folder`: a name of iadsim's own, so a user's ``<target>.old`` is never taken
for it), the new run moves to ``<target>``, and the old one is deleted. On the next start, leftovers are
recovered (the old run back in place when ``<target>`` is missing) or resumed (a ``.partial`` of
the same scenario, seed and batch size continues from its finished batches); anything else is refused
with a message, never deleted.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.events import EVENT_DTYPES
from iadsim.scenario import InputError, Scenario
from iadsim.scenario.yamlio import MAX_BYTES, read_bytes, read_json, write_atomic

FORMAT = "iadsim-run"
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
AOI_MARGIN = 25_000.0
"""Margin [m] around every unit, defended asset and waypoint kept in the run folder's terrain crop."""

BATCH_KINDS = ("metrics", "events", "series", "states")
"""The tables every batch has."""
DECISIONS = "decisions"
"""The batch table a run with automation has too (:data:`iadsim.events.DECISION_DTYPES`)."""
RUN_ENTRIES = frozenset({"manifest.json", "summary.json", "scenario", *BATCH_KINDS, DECISIONS, "terrain", "audit.json",
                         "entities.json", "trajectories.parquet", "coverage.json", "coverage.npz", "corridors.json"})
"""What a run folder holds at its top (iadsim writes nothing else there, but for the temporary files of an interrupted
write, ``.NAME.XXXX.tmp``): replacing a run folder that holds anything else is refused, since it would go with the
old run; a file manager's own (:data:`JUNK`) aside."""
JUNK = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
"""Files a file manager leaves in any folder it shows."""
EVENT_COLUMNS = tuple(EVENT_DTYPES)


class RunFolderError(InputError):
    """A run folder that cannot be written or read (exit 2)."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, limit: int = 8 * 1024**3) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json_atomic(path: Path, data: object) -> None:
    write_atomic(path, (json.dumps(data, indent=2, allow_nan=True) + "\n").encode("utf-8"))


def partial_folder(target: Path) -> Path:
    """Where the run folder ``target`` is built, and an interrupted run's finished batches are kept."""
    return target.with_name(target.name + ".partial")


def old_folder(target: Path) -> Path:
    """Where an earlier run at ``target`` waits while a new one replaces it (deleted once the new one is in place;
    a hidden name of iadsim's own, never a folder of the user's)."""
    return target.with_name(f".{target.name}.iadsim-old")


def batch_file(folder: Path, kind: str, batch: int) -> Path:
    """The file of one batch, refusing one that (through a symbolic link) lies outside the folder."""
    return inside(folder, f"{kind}/batch-{batch:06d}.parquet")


def _output_error(path: Path, exc: OSError) -> RunFolderError:
    import errno

    reason = {errno.ENOSPC: "no space left on the disk", errno.EDQUOT: "disk quota exceeded",
              errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
              errno.EPERM: "permission denied", errno.EFBIG: "file too large (a size limit was reached)",
              errno.ENOTDIR: "a part of the path is a file, not a folder"}.get(exc.errno, exc.strerror or str(exc))
    return RunFolderError(path, f"cannot write the run folder: {reason}")


# ---------------------------------------------------------------------------------------------- writing


@dataclass
class RunWriter:
    """Builds one run folder in ``<target>.partial`` and moves it into place with :meth:`finish`."""

    target: Path
    scenario: Scenario
    seed: int
    replications: int
    batch_size: int
    world: object = None  # the engine's World: entities, trajectories and coverage are written from it
    corridors: bool = False  # also write corridors.json (each defended asset's least-exposed corridor)
    finished: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.target = Path(self.target)
        automated = self.scenario.spec.authority.automation is not None
        self.kinds = (*BATCH_KINDS, DECISIONS) if automated else BATCH_KINDS  # the tables each batch writes
        self.partial = partial_folder(self.target)
        self.old = old_folder(self.target)
        try:
            self._recover()
            self._check_target()
            self.manifest = self._fresh_manifest()
            if self.partial.exists():
                self._resume_or_refuse()
            else:
                self._create()
        except OSError as exc:
            raise _output_error(self.partial, exc) from None

    # -- start

    def _recover(self) -> None:
        if not (self.old.exists() or self.old.is_symlink()):
            return
        if self.old.is_symlink() or not _is_our_run(self.old):
            raise RunFolderError(self.old, "is in the way (iadsim keeps the previous run there while replacing it) "
                                 "and is not an iadsim run folder: move it, or choose another --out")
        if not self.target.exists():
            os.replace(self.old, self.target)  # the swap was interrupted after moving the old run aside
            self.notes.append(f"recovered the previous run into {self.target} from {self.old}")
        elif _is_our_run(self.target):
            shutil.rmtree(self.old)  # the swap completed; only the deletion of the old run was interrupted
            self.notes.append(f"removed {self.old}, left by an interrupted replacement")
        else:
            raise RunFolderError(self.old, "is left from an interrupted replacement of a run; move it or choose "
                                 "another --out")

    def _check_target(self) -> None:
        t = self.target
        if t.is_symlink() and not t.exists():
            raise RunFolderError(t, "is a broken symbolic link; choose another --out")
        if t.exists() and not t.is_dir():
            raise RunFolderError(t, "is a file, not a folder; choose another --out")
        if t.is_dir() and any(t.iterdir()) and not _is_run_folder(t):
            raise RunFolderError(t, "is a folder that is not a run folder; choose an empty or new --out "
                                 "(iadsim never replaces other files)")
        if t.is_dir() and not t.is_symlink():
            others = sorted(e.name for e in t.iterdir() if e.name not in RUN_ENTRIES | JUNK
                            and not (e.name.startswith(".") and e.name.endswith(".tmp")))
            if others:  # (a report written into it, the user's notes: replacing the run would delete them)
                more = f" and {len(others) - 1} more" if len(others) > 1 else ""
                raise RunFolderError(t, f"holds files a run folder does not ('{others[0]}'{more}), which replacing "
                                     "the run would delete: move them out, or choose another --out")
        if not t.parent.exists():
            t.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(t.parent, os.W_OK):
            raise RunFolderError(t.parent, "cannot write the run folder: permission denied")

    def _fresh_manifest(self) -> dict:
        from iadsim import __version__
        from iadsim.analysis.provenance import code_sha256

        text = self.scenario.source_text()
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "iadsim_version": __version__,
            "code_sha256": code_sha256(),
            "name": self.scenario.name, "seed": int(self.seed), "replications": int(self.replications),
            "batch_size": int(self.batch_size), "scenario": "scenario/scenario.yaml",
            "scenario_sha256": sha256_bytes(text), "catalogs": {}, "terrain": None, "origin_xy": None,
            "finished_batches": [], "complete": False,
        }

    def _create(self) -> None:
        self.partial.mkdir()
        (self.partial / "scenario" / "catalogs").mkdir(parents=True)
        for kind in self.kinds:
            (self.partial / kind).mkdir()
        scenario = self.scenario
        write_atomic(self.partial / "scenario" / "scenario.yaml", scenario.source_text())
        for i, name in enumerate(scenario.spec.catalog):
            source = (Path(scenario.path).parent / name).resolve()
            data = read_bytes(source, MAX_BYTES, "catalog file")
            stored = f"scenario/catalogs/{i:02d}-{Path(name).name}"
            write_atomic(self.partial / stored, data)
            self.manifest["catalogs"][name] = {"file": stored, "sha256": sha256_bytes(data)}
        self.manifest["origin_xy"] = list(scenario.origin_xy)
        self.manifest["terrain"], window, factor = self._store_terrain()
        if self.world is not None:
            self._store_artifacts(window, factor)
        from iadsim.network import cached_audit

        write_json_atomic(self.partial / "audit.json", cached_audit(scenario))
        write_json_atomic(self.partial / MANIFEST, self.manifest)

    def _store_terrain(self) -> dict:
        from iadsim.terrain.crop import crop_dem, crop_window, write_crop

        spec = self.scenario.spec.terrain
        whole = (0, self.scenario.terrain.shape[0], 0, self.scenario.terrain.shape[1])
        if spec.flat is not None:
            return {"kind": "flat"}, whole, 1
        source_sha = self._terrain_sha()
        bounds = laydown_bounds(self.scenario)
        crop, factor, dtype = crop_dem(self.scenario.terrain, bounds)
        (self.partial / "terrain").mkdir()
        write_crop(self.partial / "terrain" / "dem.tif", crop, dtype)
        window = crop_window(self.scenario.terrain, bounds)
        info = {"kind": "sample" if spec.source == "sample" else "file", "file": "terrain/dem.tif",
                "downsample": int(factor), "dtype": dtype, "source_sha256": source_sha,
                "source_crs": self.scenario.terrain.source_crs, "bounds": list(crop.bounds)}
        if self.scenario.surface_map is not None:
            info["landcover"] = self._store_landcover(window, factor, crop)
        return info, window, factor

    def _store_landcover(self, window: tuple[int, int, int, int], factor: int, crop) -> dict:
        """terrain/landcover.tif (the class codes on the terrain crop's grid) and, for a user's class table, a
        copy of it: what a report or export made from the folder alone reads back."""
        from iadsim.terrain.crop import crop_raster
        from iadsim.terrain.landcover import write_landcover

        surface_map = self.scenario.surface_map
        codes = crop_raster(surface_map.codes, window, factor, how="nearest")
        write_landcover(self.partial / "terrain" / "landcover.tif", codes, crop)
        entry = {"file": "terrain/landcover.tif", "classes": self.scenario.spec.surface.landcover.classes}
        table = surface_map.table
        if not table.file.startswith("<builtin>"):
            data = read_bytes(Path(table.file), MAX_BYTES, "land-cover class table")
            write_atomic(self.partial / "scenario" / "landcover-classes.yaml", data)
            entry["classes_file"] = "scenario/landcover-classes.yaml"
        return entry

    def _store_artifacts(self, window: tuple[int, int, int, int], factor: int) -> None:
        """entities.json, trajectories.parquet, coverage.json, coverage.npz and, when asked, corridors.json
        (iadsim.analysis.artifacts)."""
        from iadsim.analysis import artifacts

        write_json_atomic(self.partial / "entities.json", artifacts.entities(self.world))
        write_atomic(self.partial / "trajectories.parquet",
                     _parquet_bytes(artifacts.trajectory_table(self.world), "trajectories"))
        meta, rasters = artifacts.coverage_files(self.scenario, len(self.world.sensor_ids), window, factor)
        write_atomic(self.partial / "coverage.npz", rasters)
        write_json_atomic(self.partial / "coverage.json", meta)
        if self.corridors:
            write_json_atomic(self.partial / "corridors.json", artifacts.corridor_data(self.scenario))

    def _resume_or_refuse(self) -> None:
        if not (self.partial / MANIFEST).exists() and self._holds_nothing_computed():
            # killed while the folder was being laid out, before its first manifest: no batch was finished
            shutil.rmtree(self.partial)
            self.notes.append(f"removed {self.partial}, an interrupted start that held no finished batch")
            self._create()
            return
        try:
            old = read_manifest(self.partial)
        except InputError:
            raise RunFolderError(self.partial, "holds an interrupted run whose manifest cannot be read; delete it "
                                 "or choose another --out") from None
        keys = ("scenario_sha256", "seed", "batch_size", "iadsim_version", "code_sha256", "replications")
        fresh_inputs = self._input_hashes()
        old_inputs = ({name: entry.get("sha256") for name, entry in old.get("catalogs", {}).items()},
                      (old.get("terrain") or {}).get("source_sha256"))
        if any(old.get(k) != self.manifest[k] for k in keys) or old_inputs != fresh_inputs:
            raise RunFolderError(self.partial, "holds an interrupted run of another scenario, catalog, terrain, seed, "
                                 "number of replications or iadsim code; its finished batches stay there: delete "
                                 "it or choose another --out")
        self.manifest = old
        for kind in self.kinds:  # (a run interrupted by an iadsim that kept no decisions has no decisions/)
            (self.partial / kind).mkdir(exist_ok=True)
        self.finished = sorted(b for b in old.get("finished_batches", []) if self._batch_readable(b))
        self.manifest["finished_batches"] = self.finished
        self.notes.append(f"resuming the interrupted run in {self.partial}: {len(self.finished)} finished "
                          "batches kept")
        if self.corridors and self.world is not None and not (self.partial / "corridors.json").exists():
            from iadsim.analysis import artifacts  # asked for now, not when the run started

            write_json_atomic(self.partial / "corridors.json", artifacts.corridor_data(self.scenario))

    def _holds_nothing_computed(self) -> bool:
        """True for a .partial laid out by :meth:`_create` only: our folders and files, and no batch file."""
        try:
            entries = list(self.partial.iterdir())
            if self.partial.is_symlink() or any(e.name not in RUN_ENTRIES - {MANIFEST, "summary.json"}
                                                and not e.name.endswith(".tmp") for e in entries):
                return False
            return not any((self.partial / kind).is_dir() and any((self.partial / kind).iterdir())
                           for kind in (*BATCH_KINDS, DECISIONS))
        except OSError:
            return False

    def _input_hashes(self) -> tuple[dict, str | None]:
        """sha256 of every catalog file and of the terrain file the scenario names (None: sample or flat)."""
        scenario = self.scenario
        catalogs = {name: sha256_bytes(read_bytes((Path(scenario.path).parent / name).resolve(), MAX_BYTES,
                                                  "catalog file")) for name in scenario.spec.catalog}
        return catalogs, self._terrain_sha()

    def _terrain_sha(self) -> str | None:
        """sha256 of the terrain and land-cover files the scenario names (iadsim.scenario.load.terrain_sha256)."""
        from iadsim.scenario.load import terrain_sha256

        spec = self.scenario.spec
        return terrain_sha256(spec.terrain.source if spec.terrain.flat is None else None, spec.surface.landcover,
                              Path(self.scenario.path).parent, sha256_file)

    def _batch_readable(self, batch: int) -> bool:
        return all(batch_file(self.partial, kind, batch).is_file() for kind in self.kinds)

    # -- batches

    def read_batch(self, batch: int, replications: np.ndarray) -> tuple[pd.DataFrame, ...] | None:
        """A finished batch of a resumed run (metrics, events, series, decisions: None without automation), or
        None when its files do not hold exactly ``replications`` (the batch is then run again)."""
        try:
            metrics = read_table(batch_file(self.partial, "metrics", batch), ("replication",))
            events = read_events(batch_file(self.partial, "events", batch))
            series = read_table(batch_file(self.partial, "series", batch), ("time", "replications"))
            states = read_states(batch_file(self.partial, "states", batch))
            decisions = read_decisions(batch_file(self.partial, DECISIONS, batch)) if DECISIONS in self.kinds \
                else None
        except InputError:
            return None
        if metrics["replication"].tolist() != [int(r) for r in replications] or not events["replication"].isin(
                replications).all() or not (series["replications"] == len(replications)).all() or not states[
                "replication"].isin(replications).all() or (decisions is not None and not decisions[
                "replication"].isin(replications).all()):
            return None
        return metrics, events, series, decisions

    def write_batch(self, batch: int, metrics: pd.DataFrame, events: pd.DataFrame, series: pd.DataFrame,
                    states: pd.DataFrame, decisions: pd.DataFrame | None = None) -> None:
        """Write one batch's metrics, events, series, states and (with automation) decisions, then record it in
        the manifest (each step atomic)."""
        if DECISIONS in self.kinds and decisions is None:
            from iadsim.events import decisions_frame

            decisions = decisions_frame([])
        tables = {"metrics": metrics, "events": events, "series": series, "states": states, DECISIONS: decisions}
        try:
            for kind in self.kinds:
                write_atomic(batch_file(self.partial, kind, batch), _parquet_bytes(tables[kind], kind))
            self.finished = sorted({*self.finished, int(batch)})
            self.manifest["finished_batches"] = self.finished
            write_json_atomic(self.partial / MANIFEST, self.manifest)
        except OSError as exc:
            raise _output_error(self.partial, exc) from None

    def finish(self, summary: dict) -> Path:
        """Write the summary, mark the run complete and move it into place; returns the target."""
        try:
            write_json_atomic(self.partial / "summary.json", summary)
            self.manifest["complete"] = True
            write_json_atomic(self.partial / MANIFEST, self.manifest)
            if self.target.exists():
                os.replace(self.target, self.old)  # a run folder (checked at the start), or an empty folder
            os.replace(self.partial, self.target)
            if self.old.exists() and not self.old.is_symlink():
                shutil.rmtree(self.old)
        except OSError as exc:
            raise _output_error(self.target, exc) from None
        return self.target


def _parquet_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if kind == "events":
        frame = frame.astype(EVENT_DTYPES)  # categoricals keep every kind and reason name as the dictionary
    schema = None
    if kind == DECISIONS:  # typed even when empty: text columns as strings
        from iadsim.events import DECISION_DTYPES

        schema = pa.schema([(c, pa.string() if d == "str" else pa.from_numpy_dtype(np.dtype(d)))
                            for c, d in DECISION_DTYPES.items()])
        frame = frame[list(DECISION_DTYPES)]
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def laydown_bounds(scenario: Scenario, margin: float = AOI_MARGIN) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) [m, terrain grid] around every unit, defended asset and waypoint, plus ``margin``."""
    xs, ys = [], []
    for site in scenario.sites.values():
        xs.append(site.x)
        ys.append(site.y)
    for asset in scenario.spec.defended_assets:
        site = scenario.sites[asset.id]
        xs += [site.x - asset.radius, site.x + asset.radius]
        ys += [site.y - asset.radius, site.y + asset.radius]
    for route in scenario.routes.values():
        xs += list(route[:, 0])
        ys += list(route[:, 1])
    if not xs:
        return scenario.terrain.bounds
    return (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)


# ---------------------------------------------------------------------------------------------- reading


def _is_our_run(path: Path) -> bool:
    """A folder holding an iadsim run manifest (the only kind of folder iadsim ever moves or deletes)."""
    try:
        data = read_json(path / MANIFEST, what="run manifest")
    except InputError:
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def _is_run_folder(path: Path) -> bool:
    return path.is_dir() and ((path / MANIFEST).is_file() or (path / "summary.json").is_file())


def read_manifest(folder: Path) -> dict:
    """The manifest of a run folder; RunFolderError for a missing, unreadable, tampered or newer one."""
    folder = Path(folder)
    file = folder / MANIFEST
    if not file.is_file() and (folder / "summary.json").is_file():
        raise RunFolderError(folder, "is a run folder of format 1 (no manifest.json), which this iadsim no "
                             "longer reads: run `iadsim simulate` again")
    data = read_json(file, what="run manifest")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RunFolderError(file, "is not an iadsim run manifest")
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise RunFolderError(file, "format_version: not a whole number")
    if version != FORMAT_VERSION:
        raise RunFolderError(file, f"format_version: run folder format {version}; this iadsim reads format "
                             f"{FORMAT_VERSION}" + (": upgrade iadsim" if version > FORMAT_VERSION else
                                                    ": run `iadsim simulate` again to rewrite it"))
    problems = _manifest_problems(data)
    if problems:
        raise RunFolderError(file, problems[0])
    return data


def _manifest_problems(m: dict) -> list[str]:
    out = []

    def whole(key, minimum=0):
        v = m.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            out.append(f"{key}: expected a whole number >= {minimum}")

    whole("seed")
    whole("replications", 1)
    whole("batch_size", 1)
    for key in ("scenario", "scenario_sha256", "name"):
        if not isinstance(m.get(key), str):
            out.append(f"{key}: expected text")
    batches = m.get("finished_batches")
    if not isinstance(batches, list) or not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 10**7
                                                for b in batches):
        out.append("finished_batches: expected a list of batch numbers")
    if not isinstance(m.get("catalogs"), dict) or not all(
            isinstance(v, dict) and isinstance(v.get("file"), str) for v in m.get("catalogs", {}).values()):
        out.append("catalogs: expected a mapping of catalog names to files")
    terrain = m.get("terrain")
    if not isinstance(terrain, dict) or terrain.get("kind") not in ("flat", "sample", "file") or (
            terrain.get("kind") != "flat" and not isinstance(terrain.get("file"), str)):
        out.append("terrain: expected the terrain's kind and file")
    origin = m.get("origin_xy")
    if not (isinstance(origin, list) and len(origin) == 2 and all(isinstance(v, (int, float)) and
                                                                     not isinstance(v, bool) and math.isfinite(v)
                                                                     for v in origin)):
        out.append("origin_xy: expected two finite numbers")
    if not isinstance(m.get("complete"), bool):
        out.append("complete: expected true or false")
    return out


def inside(folder: Path, relative: str) -> Path:
    """``folder / relative``, refusing paths that leave the folder (absolute, ``..``, symlinks out)."""
    folder = Path(folder)
    path = (folder / relative)
    try:
        resolved = path.resolve(strict=False)
        root = folder.resolve(strict=False)
    except (OSError, RuntimeError):
        raise RunFolderError(folder, f"'{relative}' cannot be resolved (symbolic link loop?)") from None
    if Path(relative).is_absolute() or root not in resolved.parents:
        raise RunFolderError(folder, f"names a file outside the run folder ('{relative}'); refused")
    return path


MAX_DECODED = 4 * 1024**3
"""Most bytes a run folder's Parquet file may decode to (its own metadata says, before any is decoded): a small file
of identical rows can decode to many GB."""


def read_table(file: Path, columns=None, max_rows: int | None = None) -> pd.DataFrame:
    """A Parquet file of a run folder; RunFolderError when it is missing, truncated or of the wrong schema, or when
    its metadata says it holds more than ``max_rows`` rows or decodes to more than :data:`MAX_DECODED` bytes
    (checked before decoding it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = read_bytes(file, 2 * 1024**3, "Parquet file")
    try:
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
        decoded = meta.num_rows * meta.num_columns * 8  # (at least: 8 bytes a value; encodings shrink repeats)
    except (pa.ArrowException, OSError, ValueError):
        raise RunFolderError(file, "is not a readable Parquet file (truncated or corrupt)") from None
    if max_rows is not None and meta.num_rows > max_rows:
        raise RunFolderError(file, f"holds {meta.num_rows:,} rows where the run has at most {max_rows:,}")
    if decoded > MAX_DECODED:
        raise RunFolderError(file, f"would decode to at least {decoded / 1024**3:.2g} GB, more than a run folder's "
                             f"table may ({MAX_DECODED / 1024**3:.2g} GB)")
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError):
        raise RunFolderError(file, "is not a readable Parquet file (truncated or corrupt)") from None
    if columns is not None:
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise RunFolderError(file, f"lacks the column(s) {', '.join(missing)}")
    try:
        return table.to_pandas()
    except Exception:  # corrupt pandas metadata in the file (KeyError, TypeError, ArrowException, ...)
        raise RunFolderError(file, "is not a readable Parquet file (corrupt metadata)") from None


def load_scenario_of(folder: Path, manifest: dict) -> tuple[Scenario, bool]:
    """The run's scenario from the run folder alone: its copied catalogs and its terrain crop, placed at the
    run's origin. Returns (scenario, exact): ``exact`` is False when the terrain crop is downsampled (display
    only: nothing that produces a number should be computed from it)."""
    from iadsim.scenario.load import TerrainWarning, scenario_from_document
    from iadsim.scenario.yamlio import load_yaml
    from iadsim.terrain import load_dem

    scenario_file = inside(folder, manifest["scenario"])
    data = read_bytes(scenario_file, MAX_BYTES, "scenario file")
    if sha256_bytes(data) != manifest["scenario_sha256"]:
        raise RunFolderError(scenario_file, "does not match the sha256 in the manifest (the run folder was "
                             "changed after the run)")
    catalogs = {name: inside(folder, entry["file"]) for name, entry in manifest["catalogs"].items()}
    terrain_info = manifest["terrain"]
    terrain, exact = None, True
    if terrain_info["kind"] != "flat":
        terrain_file = inside(folder, terrain_info["file"])
        try:
            terrain = load_dem(terrain_file)
        except ValueError as exc:  # TerrainError: names the file and the reason, never its content
            raise RunFolderError(terrain_file, f"terrain crop cannot be read: {getattr(exc, 'reason', 'invalid')}"
                                 ) from None
        exact = terrain_info.get("downsample", 1) == 1
    landcover = {}
    stored = terrain_info.get("landcover") if terrain_info["kind"] != "flat" else None
    if isinstance(stored, dict) and isinstance(stored.get("file"), str):
        landcover["raster"] = inside(folder, stored["file"])
        if isinstance(stored.get("classes_file"), str):
            landcover["classes"] = inside(folder, stored["classes_file"])
    doc = load_yaml(scenario_file, data.decode("utf-8-sig", errors="replace"))
    with warnings.catch_warnings():  # what the scenario's terrain warns about was said when it ran
        warnings.simplefilter("ignore", TerrainWarning)
        scenario = scenario_from_document(doc, scenario_file, catalog_files=catalogs, terrain=terrain,
                                          origin_xy=tuple(float(v) for v in manifest["origin_xy"]),
                                          landcover_files=landcover)
    return scenario, exact


def finished_batches(folder: Path, manifest: dict) -> list[int]:
    return sorted(set(manifest["finished_batches"]))


_WHOLE_COLUMNS = {"replication": (0, 2**53), "unit": (-1, 2**31 - 1), "target": (-1, 2**31 - 1),
                  "track": (-1, 2**31 - 1), "missiles": (0, 2**15 - 1)}
_FINITE_COLUMNS = ("time",)
_TIME_RANGES = {"time": (0.0, 1e9), "time_of_flight": (0.0, 86400.0)}
"""[s] an event's time (31 years) and a missile's flight (a day) at most: beyond, a damaged file, not a run (a
replay samples each flight at the run's step)."""
_DECISION_RANGES = {"confidence": (0.0, 1.0), "pressure": (0.0, 1.0), "p_accept": (0.0, 1.0),
                    "workload": (0.0, 1e9), "hours": (0.0, 1e6), "time_to_intercept": (0.0, np.inf),
                    "trust": (0.0, 1.0)}
_LATER_DECISION_COLUMNS = ("trust",)
"""Decision columns a folder written before them lacks: read as NaN."""


def read_events(file: Path) -> pd.DataFrame:
    """One batch's typed events (:data:`iadsim.events.EVENT_DTYPES`), checked: every column present; indices and
    counts whole numbers in their range (a value is never wrapped or truncated into another one); times
    finite; every kind and reason one of the engine's names. (Whether an index names an entity of the run
    is checked by the reader that knows the entities.)"""
    from iadsim.events import KIND_NAMES, REASON_NAMES

    return _typed_table(file, EVENT_DTYPES, {"kind": KIND_NAMES, "reason": REASON_NAMES}, "event")


def read_states(file: Path) -> pd.DataFrame:
    """One batch's states table (:data:`iadsim.events.STATUS_DTYPES`), checked as the events are."""
    from iadsim.events import STATUS_DTYPES, STATUS_NAMES

    return _typed_table(file, STATUS_DTYPES, {"status": STATUS_NAMES}, "state")


def _typed_table(file: Path, dtypes: dict[str, str], names: dict[str, list[str]], what: str) -> pd.DataFrame:
    """A batch table of ``dtypes`` read and checked: categories among ``names``, whole-number columns in their
    range, times finite."""
    frame = read_table(file, tuple(dtypes))
    out = {}
    for name, dtype in dtypes.items():
        column = frame[name]
        if dtype == "category":
            values = column.astype(str) if len(column) else column.astype(object)
            unknown = set(values) - set(names[name])
            if unknown:
                raise RunFolderError(file, f"{name}: not {'an' if what[0] in 'aeiou' else 'a'} {what} {name} of this "
                                     f"iadsim: {sorted(unknown)[0][:40]!r}")
            out[name] = pd.Categorical(values, categories=names[name])
            continue
        out[name] = _numbers(file, name, column).astype(dtype)
    return pd.DataFrame(out, columns=list(dtypes))


def _numbers(file: Path, name: str, column) -> np.ndarray:
    """A numeric column's values as floats, checked: whole numbers in their range for an index or count
    (:data:`_WHOLE_COLUMNS`), finite for a time, within its bounds for a decision's input
    (:data:`_DECISION_RANGES`, NaN allowed)."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise RunFolderError(file, f"{name}: expected numbers")
    values = column.to_numpy(dtype=float)
    if name in _WHOLE_COLUMNS:
        low, high = _WHOLE_COLUMNS[name]
        if not (np.isfinite(values).all() and (values == np.floor(values)).all() and (values >= low).all()
                and (values <= high).all()):
            raise RunFolderError(file, f"{name}: expected whole numbers from {low} to {high}")
    elif name in _FINITE_COLUMNS and not np.isfinite(values).all():
        raise RunFolderError(file, f"{name}: expected finite numbers")
    if name in _TIME_RANGES:
        low, high = _TIME_RANGES[name]
        known = values[~np.isnan(values)]
        if not ((known >= low) & (known <= high)).all():
            raise RunFolderError(file, f"{name}: expected seconds from {low:g} to {high:g}")
    elif name in _DECISION_RANGES:
        low, high = _DECISION_RANGES[name]
        known = values[~np.isnan(values)]
        if not ((known >= low) & (known <= high)).all():
            raise RunFolderError(file, f"{name}: expected numbers from {low:g} to {high:g} (or none)")
    return values


def read_decisions(file: Path) -> pd.DataFrame:
    """One batch's decisions (:data:`iadsim.events.DECISION_DTYPES`), checked: every column present; indices
    whole numbers in their range; times finite; numbers numeric, flags true or false; every label one of the
    classifier's (:data:`iadsim.scenario.models.LABELS`) and every profile text. (Whether an index names an
    entity of the run is checked by the reader that knows the entities.)"""
    from iadsim.events import DECISION_DTYPES
    from iadsim.scenario.models import LABELS

    frame = read_table(file, tuple(c for c in DECISION_DTYPES if c not in _LATER_DECISION_COLUMNS))
    out = {}
    for name, dtype in DECISION_DTYPES.items():
        column = frame[name] if name in frame else pd.Series(np.full(len(frame), np.nan))
        if dtype == "str":
            values = column.astype(object).to_numpy()
            if not all(isinstance(v, str) and len(v) <= 64 for v in values):
                raise RunFolderError(file, f"{name}: expected text (an id, at most 64 characters)")
            if name == "label" and not set(values) <= set(LABELS):
                unknown = sorted(set(values) - set(LABELS))[0]
                raise RunFolderError(file, f"label: not a classifier label: {unknown[:40]!r}")
            out[name] = pd.Series(values, dtype=object)
            continue
        if dtype == "bool":
            if not pd.api.types.is_bool_dtype(column):
                raise RunFolderError(file, f"{name}: expected true or false")
            out[name] = column.to_numpy(dtype=bool)
            continue
        out[name] = _numbers(file, name, column).astype(dtype)
    return pd.DataFrame(out, columns=list(DECISION_DTYPES))


def read_run_decisions(folder: Path, manifest: dict) -> pd.DataFrame | None:
    """Every finished batch's decisions, concatenated (listed by the manifest, never globbed); None for a run
    folder without ``decisions/`` (a scenario without automation, or a folder written before runs kept them)."""
    from iadsim.events import decisions_frame

    if not inside(folder, DECISIONS).is_dir():
        return None
    frames = [read_decisions(batch_file(folder, DECISIONS, b)) for b in finished_batches(folder, manifest)]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else decisions_frame([])


def read_replication_states(folder: Path, manifest: dict, replication: int) -> pd.DataFrame:
    """The states of one replication, read from the one batch that holds it."""
    batch = int(replication) // int(manifest["batch_size"])
    if batch not in finished_batches(folder, manifest):
        raise RunFolderError(folder / MANIFEST, f"replication {replication}: its batch {batch} is not finished")
    file = batch_file(folder, "states", batch)
    states = read_states(file)
    return states[states["replication"] == replication].reset_index(drop=True)


def read_batches(folder: Path, manifest: dict, metric_columns, optional=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every finished batch's metrics and events (by replication), concatenated (listed by the manifest, never
    globbed). A column of
    ``optional`` (an optional metric registered after the run was written) that a batch lacks is NaN there; every
    other column of ``metric_columns`` must be there."""
    from iadsim.events import empty_events

    metrics, events = [], []
    required = tuple(c for c in metric_columns if c not in set(optional))
    size = int(manifest["batch_size"])
    for b in finished_batches(folder, manifest):
        file = batch_file(folder, "metrics", b)
        frame = read_table(file, required, max_rows=size)
        for column in metric_columns:
            if column not in frame:
                frame[column] = np.nan
            elif not pd.api.types.is_numeric_dtype(frame[column]):
                raise RunFolderError(file, f"{column}: expected numbers")
        metrics.append(frame[list(metric_columns)])
        events.append(read_events(batch_file(folder, "events", b)))
    m = pd.concat(metrics, ignore_index=True) if metrics else pd.DataFrame(columns=list(metric_columns))
    e = pd.concat(events, ignore_index=True) if events else empty_events()
    # by replication, each in the engine's order: the same table whatever the batches (workers, memory) were
    e = e.sort_values("replication", kind="stable", ignore_index=True)
    if len(m) and not np.issubdtype(m["replication"].dtype, np.integer):
        raise RunFolderError(folder, "metrics: the replication column is not whole numbers")
    return m, e


def read_series(folder: Path, manifest: dict) -> pd.DataFrame:
    """The time series' means over every finished batch's replications: ``time`` and one column per series
    (the sums of the batches divided by their replications), checked: numbers only, the same steps in every
    batch, and each batch's ``replications`` the size of that batch."""
    total, replications, columns, times = None, 0, None, None
    n, size = int(manifest["replications"]), int(manifest["batch_size"])
    for b in finished_batches(folder, manifest):
        file = batch_file(folder, "series", b)
        frame = read_table(file, ("time", "replications"))
        names = [c for c in frame.columns if c not in ("time", "replications")]
        for name in frame.columns:
            column = frame[name]
            if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
                raise RunFolderError(file, f"{str(name)[:40]}: expected numbers")
        values = frame[names].to_numpy(dtype=float)
        steps = frame["time"].to_numpy(dtype=float)
        expected = min(size, n - b * size)
        if not (np.isfinite(values).all() and np.isfinite(steps).all()):
            raise RunFolderError(file, "expected finite numbers")
        if not (frame["replications"].to_numpy(dtype=float) == expected).all():
            raise RunFolderError(file, f"replications: batch {b} ran {expected} replications")
        if columns is None:
            columns, total, times = names, values, steps
        elif names != columns or values.shape != total.shape or not np.array_equal(steps, times):
            raise RunFolderError(file, "does not hold the same steps and series as the first batch")
        else:
            total = total + values
        replications += expected
    if columns is None or not replications:
        return pd.DataFrame(columns=["time"])
    return pd.DataFrame({"time": times, **{c: total[:, i] / replications for i, c in enumerate(columns)}})
