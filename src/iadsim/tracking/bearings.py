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
    sigmas = np.asarray(sigmas, float)
    if sites.shape[-1] != 2 or sites.shape[:-1] != bearings.shape or bearings.shape[-1] < 2:
        raise ValueError("sites must be (..., n, 2) and bearings (..., n) with n >= 2")
    if not (sigmas > 0).all():
        raise ValueError("bearing errors must be > 0")
    normal = np.stack([np.cos(bearings), -np.sin(bearings)], axis=-1)  # (..., n, 2)
    offset = np.sum(normal * sites, axis=-1)  # (..., n): n_i . p_i
    weight = 1.0 / np.broadcast_to(sigmas, bearings.shape) ** 2

    def information(weight):  # sum_i w_i n_i n_i^T, and whether the lines cross (are not parallel)
        info = np.einsum("...n,...ni,...nj->...ij", weight, normal, normal)
        det = info[..., 0, 0] * info[..., 1, 1] - info[..., 0, 1] ** 2
        fixed = det > 1e-12 * np.abs(info).max(axis=(-1, -2)) ** 2
        return np.where(fixed[..., None, None], info, np.eye(2)), fixed

    for _ in range(int(iterations) + 1):
        info, fixed = information(weight)
        rhs = np.einsum("...n,...ni,...n->...i", weight, normal, offset)
        position = np.linalg.solve(info, rhs[..., None])[..., 0]
        r = np.linalg.norm(position[..., None, :] - sites, axis=-1)
        weight = 1.0 / (np.broadcast_to(sigmas, bearings.shape) * np.maximum(r, 1.0)) ** 2
    info, fixed = information(weight)  # the final fix's distances give its covariance
    covariance = np.linalg.inv(info)
    # a fix behind a sensor (where the lines' backward extensions cross: diverging bearings) is no fix
    direction = np.stack([np.sin(bearings), np.cos(bearings)], axis=-1)
    ahead = (np.sum((position[..., None, :] - sites) * direction, axis=-1) > 0).all(axis=-1)
    fixed = fixed & ahead
    position = np.where(fixed[..., None], position, np.nan)
    covariance = np.where(fixed[..., None, None], covariance, np.inf)
    return position, covariance
