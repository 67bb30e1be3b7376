"""One replication of a run as DIS (IEEE 1278.1-2012, protocol version 7): a libpcap capture, or sent live over UDP.

The PDUs are encoded here, field by field, from the standard's layouts (big-endian, as the standard requires):

* **Entity State** (type 1, family 1) for every unit of the network, aircraft, anti-radiation missile, decoy and
  surface-to-air missile: at each point of its track (:mod:`iadsim.report.timeline`) and every
  :data:`HEARTBEAT` seconds between them (the standard's default heartbeat), positions linearly interpolated;
  location in WGS 84 geocentric (ECEF) coordinates, linear velocity in ECEF, orientation as the standard's
  Euler angles (psi, theta, phi) from the heading (from true north) and climb of its track (a unit faces north,
  level, wings level throughout);
  dead reckoning algorithm 1 (static) or 2 (constant velocity, world coordinates); appearance damage bits
  "destroyed" once it is destroyed (a target's last PDU, a unit's from then on); force 1 (friendly) for the
  defence, 2 (opposing) for the raids, 3 (neutral) for civil traffic; the marking is its id (ASCII, 11 characters;
  where two would read the same, its entity number ends it: ``raid-nor#21``).
  An entity's last Entity State as it leaves (a target's end, a missile's arrival, a relocating unit's site as the
  unit moves away) has appearance state "deactivated"; a site sends nothing while the unit is away from it, and
  nothing is sent after the run's end.
* **Fire** (type 2, family 2) for each surface-to-air missile at its launch: firing entity its launcher, target
  its target, munition the missile's own entity, the launch point, the missile's velocity, the range to its aim.
* **Detonation** (type 3, family 2) for each missile at its arrival: result 2 (entity proximate detonation) at the
  target when its salvo killed, 5 (detonation, away from the target) at its aim point when it missed; none when the
  run ended first.
* **Electromagnetic Emission** (type 23, family 6) for every unit with a radar (its own, or a launcher's): one
  system and one beam (frequency, ERP in dBm = peak power + gain, PRF, pulse width, the beam's azimuth centre and
  sweep from its sector (from true north), a full circle without one) whose **beam status** follows its emission:
  active while it emits, deactivated when it is dark; sent at each switch (state update "changed data") and every
  :data:`EMISSION_HEARTBEAT` seconds (heartbeat), never while its site is hidden. Event numbers roll over after
  65,535.

Entity types come from a mapping of the catalog's kinds and aircraft categories to SISO-REF-010 (``dis_types.yaml``:
category level, country Other: the catalog's types are generic classes). Timestamps are absolute (seconds past the
hour of :data:`iadsim.report.replay.EPOCH`). Heights are the run's (above mean sea level) written as heights above
the WGS 84 ellipsoid: the geoid's undulation (between about -106 m and +85 m) is not applied.

The capture is libpcap (LINKTYPE_ETHERNET), one PDU per IPv4/UDP datagram to port :data:`PORT` from 10.0.0.1 to
the broadcast address, in time order, each at its scenario time after :data:`EPOCH`.
"""

from __future__ import annotations

import bisect
import math
import socket
import struct
import time as _time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from iadsim.analysis.runfolder import RunFolderError
from iadsim.report.replay import EPOCH
from iadsim.report.run import Run
from iadsim.report.timeline import Body, timeline
from iadsim.scenario.relocation import home_of
from iadsim.scenario.yamlio import write_atomic
from iadsim.terrain.geo import to_lonlat

__all__ = ["PORT", "Pdu", "dis_pdus", "entity_state", "export_dis", "fire", "detonation", "emission", "pcap",
           "resolve_udp", "send_udp"]

PROTOCOL_VERSION = 7
ENTITY_STATE, FIRE, DETONATION, EMISSION = 1, 2, 3, 23
FAMILY = {ENTITY_STATE: 1, FIRE: 2, DETONATION: 2, EMISSION: 6}
"""The protocol family of each PDU type: entity information, warfare, distributed emission regeneration."""
PORT = 3000
HEARTBEAT = 5.0
"""Seconds between Entity State PDUs of an entity (the standard's default heartbeat, HBT_ESPDU)."""
EMISSION_HEARTBEAT = 10.0
"""Seconds between Electromagnetic Emission PDUs of an emitter (the standard's default, HBT_PDU_EE)."""
SITE, APPLICATION = 1, 1
FORCE = {"defence": 1, "raid": 2, "civil": 3}
"""Force ID (SISO-REF-010 UID 6): 1 friendly, 2 opposing, 3 neutral."""
KILL_RESULT, MISS_RESULT = 2, 5
"""Detonation result (UID 62): 2 entity proximate detonation, 5 detonation."""
DESTROYED = 3 << 3
"""Appearance damage bits 3-4 = 3: destroyed (platforms and munitions alike)."""
DEACTIVATED_STATE = 1 << 23
"""Appearance bit 23, state: deactivated (an entity's last Entity State as it leaves the exercise)."""
EMITTER_FUNCTION = {"early-warning": 2, "acquisition": 5, "fire-control": 4}
"""Emitter system function (UID 76): 2 early warning/surveillance, 5 acquisition/detection, 4 fire control."""
BEAM_FUNCTION = {"early-warning": 1, "acquisition": 3, "fire-control": 5}
"""Beam function (UID 78): 1 search, 3 acquisition, 5 acquisition and tracking."""
ACTIVE, DEACTIVATED = 0, 1
"""Beam status (IEEE 1278.1-2012 6.2.12): 0 active, 1 deactivated."""
MAX_ENTITIES = 65534
ETHERNET_HEADER = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
"""Broadcast destination, a locally administered source, IPv4."""
SOURCE_IP, BROADCAST_IP = bytes((10, 0, 0, 1)), bytes((255, 255, 255, 255))

EntityId = tuple[int, int, int]
EntityType = tuple[int, int, int, int, int, int, int]
NO_ENTITY: EntityId = (0, 0, 0)


# --- the PDUs ---------------------------------------------------------------------------------------------------

def timestamp(seconds: float) -> int:
    """The DIS absolute timestamp of scenario time ``seconds``: units of 3600 / 2^31 s past the hour, shifted
    left one bit, with the low bit 1 (absolute)."""
    units = min(int(round((seconds % 3600.0) / 3600.0 * 2**31)), 2**31 - 1)
    return (units << 1) | 1


def _header(pdu_type: int, exercise: int, seconds: float, length: int) -> bytes:
    return struct.pack(">BBBBIHBB", PROTOCOL_VERSION, exercise, pdu_type, FAMILY[pdu_type], timestamp(seconds),
                       length, 0, 0)


def _pdu(pdu_type: int, exercise: int, seconds: float, body: bytes) -> bytes:
    return _header(pdu_type, exercise, seconds, 12 + len(body)) + body


MARKING = 11  # characters of an Entity State's marking


def _printable(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)


def _marking(text: str) -> bytes:
    return struct.pack(">B11s", 1, _printable(text)[:MARKING].encode("ascii"))  # character set 1: ASCII


def _markings(bodies) -> dict:
    """Each body's marking: its id, clipped to 11 characters; where two would read the same (``raid-north-1``
    and ``raid-north-2``, or missiles named by their type), its entity number ends it instead (``raid-nor#21``),
    so that a logger tells them apart."""
    clipped = [_printable(b.name)[:MARKING] for b in bodies]
    taken: dict[str, int] = {}
    for c in clipped:
        taken[c] = taken.get(c, 0) + 1
    out = {}
    for n, (b, c) in enumerate(zip(bodies, clipped, strict=True)):
        tag = f"#{n + 1}"
        out[(b.group, b.index)] = c if taken[c] == 1 else _printable(b.name)[:MARKING - len(tag)] + tag
    return out


def entity_state(exercise: int, seconds: float, entity: EntityId, force: int, entity_type: EntityType,
                 velocity, location, orientation, appearance: int, dead_reckoning: int, marking: str) -> bytes:
    """An Entity State PDU (144 bytes, no variable parameters). ``velocity`` [m/s] and ``location`` [m] in ECEF,
    ``orientation`` (psi, theta, phi) [rad]; the alternative entity type is the entity type."""
    body = (struct.pack(">HHHBB", *entity, force, 0) + struct.pack(">BBHBBBB", *entity_type) * 2
            + struct.pack(">fff", *velocity) + struct.pack(">ddd", *location) + struct.pack(">fff", *orientation)
            + struct.pack(">I", appearance) + struct.pack(">B15x", dead_reckoning) + bytes(24)
            + _marking(marking) + struct.pack(">I", 0))
    return _pdu(ENTITY_STATE, exercise, seconds, body)


def _burst(munition: EntityType) -> bytes:
    # munition type, warhead 0 (other), fuse 0 (other), quantity 1, rate 0
    return struct.pack(">BBHBBBB", *munition) + struct.pack(">HHHH", 0, 0, 1, 0)


def fire(exercise: int, seconds: float, firing: EntityId, target: EntityId, munition: EntityId, event: EntityId,
         location, munition_type: EntityType, velocity, range_: float) -> bytes:
    """A Fire PDU (96 bytes): fire mission index 0, the burst descriptor of one munition."""
    body = (struct.pack(">HHH", *firing) + struct.pack(">HHH", *target) + struct.pack(">HHH", *munition)
            + struct.pack(">HHH", *event) + struct.pack(">I", 0) + struct.pack(">ddd", *location)
            + _burst(munition_type) + struct.pack(">fff", *velocity) + struct.pack(">f", range_))
    return _pdu(FIRE, exercise, seconds, body)


def detonation(exercise: int, seconds: float, firing: EntityId, target: EntityId, munition: EntityId,
               event: EntityId, velocity, location, munition_type: EntityType, result: int) -> bytes:
    """A Detonation PDU (104 bytes, no variable parameters); the location in the target's coordinates is 0."""
    body = (struct.pack(">HHH", *firing) + struct.pack(">HHH", *target) + struct.pack(">HHH", *munition)
            + struct.pack(">HHH", *event) + struct.pack(">fff", *velocity) + struct.pack(">ddd", *location)
            + _burst(munition_type) + struct.pack(">fff", 0.0, 0.0, 0.0) + struct.pack(">BBH", result, 0, 0))
    return _pdu(DETONATION, exercise, seconds, body)


@dataclass(frozen=True)
class Beam:
    """One beam of an emitter system: its fundamental parameters (frequency [Hz], frequency range [Hz], ERP [dBm],
    PRF [Hz], pulse width [us], azimuth centre and sweep, elevation centre and sweep [rad]), function and status."""

    frequency: float
    frequency_range: float
    erp: float
    prf: float
    pulse_width: float
    azimuth_center: float
    azimuth_sweep: float
    elevation_center: float
    elevation_sweep: float
    function: int
    status: int
    beam_id: int = 1


def emission(exercise: int, seconds: float, entity: EntityId, event: EntityId, update: int, name: int,
             function: int, beams: list[Beam], location=(0.0, 0.0, 0.0)) -> bytes:
    """An Electromagnetic Emission PDU with one emitter system (emitter id 1, at ``location`` [m] in the entity's
    coordinates: x forward, y right, z down) and its ``beams`` (no track/jam records); ``update``: state update
    indicator (0 heartbeat, 1 changed data)."""
    beam_bytes = b"".join(
        struct.pack(">BBH", 13, b.beam_id, 0)
        + struct.pack(">ffffffffff", b.frequency, b.frequency_range, b.erp, b.prf, b.pulse_width, b.azimuth_center,
                      b.azimuth_sweep, b.elevation_center, b.elevation_sweep, 0.0)
        + struct.pack(">BBBBI", b.function, 0, 0, b.status, 0) for b in beams)
    system = (struct.pack(">BBH", 5 + 13 * len(beams), len(beams), 0) + struct.pack(">HBB", name, function, 1)
              + struct.pack(">fff", *location) + beam_bytes)
    body = struct.pack(">HHH", *entity) + struct.pack(">HHH", *event) + struct.pack(">BBH", update, 1, 0) + system
    return _pdu(EMISSION, exercise, seconds, body)


# --- coordinates ----------------------------------------------------------------------------------------------

@cache
def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


@cache
def _to_ecef():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def ecef(lon, lat, height) -> np.ndarray:
    """(..., 3) WGS 84 geocentric coordinates [m] of longitudes and latitudes [deg] and ellipsoidal heights [m]."""
    x, y, z = _to_ecef().transform(np.asarray(lon, float), np.asarray(lat, float), np.asarray(height, float))
    return np.stack([x, y, z], axis=-1)


def local_axes(lon: float, lat: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The local north, east and down unit vectors in ECEF at geodetic ``lon``, ``lat`` [deg]."""
    la, lo = math.radians(lat), math.radians(lon)
    north = np.array([-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)])
    east = np.array([-math.sin(lo), math.cos(lo), 0.0])
    down = np.array([-math.cos(la) * math.cos(lo), -math.cos(la) * math.sin(lo), -math.sin(la)])
    return north, east, down


def euler_angles(lon: float, lat: float, heading: float, pitch: float, axes=None) -> tuple[float, float, float]:
    """DIS Euler angles (psi, theta, phi) [rad] of a body at ``lon``, ``lat`` [deg] heading ``heading`` (clockwise
    from north) and pitched ``pitch`` (up) [rad], wings level: the z-y-x rotations taking the ECEF axes to the
    body's (x forward, y right, z down). ``axes``: :func:`local_axes` there, when the caller has them."""
    north, east, down = local_axes(lon, lat) if axes is None else axes
    forward = math.cos(pitch) * (math.cos(heading) * north + math.sin(heading) * east) - math.sin(pitch) * down
    right = -math.sin(heading) * north + math.cos(heading) * east
    below = np.cross(forward, right)
    theta = -math.asin(max(-1.0, min(1.0, forward[2])))
    psi = math.atan2(forward[1], forward[0])
    phi = math.atan2(right[2], below[2])
    return psi, theta, phi


# --- from a run ----------------------------------------------------------------------------------------------

@cache
def entity_types() -> dict:
    """The mapping of catalog kinds, aircraft categories and type ids to SISO-REF-010 entity types."""
    import yaml

    data = yaml.safe_load(resources.files("iadsim.report").joinpath("dis_types.yaml").read_text("utf-8"))
    return {group: {k: tuple(v) for k, v in data[group].items()} for group in ("kinds", "aircraft", "types")}


def entity_type(body: Body) -> EntityType:
    """The SISO-REF-010 entity type of a body (its type id's, its aircraft category's or its kind's; 0s: other)."""
    table = entity_types()
    return (table["types"].get(body.type_id) or (table["aircraft"].get(body.category) if body.kind == "aircraft"
            else None) or table["kinds"].get(body.kind) or (0, 0, 0, 0, 0, 0, 0))


@dataclass(frozen=True)
class Pdu:
    """A PDU and its scenario time [s]."""

    time: float
    data: bytes


def dis_pdus(run: Run, replication: int, exercise: int = 1) -> list[Pdu]:
    """Every PDU of ``replication`` of ``run``, in time order (see the module's description)."""
    line = timeline(run, replication)
    scenario = run.scenario
    lonlat = to_lonlat(scenario.terrain.crs)
    duration = float(run.entities["duration"])
    bodies = [*line.units, *line.targets, *line.missiles]
    if len(bodies) > MAX_ENTITIES:
        raise RunFolderError(run.path, f"has {len(bodies):,} entities in replication {replication}: more than one "
                             f"DIS application can number ({MAX_ENTITIES:,})")
    ids = {(b.group, b.index): (SITE, APPLICATION, n + 1) for n, b in enumerate(bodies)}
    markings = _markings(bodies)
    out: list[tuple[float, int, bytes]] = []
    destroyed = {u: t for t, u in sorted(line.destroyed, reverse=True)}  # (its first destruction)
    events = _Events()

    def add(seconds: float, data: bytes) -> None:
        out.append((seconds, len(out), data))

    tracks, shown = {}, {}
    for body in bodies:
        if body.group == "unit":  # standing on the ground (the run's z is its antenna's, on its mast)
            site = scenario.sites.get(body.name)
            ground = site.ground if site is not None else body.points[0][3]
            body = Body(**{**body.__dict__, "points": [(0.0, *body.points[0][1:3], float(ground))]})
        tracks[(body.group, body.index)] = track = _Track(body, lonlat)
        if body.group == "unit":
            hidden = _hidden(line.visible.get(body.index, []), duration)
            shown[body.index] = hidden
            killed = destroyed.get(body.index, math.inf)
            edges = [t for span in hidden for t in span if t <= duration]
            times = [t for t in {*_grid(0.0, duration), *edges, *([killed] if killed <= duration else [])}
                     if not _inside(t, hidden)]
            last = {a for a, _ in hidden if 0 < a <= duration}  # (its last PDU as it is hidden: deactivated)
            times += list(last)
        else:
            start = body.points[0][0]
            stop = min(body.end[0] if body.end else body.points[-1][0], duration)
            times = [t for t in {*_grid(start, stop), *(p[0] for p in body.points), stop} if t <= stop]
            killed = stop if body.end and body.end[1] == "destroyed" and body.end[0] <= duration else math.inf
            last = {stop} if body.end and body.end[0] <= duration else set()
        etype, force = entity_type(body), FORCE[body.side]
        for t in sorted(set(times)):
            location, velocity, orientation = track.at(t, final=t in last)
            appearance = (DESTROYED if t >= killed else 0) | (DEACTIVATED_STATE if t in last else 0)
            add(t, entity_state(exercise, t, ids[(body.group, body.index)], force, etype, velocity, location,
                                orientation, appearance, 2 if np.any(velocity) else 1,
                                markings[(body.group, body.index)]))
    for shot in line.shots:
        firing = ids[("unit", shot.unit)]
        target = ids.get(("target", shot.target), NO_ENTITY)
        for m in shot.missiles:
            event = (SITE, APPLICATION, events.next())
            body, track = line.missiles[m], tracks[("missile", m)]
            munition, etype = ids[("missile", m)], entity_type(body)
            start, velocity, _ = track.at(shot.time)
            end = track.at(shot.arrival)[0]  # (its aim point, or where it killed)
            aim = ecef(*lonlat(shot.aim[0], shot.aim[1]), shot.aim[2]) if np.isfinite(shot.aim).all() else end
            add(shot.time, fire(exercise, shot.time, firing, target, munition, event, start, etype, velocity,
                                float(np.linalg.norm(aim - start))))
            if shot.outcome and shot.arrival <= duration:
                add(shot.arrival, detonation(exercise, shot.arrival, firing, target, munition, event,
                                             track.at(shot.arrival - 1e-6)[1], end, etype,
                                             KILL_RESULT if shot.outcome == "kill" else MISS_RESULT))
    switched: dict[int, list[tuple[float, bool]]] = {}
    for t, unit, on in line.emission:  # (in time order)
        switched.setdefault(unit, []).append((t, on))
    for u in sorted(line.radar):
        body = line.units[u]
        radar = line.radar[u]
        beams, mast = _beams(run, body, radar, lonlat)
        switches = switched.get(u, [])
        when = [t for t, _ in switches]
        changes = set(when)
        for t in sorted({*_grid(0.0, duration, EMISSION_HEARTBEAT), *changes}):
            if _inside(t, shown[u]):
                continue  # (its site is hidden: no entity to emit from)
            n = bisect.bisect_right(when, t)
            status = ACTIVE if n and switches[n - 1][1] else DEACTIVATED
            add(t, emission(exercise, t, ids[("unit", u)], (SITE, APPLICATION, events.next()),
                            1 if t in changes else 0, 0, EMITTER_FUNCTION[radar.role],
                            [Beam(**beams, status=status)], (0.0, 0.0, -mast)))
    out.sort(key=lambda item: (item[0], item[1]))
    return [Pdu(t, data) for t, _, data in out]


class _Events:
    """Event numbers 1, 2, ... 65535, then 1 again (a DIS event number rolls over)."""

    def __init__(self):
        self.last = 0

    def next(self) -> int:
        self.last = self.last % 65535 + 1
        return self.last


def _inside(t: float, spans: list[tuple[float, float]]) -> bool:
    """Whether ``t`` falls in a span, from its start to before its end (a site hidden then)."""
    return any(a <= t < b for a, b in spans)


def _grid(start: float, stop: float, every: float = HEARTBEAT) -> list[float]:
    """``start``, then the multiples of ``every`` after it up to ``stop``."""
    first = math.floor(start / every + 1.0) * every
    return [start, *np.arange(first, stop + 1e-9, every).tolist()] if stop >= start else []


def _hidden(changes: list[tuple[float, bool]], duration: float) -> list[tuple[float, float]]:
    """The (from, to) intervals in which a unit's site is hidden."""
    out, since = [], None
    for t, shown in changes:
        if not shown and since is None:
            since = t
        elif shown and since is not None:
            out.append((since, t))
            since = None
    return out + ([(since, duration + 1.0)] if since is not None else [])


class _Track:
    """Where a body is at a time: its track's points linearly interpolated, in ECEF, with the velocity of the
    segment it is on and the Euler angles of that velocity's heading and climb (north and level at rest)."""

    def __init__(self, body: Body, lonlat: Callable):
        pts = np.asarray(body.points, float)
        self.t = pts[:, 0]
        lon, lat = lonlat(pts[:, 1], pts[:, 2])
        self.lon, self.lat = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
        self.ecef = ecef(self.lon, self.lat, pts[:, 3])
        self.fixed = None  # a body of one point (a unit): where it stands, computed once
        if len(self.t) == 1:
            self.fixed = self.ecef[0], np.zeros(3), euler_angles(float(self.lon[0]), float(self.lat[0]), 0.0, 0.0)

    def at(self, t: float, final: bool = False):
        if self.fixed is not None:
            return self.fixed
        n = len(self.t)
        i = int(np.clip(np.searchsorted(self.t, t, side="right") - 1, 0, max(n - 2, 0)))
        if n == 1 or self.t[i + 1] <= self.t[i]:
            share, velocity = 0.0, np.zeros(3)
        else:
            span = self.t[i + 1] - self.t[i]
            share = min(max((t - self.t[i]) / span, 0.0), 1.0)
            velocity = (self.ecef[i + 1] - self.ecef[i]) / span
        j = min(i + 1, n - 1)
        location = self.ecef[i] + (self.ecef[j] - self.ecef[i]) * share
        lon = float(self.lon[i] + (self.lon[j] - self.lon[i]) * share)
        lat = float(self.lat[i] + (self.lat[j] - self.lat[i]) * share)
        axes = north, east, down = local_axes(lon, lat)
        way = self.ecef[j] - self.ecef[i]  # (its heading and climb: true north, on the ellipsoid's normal)
        flat = math.hypot(way @ north, way @ east)
        heading = math.atan2(way @ east, way @ north) if flat > 0 else 0.0
        pitch = math.atan2(-(way @ down), flat) if np.any(way) else 0.0
        return location, (np.zeros(3) if final else velocity), euler_angles(lon, lat, heading, pitch, axes)


def _beams(run: Run, body: Body, radar, lonlat: Callable):
    """The beam parameters (without status; the sector's bearings from true north) of a unit carrying ``radar``, and
    its antenna's height above the ground [m]."""
    unit = run.scenario.unit(home_of(body.name)[0])
    sector = unit.sector
    centre = 0.0
    if sector is not None:  # the sector's centre, a bearing on the terrain's grid, as a bearing from true north
        _, x, y, _ = body.points[0]
        (lon0, lon1), (lat0, lat1) = lonlat(np.array([x, x + 100 * math.sin(sector.center)]),
                                            np.array([y, y + 100 * math.cos(sector.center)]))
        centre = math.radians(_geod().inv(lon0, lat0, lon1, lat1)[0])
    el = radar.elevation_beamwidth.value if radar.elevation_beamwidth is not None else radar.beamwidth.value
    tilt = radar.elevation_tilt.value if radar.elevation_tilt is not None else 0.0
    return {
        "frequency": radar.frequency.value, "frequency_range": 0.0,
        "erp": 10 * math.log10(radar.peak_power.value) + 30.0 + radar.gain.value,
        "prf": radar.prf.value, "pulse_width": radar.pulse_width.value * 1e6,
        "azimuth_center": centre, "azimuth_sweep": sector.width / 2 if sector is not None else math.pi,
        "elevation_center": tilt, "elevation_sweep": el / 2,
        "function": BEAM_FUNCTION[radar.role]}, float(unit.mast_height)


# --- libpcap and UDP --------------------------------------------------------------------------------------------

def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _frame(payload: bytes, ident: int, port: int = PORT) -> bytes:
    """An Ethernet frame holding an IPv4/UDP datagram from 10.0.0.1:``port`` to 255.255.255.255:``port``."""
    udp_length = 8 + len(payload)
    pseudo = SOURCE_IP + BROADCAST_IP + struct.pack(">BBH", 0, 17, udp_length)
    udp = struct.pack(">HHHH", port, port, udp_length, 0) + payload
    checksum = _checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack(">H", checksum) + udp[8:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + udp_length, ident & 0xFFFF, 0x4000, 64, 17, 0, SOURCE_IP,
                     BROADCAST_IP)
    ip = ip[:10] + struct.pack(">H", _checksum(ip)) + ip[12:]
    return ETHERNET_HEADER + ip + udp


def pcap(pdus: Iterable[Pdu], write: Callable[[bytes], object]) -> int:
    """Write ``pdus`` as a libpcap capture (microsecond timestamps, LINKTYPE_ETHERNET) through ``write``, each at
    :data:`EPOCH` plus its time; returns the number of packets."""
    write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    base = int(EPOCH.timestamp())
    n = 0
    for n, pdu in enumerate(pdus, 1):
        frame = _frame(pdu.data, n)
        micros = int(round(pdu.time * 1e6))
        write(struct.pack("<IIII", base + micros // 1_000_000, micros % 1_000_000, len(frame), len(frame)) + frame)
    return n


def export_dis(run: Run, path: Path, replication: int | None = None, exercise: int = 1) -> list[Path]:
    """Write ``replication`` (default: the typical one) of ``run`` to ``path`` as a libpcap capture of DIS PDUs,
    through a temporary file renamed into place when complete."""
    rep = run.typical_replication() if replication is None else int(replication)
    pdus = dis_pdus(run, rep, exercise)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks: list[bytes] = []
    pcap(pdus, chunks.append)
    write_atomic(path, b"".join(chunks))  # (as every export: a FIFO or folder there is refused, the umask's mode)
    return [path]


def resolve_udp(host: str, port: int) -> tuple[int, tuple]:
    """The address family and socket address of ``host``:``port`` for UDP, resolved once (an OSError when the
    host does not resolve)."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    return family, address


def restamped(data: bytes, seconds: float) -> bytes:
    """``data`` (a PDU) with its timestamp set to the absolute time ``seconds`` (UTC, seconds since the epoch)."""
    return data[:4] + struct.pack(">I", timestamp(seconds % 3600.0)) + data[8:]


def send_udp(pdus: list[Pdu], family: int, address: tuple, rate: float | None = 1.0, sock=None,
             clock: Callable[[], float] = _time.monotonic, sleep: Callable[[float], object] = _time.sleep,
             wall: Callable[[], float] = _time.time) -> int:
    """Send ``pdus`` to ``address`` (of ``family``, from :func:`resolve_udp`) over UDP, one PDU per datagram, each
    when its time comes at ``rate`` times real time (None: as fast as possible), its timestamp the UTC time it is
    sent (absolute); returns the number sent. Broadcast addresses are allowed."""
    own = sock is None
    if own:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    try:
        start = clock()
        for pdu in pdus:
            if rate is not None:
                wait = start + pdu.time / rate - clock()
                if wait > 0:
                    sleep(wait)
            sock.sendto(restamped(pdu.data, wall()), address)
        return len(pdus)
    finally:
        if own:
            sock.close()
