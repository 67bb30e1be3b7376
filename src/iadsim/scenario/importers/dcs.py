"""Laydowns from DCS World missions (.miz), read with pydcs (LGPL-3.0; the optional extra ``iadsim[dcs]``).

Decisions (documented in docs/interop.md, section "Laydowns from DCS missions"):

- The file is checked before pydcs sees it: at most 50 MB, a zip archive of at most 2,000 members and
  200 MB uncompressed, with a ``mission`` member. pydcs then reads a copy holding only the four Lua tables
  it needs (mission, options, warehouses, dictionary), each read with its own bound whatever its header says
  (``mission`` 25 MB, the others 5 MB), so nothing else of the archive is ever extracted to disk. pydcs
  parses the Lua text with its own parser (``dcs.lua.parse``): nothing is executed. Any failure of pydcs is
  one line naming the file.
- Types go through the data table ``dcs_types.yaml``, which lists every pydcs air-defence ground type and
  aircraft type (DCS type -> catalog type; ``null``: known, not modelled, skipped with one warning counting
  them per type). Mapped types whose catalog class is another variant (S-300PS, Buk-M1) are named in a
  warning on every import that meets them. Ground types pydcs knows that are not air defence (trucks) are
  skipped likewise. A type neither the table nor pydcs knows (a mod's) in a SAM or EW group, or in an
  attacking aircraft group, is an error naming the nearest table entries of its category (ground or
  aircraft); elsewhere it is skipped with the same warning.
- The defence is the coalition whose ground groups or units use the Skynet-IADS prefixes; when neither or
  both do, the one owning the most mapped air-defence ground units (a tie goes to red, the side Skynet-IADS
  missions usually defend). The other coalition's air defence is left out with a warning.
- Skynet-IADS naming (over the defence's groups only): a ground group whose name starts with the SAM prefix
  is a SAM site of the network; a group whose name starts with the EW prefix is an early-warning site of it,
  and a unit whose name does is an early-warning radar of it (that unit only, not its group); a group of
  command posts only is the network's command centre (Skynet adds those by script). Each DCS group is a
  battery. Networked units are wired together by :func:`~common.wire`; any other air-defence group is an
  autonomous battery, wired inside itself only (with a warning). A defence with no prefixed name at all has
  no network: every group is autonomous, with a warning to give ``--sam-prefix``/``--ew-prefix``.
- The attacking coalition's aircraft groups are raids (one per group and type: ``count`` its aircraft,
  10 s apart, an assumption for a formation); civil airliner types of any coalition are traffic. The
  defence's own and neutral military aircraft are left out with a warning. Waypoint altitudes: all BARO
  -> ``msl``, all RADIO -> ``agl``; a route mixing both is written ``agl``, its BARO altitudes less the
  terrain's elevation there (0 m on flat terrain). Speeds are DCS's (m/s): DCS stores at waypoint N the speed
  of the leg arriving at N, iadsim flies leg i at waypoint i's speed, so waypoint i gets DCS waypoint i+1's
  (the last none). Uncontrolled groups (parked until a trigger starts them), late-activated ones and groups
  spawning with a probability below 100 % are imported as always there, with a warning.
- Defended assets are the mission's circular trigger zones (name, centre, radius); each raid attacks the
  asset nearest its route's end (none: it flies its route).
- Positions come from pydcs's theatre projection (``Point.latlng()``: the theatre's Transverse Mercator
  through pyproj) as WGS 84 lat/lon; a position that is not finite (``1e999`` reads as inf) is an error
  naming its group and unit. Ids are the DCS names with other characters replaced by ``-``, made unique with
  ``-2``, ``-3``. Each entry's source (group, unit, zone) is recorded, so a validation error names it.
- A DEM (``--terrain``) is written as an absolute path here; :func:`~common.write_scenario` writes it relative
  to the scenario's folder.
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
    MAX_LINKS,
    MAX_UNITS,
    IdMaker,
    Imported,
    ImportOptions,
    check_unit_count,
    geod,
    laydown_document,
    load_terrain,
    nearest_names,
    roles,
    wire,
)
from iadsim.scenario.yamlio import InputError, read_bytes

MAX_MIZ_BYTES = 50_000_000  # largest .miz read (compressed)
MAX_UNZIPPED_BYTES = 200_000_000  # largest total of its members, uncompressed, as the headers say (zip bombs)
MAX_MEMBERS = 2_000  # most members in the archive
LUA_MEMBERS = {  # what pydcs needs to load a mission -> the most it may unpack to
    "mission": 25_000_000,
    "options": 5_000_000,
    "warehouses": 5_000_000,
    "l10n/DEFAULT/dictionary": 5_000_000,
}
FORMATION_SPACING = "10 s"  # between the aircraft of one DCS group flying as a formation (assumed)
SIDES = ("red", "blue")
MAX_NAME = 200  # the scenario's name, clipped


@cache
def _table() -> dict:
    import yaml

    text = resources.files("iadsim.scenario.importers").joinpath("dcs_types.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def ground_table() -> dict[str, str | None]:
    """Air-defence ground types: DCS type -> catalog type (``None``: known, not modelled)."""
    return dict(_table()["ground"])


def aircraft_table() -> dict[str, str | None]:
    """Aircraft types: DCS type -> catalog type (``None``: known, not modelled)."""
    return dict(_table()["aircraft"])


def approximations() -> dict[str, str]:
    """Mapped DCS types whose catalog class is another variant or radar -> what the DCS unit is to it."""
    return dict(_table()["approximations"])


@cache
def mapping_table() -> dict[str, str | None]:
    """The DCS type -> catalog type table (``dcs_types.yaml``, both categories), ``None`` for types known but
    not modelled."""
    return {**ground_table(), **aircraft_table()}


def read(source: Path, options: ImportOptions, fmt: str = "dcs") -> Imported:
    """Read the DCS mission ``source`` as a scenario document (see the module's decisions)."""
    try:
        import dcs  # noqa: F401
    except ImportError:
        raise InputError(source, "reading DCS missions needs pydcs: pip install 'iadsim[dcs]'") from None
    from iadsim.scenario import builtin_catalog

    mission = _load(source, _lua_members(source))
    catalog = builtin_catalog()
    warnings: list[str] = []
    ids = IdMaker(fold=True)
    sources: dict[tuple[str, int], tuple[str, int | None]] = {}

    elevation = _elevations(options)
    try:
        defence, attacker = _sides(mission, options, warnings)
        units, wiring, positions = _ground(source, mission, defence, options, catalog, ids, sources, warnings)
        assets = _assets(source, mission, ids, sources, warnings)
        threats, traffic = _flights(source, mission, attacker, elevation, catalog, ids, assets, sources, warnings)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        # pydcs keeps the file's values as they are: a name, type or altitude of the wrong kind lands here
        raise InputError(source, f"not a DCS mission iadsim can read: a value of an unexpected kind "
                                 f"({type(exc).__name__})") from None

    links: list[dict] = []
    for battery_of in wiring.values():  # the network, then each autonomous group on its own
        more, notes = wire([u for u in units if u["id"] in battery_of], battery_of, catalog, positions,
                           source=source, limit=MAX_LINKS - len(links))
        links += more
        warnings += notes

    name = "".join(c if c.isprintable() else "-" for c in (options.name or source.stem)).strip()
    # a DEM's path is absolute here: write_scenario writes it relative to the scenario's folder
    document = laydown_document(
        name[:MAX_NAME] or "dcs-mission",
        f"Imported from the DCS mission {_clip(source.name, 120)} ({mission.terrain.name}); the defence is the "
        f"{defence} coalition.", units, links, assets, threats, traffic, catalog, options, source)
    return Imported(source=source, fmt=fmt, document=document, warnings=warnings, sources=sources)


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
            for name, cap in LUA_MEMBERS.items():
                too_big = InputError(source, f"its '{name}' member unpacks to more than {cap / 1e6:g} MB; not a DCS "
                                             "mission iadsim reads")
                if archive.getinfo(name).file_size > cap:
                    raise too_big
                with archive.open(name) as member:
                    data = member.read(cap + 1)
                if len(data) > cap:
                    raise too_big
                _check_tokens(source, name, data)
                out[name] = data
            return out
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError) as exc:
        raise InputError(source, f"not a readable DCS mission: a damaged zip archive ({type(exc).__name__})"
                         ) from None


LUA_TOKEN_WORK = 2.5e11
"""The most pydcs's Lua reader may be given to do, as the sum over a member's strings and numbers of their lengths
squared: it builds each a character at a time, in time that grows with its length squared (about 1.1e-11 s per
character squared: a 400,000-character string takes 1.7 s, one of 5,000,000 about 5 minutes). This bound keeps a
member's reading to a few seconds; a real mission's texts are some thousands of characters."""
# comments first, as pydcs skips them (a quote in one is no string); a string runs to its closing quote or to the
# end, and a comment to its end (so that no match fails and is tried again further on: linear)
_LUA_TOKEN = re.compile(rb'--\[\[.*?(?:\]\]|\Z)|--[^\n]*|"(?:[^"\\]|\\.)*(?:"|\\?\Z)|\'(?:[^\'\\]|\\.)*(?:\'|\\?\Z)'
                        rb'|[0-9][0-9.]*(?:[eE][+-]?[0-9]*)?', re.DOTALL)


def _check_tokens(source: Path, name: str, data: bytes) -> None:
    """Refuse a Lua member whose strings and numbers would take pydcs too long to read (:data:`LUA_TOKEN_WORK`),
    naming the longest and its line; linear in the member's size."""
    work, longest, where = 0.0, 0, 0
    for match in _LUA_TOKEN.finditer(data):
        n = match.end() - match.start()
        if n > 1000 and not match.group().startswith(b"--"):  # (a comment costs pydcs nothing; short ones neither)
            work += float(n) * n
            if n > longest:
                longest, where = n, match.start()
    if work > LUA_TOKEN_WORK:
        line = data.count(b"\n", 0, where) + 1
        raise InputError(source, f"its '{name}' member, line {line}: a string or number of {longest:,} characters "
                                 "(pydcs reads text in a time that grows with its length squared); not a DCS mission "
                                 "iadsim reads")


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


# --- ids and positions --------------------------------------------------------------------------------


def _id(ids: IdMaker, name: object, fallback: str) -> str:
    """A valid, unique scenario id from a DCS name (one namespace for units, assets, raids and flights)."""
    # other characters become '-'; stripping '-', '_' and '.' leaves a letter or digit first
    base = re.sub(r"[^A-Za-z0-9_.\-]+", "-", str(name)).strip("-_.")[:56] or fallback
    return ids.fresh(base, first=2, bare=True)


def _latlon(source: Path, where: str, position) -> tuple[float, float]:
    """(lat, lon) of a pydcs position, refused in one line naming ``where`` when it is not finite."""
    x, y = float(position.x), float(position.y)
    ll = position.latlng() if math.isfinite(x) and math.isfinite(y) else None
    if ll is None or not (math.isfinite(ll.lat) and math.isfinite(ll.lng) and abs(ll.lat) <= 90):
        raise InputError(source, f"{where}: its position is not a finite number (x {x:g}, y {y:g})")
    return float(ll.lat), float(ll.lng)


# --- coalitions and ground units ----------------------------------------------------------------------


def _countries(mission, side: str):
    coalition = mission.coalition.get(side)
    return list(coalition.countries.values()) if coalition is not None else []


def _vehicle_groups(mission, side: str) -> list:
    return [g for c in _countries(mission, side) for g in c.vehicle_group]


def _air_defence_count(mission, side: str) -> int:
    table = ground_table()
    return sum(1 for g in _vehicle_groups(mission, side) for u in g.units if table.get(str(u.type)) is not None)


def _prefixed(name: object, prefix: str) -> bool:
    return bool(prefix) and str(name).startswith(prefix)


def _uses_prefixes(mission, side: str, options: ImportOptions) -> bool:
    """Whether a ground group of ``side`` is named with the SAM or EW prefix, or one of its units with EW's."""
    return any(_prefixed(g.name, options.sam_prefix) or _prefixed(g.name, options.ew_prefix)
               or any(_prefixed(u.name, options.ew_prefix) for u in g.units) for g in _vehicle_groups(mission, side))


def _sides(mission, options: ImportOptions, warnings: list[str]) -> tuple[str, str]:
    """(defence, attacker): the coalition using the Skynet prefixes; when neither or both do, the one with the
    most mapped air-defence ground units (tie: red)."""
    counts = {s: _air_defence_count(mission, s) for s in SIDES}
    users = [s for s in SIDES if _uses_prefixes(mission, s, options)]
    if len(users) == 1:
        defence = users[0]
    else:
        defence = max(SIDES, key=lambda s: (counts[s], s == "red"))
    attacker = "blue" if defence == "red" else "red"
    if counts[attacker]:
        why = "names its air defence with the Skynet prefixes" if len(users) == 1 else "has more of it"
        warnings.append(f"both coalitions have air defence: the {defence} one ({counts[defence]} units), which "
                        f"{why}, is imported; the {attacker} one ({counts[attacker]} units) is left out")
    return defence, attacker


def _ground(source, mission, defence, options, catalog, ids, sources, warnings):
    """The defence's air-defence units, how to wire them and their positions: (units, wiring, positions),
    ``wiring`` mapping each set wired on its own (``network``; ``alone:GROUP`` for each autonomous group) to
    {unit id: battery}, and ``positions`` a unit id to (lat, lon)."""
    from dcs.vehicles import vehicle_map

    table, approx = ground_table(), approximations()
    any_prefix = _uses_prefixes(mission, defence, options)
    units: list[dict] = []
    positions: dict[str, tuple[float, float]] = {}
    network: dict[str, str] = {}
    alone: dict[str, dict[str, str]] = {}
    skipped: dict[str, int] = {}
    met: set[str] = set()
    chance: list[str] = []
    batteries = IdMaker(fold=True)  # battery names: labels for the wiring and warnings, not scenario ids
    for g in _vehicle_groups(mission, defence):
        sam = _prefixed(g.name, options.sam_prefix)
        ew_group = _prefixed(g.name, options.ew_prefix)
        kept = []
        for u in g.units:
            ew = ew_group or _prefixed(u.name, options.ew_prefix)
            kind = str(u.type)
            if kind not in table and kind not in vehicle_map and (sam or ew):
                hint = nearest_names(kind, table)
                raise InputError(source, f"group '{_clip(g.name)}', unit '{_clip(u.name)}': unknown DCS type "
                                         f"'{_clip(kind)}' (not in the DCS mapping table)"
                                         + (f"; {hint}" if hint else ""))
            target = table.get(kind)
            if target is None:
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            met.add(kind)
            kept.append((u, target, ew))
        if not kept:
            continue
        if len(units) + len(kept) > MAX_UNITS:
            check_unit_count(source, len(units) + len(kept))
        if _chance(g) < 1.0:
            chance.append(str(g.name))
        battery = batteries.fresh(re.sub(r"\s+", " ", str(g.name)).strip()[:60] or "group", first=2, bare=True)
        posts_only = all("command-post" in roles(t, catalog) for _, t, _ in kept)
        for u, target, ew in kept:
            where = f"group '{_clip(g.name)}', unit '{_clip(u.name)}'"
            uid = _id(ids, u.name, "unit")
            lat, lon = _latlon(source, where, u.position)
            positions[uid] = (lat, lon)
            sources[("units", len(units))] = (where, None)
            units.append({"id": uid, "type": target, "lat": round(lat, 7), "lon": round(lon, 7)})
            networked = any_prefix and (sam or ew or posts_only)
            (network if networked else alone.setdefault(battery, {}))[uid] = battery
    if not units:
        raise InputError(source, f"no ground units: the {defence} coalition has no air-defence ground unit of a "
                                 f"type in the DCS mapping table ({sum(skipped.values())} ground units of other "
                                 "types)")
    if skipped:
        shown = ", ".join(f"{_clip(t, 30)} ({n})" for t, n in sorted(skipped.items())[:30])
        more = f" and {len(skipped) - 30} more types" if len(skipped) > 30 else ""
        warnings.append(f"{sum(skipped.values())} ground units of types iadsim does not model (or that are no air "
                        f"defence) were left out, by DCS type: {shown}{more}")
    for kind in sorted(met & set(approx)):
        target = table[kind]
        warnings.append(f"DCS '{kind}' imported as {target}, the catalog's {catalog.types[target].label} class: "
                        f"check its numbers (iadsim catalog --type {target}) against this {approx[kind]}")
    if chance:
        warnings.append(f"ground groups that spawn with a probability below 100 % are imported as always there: "
                        f"{_names(chance)}")
    if not any_prefix:
        warnings.append(f"no ground group or unit of the {defence} coalition is named with the Skynet-IADS prefixes "
                        f"'{options.sam_prefix}' or '{options.ew_prefix}': every air-defence group is an autonomous "
                        "battery, wired inside itself only; name the network's groups with those prefixes or give "
                        "--sam-prefix/--ew-prefix")
    elif alone:
        warnings.append(f"air-defence groups without the '{options.sam_prefix}' or '{options.ew_prefix}' prefix are "
                        f"autonomous batteries (wired inside themselves only): {_names(sorted(alone))}")
    sets = {"network": network} if network else {}
    sets.update({f"alone:{k}": v for k, v in alone.items()})
    return units, sets, positions


def _chance(group) -> float:
    value = getattr(group, "spawn_probability", 1.0)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 1.0


def _names(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(_clip(n, 40) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --- defended assets and flights ----------------------------------------------------------------------


def _assets(source, mission, ids, sources, warnings: list[str]) -> list[dict]:
    """The mission's circular trigger zones as defended assets (quadrilateral zones are left out)."""
    from dcs.triggers import TriggerZoneCircular

    assets, quads = [], 0
    for zone in mission.triggers.zones():
        if not isinstance(zone, TriggerZoneCircular):
            quads += 1
            continue
        if not (isinstance(zone.radius, int | float) and math.isfinite(zone.radius) and zone.radius > 0):
            continue
        where = f"trigger zone '{_clip(zone.name)}'"
        lat, lon = _latlon(source, where, zone.position)
        sources[("defended_assets", len(assets))] = (where, None)
        assets.append({"id": _id(ids, zone.name, "zone"), "lat": round(lat, 7), "lon": round(lon, 7),
                       "radius": f"{zone.radius:.0f} m"})
    if quads:
        warnings.append(f"{quads} quadrilateral trigger zones left out (defended assets are the circular ones)")
    if assets:
        warnings.append(f"the {len(assets)} circular trigger zones are the defended assets: remove those that "
                        "are not")
    return assets


def _flights(source, mission, attacker, elevation, catalog, ids, assets, sources, warnings):
    """(threats, traffic): the attacker's aircraft groups as raids, civil airliners of any coalition as
    traffic."""
    table = aircraft_table()
    threats: list[dict] = []
    traffic: list[dict] = []
    left: dict[str, int] = {}
    unmodelled: dict[str, int] = {}
    late, parked, chance = [], [], []
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
                    if side == attacker and target is None:
                        unmodelled[dcs_type] = unmodelled.get(dcs_type, 0) + count
                        continue
                    if not civil and (side != attacker or target == "?"):
                        why = "neutral" if side == "neutrals" else "of the defending coalition"
                        left[why] = left.get(why, 0) + count
                        continue
                    if len(g.points) < 2:
                        left["with fewer than two waypoints"] = left.get("with fewer than two waypoints", 0) + count
                        continue
                    name = g.name if len(by_type) == 1 else f"{g.name}-{dcs_type}"
                    flight = {"id": _id(ids, name, "flight"), "type": target, "count": count}
                    if count > 1:
                        flight["spacing"] = FORMATION_SPACING
                    start = float(getattr(g, "start_time", 0) or 0)
                    if start > 0:
                        flight["start"] = f"{start:g} s"
                    for flag, names in ((getattr(g, "late_activation", False), late),
                                        (getattr(g, "uncontrolled", False), parked), (_chance(g) < 1.0, chance)):
                        if flag is True and str(g.name) not in names:
                            names.append(str(g.name))
                    reference, route = _route(source, f"aircraft group '{_clip(g.name)}'", g.points, elevation)
                    group = "traffic" if civil else "threats"
                    sources[(group, len(traffic if civil else threats))] = (f"aircraft group '{_clip(g.name)}'",
                                                                          None)
                    if civil:
                        flight.update(transponder="on", altitude_reference=reference, route=route)
                        traffic.append(flight)
                        continue
                    if assets:
                        flight["target"] = _nearest(assets, route[-1])["id"]
                    flight.update(altitude_reference=reference, route=route)
                    threats.append(flight)
    if unmodelled:
        shown = ", ".join(f"{_clip(t, 30)} ({n})" for t, n in sorted(unmodelled.items()))
        warnings.append(f"aircraft of types iadsim does not model left out, by DCS type: {shown}")
    if left:
        warnings.append("aircraft left out: " + ", ".join(f"{n} {why}" for why, n in sorted(left.items())))
    for names, what in ((late, "activated late in DCS (by a trigger)"),
                        (parked, "uncontrolled in DCS (parked until a trigger starts them)"),
                        (chance, "spawning with a probability below 100 % in DCS")):
        if names:
            warnings.append(f"aircraft groups {what} are imported as flying from their start time: {_names(names)}")
    if threats and not assets:
        warnings.append("the mission has no circular trigger zone (defended asset): the raids fly their routes "
                        "and attack nothing")
    return threats, traffic


def _nearest(places: list[dict], point: dict) -> dict:
    """The place (with lat, lon) nearest ``point`` (geodesic on WGS 84)."""
    return min(places, key=lambda p: abs(geod().inv(point["lon"], point["lat"], p["lon"], p["lat"])[2]))


def _route(source: Path, where: str, points, elevation) -> tuple[str, list[dict]]:
    """(altitude_reference, waypoints) of a DCS route (see the module's decisions: waypoint i flies its leg at
    the speed DCS stores at waypoint i+1, the speed of the leg arriving there)."""
    kinds = {str(p.alt_type or "BARO").upper() for p in points}
    reference = "agl" if "RADIO" in kinds else "msl"
    route = []
    for k, p in enumerate(points):
        lat, lon = _latlon(source, f"{where}, waypoint {k}", p.position)
        altitude = float(p.alt)
        if reference == "agl" and str(p.alt_type or "BARO").upper() != "RADIO":
            altitude = max(0.0, altitude - elevation(lat, lon))
        w = {"lat": round(lat, 7), "lon": round(lon, 7), "altitude": f"{altitude:.0f} m"}
        arriving = points[k + 1].speed if k + 1 < len(points) else None
        if isinstance(arriving, int | float) and math.isfinite(arriving) and arriving > 1.0:
            w["speed"] = f"{arriving:.1f} m/s"
        route.append(w)
    return reference, route


def _elevations(options: ImportOptions):
    """The terrain's elevation [m] at (lat, lon): 0 on flat terrain, else the DEM's (NaN outside: 0)."""
    if options.terrain is None:
        return lambda lat, lon: 0.0
    from pyproj import Transformer

    dem = load_terrain(Path(options.terrain).resolve())
    to_dem = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True)

    def at(lat: float, lon: float) -> float:
        x, y = to_dem.transform(lon, lat)
        z = float(dem.elevation_at(x, y))
        return z if math.isfinite(z) else 0.0

    return at


def _clip(text: object, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."
