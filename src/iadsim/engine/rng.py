"""Random numbers keyed by (seed, replication, step, stream): identical however work is split.

Each replication gets a 64-bit key from ``SeedSequence(seed, spawn_key=(replication,))`` (numpy's
documented way to derive independent streams). A draw is then a pure function of
(key, step, stream, index) through the SplitMix64 finaliser (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), compiled with numba. So replication 17 sees the same
numbers whether it runs alone, in a batch of 1,000, on a local process or on a Dask worker.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_STEP = np.uint64(0xD1B54A32D192ED03)
_STREAM = np.uint64(0xABC98388FB8FAC03)


def replication_keys(seed: int, replications) -> np.ndarray:
    """One uint64 key per replication index (array of ints), from numpy's SeedSequence."""
    reps = np.atleast_1d(np.asarray(replications, dtype=np.int64))
    return np.array(
        [np.random.SeedSequence(int(seed), spawn_key=(int(r),)).generate_state(1, np.uint64)[0] for r in reps],
        dtype=np.uint64,
    )


def uniform(keys: np.ndarray, step: int, stream: int, shape: tuple[int, ...] = ()) -> np.ndarray:
    """Uniform [0, 1) draws of shape ``(len(keys), *shape)``; a pure function of its arguments."""
    n = int(np.prod(shape)) if shape else 1
    index = np.arange(n, dtype=np.uint64).reshape(shape) if shape else np.uint64(0)
    keys = np.asarray(keys, dtype=np.uint64)
    return uniform_at(keys.reshape((-1,) + (1,) * len(shape)), step, stream, index)


def uniform_at(keys: np.ndarray, step: int, stream: int, index) -> np.ndarray:
    """The entries ``uniform(keys, step, stream, shape)[r, i]`` for flat indices ``i`` only.

    ``keys``, ``step``, ``stream`` and ``index`` (0-based flat indices into ``shape``) broadcast against each
    other, so the engine can draw only the (sensor, target) pairs that matter at a step and still see the very
    numbers a full draw would give. Drawn by :func:`uniform_one` in one compiled pass.
    """
    if _scalars(keys, step, stream, index):
        return np.float64(uniform_one(np.uint64(keys), np.uint64(step), np.uint64(stream), np.uint64(index)))
    if _triples(keys, step, stream, index):  # (the engine's draws: what _flat would give, without its set-up)
        out = np.empty(len(keys))
        _uniform_fill(keys, 1, step, 1, np.array([stream], np.int64), 0, index, 1, 0, out, out)
        return out
    *flat, shape = _flat(keys, step, stream, index)
    out = np.empty(shape)
    _uniform_fill(*flat, 0, out.reshape(-1), out.reshape(-1))
    return out if shape else out[()]


def _triples(keys, step, stream, index) -> bool:
    """Whether ``keys`` (uint64), ``step`` and ``index`` (native integers) are 1-D arrays of one length and ``stream``
    an integer that int64 holds: the arrays :func:`_flat` would pass on as they are."""
    return (type(keys) is np.ndarray and type(step) is np.ndarray and type(index) is np.ndarray
            and keys.ndim == step.ndim == index.ndim == 1 and len(keys) == len(step) == len(index)
            and keys.dtype == np.uint64 and step.dtype.kind in "iu" and index.dtype.kind in "iu"
            and step.dtype.isnative and index.dtype.isnative
            and (type(stream) is int or isinstance(stream, np.integer) and stream.dtype.kind in "iu")
            and 0 <= stream < 2**63)


_INTEGER = (int, np.integer)


def _scalars(*args) -> bool:
    """Whether all of ``args`` are integer scalars that are uint64 values (the common one-draw case, without numpy's
    array set-up; others wrap as numpy's cast does, through :func:`_flat`)."""
    return all(isinstance(a, _INTEGER) and 0 <= a < 2**64 for a in args)


def _flat(*args):
    """Each of ``args`` as a flat integer array and its step through the flat broadcast shape (1: one entry per
    element, 0: one entry for all; others are broadcast into a copy), then that shape."""
    arrays = [np.asarray(a) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    size = math.prod(shape)
    out = []
    for c, a in enumerate(arrays):
        if c == 0 or a.dtype.kind not in "iu" or not a.dtype.isnative:
            a = a.astype(np.uint64, copy=False)  # (the keys: uint64 for the mixing arithmetic)
        if a.size == size:  # (broadcastable and as large: the same elements in the same order)
            out += [a.reshape(-1), 1]
        elif a.size == 1:
            out += [a.reshape(1), 0]
        elif a.shape == (*shape[:-1], 1):  # one entry per row of the last axis (the engine's keys): repeated
            out += [np.repeat(a.reshape(-1), shape[-1]), 1]
        else:
            out += [np.broadcast_to(a, shape).ravel(), 1]
    return (*out, shape)


def normal(keys: np.ndarray, step: int, stream: int, shape: tuple[int, ...] = ()) -> np.ndarray:
    """Standard normal draws (Box-Muller on two keyed uniform streams)."""
    return box_muller(uniform(keys, step, 2 * stream + 1_000_001, shape),
                      uniform(keys, step, 2 * stream + 1_000_002, shape))


def normal_at(keys: np.ndarray, step: int, stream: int, index) -> np.ndarray:
    """The entries ``normal(keys, step, stream, shape)[r, i]`` for flat indices ``i`` only."""
    first = 2 * stream + 1_000_001  # the two uniform streams: this one and the next
    if _scalars(keys, step, stream, index):
        u1, u2 = uniform_at(keys, step, first, index), uniform_at(keys, step, first + 1, index)
    else:
        *flat, shape = _flat(keys, step, first, index)
        u1, u2 = np.empty(shape), np.empty(shape)
        _uniform_fill(*flat, 1, u1.reshape(-1), u2.reshape(-1))
    return box_muller(u1, u2)


def box_muller(u1, u2):
    """Standard normals ``sqrt(-2 log(1 - u1)) cos(2 pi u2)`` from two uniform draws (arrays of one shape, a
    contiguous float64 ``u1`` overwritten with them; scalars give a scalar), :func:`normal_one` each: compiled, so
    every Box-Muller normal (:func:`normal`, :func:`normal_at`, the plots' errors) takes the C library's ``log1p``
    and ``cos`` (numpy takes Intel's SVML on processors with AVX-512, which differs in the last bit)."""
    if not np.ndim(u1):
        return box_muller(np.array([u1], float), np.array([u2], float))[0]
    if np.shape(u1) != np.shape(u2):
        raise ValueError(f"box_muller: draws of shape {np.shape(u1)} and {np.shape(u2)}")
    u1 = np.ascontiguousarray(u1, float)
    _box_muller_fill(u1.reshape(-1), np.ascontiguousarray(u2, float).reshape(-1))
    return u1


@numba.njit(cache=True, nogil=True)
def _box_muller_fill(u1, u2):  # pragma: no cover - compiled
    for j in range(u1.shape[0]):
        u1[j] = normal_one(u1[j], u2[j])


@numba.njit(cache=True, nogil=True, inline="always")
def normal_one(u1, u2):  # pragma: no cover - compiled
    """:func:`box_muller` of two uniform draws in compiled code: the same number, bit for bit (numpy's float64
    ``log1p`` and ``cos`` are the C library's, as numba's are; the same operations in the same order)."""
    return math.sqrt(-2.0 * math.log1p(-u1)) * math.cos((2.0 * np.pi) * u2)


@numba.njit(cache=True, nogil=True, inline="always")
def uniform_one(key, step, stream, index):  # pragma: no cover - compiled
    """One entry of :func:`uniform_at` (uint64 ``key``, integers ``step``, ``stream``, ``index``) in compiled
    code: the same number."""
    z = key + np.uint64(step) * _STEP + np.uint64(stream) * _STREAM + (np.uint64(index) + np.uint64(1)) * _GOLDEN
    for _ in range(2):  # _mix twice
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True)
def _uniform_fill(keys, k_step, steps, s_step, streams, t_step, index, i_step, second, out,
                  out2):  # pragma: no cover - compiled
    """``out[i]`` = :func:`uniform_one` of entry ``i`` of the flat integer arrays (each read at ``i`` times its
    step: 1, or 0 for one entry for all); with ``second`` 1, ``out2[i]`` the same at the next stream."""
    for i in range(out.shape[0]):
        key, step, stream, at = keys[i * k_step], steps[i * s_step], streams[i * t_step], index[i * i_step]
        out[i] = uniform_one(key, step, stream, at)
        if second:
            out2[i] = uniform_one(key, step, np.uint64(stream) + np.uint64(1), at)
