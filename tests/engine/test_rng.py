"""Keyed random numbers: drawing only some entries gives exactly the numbers of a full draw, results
do not depend on which replications are drawn together, and the uniforms look uniform."""

from __future__ import annotations

import math

import numpy as np
import pytest
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


def _splitmix(key: int, step: int, stream: int, index: int) -> float:
    """The keyed uniform written out in Python integers (mod 2**64): SplitMix64's finaliser twice over the key
    plus the step, stream and index times their odd constants (Steele, Lea & Flood 2014), its top 53 bits / 2**53."""
    mask = 2**64 - 1
    z = (key + step * 0xD1B54A32D192ED03 + stream * 0xABC98388FB8FAC03 + (index + 1) * 0x9E3779B97F4A7C15) & mask
    for _ in range(2):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
    return (z >> 11) / 2**53


def test_the_draws_are_splitmix64_written_out():
    """uniform_at (arrays broadcast against each other, and scalars) and uniform_one (the engine's compiled loops)
    give the numbers of SplitMix64 written out in Python integers, bit for bit, over keys, steps, streams and
    indices up to the large flat indices of (sensor, target) pairs."""
    g = np.random.default_rng(5)
    keys = rng.replication_keys(11, np.arange(20))
    steps = g.integers(0, 2**31, 20)
    streams = g.integers(0, 20, 20)
    index = g.integers(0, 2**40, 20)
    expected = np.array([_splitmix(int(k), int(s), int(m), int(i))
                         for k, s, m, i in zip(keys, steps, streams, index, strict=True)])
    np.testing.assert_array_equal(rng.uniform_at(keys, steps, streams, index), expected)
    got = np.array([rng.uniform_one(k, s, m, i) for k, s, m, i in zip(keys, steps, streams, index, strict=True)])
    np.testing.assert_array_equal(got, expected)
    assert len(np.unique(got)) == 20
    # broadcast: keys down, indices across; a scalar draw
    grid = rng.uniform_at(keys[:4, None], steps[0], 3, index[None, :5])
    assert grid.shape == (4, 5)
    assert grid[2, 3] == _splitmix(int(keys[2]), int(steps[0]), 3, int(index[3]))
    one = rng.uniform_at(keys[7], int(steps[7]), int(streams[7]), int(index[7]))
    assert np.ndim(one) == 0 and one == expected[7]


def test_every_kind_of_argument_gives_the_same_numbers():
    """uniform_at reads scalars without numpy's array set-up and arrays of the broadcast shape in place: Python and
    numpy integers of any width, 0-d arrays, int16/int32/bool/big-endian arrays, a transposed view, a one-entry
    array, a negative counter (wrapping mod 2**64 as numpy's cast does), keys per row or per column all give
    SplitMix64's numbers, as scalars where all four are scalars; normal_at's two streams are the uniform ones that
    ``normal`` uses."""
    mask = 2**64 - 1
    key = rng.replication_keys(3, [0])[0]
    for step, stream, index in [(5, 7, 9), (np.int16(5), np.uint8(7), np.int32(9)), (np.asarray(5), 7, np.asarray(9)),
                                (-1, 7, 9), (np.int64(-3), 2, 0)]:
        got = rng.uniform_at(key, step, stream, index)
        assert np.ndim(got) == 0
        assert got == _splitmix(int(key), int(step) & mask, int(stream), int(index) & mask)
    keys = rng.replication_keys(3, np.arange(6))
    counters = np.arange(12, dtype=np.int32).reshape(2, 6).T  # (6, 2), not contiguous
    for index in (counters, counters.astype(np.int16), counters.astype(">i8"), counters.astype(bool)):
        got = rng.uniform_at(keys[:, None], np.array([4]), 1, index)
        expected = [[_splitmix(int(k), 4, 1, int(i)) for i in row] for k, row in zip(keys, index, strict=True)]
        np.testing.assert_array_equal(got, expected)
    got = rng.uniform_at(keys[None, :], 4, 1, counters.T)  # keys along the last axis: broadcast, not repeated
    np.testing.assert_array_equal(got, [[_splitmix(int(k), 4, 1, int(i)) for k, i in zip(keys, row, strict=True)]
                                        for row in counters.T])
    # the engine's triples (a key, counter and index per draw, 1-D): counters of any integer width, strided, and
    # streams as Python or numpy integers, up to one int64 cannot hold (read as numpy's cast reads it)
    rows, targets = np.array([5, 0, 5, 2]), np.array([3, 9, 1, 0])
    cases = [(np.array([0, 2, 1, 7]), 11, True), (np.arange(8, dtype=np.int8)[::2], np.uint8(11), True),
             (np.zeros(0, np.int64), 11, True), (np.array([0, 2, 1, 7], np.uint32), 2**63 + 11, False),
             (np.array([0, 2, 1, 7], ">i8"), 11, False), (np.array([0, 1, 1, 0], bool), 11, False),
             (np.array([0, 2, 1, 7]), np.uint64(2**63 + 11), False)]
    for counter, stream, direct in cases:
        n = len(counter)
        assert rng._triples(keys[rows[:n]], counter, stream, targets[:n]) == direct  # (without _flat, or through it)
        got = rng.uniform_at(keys[rows[:n]], counter, stream, targets[:n])
        assert got.shape == (n,)
        np.testing.assert_array_equal(got, [_splitmix(int(k), int(c), int(stream), int(t)) for k, c, t
                                            in zip(keys[rows[:n]], counter, targets[:n], strict=True)])
    u1 = rng.uniform_at(keys[:, None], 4, 2 * 5 + 1_000_001, counters)
    u2 = rng.uniform_at(keys[:, None], 4, 2 * 5 + 1_000_002, counters)
    np.testing.assert_array_equal(rng.normal_at(keys[:, None], 4, 5, counters), _box_muller_here(u1, u2))


def _box_muller_here(u1, u2) -> np.ndarray:
    """Box-Muller in Python's ``math`` (the C library's ``log1p`` and ``cos``, as compiled code takes them)."""
    return np.vectorize(lambda a, b: math.sqrt(-2.0 * math.log1p(-a)) * math.cos(2.0 * math.pi * b))(u1, u2)


def test_box_muller_is_the_c_librarys_on_any_array():
    """box_muller (compiled, normal_one) against Box-Muller in Python's math, bit for bit: contiguous arrays
    (overwritten), a transposed view and a float32 array (copied), scalars (a scalar); and against numpy's own
    functions within a few units in the last place (numpy takes Intel's SVML where the processor has AVX-512)."""
    g = np.random.default_rng(8)
    u1, u2 = g.random((40, 3)), g.random((40, 3))
    u1[0, :2], u2[0, :2] = [0.0, 1.0 - 2.0**-53], [0.0, 0.5]  # (the draws' ends: 0 and the largest below 1)
    expected = _box_muller_here(u1, u2)
    assert np.isfinite(expected).all()
    numpy_s = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    work = u1.copy()
    got = rng.box_muller(work, u2.copy())
    np.testing.assert_array_equal(got, expected)
    assert got is work  # (overwritten in place)
    np.testing.assert_array_max_ulp(got, numpy_s, maxulp=4)  # (each factor within 1 ulp, their product so)
    np.testing.assert_array_equal(rng.box_muller(u1.T.copy().T, u2.T.copy().T), expected)  # (Fortran order)
    with pytest.raises(ValueError, match="shape"):
        rng.box_muller(u1, u2.T.copy())
    single = u1[1:].astype(np.float32)  # (1 - 2**-53 rounds to 1 in float32)
    np.testing.assert_array_equal(rng.box_muller(single, u2[1:]), _box_muller_here(single.astype(float), u2[1:]))
    scalar = rng.box_muller(float(u1[3, 1]), float(u2[3, 1]))
    assert np.ndim(scalar) == 0 and scalar == expected[3, 1]
    key = rng.replication_keys(3, [2])[0]  # (normal_at of scalars: one draw, as of an array)
    assert rng.normal_at(int(key), 4, 5, 7) == rng.normal_at(np.array([key]), 4, 5, np.array([7]))[0]
