"""What every laydown importer shares: options, the result, type-name suggestions, the network's wiring,
the terrain and origin, the duration, and the validated, atomic write of the scenario.

Decisions (documented in docs/interop.md):

- Positions are written as lat/lon (WGS 84). Without a DEM the terrain is flat at 0 m, centred on the
  laydown's centroid (``origin``), its side covering every position with a 20 km margin.
- Links follow :func:`wire` (a battery's own radars cue and guide it; sensors report to the nearest
  command post, which cues every fire-control radar; without a command post the sensors cue the fire
  units directly). Their latencies are assumptions, stated in the written file.
- The duration covers the longest raid or flight (its start, its spacing, its route at the type's cruise
  speed) with 10 % and 2 minutes to spare, rounded up to a whole minute.
- A DEM given with ``--terrain`` is read once up front (:func:`load_terrain`; a bad one is a one-line error
  naming ``--terrain``) and written relative to the scenario's folder.
- Bounds: at most :data:`MAX_UNITS` units and :data:`MAX_LINKS` links (the scenario's own limits), refused
  before they are built; ids are made in O(1) each (:class:`IdMaker`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from iadsim.scenario.catalog import Catalog, LauncherType, RadarType
from iadsim.scenario.yamlio import InputError, InputErrors, format_loc

TRACKS_LATENCY = "2 s"  # a sensor's picture to a command post, and between command posts (assumed)
CUES_LATENCY = "2 s"  # a command post's or a sensor's cue to a fire-control radar (assumed)
BATTERY_CUES_LATENCY = "1 s"  # a battery's own search radar to its fire-control radar (assumed)
FIRE_CONTROL_LATENCY = "0.2 s"  # a fire-control radar guiding its launchers (assumed)
FLAT_MARGIN = 20e3  # flat terrain reaches this far beyond the outermost position [m]
MAX_UNITS = 2_000  # the scenario's limit on units (ScenarioSpec.units)
MAX_LINKS = 20_000  # the scenario's limit on links (ScenarioSpec.links)
MAX_FLAT_EXTENT = 5_000e3  # the widest flat terrain a scenario takes (terrain.extent) [m]


@cache
def geod():
    """The WGS 84 ellipsoid's geodesics (pyproj's Geod, built once)."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


@cache
def guidance_table() -> dict[str, frozenset[str]]:
    """Which launcher types each fire-control type guides (``guidance.yaml``): a guider (a fire-control radar,
    or a launcher with its own radar) -> the launcher types without a radar that it may guide."""
    import yaml

    text = resources.files("iadsim.scenario.importers").joinpath("guidance.yaml").read_text(encoding="utf-8")
    return {k: frozenset(v or ()) for k, v in yaml.safe_load(text)["guides"].items()}


def format_version() -> int:
    """The scenario format version an importer writes (the current one)."""
    from iadsim.scenario.versions import CURRENT

    return CURRENT["scenario"]


def check_unit_count(source: Path, count: int) -> None:
    """Refuse a laydown of more than :data:`MAX_UNITS` units before anything is built for them."""
    if count > MAX_UNITS:
        raise InputError(source, f"has {count} units; a scenario holds at most {MAX_UNITS}")


@lru_cache(maxsize=1)
def load_terrain(path: Path):
    """The DEM given with ``--terrain`` read with iadsim's terrain loader (once per path): InputError naming
    ``--terrain`` when it cannot be read."""
    from iadsim.terrain.dem import TerrainError, load_dem

    try:
        return load_dem(path)
    except TerrainError as exc:
        raise InputError(path, f"--terrain: {_clip(exc, 160)}") from None
    except (OSError, ValueError, MemoryError) as exc:
        raise InputError(path, f"--terrain: not a DEM iadsim can read ({type(exc).__name__})") from None


class IdMaker:
    """``stem-1``, ``stem-2``... not yet taken, in O(1) per id: a counter per stem, and the set of ids taken
    (compared ignoring case when ``fold``)."""

    def __init__(self, fold: bool = False) -> None:
        self.taken: set[str] = set()
        self.next: dict[str, int] = {}
        self.fold = fold

    def _key(self, ident: str) -> str:
        return ident.lower() if self.fold else ident

    def take(self, ident: str) -> None:
        self.taken.add(self._key(ident))

    def __contains__(self, ident: str) -> bool:
        return self._key(ident) in self.taken

    def fresh(self, stem: str, first: int = 1, bare: bool = False) -> str:
        """The first free id of ``stem`` (``stem`` itself when ``bare`` and free, else ``stem-n`` from ``first``
        on), taken."""
        if bare and stem not in self:
            self.take(stem)
            return stem
        key = self._key(stem)
        n = self.next.get(key, first)
        while f"{stem}-{n}" in self:
            n += 1
        self.next[key] = n + 1
        made = f"{stem}-{n}"
        self.take(made)
        return made


@dataclass(frozen=True)
class ImportOptions:
    """Options of ``iadsim import``: a DEM for the terrain (else flat at 0 m), the Skynet-IADS prefixes of
    DCS group names (SAM sites and early-warning radars), and the scenario's name (default: the file's)."""

    terrain: Path | None = None
    sam_prefix: str = "SAM"
    ew_prefix: str = "EW"
    name: str | None = None


@dataclass
class Imported:
    """A laydown read from another tool's file: the scenario document it makes and what to tell the user."""

    source: Path
    fmt: str
    document: dict
    warnings: list[str] = field(default_factory=list)
    sources: dict[tuple[str, int], tuple[str, int | None]] = field(default_factory=dict)
    """Where each entry came from: (group, index) such as ("units", 3) -> (a description such as "feature 7
    ('ew-1')", its line in the source file or None); a validation error on the entry names it."""


def nearest_names(name: str, choices: Iterable[str], n: int = 3) -> str:
    """``"nearest: a, b, c"`` for an unknown ``name`` (close matches first, else the first names); empty when
    there are no choices."""
    names = sorted(set(choices))
    by_lower: dict[str, str] = {}
    for c in names:
        by_lower.setdefault(c.lower(), c)
    close = [by_lower[c] for c in difflib.get_close_matches(name.lower(), by_lower, n=n, cutoff=0.3)]
    shown = close or names[:n]
    return f"nearest: {', '.join(shown)}" if shown else ""


def unknown_type(source: Path, line: int | None, where: str, name: str, catalog: Catalog,
                 kinds: Iterable[str] | None = None) -> InputError:
    """An InputError for a type ``name`` the catalog does not have, listing the nearest catalog names (of the
    given kinds); ``where`` names the field (``features[3].properties.type``)."""
    kinds = set(kinds) if kinds is not None else None
    ids = [k for k, v in catalog.types.items() if kinds is None or v.kind in kinds]
    hint = nearest_names(name, ids)
    return InputError(source, f"{where}: unknown type '{_clip(name)}'" + (f"; {hint}" if hint else ""), line)


def _clip(text: str, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def roles(unit_type: str, catalog: Catalog) -> set[str]:
    """What a unit of this catalog type does in the network: ``sensor`` (reports a picture), ``early-warning``,
    ``guider`` (a fire-control radar, or a launcher with its own), ``launcher`` (fires missiles), ``needs-guider``
    (a launcher without a radar of its own), ``command-post``."""
    entry = catalog.types[unit_type]
    out: set[str] = set()
    if isinstance(entry, RadarType):
        out.add("sensor")
        if entry.role == "fire-control":
            out.add("guider")
        elif entry.role == "early-warning":
            out.add("early-warning")
    elif isinstance(entry, LauncherType):
        out.add("launcher")
        out.add("guider" if entry.radar is not None else "needs-guider")
    elif entry.kind == "command-post":
        out.add("command-post")
    elif entry.kind in ("esm", "irst"):
        out.add("sensor")
    return out


def wire(units: list[dict], groups: Mapping[str, str | None], catalog: Catalog,
         positions: Mapping[str, tuple[float, float]], *, source: Path | str = "the laydown",
         limit: int = MAX_LINKS) -> tuple[list[dict], list[str]]:
    """Links for imported units, and warnings for fire units left without a radar to guide them.

    ``groups`` maps a unit id to its battery (None: on its own); ``positions`` maps it to (lat, lon). Within a
    battery, its search radars cue its fire-control radars (and launchers with their own radar), which guide
    those of its launchers without a radar that they are compatible with (:func:`guidance_table`: an
    engagement radar its launchers, a TELAR its launcher-loaders; a pair of types not in the table, such as a
    user's catalog type, is not wired, with a warning). Every sensor not guiding missiles reports its tracks to
    the nearest command post; command posts share tracks both ways and each cues every fire-control radar.
    Without a command post, each such sensor cues every fire-control radar directly. A launcher needing a radar
    that its battery does not have is left unguided (as reported in the story: "not even hooked up to radar"),
    with a warning. The links are counted before they are built: more than ``limit`` (the scenario's
    :data:`MAX_LINKS`) is an InputError naming ``source``.
    """
    from collections import Counter

    role = {u["id"]: roles(u["type"], catalog) for u in units}
    kind = {u["id"]: u["type"] for u in units}
    guides = guidance_table()
    batteries: dict[str, list[str]] = {}
    for u in units:
        if groups.get(u["id"]) is not None:
            batteries.setdefault(groups[u["id"]], []).append(u["id"])
    posts = [u["id"] for u in units if "command-post" in role[u["id"]]]
    sensors = [u["id"] for u in units if "sensor" in role[u["id"]] and "guider" not in role[u["id"]]]
    guiders = [u["id"] for u in units if "guider" in role[u["id"]]]

    plans = {}  # battery -> (search, guiders, needy)
    count = 0
    for name, members in batteries.items():
        plan = ([m for m in members if "sensor" in role[m] and "guider" not in role[m]],
                [m for m in members if "guider" in role[m]], [m for m in members if "needs-guider" in role[m]])
        plans[name] = plan
        needy_types = Counter(kind[n] for n in plan[2])
        count += len(plan[0]) * len(plan[1])
        count += sum(needy_types[t] for g in plan[1] for t in guides.get(kind[g], ()))
    if posts:
        count += len(sensors) + len(posts) * (len(posts) - 1) + len(posts) * len(guiders)
    else:
        same = sum(len(search) * len(own) for search, own, _ in plans.values())
        count += len(sensors) * len(guiders) - same
    if count > limit:
        raise InputError(source, f"its laydown would need {count} links; a scenario holds at most {limit}: put the "
                                 "units in batteries and give the network a command post")

    links: list[dict] = []
    warnings: list[str] = []

    def link(a: str, b: str, carries: str, latency: str) -> None:
        links.append({"from": a, "to": b, "carries": carries, "latency": latency})

    unlisted: set[tuple[str, str]] = set()
    for name, (search, own, needy) in plans.items():
        for s in search:
            for g in own:
                link(s, g, "cues", BATTERY_CUES_LATENCY)
        guided = set()
        for g in own:
            for n in needy:
                if kind[n] in guides.get(kind[g], ()):
                    link(g, n, "fire-control", FIRE_CONTROL_LATENCY)
                    guided.add(n)
                elif kind[g] not in guides or not any(kind[n] in v for v in guides.values()):
                    unlisted.add((kind[g], kind[n]))
        left = [n for n in needy if n not in guided]
        if left:
            why = "no fire-control radar" if not own else "no fire-control radar of a type that guides them"
            warnings.append(f"battery '{name}': launchers {', '.join(left)} have {why} in their battery: they "
                            "cannot engage (not hooked up to a radar)")
    if unlisted:
        shown = ", ".join(f"{g} -> {n}" for g, n in sorted(unlisted))
        warnings.append(f"fire-control pairs not in the guidance table (guidance.yaml), left unwired: {shown}")
    alone = [u["id"] for u in units if groups.get(u["id"]) is None and "needs-guider" in role[u["id"]]]
    if alone:
        warnings.append(f"launchers {', '.join(alone)} belong to no battery with a fire-control radar: they cannot "
                        f"engage (not hooked up to a radar)")
    if posts:
        for s in sensors:
            near = min(posts, key=lambda p: _distance(positions[s], positions[p]))
            link(s, near, "tracks", TRACKS_LATENCY)
        for a in posts:
            for b in posts:
                if a != b:
                    link(a, b, "tracks", TRACKS_LATENCY)
            for g in guiders:
                link(a, g, "cues", CUES_LATENCY)
    else:
        for s in sensors:
            for g in guiders:
                if groups.get(s) is None or groups.get(s) != groups.get(g):
                    link(s, g, "cues", CUES_LATENCY)
    return links, warnings


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance [m] between (lat, lon) points (spherical; for choosing the nearest only)."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def terrain_and_origin(points: Iterable[tuple[float, float]], options: ImportOptions, out: Path | None = None,
                       source: Path | str = "the laydown") -> dict:
    """The ``terrain`` and ``origin`` entries for positions ``points`` (lat, lon): the DEM given (its path
    relative to the folder of ``out``, the scenario file; absolute when ``out`` is None, and then made relative by
    :func:`write_scenario`), else flat at 0 m centred on the points' centroid and covering them. A laydown too
    wide for flat terrain (:data:`MAX_FLAT_EXTENT`) is an InputError naming ``source`` and its span."""
    pts = list(points)
    if not pts:
        raise ValueError("no positions")
    lat0 = sum(p[0] for p in pts) / len(pts)
    lon0 = _mean_longitude([p[1] for p in pts])
    origin = {"lat": round(lat0, 6), "lon": round(lon0, 6)}
    if options.terrain is not None:
        dem = Path(options.terrain).resolve()
        rel = dem if out is None else Path(os.path.relpath(dem, Path(out).resolve().parent))
        return {"terrain": {"source": rel.as_posix()}, "origin": origin}
    _, _, dist = geod().inv([lon0] * len(pts), [lat0] * len(pts), [p[1] for p in pts], [p[0] for p in pts])
    reach = max(abs(d) for d in dist)
    side = math.ceil((2 * (reach + FLAT_MARGIN)) / 10e3) * 10
    if side * 1e3 > MAX_FLAT_EXTENT:
        raise InputError(source, f"the laydown spans {2 * reach / 1e3:.0f} km: too wide for flat terrain (at most "
                                 f"{MAX_FLAT_EXTENT / 1e3:.0f} km square); give --terrain")
    return {"terrain": {"flat": "0 m", "extent": f"{side} km"}, "origin": origin}


def _mean_longitude(lons: list[float]) -> float:
    """The circular mean of longitudes (a laydown across the antimeridian stays there)."""
    s = sum(math.sin(math.radians(v)) for v in lons)
    c = sum(math.cos(math.radians(v)) for v in lons)
    return math.degrees(math.atan2(s, c))


def circle_edge(asset: dict) -> Iterable[tuple[float, float]]:
    """Four points (lat, lon) on a defended asset's circle (north, east, south, west; its ``radius`` written as
    "N m"): the terrain must cover it."""
    radius = float(asset["radius"].split()[0])
    for azimuth in (0, 90, 180, 270):
        lon, lat, _ = geod().fwd(asset["lon"], asset["lat"], azimuth, radius)
        yield lat, lon


def laydown_document(name: str, description: str, units: list[dict], links: list[dict], assets: list[dict],
                     threats: list[dict], traffic: list[dict], catalog: Catalog, options, source: Path) -> dict:
    """The scenario mapping every importer writes, in the file's order: format, name, description, a duration
    covering every flight (:func:`duration_for`), the terrain and origin covering every unit, waypoint and asset
    circle (:func:`terrain_and_origin`), then the assets, units, links, threats and traffic (empty groups left
    out, but units always)."""
    points = [(u["lat"], u["lon"]) for u in units]
    points += [(w["lat"], w["lon"]) for f in threats + traffic for w in f["route"]]
    points += [p for a in assets for p in circle_edge(a)]
    document: dict = {"format_version": format_version(), "name": name, "description": description,
                      "duration": duration_for(threats + traffic, catalog),
                      **terrain_and_origin(points, options, source=source)}
    if assets:
        document["defended_assets"] = assets
    document["units"] = units
    for key, value in (("links", links), ("threats", threats), ("traffic", traffic)):
        if value:
            document[key] = value
    return document


def duration_for(flights: Iterable[dict], catalog: Catalog) -> str:
    """A scenario duration covering every flight (``threats`` and ``traffic`` entries with lat/lon waypoints):
    its start, the spacing of its aircraft and its route flown at the waypoints' speeds or the type's cruise
    speed (a leg at the speed of the waypoint it starts from, as the engine flies it), with 10 % and 2 minutes
    to spare, rounded up to whole minutes (at least 5 minutes). A value that does not read (a start without a
    unit, a count that is not a number) counts as its default here: the scenario's validation reports it."""
    longest = 0.0
    for f in flights:
        cruise = catalog.types[f["type"]].cruise_speed.value
        count = f.get("count", 1)
        count = count if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 10_000 else 1
        t = _seconds(f.get("start"), 0.0) + (count - 1) * _seconds(f.get("spacing"), 30.0)
        route = f["route"]
        for a, b in zip(route, route[1:], strict=False):
            _, _, d = geod().inv(a["lon"], a["lat"], b["lon"], b["lat"])
            speed = _quantity(a.get("speed"), "speed", cruise)
            t += abs(d) / max(speed, 1.0)
        longest = max(longest, t)
    return f"{max(5, math.ceil((1.1 * longest + 120) / 60))} min"


def _seconds(value, default: float) -> float:
    return _quantity(value, "time", default)


def _quantity(value, dimension: str, default: float) -> float:
    """``value`` in SI units, or ``default`` when it is absent or does not read."""
    from iadsim.units import UnitError, parse_quantity

    if value is None:
        return default
    try:
        out = parse_quantity(value, dimension)
    except UnitError:
        return default
    return out if math.isfinite(out) and out >= 0 else default


def write_scenario(imported: Imported, out: Path, options: ImportOptions) -> None:
    """Write ``imported.document`` as a scenario YAML file at ``out``, validated first: it is written to a
    temporary file beside ``out`` (so that relative paths resolve as they will), loaded as a scenario, and only
    then renamed to ``out`` (permissions as the umask gives a new file). A laydown that does not validate raises
    InputError naming the source file (and the feature an entry came from, :attr:`Imported.sources`) and writes
    nothing: an earlier ``out`` stays as it was, and folders created for it are removed. An absolute DEM path is
    written relative to the scenario's folder."""
    import stat

    import yaml

    from iadsim.scenario.edit import write_validated

    out = Path(out)
    if out.is_dir():
        raise InputError(out, "is a folder; --out names the scenario file to write")
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(out, "--out: name the scenario file to write, e.g. laydown.yaml")
    if out.exists() and not stat.S_ISREG(out.stat().st_mode):
        raise InputError(out, "is not a regular file (a device or pipe); iadsim writes only regular files")
    if out.parent.exists() and not out.parent.is_dir():
        raise InputError(out.parent, "is a file, not a folder; choose another --out")
    document = dict(imported.document)
    terrain = document.get("terrain")
    if isinstance(terrain, dict) and isinstance(terrain.get("source"), str) and Path(terrain["source"]).is_absolute():
        rel = os.path.relpath(terrain["source"], out.resolve().parent)
        document["terrain"] = {**terrain, "source": Path(rel).as_posix()}
    header = (f"# Imported from {_clip(imported.source.name, 120)} ({imported.fmt}) by `iadsim import` on "
              f"{dt.date.today().isoformat()}.\n"
              "# Check the types, batteries and links; link latencies, readiness and crews are iadsim's defaults "
              "(assumed).\n")
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120,
                                   default_flow_style=None)
    created = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_validated(text, out, lambda exc: _invalid(imported, exc))
    except BaseException:
        for folder in created:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _invalid(imported: Imported, exc: InputError) -> InputError:
    """The scenario's validation error as the source file's: the feature the entry came from, and its line."""
    origin = imported.sources.get(tuple(exc.loc[:2])) if len(exc.loc) >= 2 else None
    where = f"{format_loc(exc.loc)}: " if exc.loc else ""
    more = len(exc.errors) - 1 if isinstance(exc, InputErrors) else 0
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    if origin is not None:
        return InputError(imported.source, f"{origin[0]}: {where}{exc.message}{tail}", origin[1])
    return InputError(imported.source, f"the imported laydown is not a valid scenario: {where}{exc.message}{tail}")
