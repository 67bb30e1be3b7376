"""Batched CV Kalman filter vs Stone Soup, same measurements, same process.

Runs n_replications x n_targets constant-velocity targets through n_steps scans of position
measurements. iadsim filters every track of every replication with one ``predict`` and one ``update``
call per scan; Stone Soup (KalmanPredictor + KalmanUpdater, ConstantVelocity continuous white-noise
model, LinearGaussian position measurements) filters a subset of the tracks one at a time. Estimates on
the subset must agree to 1e-9; throughput is target-updates (one predict + one update) per second.

Usage: python benchmarks/bench_tracking.py [n_replications n_targets n_steps n_stonesoup_tracks]
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta

import numpy as np
from stonesoup.models.measurement.linear import LinearGaussian
from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
from stonesoup.predictor.kalman import KalmanPredictor
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import KalmanUpdater

from iadsim.tracking import predict, update

DT = 2.0  # scan period [s]
Q = 0.5  # acceleration PSD [m^2/s^3] (continuous white noise)
R = np.diag([100.0, 100.0, 400.0])  # position measurement covariance [m^2]
P0 = np.diag([100.0, 100.0, 400.0, 1e4, 1e4, 1e4])
PERM = [0, 3, 1, 4, 2, 5]  # iadsim [x, y, z, vx, vy, vz] -> Stone Soup [x, vx, y, vy, z, vz]


def main(n_rep: int = 1000, n_targets: int = 50, n_steps: int = 100, n_ss: int = 20) -> None:
    rng = np.random.default_rng(7)
    shape = (n_rep, n_targets)
    position = rng.uniform(-5e4, 5e4, size=shape + (3,))
    velocity = rng.uniform(-300.0, 300.0, size=shape + (3,))
    chol_r = np.linalg.cholesky(R)
    subset_meas = np.empty((n_steps, n_ss, 3))

    def measure():
        return position + rng.standard_normal(shape + (3,)) @ chol_r.T

    z = measure()
    subset_meas[0] = z[0, :n_ss]
    x = np.zeros(shape + (6,))
    x[..., :3] = z
    P = np.broadcast_to(P0, shape + (6, 6)).copy()

    # compile (numba, cached) outside the timed region
    predict(x[:1, :1], P[:1, :1], DT, Q, model="continuous")
    update(x[:1, :1], P[:1, :1], z[:1, :1], R)

    ours = 0.0
    for k in range(1, n_steps):
        position += DT * velocity
        z = measure()
        subset_meas[k] = z[0, :n_ss]
        t0 = time.perf_counter()
        x, P = predict(x, P, DT, Q, model="continuous")
        x, P, _, _ = update(x, P, z, R)
        ours += time.perf_counter() - t0
    n_ours = n_rep * n_targets * (n_steps - 1)

    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(Q)] * 3)
    measurement_model = LinearGaussian(ndim_state=6, mapping=(0, 2, 4), noise_covar=R)
    predictor, updater = KalmanPredictor(transition), KalmanUpdater(measurement_model)
    start = datetime(2025, 1, 1)
    worst = 0.0
    ss_time = 0.0
    for i in range(n_ss):
        x0 = np.zeros(6)
        x0[:3] = subset_meas[0, i]
        state = GaussianState(x0[PERM].reshape(-1, 1), P0[np.ix_(PERM, PERM)], timestamp=start)
        t0 = time.perf_counter()
        for k in range(1, n_steps):
            t = start + timedelta(seconds=k * DT)
            prediction = predictor.predict(state, timestamp=t)
            zk = subset_meas[k, i].reshape(-1, 1)
            det = Detection(zk, timestamp=t, measurement_model=measurement_model)
            state = updater.update(SingleHypothesis(prediction, det))
        ss_time += time.perf_counter() - t0
        worst = max(
            worst,
            float(np.max(np.abs(x[0, i, PERM] - np.asarray(state.state_vector, float).ravel()))),
            float(np.max(np.abs(P[0, i][np.ix_(PERM, PERM)] - np.asarray(state.covar, float)))),
        )
    n_ss_updates = n_ss * (n_steps - 1)

    ours_rate = n_ours / ours
    ss_rate = n_ss_updates / ss_time
    print("Constant-velocity Kalman filter, position measurements, continuous white-noise model")
    print(f"scan period {DT} s, q = {Q} m^2/s^3, {n_steps} scans")
    print()
    print(f"{'filter':<34}{'tracks':>10}{'target-updates':>16}{'time [s]':>11}{'updates/s':>14}")
    print("-" * 85)
    print(f"{'iadsim batched (numba)':<34}{n_rep * n_targets:>10}{n_ours:>16}{ours:>11.3f}{ours_rate:>14.3e}")
    ss_name = "Stone Soup 1.9 per-track loop"
    print(f"{ss_name:<34}{n_ss:>10}{n_ss_updates:>16}{ss_time:>11.3f}{ss_rate:>14.3e}")
    print("-" * 85)
    print(f"throughput ratio iadsim / Stone Soup: {ours_rate / ss_rate:,.0f}x  (target >= 500x)")
    print(f"max |difference| of state and covariance on the {n_ss} common tracks: {worst:.2e} (limit 1e-9)")
    if worst > 1e-9:
        raise SystemExit("estimates differ from Stone Soup by more than 1e-9")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
