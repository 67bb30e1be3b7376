"""Digital elevation models on a regular metric grid: reading, projecting, sampling and writing.

Everything downstream (distances, earth curvature, masking heights) needs metres, so a DEM in
geographic coordinates (degrees) is projected on load to the UTM zone of its centre, with cells of
about the native size in metres along each axis (bilinear resampling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.transform import Affine
from rasterio.warp import Resampling, reproject, transform_bounds

from iadsim.units import EARTH_RADIUS

SAMPLE = "sample"
"""``load_dem(SAMPLE)`` gives matplotlib's sample DEM (Jacksboro fault, Tennessee)."""

LOCAL_CRS = "+proj=aeqd +lat_0=0 +lon_0=0 +datum=WGS84 +units=m +no_defs"
"""A metric CRS for synthetic grids that are not tied to a place (azimuthal equidistant at 0N 0E)."""


def _apply(transform: Affine, x, y):
    """(x', y') = transform applied to points (x, y), elementwise over arrays."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return transform.a * x + transform.b * y + transform.c, transform.d * x + transform.e * y + transform.f


@dataclass(frozen=True, eq=False)
class Dem:
    """A DEM on a regular grid in a projected (metric) CRS.

    Attributes
    ----------
    elevation : numpy.ndarray of float64, shape (n_rows, n_cols)
        Ground elevation [m], row 0 first (north-up for the usual negative ``transform.e``); NaN marks
        nodata.
    transform : rasterio.transform.Affine
        Maps (col, row) of a cell's upper-left corner to (x, y) [m]; ``transform * (c + 0.5, r + 0.5)``
        is the centre of cell (r, c).
    crs : str
        The grid's CRS (WKT or an authority string such as ``"EPSG:32619"``); metric.
    cell_size : (float, float)
        (dx, dy): column and row spacing [m].
    source_crs : str or None
        The CRS of the file the DEM was read from when it differs (a geographic DEM that was projected),
        otherwise None.
    """

    elevation: np.ndarray
    transform: Affine
    crs: str
    cell_size: tuple[float, float]
    source_crs: str | None = None

    def __post_init__(self):
        elevation = np.asarray(self.elevation, dtype=np.float64)
        if elevation.ndim != 2:
            raise ValueError(f"elevation must be 2-D, got shape {elevation.shape}")
        elevation.setflags(write=False)
        object.__setattr__(self, "elevation", elevation)
        object.__setattr__(self, "cell_size", (float(self.cell_size[0]), float(self.cell_size[1])))

    @classmethod
    def from_array(cls, elevation, cell_size, origin=(0.0, 0.0), crs: str = LOCAL_CRS) -> Dem:
        """A north-up DEM from an array.

        Parameters
        ----------
        elevation : array_like, shape (n_rows, n_cols)
            Ground elevation [m], row 0 northmost; NaN for nodata.
        cell_size : float or (float, float)
            Cell size [m], or (dx, dy).
        origin : (float, float)
            (x, y) of the upper-left corner of the grid [m].
        crs : str
            A metric CRS; defaults to :data:`LOCAL_CRS`.
        """
        dx, dy = np.broadcast_to(np.asarray(cell_size, dtype=float), (2,))
        transform = Affine(dx, 0.0, origin[0], 0.0, -dy, origin[1])
        return cls(elevation, transform, crs, (dx, dy))

    @property
    def shape(self) -> tuple[int, int]:
        """(n_rows, n_cols)."""
        return self.elevation.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the grid's outer edges [m]."""
        n_rows, n_cols = self.shape
        xs, ys = _apply(self.transform, [0, n_cols, 0, n_cols], [0, 0, n_rows, n_rows])
        return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())

    def _fractional_rowcol(self, x, y):
        col, row = _apply(~self.transform, x, y)
        return row - 0.5, col - 0.5  # in units of cells, 0 at the first cell's centre

    def xy_to_rowcol(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Indices (row, col) of the cells containing points (x, y) [m]; vectorised.

        Points outside the grid get indices outside ``0 .. n-1``; check with :meth:`contains`.
        """
        row, col = self._fractional_rowcol(x, y)
        return np.floor(row + 0.5).astype(np.int64), np.floor(col + 0.5).astype(np.int64)

    def rowcol_to_xy(self, row, col) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates (x, y) [m] of the centres of cells (row, col); fractional indices allowed."""
        x, y = _apply(self.transform, np.asarray(col, dtype=float) + 0.5, np.asarray(row, dtype=float) + 0.5)
        return np.asarray(x), np.asarray(y)

    def contains(self, x, y) -> np.ndarray:
        """Whether points (x, y) [m] fall inside the grid's outer edges; vectorised."""
        row, col = self.xy_to_rowcol(x, y)
        n_rows, n_cols = self.shape
        return (row >= 0) & (row < n_rows) & (col >= 0) & (col < n_cols)

    def elevation_at(self, x, y) -> np.ndarray:
        """Ground elevation [m] at points (x, y) [m] by bilinear interpolation between cell centres.

        Between the outermost cell centres and the grid edge the nearest edge values are used; points
        outside the grid, and points whose interpolation touches a nodata cell, give NaN.
        """
        row, col = self._fractional_rowcol(x, y)
        row, col = np.broadcast_arrays(row, col)
        n_rows, n_cols = self.shape
        inside = (row >= -0.5) & (row < n_rows - 0.5) & (col >= -0.5) & (col < n_cols - 0.5)
        r = np.clip(row, 0.0, n_rows - 1.0)
        c = np.clip(col, 0.0, n_cols - 1.0)
        r0 = np.minimum(np.floor(r).astype(np.int64), max(n_rows - 2, 0))
        c0 = np.minimum(np.floor(c).astype(np.int64), max(n_cols - 2, 0))
        r1 = np.minimum(r0 + 1, n_rows - 1)
        c1 = np.minimum(c0 + 1, n_cols - 1)
        fr = r - r0
        fc = c - c0
        z = self.elevation
        top = z[r0, c0] * (1 - fc) + z[r0, c1] * fc
        bottom = z[r1, c0] * (1 - fc) + z[r1, c1] * fc
        value = top * (1 - fr) + bottom * fr
        return np.where(inside, value, np.nan)


def _metric_cell_size(transform: Affine, lat_deg: float, crs: CRS) -> tuple[float, float]:
    """Metres per cell (E-W, N-S) of a geographic grid at latitude ``lat_deg`` (on the CRS's ellipsoid)."""
    ellipsoid = crs.ellipsoid
    a = ellipsoid.semi_major_metre if ellipsoid is not None else EARTH_RADIUS
    inv_f = ellipsoid.inverse_flattening if ellipsoid is not None else 0.0
    f = 1.0 / inv_f if inv_f else 0.0
    e2 = f * (2.0 - f)
    phi = math.radians(lat_deg)
    w = math.sqrt(1.0 - e2 * math.sin(phi) ** 2)
    prime_vertical = a / w  # N(phi)
    meridional = a * (1.0 - e2) / w**3  # M(phi)
    dlon = math.hypot(transform.a, transform.d)
    dlat = math.hypot(transform.b, transform.e)
    return (math.radians(dlon) * prime_vertical * math.cos(phi), math.radians(dlat) * meridional)


def utm_crs_for(lon: float, lat: float) -> str:
    """The WGS 84 / UTM CRS (``"EPSG:326zz"`` north, ``"EPSG:327zz"`` south) of (lon, lat) [deg]."""
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def project_geographic(elevation, transform: Affine, crs) -> Dem:
    """Project a geographic DEM to the UTM zone of its centre, keeping about the native cell size.

    Parameters
    ----------
    elevation : numpy.ndarray, shape (n_rows, n_cols)
        Elevation [m] on the geographic grid; NaN for nodata.
    transform : rasterio.transform.Affine
        Geographic transform (degrees).
    crs : str or CRS
        The geographic CRS.

    Returns
    -------
    Dem
        On a north-up UTM grid covering the source, with ``cell_size`` = the source's cell size in
        metres (E-W and N-S) at the centre latitude; cells outside the source are NaN. Bilinear.

    References
    ----------
    .. [1] Snyder, J. P. (1987). Map Projections - A Working Manual. USGS Professional Paper 1395,
       eqs 4-18 and 4-20 (radii of curvature M and N).
    """
    source_crs = CRS.from_user_input(crs)
    n_rows, n_cols = elevation.shape
    lon_c, lat_c = (float(v) for v in _apply(transform, n_cols / 2.0, n_rows / 2.0))
    dst_crs = utm_crs_for(lon_c, lat_c)
    dx, dy = _metric_cell_size(transform, lat_c, source_crs)
    xs, ys = _apply(transform, [0, n_cols, 0, n_cols], [0, 0, n_rows, n_rows])
    left, bottom, right, top = transform_bounds(
        source_crs, dst_crs, xs.min(), ys.min(), xs.max(), ys.max(), densify_pts=51
    )
    width = int(math.ceil((right - left) / dx))
    height = int(math.ceil((top - bottom) / dy))
    dst_transform = Affine(dx, 0.0, left, 0.0, -dy, top)
    destination = np.full((height, width), np.nan)
    reproject(
        source=np.asarray(elevation, dtype=np.float64),
        destination=destination,
        src_transform=transform,
        src_crs=source_crs,
        src_nodata=np.nan,
        dst_transform=dst_transform,
        dst_crs=dst_crs,
        dst_nodata=np.nan,
        resampling=Resampling.bilinear,
    )
    return Dem(destination, dst_transform, dst_crs, (dx, dy), source_crs=source_crs.to_string())


def _sample_dem() -> tuple[np.ndarray, Affine, str]:
    """matplotlib's Jacksboro fault DEM as (elevation, transform, crs).

    The file's ``ymin`` (36.733) is larger than its ``ymax`` (36.446). We read ``ymin`` as the latitude
    of the edge at row 0 and take that edge as north (the image convention of the file's arrays): the
    highest cell (1076 m) then lies at 36.49 N 84.23 W in the Cumberland Mountains of Tennessee,
    whereas the flipped grid would put it at 36.69 N, north of the state line, where the Cumberland
    Plateau of Kentucky is several hundred metres lower. This is an inference from the terrain.
    """
    from matplotlib.cbook import get_sample_data

    data = get_sample_data("jacksboro_fault_dem.npz")
    elevation = np.asarray(data["elevation"], dtype=np.float64)
    dx, dy = float(data["dx"]), float(data["dy"])
    north = max(float(data["ymin"]), float(data["ymax"]))
    transform = Affine(dx, 0.0, float(data["xmin"]), 0.0, -dy, north)
    return elevation, transform, "EPSG:4326"


def load_dem(source: str | Path) -> Dem:
    """Read a DEM (GeoTIFF, DTED, SRTM ``.hgt``, anything rasterio reads) onto a metric grid.

    Parameters
    ----------
    source : str or path-like
        A raster file, or ``"sample"`` for matplotlib's sample DEM (344 x 403 cells, 3 arc-seconds,
        Jacksboro fault, Tennessee).

    Returns
    -------
    Dem
        Band 1 as float64 metres with nodata as NaN. A geographic DEM is projected to the UTM zone of
        its centre (see :func:`project_geographic`); a projected one is returned on its own grid.

    Raises
    ------
    ValueError
        If the raster has no CRS or its units are not metres.
    """
    if str(source) == SAMPLE:
        elevation, transform, crs = _sample_dem()
        return project_geographic(elevation, transform, crs)
    with rasterio.open(source) as dataset:
        band = dataset.read(1, masked=True)
        transform = dataset.transform
        if dataset.crs is None:
            raise ValueError(f"{source}: the raster has no CRS; cannot tell metres from degrees")
        crs = CRS.from_user_input(dataset.crs.to_wkt())
    elevation = np.ma.filled(band.astype(np.float64), np.nan)
    if crs.is_geographic:
        return project_geographic(elevation, transform, crs)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise ValueError(f"{source}: projected CRS in {unit!r}; iadsim needs metres")
    cell_size = (math.hypot(transform.a, transform.d), math.hypot(transform.b, transform.e))
    epsg = crs.to_epsg()
    crs_text = f"EPSG:{epsg}" if epsg is not None else crs.to_wkt()
    return Dem(elevation, transform, crs_text, cell_size)


def flat_dem(elevation: float, extent, cell_size, crs: str = LOCAL_CRS) -> Dem:
    """A DEM of constant elevation.

    Parameters
    ----------
    elevation : float
        Ground elevation [m].
    extent : (float, float, float, float)
        (left, bottom, right, top) [m]; rounded outwards to whole cells from (left, top).
    cell_size : float or (float, float)
        Cell size [m], or (dx, dy).
    crs : str
        A metric CRS; defaults to :data:`LOCAL_CRS`.
    """
    left, bottom, right, top = (float(v) for v in extent)
    if not (right > left and top > bottom):
        raise ValueError(f"extent must be (left, bottom, right, top), right > left, top > bottom: {extent}")
    dx, dy = np.broadcast_to(np.asarray(cell_size, dtype=float), (2,))
    n_cols = int(math.ceil((right - left) / dx - 1e-9))
    n_rows = int(math.ceil((top - bottom) / dy - 1e-9))
    return Dem.from_array(np.full((n_rows, n_cols), float(elevation)), (dx, dy), (left, top), crs)


def write_geotiff(path: str | Path, array, dem: Dem) -> Path:
    """Write a float32 single-band GeoTIFF on a DEM's grid (its CRS and transform), nodata NaN.

    Parameters
    ----------
    path : str or path-like
        Output file.
    array : array_like, shape ``dem.shape``
        Values to write (e.g. masking heights [m]); NaN is nodata.
    dem : Dem
        The grid the values lie on.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    values = np.asarray(array, dtype=np.float32)
    if values.shape != dem.shape:
        raise ValueError(f"array shape {values.shape} does not match the DEM's {dem.shape}")
    path = Path(path)
    profile = {
        "driver": "GTiff",
        "height": values.shape[0],
        "width": values.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": dem.crs,
        "transform": dem.transform,
        "nodata": np.nan,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(values, 1)
    return path
