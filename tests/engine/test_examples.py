"""Acceptance on the built-in examples, and reproducibility: keyed seeds make results independent of batching."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis.metrics import replication_rows as replication_metrics
from iadsim.cli import main
from iadsim.engine import Engine, build_world
from iadsim.scenario import load_scenario

from ._scenarios import EXAMPLES

REPORTED, DESIGNED = EXAMPLES / "airbase-as-reported.yaml", EXAMPLES / "airbase-as-designed.yaml"


@pytest.fixture(scope="module")
def designed_world():
    return build_world(load_scenario(DESIGNED))


def test_as_reported_raid_meets_no_engagement_and_leaks_entirely():
    world = build_world(load_scenario(REPORTED))
    engine = Engine(world, np.arange(20))
    engine.run()
    metrics = replication_metrics(world, engine)
    threats = int((~world.civil).sum())
    assert threats == 6
    assert (metrics["engagements"] == 0).all()
    assert (metrics["leakers"] == threats).all()
    assert (metrics["kills"] == 0).all()


def test_as_designed_raid_is_engaged_and_suffers_losses(designed_world):
    engine = Engine(designed_world, np.arange(20))
    engine.run()
    metrics = replication_metrics(designed_world, engine)
    assert metrics["kills"].mean() > 0
    assert metrics["engagements"].mean() > 0
    assert metrics["leakers"].mean() < 6


def _simulate_json(capsys, seed: int) -> str:
    assert main(["simulate", str(DESIGNED), "--replications", "6", "--seed", str(seed), "--json"]) == 0
    out = capsys.readouterr().out
    json.loads(out)
    return out


def test_same_seed_gives_byte_identical_json_and_another_seed_differs(capsys):
    first = _simulate_json(capsys, 11)
    assert _simulate_json(capsys, 11) == first
    assert _simulate_json(capsys, 12) != first


def test_results_do_not_depend_on_how_replications_are_batched(designed_world):
    whole = Engine(designed_world, np.arange(10), seed=5)
    whole.run()
    parts = []
    for reps in (np.arange(5), np.arange(5, 10)):
        engine = Engine(designed_world, reps, seed=5)
        engine.run()
        parts.append(replication_metrics(designed_world, engine))
    split = np.concatenate([p.to_numpy() for p in parts])
    assert np.array_equal(replication_metrics(designed_world, whole).to_numpy(), split, equal_nan=True)
    # replication 7 alone, and the event logs too
    alone = Engine(designed_world, [7], seed=5)
    alone.run()
    mine = whole.events[whole.events["replication"] == 7].reset_index(drop=True)
    assert len(mine) > 0
    pd.testing.assert_frame_equal(alone.events, mine, check_exact=True)


@pytest.mark.parametrize("example", ["airbase-as-designed", "automated-battery", "sead-raid"])
def test_pairs_the_assigner_would_take_all_of_are_nominated_as_its_call_would(example, monkeypatch):
    """Rows whose assignable pairs share no fire unit and no target are nominated without calling an assigner that
    declares it takes them all (``takes_disjoint``): the nominations (in order), events, decisions and results are
    those of calling it every time, and the calls it saves are real; with the automation's holds
    (automated-battery) and point defence (sead-raid)."""
    from iadsim.c2.assign import ASSIGNERS
    from iadsim.engine import phases

    world = build_world(load_scenario(EXAMPLES / f"{example}.yaml"))
    hungarian, nominate = ASSIGNERS["hungarian"], phases.nominate
    assert world.scenario.spec.doctrine.assignment == "hungarian"
    runs, made = {}, {}
    for declared in (False, True):
        calls, made[declared] = [], []

        def nominated(ctx, k, st, rr, ff, tt, now, made=made[declared]):
            made.extend(zip(rr.tolist(), ff.tolist(), tt.tolist(), now.tolist(), strict=True))
            return nominate(ctx, k, st, rr, ff, tt, now)

        monkeypatch.setattr(phases, "nominate", nominated)

        def counted(*args, calls=calls):
            calls.append(1)
            return hungarian(*args)

        counted.takes_disjoint = declared
        monkeypatch.setitem(ASSIGNERS._entries, "hungarian", counted)
        engine = Engine(world, np.arange(8), seed=3)
        engine.run()
        runs[declared] = (engine, len(calls))
    (slow, called), (fast, fewer) = runs[False], runs[True]
    assert made[True] == made[False]  # the same nominations in the same order (a crew's decision slots depend on it)
    pd.testing.assert_frame_equal(fast.events, slow.events, check_exact=True)
    pd.testing.assert_frame_equal(fast.decisions, slow.decisions, check_exact=True)
    assert np.array_equal(replication_metrics(world, fast).to_numpy(), replication_metrics(world, slow).to_numpy(),
                          equal_nan=True)
    assert 0 < fewer < called


def test_replications_posing_the_same_choice_share_the_assigners_answer(designed_world, monkeypatch):
    """Rows that pose the assigner the same choice at one moment get its one answer: in a batch it is asked fewer
    times than by the same replications run one at a time (where no row can share), and never twice for one choice
    in one assignment; each replication's events are those it has alone, even from an assigner whose answer can be
    read only once (an iterator)."""
    from iadsim.c2.assign import ASSIGNERS
    from iadsim.engine import phases

    hungarian, assign = ASSIGNERS["hungarian"], phases.assign
    calls, moment = [], [0]

    def counted(feasible, pk, urgency):
        calls.append((moment[0], feasible.tobytes(), urgency.tobytes()))
        return iter(hungarian(feasible, pk, urgency))

    def counted_assign(*args):
        moment[0] += 1
        return assign(*args)

    counted.takes_disjoint = False  # (asked for every row's choice)
    monkeypatch.setitem(ASSIGNERS._entries, "hungarian", counted)
    monkeypatch.setattr(phases, "assign", counted_assign)
    batch = Engine(designed_world, np.arange(6), seed=11)
    batch.run()
    together = len(calls)
    assert len(set(calls)) == together  # (one question per choice and moment)
    alone = 0
    for r in range(6):
        calls.clear()
        engine = Engine(designed_world, [r], seed=11)
        engine.run()
        alone += len(calls)
        mine = batch.events[batch.events["replication"] == r].reset_index(drop=True)
        pd.testing.assert_frame_equal(engine.events, mine, check_exact=True)
    assert 0 < together < alone
