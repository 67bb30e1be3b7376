"""Several DEM tiles as one metric grid: listed, checked, projected once and mosaicked.

A long-range system's reach does not fit on one tile: ``terrain.source`` may name several tiles or a folder
of them. Each tile is read as :func:`iadsim.terrain.load_dem` reads one (the same safety checks).

Tiles on one grid (one CRS and cell size, cell edges aligned: SRTM or DTED tiles of one product, crops of
one raster) are placed side by side on that grid first, overlaps compared cell by cell, and the whole is
then read as one raster would be (projected to UTM when geographic): tiles cut from one raster, covering
its whole extent, give exactly its heights, seams included. Otherwise each tile is resampled (bilinear) onto one
grid:

- tiles in one geographic CRS: the UTM grid of their union, exactly as one tile covering that union would
  be projected (:func:`iadsim.terrain.dem.geographic_grid`), at the finest tile's angular cell size;
- tiles in one metric CRS: that CRS, at the finest tile's cell size, from the union's north-west corner;
- tiles in different CRSs: the UTM zone of the union's centre, at the finest tile's cell size in metres.

Resampling transforms every cell centre exactly (:func:`iadsim.terrain.dem.resample`), so a cell's height
does not depend on the extent of the grid it is computed on. Where tiles overlap, their heights must agree
within :data:`OVERLAP_TOLERANCE`: a seam between two surveys (another datum, another epoch) is an error, not
something to average away. Only cells interpolated between four of a tile's cell centres are compared and
used first; cells in the half cell along a tile's edge (nearest-edge values) fill only what no tile covers
fully, so on this path a seam between tiles that do not overlap is up to half a cell of nearest-edge heights.
Ground between tiles that no tile covers is nodata, reported for a warning: cells with heights on both sides
along their row or column of the joined raster (:func:`nodata_gaps`), or for tiles on different grids ground
inside the tiles' convex hull outside every tile's outline.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer
from rasterio.transform import Affine
from rasterio.warp import transform_bounds

from iadsim.terrain.dem import (
    MAX_DEM_CELLS,
    Dem,
    TerrainError,
    _apply,
    _metric_cell_size,
    _read_raster,
    check_heights,
    check_latitudes,
    check_scale,
    geographic_grid,
    project_geographic,
    resample_with_support,
    utm_crs_for,
)

TILE_SUFFIXES = (".tif", ".tiff", ".dt0", ".dt1", ".dt2", ".hgt")
"""File names a folder of tiles is read for (case-insensitive); other files, and hidden ones (``._x.tif``), are
ignored."""

MAX_TILES = 400
"""Most tiles one terrain is made of (a 400 km square takes about 20 one-degree tiles)."""

OVERLAP_TOLERANCE = 1.0
"""Largest height difference [m] between overlapping tiles, after resampling to the mosaic grid."""


@dataclass(frozen=True)
class Gap:
    """Nodata inside the terrain: cells with heights on both sides along their row or their column (ground
    between tiles that no tile covers, or a void in a tile), as opposed to the nodata around the outside of a
    projected grid."""

    area: float  # all such cells [m^2]
    largest: float  # the largest connected patch [m^2]
    lon: float  # a point in the largest patch [deg]
    lat: float

    def describe(self) -> str:
        return (f"{self.area / 1e6:.3g} km^2 inside the terrain has no height (ground between tiles that no tile "
                f"covers, or voids): flights and radars there see nodata; the largest patch, "
                f"{self.largest / 1e6:.3g} km^2, is at {abs(self.lat):.4f} {'N' if self.lat >= 0 else 'S'} "
                f"{abs(self.lon):.4f} {'E' if self.lon >= 0 else 'W'}")


def nodata_gaps(elevation: np.ndarray, transform: Affine, crs, cell_area: float) -> Gap | None:
    """The nodata inside a mosaic's raster on its own grid (see :class:`Gap`), before any projection (whose
    empty corners are not gaps), or None when there is none; ``cell_area`` [m^2] is a cell's area."""
    from scipy import ndimage

    finite = np.isfinite(elevation)
    if finite.all() or not finite.any():
        return None

    def bounded(axis: int) -> np.ndarray:
        before = np.maximum.accumulate(finite, axis=axis)
        after = np.flip(np.maximum.accumulate(np.flip(finite, axis=axis), axis=axis), axis=axis)
        return before & after & ~finite

    inside = bounded(0) | bounded(1)
    if not inside.any():
        return None
    labels, _ = ndimage.label(inside)
    sizes = np.bincount(labels.ravel())[1:]
    biggest = int(np.argmax(sizes)) + 1
    rows, cols = np.nonzero(labels == biggest)
    k = len(rows) // 2  # a cell of the patch (row-major middle), not its centroid, which may lie outside it
    x, y = (float(v) for v in _apply(transform, cols[k] + 0.5, rows[k] + 0.5))
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return Gap(float(inside.sum() * cell_area), float(sizes[biggest - 1] * cell_area), float(lon), float(lat))


def _outline_gaps(tiles: list[_Tile], dst_crs: str, cell: tuple[float, float]) -> Gap | None:
    """Ground inside the tiles' convex hull that no tile's outline covers, wider than a cell (for tiles on
    different grids, whose union has no one raster to look in)."""
    import shapely

    union = shapely.union_all([shapely.Polygon(t.outline(dst_crs)) for t in tiles])
    holes = shapely.convex_hull(union).difference(shapely.buffer(union, max(cell)))
    parts = [g for g in getattr(holes, "geoms", [holes]) if not g.is_empty and g.area > 0]
    if not parts:
        return None
    largest = max(parts, key=lambda g: g.area)
    point = largest.representative_point()
    lon, lat = Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True).transform(point.x, point.y)
    return Gap(float(sum(g.area for g in parts)), float(largest.area), float(lon), float(lat))


@dataclass(frozen=True)
class Mosaic:
    """The mosaicked DEM and what a user should be told about it."""

    dem: Dem
    coarsened: float = 1.0  # the cell size was multiplied by this to fit MAX_DEM_CELLS
    gap: Gap | None = None  # ground between tiles that no tile covers


def tile_files(folder: str | Path) -> list[Path]:
    """The tiles in a folder (names ending in :data:`TILE_SUFFIXES`), sorted by name; not recursive."""
    folder = Path(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise TerrainError(folder, (exc.strerror or "cannot be listed").lower()) from None
    files = [folder / e.name for e in entries if e.name.lower().endswith(TILE_SUFFIXES) and not e.name.startswith(".")]
    if not files:
        raise TerrainError(folder, f"a folder holding no tile ({', '.join(TILE_SUFFIXES)})")
    if len(files) > MAX_TILES:
        raise TerrainError(folder, f"holds {len(files)} tiles, more than the {MAX_TILES} allowed")
    return files


@dataclass(frozen=True)
class _Tile:
    source: object  # what the user named (for messages)
    transform: Affine
    crs: CRS
    shape: tuple[int, int]

    @property
    def corners(self) -> tuple[float, float, float, float]:
        n_rows, n_cols = self.shape
        t = self.transform  # north-up (the reader refuses rotated grids)
        xs, ys = (t.c, t.c + t.a * n_cols), (t.f, t.f + t.e * n_rows)
        return min(xs), min(ys), max(xs), max(ys)

    def outline(self, to_crs: str, n: int = 51) -> np.ndarray:
        """The tile's outline as (m, 2) points in ``to_crs``, each edge densified to ``n`` points."""
        left, bottom, right, top = self.corners
        s = np.linspace(0.0, 1.0, n)
        xs = np.concatenate([left + (right - left) * s, np.full(n, right), right - (right - left) * s,
                             np.full(n, left)])
        ys = np.concatenate([np.full(n, top), top - (top - bottom) * s, np.full(n, bottom),
                             bottom + (top - bottom) * s])
        x, y = Transformer.from_crs(self.crs, to_crs, always_xy=True).transform(xs, ys)
        return np.column_stack([x, y])

    def metric_cell(self) -> tuple[float, float]:
        t = self.transform
        if self.crs.is_geographic:
            lat = (self.corners[1] + self.corners[3]) / 2.0
            return _metric_cell_size(t, lat, self.crs)
        return math.hypot(t.a, t.d), math.hypot(t.b, t.e)


def _header(source) -> _Tile:
    _, transform, crs, shape = _read_raster(source, header_only=True)
    if crs is None:
        raise TerrainError(source, "the raster has no CRS; cannot tell metres from degrees")
    if not crs.is_geographic:
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if unit not in ("metre", "meter"):
            raise TerrainError(source, f"projected CRS in {unit!r}; iadsim needs metres")
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        raise TerrainError(source, "a rotated or south-up grid; only north-up tiles can be mosaicked")
    if crs.is_geographic:
        check_latitudes(source, transform, shape)
    else:
        check_scale(source, crs, transform, shape)
    return _Tile(source, transform, crs, shape)


def _grid(tiles: list[_Tile]) -> tuple[str, Affine, tuple[int, int], tuple[float, float], str | None]:
    """(crs, transform, shape, cell size, source crs) of the mosaic grid (see the module's docstring)."""
    crss = {t.crs.to_wkt() for t in tiles}
    if len(crss) == 1 and tiles[0].crs.is_geographic:
        crs = tiles[0].crs
        res_x = min(t.transform.a for t in tiles)
        res_y = min(-t.transform.e for t in tiles)
        west = min(t.corners[0] for t in tiles)
        north = max(t.corners[3] for t in tiles)
        east = max(t.corners[2] for t in tiles)
        south = min(t.corners[1] for t in tiles)
        shape = (max(round((north - south) / res_y), 1), max(round((east - west) / res_x), 1))
        dst_crs, transform, dst_shape, cell = geographic_grid(Affine(res_x, 0.0, west, 0.0, -res_y, north), shape,
                                                              crs)
        return dst_crs, transform, dst_shape, cell, crs.to_string()
    if len(crss) == 1:
        crs = tiles[0].crs
        epsg = crs.to_epsg()
        dst_crs = f"EPSG:{epsg}" if epsg is not None else crs.to_wkt()
        bounds = [t.corners for t in tiles]
    else:
        to_lonlat = [transform_bounds(t.crs, "EPSG:4326", *t.corners, densify_pts=51) for t in tiles]
        west, south = min(b[0] for b in to_lonlat), min(b[1] for b in to_lonlat)
        east, north = max(b[2] for b in to_lonlat), max(b[3] for b in to_lonlat)
        dst_crs = utm_crs_for((west + east) / 2.0, (south + north) / 2.0)
        bounds = [transform_bounds(t.crs, dst_crs, *t.corners, densify_pts=51) for t in tiles]
    dx = min(t.metric_cell()[0] for t in tiles)
    dy = min(t.metric_cell()[1] for t in tiles)
    left, bottom = min(b[0] for b in bounds), min(b[1] for b in bounds)
    right, top = max(b[2] for b in bounds), max(b[3] for b in bounds)
    shape = (int(math.ceil((top - bottom) / dy - 1e-9)), int(math.ceil((right - left) / dx - 1e-9)))
    return dst_crs, Affine(dx, 0.0, left, 0.0, -dy, top), shape, (dx, dy), None


def _common_grid(tiles: list[_Tile]) -> tuple[Affine, tuple[int, int]] | None:
    """(transform, shape) of the tiles' union when all lie on one grid (one CRS, one cell size, cell edges
    aligned to 1e-6 of a cell), else None."""
    first = tiles[0]
    res_x, res_y = first.transform.a, -first.transform.e
    for t in tiles:
        if t.crs.to_wkt() != first.crs.to_wkt():
            return None
        if abs(t.transform.a - res_x) > 1e-9 * res_x or abs(-t.transform.e - res_y) > 1e-9 * res_y:
            return None
        dc = (t.transform.c - first.transform.c) / res_x
        dr = (first.transform.f - t.transform.f) / res_y
        if abs(dc - round(dc)) > 1e-6 or abs(dr - round(dr)) > 1e-6:
            return None
    west = min(t.transform.c for t in tiles)
    north = max(t.transform.f for t in tiles)
    n_cols = max(round((t.transform.c - west) / res_x) + t.shape[1] for t in tiles)
    n_rows = max(round((north - t.transform.f) / res_y) + t.shape[0] for t in tiles)
    return Affine(res_x, 0.0, west, 0.0, -res_y, north), (n_rows, n_cols)


def _projected_cells(crs: CRS, transform: Affine, shape: tuple[int, int]) -> int:
    """Cells of the grid a raster on (transform, shape) in ``crs`` ends up on: its own, or its UTM grid."""
    if crs.is_geographic:
        shape = geographic_grid(transform, shape, crs)[2]
    return int(shape[0]) * int(shape[1])


def _assemble(tiles: list[_Tile], transform: Affine, shape: tuple[int, int], tolerance: float, name) -> np.ndarray:
    """Tiles on one grid placed into the union's array, overlaps checked cell by cell (nothing resampled)."""
    out = np.full(shape, np.nan)
    owner = np.full(shape, -1, dtype=np.int32)
    for i, tile in enumerate(tiles):
        elevation = _read_raster(tile.source)[0]
        check_heights(tile.source, elevation)
        r0 = round((transform.f - tile.transform.f) / -transform.e)
        c0 = round((tile.transform.c - transform.c) / transform.a)
        block = (slice(r0, r0 + tile.shape[0]), slice(c0, c0 + tile.shape[1]))
        placed = out[block]
        both = np.isfinite(placed) & np.isfinite(elevation)
        if both.any():
            difference = np.where(both, np.abs(elevation - placed), 0.0)
            worst = np.unravel_index(int(np.argmax(difference)), difference.shape)
            if difference[worst] > tolerance:
                other = tiles[int(owner[block][worst])].source
                where = _lonlat_text(transform, tile.crs, worst[0] + r0, worst[1] + c0)
                raise TerrainError(tile.source, _disagree(name(other), float(difference[worst]), where, tolerance))
        new = np.isnan(placed) & np.isfinite(elevation)
        placed[new] = elevation[new]
        owner[block][new] = i
    return out


def _disagree(other: str, difference: float, where: str, tolerance: float) -> str:
    return (f"differs from tile '{other}' by {difference:.1f} m where they overlap (at {where}), more than the "
            f"{tolerance:g} m allowed on one grid; the tiles disagree (another datum or survey?)")


def _lonlat_text(transform: Affine, crs, row: int, col: int) -> str:
    """Latitude and longitude of the centre of cell (row, col) of a grid in ``crs``, as text."""
    x, y = (float(v) for v in _apply(transform, col + 0.5, row + 0.5))
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return f"{abs(lat):.4f} {'N' if lat >= 0 else 'S'} {abs(lon):.4f} {'E' if lon >= 0 else 'W'}"


def load_mosaic(sources, tolerance: float = OVERLAP_TOLERANCE, name=str) -> Mosaic:
    """Read several DEM tiles onto one metric grid.

    Parameters
    ----------
    sources : sequence of str or path-like
        The tiles (GeoTIFF, DTED or SRTM ``.hgt``), at most :data:`MAX_TILES`; see :func:`tile_files` for a
        folder.
    tolerance : float
        Largest height difference [m] allowed between overlapping tiles after resampling.
    name : callable
        How a tile is named in messages (``str`` of the path by default).

    Returns
    -------
    Mosaic
        The DEM (nodata NaN), the factor the cell size was coarsened by when the grid would have had more than
        :data:`MAX_DEM_CELLS` cells, and the ground between tiles that no tile covers (if any).

    Raises
    ------
    TerrainError
        Naming the tile: any reason :func:`iadsim.terrain.load_dem` refuses a file for, a rotated grid, or
        two overlapping tiles whose heights differ by more than ``tolerance`` (naming both, where and by how
        much).
    """
    sources = list(sources)
    if not sources:
        raise TerrainError("(none)", "no terrain tile given")
    if len(sources) > MAX_TILES:
        raise TerrainError(sources[0], f"{len(sources)} tiles, more than the {MAX_TILES} allowed")
    tiles = [_header(s) for s in sources]
    common = _common_grid(tiles)
    if common is not None and _projected_cells(tiles[0].crs, *common) <= MAX_DEM_CELLS:
        transform, shape = common
        elevation = _assemble(tiles, transform, shape, tolerance, name)
        crs = tiles[0].crs
        if crs.is_geographic:
            dem = project_geographic(elevation, transform, crs)
        else:
            epsg = crs.to_epsg()
            dem = Dem(elevation, transform, f"EPSG:{epsg}" if epsg is not None else crs.to_wkt(),
                      (transform.a, -transform.e))
        return Mosaic(dem, gap=nodata_gaps(elevation, transform, crs, dem.cell_size[0] * dem.cell_size[1]))
    dst_crs, transform, shape, cell, source_crs = _grid(tiles)
    coarsened = 1.0
    if shape[0] * shape[1] > MAX_DEM_CELLS:
        coarsened = math.sqrt(shape[0] * shape[1] / MAX_DEM_CELLS) * 1.001
        cell = (cell[0] * coarsened, cell[1] * coarsened)
        shape = (int(math.ceil(shape[0] / coarsened)), int(math.ceil(shape[1] / coarsened)))
        transform = Affine(cell[0], 0.0, transform.c, 0.0, -cell[1], transform.f)
    mosaic = np.full(shape, np.nan)
    owner = np.full(shape, -1, dtype=np.int32)
    fill = np.full(shape, np.nan)
    for i, tile in enumerate(tiles):
        _place(tile, i, tiles, transform, dst_crs, mosaic, owner, fill, tolerance, name)
    holes = np.isnan(mosaic)
    mosaic[holes] = fill[holes]
    dem = Dem(mosaic, transform, dst_crs, cell, source_crs)
    return Mosaic(dem, coarsened, _outline_gaps(tiles, dst_crs, cell))


def _place(tile: _Tile, index: int, tiles: list[_Tile], transform: Affine, dst_crs: str, mosaic, owner, fill,
           tolerance: float, name) -> None:
    """Resample one tile into its window of the mosaic, checking it against the tiles placed before."""
    elevation, src_transform, _, _ = _read_raster(tile.source)
    check_heights(tile.source, elevation)
    left, bottom, right, top = transform_bounds(tile.crs, dst_crs, *tile.corners, densify_pts=51)
    n_rows, n_cols = mosaic.shape
    col0 = max(int(math.floor((left - transform.c) / transform.a)) - 1, 0)
    col1 = min(int(math.ceil((right - transform.c) / transform.a)) + 1, n_cols)
    row0 = max(int(math.floor((transform.f - top) / -transform.e)) - 1, 0)
    row1 = min(int(math.ceil((transform.f - bottom) / -transform.e)) + 1, n_rows)
    if row1 <= row0 or col1 <= col0:
        return
    values, interior = resample_with_support(elevation, src_transform, tile.crs, transform, dst_crs, mosaic.shape,
                                             (row0, row1, col0, col1))
    valid = np.isfinite(values)
    window_slice = (slice(row0, row1), slice(col0, col1))
    placed = mosaic[window_slice]
    both = interior & np.isfinite(placed)
    if both.any():
        difference = np.where(both, np.abs(values - placed), 0.0)
        worst = np.unravel_index(int(np.argmax(difference)), difference.shape)
        if difference[worst] > tolerance:
            other = tiles[int(owner[window_slice][worst])].source
            where = _lonlat_text(transform, dst_crs, worst[0] + row0, worst[1] + col0)
            raise TerrainError(tile.source, _disagree(name(other), float(difference[worst]), where, tolerance))
    new = interior & np.isnan(placed)
    placed[new] = values[new]
    owner[window_slice][new] = index
    edge = valid & ~interior & np.isnan(fill[window_slice])
    fill[window_slice][edge] = values[edge]
