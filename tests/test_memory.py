"""Arrays whose unwritten memory takes none, and the prefetch hint for compiled code (iadsim.memory)."""

from __future__ import annotations

import multiprocessing
import pickle
import sys

import numba
import numpy as np
import pytest

from iadsim.memory import held_bytes, prefetch, sparse_zeros

RECORD = np.dtype([("n", np.int16), ("x", np.float64, (6,))], align=True)  # (no padding after the last field)


def test_sparse_zeros_are_writable_zeros_of_the_shape_and_type():
    a = sparse_zeros((3, 4, 5), RECORD)
    assert a.shape == (3, 4, 5) and a.dtype == RECORD and a.flags.writeable
    assert not a["x"].any() and not a["n"].any()
    a["x"][1, 2, 3, 4] = 7.5
    a["n"][2] = 3
    assert a["x"].sum() == 7.5 and a["n"].sum() == 3 * 4 * 5
    back = pickle.loads(pickle.dumps(a))
    assert back.dtype == RECORD and np.array_equal(back, a)
    assert sparse_zeros((0, 4), float).shape == (0, 4)


def _write_in_child(a):
    a[:] = 1.0


@pytest.mark.skipif(sys.platform == "win32", reason="fork: not on Windows")
def test_a_forked_process_writes_its_own_copy():
    """The mapping is private: a worker forked from the process that holds the array writes to its own copy (a
    shared mapping would let one replication batch overwrite another's state)."""
    a = sparse_zeros((1000,), float)
    child = multiprocessing.get_context("fork").Process(target=_write_in_child, args=(a,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert not a.any()


def _resident() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_what_is_never_written_takes_no_memory():
    """One byte written in each 2 MB of a 128 MB array keeps a few of its 4 kB pages resident, not the 128 MB that
    huge pages would (numpy asks for them for arrays of 4 MB or more, and a kernel whose transparent_hugepage setting
    is madvise or always grants them; with it set to never this passes either way)."""
    a = sparse_zeros((128 << 20,), np.uint8)
    before = _resident()
    a[:: 2 << 20] = 1
    grown = _resident() - before
    assert grown < 8 << 20, f"{grown / 2**20:.0f} MB resident after writing 64 bytes"
    assert a.sum() == 64


def test_held_bytes_counts_views_of_one_array_once():
    a = np.zeros((10, 4), RECORD)
    b = np.zeros(7)
    assert held_bytes(a["x"], a["n"]) == a.nbytes
    assert held_bytes(a["x"], a["n"], b) == a.nbytes + b.nbytes
    assert held_bytes(b[:3], b[2:5]) == 5 * 8  # overlapping views: their union
    assert held_bytes(b[:2], b[4:]) == 5 * 8  # apart: each
    assert held_bytes(np.zeros(0), b) == b.nbytes


@numba.njit
def _walk(a, order, ahead):
    """Sum ``a[order[k], 0]`` and overwrite each with ``k``, prefetching the next entry when ``ahead``."""
    total = 0.0
    for k in range(order.shape[0]):
        if ahead and k + 1 < order.shape[0]:
            prefetch(a, (order[k + 1], 0))
        total += a[order[k], 0]
        a[order[k], 0] = k
    return total


@numba.njit
def _walk_record(a, i):
    prefetch(a, (i, 1))
    prefetch(a["x"], (i, 1, 5))
    return a["n"][i, 1] + a["x"][i, 1, 5]


def test_prefetch_is_a_hint_that_changes_no_value():
    """Compiled code that prefetches (iadsim.memory.prefetch) reads and writes what it does without, on plain,
    strided, integer and record arrays; the hint is in the compiled code; an index with one entry too few, or not of
    integers, is refused when it compiles."""
    g = np.random.default_rng(3)
    for a in (g.random((500, 3)), g.random((500, 6))[::2, 1::2], g.integers(0, 9, (500, 2)).astype(np.int32)):
        order = g.permutation(a.shape[0])
        plain, fetched = a.copy(), a.copy()
        assert _walk(plain, order, False) == _walk(fetched, order, True)
        assert np.array_equal(plain, fetched) and (plain[order, 0] == np.arange(len(order))).all()
    rec = sparse_zeros((4, 3), RECORD)
    rec["n"][2, 1], rec["x"][2, 1, 5] = 4, 0.5
    assert _walk_record(rec, 2) == 4.5

    assert all("@llvm.prefetch" in _walk.inspect_llvm(sig) for sig in _walk.signatures)  # (not compiled away)

    @numba.njit
    def too_few(a):
        prefetch(a, (1,))

    @numba.njit
    def not_integers(a):
        prefetch(a, (1.5, 0))

    for wrong in (too_few, not_integers):
        with pytest.raises(numba.core.errors.TypingError):
            wrong(np.zeros((3, 3)))


def test_a_borrowing_helper_reads_and_writes_its_callers_arrays_and_may_not_make_one():
    """borrowing compiles a helper that works on the elements of arrays its caller holds, the caller's arrays
    changed in place (made by the caller, or given to it), and refuses at compilation a helper that would make an
    array (it counts no reference, so it may keep none): a mistake fails loudly, not silently."""
    from iadsim.memory import borrowing

    @borrowing
    def scaled(a, out, i, factor):
        if a[i, 0] > 0:
            for k in range(a.shape[1]):
                out[i, k] = a[i, k] * factor
        else:
            out[i, 0] = -1.0

    @numba.njit
    def made(a):
        out = np.zeros(a.shape)
        for i in range(a.shape[0]):
            scaled(a, out, i, 2.0)
        return out

    @numba.njit
    def given(a, out):
        for i in range(a.shape[0]):
            scaled(a, out, i, 3.0)

    a = np.array([[1.0, 2.0], [-1.0, 5.0], [4.0, 0.5]])
    expected = np.array([[2.0, 4.0], [-1.0, 0.0], [8.0, 1.0]])
    np.testing.assert_array_equal(made(a), expected)
    out = np.zeros(a.shape)
    given(a, out)
    np.testing.assert_array_equal(out, np.array([[3.0, 6.0], [-1.0, 0.0], [12.0, 1.5]]))

    @borrowing
    def makes(n):
        return np.zeros(n).sum()  # (an array made and let go: counted by numba's runtime, which it has not)

    @numba.njit
    def calls(n):
        return makes(n)

    with pytest.raises(numba.core.errors.TypingError, match="Only accept returning of array passed into the function"):
        calls(3)
