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
def _cast_ray(zf, base, stride_major, stride_minor, z0, step, curv, k, n_rays, minor_limit, inv_t,
              buf, width, col):
    """Running maximum slope along the ray from the observer to (n_rays, k) in octant coordinates.

    ``zf`` is the flattened terrain; the cell at (major t, minor j) of the octant is
    ``zf[base + t * stride_major + j * stride_minor]``. Samples are taken at every crossing of a grid
    line through cell centres, as in R3: on the lines of the major axis (interpolated along the minor
    axis; beyond the last minor line, the edge cell) and on the lines of the minor axis (interpolated
    along the major axis). ``buf[t * width + col]`` receives the largest slope over the samples before
    major step ``t`` (``_NONE`` when there is none), for ``t`` up to the last step at which the ray is
    needed, which is returned.
    """
    if k == 0:
        last = n_rays
        inside = n_rays - 1 if minor_limit > 0 else 0  # steps whose sample has a cell beyond it
    else:
        last = min(n_rays, ((minor_limit + 1) * n_rays) // k)
        inside = min(last - 1, (minor_limit * n_rays - 1) // k)  # last t with t k / n_rays < minor_limit
    inv_step = 1.0 / step
    curv_step = curv * step
    inv_n = 1.0 / n_rays
    inv_k = 1.0 / k if k > 0 else 0.0
    tan = k * inv_n
    best = _NONE
    buf[width + col] = _NONE
    j = 0  # floor(t k / n_rays) and its remainder, updated without division
    rem = 0
    at = base
    for t in range(1, inside + 1):
        rem += k
        crossed = rem >= n_rays
        if crossed:
            rem -= n_rays
            j += 1
        at += stride_major
        i = at + j * stride_minor
        za = zf[i]
        # the crossing of minor line j (if the ray crossed it since step t - 1, not at a vertex), at
        # the major coordinate u = j / tan = t - rem / k
        zp = zf[i - stride_major]
        zc = za + (rem * inv_k) * (zp - za)
        sc = (zc - z0) * inv_step * tan * inv_t[j] - curv_step * (t - rem * inv_k)
        if crossed and rem != 0 and sc > best:  # False for NaN: nodata does not block
            best = sc
        buf[t * width + col] = best
        zb = zf[i + stride_minor]
        zs = za if rem == 0 else za + (rem * inv_n) * (zb - za)  # a NaN neighbour of weight 0 is ignored
        s = (zs - z0) * inv_step * inv_t[t] - curv_step * t
        if s > best:
            best = s
    edge = base + minor_limit * stride_minor
    for t in range(inside + 1, last + 1):  # the sample of major step t is past the last minor line
        rem += k
        crossed = rem >= n_rays
        if crossed:
            rem -= n_rays
            j += 1
        if crossed and rem != 0 and j <= minor_limit:
            i = base + t * stride_major + j * stride_minor
            za = zf[i]
            zc = za + (rem * inv_k) * (zf[i - stride_major] - za)
            sc = (zc - z0) * inv_step * tan * inv_t[j] - curv_step * (t - rem * inv_k)
            if sc > best:
                best = sc
        buf[t * width + col] = best
        zs = zf[edge + t * stride_major]
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
def _run_task(zf, out, base, z0, dx, dy, curv, max_d2, geometry, inv_t, o, first, stop, buf):
    """Cast rays ``first .. stop`` of octant ``o`` and fill the cells between the first and the last.

    ``buf`` is scratch space of at least ``(n_rays + 1) * (stop - first + 2)`` floats.
    """
    major_is_col = _OCTANTS[o, 0] == 1
    s_minor = _OCTANTS[o, 2]
    n = geometry[o, 0]
    minor_limit = geometry[o, 1]
    stride_major = geometry[o, 2]
    stride_minor = geometry[o, 3]
    if major_is_col:
        step_major, step_minor = dx, dy
    else:
        step_major, step_minor = dy, dx
    width = stop - first + 2
    # slopes of rays first .. stop in columns 0 .. stop - first; the extra column stands for a ray
    # beyond the last one, needed only with weight 0 (the diagonal of the last pair)
    t_end = 0
    for col in range(width - 1):
        k = first + col
        step = math.sqrt(step_major * step_major + (k * step_minor / n) ** 2)  # ground length per step
        last = _cast_ray(zf, base, stride_major, stride_minor, z0, step, curv, k, n, minor_limit, inv_t,
                         buf, width, col)
        t_end = max(t_end, last)
    for t in range(1, t_end + 1):
        buf[t * width + width - 1] = _NONE
    # cells (t, m) with m * n in [t * first, t * stop): m from ceil(t first / n) to ceil(t stop / n)
    q_lo, r_lo = 0, 0  # t first = q_lo n + r_lo
    q_hi, r_hi = 0, 0  # t stop = q_hi n + r_hi
    for t in range(1, t_end + 1):
        r_lo += first
        while r_lo >= n:
            r_lo -= n
            q_lo += 1
        r_hi += stop
        while r_hi >= n:
            r_hi -= n
            q_hi += 1
        m_start = q_lo + (1 if r_lo > 0 else 0)
        if m_start > minor_limit:
            break
        m_stop = q_hi + (1 if r_hi > 0 else 0)
        if stop == n:
            m_stop = t + 1
        # Each cell is written by exactly one octant: the positive minor side owns the axis
        # (m == 0) and the column-major octants own the diagonal (m == t).
        if m_start == 0 and s_minor < 0:
            m_start = 1
        if m_stop == t + 1 and not major_is_col:
            m_stop = t
        if m_stop > minor_limit + 1:
            m_stop = minor_limit + 1
        if m_start >= m_stop:
            continue
        inv = inv_t[t]
        # ray index k = floor(m n / t) and remainder e = m n - k t, stepped with m
        dk = int(n * inv)
        de = n - dk * t
        if de >= t:
            dk += 1
            de -= t
        elif de < 0:
            dk -= 1
            de += t
        e = m_start * n - t * first  # in [0, n)
        kk = int(e * inv)
        e -= kk * t
        if e >= t:
            kk += 1
            e -= t
        elif e < 0:
            kk -= 1
            e += t
        row = buf[t * width:(t + 1) * width]
        a2 = (t * step_major) ** 2
        at_major = base + t * stride_major
        for m in range(m_start, m_stop):
            b = m * step_minor
            d2 = a2 + b * b
            i = at_major + m * stride_minor
            s_a = row[kk]
            s = s_a + (e * inv) * (row[kk + 1] - s_a)
            kk += dk
            e += de
            if e >= t:
                e -= t
                kk += 1
            if d2 > max_d2:
                continue
            h = z0 + math.sqrt(d2) * s - (zf[i] - d2 * curv)
            out[i] = 0.0 if h <= 0.0 else h  # clamp at 0; a NaN target (nodata) stays NaN


@njit(cache=True, parallel=True)
def sweep_masking_height(z, dx, dy, r0, c0, observer_height, curv, max_distance, chunk):
    """Masking height on the whole grid by a radial sweep (see :func:`iadsim.terrain.masking_height`).

    In each octant rays run from the observer to every cell of the far edge (``n_rays + 1`` rays,
    one cell apart there, denser inside), so any cell lies between two neighbouring rays less than a
    cell apart. Each ray keeps a running maximum of the elevation slope over every grid-line
    crossing (R3), so a ray through a cell centre gives the exact value. A cell's horizon slope is
    interpolated linearly between the two rays that bracket it (in the tangent of the azimuth) at
    the cell's major step, then the masking height follows. Rays are shared out over threads in
    chunks; a chunk casts its rays into a scratch table, then fills the cells between its first and
    last ray column by column (~2 ray steps and one fill per cell, no per-cell division).
    """
    n_rows, n_cols = z.shape
    zf = z.ravel()
    if max_distance < np.inf:
        out = np.full(n_rows * n_cols, np.nan)
    else:
        out = np.empty(n_rows * n_cols)  # every cell is written once
    base = r0 * n_cols + c0
    z0 = zf[base] + observer_height
    geometry, inv_t, tasks = _plan(n_rows, n_cols, r0, c0, dx, dy, max_distance, chunk)
    size = (geometry[:, 0].max() + 1) * (chunk + 2)
    for it in prange(tasks.shape[0]):
        buf = np.empty(size)
        _run_task(zf, out, base, z0, dx, dy, curv, max_distance * max_distance, geometry, inv_t,
                  tasks[it, 0], tasks[it, 1], tasks[it, 2], buf)
    out[base] = 0.0
    return out.reshape((n_rows, n_cols))


@njit(cache=True, parallel=True)
def sweep_masking_heights(z, dx, dy, rows, cols, observer_heights, curv, max_distance, chunk):
    """:func:`sweep_masking_height` for many observers, one observer per thread at a time."""
    n_rows, n_cols = z.shape
    n_obs = rows.shape[0]
    zf = z.ravel()
    if max_distance < np.inf:
        out = np.full((n_obs, n_rows * n_cols), np.nan)
    else:
        out = np.empty((n_obs, n_rows * n_cols))
    for q in prange(n_obs):
        base = rows[q] * n_cols + cols[q]
        z0 = zf[base] + observer_heights[q]
        geometry, inv_t, tasks = _plan(n_rows, n_cols, rows[q], cols[q], dx, dy, max_distance, chunk)
        buf = np.empty((geometry[:, 0].max() + 1) * (chunk + 2))
        res = out[q]
        for it in range(tasks.shape[0]):
            _run_task(zf, res, base, z0, dx, dy, curv, max_distance * max_distance, geometry, inv_t,
                      tasks[it, 0], tasks[it, 1], tasks[it, 2], buf)
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
