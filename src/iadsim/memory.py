"""Large arrays most of whose memory is never written, allocated so that what is never written takes no memory.

numpy asks Linux for transparent huge pages (2 MB) for every array of 4 MB or more (NumPy's "Global state" page,
"madvise hugepage on Linux"); where the kernel grants them (its ``transparent_hugepage`` setting ``madvise`` or
``always``), one write anywhere in a 2 MB span makes the whole span resident. Most of the engine's track slots and
node pictures are never written (slots no track uses; objects a node never hears of): on huge pages they cost
memory for nothing. :func:`sparse_zeros` maps such an array itself and advises small pages (``MADV_NOHUGEPAGE``,
madvise(2)), so only the 4 kB pages written are kept; where the platform has no such advice, it is numpy's zeros.

The engine's kernels read such arrays at scattered places (one replication's tracks, then another's), and each first
touch waits on main memory: :func:`prefetch` lets compiled code ask for the next place while it works on this one.
A helper of those loops whose reference counts the compiler kept borrows the arrays it is given (:func:`borrowing`).
"""

from __future__ import annotations

import math
import mmap

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.lib.array_utils import byte_bounds

__all__ = ["borrowing", "held_bytes", "prefetch", "sparse_zeros"]

_NO_HUGE_PAGES = getattr(mmap, "MADV_NOHUGEPAGE", None)  # (Linux; not on Windows or macOS)


def borrowing(fn=None, **options):
    """Compile ``fn`` (numba, cached, without the GIL; ``options`` as :func:`numba.njit` takes them) as a helper of
    compiled loops that borrows the arrays it is given: it reads and writes their elements, makes no array and keeps
    none, and numba counts no reference to them. numba's runtime (NRT) counts references to the arrays compiled code
    holds, and its pass that removes the counts it can prove redundant missed those of the dead reckoning of
    :func:`iadsim.engine._kernels.carried` (seven arrays, a branch per target), inlined or not: atomic increments and
    decrements at every call, 37 ns an element; borrowing, 4 ns (2026-12-07). Where the pass had removed them (the
    other helpers measured: the sensors' and the assignable pairs' kernels) borrowing changed nothing or cost a call,
    so it is used where measured. numba's ``_nrt`` option is private but long-standing (its own tests and targets set
    it; numba is pinned): a helper that makes an array does not compile. One that returned an array it was given
    would compile (no count taken for it): a borrowing helper returns numbers or nothing."""
    def compile_(f):
        return numba.njit(cache=True, nogil=True, _nrt=False, **options)(f)

    return compile_ if fn is None else compile_(fn)


def sparse_zeros(shape: tuple[int, ...], dtype) -> np.ndarray:
    """A zero array of ``shape`` and ``dtype`` whose pages take memory only once written: an anonymous private
    mapping (zero-filled by the operating system) on small pages where the platform can advise them, else
    :func:`numpy.zeros`."""
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    if size == 0 or _NO_HUGE_PAGES is None:
        return np.zeros(shape, dtype)
    try:
        memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    except (OSError, OverflowError):  # (numpy's zeros then say what is wrong as numpy would: MemoryError)
        return np.zeros(shape, dtype)
    try:
        memory.madvise(_NO_HUGE_PAGES)
    except OSError:  # a kernel without transparent huge pages: small pages anyway
        pass
    return np.frombuffer(memory, dtype).reshape(shape)


def held_bytes(*arrays: np.ndarray) -> int:
    """The bytes of memory ``arrays`` span together (views of one array, its fields say, count once; padding after
    the last field of its last record is not spanned)."""
    spans = sorted(byte_bounds(a) for a in arrays if a.size)
    total, reach = 0, None
    for low, high in spans:
        if reach is None or low >= reach:
            total += high - low
            reach = high
        elif high > reach:
            total += high - reach
            reach = high
    return total


@intrinsic
def prefetch(typingctx, array, index):  # pragma: no cover - compiled
    """In compiled code, ask the processor to bring ``array[index]`` (``index`` a tuple of integers, one per axis) into
    its caches without waiting for it (LLVM's ``llvm.prefetch``, a read, kept in every cache level): a hint, which
    changes no value."""
    if (not isinstance(array, types.Array) or not isinstance(index, types.BaseTuple) or len(index) != array.ndim
            or not all(isinstance(t, types.Integer) for t in index)):
        return None  # (numba then reports a typing error naming the arguments)

    def codegen(context, builder, sig, args):
        aryty, idxty = sig.args
        ary = context.make_array(aryty)(context, builder, args[0])
        indices = [context.cast(builder, v, t, types.intp)
                   for v, t in zip(cgutils.unpack_tuple(builder, args[1], len(idxty)), idxty, strict=True)]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, indices, wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
