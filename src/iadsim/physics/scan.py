"""Scanning radars: hits per look, scan period and detection accumulated over scans.

For the engine's inner loop, :func:`pd_table` / :func:`pd_from_table` (re-exported from
:mod:`iadsim.physics.detection`) replace the exact Pd by a linear interpolation in a precomputed table.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks
from iadsim.physics.detection import pd_from_table, pd_table

__all__ = ["cumulative_pd", "pd_from_table", "pd_table", "pulses_per_look", "scan_period"]


def pulses_per_look(beamwidth_az: ArrayLike, scan_rate: ArrayLike, prf: ArrayLike) -> int | NDArray[np.int64]:
    """Number of pulses (hits) a target receives while the beam sweeps past: floor(theta f_p / omega), >= 1.

    Skolnik's n_B = theta_B f_p / theta_dot_s (= theta_B[deg] f_p / (6 omega_m[rpm])) rounded down to
    whole pulses; at least one pulse is always assumed (a target in the beam gets a look).

    Parameters
    ----------
    beamwidth_az : array_like
        Azimuth 3 dB beamwidth theta_B [rad].
    scan_rate : array_like
        Antenna scan rate theta_dot_s [rad/s].
    prf : array_like
        Pulse repetition frequency f_p [Hz].

    Returns
    -------
    int or ndarray of int
        Pulses per look, >= 1.

    References
    ----------
    Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, ch. 2 (number of pulses returned from a
    point target as the antenna scans).
    """
    theta = _checks.positive("beamwidth_az", beamwidth_az)
    omega = _checks.positive("scan_rate", scan_rate)
    f_p = _checks.positive("prf", prf)
    # The small tolerance keeps exact products such as 15.000000000000002 -> 15 from rounding down to 14.
    hits = np.floor(theta * f_p / omega * (1.0 + 1e-12))
    return _checks.output(np.maximum(hits, 1.0).astype(np.int64))


def scan_period(scan_rate: ArrayLike, sector_width: ArrayLike = 2.0 * np.pi) -> float | NDArray[np.float64]:
    """Time to scan a sector once [s]: sector_width / scan_rate (one antenna revolution by default).

    Parameters
    ----------
    scan_rate : array_like
        Scan rate [rad/s].
    sector_width : array_like, optional
        Scanned sector [rad] (2 pi for a rotating search radar).

    Returns
    -------
    float or ndarray
        Revisit (frame) time [s].
    """
    return _checks.output(_checks.positive("sector_width", sector_width) / _checks.positive("scan_rate", scan_rate))


def cumulative_pd(pd_per_scan: ArrayLike, axis: int = -1) -> float | NDArray[np.float64]:
    """Probability of at least one detection over independent scans: 1 - prod(1 - pd_i).

    Modelling assumption: detections on different scans are independent (Swerling 1/3 targets
    decorrelate from scan to scan; for the others it is exact given the per-scan SNRs).

    Parameters
    ----------
    pd_per_scan : array_like
        Single-scan probabilities of detection, in [0, 1].
    axis : int, optional
        Axis along which the scans run.

    Returns
    -------
    float or ndarray
        Cumulative probability of detection.

    References
    ----------
    Skolnik (2001), ch. 2 (cumulative probability of detection).
    """
    p = _checks.closed_unit_interval("pd_per_scan", pd_per_scan)
    return _checks.output(-np.expm1(np.sum(np.log1p(-p), axis=axis)))
