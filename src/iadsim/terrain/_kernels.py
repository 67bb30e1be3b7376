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
_U = np.uint64  # array indices known to be non-negative

# The eight octants as (major axis is the column axis, major sign, minor sign).
_OCTANTS = np.array(
    [[1, 1, 1], [1, 1, -1], [1, -1, 1], [1, -1, -1], [0, 1, 1], [0, 1, -1], [0, -1, 1], [0, -1, -1]],
    dtype=np.int64,
)


@njit(cache=True, nogil=True)
def _plan(n_rows, n_cols, r0, c0, dx, dy, max_distance, chunk, window):
    """Octant geometry, the 1/t table and the task list (octant, first ray, last ray) of a sweep.

    ``window`` (first row, last row, first column, last column; holding the observer) bounds the cells
    to fill: per octant, its extent along the major and the minor axis (``geometry[o, 4:6]``). It does
    not change the rays (their number is the major limit, from the grid and ``max_distance``), only
    how far they are stepped (:func:`_run_task`)."""
    # octant geometry: n_rays (= major limit), minor limit, flat strides of the major and minor axes, the
    # window's major and minor extents
    geometry = np.zeros((8, 6), dtype=np.int64)
    for o in range(8):
        major_is_col = _OCTANTS[o, 0] == 1
        s_major = _OCTANTS[o, 1]
        s_minor = _OCTANTS[o, 2]
        rows_out = window[1] - r0 if (s_minor if major_is_col else s_major) > 0 else r0 - window[0]
        cols_out = window[3] - c0 if (s_major if major_is_col else s_minor) > 0 else c0 - window[2]
        if major_is_col:
            major_limit = n_cols - 1 - c0 if s_major > 0 else c0
            minor_limit = n_rows - 1 - r0 if s_minor > 0 else r0
            geometry[o, 2] = s_major
            geometry[o, 3] = s_minor * n_cols
            geometry[o, 4] = cols_out
            geometry[o, 5] = rows_out
            step_major = dx
        else:
            major_limit = n_rows - 1 - r0 if s_major > 0 else r0
            minor_limit = n_cols - 1 - c0 if s_minor > 0 else c0
            geometry[o, 2] = s_major * n_cols
            geometry[o, 3] = s_minor
            geometry[o, 4] = rows_out
            geometry[o, 5] = cols_out
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


@njit(cache=True, nogil=True, error_model="numpy")
def _run_task(zf, out, base, z0, dx, dy, curv, max_d2, geometry, inv_t, o, first, stop, scratch_f, scratch_i):
    """Step rays ``first .. stop`` of octant ``o`` together and fill the cells between the first and the last.

    In octant coordinates the cell at (major t, minor j) is ``zf[base + t * stride_major + j * stride_minor]``;
    ray ``k`` runs from the observer to (n, k), so at major step ``t`` it is at minor coordinate
    ``t k / n = j + rem / n``. Samples are taken at every crossing of a grid line through cell centres, as
    in R3: on the major line of each step (interpolated along the minor axis; once the ray has passed the
    last minor line, the edge cell) and on each minor line the ray crosses off a vertex (interpolated along
    the major axis, between steps ``t - 1`` and ``t``). Each ray keeps the running maximum of the slope;
    ``row[c]`` is, at step ``t``, the largest slope of ray ``first + c`` over the samples before the major
    line of step ``t`` (``_NONE`` when there is none), which is what the cells of step ``t`` need.

    All rays of the task advance one major step at a time: integer stepping, then the terrain samples (the
    only scattered loads), then the slopes, each a loop over the rays that the compiler vectorizes (the
    first and the last); then the cells of that step between the first and the last ray are filled.
    ``scratch_f`` (9 x (stop - first + 2)) and ``scratch_i`` (4 x (stop - first + 2)) are work arrays.
    A ray is needed up to step ``(minor_limit + 1) n / k`` (beyond it no cell lies beside it), so the
    rays still stepped at ``t`` are a prefix ``c < hi`` of the task.
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
    width = stop - first + 1  # rays first .. stop; row[width] stands for a ray beyond the last one,
    # needed only with weight 0 (the diagonal of the last pair)
    inv_n = 1.0 / n
    inv_step_ = scratch_f[0]  # per ray: 1 / (ground length per major step)
    curv_step_ = scratch_f[1]  # curv * ground length per major step
    inv_k_ = scratch_f[2]
    tan_ = scratch_f[3]  # k / n
    za_ = scratch_f[4]  # terrain at (t, j), (t, j + 1) and (t - 1, j)
    zb_ = scratch_f[5]
    zp_ = scratch_f[6]
    best_ = scratch_f[7]  # running maximum slope
    row = scratch_f[8]
    rem_ = scratch_i[0]  # t k = j n + rem
    j_ = scratch_i[1]
    ia_ = scratch_i[2]  # flat index of (t, j) and of (t, j + 1) (of (t, j) on the edge)
    ib_ = scratch_i[3]
    for c in range(width):
        k = first + c
        step = math.sqrt(step_major * step_major + (k * step_minor / n) ** 2)
        inv_step_[c] = 1.0 / step
        curv_step_[c] = curv * step
        inv_k_[c] = 1.0 / k if k > 0 else 0.0
        tan_[c] = k * inv_n
        rem_[c] = 0
        j_[c] = 0
        best_[c] = _NONE
    row[width] = _NONE
    ml = minor_limit
    # the cells to fill lie within the window: up to mw along the minor axis, up to step t_win (the rays' samples
    # up to there are all they need; the samples keep the grid's minor limit ml)
    mw = min(ml, geometry[o, 5])
    t_end = n if first == 0 else min(n, ((mw + 1) * n) // first)
    t_end = min(t_end, geometry[o, 4])
    k_limit = (mw + 1) * n  # ray k is needed while t k <= k_limit
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
        if m_start > mw:
            break
        hi = min(width, k_limit // t - first + 1)
        at = base + t * stride_major
        # 1. integer stepping (unsigned indices: no negative-index wraparound in the loops)
        for c in range(hi):
            r = rem_[_U(c)] + first + c
            crossed = r >= n
            rem_[_U(c)] = r - n if crossed else r
            j = j_[_U(c)] + (1 if crossed else 0)
            j_[_U(c)] = j
            ia = at + min(j, ml) * stride_minor
            ia_[_U(c)] = ia
            ib_[_U(c)] = ia + (stride_minor if j < ml else 0)
        # 2. the terrain samples
        for c in range(hi):
            ia = ia_[_U(c)]
            za_[_U(c)] = zf[_U(ia)]
            zb_[_U(c)] = zf[_U(ib_[_U(c)])]
            zp_[_U(c)] = zf[_U(ia - stride_major)]
        # 3. slopes: the minor-line crossing since step t - 1 (if any), then the major line of step t
        tf = float(t)
        inv_tt = inv_t[t]
        for c in range(hi):
            r = rem_[_U(c)]
            j = j_[_U(c)]
            za = za_[_U(c)]
            inv_step = inv_step_[_U(c)]
            curv_step = curv_step_[_U(c)]
            best = best_[_U(c)]
            # the crossing of minor line j at the major coordinate u = j / tan = t - rem / k
            w = r * inv_k_[_U(c)]
            zc = za + w * (zp_[_U(c)] - za)
            # 1.0 / j is inv_t[j] bit for bit, without a gather (which would keep the loop scalar)
            sc = (zc - z0) * inv_step * tan_[_U(c)] * (1.0 / j) - curv_step * (tf - w)
            # crossed (rem < k) off a vertex, inside the grid; False for NaN: nodata does not block
            if (r < first + c) & (r != 0) & (j <= ml) & (sc > best):
                best = sc
            row[_U(c)] = best
            # past the last minor line, or on a vertex, the cell itself (a NaN neighbour of weight 0 is ignored)
            zs = za if (r == 0) | (j >= ml) else za + (r * inv_n) * (zb_[_U(c)] - za)
            s = (zs - z0) * inv_step * inv_tt - curv_step * tf
            best_[_U(c)] = s if s > best else best
        # 4. the cells of step t between the first and the last ray
        m_stop = q_hi + (1 if r_hi > 0 else 0)
        if stop == n:
            m_stop = t + 1
        # Each cell is written by exactly one octant: the positive minor side owns the axis
        # (m == 0) and the column-major octants own the diagonal (m == t).
        if m_start == 0 and s_minor < 0:
            m_start = 1
        if m_stop == t + 1 and not major_is_col:
            m_stop = t
        if m_stop > mw + 1:
            m_stop = mw + 1
        if m_start >= m_stop:
            continue
        inv = inv_t[t]
        # ray index kk = floor(m n / t) - first and remainder e = m n - (kk + first) t, stepped with m
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
        a2 = (t * step_major) ** 2
        for m in range(m_start, m_stop):
            b = m * step_minor
            d2 = a2 + b * b
            i = at + m * stride_minor
            s_a = row[_U(kk)]
            s = s_a + (e * inv) * (row[_U(kk + 1)] - s_a)
            kk += dk
            e += de
            wrap = e >= t
            e = e - t if wrap else e
            kk += 1 if wrap else 0
            if d2 > max_d2:
                continue
            h = z0 + math.sqrt(d2) * s - (zf[_U(i)] - d2 * curv)
            out[_U(i)] = 0.0 if h <= 0.0 else h  # clamp at 0; a NaN target (nodata) stays NaN


@njit(cache=True, nogil=True)
def _scratch(chunk):
    """Work arrays of :func:`_run_task` for tasks of up to ``chunk`` rays."""
    return np.empty((9, chunk + 2)), np.empty((4, chunk + 2), dtype=np.int64)


@njit(cache=True, nogil=True, error_model="numpy")
def _run_task_eyes(zf, out, eyes, base, z0, dx, dy, curv, max_d2, geometry, inv_t, o, first, stop, scratch_f,
                   scratch_i):
    """:func:`_run_task` for several eyes above the observer cell at once: elevations ``z0`` (n_eyes,),
    results in rows ``eyes`` of ``out`` (n_observers, n_rows * n_cols).

    The eyes share the integer stepping and the terrain samples of the rays (steps 1 and 2: three heights
    swept together measured about 30 % cheaper than one by one); each eye's slopes, running maxima
    (``scratch_f`` rows ``7 + e`` and ``7 + n_eyes + e``) and cells are its own, computed with
    :func:`_run_task`'s operations in its order, so each eye's masking heights are bit for bit those of a
    sweep of its own (tested). Keep the two in step. ``scratch_f`` ((7 + 2 n_eyes) x (stop - first + 2))
    and ``scratch_i`` (4 x (stop - first + 2)) are work arrays (:func:`_scratch_eyes`).
    """
    n_eyes = z0.shape[0]
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
    width = stop - first + 1  # rays first .. stop; row[width] stands for a ray beyond the last one,
    # needed only with weight 0 (the diagonal of the last pair)
    inv_n = 1.0 / n
    inv_step_ = scratch_f[0]  # per ray: 1 / (ground length per major step)
    curv_step_ = scratch_f[1]  # curv * ground length per major step
    inv_k_ = scratch_f[2]
    tan_ = scratch_f[3]  # k / n
    za_ = scratch_f[4]  # terrain at (t, j), (t, j + 1) and (t - 1, j)
    zb_ = scratch_f[5]
    zp_ = scratch_f[6]
    best = scratch_f[7:7 + n_eyes]  # per eye and ray: running maximum slope
    row = scratch_f[7 + n_eyes:7 + 2 * n_eyes]  # per eye and ray: the slope the cells of step t need
    rem_ = scratch_i[0]  # t k = j n + rem
    j_ = scratch_i[1]
    ia_ = scratch_i[2]  # flat index of (t, j) and of (t, j + 1) (of (t, j) on the edge)
    ib_ = scratch_i[3]
    for c in range(width):
        k = first + c
        step = math.sqrt(step_major * step_major + (k * step_minor / n) ** 2)
        inv_step_[c] = 1.0 / step
        curv_step_[c] = curv * step
        inv_k_[c] = 1.0 / k if k > 0 else 0.0
        tan_[c] = k * inv_n
        rem_[c] = 0
        j_[c] = 0
        for q in range(n_eyes):
            best[q, c] = _NONE
    for q in range(n_eyes):
        row[q, width] = _NONE
    ml = minor_limit
    # the cells to fill lie within the window: up to mw along the minor axis, up to step t_win (the rays' samples
    # up to there are all they need; the samples keep the grid's minor limit ml)
    mw = min(ml, geometry[o, 5])
    t_end = n if first == 0 else min(n, ((mw + 1) * n) // first)
    t_end = min(t_end, geometry[o, 4])
    k_limit = (mw + 1) * n  # ray k is needed while t k <= k_limit
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
        if m_start > mw:
            break
        hi = min(width, k_limit // t - first + 1)
        at = base + t * stride_major
        # 1. integer stepping (unsigned indices: no negative-index wraparound in the loops)
        for c in range(hi):
            r = rem_[_U(c)] + first + c
            crossed = r >= n
            rem_[_U(c)] = r - n if crossed else r
            j = j_[_U(c)] + (1 if crossed else 0)
            j_[_U(c)] = j
            ia = at + min(j, ml) * stride_minor
            ia_[_U(c)] = ia
            ib_[_U(c)] = ia + (stride_minor if j < ml else 0)
        # 2. the terrain samples
        for c in range(hi):
            ia = ia_[_U(c)]
            za_[_U(c)] = zf[_U(ia)]
            zb_[_U(c)] = zf[_U(ib_[_U(c)])]
            zp_[_U(c)] = zf[_U(ia - stride_major)]
        # 3. each eye's slopes: the minor-line crossing since step t - 1 (if any), then the major line of step t
        tf = float(t)
        inv_tt = inv_t[t]
        for q in range(n_eyes):
            zq = z0[q]
            best_q = best[q]
            row_q = row[q]
            for c in range(hi):
                r = rem_[_U(c)]
                j = j_[_U(c)]
                za = za_[_U(c)]
                inv_step = inv_step_[_U(c)]
                curv_step = curv_step_[_U(c)]
                top = best_q[_U(c)]
                # the crossing of minor line j at the major coordinate u = j / tan = t - rem / k
                w = r * inv_k_[_U(c)]
                zc = za + w * (zp_[_U(c)] - za)
                # 1.0 / j is inv_t[j] bit for bit, without a gather (which would keep the loop scalar)
                sc = (zc - zq) * inv_step * tan_[_U(c)] * (1.0 / j) - curv_step * (tf - w)
                # crossed (rem < k) off a vertex, inside the grid; False for NaN: nodata does not block
                if (r < first + c) & (r != 0) & (j <= ml) & (sc > top):
                    top = sc
                row_q[_U(c)] = top
                # past the last minor line, or on a vertex, the cell itself (a NaN neighbour of weight 0 is ignored)
                zs = za if (r == 0) | (j >= ml) else za + (r * inv_n) * (zb_[_U(c)] - za)
                s = (zs - zq) * inv_step * inv_tt - curv_step * tf
                best_q[_U(c)] = s if s > top else top
        # 4. the cells of step t between the first and the last ray
        m_stop = q_hi + (1 if r_hi > 0 else 0)
        if stop == n:
            m_stop = t + 1
        # Each cell is written by exactly one octant: the positive minor side owns the axis
        # (m == 0) and the column-major octants own the diagonal (m == t).
        if m_start == 0 and s_minor < 0:
            m_start = 1
        if m_stop == t + 1 and not major_is_col:
            m_stop = t
        if m_stop > mw + 1:
            m_stop = mw + 1
        if m_start >= m_stop:
            continue
        inv = inv_t[t]
        # ray index kk = floor(m n / t) - first and remainder e = m n - (kk + first) t, stepped with m
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
        a2 = (t * step_major) ** 2
        e_start, kk_start = e, kk
        for q in range(n_eyes):
            zq = z0[q]
            row_q = row[q]
            out_q = out[eyes[q]]
            e, kk = e_start, kk_start
            for m in range(m_start, m_stop):
                b = m * step_minor
                d2 = a2 + b * b
                i = at + m * stride_minor
                s_a = row_q[_U(kk)]
                s = s_a + (e * inv) * (row_q[_U(kk + 1)] - s_a)
                kk += dk
                e += de
                wrap = e >= t
                e = e - t if wrap else e
                kk += 1 if wrap else 0
                if d2 > max_d2:
                    continue
                h = zq + math.sqrt(d2) * s - (zf[_U(i)] - d2 * curv)
                out_q[_U(i)] = 0.0 if h <= 0.0 else h  # clamp at 0; a NaN target (nodata) stays NaN


@njit(cache=True, nogil=True)
def _scratch_eyes(chunk, n_eyes):
    """Work arrays of :func:`_run_task_eyes` for tasks of up to ``chunk`` rays and ``n_eyes`` eyes."""
    return np.empty((7 + 2 * n_eyes, chunk + 2)), np.empty((4, chunk + 2), dtype=np.int64)



@njit(cache=True, parallel=True)
def sweep_masking_height(z, dx, dy, r0, c0, observer_height, curv, max_distance, chunk, out):
    """Masking height on the whole grid by a radial sweep (see :func:`iadsim.terrain.masking_height`).

    In each octant rays run from the observer to every cell of the far edge (``n_rays + 1`` rays,
    one cell apart there, denser inside), so any cell lies between two neighbouring rays less than a
    cell apart. Each ray keeps a running maximum of the elevation slope over every grid-line
    crossing (R3), so a ray through a cell centre gives the exact value. A cell's horizon slope is
    interpolated linearly between the two rays that bracket it (in the tangent of the azimuth) at
    the cell's major step, then the masking height follows. Rays are shared out over threads in
    chunks of ``chunk``; a chunk steps its rays together one major step at a time and fills that
    step's cells between its first and last ray (~2 ray steps and one fill per cell, no per-cell
    division). ``out`` (flat, ``n_rows * n_cols``) receives the result: every cell within
    ``max_distance`` is written, the others are left as they are (the caller fills them with NaN).
    """
    n_rows, n_cols = z.shape
    zf = z.ravel()
    base = r0 * n_cols + c0
    z0 = zf[base] + observer_height
    window = np.array([0, n_rows - 1, 0, n_cols - 1])
    geometry, inv_t, tasks = _plan(n_rows, n_cols, r0, c0, dx, dy, max_distance, chunk, window)
    for it in prange(tasks.shape[0]):
        scratch_f, scratch_i = _scratch(chunk)
        _run_task(zf, out, base, z0, dx, dy, curv, max_distance * max_distance, geometry, inv_t,
                  tasks[it, 0], tasks[it, 1], tasks[it, 2], scratch_f, scratch_i)
    out[base] = 0.0


@njit(cache=True, nogil=True)
def _fill_beyond(out, n_rows, n_cols, r0, c0, dx, dy, max_distance, window):
    """NaN into the cells of ``out`` (flat, ``n_rows * n_cols``) the sweep leaves out: those outside
    ``window`` (first row, last row, first column, last column) and those whose centres lie farther than
    ``max_distance`` from the observer cell's centre, or a hair (1e-9 of the distance) nearer; the sweep
    writes every cell of the window within ``max_distance`` after this. Each row's cells to sweep are one
    run of columns about ``c0``; only the cells outside it are written."""
    reach = max_distance * (1.0 - 1e-9)
    for r in range(n_rows):
        b = abs(r - r0) * dy
        at = r * n_cols
        if b > reach or r < window[0] or r > window[1]:
            lo, hi = n_cols, n_cols
        elif reach < np.inf:
            w = int(math.floor(math.sqrt(reach * reach - b * b) / dx))
            lo, hi = max(c0 - w, window[2]), min(c0 + w + 1, window[3] + 1)
        else:
            lo, hi = window[2], window[3] + 1
        for c in range(lo):
            out[at + c] = np.nan
        for c in range(hi, n_cols):
            out[at + c] = np.nan


@njit(cache=True, nogil=True)
def _groups(rows, cols, n_cols):
    """The observers grouped by cell: ``order`` (n_observers,) and ``starts`` (n_groups + 1,), the observers
    of group ``g`` being ``order[starts[g]:starts[g + 1]]`` (in their given order), groups by cell index."""
    key = rows * n_cols + cols
    order = np.argsort(key, kind="mergesort")
    if order.shape[0] == 0:
        return order, np.zeros(1, dtype=np.int64)
    n_groups = 1
    for q in range(1, order.shape[0]):
        if key[order[q]] != key[order[q - 1]]:
            n_groups += 1
    starts = np.empty(n_groups + 1, dtype=np.int64)
    starts[0] = 0
    g = 1
    for q in range(1, order.shape[0]):
        if key[order[q]] != key[order[q - 1]]:
            starts[g] = q
            g += 1
    starts[n_groups] = order.shape[0]
    return order, starts


@njit(cache=True, parallel=True, nogil=True)
def sweep_masking_heights(z, dx, dy, rows, cols, observer_heights, curv, max_distance, chunk, window, out):
    """:func:`sweep_masking_height` for many observers, one observer cell per thread at a time, the cells
    of ``window`` only (int array: first row, last row, first column, last column; holding every
    observer): the rays are stepped as far as its cells need, and its cells get the values of a sweep
    of the whole grid.

    ``out`` has shape (n_observers, n_rows * n_cols), as in :func:`sweep_masking_height`, but need not
    be filled beforehand: the cells outside the window or beyond a finite ``max_distance`` are set to
    NaN here (:func:`_fill_beyond`, by the observer's thread). Observers on one cell (eyes at several heights)
    are swept together (:func:`_run_task_eyes`: the rays stepped and sampled once), a lone one by
    :func:`_run_task`; the results are those of one observer at a time either way. The GIL is released
    (``nogil``): a Python thread may work meanwhile.
    """
    n_rows, n_cols = z.shape
    zf = z.ravel()
    max_d2 = max_distance * max_distance
    order, starts = _groups(rows, cols, n_cols)
    for g in prange(starts.shape[0] - 1):
        eyes = order[starts[g]:starts[g + 1]]
        n_eyes = eyes.shape[0]
        r0, c0 = rows[eyes[0]], cols[eyes[0]]
        base = r0 * n_cols + c0
        z0 = np.empty(n_eyes)
        for q in range(n_eyes):
            z0[q] = zf[base] + observer_heights[eyes[q]]
            _fill_beyond(out[eyes[q]], n_rows, n_cols, r0, c0, dx, dy, max_distance, window)
        geometry, inv_t, tasks = _plan(n_rows, n_cols, r0, c0, dx, dy, max_distance, chunk, window)
        if n_eyes == 1:
            scratch_f, scratch_i = _scratch(chunk)
            res = out[eyes[0]]
            for it in range(tasks.shape[0]):
                _run_task(zf, res, base, z0[0], dx, dy, curv, max_d2, geometry, inv_t,
                          tasks[it, 0], tasks[it, 1], tasks[it, 2], scratch_f, scratch_i)
        else:
            scratch_f, scratch_i = _scratch_eyes(chunk, n_eyes)
            for it in range(tasks.shape[0]):
                _run_task_eyes(zf, out, eyes, base, z0, dx, dy, curv, max_d2, geometry, inv_t,
                               tasks[it, 0], tasks[it, 1], tasks[it, 2], scratch_f, scratch_i)
        for q in range(n_eyes):
            out[eyes[q], base] = 0.0


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
