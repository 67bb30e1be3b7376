"""Laydowns from DCS World missions (.miz), read with pydcs (LGPL-3.0; the optional extra ``iadsim[dcs]``).

Decisions (documented in docs/interop.md, section "Laydowns from DCS missions"):

- The file is checked before pydcs sees it: at most 50 MB, a zip archive of at most 2,000 members and
  200 MB uncompressed (each member read with that bound, whatever its header says), with a ``mission``
  member. pydcs then reads a copy holding only the four Lua tables it needs (mission, options, warehouses,
  dictionary), so nothing else of the archive is ever extracted to disk. pydcs parses the Lua text with its
  own parser (``dcs.lua.parse``): nothing is executed. Any failure of pydcs is one line naming the file.
- Types go through the data table ``dcs_types.yaml`` (DCS type -> catalog type, ``null``: known, not
  modelled). An unknown type in a SAM or EW group, or in an attacking aircraft group, is an error naming
  the nearest table entries; elsewhere unknown and unmodelled types are skipped with one warning.
- The defence is the coalition owning the most air-defence ground units (a tie goes to red, the side
  Skynet-IADS missions usually defend); the other coalition's air defence is left out with a warning.
- Skynet-IADS naming: a ground group whose name starts with the SAM prefix is a SAM site of the network;
  a unit whose name (or whose group's name) starts with the EW prefix is an early-warning radar of it;
  a group of command posts only is the network's command centre (Skynet adds those by script). Each DCS
  group is a battery. Networked batteries are wired together by :func:`~common.wire`; any other
  air-defence group is an autonomous battery, wired inside itself only (with a warning). A mission with
  no prefixed name at all networks every group (said in a warning).
- The attacking coalition's aircraft groups are raids (one per group and type: ``count`` its aircraft,
  10 s apart, an assumption for a formation); civil airliner types of any coalition are traffic. The
  defence's own and neutral military aircraft are left out with a warning. Waypoint altitudes: all BARO
  -> ``msl``, all RADIO -> ``agl``; a route mixing both is written ``agl``, its BARO altitudes less the
  terrain's elevation there (0 m on flat terrain). Speeds are DCS's (m/s).
- Defended assets are the mission's circular trigger zones (name, centre, radius); each raid attacks the
  asset nearest its route's end (none: it flies its route).
- Positions come from pydcs's theatre projection (``Point.latlng()``: the theatre's Transverse Mercator
  through pyproj) as WGS 84 lat/lon. Ids are the DCS names with other characters replaced by ``-``, made
  unique with ``-2``, ``-3``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
import shutil
import tempfile
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path

from iadsim.scenario.importers.common import (
    Imported,
    ImportOptions,
    duration_for,
    nearest_names,
    roles,
    terrain_and_origin,
    wire,
)
from iadsim.scenario.yamlio import InputError, read_bytes

MAX_MIZ_BYTES = 50_000_000  # largest .miz read (compressed)
MAX_UNZIPPED_BYTES = 200_000_000  # largest total of its members, uncompressed (zip bombs)
MAX_MEMBERS = 2_000  # most members in the archive
LUA_MEMBERS = ("mission", "options", "warehouses", "l10n/DEFAULT/dictionary")  # what pydcs needs to load it
FORMATION_SPACING = "10 s"  # between the aircraft of one DCS group flying as a formation (assumed)
SIDES = ("red", "blue")


@cache
def mapping_table() -> dict[str, str | None]:
    """The DCS type -> catalog type table (``dcs_types.yaml``), ``None`` for types known but not modelled."""
    import yaml

    text = resources.files("iadsim.scenario.importers").joinpath("dcs_types.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text)["types"])


def read(source: Path, options: ImportOptions, fmt: str = "dcs") -> Imported:
    """Read the DCS mission ``source`` as a scenario document (see the module's decisions)."""
    try:
        import dcs  # noqa: F401
    except ImportError:
        raise InputError(source, "reading DCS missions needs pydcs: pip install 'iadsim[dcs]'") from None
    from iadsim.scenario import builtin_catalog

    mission = _load(source, _lua_members(source))
    catalog = builtin_catalog()
    table = mapping_table()
    warnings: list[str] = []
    ids = _Ids()

    elevation = _elevations(options)
    try:
        defence, attacker = _sides(mission, table, warnings)
        units, wiring, positions = _ground(source, mission, defence, options, table, catalog, ids, warnings)
        assets = _assets(mission, ids, warnings)
        threats, traffic = _flights(source, mission, attacker, elevation, table, catalog, ids, assets, warnings)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        # pydcs keeps the file's values as they are: a name, type or altitude of the wrong kind lands here
        raise InputError(source, f"not a DCS mission iadsim can read: a value of an unexpected kind "
                                 f"({type(exc).__name__})") from None

    links: list[dict] = []
    for battery_of in wiring.values():  # the network, then each autonomous group on its own
        more, notes = wire([u for u in units if u["id"] in battery_of], battery_of, catalog, positions)
        links += more
        warnings += notes

    points = [(u["lat"], u["lon"]) for u in units] + [(a["lat"], a["lon"]) for a in assets]
    points += [(w["lat"], w["lon"]) for f in threats + traffic for w in f["route"]]
    document: dict = {
        "name": options.name or source.stem or "dcs-mission",
        "description": f"Imported from the DCS mission {source.name} ({mission.terrain.name}); the defence is "
                       f"the {defence} coalition.",
        "duration": duration_for(threats + traffic, catalog) if threats or traffic else "10 min",
    }
    document.update(terrain_and_origin(points, options, source))  # (``source``: unused without a DEM)
    if options.terrain is not None:
        # read() does not know where the scenario is written: an absolute path is right wherever it goes
        document["terrain"] = {"source": Path(options.terrain).resolve().as_posix()}
    if assets:
        document["defended_assets"] = assets
    document["units"] = units
    document["links"] = links
    if threats:
        document["threats"] = threats
    if traffic:
        document["traffic"] = traffic
    return Imported(source=source, fmt=fmt, document=document, warnings=warnings)


# --- the archive --------------------------------------------------------------------------------------


def _lua_members(source: Path) -> dict[str, bytes]:
    """The Lua members pydcs needs, read from the checked archive (bounded sizes; see the module)."""
    raw = read_bytes(source, MAX_MIZ_BYTES, "DCS mission")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputError(source, "not a DCS mission (.miz is a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InputError(source, f"has more than {MAX_MEMBERS} members; not a DCS mission")
            if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
                raise InputError(source, f"unpacks to more than {MAX_UNZIPPED_BYTES / 1e6:g} MB; not a DCS mission")
            names = {i.filename for i in infos}
            missing = [m for m in LUA_MEMBERS if m not in names]
            if missing:
                raise InputError(source, f"not a DCS mission: the archive has no '{missing[0]}' member")
            out = {}
            budget = MAX_UNZIPPED_BYTES
            for name in LUA_MEMBERS:
                with archive.open(name) as member:
                    data = member.read(budget + 1)
                if len(data) > budget:
                    raise InputError(source, f"unpacks to more than {MAX_UNZIPPED_BYTES / 1e6:g} MB; not a DCS "
                                             "mission")
                budget -= len(data)
                out[name] = data
            return out
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError) as exc:
        raise InputError(source, f"not a readable DCS mission: a damaged zip archive ({type(exc).__name__})"
                         ) from None


def _load(source: Path, members: dict[str, bytes]):
    """A pydcs Mission loaded from a clean copy of ``members``. pydcs prints and logs as it goes (no DCS
    installation found, an old format): that is silenced, and its temporary folder removed."""
    import dcs

    logger = logging.getLogger("pydcs")
    was_disabled, logger.disabled = logger.disabled, True
    quiet = io.StringIO()
    mission = None
    try:
        with tempfile.TemporaryDirectory(prefix="iadsim-dcs-") as folder, \
                contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            copy = Path(folder) / "mission.miz"
            with zipfile.ZipFile(copy, "w") as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
            mission = dcs.Mission()
            mission.load_file(str(copy))
    except Exception as exc:  # pydcs raises anything (KeyError, ValueError, RecursionError...) on bad input
        raise InputError(source, f"not a DCS mission pydcs {_pydcs_version()} can read "
                                 f"({type(exc).__name__}; a mod's unit type or a damaged mission)") from None
    finally:
        logger.disabled = was_disabled
        if mission is not None and mission.tmpdir:
            shutil.rmtree(mission.tmpdir, ignore_errors=True)
    return mission


def _pydcs_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pydcs")
    except PackageNotFoundError:
        return "?"


# --- ids ----------------------------------------------------------------------------------------------


class _Ids:
    """Valid, unique scenario ids from DCS names (one namespace for units, assets, raids and flights)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, name: object, fallback: str) -> str:
        # other characters become '-'; stripping '-', '_' and '.' leaves a letter or digit first
        base = re.sub(r"[^A-Za-z0-9_.\-]+", "-", str(name)).strip("-_.")[:56] or fallback
        candidate, n = base, 1
        while candidate.lower() in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate.lower())
        return candidate


# --- coalitions and ground units ----------------------------------------------------------------------


def _countries(mission, side: str):
    coalition = mission.coalition.get(side)
    return list(coalition.countries.values()) if coalition is not None else []


def _air_defence_count(mission, side: str, table) -> int:
    return sum(1 for c in _countries(mission, side) for g in c.vehicle_group for u in g.units
               if table.get(u.type) is not None and _is_ground(table[u.type]))


def _is_ground(catalog_type: str) -> bool:
    from iadsim.scenario import builtin_catalog

    return builtin_catalog().types[catalog_type].kind != "aircraft"


def _sides(mission, table, warnings: list[str]) -> tuple[str, str]:
    """(defence, attacker): the coalition with the most air-defence ground units defends (tie: red)."""
    counts = {s: _air_defence_count(mission, s, table) for s in SIDES}
    defence = max(SIDES, key=lambda s: (counts[s], s == "red"))
    attacker = "blue" if defence == "red" else "red"
    if counts[attacker]:
        warnings.append(f"both coalitions have air defence: the {defence} one ({counts[defence]} units) is "
                        f"imported, the {attacker} one ({counts[attacker]} units) is left out")
    return defence, attacker


def _prefixed(name: object, prefix: str) -> bool:
    return bool(prefix) and str(name).startswith(prefix)


def _ground(source, mission, defence, options, table, catalog, ids, warnings):
    """The defence's air-defence units, how to wire them and their positions: (units, wiring, positions),
    ``wiring`` mapping each set wired on its own (``network``; ``alone:GROUP`` for each autonomous group) to
    {unit id: battery}, and ``positions`` a unit id to (lat, lon)."""
    vgroups = [g for c in _countries(mission, defence) for g in c.vehicle_group]
    any_prefix = any(_prefixed(g.name, options.sam_prefix) or _prefixed(g.name, options.ew_prefix)
                     or any(_prefixed(u.name, options.ew_prefix) for u in g.units)
                     for c in (_countries(mission, s) for s in SIDES) for cc in c for g in cc.vehicle_group)
    units: list[dict] = []
    positions: dict[str, tuple[float, float]] = {}
    network: dict[str, str] = {}
    alone: dict[str, dict[str, str]] = {}
    skipped: dict[str, int] = {}
    batteries = _Ids()  # battery names: labels for the wiring and warnings, not scenario ids
    for g in vgroups:
        sam = _prefixed(g.name, options.sam_prefix)
        ew_group = _prefixed(g.name, options.ew_prefix)
        kept = []
        for u in g.units:
            ew = ew_group or _prefixed(u.name, options.ew_prefix)
            target = table.get(u.type, "?")
            if target == "?" and (sam or ew):
                hint = nearest_names(u.type, table)
                raise InputError(source, f"group '{_clip(g.name)}', unit '{_clip(u.name)}': unknown DCS type "
                                         f"'{_clip(u.type)}' (not in the DCS mapping table)"
                                         + (f"; {hint}" if hint else ""))
            if target in ("?", None) or not _is_ground(target):
                skipped[str(u.type)] = skipped.get(str(u.type), 0) + 1
                continue
            kept.append((u, target, ew))
        if not kept:
            continue
        battery = batteries(g.name, "group")
        posts_only = all("command-post" in roles(t, catalog) for _, t, _ in kept)
        networked = sam or ew_group or any(ew for _, _, ew in kept) or posts_only or not any_prefix
        for u, target, _ in kept:
            uid = ids(u.name, "unit")
            ll = u.position.latlng()
            positions[uid] = (ll.lat, ll.lng)
            units.append({"id": uid, "type": target, "lat": round(ll.lat, 7), "lon": round(ll.lng, 7)})
            (network if networked else alone.setdefault(battery, {}))[uid] = battery
    if not units:
        raise InputError(source, f"no ground units: the {defence} coalition has no air-defence ground unit of a "
                                 f"type in the DCS mapping table ({sum(skipped.values())} ground units of other "
                                 "types)")
    if skipped:
        shown = ", ".join(f"{_clip(t, 30)} ({n})" for t, n in sorted(skipped.items())[:8])
        warnings.append(f"{sum(skipped.values())} ground units of types iadsim does not model or map were left "
                        f"out: {shown}{', ...' if len(skipped) > 8 else ''}")
    if not any_prefix:
        warnings.append(f"no group or unit is named with the Skynet-IADS prefixes '{options.sam_prefix}' or "
                        f"'{options.ew_prefix}': every air-defence group is networked")
    elif alone:
        warnings.append(f"air-defence groups without the '{options.sam_prefix}' or '{options.ew_prefix}' prefix are "
                        f"autonomous batteries (wired inside themselves only): {', '.join(sorted(alone))}")
    sets = {"network": network} if network else {}
    sets.update({f"alone:{k}": v for k, v in alone.items()})
    return units, sets, positions


# --- defended assets and flights ----------------------------------------------------------------------


def _assets(mission, ids, warnings: list[str]) -> list[dict]:
    """The mission's circular trigger zones as defended assets (quadrilateral zones are left out)."""
    from dcs.triggers import TriggerZoneCircular

    assets, quads = [], 0
    for zone in mission.triggers.zones():
        if not isinstance(zone, TriggerZoneCircular):
            quads += 1
            continue
        if not (isinstance(zone.radius, int | float) and math.isfinite(zone.radius) and zone.radius > 0):
            continue
        ll = zone.position.latlng()
        assets.append({"id": ids(zone.name, "zone"), "lat": round(ll.lat, 7), "lon": round(ll.lng, 7),
                       "radius": f"{zone.radius:.0f} m"})
    if quads:
        warnings.append(f"{quads} quadrilateral trigger zones left out (defended assets are the circular ones)")
    if assets:
        warnings.append(f"the {len(assets)} circular trigger zones are the defended assets: remove those that "
                        "are not")
    return assets


def _flights(source, mission, attacker, elevation, table, catalog, ids, assets, warnings):
    """(threats, traffic): the attacker's aircraft groups as raids, civil airliners of any coalition as
    traffic."""
    threats: list[dict] = []
    traffic: list[dict] = []
    left: dict[str, int] = {}
    for side in ("red", "blue", "neutrals"):
        for c in _countries(mission, side):
            for g in list(c.plane_group) + list(c.helicopter_group):
                by_type: dict[str, int] = {}
                for u in g.units:
                    by_type[str(u.type)] = by_type.get(str(u.type), 0) + 1
                for dcs_type, count in by_type.items():
                    target = table.get(dcs_type, "?")
                    civil = target not in ("?", None) and getattr(catalog.types[target], "civil", False)
                    if side == attacker and target == "?":
                        hint = nearest_names(dcs_type, table)
                        raise InputError(source, f"aircraft group '{_clip(g.name)}': unknown DCS type "
                                                 f"'{_clip(dcs_type)}' (not in the DCS mapping table)"
                                                 + (f"; {hint}" if hint else ""))
                    if not civil and (side != attacker or target in ("?", None)):
                        why = ("of types iadsim does not model" if side == attacker else "neutral" if side == "neutrals"
                               else "of the defending coalition")
                        left[why] = left.get(why, 0) + count
                        continue
                    if len(g.points) < 2:
                        left["fewer than two waypoints"] = left.get("fewer than two waypoints", 0) + count
                        continue
                    name = g.name if len(by_type) == 1 else f"{g.name}-{dcs_type}"
                    flight = {"id": ids(name, "flight"), "type": target, "count": count}
                    if count > 1:
                        flight["spacing"] = FORMATION_SPACING
                    start = float(getattr(g, "start_time", 0) or 0)
                    if start > 0:
                        flight["start"] = f"{start:g} s"
                    if getattr(g, "late_activation", False):
                        warnings.append(f"aircraft group '{_clip(g.name)}' is activated late in DCS (by a trigger): "
                                        "imported as starting at its start time")
                    reference, route = _route(g.points, elevation)
                    if civil:
                        flight.update(transponder="on", altitude_reference=reference, route=route)
                        traffic.append(flight)
                        continue
                    if assets:
                        flight["target"] = _nearest(assets, route[-1])["id"]
                    flight.update(altitude_reference=reference, route=route)
                    threats.append(flight)
    if left:
        warnings.append("aircraft left out: " + ", ".join(f"{n} {why}" for why, n in sorted(left.items())))
    if threats and not assets:
        warnings.append("the mission has no circular trigger zone (defended asset): the raids fly their routes "
                        "and attack nothing")
    return threats, traffic


def _nearest(places: list[dict], point: dict) -> dict:
    """The place (with lat, lon) nearest ``point`` (geodesic on WGS 84)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    return min(places, key=lambda p: abs(geod.inv(point["lon"], point["lat"], p["lon"], p["lat"])[2]))


def _route(points, elevation) -> tuple[str, list[dict]]:
    """(altitude_reference, waypoints) of a DCS route (see the module's decisions)."""
    kinds = {str(p.alt_type or "BARO").upper() for p in points}
    reference = "agl" if "RADIO" in kinds else "msl"
    route = []
    for p in points:
        ll = p.position.latlng()
        altitude = float(p.alt)
        if reference == "agl" and str(p.alt_type or "BARO").upper() != "RADIO":
            altitude = max(0.0, altitude - elevation(ll.lat, ll.lng))
        w = {"lat": round(ll.lat, 7), "lon": round(ll.lng, 7), "altitude": f"{altitude:.0f} m"}
        if isinstance(p.speed, int | float) and math.isfinite(p.speed) and p.speed > 1.0:
            w["speed"] = f"{p.speed:.1f} m/s"
        route.append(w)
    return reference, route


def _elevations(options: ImportOptions):
    """The terrain's elevation [m] at (lat, lon): 0 on flat terrain, else the DEM's (NaN outside: 0)."""
    if options.terrain is None:
        return lambda lat, lon: 0.0
    from pyproj import Transformer

    from iadsim.terrain.dem import TerrainError, load_dem

    try:
        dem = load_dem(options.terrain)
    except TerrainError as exc:
        raise InputError(options.terrain, f"--terrain: {exc}") from None
    to_dem = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True)

    def at(lat: float, lon: float) -> float:
        x, y = to_dem.transform(lon, lat)
        z = float(dem.elevation_at(x, y))
        return z if math.isfinite(z) else 0.0

    return at


def _clip(text: object, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."
