"""One replication replayed: where every target is at each (decimated) time, and whether it is flying,
killed or has leaked, from the world's flight paths and the run's event log."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iadsim.report.run import time_of_flight

MAX_FRAMES = 200

WAITING, FLYING, KILLED, LEAKED, GONE = 0, 1, 2, 3, 4
"""Target status codes: not yet airborne, flying, killed (held at the kill point), leaked (a threat that
reached its target), gone (a civil aircraft at the end of its route)."""


@dataclass
class Engagement:
    launch_time: float
    time_of_flight: float
    fire_unit: str
    target: str
    outcome: str  # "kill", "miss" or "" when the log ends first


@dataclass
class Replay:
    """Arrays over (F frames, T targets); positions in world metres."""

    replication: int
    times: np.ndarray  # (F,)
    steps: np.ndarray  # (F,) indices into world.times
    target_ids: list[str]
    civil: np.ndarray  # (T,)
    position: np.ndarray  # (F, T, 3)
    status: np.ndarray  # (F, T) int
    kill_time: np.ndarray  # (T,) inf if never killed
    engagements: list[Engagement]


def frame_steps(n_steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """At most ``max_frames`` step indices, evenly spaced, always including the first and the last."""
    if n_steps <= max_frames:
        return np.arange(n_steps)
    return np.unique(np.round(np.linspace(0, n_steps - 1, max_frames)).astype(int))


def build_replay(world, events: pd.DataFrame, replication: int, max_frames: int = MAX_FRAMES) -> Replay:
    """The replay of ``replication``: target positions and status at up to ``max_frames`` times."""
    ev = events[events["replication"] == replication] if not events.empty else events
    index = {t: i for i, t in enumerate(world.target_ids)}
    n_t = len(world.target_ids)
    kill_time = np.full(n_t, np.inf)
    for row in ev[ev["kind"] == "kill"].itertuples():
        i = index.get(row.target)
        if i is not None:
            kill_time[i] = min(kill_time[i], float(row.time))
    engagements = []
    outcomes = ev[ev["kind"].isin(["kill", "miss"])].sort_values("time")
    for row in ev[ev["kind"] == "launch"].sort_values("time").itertuples():
        tof = time_of_flight(row.detail)
        later = outcomes[(outcomes["unit"] == row.unit) & (outcomes["target"] == row.target)
                         & (outcomes["time"] >= row.time) & (outcomes["time"] <= row.time + tof + 30.0)]
        outcome = str(later["kind"].iloc[0]) if len(later) else ""
        engagements.append(Engagement(float(row.time), tof, str(row.unit), str(row.target), outcome))

    steps = frame_steps(len(world.times), max_frames)
    times = world.times[steps]
    position = world.position[steps].copy()
    active = world.active[steps]
    arrived = world.arrived[steps]
    status = np.where(active, FLYING, WAITING)
    status = np.where(arrived, np.where(world.civil[None, :], GONE, LEAKED), status)
    killed = times[:, None] >= kill_time[None, :]
    status = np.where(killed, KILLED, status)
    # a killed target stays where it was hit
    for i in np.flatnonzero(np.isfinite(kill_time)):
        k = int(np.clip(np.searchsorted(world.times, kill_time[i]), 0, len(world.times) - 1))
        position[killed[:, i], i] = world.position[k, i]
    return Replay(replication, times, steps, list(world.target_ids), world.civil.copy(), position, status,
                  kill_time, engagements)
