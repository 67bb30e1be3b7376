"""The loader's and the World's build's warnings (scenario and terrain), issued or collected in this context only.

``warnings.catch_warnings`` changes the process's filters: a Dask worker building several points in its threads
could count one thread's warning with another point's build. :func:`collecting_warnings` gathers the warnings
:func:`issue_warning` gives in the current context alone (a :mod:`contextvars` variable: each thread has its own),
and issues none of them; outside it they are issued as usual.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["collecting_warnings", "issue_warning"]

_COLLECTED: ContextVar[list[tuple[type[Warning], str]] | None] = ContextVar("iadsim_warnings", default=None)


def issue_warning(message: str, category: type[Warning], stacklevel: int = 1) -> None:
    """``warnings.warn(message, category)`` as if called ``stacklevel`` frames up from the caller, or, inside
    :func:`collecting_warnings` in this context, (category, message) added to its list instead."""
    collected = _COLLECTED.get()
    if collected is None:
        warnings.warn(message, category, stacklevel=stacklevel + 1)
    else:
        collected.append((category, message))


@contextmanager
def collecting_warnings() -> Iterator[list[tuple[type[Warning], str]]]:
    """Within the block, :func:`issue_warning` in this context (thread) adds (category, message) to the list it
    yields and issues nothing; other threads' warnings and any other warning are untouched."""
    collected: list[tuple[type[Warning], str]] = []
    token = _COLLECTED.set(collected)
    try:
        yield collected
    finally:
        _COLLECTED.reset(token)
