"""One replication of a run as what a replay or a simulation protocol shows: every body (the network's units, the
defended assets, the aircraft, anti-radiation missiles and decoys, each surface-to-air missile fired) with where it
is and when it ends, the radars' emission, the fire units' engagement readiness and the shots.

The Tacview ACMI export (:mod:`iadsim.report.acmi`) and the DIS export (:mod:`iadsim.report.dis`) write this one
reading of the run folder, each in its own format; what a body's end, a missile's flight or an engagement mode means
is decided here once:

* the network's units stand at their sites; a relocating unit's other sites are hidden while it is away from them;
  a unit's radar emits between its ``emitter_on`` and ``emitter_off`` events; a fire unit can engage (mode 1) while
  its kill chain is complete (ready, deciding, engaging or reloading) and a radar wired to guide it emits;
* a target is shown at the run's stored trajectory frames while it flies; it ends at its kill point and time
  (destroyed), at its arrival where it attacks something (it left the area having reached its target), an
  anti-radiation missile at its radar (removed: it exploded there), and civil traffic, decoys and threats attacking
  nothing at the end of their routes (they left the area); a target killed before its first stored frame appears at
  its kill point only;
* each missile of a salvo flies straight from its launcher to the aim point over its time of flight (sampled at the
  run's step), with its launcher and target; a salvo that killed flies to its kill point instead (the target where
  the missiles reached it); the salvo's outcome (one draw for its missiles) is its shot's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from iadsim.events import Status
from iadsim.report.replay import FLYING, GONE, LEAKED, build_replay, salvo_end
from iadsim.report.run import Run
from iadsim.scenario.relocation import home_of

__all__ = ["ABLE", "MAX_FRAMES", "Body", "Shot", "Timeline", "radar_of", "timeline"]

MAX_FRAMES = 3600
"""Stored trajectory frames used at most (a run folder keeps a few hundred: 18 s apart in a 2-hour run; replay tools
interpolate between them; kills, arrivals and missiles are at their own times)."""
ABLE = {Status.READY, Status.DECIDING, Status.ENGAGING, Status.RELOADING}
"""A fire unit's states in which it can engage (engagement mode 1)."""


@dataclass
class Body:
    """Something a replay shows. ``group``: unit, asset, target or missile; ``index`` numbers it within its group
    (a unit's and a target's are the run's own indices). ``kind``: its catalog kind (radar, launcher, command-post,
    esm, irst, aircraft, decoy, arm, missile) or ``asset``; ``side``: defence, raid or civil. ``points``: (time, x, y,
    z) in world metres where it is shown, in time order (a unit or an asset: one point at time 0). ``end``: (time,
    how) with how one of destroyed, left (reached its target or the end of its route; ``note`` says which) or
    removed, or None while the run lasts."""

    group: str
    index: int
    name: str
    type_id: str
    kind: str
    side: str
    points: list[tuple[float, float, float, float]]
    end: tuple[float, str] | None = None
    note: str = ""
    category: str = ""  # an aircraft's catalog category


@dataclass
class Shot:
    """A salvo: ``missiles`` (indices of the missile bodies) fired by unit ``unit`` at target ``target`` (-1: none
    known) at ``time``, arriving at ``arrival`` with ``outcome`` kill, miss or "" (the run ended first); ``aim``: the
    aim point its fire control computed (x, y, z; its missiles end at the kill point when it killed)."""

    time: float
    arrival: float
    unit: int
    target: int
    missiles: list[int]
    missile_type: str
    outcome: str
    aim: tuple[float, float, float] = (np.nan, np.nan, np.nan)


@dataclass
class Timeline:
    """One replication's bodies, switches and shots (see the module's description). ``radar[u]``: the catalog entry
    of unit ``u``'s radar (its own, or its launcher's); ``emission``: (time, unit, on) at each radar's switch, in the
    run's order; ``engagement[u]``: (its missile's maximum range [m], [(time, mode)]); ``visible[u]``: [(time,
    shown)] at each change; ``destroyed``: [(time, unit)]."""

    title: str
    units: list[Body]
    assets: list[Body]
    targets: list[Body]
    missiles: list[Body]
    shots: list[Shot]
    radar: dict[int, object] = field(default_factory=dict)
    emission: list[tuple[float, int, bool]] = field(default_factory=list)
    engagement: dict[int, tuple[float, list[tuple[float, int]]]] = field(default_factory=dict)
    visible: dict[int, list[tuple[float, bool]]] = field(default_factory=dict)
    destroyed: list[tuple[float, int]] = field(default_factory=list)


def radar_of(catalog, entity):
    """The radar a unit's type carries (itself, or a launcher's own), or None."""
    if getattr(entity, "kind", "") == "radar":
        return entity
    own = getattr(entity, "radar", None)
    return catalog.types.get(own) if own else None


def timeline(run: Run, replication: int) -> Timeline:
    """The timeline of ``replication`` of ``run`` (see the module's description)."""
    scenario = run.scenario
    spec, catalog = scenario.spec, scenario.catalog
    events = run.events[run.events["replication"] == replication]
    out = Timeline(f"{run.name}: replication {replication}", [], [], [], [], [])
    unit_ids = run.unit_ids
    units = {u["id"]: u for u in run.entities.get("units", [])}
    states = run.states(replication)
    unit_rows = states[states["unit"] >= 0].sort_values("time", kind="stable")
    switches = events[events["kind"].isin(["emitter_on", "emitter_off"])].sort_values("time", kind="stable")
    guiders = {f["id"]: list(f.get("guided_by", [])) for f in run.audit.get("fire_units", [])}
    for u, uid in enumerate(unit_ids):
        entry = units.get(uid, {})
        type_id = str(entry.get("type", ""))
        entity = catalog.types.get(type_id)
        point = (0.0, float(entry.get("x", 0.0)), float(entry.get("y", 0.0)), float(entry.get("z", 0.0)))
        out.units.append(Body("unit", u, uid, type_id, str(entry.get("kind", "")), "defence", [point]))
        radar = radar_of(catalog, entity)
        if radar is not None:
            out.radar[u] = radar
        rows = unit_rows[unit_rows["unit"] == u]
        shown, changes = True, []
        for row in rows.itertuples():
            now = str(row.status) != "away"
            if now != shown:
                changes.append((float(row.time), now))
                shown = now
        if changes:
            out.visible[u] = changes
        missile = catalog.types.get(entity.missile) if getattr(entity, "kind", "") == "launcher" else None
        if missile is not None:
            out.engagement[u] = (float(missile.max_range.value),
                                 _engagement_modes(rows, switches, guiders.get(home_of(uid)[0], []), unit_ids))
    out.emission = [(float(r.time), int(r.unit), r.kind == "emitter_on") for r in switches.itertuples()
                    if 0 <= r.unit < len(unit_ids)]
    out.destroyed = [(float(r.time), int(r.unit)) for r in events[events["kind"] == "destroyed"].itertuples()
                     if 0 <= r.unit < len(unit_ids)]
    for a, asset in enumerate(spec.defended_assets):
        site = scenario.sites[asset.id]
        out.assets.append(Body("asset", a, asset.id, "", "asset", "defence",
                               [(0.0, float(site.x), float(site.y), float(site.ground))]))
    out.targets = _targets(run, replication, events)
    out.missiles, out.shots = _missiles(run, events)
    return out


def _engagement_modes(rows, switches, guiders: list[str], unit_ids: list[str]) -> list[tuple[float, int]]:
    """(time, mode) at each change: 1 while the fire unit's kill chain is complete (its state ``rows``: ready,
    deciding, engaging or reloading) and a radar that guides it (``guiders``, as wired, at any of its sites) emits
    (``switches``: the emission events); 0 otherwise."""
    guiding = {i for i, uid in enumerate(unit_ids) if home_of(uid)[0] in guiders}
    changes = sorted([(float(r.time), 0, str(r.status)) for r in rows.itertuples()]
                     + [(float(r.time), 1, (int(r.unit), r.kind == "emitter_on")) for r in switches.itertuples()
                        if int(r.unit) in guiding])
    out, status, lit, mode = [], "", set(), None
    for time, kind, value in changes:
        if kind == 0:
            status = value
        else:
            (lit.add if value[1] else lit.discard)(value[0])
        now = int(Status[status.upper()] in ABLE if status else False) if lit or not guiding else 0
        if now != mode:
            out.append((time, now))
            mode = now
    return out


def _targets(run: Run, replication: int, events) -> list[Body]:
    """Every target shown: where it flies at the stored frames and how it ends (see the module's description)."""
    paths = run.trajectories
    replay = build_replay(paths, run.events, run.unit_ids, replication, max_frames=min(len(paths.times), MAX_FRAMES))
    catalog = run.scenario.catalog
    kinds = {t["id"]: t for t in run.entities.get("targets", [])}
    ends = {}  # target -> (time, x, y, z, how, note)
    for kind, how, note in (("arm_hit", "removed", ""), ("arm_miss", "removed", ""),
                            ("leak", "left", "reached its target"),
                            ("kill", "destroyed", "")):  # (the later kinds win: a kill before an arrival stands)
        rows = events[events["kind"] == kind].sort_values("time", kind="stable")
        for row in rows.drop_duplicates("target").itertuples():
            ends[int(row.target)] = (float(row.time), row.x, row.y, row.z, how, note)
    bodies = []
    for i, tid in enumerate(replay.target_ids):
        flying = np.flatnonzero(replay.status[:, i] == FLYING)
        end = ends.get(i)
        if not len(flying) and (end is None or not np.isfinite(end[1:4]).all()):
            continue  # (never airborne here, or gone before the first frame with no point to show it at)
        entry = kinds.get(tid, {})
        type_id = str(entry.get("type", ""))
        entity = catalog.types.get(type_id)
        points = [(float(replay.times[f]), *map(float, replay.position[f, i])) for f in flying
                  if end is None or replay.times[f] < end[0]]
        after = flying[-1] + 1 if len(flying) else len(replay.times)
        closing, note = None, ""
        if end is not None:
            time, x, y, z, how, note = end
            if np.isfinite([x, y, z]).all():
                points.append((time, float(x), float(y), float(z)))
            closing = (time, how)
        elif after < len(replay.times) and replay.status[after, i] in (GONE, LEAKED):
            # the end of its route (civil traffic, a decoy, a threat attacking nothing): there, at that frame
            time = float(replay.times[after])
            points.append((time, *map(float, replay.position[after, i])))
            closing, note = (time, "left"), "end of its route"
        if not points:
            continue  # (nothing to show it at)
        bodies.append(Body("target", i, str(tid), type_id, getattr(entity, "kind", "aircraft"),
                           "defence" if entry.get("friendly") is True else "civil" if replay.civil[i] else "raid",
                           points, closing, note,
                           category=str(getattr(entity, "category", ""))))
    return bodies


def _missiles(run: Run, events) -> tuple[list[Body], list[Shot]]:
    """Every surface-to-air missile fired (from its launcher to its aim point, or its kill point) and every salvo."""
    scenario, unit_ids = run.scenario, run.unit_ids
    units = {u["id"]: u for u in run.entities.get("units", [])}
    outcomes = events[events["kind"].isin(["kill", "miss"])]
    step = float(run.entities.get("step", 1.0)) or 1.0
    bodies, shots = [], []
    for row in events[events["kind"] == "launch"].sort_values("time", kind="stable").itertuples():
        if not (0 <= row.unit < len(unit_ids)):
            continue
        unit = units.get(unit_ids[row.unit], {})
        launcher = scenario.catalog.types.get(unit.get("type", ""))
        missile_type = str(getattr(launcher, "missile", "missile"))
        tof, outcome, aim = salvo_end(row, outcomes)
        arrival = float(row.time) + tof
        start = np.array([unit.get("x", 0.0), unit.get("y", 0.0), unit.get("z", 0.0)], float)
        aim = np.where(np.isfinite(aim), aim, start)
        ground = float(scenario.terrain.elevation_at(aim[0], aim[1]))
        if np.isfinite(ground):  # (an aim point below a diving target's terrain: on it)
            aim[2] = max(aim[2], ground)
        samples = np.unique(np.concatenate([[row.time], np.arange(np.ceil(row.time / step) * step, arrival, step),
                                            [arrival]]))
        points = []
        for t in samples:
            share = 0.0 if tof <= 0 else (t - row.time) / tof
            points.append((float(t), *map(float, start + (aim - start) * min(max(share, 0.0), 1.0))))
        target = int(row.target) if row.target >= 0 else -1
        first = len(bodies)
        for _ in range(max(int(row.missiles), 1)):
            bodies.append(Body("missile", len(bodies), missile_type, missile_type, "missile", "defence", points,
                               (arrival, "removed")))
        shots.append(Shot(float(row.time), arrival, int(row.unit), target, list(range(first, len(bodies))),
                          missile_type, outcome, (float(row.x), float(row.y), float(row.z))))
    return bodies, shots
