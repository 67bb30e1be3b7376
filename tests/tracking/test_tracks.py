"""M-of-N initiation and deletion rules on the track table (iadsim.tracking.tracks)."""

import numpy as np
import pytest

from iadsim.tracking import CONFIRMED, FREE, TENTATIVE, TrackRules, empty_table, initiate, record_scan


def _one_track(rules_n_rep=1, n_slots=3):
    table = empty_table(rules_n_rep, n_slots)
    table, slot = initiate(table, [0], [[1.0, 2.0, 3.0]], np.eye(3) * 25.0, velocity_variance=1e4)
    return table, slot


def _run(table, pattern, rules):
    """Feed a hit/miss pattern (1/0 per scan after the initiating one) to slot 0 of replication 0."""
    statuses = []
    for hit in pattern:
        detected = np.zeros(table.status.shape, dtype=bool)
        detected[0, 0] = bool(hit)
        table = record_scan(table, detected, rules)
        statuses.append(int(table.status[0, 0]))
    return table, statuses


def test_initiate_fills_first_free_slot_with_single_point_state():
    table, slot = _one_track()
    assert slot.tolist() == [0]
    assert table.status[0, 0] == TENTATIVE and table.hits[0, 0] == 1 and table.scans[0, 0] == 1
    np.testing.assert_array_equal(table.state[0, 0], [1.0, 2.0, 3.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.diag(table.covariance[0, 0]), [25.0] * 3 + [1e4] * 3)
    assert (table.status[0, 1:] == FREE).all()


@pytest.mark.parametrize(
    ("m", "n", "pattern", "expected"),
    [
        # 2-of-3: initiating hit + one more within scans 2..3 confirms
        (2, 3, [1], [CONFIRMED]),
        (2, 3, [0, 1], [TENTATIVE, CONFIRMED]),
        (2, 3, [0, 0], [TENTATIVE, FREE]),  # cannot reach 2 hits in 3 scans
        # 3-of-5
        (3, 5, [1, 0, 1], [TENTATIVE, TENTATIVE, CONFIRMED]),
        (3, 5, [0, 0, 1, 1], [TENTATIVE, TENTATIVE, TENTATIVE, CONFIRMED]),
        (3, 5, [0, 0, 0], [TENTATIVE, TENTATIVE, FREE]),  # after scan 4: 1 hit + 1 scan left < 3
    ],
)
def test_m_of_n_confirmation(m, n, pattern, expected):
    table, _ = _one_track()
    _, statuses = _run(table, pattern, TrackRules(m=m, n=n, k=3))
    assert statuses == expected


def test_confirmed_track_deleted_after_k_consecutive_misses():
    table, _ = _one_track()
    rules = TrackRules(m=2, n=3, k=3)
    table, statuses = _run(table, [1, 0, 0, 1, 0, 0, 0], rules)
    # confirmed, then two misses, a hit resets the count, then three misses delete it
    assert statuses == [CONFIRMED] * 6 + [FREE]
    assert table.hits[0, 0] == 0 and table.misses[0, 0] == 0


def test_track_deleted_when_covariance_too_large():
    table, _ = _one_track()
    rules = TrackRules(m=2, n=3, k=10, max_position_variance=1e3)
    table, statuses = _run(table, [1], rules)
    assert statuses == [CONFIRMED]
    cov = table.covariance.copy()
    cov[0, 0, 2, 2] = 2e3  # e.g. after many predictions without updates
    table = table.__class__(table.state, cov, table.status, table.hits, table.scans, table.misses)
    table = record_scan(table, np.ones((1, 3), dtype=bool), rules)
    assert table.status[0, 0] == FREE


def test_initiate_over_replications_and_full_tables():
    table = empty_table(n_replications=2, n_slots=2)
    table, slot = initiate(
        table, [1, 0, 1, 1], np.arange(12.0).reshape(4, 3), np.eye(3), velocity_variance=100.0
    )
    # replication 1 gets slots 0, 1 and its third request is dropped; replication 0 gets slot 0
    assert slot.tolist() == [0, 0, 1, -1]
    np.testing.assert_array_equal(table.status, [[TENTATIVE, FREE], [TENTATIVE, TENTATIVE]])
    np.testing.assert_array_equal(table.state[1, 1, :3], [6.0, 7.0, 8.0])
    # free a slot and reuse it
    table = record_scan(table, np.zeros((2, 2), dtype=bool), TrackRules(m=2, n=2, k=1))
    assert (table.status == FREE).all()
    table, slot = initiate(table, [0], [[0.0, 0.0, 0.0]], np.eye(3), velocity_variance=1.0)
    assert slot.tolist() == [0]


def test_free_slots_are_ignored_by_record_scan():
    table = empty_table(1, 4)
    table = record_scan(table, np.ones((1, 4), dtype=bool), TrackRules())
    assert (table.status == FREE).all() and (table.hits == 0).all() and (table.scans == 0).all()


def test_rules_are_validated():
    with pytest.raises(ValueError):
        TrackRules(m=4, n=3)
    with pytest.raises(ValueError):
        TrackRules(k=0)
