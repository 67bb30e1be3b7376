"""The map of one run as plain data on local x/y kilometre axes (east and north of the scenario origin),
shared by the interactive report, the PNG figures and nothing else: plotting code draws it, never computes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from iadsim.report.geo import image_data_uri, map_extent
from iadsim.report.symbols import sidc_of, with_side
from iadsim.terrain.geo import hillshade_rgba, stride_for

KINDS = ("radar", "esm", "irst", "launcher", "command-post")


@dataclass
class SiteMark:
    id: str
    kind: str  # radar, esm, irst, launcher, command-post or asset
    type: str
    x: float  # km
    y: float  # km
    radius: float = 0.0  # km, defended assets
    sidc: str = ""  # the unit's military symbol with its side's identity (iadsim.report.symbols); "": none


@dataclass
class LinkMark:
    source: str
    target: str
    carries: str
    status: str
    x: tuple[float, float]  # km
    y: tuple[float, float]  # km


@dataclass
class RouteMark:
    id: str
    civil: bool
    type: str
    x: np.ndarray  # km
    y: np.ndarray  # km
    sidc: str = ""  # the flight's military symbol with its side's identity (hostile raid, neutral civil)


@dataclass
class CorridorMark:
    asset: str
    type: str
    height: float  # m above the ground
    probability: float  # P(detected) (or engaged) as flown
    mode: str  # detection or engagement
    x: np.ndarray  # km
    y: np.ndarray  # km


@dataclass
class MapLayers:
    extent: tuple[float, float, float, float]  # (left, bottom, right, top) km the map opens on (the network)
    hillshade: np.ndarray  # RGBA uint8, row 0 north
    image_box: tuple[float, float, float, float]  # (left, bottom, right, top) km of the hillshade's outer edges
    coverage_x: np.ndarray  # (nx,) km, cell centres, increasing
    coverage_y: np.ndarray  # (ny,) km, increasing
    coverage: dict[float, np.ndarray]  # band [m AGL] -> (ny, nx) bool, row 0 south: some sensor detects
    # (the hillshade and the coverage span the run's whole terrain: the context around the extent)
    threat_types: list[str]  # the aircraft types the coverage was computed against
    sites: list[SiteMark]
    links: list[LinkMark]
    routes: list[RouteMark]
    origin: tuple[float, float]  # world metres of the local origin
    corridors: list[CorridorMark] = field(default_factory=list)  # least-exposed corridors (a run's, when kept)

    def km(self, x, y):
        """World metres -> local km."""
        return (np.asarray(x) - self.origin[0]) / 1000.0, (np.asarray(y) - self.origin[1]) / 1000.0

    @cached_property
    def hillshade_uri(self) -> str:
        """The hillshade as a JPEG ``data:`` URI, encoded once however many figures show it."""
        return image_data_uri(self.hillshade)


def map_layers(scenario, coverage=None, max_cells: int = 500, corridors: dict | None = None) -> MapLayers:
    """Everything the map shows. ``coverage``: the scenario's :class:`iadsim.analysis.coverage.CoverageMaps`
    (its network detection coverage is drawn per band; omitted when None). ``corridors``: a run's
    ``corridors.json`` (:func:`iadsim.analysis.artifacts.read_corridors`; waypoints in metres from the origin).
    The map opens on the network (:func:`iadsim.report.geo.map_extent`); the hillshade and the coverage cover the
    whole terrain (at most ``max_cells`` cells a side) as context."""
    dem = scenario.terrain
    ox, oy = scenario.origin_xy
    extent_m = map_extent(scenario)
    rows, cols = slice(0, dem.shape[0]), slice(0, dem.shape[1])
    # outer corners of the cropped cells (a cell centre is at index + 0.5)
    x_left, y_top = (float(v) for v in dem.rowcol_to_xy(rows.start - 0.5, cols.start - 0.5))
    x_right, y_bottom = (float(v) for v in dem.rowcol_to_xy(rows.stop - 0.5, cols.stop - 0.5))
    to_km = lambda x, y: ((x - ox) / 1000.0, (y - oy) / 1000.0)  # noqa: E731
    l_km, t_km = to_km(x_left, y_top)
    r_km, b_km = to_km(x_right, y_bottom)
    image_box = (min(l_km, r_km), min(b_km, t_km), max(l_km, r_km), max(b_km, t_km))
    elevation = dem.elevation[rows, cols]
    shade = hillshade_rgba(elevation, dem.cell_size, max_cells=max(2 * max_cells, 400))

    k = stride_for(elevation.shape, max_cells)
    r_idx = np.arange(rows.start, rows.stop, k)
    c_idx = np.arange(cols.start, cols.stop, k)
    cx, _ = dem.rowcol_to_xy(np.zeros_like(c_idx), c_idx)
    _, cy = dem.rowcol_to_xy(r_idx, np.zeros_like(r_idx))
    cov, threat_types = {}, []
    if coverage is not None:
        threat_types = list(coverage.threat_types)
        for band, mask in zip(coverage.bands, coverage.covered(), strict=True):
            cov[float(band)] = mask[rows, cols][::k, ::k]
    flip = cy[0] > cy[-1] if len(cy) > 1 else False
    if flip:
        cy = cy[::-1]
        cov = {b: m[::-1] for b, m in cov.items()}
    coverage_x, coverage_y = to_km(cx, cy)

    spec = scenario.spec
    sites = []
    for unit in spec.units:
        s = scenario.sites[unit.id]
        entry = scenario.catalog.types[unit.type]
        sites.append(SiteMark(unit.id, entry.kind, unit.type, *to_km(s.x, s.y),
                              sidc=with_side(sidc_of(entry), "defence")))
    for asset in spec.defended_assets:
        s = scenario.sites[asset.id]
        sites.append(SiteMark(asset.id, "asset", "defended asset", *to_km(s.x, s.y), radius=asset.radius / 1000.0))
    links = []
    for link in spec.links:
        a, b = scenario.sites[link.from_], scenario.sites[link.to]
        (xa, ya), (xb, yb) = to_km(a.x, a.y), to_km(b.x, b.y)
        links.append(LinkMark(link.from_, link.to, link.carries, link.status, (xa, xb), (ya, yb)))
    routes = []
    for flights, civil in ((spec.threats, False), (spec.traffic, True)):
        for flight in flights:
            route = scenario.routes[flight.id]
            x, y = to_km(route[:, 0], route[:, 1])
            side = "defence" if getattr(flight, "side", "civil") == "friendly" else "civil" if civil else "raid"
            sidc = with_side(sidc_of(scenario.catalog.types[flight.type]), side)
            routes.append(RouteMark(flight.id, civil, flight.type, x, y, sidc))
    extent = (*to_km(extent_m[0], extent_m[1]), *to_km(extent_m[2], extent_m[3]))
    marks = [CorridorMark(c["asset"], c["type"], float(c["height_m"]), float(c["probability"]), corridors["mode"],
                          np.array([p[0] for p in c["waypoints"]]) / 1000.0,
                          np.array([p[1] for p in c["waypoints"]]) / 1000.0)
             for c in (corridors or {}).get("corridors", []) if "waypoints" in c]
    return MapLayers(extent, shade, image_box, np.asarray(coverage_x), np.asarray(coverage_y), cov, threat_types,
                     sites, links, routes, (ox, oy), marks)
