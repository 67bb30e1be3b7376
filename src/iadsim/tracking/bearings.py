"""Triangulation: a position fix from the lines of bearing of two or more passive sensors, with its error.

Each sensor at ``p_i`` measures the bearing ``theta_i`` (clockwise from north) of an emitter with a 1-sigma
error ``sigma_i``. The emitter lies on the line through ``p_i`` along ``(sin theta_i, cos theta_i)``: with
its normal ``n_i = (cos theta_i, -sin theta_i)``, ``n_i . x = n_i . p_i``. The fix is the weighted least-squares
point of those lines, each weighted by ``1 / (sigma_i r_i)^2`` (a bearing error moves the line by ``r_i sigma_i``
at the emitter's distance ``r_i``; the distances are taken from the previous fix, starting from equal
weights), and its covariance ``(sum_i n_i n_i^T / (sigma_i r_i)^2)^-1`` is the Cramer-Rao bound of the
linearised problem: for two sensors whose lines cross at ``psi`` its trace is
``(r_1^2 sigma_1^2 + r_2^2 sigma_2^2) / sin^2 psi`` (the geometric dilution of precision of a two-bearing fix).

References
----------
R. G. Stansfield, "Statistical theory of D.F. fixing", *J. IEE* 94 (IIIA), 1947; D. J. Torrieri, "Statistical
theory of passive location systems", *IEEE Trans. AES* 20 (2), 1984, sec. III (bearing-only location).
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike

__all__ = ["triangulate"]


def triangulate(sites: ArrayLike, bearings: ArrayLike, sigmas: ArrayLike,
                iterations: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Fixes from lines of bearing, over any leading axes.

    Parameters
    ----------
    sites : array_like, shape ``(..., n, 2)``
        The sensors' positions east and north [m] (n >= 2).
    bearings : array_like, shape ``(..., n)``
        Measured bearings [rad], clockwise from north.
    sigmas : array_like, shape ``(..., n)``
        Their 1-sigma errors [rad], > 0.
    iterations : int
        Re-weightings by the distances from the previous fix.

    Returns
    -------
    position : numpy.ndarray, shape ``(..., 2)``
        The fix [m]; NaN where the lines are parallel or diverge (they would cross behind a sensor): no fix.
    covariance : numpy.ndarray, shape ``(..., 2, 2)``
        Its covariance [m^2]; inf where there is no fix.
    """
    sites, bearings = np.asarray(sites, float), np.asarray(bearings, float)
    if sites.shape[-1] != 2 or sites.shape[:-1] != bearings.shape or bearings.shape[-1] < 2:
        raise ValueError("sites must be (..., n, 2) and bearings (..., n) with n >= 2")
    sigmas = np.broadcast_to(np.asarray(sigmas, float), bearings.shape)
    if not (sigmas > 0).all():
        raise ValueError("bearing errors must be > 0")
    lead, n = bearings.shape[:-1], bearings.shape[-1]
    flat_sites = np.ascontiguousarray(sites.reshape(-1, n, 2))
    flat_bearings = np.ascontiguousarray(bearings.reshape(-1, n))
    flat_sigmas = np.ascontiguousarray(sigmas.reshape(-1, n))
    position = np.empty((len(flat_bearings), 2))
    covariance = np.empty((len(flat_bearings), 2, 2))
    work = np.empty((n, 3))
    for i in range(len(flat_bearings)):
        fix(flat_sites[i], flat_bearings[i], flat_sigmas[i], n, int(iterations), position[i], covariance[i], work)
    return position.reshape(lead + (2,)), covariance.reshape(lead + (2, 2))


@numba.njit(cache=True, nogil=True)
def fix(sites, bearings, sigmas, n, iterations, position, covariance, work):  # pragma: no cover - compiled
    """The fix of the first ``n`` lines of bearing (``sites`` (>= n, 2), ``bearings``, ``sigmas`` (>= n,)) into
    ``position`` (2,) and ``covariance`` (2, 2) (:func:`triangulate`, whose one implementation this is; the
    engine calls it for the nodes' pictures); ``work`` a (>= n, 3) work array. Returns whether there is a fix
    (else NaN and inf)."""
    weight, cos, sin = work[:n, 0], work[:n, 1], work[:n, 2]
    for i in range(n):
        weight[i] = 1.0 / sigmas[i] ** 2
        cos[i], sin[i] = np.cos(bearings[i]), -np.sin(bearings[i])  # the line's normal
    fixed = False
    a = b = d = 0.0
    for it in range(iterations + 2):  # iterations + 1 solves, then the final distances' information
        a = b = d = 0.0
        ra = rb = 0.0
        big = 0.0
        for i in range(n):
            c, s = cos[i], sin[i]
            w = weight[i]
            a += w * c * c
            b += w * c * s
            d += w * s * s
            off = c * sites[i, 0] + s * sites[i, 1]
            ra += w * c * off
            rb += w * s * off
        big = max(abs(a), abs(b), abs(d))
        det = a * d - b * b
        fixed = det > 1e-12 * big * big
        if not fixed:
            a, b, d, det = 1.0, 0.0, 1.0, 1.0
        if it == iterations + 1:
            break
        position[0] = (d * ra - b * rb) / det
        position[1] = (a * rb - b * ra) / det
        for i in range(n):
            r = np.hypot(position[0] - sites[i, 0], position[1] - sites[i, 1])
            weight[i] = 1.0 / (sigmas[i] * max(r, 1.0)) ** 2
    det = a * d - b * b
    covariance[0, 0], covariance[0, 1], covariance[1, 0], covariance[1, 1] = d / det, -b / det, -b / det, a / det
    # a fix behind a sensor (where the lines' backward extensions cross: diverging bearings) is no fix
    for i in range(n):
        if (position[0] - sites[i, 0]) * -sin[i] + (position[1] - sites[i, 1]) * cos[i] <= 0:
            fixed = False
    if not fixed:
        position[0] = position[1] = np.nan
        covariance[:, :] = np.inf
    return fixed
