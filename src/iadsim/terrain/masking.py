"""Terrain masking height: the lowest height above ground at which a target is seen from an observer.

Two methods compute the same quantity on a regular metric grid:

``"sweep"`` (default)
    A radial sweep compiled with numba, O(n) per observer: rays to every cell of the grid's edge in
    each octant, a running maximum of the elevation slope along each ray, and each cell's horizon
    slope interpolated between the two rays that bracket it.
``"exact"``
    A straight line of sight to every cell centre, sampled at every crossing of a grid line (the R3
    algorithm of Franklin & Ray). O(n^1.5): the reference the sweep is tested against.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from iadsim.terrain import _kernels
from iadsim.units import EARTH_RADIUS

DEFAULT_K = 4.0 / 3.0
"""Effective earth-radius factor of the standard radio atmosphere (the "4/3 earth")."""

_CHUNK = 128  # rays per parallel task in one observer's sweep
_CHUNK_SERIAL = 256  # rays stepped together when each observer's sweep runs on one thread


def _cell_size(cell_size) -> tuple[float, float]:
    size = np.broadcast_to(np.asarray(cell_size, dtype=float), (2,))
    dx, dy = float(size[0]), float(size[1])
    if not (dx > 0 and dy > 0 and math.isfinite(dx) and math.isfinite(dy)):
        raise ValueError(f"cell_size must be positive and finite, got {cell_size!r}")
    return dx, dy


def _prepare(elevation, cell_size, observer_row, observer_col, observer_height, k, max_distance):
    z = np.ascontiguousarray(elevation, dtype=np.float64).view()
    z.flags.writeable = False  # one compiled signature (read-only) for every caller, no copy
    if z.ndim != 2:
        raise ValueError(f"elevation must be a 2-D array, got shape {z.shape}")
    dx, dy = _cell_size(cell_size)
    if int(observer_row) != observer_row or int(observer_col) != observer_col:
        raise ValueError("observer_row and observer_col must be integer cell indices")
    r0, c0 = int(observer_row), int(observer_col)
    n_rows, n_cols = z.shape
    if not (0 <= r0 < n_rows and 0 <= c0 < n_cols):
        raise ValueError(f"observer cell ({r0}, {c0}) is outside the {n_rows} x {n_cols} grid")
    if math.isnan(z[r0, c0]):
        raise ValueError(f"observer cell ({r0}, {c0}) has no elevation (nodata)")
    if not math.isfinite(observer_height):
        raise ValueError(f"observer_height must be finite, got {observer_height!r}")
    if not k > 0:
        raise ValueError(f"k must be positive (use math.inf for a flat earth), got {k!r}")
    curvature = 1.0 / (2.0 * k * EARTH_RADIUS)
    if max_distance is None:
        max_distance = math.inf
    elif not max_distance > 0:
        raise ValueError(f"max_distance must be positive, got {max_distance!r}")
    return z, dx, dy, r0, c0, float(observer_height), curvature, float(max_distance)


def _output(shape, max_distance) -> np.ndarray:
    """The sweep's output array, allocated by numpy (which asks Linux for huge pages on large arrays:
    a quarter of the first-touch cost of numba's allocator) and NaN beyond ``max_distance``."""
    return np.full(shape, np.nan) if max_distance < math.inf else np.empty(shape)


def _sweep(z, dx, dy, r0, c0, observer_height, curvature, max_distance):
    out = _output(z.shape, max_distance)
    _kernels.sweep_masking_height(z, dx, dy, r0, c0, observer_height, curvature, max_distance, _CHUNK,
                                  out.reshape(-1))
    return out


_METHODS: dict[str, Callable[..., np.ndarray]] = {
    "sweep": _sweep,
    "exact": _kernels.exact_masking_height,
}


def masking_height(
    elevation,
    cell_size,
    observer_row: int,
    observer_col: int,
    observer_height: float,
    k: float = DEFAULT_K,
    max_distance: float | None = None,
    method: str = "sweep",
) -> np.ndarray:
    """Lowest height above the ground at which a target is in line of sight of an observer.

    For each cell of a regular grid, the height above that cell's ground a target must exceed to be
    seen from an observer ``observer_height`` above the ground of the observer cell, over a smooth
    earth of effective radius ``k * EARTH_RADIUS`` (refraction folded into ``k``). This is the
    quantity GDAL's viewshed writes in its GROUND output mode with curvature coefficient ``1/k``.

    Parameters
    ----------
    elevation : array_like, shape (n_rows, n_cols)
        Ground elevation [m], row 0 first; NaN marks nodata.
    cell_size : float or (float, float)
        Grid spacing [m]: one number, or ``(dx, dy)`` = (column spacing, row spacing).
    observer_row, observer_col : int
        Cell of the observer.
    observer_height : float
        Height of the observer's eye above the ground of its cell [m].
    k : float, default 4/3
        Effective earth-radius factor [-]; ``math.inf`` for a flat earth.
    max_distance : float, optional
        Cells whose centre is farther than this from the observer cell's centre are NaN [m].
    method : {"sweep", "exact"}
        ``"sweep"``: the compiled O(n) radial sweep. ``"exact"``: a line of sight to every cell
        sampled at every grid-line crossing, O(n^1.5), the reference for tests.

    Returns
    -------
    numpy.ndarray of float64, shape (n_rows, n_cols)
        Masking height [m]: 0 where the ground itself is visible, NaN beyond ``max_distance`` and on
        nodata cells.

    Raises
    ------
    ValueError
        If the observer cell is outside the grid or has no elevation, or an argument is invalid, or
        ``method`` is unknown.

    Notes
    -----
    Terrain between cell centres is taken as linear along the grid lines through the centres (the
    R3 model). A point at ground distance ``d`` is lowered by ``d**2 / (2 k R)``, target included.
    With ``s`` the largest slope ``(z(d) - d**2/(2kR) - z0) / d`` over the terrain samples strictly
    between the observer eye ``z0`` and a target at distance ``D``, the masking height is
    ``max(0, z0 + D s - (z_T - D**2/(2kR)))``.

    Nodata: a NaN cell gives a NaN result and does *not* block: samples interpolated from a NaN cell
    are skipped. (Voids in real DEMs are usually water or radar shadow; treating them as blocking
    would hide everything behind a lake.)

    The sweep takes the same samples as the exact method along its rays and differs from it only
    through the interpolation of the horizon slope between rays less than a cell apart; see
    ``tests/terrain`` for the measured error.

    References
    ----------
    .. [1] Wang, J., Robinson, G. J. and White, K. (2000). Generating viewsheds without using
       sightlines. Photogrammetric Engineering & Remote Sensing 66(1), 87-90.
    .. [2] Franklin, W. R. and Ray, C. (1994). Higher isn't necessarily better: visibility
       algorithms and experiments. Proc. 6th Int. Symp. on Spatial Data Handling, 751-770.
    .. [3] GDAL, ``GDALViewshedGenerate`` (alg/viewshed.cpp): curvature correction
       ``dfCurvCoeff * d**2 / (2 R)``.
    """
    try:
        kernel = _METHODS[method]
    except KeyError:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(_METHODS)}") from None
    args = _prepare(elevation, cell_size, observer_row, observer_col, observer_height, k, max_distance)
    return kernel(*args)


def masking_heights(
    elevation,
    cell_size,
    observer_rows,
    observer_cols,
    observer_heights,
    k: float = DEFAULT_K,
    max_distance: float | None = None,
    out: np.ndarray | None = None,
    window: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """:func:`masking_height` (``"sweep"``) for many observers at once, observer cells shared over threads.

    Parameters
    ----------
    elevation, cell_size, k, max_distance
        As in :func:`masking_height` ([m], [m], [-], [m]).
    observer_rows, observer_cols : array_like of int, shape (n_observers,)
        Observer cells.
    observer_heights : float or array_like, shape (n_observers,)
        Eye heights above the ground [m] (broadcast).
    out : numpy.ndarray, optional
        A C-contiguous float64 array of shape (n_observers, n_rows, n_cols) to write the result into,
        whatever it holds (every cell is overwritten): a caller sweeping batch after batch allocates
        it once. Default: a new array.
    window : (int, int, int, int), optional
        The cells wanted: first row, last row, first column, last column (inclusive), holding every
        observer. Only they are swept (the rays go as far as they need), with the values of a sweep of
        the whole grid; the cells outside are NaN. Default: the whole grid.

    Returns
    -------
    numpy.ndarray of float64, shape (n_observers, n_rows, n_cols)
        Masking height [m] of each observer, equal to :func:`masking_height` of that observer (within
        ``window``; ``out`` when given).

    Notes
    -----
    Observers on one cell (eyes at several heights) are swept together by one thread: the rays are
    stepped and the terrain sampled once for all of them, each eye's slopes and heights computed as
    alone, so the results are the same. The compiled sweep releases the GIL: other Python threads
    run while it works.
    """
    rows = np.atleast_1d(np.asarray(observer_rows))
    cols = np.atleast_1d(np.asarray(observer_cols))
    rows, cols, heights = np.broadcast_arrays(rows, cols, np.asarray(observer_heights, dtype=float))
    z = None
    for r, c, h in zip(rows.ravel(), cols.ravel(), heights.ravel(), strict=True):
        z, dx, dy, _, _, _, curvature, max_d = _prepare(elevation, cell_size, r, c, h, k, max_distance)
    if z is None:
        raise ValueError("no observers given")
    shape = (rows.size, *z.shape)
    if window is None:
        window = (0, z.shape[0] - 1, 0, z.shape[1] - 1)
    box = np.asarray(window)
    if not (box.shape == (4,) and np.issubdtype(box.dtype, np.integer) and 0 <= box[0] <= box[1] < z.shape[0]
            and 0 <= box[2] <= box[3] < z.shape[1]):
        raise ValueError(f"window must be (first row, last row, first column, last column) of the {z.shape[0]} x "
                         f"{z.shape[1]} grid, got {window!r}")
    if not ((box[0] <= rows) & (rows <= box[1]) & (box[2] <= cols) & (cols <= box[3])).all():
        raise ValueError(f"window {tuple(int(v) for v in box)} does not hold every observer")
    if out is None:
        out = np.empty(shape)  # the kernel sets the cells beyond max_distance to NaN itself
    elif not (isinstance(out, np.ndarray) and out.shape == shape and out.dtype == np.float64
              and out.flags.c_contiguous and out.flags.writeable):
        raise ValueError(f"out must be a writeable C-contiguous float64 array of shape {shape}")
    _kernels.sweep_masking_heights(
        z, dx, dy, np.array(rows.ravel(), dtype=np.int64), np.array(cols.ravel(), dtype=np.int64),
        np.array(heights.ravel(), dtype=np.float64), curvature, max_d, _CHUNK_SERIAL, box.astype(np.int64),
        out.reshape(rows.size, -1),
    )
    return out


def masking_height_at(
    elevation,
    cell_size,
    observer_row: int,
    observer_col: int,
    observer_height: float,
    rows,
    cols,
    k: float = DEFAULT_K,
) -> np.ndarray:
    """Exact masking height at selected cells (the ``"exact"`` method of :func:`masking_height`).

    Parameters
    ----------
    elevation, cell_size, observer_row, observer_col, observer_height, k
        As in :func:`masking_height` ([m], [m], -, -, [m], [-]).
    rows, cols : array_like of int
        Target cells (broadcast together).

    Returns
    -------
    numpy.ndarray of float64
        Masking height [m] at each target cell, shaped like the broadcast ``rows``/``cols``.

    References
    ----------
    .. [1] Franklin, W. R. and Ray, C. (1994). Higher isn't necessarily better: visibility
       algorithms and experiments. Proc. 6th Int. Symp. on Spatial Data Handling, 751-770.
    """
    z, dx, dy, r0, c0, h, curvature, _ = _prepare(
        elevation, cell_size, observer_row, observer_col, observer_height, k, None
    )
    rows, cols = np.broadcast_arrays(np.asarray(rows), np.asarray(cols))
    if not (np.issubdtype(rows.dtype, np.integer) and np.issubdtype(cols.dtype, np.integer)):
        raise ValueError("rows and cols must be integer cell indices")
    flat_r = rows.astype(np.int64).ravel()
    flat_c = cols.astype(np.int64).ravel()
    inside = (flat_r >= 0) & (flat_r < z.shape[0]) & (flat_c >= 0) & (flat_c < z.shape[1])
    if not inside.all():
        raise ValueError("a target cell is outside the grid")
    values = _kernels.exact_masking_height_at(z, dx, dy, r0, c0, h, curvature, flat_r, flat_c)
    return values.reshape(rows.shape)
