"""Budgets, checked before anything is built or run: the numbers of design points, replications and work
units (:data:`MAX_POINTS`, :data:`MAX_REPLICATIONS`, :data:`MAX_WORK_UNITS`), the memory of the biggest
work unit (:class:`WorkSize`, :func:`estimate_batch_bytes`, :func:`check_budget`) against the machine's
memory (:func:`machine_memory`) or ``max_memory`` (:func:`parse_memory`), and the number of worker
processes this machine can hold (:func:`worker_bytes`, at most :data:`WORKERS_PER_CPU` per CPU).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass

import numpy as np

import iadsim.sensors  # noqa: F401  (registers the sensor models)
from iadsim.analysis.sweep.spec import Sweep, SweepSpec
from iadsim.registry import SENSOR_MODELS, measures_range
from iadsim.scenario import InputError, Scenario
from iadsim.scenario.paths import parse_path
from iadsim.sensors.geometry import PATH_CHUNK
from iadsim.tracking.scan import slots_needed

MAX_POINTS = 100_000
"""Most design points a sweep may have: every point is a validated scenario held in memory (about 8 ms and
10 kB each for a small scenario), so 10^5 points already take minutes to load."""
MAX_REPLICATIONS = 1_000_000_000
"""Most replications a sweep may plan in all (points x replications, or points x stop.max)."""
MAX_WORK_UNITS = 1_000_000
"""Most work units a sweep may plan in all: points x ceil(replications / batch), or points x
ceil(stop.max / stop.batch). Each unit is a task and a results file (a million files is already a lot for a
file system and for DuckDB to list)."""
_WORLD_CACHE = 4
"""Worlds a worker process keeps, the last few scenario variants'
(:func:`iadsim.analysis.sweep.executors.world_for`)."""
WORKERS_PER_CPU = 4
"""Most worker processes per CPU that a sweep starts on this machine (local processes or a Dask LocalCluster):
more only share the same CPUs and add each a worker's memory."""


@dataclass(frozen=True)
class WorkSize:
    """What the memory of one engine batch scales with: K time steps, T aircraft (threats and civil),
    S sensors (radars, passive sensors, and launchers carrying a radar), F fire units, U units, L links, C terrain
    cells; of the units, the command posts (which keep a picture as fire units do) and the passive sensors (whose
    latest bearings every picture keeps)."""

    steps: int
    targets: int
    sensors: int
    fire_units: int
    units: int
    links: int
    cells: int
    track_slots: int = 0  # each sensor's track slots per replication (iadsim.tracking.scan.slots_needed)
    jammer_bands: int = 0  # stand-off jammer aircraft times their bands
    posts: int = 0  # command posts
    passive: int = 0  # passive sensors (of the S)

    def world_bytes(self) -> int:
        """The replication-independent World (:func:`iadsim.engine.build_world`), at its peak while built:
        one masking-height raster per sensor plus the elevations, the local relief and its temporaries
        (8 C (S + 6)); positions, velocities, heights and masks kept, the flight paths while they are copied
        and one sensor's offsets and reach at a time (150 bytes per K T, and 16 more per stand-off jammer band
        J: its beam and bearings while that sensor is built); the temporaries of the path geometry,
        propagation factor (complex) and signal-to-noise arrays of one chunk of paths (400 bytes per path,
        :data:`PATH_CHUNK` paths at most; about 100 measured); the sparse looks, 52 bytes
        per pair in line of sight while they are sorted, counted as 9 bytes per K S T (a sixth of all the
        sensor-target pairs of all steps in view: 1.2 to 1.6 % are in the reference scenarios; the budget
        cannot know which without building); and 16 MB of fixed overhead (compiled kernels, caches)."""
        k, t, s = self.steps, self.targets, self.sensors
        return (16_000_000 + 8 * self.cells * (s + 6) + (150 + 16 * self.jammer_bands) * k * t
                + 400 * min(PATH_CHUNK, k * t) + 9 * k * s * t + k * s)

    def replication_bytes(self) -> int:
        """One replication of the engine state (:class:`iadsim.engine.core.State`) at its peak within a step:
        per target the engagement and outcome arrays and their temporaries (820 bytes: 12 of them the layers it
        reached and the fire unit that killed it, 8 when its engagement was nominated); per sensor and target the
        confirmation counters and their temporaries in ``sense`` (64); per fire unit, sensor and target 4 (once
        the boolean picture arrays of ``_known``, now compiled; kept as the allowance for what is not itemised
        here: the reports in flight, the detections' and the fusing's buffers); per node that keeps a picture
        (fire unit or command post) and target its own track (:data:`iadsim.engine.phases.TRACK`'s state and
        covariance 120, its time 8 and update count 4), the latest bearing of each of the P passive sensors (32
        P) and an allowance for the temporaries that read them (28: the states' holds, among others); per
        fire unit the missiles and launches it fired (16); per unit and link its state (16); per sensor track slot
        its state, covariance, counters and truth (96). The tracks and the slots are counted whole, though a run
        takes memory only for the pages it writes (:func:`iadsim.memory.sparse_zeros`)."""
        t, s, f = self.targets, self.sensors, self.fire_units
        nodes = f + self.posts
        return (820 * t + 64 * s * t + 4 * f * s * t + (160 + 32 * self.passive) * nodes * t + 16 * f
                + 16 * (self.units + self.links) + 64 + 96 * s * self.track_slots)

    def batch_bytes(self, batch: int) -> int:
        """Peak bytes of one engine batch of `batch` replications: world + batch x replication."""
        return self.world_bytes() + int(batch) * self.replication_bytes()

    def describe(self) -> str:
        passive = f" ({self.passive:,} passive)" if self.passive else ""
        posts = f" and {self.posts:,} command posts" if self.posts else ""
        return (f"{self.steps:,} steps x {self.targets:,} aircraft x {self.sensors:,} sensors{passive} x "
                f"{self.fire_units:,} fire units{posts}, {self.cells:,} terrain cells")


def work_size(spec, catalog, cells: int) -> WorkSize:
    """The :class:`WorkSize` of a validated scenario spec (its units' catalog types tell sensors and fire
    units apart), without building anything."""
    from iadsim.scenario.catalog import SENSOR_TYPES, CommandPostType, LauncherType

    steps = int(math.floor(spec.duration / spec.step + 1e-9)) + 1
    targets = sum(int(f.count) for f in (*spec.threats, *spec.traffic))
    sensors = fire = posts = passive = 0
    clutter = 0.0  # the most false plots a look of any radar gives
    sites = {u.id: 1 + (len(u.relocation.sites) if u.relocation is not None else 0) for u in spec.units}
    for unit in spec.units:  # a relocating unit is a unit at each of its sites
        entry = catalog.types.get(unit.type)
        radar = None
        if isinstance(entry, LauncherType):
            fire += sites[unit.id]
            sensors += bool(entry.radar) * sites[unit.id]
            radar = catalog.types.get(entry.radar) if entry.radar else None
        elif isinstance(entry, SENSOR_TYPES):  # radars and passive sensors
            sensors += sites[unit.id]
            radar = entry
        elif isinstance(entry, CommandPostType):
            posts += sites[unit.id]
        if radar is not None:  # the sensor model's own count, as the engine reads it
            model = SENSOR_MODELS[radar.model].from_catalog(radar, unit)
            clutter = max(clutter, getattr(model, "false_plots_per_look", 0.0))
            passive += (not measures_range(model)) * sites[unit.id]
    slots = slots_needed(targets, clutter, spec.doctrine.tracking.confirm_looks)
    bands = sum(int(j.count) * len(j.bands) for j in spec.jammers)
    links = sum(sites[link.from_] * sites[link.to] for link in spec.links)  # (copied to and from every site)
    return WorkSize(steps, targets, sensors, fire, sum(sites.values()), links, int(cells), slots, bands, posts,
                    passive)


def estimate_batch_bytes(scenario: Scenario, batch: int) -> int:
    """Estimated peak memory [bytes] of building a scenario's World and running one engine batch of `batch`
    replications on it (events off)::

        world       = 16 MB + 8 C (S + 6) + (150 + 16 J) K T + 400 min(2^18, K T) + 9 K S T + K S
        replication = 820 T + 64 S T + 4 F S T + (160 + 32 P) (F + Q) T + 16 F + 16 (U + L) + 64 + 96 S N
        bytes       = world + batch x replication

    with K time steps, T aircraft, S sensors (P of them passive), J stand-off jammer bands, F fire units, Q
    command posts, U units, L links, C terrain cells and N track slots per sensor (two per aircraft, 16, and room
    for the tentative tracks of the most cluttered radar's false plots: three times its mean per look, times the
    looks a tentative track may live). The coefficients come from the array shapes in
    :mod:`iadsim.engine.world` and :mod:`iadsim.engine.phases` and are checked against tracemalloc peaks plus
    the engine's mapped arrays, counted whole (the estimate was 1 to 2.5 times that in the scenarios tried,
    from 5 to 121 aircraft, 2 to 26 sensors, up to 24 of them passive); the interpreter and its libraries (a
    few hundred MB per process) are not included. Nothing here grows with the number of steps except the
    World: the engine keeps no per-step history.
    """
    return work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape))).batch_bytes(batch)


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_memory(text: int | str, what: str = "--max-memory") -> int:
    """Bytes from an int or text such as '4GB', '512 MiB', '2e9' (kB, MB, GB, TB are powers of 1000; KiB,
    MiB, GiB, TiB of 1024). InputError(`what`, ...) when it is not a positive amount of memory."""
    if isinstance(text, bool):
        raise InputError(what, "expected an amount of memory such as 4GB")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
        if m is None or m.group(2).lower() not in _UNITS:
            raise InputError(what, f"cannot read '{str(text)[:40]}' as an amount of memory (e.g. 4GB, 512MiB)")
        value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not math.isfinite(value) or value < 1e6:
        raise InputError(what, "must be at least 1 MB")
    return int(value)


def machine_memory() -> int:
    """Physical memory [bytes] (``SC_PHYS_PAGES x SC_PAGE_SIZE``), or the cgroup's or the address-space limit
    when smaller."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 2**63 - 1
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(limit, "rb") as f:
                text = f.read(64).strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return int(min(total, _address_space_left()))


def _address_space_left() -> int:
    """The process's address-space limit (``ulimit -v``, RLIMIT_AS) less what it already maps; unlimited
    when none is set."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return 2**63 - 1
    try:
        with open("/proc/self/statm", "rb") as f:
            mapped = int(f.read(64).split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        mapped = 0
    return max(soft - mapped, 0)


def memory_budget(max_memory: int | str | None = None) -> int:
    """`max_memory` in bytes, or the machine's memory when None."""
    return machine_memory() if max_memory is None else parse_memory(max_memory)


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.0f} MB"


def design_size(spec: SweepSpec) -> int:
    """The number of design points, from the spec alone (nothing is sampled or built)."""
    if spec.design == "grid":
        return math.prod(len(f.values or ()) for f in spec.factors)
    if spec.design == "list":
        return len(spec.factors[0].values or ())  # equal lengths checked by _check_spec
    if spec.design == "oat":
        return 1 + 2 * len(spec.factors)
    if spec.design == "sobol":
        return int(spec.samples) * (len(spec.factors) + 2)
    return int(spec.samples)


def _check_design_size(sweep: Sweep, budget: int, given: bool) -> None:
    """Refuse a design with too many points or replications, or whose points alone would not fit in memory."""
    spec, doc = sweep.spec, sweep.doc
    n = design_size(spec)
    if spec.design == "grid":
        widest = max(range(len(spec.factors)), key=lambda k: len(spec.factors[k].values or ()))
        loc, how = ("factors", widest, "values"), "the product of the factors' numbers of values; use fewer values"
    elif spec.design == "list":
        loc, how = ("factors", 0, "values"), "one per value; use fewer values"
    elif spec.design == "oat":
        loc, how = ("factors",), "1 + 2 per factor"
    elif spec.design == "sobol":
        loc, how = ("samples",), (f"samples x (factors + 2) = {spec.samples:,} x {len(spec.factors) + 2}; "
                                  "use fewer samples")
    else:
        loc, how = ("samples",), "use fewer samples"
    if n > MAX_POINTS:
        raise doc.error(loc, f"the {spec.design} design has {n:,} points ({how}); a sweep may have at most "
                             f"{MAX_POINTS:,}")
    reps = spec.replications if spec.replications is not None else spec.stop.max
    if n * reps > MAX_REPLICATIONS:
        rloc = ("replications",) if spec.replications is not None else ("stop", "max")
        raise doc.error(rloc, f"{n:,} points x {reps:,} replications = {n * reps:,} replications; a sweep may "
                              f"plan at most {MAX_REPLICATIONS:,}")
    batch = sweep.batch_size()
    units = n * math.ceil(reps / batch)
    if units > MAX_WORK_UNITS:
        bloc, name = (("batch",), "batch") if spec.stop is None else (("stop", "batch"), "stop.batch")
        fit = math.ceil(reps / (MAX_WORK_UNITS // n))
        raise doc.error(bloc, f"{n:,} points x {math.ceil(reps / batch):,} batches of {batch:,} replications = "
                              f"{units:,} work units; a sweep may have at most {MAX_WORK_UNITS:,}: use a {name} "
                              f"of at least {fit:,}")
    # every point holds a copy of the scenario data (and its JSON text for the fingerprint)
    per_point = 8 * len(json.dumps(sweep.base_doc.data, default=str)) + 2_000
    if n * per_point > budget:
        source = "--max-memory" if given else "this machine's memory"
        raise doc.error(loc, f"the {n:,} points of the {spec.design} design would take about {_gb(n * per_point)} "
                             f"of memory to hold ({how}), more than {source} ({_gb(budget)})")


def _sets_size(path: str) -> bool:
    """Whether a field path changes what work units scale with: duration, step, terrain or an aircraft count."""
    tokens = parse_path(path)
    first, last = tokens[0][1], tokens[-1][1]
    return first in ("duration", "step", "terrain") or (first in ("threats", "traffic") and last == "count")


def check_budget(sweep: Sweep, max_memory: int | str | None = None) -> int:
    """Refuse a sweep whose biggest work unit (:func:`estimate_batch_bytes` of its biggest point at the
    sweep's batch size) needs more memory than `max_memory` or the machine has; InputError naming the
    field to change (the batch size, or the factor or base scenario that makes a point too big).
    Returns the bytes of the biggest work unit."""
    budget = memory_budget(max_memory)
    source = "--max-memory" if max_memory is not None else "this machine's memory"
    batch = sweep.batch_size()
    sized = [p for p in sweep.points if p.size is not None]
    if not sized:
        return 0
    biggest = max(sized, key=lambda p: p.size.batch_bytes(batch))
    size = biggest.size
    need = size.batch_bytes(batch)
    if need <= budget:
        return need
    doc = sweep.doc
    if size.batch_bytes(1) <= budget:
        fit = max(1, (budget - size.world_bytes()) // size.replication_bytes())
        loc = ("stop", "batch") if sweep.spec.stop is not None else ("batch",)
        raise doc.error(loc, f"a work unit of {batch:,} replications of point {biggest.index} needs about "
                             f"{_gb(need)} of memory ({size.describe()}), more than {source} ({_gb(budget)}): "
                             f"use a batch of at most {fit:,}")
    base = work_size(sweep.base.spec, sweep.base.catalog, size.cells)
    loc: tuple = ("base",)
    if base.batch_bytes(1) <= budget:
        factors = [("factors", f.index) for f in sweep.factors
                   if _sets_size(f.path) and biggest.values.get(f.name) is not None]
        sets = [("set", key) for key in sweep.spec.set if _sets_size(key)]
        loc = (factors + sets + [("factors",)])[0]
    raise doc.error(loc, f"point {biggest.index} needs about {_gb(size.batch_bytes(1))} of memory for one "
                         f"replication ({size.describe()}), more than {source} ({_gb(budget)}): shorten the "
                         "duration, lengthen the step, or use fewer aircraft, sensors or command posts")


WORKER_BASE_BYTES = 300_000_000
"""Memory of an idle worker process (the interpreter with numpy, scipy, numba, pandas and pyarrow)."""


def worker_bytes(sweep: Sweep) -> int:
    """Peak memory of one worker process: its cache of Worlds, one engine batch and the interpreter."""
    sized = [p.size for p in sweep.points if p.size is not None]
    if not sized:
        return WORKER_BASE_BYTES
    worlds = min(_WORLD_CACHE, len(sized)) * max(s.world_bytes() for s in sized)
    return WORKER_BASE_BYTES + worlds + sweep.batch_size() * max(s.replication_bytes() for s in sized)
