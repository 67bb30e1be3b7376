"""Keyed random numbers: drawing only some entries gives exactly the numbers of a full draw, results
do not depend on which replications are drawn together, and the uniforms look uniform."""

from __future__ import annotations

import numpy as np
from scipy import stats

from iadsim.engine import rng


def test_entries_drawn_alone_equal_the_full_draw():
    keys = rng.replication_keys(42, np.arange(5))
    full_u = rng.uniform(keys, 17, 3, (4, 6))
    full_n = rng.normal(keys, 17, 3, (4, 6))
    flat = np.array([0, 7, 23])
    np.testing.assert_array_equal(rng.uniform_at(keys[:, None], 17, 3, flat), full_u.reshape(5, -1)[:, flat])
    np.testing.assert_array_equal(rng.normal_at(keys[:, None], 17, 3, flat), full_n.reshape(5, -1)[:, flat])
    assert rng.uniform_at(keys[2], 17, 3, 9) == full_u[2].ravel()[9]


def test_a_replication_sees_the_same_numbers_in_any_batch():
    alone = rng.uniform(rng.replication_keys(7, [3]), 5, 1, (10,))
    batch = rng.uniform(rng.replication_keys(7, np.arange(8)), 5, 1, (10,))
    np.testing.assert_array_equal(alone[0], batch[3])
    assert not np.array_equal(batch[2], batch[3])


def test_uniforms_pass_a_kolmogorov_smirnov_test():
    u = rng.uniform(rng.replication_keys(1, np.arange(100)), 0, 0, (1000,)).ravel()
    assert ((u >= 0) & (u < 1)).all()
    # 1e5 draws: a true uniform fails at the 1e-4 level one time in 10,000
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    n = rng.normal(rng.replication_keys(1, np.arange(100)), 0, 0, (1000,)).ravel()
    assert stats.kstest(n, "norm").pvalue > 1e-4


def test_the_compiled_draw_is_the_same_number():
    """uniform_one (the engine's compiled loops) gives uniform_at's numbers, bit for bit, over keys, steps, streams
    and indices up to the large flat indices of (sensor, target) pairs."""
    g = np.random.default_rng(5)
    keys = rng.replication_keys(11, np.arange(20))
    steps = g.integers(0, 2**31, 20)
    streams = g.integers(0, 20, 20)
    index = g.integers(0, 2**40, 20)
    expected = rng.uniform_at(keys, steps, streams, index)
    got = np.array([rng.uniform_one(k, s, m, i) for k, s, m, i in zip(keys, steps, streams, index, strict=True)])
    np.testing.assert_array_equal(got, expected)
    assert len(np.unique(got)) == 20
