"""Digital elevation models on a regular metric grid: reading, projecting, sampling and writing.

Everything downstream (distances, earth curvature, masking heights) needs metres, so a DEM in
geographic coordinates (degrees) is projected on load to the UTM zone of its centre, with cells of
about the native size in metres along each axis (bilinear resampling).

Terrain files are untrusted input and GDAL can do much more than read a raster (a VRT can fetch URLs
or read any local file as elevations; sidecar files can change values). :func:`load_dem` therefore
opens only regular local files that start like a GeoTIFF or DTED file or are an SRTM ``.hgt`` tile,
each with exactly that one GDAL driver, with sidecar files and network access switched off; anything
else is a :class:`TerrainError` raised before GDAL sees the path.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS, Proj, Transformer
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.transform import Affine
from rasterio.warp import transform_bounds

from iadsim.files import replace_file
from iadsim.units import EARTH_RADIUS

SAMPLE = "sample"
"""``load_dem(SAMPLE)`` gives matplotlib's sample DEM (Jacksboro fault, Tennessee)."""

MAX_DEM_BYTES = 2 * 1024**3
"""Largest terrain file :func:`load_dem` opens [bytes]."""

MAX_DEM_CELLS = 64_000_000
"""Most cells (rows x columns) :func:`load_dem` reads: 8000 x 8000, about 0.5 GB as float64."""

ALLOWED_DRIVERS = ("GTiff", "DTED", "SRTMHGT")
"""The only GDAL drivers terrain is read with."""

_SRTM_SIZES = {2 * 1201 * 1201, 2 * 3601 * 3601, 2 * 1801 * 3601}  # SRTM-3, SRTM-1, SRTM-1 above 50 deg
"""Byte sizes of the SRTM ``.hgt`` tiles GDAL's SRTMHGT driver reads (big-endian int16, no header)."""

_GDAL_OPTIONS = {
    "GDAL_PAM_ENABLED": "NO",  # no .aux.xml: neither read nor written
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # behave as if the folder held no sidecars (.ovr, .msk, .tfw)
    "GDAL_GEOREF_SOURCES": "INTERNAL",  # georeferencing only from inside the file
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".iadsim-no-network",  # /vsicurl/ opens nothing
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
}
"""GDAL configuration for reading terrain (defence in depth: the checks before opening come first)."""

LOCAL_CRS = "+proj=aeqd +lat_0=0 +lon_0=0 +datum=WGS84 +units=m +no_defs"
"""A metric CRS for synthetic grids that are not tied to a place (azimuthal equidistant at 0N 0E)."""


class TerrainError(ValueError):
    """A terrain file that cannot or may not be read.

    The message names the file and the reason, never the file's content.
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"terrain file '{self.path}': {reason}")

    def __reduce__(self):  # picklable (sweep workers), although __init__ takes two arguments
        return type(self), (self.path, self.reason)


def _sniff_driver(path: str, source) -> str:
    """The one GDAL driver for a terrain file, from its first bytes; refuse anything else.

    Runs before GDAL opens the path: regular files only (no FIFO, device or folder; symlinks are
    followed, loops refused), at most :data:`MAX_DEM_BYTES`, not XML (a VRT or any other GDAL XML
    format, whatever the file is called), and starting like a TIFF/BigTIFF or a DTED file, or named
    ``*.hgt`` with the size of an SRTM tile.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        reason = "symlink loop" if exc.errno == errno.ELOOP else (exc.strerror or "cannot be opened").lower()
        raise TerrainError(source, reason) from None
    if not stat.S_ISREG(info.st_mode):
        raise TerrainError(source, "not a regular file (a folder, FIFO or device); refused")
    if info.st_size == 0:
        raise TerrainError(source, "empty file")
    if info.st_size > MAX_DEM_BYTES:
        raise TerrainError(source, f"larger than {MAX_DEM_BYTES // 1024**3} GiB; refused")
    try:  # O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not hang
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise TerrainError(source, (exc.strerror or "cannot be opened").lower()) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise TerrainError(source, "not a regular file; refused")
        head = os.read(fd, 512)
    finally:
        os.close(fd)
    text = head
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        text = text.removeprefix(bom)
    if text.replace(b"\x00", b"").lstrip().startswith(b"<"):
        raise TerrainError(source, "is XML (a GDAL VRT or similar), not a GeoTIFF, DTED or SRTM .hgt file; refused")
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "GTiff"
    if head[:3] in (b"UHL", b"HDR", b"VOL"):
        return "DTED"
    if path.lower().endswith(".hgt") and info.st_size in _SRTM_SIZES:
        return "SRTMHGT"
    raise TerrainError(source, "not a GeoTIFF, DTED or SRTM .hgt file (unrecognised header)")


def _read_raster(source, header_only: bool = False, area=None, max_cells: int | None = None
                 ) -> tuple[np.ndarray | None, Affine, CRS | None, tuple[int, int]]:
    """Band 1 as float64 with nodata NaN, the transform and the CRS of a terrain file, read safely.

    Returns (band, transform, crs, (n_rows, n_cols)); with ``header_only`` the band is not read (None),
    after the same checks. With ``area`` = (crs, (left, bottom, right, top)) only the window of the raster
    covering that area is read (one cell more all round), decimated by the smallest whole factor (nearest
    neighbour) that brings it within ``max_cells`` (default :data:`MAX_DEM_CELLS`): for a land-cover product
    much larger than the terrain. The transform and shape are then the window's."""
    given = os.fspath(source)
    if given.lower().startswith("/vsi") or "://" in given:
        raise TerrainError(source, "GDAL virtual file systems and URLs are not allowed; give a local file")
    # An absolute, symlink-free path: GDAL never sees a /vsi prefix, a URL or a "DRIVER:" connection string.
    try:
        path = os.path.realpath(given, strict=True)
    except OSError as exc:
        reason = "symlink loop" if exc.errno == errno.ELOOP else (exc.strerror or "cannot be opened").lower()
        raise TerrainError(source, reason) from None
    if path.lower().startswith("/vsi") or "://" in path:
        raise TerrainError(source, "resolves to a GDAL virtual file system path; refused")
    driver = _sniff_driver(path, source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a missing CRS is reported below
            with rasterio.Env(**_GDAL_OPTIONS), rasterio.open(Path(path), driver=driver) as dataset:
                if dataset.driver not in ALLOWED_DRIVERS:
                    raise TerrainError(source, f"opened by GDAL driver {dataset.driver}, which is not allowed")
                if dataset.count < 1:
                    raise TerrainError(source, "the raster has no band")
                crs = None if dataset.crs is None else CRS.from_user_input(dataset.crs.to_wkt())
                if area is not None and crs is not None:
                    band, transform, shape = _read_area(dataset, crs, area, source, max_cells or MAX_DEM_CELLS)
                else:
                    if dataset.width * dataset.height > MAX_DEM_CELLS:
                        raise TerrainError(source, f"{dataset.height} x {dataset.width} cells, more than the "
                                           f"{MAX_DEM_CELLS:,} allowed")
                    shape = (dataset.height, dataset.width)
                    band = None if header_only else dataset.read(1, masked=True)
                    transform = dataset.transform
    except RasterioError:  # GDAL's message may echo bytes of the file: not passed on
        raise TerrainError(source, f"GDAL cannot read it as {driver} (corrupt or truncated)") from None
    if band is None:
        return None, transform, crs, shape
    return np.ma.filled(band.astype(np.float64), np.nan), transform, crs, shape


def _read_area(dataset, crs: CRS, area, source, max_cells: int):
    """(band, transform, shape) of the window of ``dataset`` covering ``area`` (see :func:`_read_raster`)."""
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    area_crs, bounds = area
    t = dataset.transform
    if t.b != 0 or t.d != 0:
        raise TerrainError(source, "a rotated grid; only north-up rasters can be read for an area")
    try:
        left, bottom, right, top = transform_bounds(area_crs, crs, *bounds, densify_pts=51)
    except Exception:  # a CRS the area cannot be transformed to: nothing usable
        raise TerrainError(source, "cannot place the raster on the terrain (its CRS)") from None
    cols, rows = _apply(~t, [left, right], [top, bottom])
    col0 = max(int(math.floor(min(cols))) - 1, 0)
    col1 = min(int(math.ceil(max(cols))) + 1, dataset.width)
    row0 = max(int(math.floor(min(rows))) - 1, 0)
    row1 = min(int(math.ceil(max(rows))) + 1, dataset.height)
    if col1 <= col0 or row1 <= row0:
        raise TerrainError(source, "the land-cover raster lies outside the terrain (it covers none of its cells)")
    width, height = col1 - col0, row1 - row0
    factor = max(1, math.ceil(math.sqrt(width * height / max_cells)))
    while math.ceil(width / factor) * math.ceil(height / factor) > max_cells:
        factor += 1
    shape = (math.ceil(height / factor), math.ceil(width / factor))
    band = dataset.read(1, window=Window(col0, row0, width, height), out_shape=shape,
                        resampling=Resampling.nearest, masked=True)
    transform = Affine(t.a * width / shape[1], 0.0, t.c + col0 * t.a, 0.0, t.e * height / shape[0], t.f + row0 * t.e)
    return band, transform, shape


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


def geographic_grid(transform: Affine, shape: tuple[int, int], crs: CRS
                    ) -> tuple[str, Affine, tuple[int, int], tuple[float, float]]:
    """The UTM grid a geographic raster is projected onto: (crs, transform, (n_rows, n_cols), (dx, dy)).

    ``transform`` and ``shape`` describe the raster (or the area of several, at one angular cell size) in
    the geographic CRS ``crs``. The UTM zone is that of the area's centre; the cell size is the angular
    cell's size in metres (E-W, N-S) at the centre latitude; the grid is the smallest one covering the
    area's outline (densified, so that curved edges are covered), from its north-west corner.
    """
    n_rows, n_cols = shape
    lon_c, lat_c = (float(v) for v in _apply(transform, n_cols / 2.0, n_rows / 2.0))
    dst_crs = utm_crs_for(lon_c, lat_c)
    dx, dy = _metric_cell_size(transform, lat_c, crs)
    xs, ys = _apply(transform, [0, n_cols, 0, n_cols], [0, 0, n_rows, n_rows])
    left, bottom, right, top = transform_bounds(crs, dst_crs, xs.min(), ys.min(), xs.max(), ys.max(),
                                                densify_pts=51)
    width = int(math.ceil((right - left) / dx))
    height = int(math.ceil((top - bottom) / dy))
    return dst_crs, Affine(dx, 0.0, left, 0.0, -dy, top), (height, width), (dx, dy)


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
        metres (E-W and N-S) at the centre latitude; cells outside the source are NaN. Bilinear, with
        exact coordinates (:func:`resample`).

    References
    ----------
    .. [1] Snyder, J. P. (1987). Map Projections - A Working Manual. USGS Professional Paper 1395,
       eqs 4-18 and 4-20 (radii of curvature M and N).
    """
    source_crs = CRS.from_user_input(crs)
    dst_crs, dst_transform, shape, (dx, dy) = geographic_grid(transform, elevation.shape, source_crs)
    destination = resample(elevation, transform, source_crs, dst_transform, dst_crs, shape)
    return Dem(destination, dst_transform, dst_crs, (dx, dy), source_crs=source_crs.to_string())


_RESAMPLE_ROWS = 256
"""Rows of the destination grid resampled at a time (bounds the memory of the coordinate arrays)."""


def resample(elevation, transform: Affine, crs, dst_transform: Affine, dst_crs, shape: tuple[int, int],
             window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Bilinear resampling of a raster onto another grid, with every cell centre transformed exactly.

    Each destination cell centre is transformed to the source CRS with PROJ (no approximation) and the
    source is interpolated there as :meth:`Dem.elevation_at` does (NaN where the four neighbours touch
    nodata or the point lies outside the source). A cell's value therefore depends only on where it is,
    not on the extent of the grid it belongs to: tiles resampled separately meet exactly where one
    larger raster would give the same heights. (GDAL's warper approximates the coordinate transform
    along scanlines and renormalises its kernel, which moved heights of the test crop by up to 2.7 m.)

    Parameters
    ----------
    elevation : numpy.ndarray, shape (n_rows, n_cols)
        Source values; NaN for nodata.
    transform, crs
        The source grid's transform and CRS.
    dst_transform, dst_crs, shape
        The destination grid.
    window : (row0, row1, col0, col1), optional
        Only these destination cells (the result then has the window's shape).
    """
    return resample_with_support(elevation, transform, crs, dst_transform, dst_crs, shape, window)[0]


def resample_with_support(elevation, transform: Affine, crs, dst_transform: Affine, dst_crs, shape: tuple[int, int],
                          window: tuple[int, int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`resample`, and whether each value was interpolated between four source cell centres (True) or
    taken from the nearest edge cells, in the half cell between a source's outermost centres and its edge
    (False; also False where the value is NaN)."""
    row0, row1, col0, col1 = window if window is not None else (0, shape[0], 0, shape[1])
    source = Dem(np.asarray(elevation, dtype=np.float64), transform, str(crs), (1.0, 1.0))
    n_rows, n_cols = source.shape
    out = np.full((row1 - row0, col1 - col0), np.nan)
    support = np.zeros(out.shape, dtype=bool)
    for block, sx, sy in centres_in(dst_transform, dst_crs, (row0, row1, col0, col1), crs):
        out[block] = source.elevation_at(sx, sy)
        fr, fc = source._fractional_rowcol(sx, sy)
        support[block] = (fr >= 0) & (fr <= n_rows - 1) & (fc >= 0) & (fc <= n_cols - 1) & np.isfinite(out[block])
    return out, support


def centres_in(transform: Affine, crs, window: tuple[int, int, int, int], to_crs):
    """The centres of the cells in ``window`` (row0, row1, col0, col1) of a grid (``transform`` in ``crs``),
    transformed exactly into ``to_crs``, a block of :data:`_RESAMPLE_ROWS` rows at a time: yields (the block's
    rows as a slice of the window, x, y)."""
    row0, row1, col0, col1 = window
    to = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_user_input(to_crs), always_xy=True)
    cols = np.arange(col0, col1, dtype=float) + 0.5
    for start in range(row0, row1, _RESAMPLE_ROWS):
        rows = np.arange(start, min(start + _RESAMPLE_ROWS, row1), dtype=float) + 0.5
        c, r = np.meshgrid(cols, rows)
        x, y = to.transform(*_apply(transform, c, r))
        yield slice(start - row0, start - row0 + len(rows)), x, y


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
    """Read a DEM (GeoTIFF, DTED or SRTM ``.hgt``) onto a metric grid.

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
    TerrainError
        (a ``ValueError``) Before GDAL opens anything: a ``/vsi...`` path or URL, a missing file, a
        symlink loop, anything but a regular file (FIFO, device, folder), a file larger than
        :data:`MAX_DEM_BYTES`, an XML file (VRT) whatever its name, a file that does not start like a
        GeoTIFF or DTED file and is not an SRTM ``.hgt`` tile. After opening (with that one driver,
        sidecar files ignored): a driver other than :data:`ALLOWED_DRIVERS`, more than
        :data:`MAX_DEM_CELLS` cells, a file GDAL cannot read, no CRS, a CRS not in metres, a rotated grid, a
        grid whose CRS (or the UTM zone a geographic one is projected to) is not true to scale over it within
        :data:`MAX_SCALE_ERROR`. A south-up grid is read north-up.
    """
    if str(source) == SAMPLE:
        elevation, transform, crs = _sample_dem()
        return project_geographic(elevation, transform, crs)
    elevation, transform, crs, _ = _read_raster(source)
    if crs is None:
        raise TerrainError(source, "the raster has no CRS; cannot tell metres from degrees")
    check_heights(source, elevation)
    if transform.b != 0 or transform.d != 0:
        raise TerrainError(source, "a rotated grid; warp it north-up first (gdalwarp)")
    if transform.e > 0:  # south-up (row 0 the southernmost): the same heights north-up, as every reader expects
        elevation = np.ascontiguousarray(elevation[::-1])
        transform = Affine(transform.a, 0.0, transform.c, 0.0, -transform.e,
                           transform.f + transform.e * elevation.shape[0])
    if crs.is_geographic:
        check_latitudes(source, transform, elevation.shape)
        dem = project_geographic(elevation, transform, crs)
        check_scale(source, CRS.from_user_input(dem.crs), dem.transform, dem.shape)  # (one UTM zone, however wide)
        return dem
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise TerrainError(source, f"projected CRS in {unit!r}; iadsim needs metres")
    check_scale(source, crs, transform, elevation.shape)
    cell_size = (math.hypot(transform.a, transform.d), math.hypot(transform.b, transform.e))
    epsg = crs.to_epsg()
    crs_text = f"EPSG:{epsg}" if epsg is not None else crs.to_wkt()
    return Dem(elevation, transform, crs_text, cell_size)


LOWEST, HIGHEST = -12_000.0, 9_000.0
"""[m] the range a terrain height may lie in (the Challenger Deep and Everest, rounded out): beyond it a value is
an undeclared nodata value or a raster of something else."""


MAX_SCALE_ERROR = 0.01
"""Largest departure of a projected CRS's scale from 1 over a DEM (its centre and corners): iadsim measures ranges
and areas on the grid, so a CRS not true to scale there (Web Mercator: 1.40 at 44.5 deg) would stretch every one.
UTM reaches 1.001 at a zone's edge."""


def check_scale(source, crs: CRS, transform: Affine, shape: tuple[int, int]) -> None:
    """TerrainError when the projected ``crs`` is not true to scale, within :data:`MAX_SCALE_ERROR`, at the centre
    and corners of the grid (``transform``, ``shape`` rows and columns)."""
    rows, cols = shape
    xs = [transform.c + transform.a * c for c in (0.0, cols / 2.0, cols)]
    ys = [transform.f + transform.e * r for r in (0.0, rows / 2.0, rows)]
    x = [xs[1], xs[0], xs[0], xs[2], xs[2]]  # (the centre, then the corners)
    y = [ys[1], ys[0], ys[2], ys[0], ys[2]]
    try:
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        factors = Proj(crs).get_factors(lon, lat)
        scales = np.concatenate([np.asarray(factors.meridional_scale, float), np.asarray(factors.parallel_scale,
                                                                                          float)])
    except Exception:  # (a CRS pyproj cannot invert here: nothing to say)
        return
    scales = scales[np.isfinite(scales)]
    if scales.size and float(np.abs(scales - 1.0).max()) > MAX_SCALE_ERROR:
        worst = float(scales[np.argmax(np.abs(scales - 1.0))])
        raise TerrainError(source, f"its CRS is not true to scale here (scale factor {worst:.3f}: distances and "
                           "areas on its grid would be off by that much); warp it to a UTM zone or a conformal "
                           "national grid (gdalwarp -t_srs), or give it in longitude and latitude")


def check_latitudes(source, transform: Affine, shape: tuple[int, int]) -> None:
    """TerrainError when a geographic raster (``transform`` in degrees, ``shape`` rows and columns) reaches past a
    pole: its cell size or origin is wrong."""
    rows, cols = shape
    lats = (transform.f, transform.f + transform.e * rows, transform.f + transform.d * cols)
    if not all(math.isfinite(v) and -90.0 <= v <= 90.0 for v in lats):
        raise TerrainError(source, f"a geographic raster reaching latitude {max(lats, key=abs):.6g} deg, beyond "
                           "a pole (its cell size or origin is wrong)")


def check_heights(source, elevation: np.ndarray) -> None:
    """TerrainError when a height (of those that are not nodata) lies outside [LOWEST, HIGHEST]."""
    finite = elevation[np.isfinite(elevation)]
    if finite.size and (float(finite.min()) < LOWEST or float(finite.max()) > HIGHEST):
        worst = float(finite.min()) if -float(finite.min()) > float(finite.max()) else float(finite.max())
        raise TerrainError(source, f"a height of {worst:.6g} m, outside the Earth's {LOWEST:g} to {HIGHEST:g} m "
                           "(a nodata value the file does not declare?)")


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

    The file is made in memory (:func:`geotiff_bytes`), written beside ``path`` and renamed onto it: an earlier
    file there stays whole until the new one is complete, and a ``path`` that exists and is not a regular file (a
    FIFO, a device, a folder) is refused (an OSError naming it) rather than written into.

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
    data = geotiff_bytes(array, dem)
    path = Path(path)
    replace_file(path, data)
    return path


def geotiff_bytes(array, dem: Dem) -> bytes:
    """The float32 single-band GeoTIFF of :func:`write_geotiff` (deflate, nodata NaN, on ``dem``'s grid) as bytes,
    made in GDAL's memory (rasterio's MemoryFile), for a caller that writes them itself (the report's exports,
    through ``iadsim.scenario.yamlio.write_atomic``)."""
    values = np.asarray(array, dtype=np.float32)
    if values.shape != dem.shape:
        raise ValueError(f"array shape {values.shape} does not match the DEM's {dem.shape}")
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
    with rasterio.MemoryFile(ext=".tif") as memory:
        with memory.open(**profile) as dataset:
            dataset.write(values, 1)
        return bytes(memory.getbuffer())
