"""What a run folder keeps beside its batches so that a report never rebuilds the engine's world or
recomputes coverage: the entities, their trajectories on a coarse time grid, and the coverage maps.

Files (written by :class:`iadsim.analysis.runfolder.RunWriter` when the run starts)::

    entities.json          units (id, kind, type, x, y, z) and targets (id, civil, flight, type, asset): what
                           the events' ``unit`` and ``target`` indices name
    trajectories.parquet   every target on a coarse time grid (at most MAX_FRAMES times, first and last
                           included): frame, time, target, x, y, z [m, world frame, z above sea level],
                           active (airborne on its route), arrived (reached the end of its route)
    coverage.json          the coverage maps' description (bands, sensors, fire units, threat types, shape)
    coverage.npz           their rasters on the run folder's terrain crop (detection, engagement, masking)

Each missile's track is in the events: a ``launch`` gives its launcher (``unit``, at the entity's
position), its aim point (``x, y, z``) and ``time_of_flight``; the engine flies it in a straight line.
Everything is read back checked (shapes, sizes, names), so a changed or hostile file is an error naming
it, never a crash or an unbounded allocation.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.scenario import Scenario
from iadsim.scenario.yamlio import read_bytes, read_json

__all__ = ["MAX_FRAMES", "Trajectories", "coverage_files", "entities", "frame_steps", "read_coverage",
           "read_entities", "read_trajectories", "trajectory_table"]

MAX_FRAMES = 400
"""Most times kept per target in ``trajectories.parquet``."""
MAX_COVERAGE_BYTES = 2 * 1024**3
"""Largest coverage raster set read back (decompressed)."""


class ArtifactError(ValueError):
    """A run folder artifact that does not hold what it should; ``file`` and ``reason`` name it."""

    def __init__(self, file: Path, reason: str):
        self.file, self.reason = Path(file), reason
        super().__init__(f"{file}: {reason}")


def frame_steps(n_steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """At most ``max_frames`` step indices, evenly spaced, always including the first and the last."""
    if n_steps <= max_frames:
        return np.arange(n_steps)
    return np.unique(np.round(np.linspace(0, n_steps - 1, max_frames)).astype(int))


# ---------------------------------------------------------------------------------------------- writing


def entities(world) -> dict:
    """The units and targets the events' indices name, with where the units stand."""
    scenario = world.scenario
    units = []
    for unit in scenario.spec.units:
        site = scenario.sites[unit.id]
        units.append({"id": unit.id, "kind": scenario.catalog.types[unit.type].kind, "type": unit.type,
                      "x": site.x, "y": site.y, "z": site.ground + unit.mast_height})
    flights = [*scenario.spec.threats, *scenario.spec.traffic]
    names = {}
    for flight in flights:
        for j in range(flight.count):
            names[f"{flight.id}-{j + 1}" if flight.count > 1 else flight.id] = flight
    assets = [a.id for a in scenario.spec.defended_assets]
    targets = []
    for i, tid in enumerate(world.target_ids):
        flight = names.get(tid)
        targets.append({"id": tid, "civil": bool(world.civil[i]), "flight": flight.id if flight else tid,
                        "type": flight.type if flight else "",
                        "asset": assets[world.asset_of[i]] if world.asset_of[i] >= 0 else None})
    return {"units": units, "targets": targets, "fire_units": list(world.fire_ids), "sensors": list(world.sensor_ids),
            "step": float(world.step), "duration": float(world.times[-1])}


def trajectory_table(world, max_frames: int = MAX_FRAMES) -> pd.DataFrame:
    """Every target's position on a coarse grid of the world's times (the rows of ``trajectories.parquet``)."""
    steps = frame_steps(len(world.times), max_frames)
    n_f, n_t = len(steps), len(world.target_ids)
    position = world.position[steps]
    return pd.DataFrame({
        "frame": np.repeat(np.arange(n_f, dtype=np.int32), n_t),
        "time": np.repeat(world.times[steps], n_t),
        "target": np.tile(np.arange(n_t, dtype=np.int32), n_f),
        "x": position[..., 0].ravel(), "y": position[..., 1].ravel(), "z": position[..., 2].ravel(),
        "active": world.active[steps].ravel(), "arrived": world.arrived[steps].ravel(),
    })


def coverage_files(scenario: Scenario, window: tuple[int, int, int, int], factor: int) -> tuple[dict, bytes]:
    """The scenario's coverage maps (default bands) cut to the terrain crop's ``window`` (row0, row1, col0,
    col1) and downsampled by ``factor`` like the crop: (coverage.json data, coverage.npz bytes)."""
    from iadsim.analysis.coverage import coverage_maps
    from iadsim.terrain.crop import crop_raster

    maps = coverage_maps(scenario)

    def cut(array, how):
        return crop_raster(array, window, factor, how)

    arrays = {
        "detection": cut(maps.detection, "majority"), "engagement": cut(maps.engagement, "majority"),
        "masking": cut(maps.masking, "mean").astype(np.float32),
    }
    shape = cut(maps.valid, "majority").shape
    meta = {"bands": list(maps.bands), "sensor_ids": list(maps.sensor_ids), "fire_ids": list(maps.fire_ids),
            "able": [bool(a) for a in maps.able], "guided_by": [list(g) for g in maps.guided_by],
            "threat_types": list(maps.threat_types), "shape": [int(shape[0]), int(shape[1])],
            "exact": factor == 1}
    sink = io.BytesIO()
    np.savez_compressed(sink, **arrays)
    return meta, sink.getvalue()


# ---------------------------------------------------------------------------------------------- reading


def _strings(value, file: Path, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArtifactError(file, f"{field}: expected a list of names")
    return value


def read_entities(folder: Path) -> dict:
    """``entities.json`` checked: units and targets with their fields."""
    file = folder / "entities.json"
    data = read_json(file, what="run entities")
    if not isinstance(data, dict) or not isinstance(data.get("units"), list) or not isinstance(data.get("targets"),
                                                                                               list):
        raise ArtifactError(file, "expected {units: [...], targets: [...]}")
    for i, unit in enumerate(data["units"]):
        if not (isinstance(unit, dict) and isinstance(unit.get("id"), str) and isinstance(unit.get("kind"), str)
                and all(isinstance(unit.get(k), int | float) and not isinstance(unit.get(k), bool)
                        for k in ("x", "y", "z"))):
            raise ArtifactError(file, f"units[{i}]: expected id, kind, type, x, y, z")
    for i, target in enumerate(data["targets"]):
        if not (isinstance(target, dict) and isinstance(target.get("id"), str)
                and isinstance(target.get("civil"), bool)):
            raise ArtifactError(file, f"targets[{i}]: expected id and civil")
    _strings(data.get("fire_units", []), file, "fire_units")
    if not isinstance(data.get("duration"), int | float):
        raise ArtifactError(file, "duration: expected a number of seconds")
    return data


@dataclass
class Trajectories:
    """Targets on a coarse time grid: arrays over (F frames, T targets)."""

    times: np.ndarray  # (F,)
    target_ids: list[str]
    civil: np.ndarray  # (T,) bool
    position: np.ndarray  # (F, T, 3)
    active: np.ndarray  # (F, T) bool
    arrived: np.ndarray  # (F, T) bool


def read_trajectories(folder: Path, entity_data: dict, table_reader) -> Trajectories:
    """``trajectories.parquet`` as arrays, checked against the entities (``table_reader(file, columns)`` reads a
    Parquet file of the run folder)."""
    file = folder / "trajectories.parquet"
    columns = ("frame", "time", "target", "x", "y", "z", "active", "arrived")
    frame = table_reader(file, columns)
    targets = entity_data["targets"]
    n_t = len(targets)
    n = len(frame)
    if n_t == 0:
        return Trajectories(np.zeros(0), [], np.zeros(0, bool), np.zeros((0, 0, 3)), np.zeros((0, 0), bool),
                            np.zeros((0, 0), bool))
    if n % n_t or n // n_t > MAX_FRAMES:
        raise ArtifactError(file, f"expected at most {MAX_FRAMES} frames of {n_t} targets, got {n} rows")
    n_f = n // n_t
    expect_frame = np.repeat(np.arange(n_f), n_t)
    expect_target = np.tile(np.arange(n_t), n_f)
    if not (np.array_equal(frame["frame"].to_numpy(), expect_frame)
            and np.array_equal(frame["target"].to_numpy(), expect_target)):
        raise ArtifactError(file, "rows are not every target at every frame, in order")
    xyz = frame[["x", "y", "z"]].to_numpy(dtype=float).reshape(n_f, n_t, 3)
    times = frame["time"].to_numpy(dtype=float)[::n_t]
    if not (np.isfinite(xyz).all() and np.isfinite(times).all() and (np.diff(times) > 0).all()):
        raise ArtifactError(file, "positions and times must be finite, times increasing")
    return Trajectories(times, [t["id"] for t in targets], np.array([t["civil"] for t in targets], bool), xyz,
                        frame["active"].to_numpy(dtype=bool).reshape(n_f, n_t),
                        frame["arrived"].to_numpy(dtype=bool).reshape(n_f, n_t))


_COVERAGE_ARRAYS = {"detection": np.bool_, "engagement": np.bool_, "masking": np.float32}


def read_coverage(folder: Path, valid: np.ndarray):
    """``coverage.json`` + ``coverage.npz`` as :class:`iadsim.analysis.coverage.CoverageMaps` on the terrain
    crop whose data cells are ``valid``. Each array's header is checked (dtype, shape) before it is read."""
    from iadsim.analysis.coverage import CoverageMaps

    meta_file, npz_file = folder / "coverage.json", folder / "coverage.npz"
    meta = read_json(meta_file, what="run coverage")
    try:
        bands = [float(b) for b in meta["bands"]]
        sensors = _strings(meta["sensor_ids"], meta_file, "sensor_ids")
        fires = _strings(meta["fire_ids"], meta_file, "fire_ids")
        able = [bool(a) for a in meta["able"]]
        guided = [_strings(g, meta_file, "guided_by") for g in meta["guided_by"]]
        threats = _strings(meta["threat_types"], meta_file, "threat_types")
    except (KeyError, TypeError, ValueError):
        raise ArtifactError(meta_file, "expected bands, sensor_ids, fire_ids, able, guided_by, threat_types") from None
    if len(able) != len(fires) or len(guided) != len(fires) or not bands:
        raise ArtifactError(meta_file, "able and guided_by need one entry per fire unit, and bands one or more")
    rows, cols = valid.shape
    shapes = {"detection": (len(sensors), len(bands), rows, cols), "engagement": (len(fires), len(bands), rows, cols),
              "masking": (len(sensors), rows, cols)}
    if sum(int(np.prod(s)) * np.dtype(_COVERAGE_ARRAYS[k]).itemsize for k, s in shapes.items()) > MAX_COVERAGE_BYTES:
        raise ArtifactError(meta_file, "describes coverage rasters too large to read")
    data = read_bytes(npz_file, MAX_COVERAGE_BYTES, "coverage rasters")
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name, dtype in _COVERAGE_ARRAYS.items():
                with archive.open(f"{name}.npy") as member:
                    version = np.lib.format.read_magic(member)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    shape, fortran, stored = read_header(member)
                    if stored != np.dtype(dtype) or tuple(shape) != shapes[name] or fortran:
                        raise ArtifactError(npz_file, f"{name}: expected {np.dtype(dtype).name} of shape "
                                            f"{shapes[name]}, found {stored} of shape {tuple(shape)}")
                    count = int(np.prod(shape))
                    raw = member.read(count * stored.itemsize + 1)
                    if len(raw) != count * stored.itemsize:
                        raise ArtifactError(npz_file, f"{name}: truncated")
                    arrays[name] = np.frombuffer(raw, dtype=stored).reshape(shape).copy()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        if isinstance(exc, ArtifactError):
            raise
        raise ArtifactError(npz_file, "is not a readable coverage archive") from None
    return CoverageMaps(tuple(bands), sensors, arrays["detection"], fires, arrays["engagement"], np.array(able, bool),
                        guided, valid, threats, arrays["masking"].astype(float))
