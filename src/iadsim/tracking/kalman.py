"""Batched constant-velocity Kalman filter: one call predicts or updates every track of every replication.

State layout
------------
A state vector is ``[position (ndim), velocity (ndim)]``, e.g. ``[x, y, z, vx, vy, vz]`` in [m] and [m/s]
for ``ndim=3``: positions first, then velocities (Stone Soup's combined ``ConstantVelocity`` model orders
the same numbers ``[x, vx, y, vy, z, vz]``; the tests permute between the two). States have shape
``(..., 2*ndim)`` and covariances ``(..., 2*ndim, 2*ndim)``, where ``...`` is any number of batch axes,
typically ``(n_replications, n_tracks)``.

Process noise: two models, chosen by name
-----------------------------------------
``"discrete"``
    Discrete white-noise acceleration (DWNA; Bar-Shalom et al. 2001, sec. 6.3.2): the acceleration is a
    constant random value over each step, ``Q = q * G G^T`` with ``G = [dt^2/2, dt]``. ``q`` is the
    acceleration *variance* sigma_a^2 [m^2/s^4]. This is the model KalmanFilter.NET uses.
``"continuous"``
    Continuous white-noise acceleration (CWNA; Bar-Shalom et al. 2001, sec. 6.2.2):
    ``Q = q * [[dt^3/3, dt^2/2], [dt^2/2, dt]]``. ``q`` is the power spectral density of the acceleration
    [m^2/s^3]; this is Stone Soup's ``ConstantVelocity(noise_diff_coeff=q)``.

Both are applied per axis (no cross-axis terms).

Update
------
Linear measurement ``z = H x + v``, ``v ~ N(0, R)``. With ``H=None`` the measurement is the position
(``H = [I, 0]``) and a compiled closed-form kernel is used (the hot path of the engine). The covariance
update is the *standard* form ``P+ = P - K S K^T`` (the same as Stone Soup's default ``KalmanUpdater``),
made exactly symmetric by averaging with its transpose.

References
----------
Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*,
Wiley, 2001, ch. 5 (Kalman filter) and ch. 6 (white-noise acceleration models).
A. Becker, *KalmanFilter.NET*, "Multidimensional Kalman Filter" examples 9 and 10,
https://www.kalmanfilter.net/multiExamples.html.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PROCESS_NOISE_MODELS",
    "Update",
    "cv_process_noise",
    "cv_transition",
    "fuse_in_order",
    "predict",
    "update",
]


def _dwna_blocks(dt: NDArray, q: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Per-axis DWNA process-noise terms (position-position, position-velocity, velocity-velocity)."""
    return q * dt**4 / 4.0, q * dt**3 / 2.0, q * dt**2


def _cwna_blocks(dt: NDArray, q: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Per-axis CWNA process-noise terms (position-position, position-velocity, velocity-velocity)."""
    return q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt


PROCESS_NOISE_MODELS = {"discrete": _dwna_blocks, "continuous": _cwna_blocks}
"""Process-noise models by name: ``"discrete"`` (DWNA, KalmanFilter.NET) and ``"continuous"`` (CWNA,
Stone Soup)."""


def _noise_blocks(dt: NDArray, q: NDArray, model: str) -> tuple[NDArray, NDArray, NDArray]:
    try:
        blocks = PROCESS_NOISE_MODELS[model]
    except KeyError:
        raise ValueError(
            f"unknown process-noise model {model!r}; choose one of {sorted(PROCESS_NOISE_MODELS)}"
        ) from None
    return blocks(dt, q)


def cv_transition(dt: ArrayLike, ndim: int = 3) -> NDArray[np.float64]:
    """Constant-velocity state transition matrix ``F = [[I, dt I], [0, I]]``.

    Parameters
    ----------
    dt : array_like
        Time step [s], scalar or any shape.
    ndim : int
        Number of spatial axes (1, 2 or 3).

    Returns
    -------
    ndarray, shape ``dt.shape + (2*ndim, 2*ndim)``
        The transition matrix for the ``[position, velocity]`` layout.

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), eq. 6.3.2-2.
    """
    dt = np.asarray(dt, dtype=float)
    eye = np.eye(ndim)
    f = np.zeros(dt.shape + (2 * ndim, 2 * ndim))
    f[..., :, :] = np.eye(2 * ndim)
    f[..., :ndim, ndim:] = dt[..., None, None] * eye
    return f


def cv_process_noise(
    dt: ArrayLike, q: ArrayLike, ndim: int = 3, model: str = "discrete"
) -> NDArray[np.float64]:
    """Process-noise covariance ``Q`` of the constant-velocity model.

    Parameters
    ----------
    dt : array_like
        Time step [s], scalar or any shape (broadcast with ``q``).
    q : array_like
        Noise intensity: for ``model="discrete"`` (DWNA) the acceleration variance [m^2/s^4]; for
        ``model="continuous"`` (CWNA, Stone Soup's ``noise_diff_coeff``) the acceleration power spectral
        density [m^2/s^3].
    ndim : int
        Number of spatial axes.
    model : {"discrete", "continuous"}
        Which white-noise acceleration model (see the module docstring).

    Returns
    -------
    ndarray, shape ``broadcast(dt, q).shape + (2*ndim, 2*ndim)``

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), eq. 6.2.2-12 (continuous) and eq. 6.3.2-4 (discrete).
    """
    dt, q = np.broadcast_arrays(np.asarray(dt, dtype=float), np.asarray(q, dtype=float))
    qpp, qpv, qvv = _noise_blocks(dt, q, model)
    eye = np.eye(ndim)
    out = np.empty(dt.shape + (2 * ndim, 2 * ndim))
    out[..., :ndim, :ndim] = qpp[..., None, None] * eye
    out[..., :ndim, ndim:] = qpv[..., None, None] * eye
    out[..., ndim:, :ndim] = qpv[..., None, None] * eye
    out[..., ndim:, ndim:] = qvv[..., None, None] * eye
    return out


# --------------------------------------------------------------------------------------------------
# Compiled kernels. Inputs are flattened to one batch axis; per-batch parameters (dt, q, R) may have
# length 1 (shared by every track) or the batch length.


@numba.njit(cache=True, nogil=True)
def _predict_kernel(x, p, dt, qpp, qpv, qvv, accel, x_out, p_out):  # pragma: no cover - compiled
    n_batch = x.shape[0]
    ndim = x.shape[1] // 2
    share_dt = dt.shape[0] == 1
    share_q = qpp.shape[0] == 1
    share_a = accel.shape[0] == 1
    use_a = accel.shape[1] > 0
    for b in range(n_batch):
        h = dt[0] if share_dt else dt[b]
        iq = 0 if share_q else b
        # F P F^T with F = [[I, h I], [0, I]], written out in blocks:
        #   pp' = pp + h (pv + vp) + h^2 vv,  pv' = pv + h vv,  vp' = vp + h vv,  vv' = vv
        for i in range(ndim):
            for j in range(ndim):
                pp = p[b, i, j]
                pv = p[b, i, ndim + j]
                vp = p[b, ndim + i, j]
                vv = p[b, ndim + i, ndim + j]
                p_out[b, i, j] = pp + h * (pv + vp) + h * h * vv
                p_out[b, i, ndim + j] = pv + h * vv
                p_out[b, ndim + i, j] = vp + h * vv
                p_out[b, ndim + i, ndim + j] = vv
            p_out[b, i, i] += qpp[iq]
            p_out[b, i, ndim + i] += qpv[iq]
            p_out[b, ndim + i, i] += qpv[iq]
            p_out[b, ndim + i, ndim + i] += qvv[iq]
            x_out[b, i] = x[b, i] + h * x[b, ndim + i]
            x_out[b, ndim + i] = x[b, ndim + i]
            if use_a:
                a = accel[0, i] if share_a else accel[b, i]
                x_out[b, i] += 0.5 * h * h * a
                x_out[b, ndim + i] += h * a


@numba.njit(cache=True, nogil=True)
def _update_position_kernel(x, p, z, r, mask, x_out, p_out, nu_out, s_out):  # pragma: no cover
    n_batch = x.shape[0]
    n_state = x.shape[1]
    m = z.shape[1]
    share_r = r.shape[0] == 1
    s = np.empty((m, m))
    chol = np.empty((m, m))
    gain = np.empty((n_state, m))
    for b in range(n_batch):
        ir = 0 if share_r else b
        for i in range(m):
            nu_out[b, i] = z[b, i] - x[b, i]
            for j in range(m):
                s[i, j] = p[b, i, j] + r[ir, i, j]
        # symmetric innovation covariance
        for i in range(m):
            for j in range(i + 1, m):
                v = 0.5 * (s[i, j] + s[j, i])
                s[i, j] = v
                s[j, i] = v
        for i in range(m):
            for j in range(m):
                s_out[b, i, j] = s[i, j]
        if not mask[b]:
            for i in range(n_state):
                x_out[b, i] = x[b, i]
                for j in range(n_state):
                    p_out[b, i, j] = p[b, i, j]
            continue
        _cholesky(s, chol)  # S = L L^T
        # K = P H^T S^-1: solve S K^T = H P (row by row of K)
        for a in range(n_state):
            # forward substitution L y = (P H^T)[a, :]
            for i in range(m):
                v = p[b, a, i]
                for k in range(i):
                    v -= chol[i, k] * gain[a, k]
                gain[a, i] = v / chol[i, i]
            # back substitution L^T k = y
            for i in range(m - 1, -1, -1):
                v = gain[a, i]
                for k in range(i + 1, m):
                    v -= chol[k, i] * gain[a, k]
                gain[a, i] = v / chol[i, i]
        for a in range(n_state):
            v = x[b, a]
            for i in range(m):
                v += gain[a, i] * nu_out[b, i]
            x_out[b, a] = v
        # P+ = P - K (H P) = P - K S K^T, then symmetrised
        for a in range(n_state):
            for c in range(a, n_state):
                v = 0.0
                for i in range(m):
                    v += gain[a, i] * p[b, i, c]
                w = 0.0
                for i in range(m):
                    w += gain[c, i] * p[b, i, a]
                val = 0.5 * ((p[b, a, c] - v) + (p[b, c, a] - w))
                p_out[b, a, c] = val
                p_out[b, c, a] = val


def _per_batch(value: ArrayLike, batch_shape: tuple[int, ...], name: str) -> NDArray[np.float64]:
    """A scalar or per-batch parameter as a 1-D array of length 1 or prod(batch_shape)."""
    value = np.asarray(value, dtype=float)
    if value.ndim == 0:
        return value.reshape(1)
    try:
        return np.ascontiguousarray(np.broadcast_to(value, batch_shape)).reshape(-1)
    except ValueError:
        raise ValueError(f"{name} of shape {value.shape} does not broadcast to {batch_shape}") from None


def predict(
    x: ArrayLike,
    P: ArrayLike,
    dt: ArrayLike,
    q: ArrayLike,
    model: str = "discrete",
    acceleration: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Predict constant-velocity states and covariances ``dt`` seconds ahead.

    ``x+ = F x + G a`` and ``P+ = F P F^T + Q``, for every batch element at once.

    Parameters
    ----------
    x : array_like, shape ``(..., 2*ndim)``
        States ``[position [m], velocity [m/s]]``.
    P : array_like, shape ``(..., 2*ndim, 2*ndim)``
        State covariances [SI units squared].
    dt : array_like
        Time step [s]: a scalar or one per batch element (broadcast to ``x.shape[:-1]``).
    q : array_like
        Process-noise intensity, scalar or per batch element: acceleration variance [m^2/s^4] for the
        ``"discrete"`` model (DWNA), power spectral density [m^2/s^3] for ``"continuous"`` (CWNA).
    model : {"discrete", "continuous"}
        White-noise acceleration model; see :func:`cv_process_noise`.
    acceleration : array_like, shape ``(..., ndim)`` or ``(ndim,)``, optional
        Known acceleration (control input) [m/s^2], e.g. gravity or an accelerometer reading, applied
        through ``G = [dt^2/2 I, dt I]``. It moves the mean only.

    Returns
    -------
    x_pred : ndarray, shape ``(..., 2*ndim)``
    P_pred : ndarray, shape ``(..., 2*ndim, 2*ndim)``

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), eqs. 5.2.3-5 and 5.2.3-7; KalmanFilter.NET example 10 for the
    control input.
    """
    x = np.asarray(x, dtype=float)
    P = np.asarray(P, dtype=float)
    n_state = x.shape[-1]
    if n_state % 2 or P.shape != x.shape + (n_state,):
        raise ValueError(f"state {x.shape} and covariance {P.shape} do not form a CV filter")
    ndim = n_state // 2
    batch_shape = x.shape[:-1]
    dt_flat = _per_batch(dt, batch_shape, "dt")
    q_flat = _per_batch(q, batch_shape, "q")
    if dt_flat.size > 1 and q_flat.size == 1:
        q_flat = np.broadcast_to(q_flat, dt_flat.shape)
    qpp, qpv, qvv = (np.ascontiguousarray(v) for v in _noise_blocks(dt_flat, q_flat, model))
    if acceleration is None:
        accel = np.zeros((1, 0))
    else:
        accel = np.asarray(acceleration, dtype=float)
        accel = accel.reshape(1, ndim) if accel.ndim == 1 else np.ascontiguousarray(
            np.broadcast_to(accel, batch_shape + (ndim,))
        ).reshape(-1, ndim)
    xf = np.ascontiguousarray(x.reshape(-1, n_state))
    pf = np.ascontiguousarray(P.reshape(-1, n_state, n_state))
    x_out = np.empty_like(xf)
    p_out = np.empty_like(pf)
    _predict_kernel(xf, pf, dt_flat, qpp, qpv, qvv, accel, x_out, p_out)
    return x_out.reshape(x.shape), p_out.reshape(P.shape)


class Update(NamedTuple):
    """Result of :func:`update`: posterior state and covariance, innovation and its covariance."""

    x: NDArray[np.float64]
    """Posterior states, shape ``(..., n_state)``."""
    P: NDArray[np.float64]
    """Posterior covariances, shape ``(..., n_state, n_state)``."""
    innovation: NDArray[np.float64]
    """Innovation ``z - H x`` (computed with the prior), shape ``(..., n_meas)``."""
    S: NDArray[np.float64]
    """Innovation covariance ``H P H^T + R``, shape ``(..., n_meas, n_meas)``."""


def update(
    x: ArrayLike,
    P: ArrayLike,
    z: ArrayLike,
    R: ArrayLike,
    H: ArrayLike | None = None,
    mask: ArrayLike | None = None,
) -> Update:
    """Kalman measurement update of every batch element at once.

    ``K = P H^T S^-1``, ``x+ = x + K (z - H x)``, ``P+ = P - K S K^T`` (standard form, symmetrised).

    Parameters
    ----------
    x : array_like, shape ``(..., n_state)``
        Prior states (SI units).
    P : array_like, shape ``(..., n_state, n_state)``
        Prior covariances.
    z : array_like, shape ``(..., n_meas)``
        Measurements (SI units; with ``H=None``, positions [m]). Entries where ``mask`` is False are
        ignored and may be NaN.
    R : array_like, shape ``(n_meas, n_meas)`` or ``(..., n_meas, n_meas)``
        Measurement-noise covariance [m^2 for positions].
    H : array_like, shape ``(n_meas, n_state)`` or ``(..., n_meas, n_state)``, optional
        Measurement matrix. ``None`` (default) measures the first ``n_meas`` state components, i.e. the
        position of the CV layout, with a compiled closed-form kernel.
    mask : array_like of bool, shape ``x.shape[:-1]``, optional
        Which batch elements have a measurement; the others keep their prior ``x`` and ``P`` (their
        innovation and ``S`` are still returned). Default: all.

    Returns
    -------
    Update
        ``(x, P, innovation, S)``.

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), eqs. 5.2.3-9 to 5.2.3-17.
    """
    x = np.asarray(x, dtype=float)
    P = np.asarray(P, dtype=float)
    z = np.asarray(z, dtype=float)
    R = np.asarray(R, dtype=float)
    batch_shape = x.shape[:-1]
    n_state = x.shape[-1]
    m = z.shape[-1]
    if mask is None:
        mask_flat = np.ones(int(np.prod(batch_shape)), dtype=np.bool_)
    else:
        mask_flat = np.asarray(mask, dtype=bool)
        mask_flat = np.ascontiguousarray(np.broadcast_to(mask_flat, batch_shape)).reshape(-1)
    if H is None:
        if m > n_state:
            raise ValueError(f"{m} measured components but only {n_state} state components")
        xf = np.ascontiguousarray(x.reshape(-1, n_state))
        pf = np.ascontiguousarray(P.reshape(-1, n_state, n_state))
        zf = np.ascontiguousarray(np.broadcast_to(z, batch_shape + (m,))).reshape(-1, m)
        rf = R.reshape(1, m, m) if R.ndim == 2 else np.ascontiguousarray(
            np.broadcast_to(R, batch_shape + (m, m))
        ).reshape(-1, m, m)
        x_out = np.empty_like(xf)
        p_out = np.empty_like(pf)
        nu = np.empty((xf.shape[0], m))
        s = np.empty((xf.shape[0], m, m))
        _update_position_kernel(xf, pf, zf, rf, mask_flat, x_out, p_out, nu, s)
        return Update(
            x_out.reshape(x.shape),
            p_out.reshape(P.shape),
            nu.reshape(batch_shape + (m,)),
            s.reshape(batch_shape + (m, m)),
        )
    return _update_general(x, P, z, R, np.asarray(H, dtype=float), mask_flat.reshape(batch_shape))


def _update_general(x, P, z, R, H, mask) -> Update:
    """Kalman update with an arbitrary linear measurement matrix (vectorised numpy)."""
    Ht = np.swapaxes(H, -1, -2)
    nu = z - np.einsum("...ij,...j->...i", H, x)
    PHt = P @ Ht
    S = H @ PHt + R
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    # K = P H^T S^-1  <=>  S K^T = H P (S symmetric)
    K = np.swapaxes(np.linalg.solve(S, np.swapaxes(PHt, -1, -2)), -1, -2)
    innov = np.where(mask[..., None], nu, 0.0)
    x_new = x + np.einsum("...ij,...j->...i", K, innov)
    P_new = P - K @ S @ np.swapaxes(K, -1, -2)
    P_new = 0.5 * (P_new + np.swapaxes(P_new, -1, -2))
    P_new = np.where(mask[..., None, None], P_new, P)
    return Update(x_new, P_new, nu, S)


@numba.njit(cache=True, nogil=True)
def _fuse_kernel(x, p, t_state, has, index, times, z, var, q, speed_var):  # pragma: no cover - compiled
    n = x.shape[1] // 2
    pp = np.empty((2 * n, 2 * n))
    s = np.empty((n, n))
    si = np.empty((n, n))
    gain = np.empty((2 * n, n))
    nu = np.empty(n)
    chol = np.zeros((n, n))
    y = np.empty(n)
    for i in range(index.shape[0]):
        b = index[i]
        if not has[b]:
            for a in range(2 * n):
                x[b, a] = z[i, a] if a < n else 0.0
                for c in range(2 * n):
                    p[b, a, c] = 0.0
                p[b, a, a] = var[i] if a < n else speed_var
            has[b] = True
            t_state[b] = times[i]
            continue
        h = max(times[i] - t_state[b], 0.0)
        # predict: x += h v; P = F P F^T + Q (DWNA, per axis q [h^4/4, h^3/2; h^3/2, h^2])
        for a in range(n):
            x[b, a] += h * x[b, n + a]
        for a in range(n):
            for c in range(n):
                pv, vp, vv = p[b, a, n + c], p[b, n + a, c], p[b, n + a, n + c]
                pp[a, c] = p[b, a, c] + h * (pv + vp) + h * h * vv
                pp[a, n + c] = pv + h * vv
                pp[n + a, c] = vp + h * vv
                pp[n + a, n + c] = vv
            pp[a, a] += q * h**4 / 4.0
            pp[a, n + a] += q * h**3 / 2.0
            pp[n + a, a] += q * h**3 / 2.0
            pp[n + a, n + a] += q * h * h
        # update with the position: S = P_pp + var I, K = P[:, :n] S^-1, x += K nu, P -= K S K^T
        for a in range(n):
            nu[a] = z[i, a] - x[b, a]
            for c in range(n):
                s[a, c] = 0.5 * (pp[a, c] + pp[c, a]) + (var[i] if a == c else 0.0)
        _inverse_spd(s, si, chol, y)
        for a in range(2 * n):
            for c in range(n):
                v = 0.0
                for m in range(n):
                    v += pp[a, m] * si[m, c]
                gain[a, c] = v
        for a in range(2 * n):
            v = 0.0
            for c in range(n):
                v += gain[a, c] * nu[c]
            x[b, a] += v
        for a in range(2 * n):
            for c in range(2 * n):
                v = 0.0
                for m in range(n):
                    v += gain[a, m] * pp[m, c]  # K S K^T = K (H P)
                p[b, a, c] = pp[a, c] - v
        for a in range(2 * n):
            for c in range(a + 1, 2 * n):
                v = 0.5 * (p[b, a, c] + p[b, c, a])
                p[b, a, c] = v
                p[b, c, a] = v
        t_state[b] = max(times[i], t_state[b])


@numba.njit(cache=True, nogil=True)
def _cholesky(s, chol):  # pragma: no cover - compiled
    """The lower-triangular L of S = L L^T (S symmetric positive definite), into ``chol``."""
    n = s.shape[0]
    for j in range(n):
        d = s[j, j]
        for k in range(j):
            d -= chol[j, k] * chol[j, k]
        d = np.sqrt(d)
        chol[j, j] = d
        for i in range(j + 1, n):
            v = s[i, j]
            for k in range(j):
                v -= chol[i, k] * chol[j, k]
            chol[i, j] = v / d
        for i in range(j):
            chol[i, j] = 0.0


@numba.njit(cache=True, nogil=True)
def _inverse_spd(s, out, chol, y):  # pragma: no cover - compiled
    """Inverse of a small symmetric positive-definite matrix by Cholesky, into ``out`` (``chol``, ``y``:
    work arrays)."""
    n = s.shape[0]
    _cholesky(s, chol)
    for c in range(n):  # solve L L^T x = e_c
        for i in range(n):
            v = 1.0 if i == c else 0.0
            for k in range(i):
                v -= chol[i, k] * y[k]
            y[i] = v / chol[i, i]
        for i in range(n - 1, -1, -1):
            v = y[i]
            for k in range(i + 1, n):
                v -= chol[k, i] * out[k, c]
            out[i, c] = v / chol[i, i]


def fuse_in_order(x: NDArray[np.float64], P: NDArray[np.float64], time: NDArray[np.float64],
                  has_track: NDArray[np.bool_], index: ArrayLike, times: ArrayLike, z: ArrayLike, variance: ArrayLike,
                  q: float, speed_sigma: float) -> None:
    """Fuse position measurements one after the other into constant-velocity tracks, in place.

    Measurement ``i`` (position ``z[i]``, isotropic variance ``variance[i]`` [m^2], taken at ``times[i]``)
    updates track ``index[i]``: a track that does not exist yet starts there (position ``z[i]``, zero
    velocity with standard deviation ``speed_sigma`` [m/s]); an existing one is predicted to the
    measurement's time with DWNA noise ``q`` [m^2/s^4] (:func:`predict`, ``model="discrete"``) and updated
    (:func:`update`). Measurements are taken in the order given (give them in time order per track; one
    earlier than its track's time is applied at the track's time). The same result as calling
    :func:`predict` and :func:`update` measurement by measurement, in one compiled loop.

    Parameters
    ----------
    x, P : numpy.ndarray, shapes ``(n_tracks, 2*ndim)`` and ``(n_tracks, 2*ndim, 2*ndim)``
        Track states and covariances (changed in place; C-contiguous float64).
    time : numpy.ndarray, shape ``(n_tracks,)``
        Time of each track's state [s] (changed in place).
    has_track : numpy.ndarray of bool, shape ``(n_tracks,)``
        Whether the track exists (changed in place).
    index : array_like of int, shape ``(n,)``
    times : array_like, shape ``(n,)``
    z : array_like, shape ``(n, ndim)``
    variance : array_like, shape ``(n,)``
    q, speed_sigma : float

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), eqs. 5.2.3-5 to 5.2.3-17 and 6.3.2-4.
    """
    for name, a in (("x", x), ("P", P), ("time", time), ("has_track", has_track)):
        if not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous (it is changed in place)")
    _fuse_kernel(x, P, time, has_track, np.ascontiguousarray(index, np.int64), np.ascontiguousarray(times, float),
                 np.ascontiguousarray(z, float), np.ascontiguousarray(variance, float), float(q),
                 float(speed_sigma) ** 2)
