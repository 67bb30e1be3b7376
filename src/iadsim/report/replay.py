"""One replication replayed from its run folder: where every target is at each (decimated) time, and
whether it is flying, killed or has leaked, from the stored trajectories and the run's typed events;
each missile flies in a straight line from its launcher to its aim point (as the engine flies it), or to its kill
point when it killed (it homed on the target there)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iadsim.analysis.artifacts import Trajectories, frame_steps

MAX_FRAMES = 200
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""The calendar time of scenario time 0 in the exports that need one (KML, CZML, ACMI): scenarios have no date."""

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
    aim: tuple[float, float, float] = (np.nan, np.nan, np.nan)  # world x, y, z [m] the missiles fly to (aim or kill)


@dataclass
class Replay:
    """Arrays over (F frames, T targets); positions in world metres. ``tracking`` and ``units``: each target's
    and each unit's :class:`iadsim.events.Status` value at each frame (-1: not recorded)."""

    replication: int
    times: np.ndarray  # (F,)
    target_ids: list[str]
    civil: np.ndarray  # (T,)
    position: np.ndarray  # (F, T, 3)
    status: np.ndarray  # (F, T) int
    kill_time: np.ndarray  # (T,) inf if never killed
    engagements: list[Engagement]
    tracking: np.ndarray | None = None  # (F, T) int
    units: np.ndarray | None = None  # (F, U) int
    arm: np.ndarray | None = None  # (T,) bool: an anti-radiation missile (reaching its radar: GONE, not LEAKED)
    decoy: np.ndarray | None = None  # (T,) bool: a decoy (at the end of its route: GONE, not LEAKED)


def salvo_end(launch, outcomes: pd.DataFrame) -> tuple[float, str, np.ndarray]:
    """A salvo's time of flight (0 if not finite), outcome ("kill", "miss", or "" when the log ends first: its own
    kill or miss event, by its unit and target at its arrival) and where its missiles end (x, y, z, NaN where not
    known): its aim point, or its kill point when it killed (it homed on the target)."""
    tof = float(launch.time_of_flight) if np.isfinite(launch.time_of_flight) else 0.0
    at = outcomes[(outcomes["unit"] == launch.unit) & (outcomes["target"] == launch.target)
                  & ((outcomes["time"] - (launch.time + tof)).abs() < 1e-3)]
    outcome = str(at["kind"].iloc[0]) if len(at) else ""
    end = np.array([launch.x, launch.y, launch.z], float)
    if outcome == "kill":
        killed_at = at[["x", "y", "z"]].to_numpy(float)[0]
        end = np.where(np.isfinite(killed_at), killed_at, end)
    return tof, outcome, end


def build_replay(paths: Trajectories, events: pd.DataFrame, unit_ids: list[str], replication: int,
                 max_frames: int = MAX_FRAMES, states: pd.DataFrame | None = None) -> Replay:
    """The replay of ``replication`` at up to ``max_frames`` of the stored times. ``events``: the run's typed
    events (``unit`` and ``target`` index ``unit_ids`` and ``paths.target_ids``); ``states``: the replication's
    rows of the states table (each status from the latest change at or before a frame), or None."""
    ev = events[events["replication"] == replication] if len(events) else events
    n_t = len(paths.target_ids)
    kill_time = np.full(n_t, np.inf)
    kill_at = np.full((n_t, 3), np.nan)
    for row in ev[ev["kind"] == "kill"].itertuples():
        if 0 <= row.target < n_t and row.time < kill_time[row.target]:
            kill_time[row.target] = float(row.time)
            kill_at[row.target] = (row.x, row.y, row.z)
    engagements = []
    outcomes = ev[ev["kind"].isin(["kill", "miss"])]
    for row in ev[ev["kind"] == "launch"].sort_values("time", kind="stable").itertuples():
        tof, outcome, aim = salvo_end(row, outcomes)
        unit = unit_ids[row.unit] if 0 <= row.unit < len(unit_ids) else ""
        target = paths.target_ids[row.target] if 0 <= row.target < n_t else ""
        engagements.append(Engagement(float(row.time), tof, unit, target, outcome, tuple(aim.tolist())))

    steps = frame_steps(len(paths.times), max_frames)
    times = paths.times[steps]
    position = paths.position[steps].copy()
    status = np.where(paths.active[steps], FLYING, WAITING)
    decoy = paths.decoy if paths.decoy is not None else np.zeros(n_t, bool)
    # civil traffic and decoys at the end of their routes are gone (a decoy strikes nothing)
    status = np.where(paths.arrived[steps], np.where((paths.civil | decoy)[None, :], GONE, LEAKED), status)
    arm = paths.arm if paths.arm is not None else np.zeros(n_t, bool)
    if arm.any():  # a missile flies only in the replications that launched it, and is gone once at its radar
        launched = np.zeros(n_t, bool)
        fired = ev.loc[ev["kind"] == "arm_launch", "target"].to_numpy(dtype=int)
        launched[fired[(fired >= 0) & (fired < n_t)]] = True
        status = np.where(arm[None, :] & (status == LEAKED), GONE, status)
        status = np.where(arm[None, :] & ~launched[None, :], WAITING, status)
    killed = times[:, None] >= kill_time[None, :]
    status = np.where(killed, KILLED, status)
    # a killed target stays where it was hit
    for i in np.flatnonzero(np.isfinite(kill_time)):
        position[killed[:, i], i] = kill_at[i]
    tracking = units = None
    if states is not None:
        tracking = _latest(states[states["target"] >= 0], "target", n_t, times)
        units = _latest(states[states["unit"] >= 0], "unit", len(unit_ids), times)
    return Replay(replication, times, list(paths.target_ids), paths.civil.copy(), position, status, kill_time,
                  engagements, tracking, units, arm.copy(), decoy.copy())


def _latest(rows: pd.DataFrame, column: str, n: int, times: np.ndarray) -> np.ndarray:
    """(F, n) the status of each of ``n`` entities at each time: its latest row at or before it (-1: none)."""
    from iadsim.events import Status

    out = np.full((len(times), n), -1, np.int16)
    codes = np.array([Status[name.upper()].value for name in rows["status"].astype(str)], np.int16)
    index = rows[column].to_numpy()
    when = rows["time"].to_numpy(dtype=float)
    for i in range(n):
        mine = index == i
        if not mine.any():
            continue
        order = np.argsort(when[mine], kind="stable")
        at = np.searchsorted(when[mine][order], times + 1e-9, side="right") - 1
        out[:, i] = np.where(at >= 0, codes[mine][order][np.maximum(at, 0)], -1)
    return out
