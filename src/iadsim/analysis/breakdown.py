"""Who did what: a run's outcomes by raid, aircraft type and fire unit, and one replication's engagements as
episodes, from its typed events (:mod:`iadsim.events`) and the entities they index alone.

Every count is a mean per replication (the run's event count over its replications), so that the rows of a
breakdown add up to the run's metrics: the ``killed`` of the raids (threats and civil traffic) add to the means
of ``kills`` and ``civil_killed`` (those of a raid's anti-radiation missiles, a group of their own, to the missiles
shot down that ``arms_defeated`` counts), their ``engagements`` and ``missiles`` to ``engagements`` and
``missiles_expended``.

An engagement episode follows one fire unit's engagement of one target: ``nominated`` (the assigner proposed
it), ``decided`` (authorisation ended: the launch, the loss or the veto that follows), ``launch`` and
``intercept`` (the salvo's arrival: kill or miss). The engine launches as soon as an engagement is
authorised, so an authorised engagement's ``decided`` is its ``launch`` or its ``lost``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iadsim.events import REASON_NAMES
from iadsim.scenario.relocation import SEPARATOR

__all__ = ["BY", "COUNTS", "RADAR_COUNTS", "episodes", "outcomes_by", "radars", "reason_columns"]

BY = {"raid": "flight", "type": "type", "fire_unit": "unit"}
"""The groupings of :func:`outcomes_by`: raid (a threat or traffic entry of the scenario), aircraft type, or the
fire unit that acted."""

COUNTS = {
    "aircraft": "aircraft in the group",
    "killed": "killed",
    "leaked": "reached their target",
    "nominated": "engagements proposed",
    "vetoed": "vetoed",
    "held": "held by the automation (it recommended holding fire)",
    "lost": "authorised but lost before launch",
    "engagements": "launches",
    "missiles": "missiles fired",
    "kills": "salvos that killed",
    "threats_killed": "of them, threats (a raid's aircraft)",
    "missed": "salvos that missed",
    "waiting": "waits for a firing solution",
}
"""The count columns of :func:`outcomes_by` (means per replication) and their words."""

_BREAKDOWN_KINDS = ("lost", "miss")  # the event kinds whose reasons are spelled out per group


def reason_columns(kind: str) -> list[str]:
    """The column names of ``kind``'s ('lost' or 'miss') reasons in :func:`outcomes_by`: ``lost:no_channel``..."""
    return [f"{kind}:{r}" for r in REASON_NAMES if r != "none"]


def outcomes_by(events: pd.DataFrame, entities: dict, replications: int, by: str) -> pd.DataFrame:
    """Outcomes per group, means per replication.

    Parameters
    ----------
    events : DataFrame
        The run's typed events (:data:`iadsim.events.EVENT_DTYPES`).
    entities : dict
        The run's ``entities.json``: ``units`` and ``targets`` (with ``flight``, ``type`` and ``civil``) and
        ``fire_units``, which the events' ``unit`` and ``target`` index.
    replications : int
        How many replications the events come from.
    by : str
        ``"raid"``, ``"type"`` (of the targets: every event about a target counts for its group) or
        ``"fire_unit"`` (every event of a fire unit: what it proposed, fired and achieved).

    Returns
    -------
    DataFrame
        One row per group in the entities' order: ``group``, ``civil``, ``arm`` and ``decoy`` (target groupings: a
        civil traffic entry or type; a raid's anti-radiation missiles or their type; a raid of decoys or their
        type) or ``type`` (fire units), the
        :data:`COUNTS` that apply, and one column per reason a group's engagements were lost or missed
        (:func:`reason_columns`, only those that happened).
    """
    if by not in BY:
        raise ValueError(f"by: expected one of {', '.join(BY)}")
    n = max(int(replications), 1)
    kind = events["kind"].astype(str).to_numpy()
    reason = events["reason"].astype(str).to_numpy()
    targets = entities["targets"]
    if by == "fire_unit":
        units = entities["units"]
        index = {u["id"]: i for i, u in enumerate(units)}
        # a relocating fire unit is one group over its sites (ID, ID@1, ...)
        home = {g: g.partition(SEPARATOR)[0] for g in entities.get("fire_units", []) if g in index}
        groups = [g for g in dict.fromkeys(home.values()) if g in index]
        key = events["unit"].to_numpy()
        member = {g: np.array([index[f] for f, h in home.items() if h == g]) for g in groups}
        frame = pd.DataFrame({"group": groups, "type": [str(units[index[g]].get("type", "")) for g in groups]})
        counted = ("nominated", "vetoed", "held", "lost", "engagements", "missiles", "kills", "threats_killed",
                   "missed", "waiting")
    else:
        field = BY[by]
        # a raid's anti-radiation missiles are a group of their own, not more of its aircraft
        # (and a type flown by friendly aircraft is a group of its own: their losses are fratricide, not kills)
        of = np.array([str(t.get(field, "")) + (" anti-radiation missiles" if by == "raid" and t.get("arm") is True
                                                else " (friendly)" if by != "raid" and t.get("friendly") is True
                                                else "") for t in targets], dtype=object)
        groups = list(dict.fromkeys(of))
        key = events["target"].to_numpy()
        member = {g: np.flatnonzero(of == g) for g in groups}
        friendly = {g: bool(len(member[g])) and all(targets[i].get("friendly") is True for i in member[g])
                    for g in groups}
        civil = {g: all(targets[i]["civil"] for i in member[g]) and not friendly[g] for g in groups}
        arm = {g: bool(len(member[g])) and all(targets[i].get("arm") is True for i in member[g]) for g in groups}
        decoy = {g: bool(len(member[g])) and all(targets[i].get("decoy") is True for i in member[g]) for g in groups}
        frame = pd.DataFrame({"group": groups, "civil": [civil[g] for g in groups],
                              "friendly": [friendly[g] for g in groups], "arm": [arm[g] for g in groups],
                              "decoy": [decoy[g] for g in groups],
                              "aircraft": [float(len(member[g])) for g in groups]})
        counted = ("killed", "leaked", "nominated", "vetoed", "held", "lost", "engagements", "missiles", "missed")
    missiles = events["missiles"].to_numpy(dtype=float)
    # a raid's aircraft (not civil or friendly traffic, an anti-radiation missile or a decoy): what kills count
    threat = np.array([not (t["civil"] or t.get("friendly") is True or t.get("arm") is True or t.get("decoy") is True)
                       for t in targets], bool)
    target = events["target"].to_numpy()
    at_threat = np.zeros(len(events), bool)
    inside = (target >= 0) & (target < len(threat))
    at_threat[inside] = threat[target[inside]]
    values = {c: [] for c in counted}
    reasons = {f"{k}:{r}": [] for k in _BREAKDOWN_KINDS for r in REASON_NAMES if r != "none"}
    for g in groups:
        mine = np.isin(key, member[g])
        of_kind = {k: mine & (kind == k) for k in ("nominated", "vetoed", "held", "lost", "launch", "kill", "miss",
                                                     "leak", "waiting")}
        per = {"killed": of_kind["kill"].sum(), "kills": of_kind["kill"].sum(),
               "threats_killed": (of_kind["kill"] & at_threat).sum(), "leaked": of_kind["leak"].sum(),
               "nominated": of_kind["nominated"].sum(), "vetoed": of_kind["vetoed"].sum(),
               "held": of_kind["held"].sum(),
               "lost": of_kind["lost"].sum(), "engagements": of_kind["launch"].sum(),
               "missiles": missiles[of_kind["launch"]].sum(), "missed": of_kind["miss"].sum(),
               "waiting": of_kind["waiting"].sum()}
        for c in counted:
            values[c].append(float(per[c]) / n)
        for k in _BREAKDOWN_KINDS:
            for r in REASON_NAMES[1:]:
                reasons[f"{k}:{r}"].append(float((of_kind[k] & (reason == r)).sum()) / n)
    for c in counted:
        frame[c] = values[c]
    for name, column in reasons.items():
        if any(column):
            frame[name] = column
    return frame


RADAR_COUNTS = {
    "emitting": "emitting [s]",
    "arms_launched": "anti-radiation missiles launched at it",
    "shutdowns": "warnings heeded (each a silence of its own, the radar already silent or not)",
    "arms_hit": "missiles that hit it",
    "arms_missed": "missiles that missed it",
    "arms_too_late": "missiles that arrived after it was destroyed",
    "destroyed": "destroyed",
}
"""The columns of :func:`radars` (means per replication) and their words."""


def radars(events: pd.DataFrame, entities: dict, replications: int) -> pd.DataFrame:
    """Each radar's emission and the anti-radiation missiles at it, means per replication, from the events alone:
    ``emitting`` [s] adds up each replication's ``emitter_on`` to ``emitter_off`` spans (one still on at the end runs
    to the run's ``duration``); one row per radar (``radar`` in the entities; a radar that never emitted has 0 s) and
    per unit that ever switched, in the entities' order (``group`` its id, ``type``; a relocating radar's sites
    summed in one row). A missile that reaches its radar after the radar was destroyed (``arm_miss``, reason
    ``target_gone``, at or after its ``destroyed`` event) is counted apart from those that missed it: only a missile
    that could have hit it missed it (as the ``arms_defeated`` metric counts)."""
    n = max(int(replications), 1)
    units = entities["units"]
    kind = events["kind"].astype(str).to_numpy()
    unit = events["unit"].to_numpy()
    switches = events[np.isin(kind, ("emitter_on", "emitter_off"))].sort_values(["replication", "time"],
                                                                                   kind="stable")
    end = float(entities.get("duration", 0.0))
    on_time = np.zeros(len(units))
    for (_, u), group in switches.groupby(["replication", "unit"], sort=False):
        since = None
        for when, what in zip(group["time"].to_numpy(dtype=float), group["kind"].astype(str), strict=True):
            if what == "emitter_on" and since is None:
                since = when
            elif what == "emitter_off" and since is not None:
                on_time[u] += when - since
                since = None
        if since is not None:
            on_time[u] += max(end - since, 0.0)
    rows = []
    # a relocating radar is one row over its sites (ID, ID@1, ...): its emission and missiles summed
    home = np.array([str(x["id"]).partition(SEPARATOR)[0] for x in units], dtype=object)
    index = {x["id"]: i for i, x in enumerate(units)}
    shown = set(switches["unit"].tolist()) | {i for i, x in enumerate(units) if x.get("radar")}
    late = _after_destruction(events, kind)
    for h in dict.fromkeys(home[u] for u in sorted(shown) if 0 <= u < len(units)):
        sites = np.flatnonzero(home == h)
        u = index.get(h, int(sites[0]))
        mine = np.isin(unit, sites)
        count = {k: float(((kind == k) & mine).sum()) / n for k in ("arm_launch", "shutdown", "arm_hit", "destroyed")}
        too_late = float((late & mine).sum()) / n
        rows.append({"group": h, "type": units[u].get("type", ""), "emitting": on_time[sites].sum() / n,
                     "arms_launched": count["arm_launch"], "shutdowns": count["shutdown"],
                     "arms_hit": count["arm_hit"], "arms_missed": float(((kind == "arm_miss") & mine).sum()) / n
                     - too_late, "arms_too_late": too_late, "destroyed": count["destroyed"]})
    return pd.DataFrame(rows, columns=["group", "type", *RADAR_COUNTS])


def _after_destruction(events: pd.DataFrame, kind: np.ndarray) -> np.ndarray:
    """(n,) bool: the events that are an anti-radiation missile reaching a unit already destroyed in its
    replication (``arm_miss`` with reason ``target_gone`` at or after the unit's ``destroyed`` event)."""
    out = np.zeros(len(events), bool)
    gone = np.flatnonzero((kind == "arm_miss") & (events["reason"].astype(str).to_numpy() == "target_gone"))
    if not len(gone):
        return out
    destroyed = events[kind == "destroyed"].groupby(["replication", "unit"])["time"].min()
    keys = pd.MultiIndex.from_arrays([events["replication"].to_numpy()[gone], events["unit"].to_numpy()[gone]])
    at = destroyed.reindex(keys).to_numpy(dtype=float)  # (NaN: not destroyed there: it moved away)
    out[gone] = events["time"].to_numpy(dtype=float)[gone] >= at
    return out


EPISODE_COLUMNS = ("unit", "target", "nominated", "decided", "launch", "intercept", "outcome", "reason")


def episodes(events: pd.DataFrame, replication: int) -> pd.DataFrame:
    """One replication's engagements, one row per episode, in the order they began.

    Columns: ``unit`` and ``target`` (the events' indices), ``nominated``, ``decided``, ``launch`` and
    ``intercept`` [s] (NaN: did not happen), ``outcome`` ("kill", "miss", "vetoed", "lost", "deciding" or
    "in flight" when the run ended first, "waiting": the target waited for a firing solution at
    ``nominated``, "held": the automation recommended holding fire at ``decided``; nothing was nominated) and
    ``reason`` (:class:`iadsim.events.Reason` name, "none" when there is none)."""
    ev = events[events["replication"] == replication]
    ev = ev.iloc[np.argsort(ev["time"].to_numpy(), kind="stable")]
    rows: list[dict] = []
    open_: dict[tuple[int, int], dict] = {}
    for unit, target, time, kind, reason in zip(ev["unit"].to_numpy(), ev["target"].to_numpy(),
                                                ev["time"].to_numpy(dtype=float), ev["kind"].astype(str),
                                                ev["reason"].astype(str), strict=True):
        pair = (int(unit), int(target))
        if kind == "waiting":
            rows.append(_episode(pair, time, "waiting", reason))
        elif kind == "held":  # the automation decided to hold fire: nothing was nominated
            rows.append(dict(_episode(pair, np.nan, "held", reason), decided=time))
        elif kind == "nominated":
            open_[pair] = _episode(pair, time, "deciding", "none")
            rows.append(open_[pair])
        elif kind in ("vetoed", "lost", "launch") and pair in open_:
            episode = open_[pair]
            episode["decided"] = time
            if kind == "launch":
                episode["launch"], episode["outcome"] = time, "in flight"
            else:
                episode["outcome"], episode["reason"] = kind, reason
                del open_[pair]
        elif kind in ("kill", "miss") and pair in open_ and open_[pair]["outcome"] == "in flight":
            episode = open_.pop(pair)
            episode["intercept"], episode["outcome"], episode["reason"] = time, kind, reason
    frame = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    return frame.astype({"unit": "int32", "target": "int32", "nominated": float, "decided": float,
                         "launch": float, "intercept": float})


def _episode(pair: tuple[int, int], time: float, outcome: str, reason: str) -> dict:
    return {"unit": pair[0], "target": pair[1], "nominated": time, "decided": np.nan, "launch": np.nan,
            "intercept": np.nan, "outcome": outcome, "reason": reason}
