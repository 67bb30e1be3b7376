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
    corridors.json         (``iadsim simulate --corridors``) each defended asset's least-exposed corridor from the
                           terrain's edge (:func:`corridor_data`)

Each missile's track is in the events: a ``launch`` gives its launcher (``unit``, at the entity's
position), its aim point (``x, y, z``) and ``time_of_flight``; the engine flies it in a straight line.
Everything is read back checked (shapes, sizes, names), so a changed or hostile file is an error naming
it, never a crash or an unbounded allocation.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.runfolder import RunFolderError
from iadsim.scenario import Scenario
from iadsim.scenario.yamlio import read_bytes, read_json

__all__ = ["MAX_FRAMES", "Trajectories", "corridor_data", "coverage_files", "entities", "frame_steps",
           "read_corridors", "read_coverage", "read_entities", "read_trajectories", "trajectory_table"]

MAX_FRAMES = 400
"""Most times kept per target in ``trajectories.parquet``."""
FULL_COVERAGE_BYTES = 1024**3
"""Largest masking rasters (8 bytes per terrain cell per sensor, plus the elevations) computed on the whole
terrain for a run folder's coverage; beyond, coverage is computed on the crop."""
RUN_COVERAGE_CELLS = 400
"""A run folder's coverage is a quick look for its report: the probability of detection is evaluated on at most
this many cells a side of the terrain crop's window (:func:`coverage_files`)."""
MAX_COVERAGE_BYTES = 256 * 1024**2
"""Largest coverage raster set read back (decompressed): a report must fit in a few hundred MB."""


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
    for f in range(len(world.fire_ids)):  # where the engine launches from
        units[world.fire_unit[f]]["launch"] = [float(v) for v in world.fire_position[f]]
    for s in np.flatnonzero(world.radiates):  # a radar (whether or not its policy lets it emit)
        units[world.sensor_unit[s]]["radar"] = True
    assets = [a.id for a in scenario.spec.defended_assets]
    targets = [{"id": tid, "civil": bool(world.civil[i]), "friendly": bool(world.friendly[i]),
                "arm": bool(world.arm[i]), "decoy": bool(world.decoy[i]),
                "flight": flight.id,
                "type": flight.type,
                "asset": assets[world.asset_of[i]] if world.asset_of[i] >= 0 else None,
                "unit": world.unit_ids[world.unit_of[i]] if world.unit_of[i] >= 0 else None}
               for i, (tid, flight) in enumerate(zip(world.target_ids, world.target_flight, strict=True))]
    return {"units": units, "targets": targets, "fire_units": list(world.fire_ids), "sensors": list(world.sensor_ids),
            "step": float(world.step), "duration": float(world.scenario.spec.duration)}


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


def coverage_files(scenario: Scenario, sensors: int, window: tuple[int, int, int, int], factor: int
                   ) -> tuple[dict, bytes]:
    """The scenario's coverage maps (default bands) on the terrain crop's ``window`` (row0, row1, col0, col1) of
    its terrain, downsampled by ``factor`` like the crop: (coverage.json data, coverage.npz bytes). ``sensors``:
    how many sensors the scenario has (each takes a masking raster).

    Coverage is computed on the whole terrain, as ``iadsim coverage`` does, and cut to the window, unless
    its masking rasters would take more than :data:`FULL_COVERAGE_BYTES`: then it is computed on the window
    alone (every unit lies inside it, so each cell sees the same terrain between it and each sensor; the
    masking sweep's ray sampling differs slightly at the window's scale) and ``computed_on`` says "crop".
    Detection is evaluated at the centre of blocks of ``sample`` cells a side (``coverage_maps``' quick look),
    ``sample`` chosen to keep the window within :data:`RUN_COVERAGE_CELLS` a side."""

    from iadsim.analysis.coverage import coverage_maps
    from iadsim.terrain.crop import crop_raster

    full = 8 * int(np.prod(scenario.terrain.shape)) * (sensors + 1) <= FULL_COVERAGE_BYTES
    sample = max(1, math.ceil(max(window[1] - window[0], window[3] - window[2]) / RUN_COVERAGE_CELLS))
    if full:
        maps, cut_window = coverage_maps(scenario, sample=sample), window
    else:
        maps = coverage_maps(scenario.on_window(window), sample=sample)
        cut_window = (0, window[1] - window[0], 0, window[3] - window[2])

    def cut(array, how):
        return crop_raster(array, cut_window, factor, how)

    arrays = {
        "detection": cut(maps.detection, "majority"), "engagement": cut(maps.engagement, "majority"),
        "masking": cut(maps.masking, "mean").astype(np.float32),
    }
    shape = cut(maps.valid, "majority").shape
    meta = {"bands": list(maps.bands), "sensor_ids": list(maps.sensor_ids), "fire_ids": list(maps.fire_ids),
            "able": [bool(a) for a in maps.able], "guided_by": [list(g) for g in maps.guided_by],
            "threat_types": list(maps.threat_types), "shape": [int(shape[0]), int(shape[1])],
            "exact": factor == 1 and sample == 1, "sample": sample, "computed_on": "terrain" if full else "crop"}
    sink = io.BytesIO()
    np.savez_compressed(sink, **arrays)
    return meta, sink.getvalue()


# ---------------------------------------------------------------------------------------------- reading


def _strings(value, file: Path, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RunFolderError(file, f"{field}: expected a list of names")
    return value


def read_entities(folder: Path) -> dict:
    """``entities.json`` checked: units and targets with their fields."""
    file = folder / "entities.json"
    data = read_json(file, what="run entities")
    if not isinstance(data, dict) or not isinstance(data.get("units"), list) or not isinstance(data.get("targets"),
                                                                                               list):
        raise RunFolderError(file, "expected {units: [...], targets: [...]}")
    for i, unit in enumerate(data["units"]):
        if not (isinstance(unit, dict) and isinstance(unit.get("id"), str) and isinstance(unit.get("kind"), str)
                and isinstance(unit.get("type"), str) and isinstance(unit.get("radar", False), bool)
                and all(_finite(unit.get(k)) for k in ("x", "y", "z"))
                and (unit.get("launch") is None or (isinstance(unit["launch"], list) and len(unit["launch"]) == 3
                                                    and all(_finite(v) for v in unit["launch"])))):
            raise RunFolderError(file, f"units[{i}]: expected id, kind, type, x, y, z (finite numbers), launch and "
                                       "radar (true or false)")
    for i, target in enumerate(data["targets"]):
        if not (isinstance(target, dict) and isinstance(target.get("id"), str)
                and isinstance(target.get("civil"), bool) and isinstance(target.get("flight", ""), str)
                and isinstance(target.get("type", ""), str) and isinstance(target.get("arm", False), bool)
                and isinstance(target.get("decoy", False), bool) and isinstance(target.get("friendly", False), bool)):
            raise RunFolderError(file, f"targets[{i}]: expected id, civil, friendly, arm, decoy, flight and type")
    _strings(data.get("fire_units", []), file, "fire_units")
    if not (_finite(data.get("duration")) and 0 <= data["duration"] <= 10 * 365 * 86400):
        raise RunFolderError(file, "duration: expected a number of seconds (0 to ten years)")
    return data


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class Trajectories:
    """Targets on a coarse time grid: arrays over (F frames, T targets)."""

    times: np.ndarray  # (F,)
    target_ids: list[str]
    civil: np.ndarray  # (T,) bool
    position: np.ndarray  # (F, T, 3)
    active: np.ndarray  # (F, T) bool
    arrived: np.ndarray  # (F, T) bool
    arm: np.ndarray | None = None  # (T,) bool: an anti-radiation missile (it flies only where it was launched)
    decoy: np.ndarray | None = None  # (T,) bool: a decoy (at the end of its route it is gone, not leaked)


def read_trajectories(folder: Path, entity_data: dict) -> Trajectories:
    """``trajectories.parquet`` as arrays, checked against the entities."""
    from iadsim.analysis.runfolder import read_table  # runfolder writes these files: imported when read

    file = folder / "trajectories.parquet"
    columns = ("frame", "time", "target", "x", "y", "z", "active", "arrived")
    frame = read_table(file, columns)
    for name in columns:
        column = frame[name]
        wanted = pd.api.types.is_bool_dtype(column) if name in ("active", "arrived") else (
            pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))
        if not wanted:
            kind = "true or false" if name in ("active", "arrived") else "numbers"
            raise RunFolderError(file, f"{name}: expected {kind}")
    targets = entity_data["targets"]
    n_t = len(targets)
    n = len(frame)
    if n_t == 0:
        return Trajectories(np.zeros(0), [], np.zeros(0, bool), np.zeros((0, 0, 3)), np.zeros((0, 0), bool),
                            np.zeros((0, 0), bool))
    if n % n_t or n // n_t > MAX_FRAMES:
        raise RunFolderError(file, f"expected at most {MAX_FRAMES} frames of {n_t} targets, got {n} rows")
    n_f = n // n_t
    expect_frame = np.repeat(np.arange(n_f), n_t)
    expect_target = np.tile(np.arange(n_t), n_f)
    if not (np.array_equal(frame["frame"].to_numpy(), expect_frame)
            and np.array_equal(frame["target"].to_numpy(), expect_target)):
        raise RunFolderError(file, "rows are not every target at every frame, in order")
    xyz = frame[["x", "y", "z"]].to_numpy(dtype=float).reshape(n_f, n_t, 3)
    times = frame["time"].to_numpy(dtype=float)[::n_t]
    if not (np.isfinite(xyz).all() and np.isfinite(times).all() and (np.diff(times) > 0).all()):
        raise RunFolderError(file, "positions and times must be finite, times increasing")
    return Trajectories(times, [t["id"] for t in targets], np.array([t["civil"] for t in targets], bool), xyz,
                        frame["active"].to_numpy(dtype=bool).reshape(n_f, n_t),
                        frame["arrived"].to_numpy(dtype=bool).reshape(n_f, n_t),
                        np.array([t.get("arm") is True for t in targets], bool),
                        np.array([t.get("decoy") is True for t in targets], bool))


_COVERAGE_ARRAYS = {"detection": np.bool_, "engagement": np.bool_, "masking": np.float32}


def _numbers(value, file: Path, field: str) -> list[float]:
    if not isinstance(value, list) or not value or not all(_finite(v) and v > 0 for v in value):
        raise RunFolderError(file, f"{field}: expected a list of positive numbers")
    return [float(v) for v in value]


def read_coverage(folder: Path, valid: np.ndarray):
    """``coverage.json`` + ``coverage.npz`` as :class:`iadsim.analysis.coverage.CoverageMaps` on the terrain
    crop whose data cells are ``valid``. The description is checked first (types, one entry per fire unit,
    at most :data:`MAX_COVERAGE_BYTES` of rasters for this crop), then each array's header (dtype, shape)
    before its data is read into an array of exactly that size."""
    from iadsim.analysis.coverage import CoverageMaps

    meta_file, npz_file = folder / "coverage.json", folder / "coverage.npz"
    meta = read_json(meta_file, what="run coverage")
    if not isinstance(meta, dict):
        raise RunFolderError(meta_file, "expected bands, sensor_ids, fire_ids, able, guided_by, threat_types")
    bands = _numbers(meta.get("bands"), meta_file, "bands")
    sensors = _strings(meta.get("sensor_ids"), meta_file, "sensor_ids")
    fires = _strings(meta.get("fire_ids"), meta_file, "fire_ids")
    threats = _strings(meta.get("threat_types"), meta_file, "threat_types")
    able, guided = meta.get("able"), meta.get("guided_by")
    if not (isinstance(able, list) and all(isinstance(a, bool) for a in able) and len(able) == len(fires)):
        raise RunFolderError(meta_file, "able: expected true or false for each fire unit")
    if not (isinstance(guided, list) and len(guided) == len(fires)):
        raise RunFolderError(meta_file, "guided_by: expected a list of radars for each fire unit")
    guided = [_strings(g, meta_file, "guided_by") for g in guided]
    rows, cols = valid.shape
    shapes = {"detection": (len(sensors), len(bands), rows, cols), "engagement": (len(fires), len(bands), rows, cols),
              "masking": (len(sensors), rows, cols)}
    if sum(math.prod(s) * np.dtype(_COVERAGE_ARRAYS[k]).itemsize for k, s in shapes.items()) > MAX_COVERAGE_BYTES:
        raise RunFolderError(meta_file, "describes coverage rasters too large to read")
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
                        raise RunFolderError(npz_file, f"{name}: expected {np.dtype(dtype).name} of shape "
                                            f"{shapes[name]}, found another")
                    array = np.empty(shapes[name], dtype)
                    view = memoryview(array.reshape(-1).view(np.uint8))
                    if member.readinto(view) != array.nbytes or member.read(1):
                        raise RunFolderError(npz_file, f"{name}: its data is not the size its header says")
                    arrays[name] = array
    except RunFolderError:
        raise
    except Exception:  # zipfile, zlib, numpy header parsing (ValueError, SyntaxError, TokenError, ...)
        raise RunFolderError(npz_file, "is not a readable coverage archive") from None
    sample = meta.get("sample", 1)
    if not (isinstance(sample, int) and not isinstance(sample, bool) and 1 <= sample <= 1_000_000):
        raise RunFolderError(meta_file, "sample: expected a whole number of cells, at least 1")
    return CoverageMaps(tuple(bands), sensors, arrays["detection"], fires, arrays["engagement"], np.array(able, bool),
                        guided, valid, threats, arrays["masking"], sample)


# ---------------------------------------------------------------------------------------------- corridors

MAX_CORRIDOR_POINTS = 100_000
"""Most waypoints read back over all the corridors of ``corridors.json``."""

CORRIDOR_RULE = ("the least-exposed route into each defended asset from the best route cell on the terrain's edge "
                 "(iadsim route's search, started from every flyable edge cell outside the defended assets, along "
                 "the raids' threat axes when raids attack the asset), for the first aircraft type raiding the asset "
                 "at its terrain clearance; its probability as the engine flies it (terrain following, emission "
                 "schedules, availability)")
MAX_CORRIDOR_COORDINATE = 1e7
"""Largest |x| or |y| [m] of a corridor waypoint read back (10,000 km from the origin)."""


def corridor_data(scenario: Scenario, mode: str = "detection") -> dict:
    """``corridors.json``: each defended asset's least-exposed corridor (:func:`iadsim.analysis.routes.corridors`),
    waypoints in metres east and north of the scenario origin, or the reason there is none."""
    from iadsim.analysis.routes import corridors

    ox, oy = scenario.origin_xy
    items = []
    for c in corridors(scenario, mode):
        item = {"asset": c.asset, "type": c.aircraft_type,
                "height_m": None if not math.isfinite(c.height) else c.height}
        r = c.route
        if r is None:
            item["reason"] = c.reason
        else:
            item.update({
                "probability": r.probability, "exposure": r.exposure, "planned_probability": r.planned_probability,
                "direct_probability": r.direct_probability, "length_m": r.length, "flown_excess_m": r.flown_excess,
                "steep_moves": r.steep_moves, "caveats": list(r.caveats),
                "waypoints": [[round(float(x - ox), 1), round(float(y - oy), 1)] for x, y in r.waypoints]})
        items.append(item)
    return {"mode": mode, "corridors": items}


def read_corridors(folder: Path) -> dict | None:
    """``corridors.json`` checked (None when the run did not compute corridors): each entry an asset and type with
    either a reason or a probability in [0, 1], a length and at least two finite waypoints."""
    file = folder / "corridors.json"
    if not file.exists():
        return None
    data = read_json(file, what="run corridors")
    if not (isinstance(data, dict) and data.get("mode") in ("detection", "engagement")
            and isinstance(data.get("corridors"), list)):
        raise RunFolderError(file, "expected {mode: detection|engagement, corridors: [...]}")
    total = 0
    for i, item in enumerate(data["corridors"]):
        if not (isinstance(item, dict) and isinstance(item.get("asset"), str) and isinstance(item.get("type"), str)):
            raise RunFolderError(file, f"corridors[{i}]: expected asset and type names")
        if "reason" in item:
            if not isinstance(item["reason"], str) or "waypoints" in item:
                raise RunFolderError(file, f"corridors[{i}].reason: expected text, and no waypoints beside it")
            continue
        points = item.get("waypoints")
        if not (isinstance(points, list) and len(points) >= 2 and all(
                isinstance(p, list) and len(p) == 2 and all(_finite(v) and abs(v) <= MAX_CORRIDOR_COORDINATE
                                                            for v in p) for p in points)):
            raise RunFolderError(file, f"corridors[{i}].waypoints: expected at least two [x, y] pairs of numbers "
                                 f"(metres, within {MAX_CORRIDOR_COORDINATE:g} of the origin)")
        notes = item.get("caveats", [])
        if not (isinstance(notes, list) and len(notes) <= 10 and all(isinstance(c, str) and len(c) <= 2000
                                                                    for c in notes)):
            raise RunFolderError(file, f"corridors[{i}].caveats: expected a short list of text")
        total += len(points)
        if total > MAX_CORRIDOR_POINTS:
            raise RunFolderError(file, f"more than {MAX_CORRIDOR_POINTS:,} waypoints")
        for key in ("probability", "planned_probability"):
            if not (_finite(item.get(key)) and 0 <= item[key] <= 1):
                raise RunFolderError(file, f"corridors[{i}].{key}: expected a probability (0 to 1)")
        direct = item.get("direct_probability")
        if direct is not None and not (_finite(direct) and 0 <= direct <= 1):
            raise RunFolderError(file, f"corridors[{i}].direct_probability: expected a probability or null")
        for key in ("length_m", "height_m", "exposure", "flown_excess_m"):
            if not (_finite(item.get(key)) and item[key] >= 0):
                raise RunFolderError(file, f"corridors[{i}].{key}: expected a non-negative number")
    return data
