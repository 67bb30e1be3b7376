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

from iadsim.report.replay import EPOCH
from iadsim.report.run import Run
from iadsim.report.timeline import timeline
from iadsim.scenario.yamlio import write_atomic
from iadsim.terrain.geo import to_lonlat

__all__ = ["HEADER", "acmi_text", "export_acmi", "object_id"]

HEADER = ("FileType=text/acmi/tacview", "FileVersion=2.2")
"""The two mandatory first lines of an ACMI 2.2 file (the specification's own text)."""
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
    lonlat = to_lonlat(scenario.terrain.crs)
    ref_lon, ref_lat = (float(v) for v in lonlat(*scenario.origin_xy))

    def where(x, y, z) -> str:
        lon, lat = lonlat(x, y)
        return f"T={float(lon) - ref_lon:.7f}|{float(lat) - ref_lat:.7f}|{_number(z)}"

    line = timeline(run, replication)
    lines = _Lines()
    head = [*HEADER, f"0,ReferenceTime={EPOCH.strftime('%Y-%m-%dT%H:%M:%SZ')}", f"0,ReferenceLongitude={ref_lon:.7f}",
            f"0,ReferenceLatitude={ref_lat:.7f}", "0,DataSource=iadsim", f"0,Title={_text(line.title)}"]
    # the network's units and the defended assets
    for body in line.units:
        u = body.index
        oid = object_id(UNIT_IDS, u)
        _, x, y, z = body.points[0]
        tags = "Ground+Static+Building" if body.kind == "command-post" else "Ground+AntiAircraft"
        props = [where(x, y, z), f"Type={tags}",
                 f"Name={_text(body.type_id)}", f"CallSign={_text(body.name)}", "Coalition=Defence", "Color=Blue"]
        if u in line.radar:
            props += ["RadarMode=0", f"RadarRange={_number(line.radar[u].instrumented_range.value, 0)}"]
        if u in line.engagement:
            props += ["EngagementMode=0", f"EngagementRange={_number(line.engagement[u][0], 0)}"]
        lines.add(0.0, f"{oid},{','.join(props)}")
        for time, shown in line.visible.get(u, []):
            lines.add(time, f"{oid},Visible={int(shown)}")
        for time, mode in line.engagement.get(u, (0.0, []))[1]:
            lines.add(time, f"{oid},EngagementMode={mode}")
    for time, u, on in line.emission:
        lines.add(time, f"{object_id(UNIT_IDS, u)},RadarMode={int(on)}")
    for time, u in line.destroyed:
        lines.add(time, f"0,Event=Destroyed|{object_id(UNIT_IDS, u)}|")
    for body in line.assets:
        _, x, y, z = body.points[0]
        lines.add(0.0, f"{object_id(ASSET_IDS, body.index)},{where(x, y, z)},Type=Ground+Static+Building,"
                       f"Name=defended asset,CallSign={_text(body.name)},Coalition=Defence,Color=Blue")
    for body in line.targets:
        oid = object_id(TARGET_IDS, body.index)
        tags = ("Misc+Decoy" if body.kind == "decoy" else "Weapon+Missile" if body.kind == "arm"
                else AIRCRAFT_TAGS.get(body.category, "Air+FixedWing"))
        coalition = {"civil": "Coalition=Civil,Color=Green", "defence": "Coalition=Defence,Color=Blue"}.get(
            body.side, "Coalition=Raid,Color=Red")
        for n, (time, x, y, z) in enumerate(body.points):
            props = where(x, y, z)
            if n == 0:  # the first line creates it, with what it is
                props += f",Type={tags},Name={_text(body.type_id)},CallSign={_text(body.name)},{coalition}"
            lines.add(time, f"{oid},{props}")
        if body.end is not None:
            time, how = body.end
            if how in _EVENTS:
                lines.add(time, f"0,Event={_EVENTS[how]}|{oid}|{_text(body.note)}")
            lines.add(time, f"-{oid}")
    for shot in line.shots:
        target = object_id(TARGET_IDS, shot.target) if shot.target >= 0 else ""
        for m in shot.missiles:
            body = line.missiles[m]
            oid = object_id(MISSILE_IDS, m)
            for j, (t, x, y, z) in enumerate(body.points):
                props = where(x, y, z)
                if j == 0:
                    props += (f",Type=Weapon+Missile,Name={_text(shot.missile_type)},"
                              f"Parent={object_id(UNIT_IDS, shot.unit)},Coalition=Defence,Color=Blue"
                              + (f",LockedTarget={target}" if target else ""))
                lines.add(t, f"{oid},{props}")
            lines.add(shot.arrival, f"-{oid}")
        if shot.outcome:  # one shot report per salvo: the engine draws one outcome for its missiles together
            lines.add(shot.arrival, f"0,Event=Timeout|SourceId:{object_id(UNIT_IDS, shot.unit)}|AmmoType:"
                                    f"{_text(shot.missile_type)}|AmmoCount:{len(shot.missiles)}|"
                                    + (f"TargetId:{target}|" if target else "")
                                    + f"Outcome:{shot.outcome.capitalize()}")
    return "\n".join(head) + "\n" + lines.text() + "\n"


_EVENTS = {"destroyed": "Destroyed", "left": "LeftArea"}
"""The ACMI event of a body's end (removed: no event)."""


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
    write_atomic(path, text)
    return [path]
