"""A full 6-state constant-velocity Kalman filter written for the tests, independent of iadsim.tracking."""

from __future__ import annotations

import numpy as np

Q = 2.0  # the acceleration variance [m^2/s^4] of a node's process noise
PERIOD = 1.5  # [s] the sensors' look period: a node's process noise over h is CWNA of density Q max(h, PERIOD)
SPEED_VAR = 300.0**2


def kalman(measurements, q: float = Q, speed_var: float = SPEED_VAR, period: float = PERIOD):
    """The constant-velocity Kalman filter, full 6 x 6 (Bar-Shalom et al. 2001, eqs. 5.2.3-5 to 5.2.3-17, CWNA
    sec. 6.2.2: Q = d [[h^3/3, h^2/2], [h^2/2, h]] per axis, of density d = q max(h, T) over an interval h, T the
    look period of the sensor whose measurement ends it), over (time, position, isotropic variance[, T]) in the
    order given (T: ``period`` where not given); starts at the first position with zero velocity
    of variance SPEED_VAR. Returns (state, covariance, time)."""
    (t0, z0, v0, *_), rest = measurements[0], measurements[1:]
    x = np.concatenate([z0, np.zeros(3)])
    P = np.diag([v0] * 3 + [speed_var] * 3)
    H = np.hstack([np.eye(3), np.zeros((3, 3))])
    t = t0
    for when, z, var, *look in rest:
        h = when - t
        T = look[0] if look else period
        F = np.eye(6)
        F[:3, 3:] = h * np.eye(3)
        noise = q * max(h, T) * np.kron([[h**3 / 3, h**2 / 2], [h**2 / 2, h]], np.eye(3))
        x, P = F @ x, F @ P @ F.T + noise
        S = H @ P @ H.T + var * np.eye(3)
        K = P @ H.T @ np.linalg.inv(S)
        x, P = x + K @ (z - H @ x), (np.eye(6) - K @ H) @ P
        t = when
    return x, P, t


def by_arrival(sensors, times, z, var, latency, clock, q: float = Q, speed_var: float = SPEED_VAR, periods=None):
    """The node's track worked out here: the reports that reached it by ``clock`` in arrival order (ties in plot
    order), each one older than the track discarded; ``periods`` (S,): the sensors' look periods (None: PERIOD
    each). Returns (state, covariance, time, updates, discarded)."""
    arrival = times + latency[sensors]
    chosen, discarded, last = [], 0, -np.inf
    for i in np.argsort(arrival, kind="stable"):
        if arrival[i] > clock:
            continue
        if times[i] < last:
            discarded += 1
            continue
        chosen.append((times[i], z[i], var[i], PERIOD if periods is None else periods[sensors[i]]))
        last = times[i]
    if not chosen:
        return None, None, None, 0, discarded
    return (*kalman(chosen, q, speed_var), len(chosen), discarded)
