"""Outcomes by raid, type and fire unit, and engagement episodes, from hand-written event tables whose answers
are counted here by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis.breakdown import episodes, outcomes_by, reason_columns
from iadsim.events import EventKind, Reason, events_frame

ENTITIES = {
    "units": [{"id": "radar", "type": "sr", "kind": "radar"}, {"id": "fu-a", "type": "telar", "kind": "launcher"},
              {"id": "fu-b", "type": "launcher", "kind": "launcher"}],
    "fire_units": ["fu-a", "fu-b"],
    "targets": [{"id": "r1-1", "flight": "r1", "type": "heli", "civil": False},
                {"id": "r1-2", "flight": "r1", "type": "heli", "civil": False},
                {"id": "r2-1", "flight": "r2", "type": "jet", "civil": False},
                {"id": "liner", "flight": "liner", "type": "airliner", "civil": True}],
}


def row(rep, time, kind, unit=-1, target=-1, missiles=0, reason=Reason.NONE):
    return (rep, time, int(kind), unit, target, -1, missiles, np.nan, np.nan, int(reason), 0.0, 0.0, 0.0)


EVENTS = events_frame([
    # replication 0: fu-a kills r1-1 with 2 missiles, loses r1-2 to no channel; r1-2 leaks; fu-b misses r2-1
    row(0, 10, EventKind.NOMINATED, 1, 0), row(0, 15, EventKind.LAUNCH, 1, 0, missiles=2),
    row(0, 12, EventKind.NOMINATED, 1, 1), row(0, 17, EventKind.LOST, 1, 1, reason=Reason.NO_CHANNEL),
    row(0, 30, EventKind.KILL, 1, 0), row(0, 20, EventKind.WAITING, 2, 2, reason=Reason.IMMATURE_TRACK),
    row(0, 21, EventKind.NOMINATED, 2, 2), row(0, 26, EventKind.LAUNCH, 2, 2, missiles=1),
    row(0, 40, EventKind.MISS, 2, 2, reason=Reason.WARHEAD), row(0, 50, EventKind.LEAK, -1, 1),
    row(0, 60, EventKind.LEAK, -1, 2),
    # replication 1: the liner is nominated by fu-b and vetoed; fu-a kills r2-1; the run ends while fu-a decides
    row(1, 5, EventKind.NOMINATED, 2, 3), row(1, 10, EventKind.VETOED, 2, 3),
    row(1, 11, EventKind.NOMINATED, 1, 2), row(1, 16, EventKind.LAUNCH, 1, 2, missiles=2),
    row(1, 25, EventKind.KILL, 1, 2), row(1, 70, EventKind.NOMINATED, 1, 0), row(1, 71, EventKind.LEAK, -1, 1),
])


def test_by_raid_counts_what_happened_to_each_raids_aircraft():
    table = outcomes_by(EVENTS, ENTITIES, 2, "raid").set_index("group")
    assert list(table.index) == ["r1", "r2", "liner"]
    assert table.loc["r1", "aircraft"] == 2 and not table.loc["r1", "civil"] and table.loc["liner", "civil"]
    assert table.loc["r1", "killed"] == 0.5  # one kill over two replications
    assert table.loc["r1", "leaked"] == 1.0  # r1-2 leaked in both
    assert table.loc["r1", "engagements"] == 0.5 and table.loc["r1", "missiles"] == 1.0
    assert table.loc["r1", "nominated"] == 1.5 and table.loc["r1", "lost"] == 0.5
    assert table.loc["r1", "lost:no_channel"] == 0.5
    assert table.loc["r2", "killed"] == 0.5 and table.loc["r2", "missed"] == 0.5
    assert table.loc["r2", "miss:warhead"] == 0.5 and table.loc["r2", "missiles"] == 1.5
    assert table.loc["liner", "vetoed"] == 0.5 and table.loc["liner", "engagements"] == 0
    assert "lost:outside_envelope" not in table  # only reasons that happened get a column


def test_by_type_and_raid_agree_when_each_raid_is_one_type():
    raid = outcomes_by(EVENTS, ENTITIES, 2, "raid").drop(columns="group").reset_index(drop=True)
    kind = outcomes_by(EVENTS, ENTITIES, 2, "type").drop(columns="group").reset_index(drop=True)
    assert raid.equals(kind)


def test_by_fire_unit_counts_what_each_did_and_adds_up_to_the_run():
    table = outcomes_by(EVENTS, ENTITIES, 2, "fire_unit").set_index("group")
    assert list(table.index) == ["fu-a", "fu-b"] and table.loc["fu-a", "type"] == "telar"
    assert table.loc["fu-a", "nominated"] == 2.0 and table.loc["fu-a", "engagements"] == 1.0
    assert table.loc["fu-a", "missiles"] == 2.0 and table.loc["fu-a", "kills"] == 1.0
    assert table.loc["fu-a", "lost:no_channel"] == 0.5
    assert table.loc["fu-b", "vetoed"] == 0.5 and table.loc["fu-b", "waiting"] == 0.5
    assert table.loc["fu-b", "miss:warhead"] == 0.5
    launches = (EVENTS["kind"] == "launch").sum() / 2
    assert table["engagements"].sum() == launches
    assert table["missiles"].sum() == EVENTS.loc[EVENTS["kind"] == "launch", "missiles"].sum() / 2
    with pytest.raises(ValueError, match="by"):
        outcomes_by(EVENTS, ENTITIES, 2, "crew")
    assert reason_columns("lost")[0] == "lost:target_gone"


def test_a_fire_units_threat_kills_leave_out_airliners_friendlies_decoys_and_missiles():
    """fu-b shoots down the liner, a friendly fighter, a decoy and an anti-radiation missile, two each per
    replication: more salvos that killed than fu-a's one threat, and none of them a threat (the report's "killed
    most" read the salvos, crediting fu-b)."""
    entities = {**ENTITIES, "targets": [
        *ENTITIES["targets"], {"id": "f1", "flight": "f1", "type": "fighter", "civil": True, "friendly": True},
        {"id": "d1", "flight": "d", "type": "decoy", "civil": False, "decoy": True},
        {"id": "a1", "flight": "r1", "type": "arm", "civil": False, "arm": True}]}
    extra = events_frame([row(r, 80, EventKind.KILL, 2, t) for r in (0, 1) for t in (3, 4, 5, 6)])
    table = outcomes_by(pd.concat([EVENTS, extra], ignore_index=True), entities, 2, "fire_unit").set_index("group")
    assert table.loc["fu-b", "kills"] == 4.0 and table.loc["fu-b", "threats_killed"] == 0.0
    assert table.loc["fu-a", "kills"] == 1.0 and table.loc["fu-a", "threats_killed"] == 1.0


def test_episodes_follow_each_engagement_from_nomination_to_its_end():
    first = episodes(EVENTS, 0)
    assert first[["unit", "target", "outcome", "reason"]].values.tolist() == [
        [1, 0, "kill", "none"], [1, 1, "lost", "no_channel"], [2, 2, "waiting", "immature_track"],
        [2, 2, "miss", "warhead"]]
    kill = first.iloc[0]
    assert (kill.nominated, kill.decided, kill.launch, kill.intercept) == (10, 15, 15, 30)
    lost = first.iloc[1]
    assert (lost.nominated, lost.decided) == (12, 17) and math.isnan(lost.launch) and math.isnan(lost.intercept)
    second = episodes(EVENTS, 1)
    assert second[["unit", "target", "outcome"]].values.tolist() == [[2, 3, "vetoed"], [1, 2, "kill"],
                                                                      [1, 0, "deciding"]]
    assert second.iloc[0].decided == 10 and math.isnan(second.iloc[2].decided)
    assert episodes(EVENTS, 7).empty


def test_the_radars_table_counts_missiles_that_arrive_after_the_kill_apart_and_lists_silent_radars():
    """Two replications. ``sr`` is on from 0 to 100 s in each; replication 0: one ARM hits it at 40 s (destroyed),
    a second arrives at 50 s (target_gone: too late, not a miss); replication 1: one misses (warhead) and one
    arrives after the radar moved away (target_gone, no destruction: a miss). ``telar`` is a radar that never
    emits: a row with 0 s. ``fu`` is no radar and never switches: no row."""
    from iadsim.analysis.breakdown import radars

    entities = {"units": [{"id": "sr", "type": "sr", "kind": "radar", "radar": True},
                          {"id": "telar", "type": "telar", "kind": "launcher", "radar": True},
                          {"id": "fu", "type": "launcher", "kind": "launcher"}],
                "targets": [{"id": f"arm-{i}", "flight": "arms", "type": "arm", "civil": False, "arm": True}
                            for i in range(4)], "duration": 100.0}
    events = events_frame([
        row(0, 0, EventKind.EMITTER_ON, 0), row(1, 0, EventKind.EMITTER_ON, 0),
        row(0, 10, EventKind.ARM_LAUNCH, 0, 0), row(0, 11, EventKind.ARM_LAUNCH, 0, 1),
        row(0, 40, EventKind.ARM_HIT, 0, 0), row(0, 40, EventKind.DESTROYED, 0, 0),
        row(0, 40, EventKind.EMITTER_OFF, 0),
        row(0, 50, EventKind.ARM_MISS, 0, 1, reason=Reason.TARGET_GONE),
        row(1, 10, EventKind.ARM_LAUNCH, 0, 2), row(1, 11, EventKind.ARM_LAUNCH, 0, 3),
        row(1, 40, EventKind.ARM_MISS, 0, 2, reason=Reason.WARHEAD),
        row(1, 50, EventKind.ARM_MISS, 0, 3, reason=Reason.TARGET_GONE),
    ])
    table = radars(events, entities, 2).set_index("group")
    assert list(table.index) == ["sr", "telar"]
    sr = table.loc["sr"]
    assert (sr.arms_launched, sr.arms_hit, sr.arms_missed, sr.arms_too_late, sr.destroyed) == (2, 0.5, 1, 0.5, 0.5)
    assert sr.emitting == pytest.approx((40 + 100) / 2)  # (emitting until destroyed, else to the end)
    assert table.loc["telar"].emitting == 0 and table.loc["telar", ["arms_launched", "arms_missed"]].sum() == 0
