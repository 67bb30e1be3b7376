"""Load a scenario file: YAML -> validated models -> cross-checks -> geography resolved on the terrain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter, ValidationError

from iadsim.scenario import versions
from iadsim.scenario.catalog import AircraftType, Catalog, LauncherType, RadarType, load_catalog
from iadsim.scenario.models import DEFAULT_PROFICIENCY, Located, ProficiencyEffect, ScenarioSpec
from iadsim.scenario.yamlio import Document, InputError, InputErrors, describe, from_validation_errors, load_yaml

_ADAPTER = TypeAdapter(ScenarioSpec)


@dataclass(frozen=True)
class Site:
    """A resolved position: world x/y [m] in the terrain's metric grid and ground elevation [m MSL]."""

    x: float
    y: float
    ground: float


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its catalog, terrain and every position resolved to world metres."""

    spec: ScenarioSpec
    catalog: Catalog
    terrain: object  # iadsim.terrain.Dem
    path: Path
    sites: dict[str, Site]
    # flight id -> (n_waypoints, 3): world x, y and altitude above ground (AGL flights, which follow the
    # terrain between waypoints) or above mean sea level, as the flight's altitude_reference says
    routes: dict[str, np.ndarray] = field(repr=False)
    speeds: dict[str, np.ndarray] = field(repr=False)  # flight id -> (n_waypoints,) m/s
    origin_xy: tuple[float, float] = (0.0, 0.0)
    # the scenario's text when it is not the file at `path` (a variant made in memory, e.g. by
    # iadsim.Scenario.with_changes): what a run folder stores and hashes (None: the file at `path`)
    text: bytes | None = field(default=None, repr=False)
    # stand-off jammer id -> world (x, y) its beam points at (its `aim`, else the defended assets' centroid,
    # else the units')
    aims: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    def source_text(self) -> bytes:
        """The scenario as a file: its own text, else the bytes of the file at ``path``."""
        from iadsim.scenario.yamlio import MAX_BYTES, read_bytes

        return self.text if self.text is not None else read_bytes(self.path, MAX_BYTES, "scenario file")

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def _units(self) -> dict:
        return {u.id: u for u in self.spec.units}

    def unit(self, unit_id: str):
        """The scenario's unit with that id."""
        return self._units[unit_id]

    def unit_type(self, unit_id: str):
        unit = self.unit(unit_id)
        return self.catalog.types[unit.type]

    def proficiency(self, level: str) -> ProficiencyEffect:
        return self.spec.proficiency.get(level, DEFAULT_PROFICIENCY[level])

    def summary(self) -> str:
        """One line: what the scenario holds. Radars count those carried on launchers (TELARs) too."""
        s = self.spec
        radars = launchers = posts = 0
        for u in s.units:
            entry = self.catalog.types[u.type]
            radars += entry.kind == "radar" or (entry.kind == "launcher" and getattr(entry, "radar", None) is not None)
            launchers += entry.kind == "launcher"
            posts += entry.kind == "command-post"
        threats = sum(r.count for r in s.threats)
        civil = sum(t.count for t in s.traffic)
        return (
            f"{s.name}: {plural(radars, 'radar')}, {plural(launchers, 'fire unit')}, "
            f"{plural(posts, 'command post')}, {plural(len(s.links), 'link')}, "
            f"{plural(threats, 'threat')} in {plural(len(s.threats), 'raid')}, "
            f"{plural(civil, 'civil aircraft', 'civil aircraft')}, "
            f"{s.duration:g} s at {s.step:g} s steps, authority {s.authority.mode}"
        )


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 radar', '2 radars', '0 radars'."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def validate_spec(doc: Document) -> ScenarioSpec:
    """Pydantic validation with every error mapped to its file, line and field path."""
    if not isinstance(doc.data, dict):
        found = describe(doc.data)
        raise InputError(doc.file, f"expected a mapping of scenario fields, found {found}", doc.line_of(()))
    version = versions.file_version(doc, "scenario")  # a newer file is refused before its fields are read
    if version < versions.CURRENT["scenario"]:
        versions.migrate_data(doc.data, "scenario", version)
        doc.data["format_version"] = versions.CURRENT["scenario"]
    try:
        return _ADAPTER.validate_python(doc.data)
    except ValidationError as exc:
        raise from_validation_errors(doc, exc.errors(include_url=False)) from None


def check_references(spec: ScenarioSpec, catalog: Catalog, doc: Document) -> None:
    """Ids unique, catalog types of the right kind, links between existing units and of a sensible kind."""
    errors: list[InputError] = []
    seen: dict[str, tuple] = {}
    groups = [("units", spec.units), ("defended_assets", spec.defended_assets), ("threats", spec.threats),
              ("traffic", spec.traffic), ("jammers", spec.jammers)]
    for group, items in groups:
        for i, item in enumerate(items):
            if item.id in seen:
                first = _fmt(seen[item.id])
                errors.append(doc.error((group, i, "id"), f"duplicate id '{item.id}' (first used at {first})"))
            else:
                seen[item.id] = (group, i)
    units = {u.id: u for u in spec.units}
    for i, unit in enumerate(spec.units):
        entry = catalog.types.get(unit.type)
        if entry is None or entry.kind not in ("radar", "launcher", "command-post"):
            known = ", ".join(catalog.ids("radar") + catalog.ids("launcher") + catalog.ids("command-post"))
            errors.append(doc.error(("units", i, "type"), f"unknown unit type '{unit.type}'; known: {known}"))
        elif unit.missiles is not None and entry.kind != "launcher":
            errors.append(doc.error(("units", i, "missiles"), "only launchers carry missiles"))
    for group, items in (("threats", spec.threats), ("traffic", spec.traffic), ("jammers", spec.jammers)):
        for i, flight in enumerate(items):
            entry = catalog.types.get(flight.type)
            if not isinstance(entry, AircraftType):
                known = ", ".join(catalog.ids("aircraft"))
                errors.append(doc.error((group, i, "type"), f"unknown aircraft type '{flight.type}'; known: {known}"))
            elif group == "traffic" and not entry.civil:
                errors.append(doc.error((group, i, "type"), f"'{flight.type}' is not a civil aircraft type"))
    if spec.jammers:  # a stand-off jammer is heard in the sidelobes: every radar needs its sidelobe level
        for i, unit in enumerate(spec.units):
            entry = catalog.types.get(unit.type)
            if isinstance(entry, LauncherType) and entry.radar:
                entry = catalog.types.get(entry.radar)
            if isinstance(entry, RadarType) and entry.sidelobe_level is None:
                name = unit.type if entry is catalog.types.get(unit.type) else catalog.types[unit.type].radar
                errors.append(doc.error(("units", i, "type"), f"radar type '{name}' has no sidelobe_level in the "
                                        "catalog: the scenario's stand-off jammers need it"))
    assets = {a.id for a in spec.defended_assets}
    for i, raid in enumerate(spec.threats):
        if raid.target is not None and raid.target not in assets:
            errors.append(doc.error(("threats", i, "target"), f"no defended asset with id '{raid.target}'"))
    for i, link in enumerate(spec.links):
        for end, ref in (("from", link.from_), ("to", link.to)):
            if ref not in units:
                errors.append(doc.error(("links", i, end), f"link {end} '{ref}': no unit with that id"))
        if link.from_ == link.to:
            errors.append(doc.error(("links", i, "to"), "a link cannot join a unit to itself"))
        if errors or link.carries != "fire-control":
            continue
        source = catalog.types.get(units[link.from_].type)
        target = catalog.types.get(units[link.to].type)
        guides = (isinstance(source, RadarType) and source.role == "fire-control") or (
            isinstance(source, LauncherType) and source.radar is not None
        )
        if not guides:
            errors.append(
                doc.error(("links", i, "from"), f"'{link.from_}' has no fire-control radar to guide missiles")
            )
        if not isinstance(target, LauncherType):
            errors.append(doc.error(("links", i, "to"), f"fire-control link to '{link.to}', which is not a launcher"))
    if errors:
        raise InputErrors(errors)


def _fmt(where: tuple) -> str:
    return f"{where[0]}[{where[1]}]"


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and resolve a scenario file. Raises InputError (file, line, field) on bad input."""
    path = Path(path)
    return scenario_from_document(load_yaml(path), path)


def scenario_from_document(doc: Document, path: Path, *, catalog_files: Mapping[str, Path] | None = None,
                           terrain=None, origin_xy: tuple[float, float] | None = None) -> Scenario:
    """Validate and resolve an already-read document (a file, or a sweep point built in memory);
    relative catalog and terrain paths resolve against `path`'s folder.

    A run folder passes what it stored instead: ``catalog_files`` (each catalog name as the scenario writes
    it -> the stored copy; a name not in it is an error, so nothing outside is read), ``terrain`` (the
    stored crop) and ``origin_xy`` (the run's origin, since a crop's centre is not the original's).
    """
    from iadsim.terrain import dem as dem_module  # terrain is below scenario in the layering

    spec = validate_spec(doc)
    extra = []
    for i, name in enumerate(spec.catalog):
        if catalog_files is not None:
            if name not in catalog_files:
                raise doc.error(("catalog", i), "this catalog file is not stored in the run folder")
            file = Path(catalog_files[name])
        else:
            try:
                file = (path.parent / name).resolve()
            except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a symlink loop
                raise doc.error(("catalog", i), f"catalog file '{name}' is a symbolic link loop") from None
        if not file.exists():
            raise doc.error(("catalog", i), f"catalog file '{name}' not found")
        extra.append(file)
    catalog = load_catalog(extra)
    check_references(spec, catalog, doc)
    if terrain is None:
        terrain = _load_terrain(spec, path, doc, dem_module)
    return _resolve(spec, catalog, terrain, path, doc, origin_xy)


def _load_terrain(spec: ScenarioSpec, path: Path, doc: Document, dem_module):
    t = spec.terrain
    origin = (spec.origin.lat, spec.origin.lon) if spec.origin else None
    if t.flat is not None:
        # a square centred on the origin, in an azimuthal equidistant CRS centred there (0N 0E if none)
        lat, lon = origin if origin is not None else (0.0, 0.0)
        crs = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
        half = t.extent / 2
        cell = max(t.extent / 2000, 30.0)
        return dem_module.flat_dem(t.flat, (-half, -half, half, half), cell, crs=crs)
    if t.source == "sample":
        return dem_module.load_dem("sample")
    source = Path(t.source)
    if not source.is_absolute():
        source = path.parent / source
    if not source.exists() and not source.is_symlink():
        raise doc.error(("terrain", "source"), f"terrain file '{t.source}' not found")
    try:
        return dem_module.load_dem(source)
    except dem_module.TerrainError as exc:  # names the reason, never the file's content
        raise doc.error(("terrain", "source"), f"cannot read terrain '{t.source}': {exc.reason}") from None
    except Exception as exc:  # anything else from GDAL: its message may quote the file, so only its kind
        raise doc.error(("terrain", "source"), f"cannot read terrain '{t.source}' ({type(exc).__name__})") from None


BELOW_TERRAIN_TOLERANCE = 1.0
"""An MSL route may dip this much [m] below the DEM (its interpolation) before it is refused."""

_MAX_LEG_SAMPLES = 20_000


def _below_terrain(route: np.ndarray, terrain, doc: Document, loc: tuple, origin: tuple[float, float]
                   ) -> list[InputError]:
    """Errors for an MSL route (world x, y, altitude; one row per waypoint) that goes below the terrain: at a
    waypoint (naming its altitude), or along a leg (naming the leg's end waypoint, where and by how much),
    the leg sampled at the DEM's cell size (at most 20,000 samples a leg)."""
    errors = []
    ground = terrain.elevation_at(route[:, 0], route[:, 1])
    for j in np.flatnonzero(route[:, 2] < ground - BELOW_TERRAIN_TOLERANCE):
        errors.append(doc.error((*loc, "route", int(j), "altitude"), f"{route[j, 2]:.0f} m above mean sea level is "
                                f"below the terrain there ({ground[j]:.0f} m); raise it or give "
                                "altitude_reference: agl"))
    if errors:
        return errors
    step = min(terrain.cell_size)
    for j in range(len(route) - 1):
        a, b = route[j], route[j + 1]
        length = float(np.hypot(*(b[:2] - a[:2])))
        n = int(min(max(np.ceil(length / step), 1), _MAX_LEG_SAMPLES)) + 1
        t = np.linspace(0.0, 1.0, n)
        points = a + t[:, None] * (b - a)
        depth = terrain.elevation_at(points[:, 0], points[:, 1]) - points[:, 2]
        deepest = int(np.nanargmax(depth)) if np.isfinite(depth).any() else None
        if deepest is not None and depth[deepest] > BELOW_TERRAIN_TOLERANCE:
            x, y = points[deepest, :2] - np.asarray(origin)
            errors.append(doc.error((*loc, "route", j + 1), f"the leg from waypoint {j} to this one passes "
                                    f"{depth[deepest]:.0f} m below the terrain at x {x / 1e3:.1f} km, y "
                                    f"{y / 1e3:.1f} km; raise it or give altitude_reference: agl"))
    return errors


def _written(data: object, loc: tuple) -> dict:
    """The mapping the user wrote at ``loc`` (to echo coordinates in their own form)."""
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return {}
    return data if isinstance(data, dict) else {}


def off_terrain_message(item: Located, written: dict, terrain, origin: tuple[float, float], lonlat_to_grid) -> str:
    """Why a place is refused, in the form the user gave it: x/y as written and the terrain's span from the
    origin, or lat/lon and the terrain's lat/lon span, suggesting a swap when the swapped point lies on data."""
    ox, oy = origin
    left, bottom, right, top = terrain.bounds
    if item.lat is None:
        shown = f"x {_text(written.get('x'))}, y {_text(written.get('y'))}"
        return (f"position {shown} is off the terrain or on nodata (the terrain spans x {(left - ox) / 1e3:.1f}.."
                f"{(right - ox) / 1e3:.1f} km, y {(bottom - oy) / 1e3:.1f}..{(top - oy) / 1e3:.1f} km from the origin)")
    shown = f"lat {_text(written.get('lat'))}, lon {_text(written.get('lon'))}"
    x, y = lonlat_to_grid(item.lon, item.lat)
    if np.isfinite(x) and np.isfinite(y):
        message = f"position {shown} is off the terrain or on nodata"
    else:
        message = f"position {shown} cannot be placed in the terrain's map projection (too far away)"
    from iadsim.terrain.geo import lonlat_span

    span = lonlat_span(terrain)
    if span is not None:
        message += (f" (the terrain spans lat {span[1]:.4f}..{span[3]:.4f}, lon {span[0]:.4f}..{span[2]:.4f})")
    if abs(item.lon) <= 90:
        try:
            x, y = lonlat_to_grid(item.lat, item.lon)  # the swapped point: lon <- lat, lat <- lon
            on_data = bool(np.isfinite(x) and np.isfinite(y)
                           and np.isfinite(terrain.elevation_at(np.array([x]), np.array([y]))[0]))
        except Exception:
            on_data = False
        if on_data:
            message += f"; did you swap lat and lon? lat {_text(written.get('lon'))}, lon " \
                       f"{_text(written.get('lat'))} lies on the terrain"
    return message


def _text(value: object) -> str:
    from iadsim.units import clip

    return clip(str(value), 30)


def _resolve(spec: ScenarioSpec, catalog: Catalog, terrain, path: Path, doc: Document,
             origin_xy: tuple[float, float] | None = None) -> Scenario:
    """Place every unit, asset and waypoint on the terrain; anything off the terrain is an error."""
    from pyproj import CRS, Transformer

    to_grid = None

    def lonlat_to_grid(lon: float, lat: float) -> tuple[float, float]:
        nonlocal to_grid
        if to_grid is None:
            to_grid = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(terrain.crs), always_xy=True)
        return to_grid.transform(lon, lat)

    if origin_xy is not None:
        ox, oy = origin_xy
    elif spec.origin is not None:
        ox, oy = lonlat_to_grid(spec.origin.lon, spec.origin.lat)
        if not (np.isfinite(ox) and np.isfinite(oy)):  # pyproj gives inf far outside the terrain's projection
            raise doc.error(("origin",), "origin cannot be placed in the terrain's map projection (too far away)")
    else:
        left, bottom, right, top = terrain.bounds
        ox, oy = (left + right) / 2, (bottom + top) / 2
    errors: list[InputError] = []

    def place(item: Located, loc: tuple) -> tuple[float, float, float] | None:
        """(x, y, ground elevation) of a place, or None (and an error) when it is off the terrain."""
        if item.lat is not None:
            x, y = lonlat_to_grid(item.lon, item.lat)
        else:
            x, y = ox + item.x, oy + item.y
        placed = bool(np.isfinite(x) and np.isfinite(y))  # pyproj gives inf far outside the terrain's projection
        ground = terrain.elevation_at(np.array([x]), np.array([y]))[0] if placed else np.nan
        if not np.isfinite(ground):
            errors.append(doc.error(loc, off_terrain_message(item, _written(doc.data, loc), terrain, (ox, oy),
                                                             lonlat_to_grid)))
            return None
        return float(x), float(y), float(ground)

    sites: dict[str, Site] = {}
    for group, items in (("units", spec.units), ("defended_assets", spec.defended_assets)):
        for i, item in enumerate(items):
            where = place(item, (group, i))
            if where is not None:
                sites[item.id] = Site(*where)
    routes: dict[str, np.ndarray] = {}
    speeds: dict[str, np.ndarray] = {}
    for group, items in (("threats", spec.threats), ("traffic", spec.traffic), ("jammers", spec.jammers)):
        for i, flight in enumerate(items):
            cruise = catalog.types[flight.type].cruise_speed.value
            pts, vs = [], []
            for j, wp in enumerate(flight.route):
                xy = place(wp, (group, i, "route", j))
                if xy is None:
                    continue
                pts.append((xy[0], xy[1], wp.altitude))
                vs.append(wp.speed if wp.speed is not None else cruise)
            routes[flight.id] = np.asarray(pts, dtype=float)
            speeds[flight.id] = np.asarray(vs, dtype=float)
            if flight.altitude_reference == "msl" and len(pts) == len(flight.route):
                errors.extend(_below_terrain(routes[flight.id], terrain, doc, (group, i), (ox, oy)))
    aims: dict[str, tuple[float, float]] = {}
    for i, jammer in enumerate(spec.jammers):
        if jammer.aim is not None:
            where = place(jammer.aim, ("jammers", i, "aim"))
            if where is not None:
                aims[jammer.id] = where[:2]
        else:
            placed = [sites[a.id] for a in spec.defended_assets if a.id in sites] or list(sites.values())
            if placed:
                aims[jammer.id] = (float(np.mean([p.x for p in placed])), float(np.mean([p.y for p in placed])))
    if errors:
        raise InputErrors(errors)
    return Scenario(spec, catalog, terrain, path, sites, routes, speeds, (float(ox), float(oy)), aims=aims)
