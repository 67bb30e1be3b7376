"""One replication of a run as a Tacview ACMI 2.2 flight recording (text; zipped when the name ends in
``.zip.acmi``).

The public format (Tacview, "ACMI flight recordings 2.2", tacview.net/documentation/acmi): the two mandatory header
lines, global properties on object 0 (``ReferenceTime``, ``ReferenceLongitude`` and ``ReferenceLatitude``, which
every object's longitude and latitude are offsets from), time frames ``#seconds`` and object lines
``hexid,T=lon|lat|alt,Prop=value,...`` in metres and degrees, ``-hexid`` to remove an object, and events on object 0
(``Event=Destroyed|id|``, ``Event=LeftArea|id|``, ``Event=Timeout|SourceId:..|...|Outcome:Kill``). Text values
escape commas with a backslash.

What is written:

* the network's units (static, Coalition Defence, Blue) with ``RadarMode``/``RadarRange`` (the radar's instrumented
  range) following the radar's emission events, and a fire unit's ``EngagementMode``/``EngagementRange`` (its
  missile's maximum range): 1 while its kill chain is complete (ready, deciding, engaging or reloading) and a
  radar wired to guide it emits, 0 otherwise (down, its chain broken, away, or its radars dark); a relocating
  unit's other sites are hidden (``Visible=0``) while it is away from them;
  a unit destroyed gets ``Event=Destroyed``;
* the defended assets (static);
* every raid aircraft, anti-radiation missile and decoy (Coalition Raid, Red) and civil aircraft (Civil, Green),
  at the run's stored trajectory frames while flying: a kill is ``Event=Destroyed`` and removal at the kill time,
  a threat reaching what it attacks ``Event=LeftArea`` at its arrival;
* every surface-to-air missile fired (one object per missile of a salvo): from its launcher straight to the aim
  point over its time of flight, ``Parent`` its launcher, ``LockedTarget`` its target, then an
  ``Event=Timeout`` shot report with ``Outcome:Kill`` or ``Outcome:Miss`` and its removal.

Times are seconds from the scenario's start, against :data:`iadsim.report.replay.EPOCH` (scenarios have no date);
the reference point is the scenario's origin.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from iadsim.events import Status
from iadsim.report.replay import EPOCH, FLYING, GONE, LEAKED, build_replay
from iadsim.report.run import Run
from iadsim.scenario.relocation import home_of
from iadsim.scenario.yamlio import write_atomic
from iadsim.terrain.geo import to_lonlat

__all__ = ["HEADER", "acmi_text", "export_acmi", "object_id"]

HEADER = ("FileType=text/acmi/tacview", "FileVersion=2.2")
"""The two mandatory first lines of an ACMI 2.2 file (the specification's own text)."""
MAX_FRAMES = 3600
"""Stored trajectory frames written at most (a run folder keeps a few hundred: 18 s apart in a 2-hour run; Tacview
interpolates between them; kills, arrivals and missiles are written at their own times)."""
ABLE = {Status.READY, Status.DECIDING, Status.ENGAGING, Status.RELOADING}
"""A fire unit's states in which it can engage (EngagementMode 1)."""
UNIT_IDS, ASSET_IDS, TARGET_IDS, MISSILE_IDS = 0x1000, 0x8000, 0x10000, 0x100000
"""The first object id of each kind (units, defended assets, targets, surface-to-air missiles)."""
AIRCRAFT_TAGS = {"utility-helicopter": "Air+Rotorcraft", "attack-helicopter": "Air+Rotorcraft",
                 "cruise-missile": "Weapon+Missile"}
"""ACMI type tags of the catalog's aircraft categories (others: Air+FixedWing)."""


def object_id(kind_base: int, index: int) -> str:
    """An ACMI object id: hexadecimal, no prefix, no leading zeros."""
    return format(kind_base + int(index), "X")


def _text(value: object) -> str:
    """A text property value: commas escaped, line breaks and backslashes (line continuations) not written."""
    return " ".join(str(value).replace("\\", "/").splitlines()).replace(",", "\\,")


def _number(value: float, digits: int = 2) -> str:
    """``value`` with at most ``digits`` decimals, trailing zeros after the point dropped."""
    text = f"{float(value):.{digits}f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) or "0"


@dataclass
class _Lines:
    """Object lines keyed by time; written in time order, each time once (``#t``), in the order added."""

    at: dict[float, list[str]] = field(default_factory=dict)

    def add(self, time: float, line: str) -> None:
        self.at.setdefault(round(float(time), 2), []).append(line)

    def text(self) -> str:
        out = []
        for time in sorted(self.at):
            out.append(f"#{_number(time)}")
            out.extend(self.at[time])
        return "\n".join(out)


def acmi_text(run: Run, replication: int) -> str:
    """The ACMI 2.2 text of ``replication`` of ``run`` (see the module's description)."""
    scenario = run.scenario
    spec, catalog = scenario.spec, scenario.catalog
    lonlat = to_lonlat(scenario.terrain.crs)
    ref_lon, ref_lat = (float(v) for v in lonlat(*scenario.origin_xy))

    def where(x, y, z) -> str:
        lon, lat = lonlat(x, y)
        return f"T={float(lon) - ref_lon:.7f}|{float(lat) - ref_lat:.7f}|{_number(z)}"

    events = run.events[run.events["replication"] == replication]
    lines = _Lines()
    head = [*HEADER, f"0,ReferenceTime={EPOCH.strftime('%Y-%m-%dT%H:%M:%SZ')}", f"0,ReferenceLongitude={ref_lon:.7f}",
            f"0,ReferenceLatitude={ref_lat:.7f}", "0,DataSource=iadsim",
            f"0,Title={_text(f'{run.name}: replication {replication}')}"]
    # the network's units and the defended assets
    unit_ids = run.unit_ids
    units = {u["id"]: u for u in run.entities.get("units", [])}
    states = run.states(replication)
    unit_rows = states[states["unit"] >= 0].sort_values("time", kind="stable")
    switches = events[events["kind"].isin(["emitter_on", "emitter_off"])].sort_values("time", kind="stable")
    guiders = {f["id"]: list(f.get("guided_by", [])) for f in run.audit.get("fire_units", [])}
    for u, uid in enumerate(unit_ids):
        entry = units.get(uid, {})
        type_id = entry.get("type", "")
        kind = entry.get("kind", "")
        entity = catalog.types.get(type_id)
        props = [where(entry.get("x", 0.0), entry.get("y", 0.0), entry.get("z", 0.0)),
                 f"Type={'Ground+Static+Building' if kind == 'command-post' else 'Ground+AntiAircraft'}",
                 f"Name={_text(type_id)}", f"CallSign={_text(uid)}", "Coalition=Defence", "Color=Blue"]
        radar = _radar_of(catalog, entity)
        if radar is not None:
            props += ["RadarMode=0", f"RadarRange={_number(radar.instrumented_range.value, 0)}"]
        missile = catalog.types.get(entity.missile) if getattr(entity, "kind", "") == "launcher" else None
        if missile is not None:
            props += ["EngagementMode=0", f"EngagementRange={_number(missile.max_range.value, 0)}"]
        lines.add(0.0, f"{object_id(UNIT_IDS, u)},{','.join(props)}")
        mine = unit_rows[unit_rows["unit"] == u]
        visible = 1
        for row in mine.itertuples():
            now = 0 if str(row.status) == "away" else 1
            if now != visible:
                lines.add(row.time, f"{object_id(UNIT_IDS, u)},Visible={now}")
                visible = now
        if missile is not None:
            for time, mode in _engagement_modes(mine, switches, guiders.get(home_of(uid)[0], []), unit_ids):
                lines.add(time, f"{object_id(UNIT_IDS, u)},EngagementMode={mode}")
    for row in switches.itertuples():
        if 0 <= row.unit < len(unit_ids):
            lines.add(row.time, f"{object_id(UNIT_IDS, row.unit)},RadarMode={1 if row.kind == 'emitter_on' else 0}")
    for row in events[events["kind"] == "destroyed"].itertuples():
        if 0 <= row.unit < len(unit_ids):
            lines.add(row.time, f"0,Event=Destroyed|{object_id(UNIT_IDS, row.unit)}|")
    for a, asset in enumerate(spec.defended_assets):
        site = scenario.sites[asset.id]
        lines.add(0.0, f"{object_id(ASSET_IDS, a)},{where(site.x, site.y, site.ground)},Type=Ground+Static+Building,"
                       f"Name=defended asset,CallSign={_text(asset.id)},Coalition=Defence,Color=Blue")
    _targets(run, replication, events, lines, where)
    _missiles(run, events, lines, where)
    return "\n".join(head) + "\n" + lines.text() + "\n"


def _engagement_modes(rows, switches, guiders: list[str], unit_ids: list[str]) -> list[tuple[float, int]]:
    """(time, EngagementMode) at each change: 1 while the fire unit's kill chain is complete (its state ``rows``:
    ready, deciding, engaging or reloading) and a radar that guides it (``guiders``, as wired, at any of its
    sites) emits (``switches``: the emission events); 0 otherwise."""
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


def _radar_of(catalog, entity):
    """The radar a unit's type carries (itself, or a launcher's own), or None."""
    if getattr(entity, "kind", "") == "radar":
        return entity
    own = getattr(entity, "radar", None)
    return catalog.types.get(own) if own else None


def _targets(run: Run, replication: int, events, lines: _Lines, where) -> None:
    """Every target while it flies (at the stored frames), and its end where and when the run's events put it:
    moved to its kill point and destroyed, moved to the end of its route and gone (``LeftArea``: a threat that
    reached what it attacks), an anti-radiation missile at its radar (removed: it exploded there); civil traffic,
    decoys and threats attacking nothing at the end of their routes (``LeftArea``, at the first frame that finds
    them there). A target killed before its first stored frame appears at its kill point only."""
    paths = run.trajectories
    replay = build_replay(paths, run.events, run.unit_ids, replication, max_frames=min(len(paths.times), MAX_FRAMES))
    catalog = run.scenario.catalog
    kinds = {t["id"]: t for t in run.entities.get("targets", [])}
    ends = {}  # target -> (time, x, y, z, event text or None: removed without one)
    for kind, text in (("arm_hit", None), ("arm_miss", None), ("leak", "LeftArea|{}|reached its target"),
                       ("kill", "Destroyed|{}|")):  # (the later kinds win: a kill before an arrival stands)
        rows = events[events["kind"] == kind].sort_values("time", kind="stable")
        for row in rows.drop_duplicates("target").itertuples():
            ends[int(row.target)] = (float(row.time), row.x, row.y, row.z, text)
    for i, tid in enumerate(replay.target_ids):
        flying = np.flatnonzero(replay.status[:, i] == FLYING)
        end = ends.get(i)
        if not len(flying) and (end is None or not np.isfinite(end[1:4]).all()):
            continue  # (never airborne here, or gone before the first frame with no point to show it at)
        oid = object_id(TARGET_IDS, i)
        entry = kinds.get(tid, {})
        type_id = str(entry.get("type", ""))
        entity = catalog.types.get(type_id)
        kind = getattr(entity, "kind", "aircraft")
        tags = ("Misc+Decoy" if kind == "decoy" else "Weapon+Missile" if kind == "arm"
                else AIRCRAFT_TAGS.get(getattr(entity, "category", ""), "Air+FixedWing"))
        coalition = "Coalition=Civil,Color=Green" if replay.civil[i] else "Coalition=Raid,Color=Red"
        points = [(replay.times[f], *replay.position[f, i]) for f in flying
                  if end is None or replay.times[f] < end[0]]  # (time, x, y, z) where it is shown
        after = flying[-1] + 1 if len(flying) else len(replay.times)
        closing = []  # the lines that end it
        if end is not None:
            time, x, y, z, text = end
            if np.isfinite([x, y, z]).all():
                points.append((time, x, y, z))
            closing = [(time, f"0,Event={text.format(oid)}")] if text is not None else []
            closing.append((time, f"-{oid}"))
        elif after < len(replay.times) and replay.status[after, i] in (GONE, LEAKED):
            # the end of its route (civil traffic, a decoy, a threat attacking nothing): there, at that frame
            time = replay.times[after]
            points.append((time, *replay.position[after, i]))
            closing = [(time, f"0,Event=LeftArea|{oid}|end of its route"), (time, f"-{oid}")]
        if not points:
            continue  # (nothing to show it at: neither created nor removed)
        for n, (time, x, y, z) in enumerate(points):
            props = where(x, y, z)
            if n == 0:  # the first line creates it, with what it is
                props += f",Type={tags},Name={_text(type_id)},CallSign={_text(tid)},{coalition}"
            lines.add(time, f"{oid},{props}")
        for time, line in closing:
            lines.add(time, line)


def _missiles(run: Run, events, lines: _Lines, where) -> None:
    """Every surface-to-air missile fired: from its launcher to its aim point, then its shot report."""
    scenario, unit_ids = run.scenario, run.unit_ids
    units = {u["id"]: u for u in run.entities.get("units", [])}
    outcomes = events[events["kind"].isin(["kill", "miss"])]
    n = 0
    step = float(run.entities.get("step", 1.0)) or 1.0
    for row in events[events["kind"] == "launch"].sort_values("time", kind="stable").itertuples():
        if not (0 <= row.unit < len(unit_ids)):
            continue
        uid = unit_ids[row.unit]
        unit = units.get(uid, {})
        launcher = scenario.catalog.types.get(unit.get("type", ""))
        missile_type = getattr(launcher, "missile", "missile")
        tof = float(row.time_of_flight) if np.isfinite(row.time_of_flight) else 0.0
        arrival = float(row.time) + tof
        later = outcomes[(outcomes["unit"] == row.unit) & (outcomes["target"] == row.target)
                         & ((outcomes["time"] - arrival).abs() < 1e-3)]  # (its own salvo's, at its arrival)
        outcome = ("Kill" if later["kind"].iloc[0] == "kill" else "Miss") if len(later) else ""
        start = np.array([unit.get("x", 0.0), unit.get("y", 0.0), unit.get("z", 0.0)], float)
        aim = np.array([row.x, row.y, row.z], float)
        aim = np.where(np.isfinite(aim), aim, start)
        ground = float(scenario.terrain.elevation_at(aim[0], aim[1]))
        if np.isfinite(ground):  # (an aim point below a diving target's terrain: on it)
            aim[2] = max(aim[2], ground)
        samples = np.unique(np.concatenate([[row.time], np.arange(np.ceil(row.time / step) * step, arrival, step),
                                            [arrival]]))
        target = object_id(TARGET_IDS, row.target) if row.target >= 0 else ""
        for _ in range(max(int(row.missiles), 1)):
            oid = object_id(MISSILE_IDS, n)
            n += 1
            for j, t in enumerate(samples):
                share = 0.0 if tof <= 0 else (t - row.time) / tof
                x, y, z = start + (aim - start) * min(max(share, 0.0), 1.0)
                props = where(x, y, z)
                if j == 0:
                    props += (f",Type=Weapon+Missile,Name={_text(missile_type)},Parent={object_id(UNIT_IDS, row.unit)}"
                              f",Coalition=Defence,Color=Blue" + (f",LockedTarget={target}" if target else ""))
                lines.add(t, f"{oid},{props}")
            lines.add(arrival, f"-{oid}")
        if outcome:  # one shot report per salvo: the engine draws one outcome for its missiles together
            lines.add(arrival, f"0,Event=Timeout|SourceId:{object_id(UNIT_IDS, row.unit)}|AmmoType:"
                               f"{_text(missile_type)}|AmmoCount:{max(int(row.missiles), 1)}|"
                               + (f"TargetId:{target}|" if target else "") + f"Outcome:{outcome}")


def export_acmi(run: Run, path: Path, replication: int | None = None) -> list[Path]:
    """Write ``replication`` (default: the one whose leakers are closest to the mean) of ``run`` to ``path``: ACMI
    text in UTF-8 with LF line ends, or a zip holding ``<name>.txt.acmi`` when ``path`` ends in ``.zip.acmi``."""
    rep = run.typical_replication() if replication is None else int(replication)
    text = acmi_text(run, rep).encode("utf-8")
    path = Path(path)
    if path.name.lower().endswith(".zip.acmi"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(path.name[: -len(".zip.acmi")] + ".txt.acmi", text)
        text = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text, mode=0o644)
    return [path]
