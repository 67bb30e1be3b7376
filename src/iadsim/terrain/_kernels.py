"""Compiled masking-height kernels (numba). Private: call them through :mod:`iadsim.terrain.masking`.

Conventions shared by both kernels
----------------------------------
* ``z`` is a C-contiguous float64 grid, row 0 first; ``dx`` is the column spacing and ``dy`` the row
  spacing [m]. Distances between cells are measured between cell centres.
* The observer eye is at ``z0 = z[r0, c0] + observer_height``.
* Earth curvature (with refraction folded into the effective radius ``k R``) lowers every point at
  ground distance ``d`` by ``d**2 * curv`` with ``curv = 1 / (2 k R)`` - the same correction GDAL
  applies (``dfCurvCoeff / (2 R)`` with ``dfCurvCoeff = 1 / k``).
* Terrain between cell centres is linear along the grid lines through the centres (the R3 model of
  Franklin & Ray 1994). A sample whose interpolation touches a NaN cell is skipped: nodata does not
  block. A NaN target cell gives NaN.
* The masking height of a target at ground distance ``D`` is
  ``max(0, z0 + D * s - (z_T - D**2 curv))`` where ``s`` is the largest elevation slope
  ``(z_s - d_s**2 curv - z0) / d_s`` over the samples strictly between observer and target.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_NONE = -1e300  # the slope of "no sample yet": finite, so that interpolating it never gives NaN

# The eight octants as (major axis is the column axis, major sign, minor sign).
_OCTANTS = np.array(
    [[1, 1, 1], [1, 1, -1], [1, -1, 1], [1, -1, -1], [0, 1, 1], [0, 1, -1], [0, -1, 1], [0, -1, -1]],
    dtype=np.int64,
)


@njit(cache=True, nogil=True)
def _cast_ray(zf, base, stride_major, stride_minor, z0, step_major, step_minor, curv, k, n_rays,
              minor_limit, inv_t, slopes):
    """Running maximum slope along the ray from the observer to (n_rays, k) in octant coordinates.

    ``zf`` is the flattened terrain and the cell at (major t, minor j) of the octant is
    ``zf[base + t * stride_major + j * stride_minor]``. ``slopes[t]`` receives the largest slope over
    the samples before major step ``t`` (``_NONE`` when there is none). Samples are taken at every
    crossing of a grid line through cell centres, as in R3: on the lines of the major axis
    (interpolated along the minor axis, whose index is clamped at the grid edge) and on the lines of
    the minor axis (interpolated along the major axis). Returns the last step written.
    """
    if k == 0:
        last = n_rays
    else:
        last = min(n_rays, ((minor_limit + 1) * n_rays) // k)
    tan = k / n_rays
    inv_tan = n_rays / k if k > 0 else 0.0
    step = math.sqrt(step_major * step_major + (tan * step_minor) ** 2)  # ground distance per step
    inv_step = 1.0 / step
    curv_step = curv * step
    inv_n = 1.0 / n_rays
    edge = base + minor_limit * stride_minor
    best = _NONE
    slopes[0] = _NONE
    j = 0  # floor(t k / n) and its remainder, updated without division
    rem = 0
    for t in range(1, last + 1):
        j_prev = j
        rem += k
        if rem >= n_rays:
            rem -= n_rays
            j += 1
        at_major = base + t * stride_major
        if j > j_prev and rem != 0 and j <= minor_limit:
            # the ray crosses minor grid line j between steps t-1 and t (not at a vertex)
            u = j * inv_tan  # major coordinate of the crossing
            i = at_major + j * stride_minor
            za = zf[i - stride_major]
            zs = za + (u - (t - 1)) * (zf[i] - za)
            s = (zs - z0) * inv_step / u - curv_step * u
            if s > best:  # False for NaN: nodata does not block
                best = s
        slopes[t] = best
        if j >= minor_limit:
            zs = zf[edge + at_major - base]
        else:
            i = at_major + j * stride_minor
            za = zf[i]
            if rem == 0:
                zs = za
            else:
                zs = za + (rem * inv_n) * (zf[i + stride_minor] - za)
        s = (zs - z0) * inv_step * inv_t[t] - curv_step * t
        if s > best:
            best = s
    return last


@njit(cache=True, nogil=True)
def _plan(n_rows, n_cols, r0, c0, dx, dy, max_distance, chunk):
    """Octant geometry, the 1/t table and the task list (octant, first ray, last ray) of a sweep."""
    # octant geometry: n_rays (= major limit), minor limit, flat strides of the major and minor axes
    geometry = np.zeros((8, 4), dtype=np.int64)
    for o in range(8):
        major_is_col = _OCTANTS[o, 0] == 1
        s_major = _OCTANTS[o, 1]
        s_minor = _OCTANTS[o, 2]
        if major_is_col:
            major_limit = n_cols - 1 - c0 if s_major > 0 else c0
            minor_limit = n_rows - 1 - r0 if s_minor > 0 else r0
            geometry[o, 2] = s_major
            geometry[o, 3] = s_minor * n_cols
            step_major = dx
        else:
            major_limit = n_rows - 1 - r0 if s_major > 0 else r0
            minor_limit = n_cols - 1 - c0 if s_minor > 0 else c0
            geometry[o, 2] = s_major * n_cols
            geometry[o, 3] = s_minor
            step_major = dy
        if max_distance < np.inf:
            major_limit = min(major_limit, int(math.ceil(max_distance / step_major)))
        geometry[o, 0] = major_limit
        geometry[o, 1] = minor_limit
    n_max = geometry[:, 0].max()
    inv_t = np.empty(n_max + 1)
    inv_t[0] = np.inf
    for t in range(1, n_max + 1):
        inv_t[t] = 1.0 / t
    # tasks (octant, first ray, last ray), octants interleaved so static scheduling balances threads
    n_tasks = 0
    for o in range(8):
        n_tasks += (geometry[o, 0] + chunk - 1) // chunk
    tasks = np.zeros((n_tasks, 3), dtype=np.int64)
    i = 0
    for first in range(0, n_max, chunk):
        for o in range(8):
            if first < geometry[o, 0]:
                tasks[i, 0] = o
                tasks[i, 1] = first
                tasks[i, 2] = min(first + chunk, geometry[o, 0])
                i += 1

    return geometry, inv_t, tasks


@njit(cache=True, nogil=True)
def _run_task(zf, out, base, z0, dx, dy, curv, max_d2, geometry, inv_t, o, first, stop):
    """Cast rays ``first .. stop`` of octant ``o`` and fill the cells between consecutive rays."""
    major_is_col = _OCTANTS[o, 0] == 1
    s_minor = _OCTANTS[o, 2]
    n_rays = geometry[o, 0]
    minor_limit = geometry[o, 1]
    stride_major = geometry[o, 2]
    stride_minor = geometry[o, 3]
    if major_is_col:
        step_major, step_minor = dx, dy
    else:
        step_major, step_minor = dy, dx
    lo = np.empty(n_rays + 1)
    hi = np.empty(n_rays + 1)
    last_lo = _cast_ray(zf, base, stride_major, stride_minor, z0, step_major, step_minor, curv,
                        first, n_rays, minor_limit, inv_t, lo)
    for k in range(first, stop):
        last_hi = _cast_ray(zf, base, stride_major, stride_minor, z0, step_major, step_minor, curv,
                            k + 1, n_rays, minor_limit, inv_t, hi)
        is_last_pair = k + 1 == n_rays
        # cells m in [ceil(t k / n), ceil(t (k+1) / n)) lie between the rays at step t
        q_lo, rem_lo = 0, 0  # t k = q_lo n + rem_lo
        q_hi, rem_hi = 0, 0  # t (k+1) = q_hi n + rem_hi
        for t in range(1, min(last_lo, last_hi) + 1):
            rem_lo += k
            if rem_lo >= n_rays:
                rem_lo -= n_rays
                q_lo += 1
            rem_hi += k + 1
            if rem_hi >= n_rays:
                rem_hi -= n_rays
                q_hi += 1
            m_start = q_lo + (1 if rem_lo > 0 else 0)
            m_stop = t + 1 if is_last_pair else q_hi + (1 if rem_hi > 0 else 0)
            if m_stop > minor_limit + 1:
                m_stop = minor_limit + 1
            # Each cell is written by exactly one octant: the positive minor side owns the axis
            # (m == 0) and the column-major octants own the diagonal (m == t).
            if m_start == 0 and s_minor < 0:
                m_start = 1
            if m_stop == t + 1 and not major_is_col:
                m_stop = t
            if m_start >= m_stop:
                continue
            s_lo = lo[t]
            ds = hi[t] - s_lo
            a2 = (t * step_major) ** 2
            at_major = base + t * stride_major
            for m in range(m_start, m_stop):
                b = m * step_minor
                d2 = a2 + b * b
                if d2 > max_d2:
                    continue
                i = at_major + m * stride_minor
                w = (m * n_rays - t * k) * inv_t[t]  # position between the two rays, 0 .. 1
                h = z0 + math.sqrt(d2) * (s_lo + w * ds) - (zf[i] - d2 * curv)
                # clamp at 0; a NaN target (nodata) stays NaN
                out[i] = 0.0 if h <= 0.0 else h
        lo, hi = hi, lo  # the upper ray of this pair is the lower ray of the next
        last_lo = last_hi


@njit(cache=True, parallel=True)
def sweep_masking_height(z, dx, dy, r0, c0, observer_height, curv, max_distance, chunk):
    """Masking height on the whole grid by a radial sweep (see :func:`iadsim.terrain.masking_height`).

    In each octant rays run from the observer to every cell of the far edge (``n_rays + 1`` rays,
    one cell apart there, denser inside), so any cell lies between two neighbouring rays less than a
    cell apart. A cell's horizon slope is interpolated linearly between the two rays that bracket it
    (in the tangent of the azimuth) at the cell's major step, then the masking height follows. Each
    ray samples every grid-line crossing, so a ray through a cell centre gives the exact (R3) value.
    Work is ~3 samples per cell; rays are shared out in chunks over threads.
    """
    n_rows, n_cols = z.shape
    zf = z.ravel()
    out = np.full(n_rows * n_cols, np.nan)
    base = r0 * n_cols + c0
    z0 = zf[base] + observer_height
    geometry, inv_t, tasks = _plan(n_rows, n_cols, r0, c0, dx, dy, max_distance, chunk)
    for it in prange(tasks.shape[0]):
        _run_task(zf, out, base, z0, dx, dy, curv, max_distance * max_distance, geometry, inv_t,
                  tasks[it, 0], tasks[it, 1], tasks[it, 2])
    out[base] = 0.0
    return out.reshape((n_rows, n_cols))


@njit(cache=True, parallel=True)
def sweep_masking_heights(z, dx, dy, rows, cols, observer_heights, curv, max_distance, chunk):
    """:func:`sweep_masking_height` for many observers, one observer per thread at a time."""
    n_rows, n_cols = z.shape
    n_obs = rows.shape[0]
    zf = z.ravel()
    out = np.full((n_obs, n_rows * n_cols), np.nan)
    for q in prange(n_obs):
        base = rows[q] * n_cols + cols[q]
        z0 = zf[base] + observer_heights[q]
        geometry, inv_t, tasks = _plan(n_rows, n_cols, rows[q], cols[q], dx, dy, max_distance, chunk)
        res = out[q]
        for it in range(tasks.shape[0]):
            _run_task(zf, res, base, z0, dx, dy, curv, max_distance * max_distance, geometry, inv_t,
                      tasks[it, 0], tasks[it, 1], tasks[it, 2])
        res[base] = 0.0
    return out.reshape((n_obs, n_rows, n_cols))


@njit(cache=True, nogil=True)
def _exact_one(z, dx, dy, r0, c0, z0, curv, tr, tc):
    """R3 masking height of one target cell: every crossing of a grid line through cell centres."""
    zt = z[tr, tc]
    if math.isnan(zt):
        return np.nan
    dr = tr - r0
    dc = tc - c0
    ar = abs(dr)
    ac = abs(dc)
    d_total2 = (dc * dx) ** 2 + (dr * dy) ** 2
    if ar + ac <= 1:
        return 0.0
    sr = 1 if dr > 0 else -1
    sc = 1 if dc > 0 else -1
    d_total = math.sqrt(d_total2)
    best = -np.inf
    # crossings of the column lines: col = c0 + sc*i, fraction i/ac of the way
    for i in range(1, ac):
        u = i / ac
        rf = r0 + (dr * i) / ac  # row at the crossing
        ra = int(math.floor(rf))
        f = rf - ra
        col = c0 + sc * i
        za = z[ra, col]
        zs = za if f == 0.0 else za + f * (z[ra + 1, col] - za)
        d = u * d_total
        s = (zs - d * d * curv - z0) / d
        if s > best:
            best = s
    for i in range(1, ar):
        u = i / ar
        cf = c0 + (dc * i) / ar
        ca = int(math.floor(cf))
        f = cf - ca
        row = r0 + sr * i
        za = z[row, ca]
        zs = za if f == 0.0 else za + f * (z[row, ca + 1] - za)
        d = u * d_total
        s = (zs - d * d * curv - z0) / d
        if s > best:
            best = s
    if best == -np.inf:
        return 0.0
    h = z0 + d_total * best - (zt - d_total2 * curv)
    return h if h > 0.0 else 0.0


@njit(cache=True, parallel=True)
def exact_masking_height_at(z, dx, dy, r0, c0, observer_height, curv, rows, cols):
    """R3 masking heights at the given cells (flat index arrays), in parallel."""
    n = rows.shape[0]
    out = np.empty(n)
    z0 = z[r0, c0] + observer_height
    for i in prange(n):
        out[i] = _exact_one(z, dx, dy, r0, c0, z0, curv, rows[i], cols[i])
    return out


@njit(cache=True, parallel=True)
def exact_masking_height(z, dx, dy, r0, c0, observer_height, curv, max_distance):
    """R3 masking heights on the whole grid (O(n^1.5): a reference, not for production)."""
    n_rows, n_cols = z.shape
    out = np.full((n_rows, n_cols), np.nan)
    z0 = z[r0, c0] + observer_height
    max_d2 = max_distance * max_distance
    for r in prange(n_rows):
        for c in range(n_cols):
            d2 = ((c - c0) * dx) ** 2 + ((r - r0) * dy) ** 2
            if d2 <= max_d2:
                out[r, c] = _exact_one(z, dx, dy, r0, c0, z0, curv, r, c)
    return out
