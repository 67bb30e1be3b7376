"""The engine's yardstick (issue 21): the least work a Monte Carlo of detection must do, as one numba loop.

Per step, per replication, per sensor look in the step's window and per visible sensor-target pair of that step
(the world's sparse :class:`iadsim.engine.Looks`): the signal-to-noise ratio -> Pd (Swerling 1, one pulse:
Pd = Pfa ** (1 / (1 + SNR)), Richards Eq. 6.101) -> a keyed uniform draw (SplitMix64 of replication key,
look number and pair, as :mod:`iadsim.engine.rng` keys its draws) -> an M-of-N update of that pair's track
(a bit history of the last N looks; confirmed at M hits). Each sensor's looks fall at its own times (a keyed
phase per replication and sensor, then every look period), as the engine's do.

The SNR of each pair is the one that gives the world's Pd under that formula (so the yardstick draws with the
world's probabilities; a pair at or below Pfa gets the SNR 0, and is still drawn, as the engine draws every pair
whose Pd is above 0); :func:`prepare` computes it before the clock starts, as the world is built before the
engine's. Nothing else the engine does
(plots, association, filters, pictures, the fire-control cycle) is in it: it is the floor, not a peer model.
Written here, independent of the engine's code.
"""

from __future__ import annotations

import numba
import numpy as np

PFA = 1e-6
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_LOOK = np.uint64(0xD1B54A32D192ED03)


def snr_of(pd: np.ndarray, pfa: float = PFA) -> np.ndarray:
    """The SNR (linear) at which one Swerling 1 pulse gives ``pd`` at ``pfa`` (0 where pd <= pfa: Pd = Pfa;
    -1 where pd is 0: never drawn)."""
    p = np.clip(pd.astype(float), pfa * (1 + 1e-9), 1 - 1e-12)
    return np.where(pd > pfa, np.log(pfa) / np.log(p) - 1.0, np.where(pd > 0, 0.0, -1.0))


@numba.njit(inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(inline="always")
def _uniform(key, look, index):
    z = _mix(_mix(key + np.uint64(look) * _LOOK + (np.uint64(index) + np.uint64(1)) * _GOLDEN))
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True)
def run(keys, times, ptr, sensor, target, snr, look_period, n_sensors, n_targets, m, n, pfa):
    """Replications ``keys`` (R,) over every step: returns (R,) confirmed tracks and (R,) detections."""
    n_r = keys.shape[0]
    history = np.zeros((n_r, n_sensors, n_targets), np.uint32)
    confirmed = np.zeros((n_r, n_sensors, n_targets), np.bool_)
    n_confirmed = np.zeros(n_r, np.int64)
    n_detected = np.zeros(n_r, np.int64)
    phase = np.empty((n_r, n_sensors))
    for r in range(n_r):
        for s in range(n_sensors):
            phase[r, s] = _uniform(keys[r], 0, s) * look_period[s]
    window = np.uint32((1 << n) - 1)
    log_pfa = np.log(pfa)
    step = times[1] - times[0] if times.shape[0] > 1 else 1.0
    for k in range(times.shape[0]):
        start, end = times[k], times[k] + step
        for r in range(n_r):
            key = keys[r]
            for i in range(ptr[k], ptr[k + 1]):
                s, t = sensor[i], target[i]
                if snr[i] < 0.0:  # Pd 0: the engine does not draw it either
                    continue
                # this sensor's looks in [start, end)
                first = max(np.ceil((start - phase[r, s]) / look_period[s]), 0.0)
                after = max(np.ceil((end - phase[r, s]) / look_period[s]), 0.0)
                for look in range(int(first), int(after)):
                    pd = np.exp(log_pfa / (1.0 + snr[i]))
                    hit = _uniform(key, look, s * n_targets + t) < pd
                    h = ((history[r, s, t] << np.uint32(1)) | np.uint32(hit)) & window
                    history[r, s, t] = h
                    n_detected[r] += hit
                    if not confirmed[r, s, t]:
                        c = 0
                        while h:
                            c += h & np.uint32(1)
                            h >>= np.uint32(1)
                        if c >= m:
                            confirmed[r, s, t] = True
                            n_confirmed[r] += 1
    return n_confirmed, n_detected


def prepare(world, replications: np.ndarray, seed: int | None = None) -> tuple:
    """The yardstick's inputs for ``world``: the replications' keys (as the engine derives them from the scenario's
    seed) and each visible pair's SNR."""
    seed = world.scenario.spec.seed if seed is None else seed
    keys = np.array([np.random.SeedSequence(seed, spawn_key=(int(r),)).generate_state(1, np.uint64)[0]
                     for r in replications], np.uint64)
    looks = world.looks
    return (keys, world.times, looks.ptr, looks.sensor.astype(np.int64), looks.target.astype(np.int64),
            snr_of(looks.pd), world.look_period.astype(float), len(world.sensor_ids), len(world.target_ids))


def yardstick(inputs: tuple, m: int = 2, n: int = 3):
    """Run the yardstick on :func:`prepare`'s inputs: (R,) confirmed tracks and (R,) detections."""
    return run(*inputs, m, n, PFA)
