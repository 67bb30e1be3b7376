"""Work units and the executors that run them.

A :class:`WorkUnit` is replications [start, stop) of one point; :func:`run_unit` runs one in a worker
process, which keeps what it built (:func:`world_for`): the last few scenario variants' Worlds and the last
terrain, each under a key of everything it is built from (:func:`variant_keys`), so a point is never served
another's World. The scheduler (:mod:`.scheduling`) sees every executor through one small protocol,
:class:`Executor`: :class:`SerialExecutor` (this process), :class:`LocalExecutor` (local worker processes,
started once per sweep by 'fork' where that is safe, else from a 'forkserver' that has imported iadsim
(:func:`start_method`), and that die with their parent, :func:`die_with_parent`) and :class:`DaskExecutor`
(a Dask cluster, its scheduler address checked in bounded time); :func:`make_executor` chooses one by name.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import hashlib
import importlib
import json
import multiprocessing
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import threadpoolctl

from iadsim.analysis.metrics import replication_rows as replication_metrics
from iadsim.analysis.sweep.budget import _WORLD_CACHE
from iadsim.scenario import InputError, InputErrors
from iadsim.scenario.load import scenario_from_document
from iadsim.scenario.notes import collecting_warnings
from iadsim.scenario.yamlio import Document

# ---------------------------------------------------------------------------------------------- work units


@dataclass(frozen=True)
class WorkUnit:
    """Replications [start, stop) of one point: the unit of work sent to a worker."""

    point: int
    batch: int
    start: int
    stop: int
    seed: int
    data: dict = field(repr=False)
    base: str = ""
    key: str = ""  # the worker's cache key of the point's World ("": not cached); see variant_keys
    terrain_key: str = ""  # the worker's cache key of the point's terrain ("": not cached)


class UnitFailed(Exception):
    """A work unit's scenario could not be built (picklable, unlike InputError's keyword state)."""

    def __init__(self, point: int, file: str, message: str, line: int | None, loc: tuple):
        super().__init__(point, file, message, line, loc)
        self.point, self.error = point, InputError(file, message, line, loc)


def variant_keys(base: str, data: dict, inputs: dict) -> tuple[str, str]:
    """The cache keys of one scenario variant in a worker: (World, terrain).

    The World's key is the sha256 of everything its build reads: the scenario path (relative files resolve
    against it), the point's whole data and the sha256 of every catalog and terrain file the sweep's points
    read and the iadsim version (``Sweep.inputs``); so two points share a World only when they are the same
    variant, whichever sweep they come from. The terrain's key is the same over what the terrain loader reads
    -- the scenario's folder, its ``terrain`` and ``origin`` sections (and format version) and the files'
    sha256 -- so variants that differ elsewhere share one loaded terrain (a frozen, read-only Dem)."""

    def digest(*parts: object) -> str:
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    terrain = digest("terrain", str(Path(base).parent), data.get("terrain"), data.get("origin"),
                     data.get("format_version"), inputs.get("terrain"), inputs.get("iadsim"))
    return digest("world", base, data, inputs), terrain


_WORLDS: OrderedDict = OrderedDict()  # per worker process: variant key -> World, the last _WORLD_CACHE
_TERRAINS: OrderedDict = OrderedDict()  # per worker process: terrain key -> loaded terrain, the last one
_TERRAIN_CACHE = 1
_CACHE_LOCK = threading.Lock()  # a Dask worker may run units in several threads


def _cached(cache: OrderedDict, key: str):
    with _CACHE_LOCK:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
        return value


def _keep(cache: OrderedDict, key: str, value, limit: int) -> None:
    with _CACHE_LOCK:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > limit:
            cache.popitem(last=False)


_BUILD_LOCK = threading.Lock()
"""Held while a World is built: a Dask worker's threads build one point at a time (a World can take a few GB), and
a thread that waited for another's build of the same point takes it from the cache."""

def world_for(unit: WorkUnit, notes: list[tuple[type[Warning], str]] | None = None):
    """The World of the unit's point: this process's cached one (same :attr:`WorkUnit.key`), or built --
    on the cached terrain when its :attr:`WorkUnit.terrain_key` matches -- and kept. UnitFailed when the
    scenario cannot be built. The scenario and terrain warnings building it gives in this thread
    (:func:`iadsim.scenario.notes.issue_warning`) go to ``notes`` as (category, text) when it is given (none when the
    World was kept), else are issued here; any other warning is issued where it arose, under the filters there."""
    from iadsim.engine import build_world

    world = _cached(_WORLDS, unit.key) if unit.key else None
    if world is not None:
        return world
    with _BUILD_LOCK:
        world = _cached(_WORLDS, unit.key) if unit.key else None  # (built while this thread waited)
        if world is not None:
            return world
        terrain = _cached(_TERRAINS, unit.terrain_key) if unit.terrain_key else None
        with collecting_warnings() as caught:  # this thread's only (a Dask worker may run others beside it)
            try:
                scenario = scenario_from_document(Document(unit.base, unit.data), Path(unit.base), terrain=terrain)
            except InputError as exc:
                first = exc.errors[0] if isinstance(exc, InputErrors) else exc
                raise UnitFailed(unit.point, first.file, first.message, first.line, first.loc) from None
            world = build_world(scenario)
        for category, text in caught:
            if notes is not None:
                notes.append((category, text))
            else:
                warnings.warn(text, category, stacklevel=2)
        if unit.terrain_key and terrain is None:
            _keep(_TERRAINS, unit.terrain_key, scenario.terrain, _TERRAIN_CACHE)
        if unit.key:
            _keep(_WORLDS, unit.key, world, _WORLD_CACHE)
    return world


def run_unit(unit: WorkUnit) -> tuple[int, int, pd.DataFrame, float, tuple[tuple[type[Warning], str], ...]]:
    """Run one work unit (in a worker process): (point, batch, per-replication metrics, seconds, the scenario and
    terrain warnings building the point's World gave, as (category, text): none when this process had built it
    already). The worker prints none of them: the sweep's own process says each once (a Dask worker's would be
    lost in its log)."""
    from iadsim.engine import Engine

    started = time.perf_counter()
    notes: list[tuple[type[Warning], str]] = []
    world = world_for(unit, notes)
    engine = Engine(world, np.arange(unit.start, unit.stop), unit.seed, events=False)
    engine.run()
    frame = replication_metrics(world, engine)
    return unit.point, unit.batch, frame, time.perf_counter() - started, tuple(notes)


# ---------------------------------------------------------------------------------------------- executors


class Executor(Protocol):
    """What the scheduler needs of an executor; :class:`SerialExecutor`, :class:`LocalExecutor` and
    :class:`DaskExecutor` have it, and any object that has it can be passed to ``run_sweep(executor=...)``.

    ``with executor as ex:`` starts the workers (``__enter__`` returns the executor) and leaving stops them,
    cancelling what has not started. ``ex.submit(run_unit, unit)`` returns a future: anything with
    ``result()`` -- the unit's result, or raising its exception (:class:`UnitFailed` for a point that cannot
    be built) -- and ``cancel()``, such as a :class:`concurrent.futures.Future` or a Dask future.
    ``ex.wait_first(futures)`` blocks until at least one of the futures is done and returns those done.
    ``ex.workers`` is how many units run at once: the scheduler keeps ``2 x workers + 2`` in flight (an
    object without it counts as one worker).
    """

    @property
    def workers(self) -> int: ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...

    def submit(self, fn: Callable[[WorkUnit], tuple], arg: WorkUnit) -> Any: ...

    def wait_first(self, futures: list[Any]) -> set[Any]: ...


class SerialExecutor:
    """Runs work units in this process, one at a time (debugging, small tests)."""

    name = "serial"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def submit(self, fn: Callable, arg) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(arg))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def wait_first(self, futures) -> set:
        return set(futures)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PARENT_POLL = 0.5  # [s] how often a worker checks that its parent is alive


def _process_start(pid: int) -> str | None:
    """Process `pid`'s start time (Linux: /proc; a reused PID has another), "alive" elsewhere, None when it
    has exited (a zombie has)."""
    if sys.platform.startswith("linux"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return None if fields[0] in ("Z", "X") else fields[19]  # state, starttime: fields 3 and 22
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "alive"


def die_with_parent(parent: int, direct: bool = True) -> None:
    """Make this (worker) process exit when process `parent` (the sweep's) dies, even by ``kill -9``.

    On Linux the kernel sends SIGKILL through ``prctl(PR_SET_PDEATHSIG)`` when the worker's parent dies.
    That signal follows the *thread* that started the process (ProcessPoolExecutor starts workers from the
    thread that submits, here the sweep's thread, which outlives the pool), and it is not sent if the parent
    died before the call; so a daemon thread also polls ``os.getppid()`` (a dead parent's orphans are
    re-parented) and exits the process when it changes. `direct` is False for a worker started by the fork
    server, whose parent is the server (it lives on while any of its children does): the thread then
    watches process `parent` itself, by its start time (:func:`_process_start`). Used as the local pool's
    worker initializer.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watcher thread alone
            pass
    born = None if direct else _process_start(parent)

    def gone() -> bool:
        if direct:
            return os.getppid() != parent
        return born is None or _process_start(parent) != born

    if gone():  # died before the death signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_PARENT_POLL)
            if gone():
                os._exit(1)

    threading.Thread(target=watch, name="iadsim-parent-watch", daemon=True).start()


def _start_worker(parent: int, direct: bool, setup: tuple[Callable, tuple] | None) -> None:
    """A local worker's initializer: exit with the parent (:func:`die_with_parent`), leave Ctrl-C to it (it
    stops the workers), use one BLAS thread, then run the executor's ``setup``.

    The workers are the parallelism: a BLAS library's own threads (OpenBLAS starts one per core) only take cores
    from the other workers, and they spin for a while after each call (a matrix product per defensive layer per
    engine step, in :func:`iadsim.engine.phases.reach_layers`, kept the other worker's core busy: the national
    example's workers ran at half speed). Only the BLAS libraries loaded by then are limited (numpy's and scipy's
    are: importing this module loads them)."""
    die_with_parent(parent, direct)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threadpoolctl.threadpool_limits(1, user_api="blas")
    if setup is not None:
        setup[0](*setup[1])


START_METHODS = ("auto", "fork", "forkserver", "spawn")
"""How :class:`LocalExecutor` starts its workers: 'auto' is 'fork' where :func:`fork_is_safe`, else
'forkserver' (where the platform has it), else 'spawn'."""
PRELOAD = ("iadsim.analysis.sweep.executors", "iadsim.engine")
"""Modules a worker needs, imported once: by the fork server before it forks workers, or by this process
before it forks them; a 'spawn' worker imports them itself."""


def fork_is_safe() -> bool:
    """Whether workers may be forked from this process: on Linux only, while it runs no other Python thread
    and numba has started no parallel threads of a layer that breaks in a forked child (GNU OpenMP; numba's
    'workqueue' and 'tbb' are fork-safe). ``fork`` copies only the calling thread, so a lock that another
    thread held would stay locked in the worker for ever (a progress bar's refresh thread, a Dask client's
    event loop). The native threads of OpenBLAS, jemalloc and Arrow reset themselves in a forked child
    (``pthread_atfork``)."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if threading.active_count() > 1:
        return False
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    if not getattr(parallel, "_is_initialized", False):
        return True
    return getattr(parallel, "_threading_layer", None) in ("workqueue", "tbb")


def start_method(requested: str = "auto") -> str:
    """The start method :class:`LocalExecutor` uses for `requested` (one of :data:`START_METHODS`)."""
    if requested not in START_METHODS:
        raise ValueError(f"unknown start method '{requested}'; choose from {', '.join(START_METHODS)}")
    if requested != "auto":
        return requested
    if fork_is_safe():
        return "fork"
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class LocalExecutor:
    """Local worker processes, started once per sweep, that keep what they built (:func:`world_for`) and
    exit when this process dies (:func:`die_with_parent`).

    `start_method` (:data:`START_METHODS`): 'fork' copies this process, iadsim already imported (the
    modules of :data:`PRELOAD` are imported first), so a worker is ready at once; 'forkserver' forks
    workers from a server process started once per Python process, which imported :data:`PRELOAD`
    (the first sweep waits for that import, later ones do not); 'spawn' starts fresh interpreters that
    import everything (seconds each). 'auto' (the default) is 'fork' where :func:`fork_is_safe`, else
    'forkserver'. Results do not depend on it: each replication draws from its own keyed generator.
    ``method`` is the one used, once entered. ``setup`` (optional: a module-level function and its arguments)
    runs in each worker once it is started: forked workers receive the arguments as they are in this process
    (large arrays are shared, not copied), others receive them pickled once each. Leaving on an exception
    (Ctrl-C included) terminates the workers at once instead of waiting for what they run.
    """

    name = "local"

    def __init__(self, workers: int | None = None, start_method: str = "auto",
                 setup: tuple[Callable, tuple] | None = None):
        if start_method not in START_METHODS:
            raise ValueError(f"unknown start method '{start_method}'; choose from {', '.join(START_METHODS)}")
        self.workers = int(workers or os.cpu_count() or 1)
        self.start_method = start_method
        self.setup = setup
        self.method: str | None = None
        self.pool = None
        self._broken = False  # a worker ended while the pool ran (check_workers)

    def __enter__(self):
        method = start_method(self.start_method)
        if method == "fork":
            for name in PRELOAD:  # imported once here, inherited by every worker
                importlib.import_module(name)
            if self.start_method == "auto" and not fork_is_safe():  # an import started a thread
                method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(list(PRELOAD))  # used when the server starts (once per process)
        self.method = method
        self._broken = False
        self.pool = concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start_worker,
            initargs=(os.getpid(), method != "forkserver", self.setup))
        return self

    def pids(self) -> list[int]:
        """The worker processes' PIDs (started so far)."""
        return sorted(self._processes())

    def _processes(self) -> dict:
        """PID -> worker process, those started so far (the pool's own table; empty before and after)."""
        return dict(getattr(self.pool, "_processes", None) or {})

    def check_workers(self) -> None:
        """Raise ``BrokenProcessPool`` if a worker process has ended (none does while the pool runs: it is made
        without ``max_tasks_per_child``): killed (out of memory, say) while it sent its result, it leaves half a
        message that the pool waits for forever instead of failing its tasks."""
        for process in self._processes().values():
            if process.exitcode is not None:
                self._broken = True
                raise BrokenProcessPool(f"a worker process ended unexpectedly ({_ended(process.exitcode)})")

    def __exit__(self, kind, *exc) -> None:
        manager = getattr(self.pool, "_executor_manager_thread", None)  # (shutdown forgets it)
        broken = kind is not None or self._broken
        try:
            if broken:
                self._stop_workers()
        finally:
            if broken:
                # a worker killed while sending its result left half a message in the pipe, which the manager
                # thread waits to read to the end: with this process's copy of the pipe's writing end closed (the
                # workers' died with them) it reads the end of the pipe instead, and stops (else the interpreter's
                # exit handler waits for it forever)
                writer = getattr(getattr(self.pool, "_result_queue", None), "_writer", None)
                if writer is not None:
                    writer.close()
            self.pool.shutdown(wait=not broken, cancel_futures=True)
            if broken and manager is not None:
                # its manager thread finished (it closes its wake-up pipe) before the interpreter's exit handler
                # wakes it: otherwise the two race on the pipe (Python 3.11: "Bad file descriptor" printed at exit,
                # a Ctrl-C under load)
                manager.join(timeout=10)

    def _stop_workers(self) -> None:
        """Terminate the workers at once (killed if they linger), and never wait for the queue feeding them."""
        processes = list(self._processes().values())
        for process in processes:
            process.terminate()
        for process in processes:  # dead before the pool is shut down: nothing left for its threads to wait on
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        calls = getattr(self.pool, "_call_queue", None)
        if calls is not None:  # its feeder may be blocked writing to a dead worker's full pipe: never join it
            calls.cancel_join_thread()

    def submit(self, fn: Callable, arg) -> concurrent.futures.Future:
        return self.pool.submit(fn, arg)

    def wait_first(self, futures, timeout: float | None = None) -> set:
        """The futures done, once one is (with ``timeout`` [s]: at most that long, maybe none), checking every
        :data:`_CHECK_WORKERS` seconds that the workers live (:meth:`check_workers`)."""
        end = None if timeout is None else time.monotonic() + timeout
        while futures:
            left = _CHECK_WORKERS if end is None else max(0.0, min(_CHECK_WORKERS, end - time.monotonic()))
            done, _ = concurrent.futures.wait(futures, timeout=left, return_when=concurrent.futures.FIRST_COMPLETED)
            if done:
                return done
            self.check_workers()
            if end is not None and time.monotonic() >= end:
                break
        return set()


def _ended(code: int) -> str:
    """How a process ended, from its exit code (negative: the signal that killed it)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}{': out of memory?' if -code == signal.SIGKILL else ''}"
    return f"exit code {code}"


_CHECK_WORKERS = 0.5
"""[s] how often a wait for results checks that the workers are alive (:meth:`LocalExecutor.check_workers`)."""


CONNECT_TIMEOUT = 10.0
"""[s] the longest a sweep waits for a Dask scheduler to answer."""
_SCHEMES = ("tcp", "tls", "ws", "wss", "inproc")


def _check_scheduler(address: str, deadline: float) -> None:
    """Refuse, in bounded time, an address that is malformed, does not resolve, refuses or does not answer
    as a Dask scheduler: a tcp scheduler sends its handshake as soon as it accepts, an 8-byte frame length
    of a few hundred bytes (anything else -- an SSH server's banner read as a length is 3 EiB -- is refused
    here, before distributed would allocate it). InputError(address, reason)."""
    import ipaddress

    shown = address if len(address) <= 80 else address[:77] + "..."
    if "://" in address:
        scheme, location = address.split("://", 1)
    else:
        scheme, location = "tcp", address
    if scheme not in _SCHEMES:
        raise InputError(shown, f"unknown scheme '{scheme[:20]}' of a Dask scheduler address; give e.g. "
                                "tcp://host:8786")
    if scheme != "tcp":
        return  # reached through distributed itself, under the connect timeout
    host, sep, port_text = location.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(shown, "is not a Dask scheduler address: give tcp://host:port with a port from 1 to 65535")
    port = int(port_text)
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InputError(shown, f"'{host}' is not a valid IPv4 address") from None
    found: list = []

    def resolve() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            found.append(exc)

    resolver = threading.Thread(target=resolve, daemon=True)  # name lookups have no timeout of their own
    resolver.start()
    resolver.join(max(0.1, deadline - time.monotonic()))
    if not found:
        raise InputError(shown, f"the scheduler's host name did not resolve within {CONNECT_TIMEOUT:g} s")
    if isinstance(found[0], BaseException):
        reason = getattr(found[0], "strerror", None) or found[0]
        raise InputError(shown, f"cannot resolve the scheduler's host: {reason}")
    error: str = "no address to connect to"
    for family, kind, proto, _, sockaddr in found[0]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(remaining)
                sock.connect(sockaddr)
                head = b""
                while len(head) < 8:
                    sock.settimeout(max(0.05, deadline - time.monotonic()))
                    chunk = sock.recv(8 - len(head))
                    if not chunk:
                        break
                    head += chunk
        except TimeoutError:
            error = f"no answer within {CONNECT_TIMEOUT:g} s"
            continue
        except OSError as exc:
            error = exc.strerror or str(exc)
            continue
        if len(head) < 8 or not 0 < struct.unpack("<Q", head)[0] < 1_000_000:
            raise InputError(shown, "answers, but not as a Dask scheduler (check the host and port)")
        return
    raise InputError(shown, f"cannot connect to the Dask scheduler: {error}")


class DaskExecutor:
    """A Dask cluster: an existing `client`, a scheduler address, or a LocalCluster of worker processes.

    An unreachable or wrong scheduler address is an InputError within :data:`CONNECT_TIMEOUT` seconds.
    A LocalCluster's workers are started by distributed, whose worker processes exit with their parent.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, client=None):
        self.scheduler, self.n_workers, self.client = scheduler, workers, client
        self._owned: list = []
        self._pending: set = set()  # submitted, not yet seen done (cancelled on leaving: a cluster may be shared)

    def __enter__(self):
        if self.client is None:
            from distributed import Client, LocalCluster

            if self.scheduler:
                deadline = time.monotonic() + CONNECT_TIMEOUT
                address = str(self.scheduler).strip()
                _check_scheduler(address, deadline)
                try:
                    self.client = Client(address, timeout=max(1.0, deadline - time.monotonic()),
                                         set_as_default=False)
                except (OSError, TimeoutError, MemoryError, ValueError, TypeError, AssertionError) as exc:
                    reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                    raise InputError(address[:80], f"cannot connect to the Dask scheduler: {reason}") from None
            else:
                cluster = LocalCluster(n_workers=int(self.n_workers or os.cpu_count() or 1), threads_per_worker=1,
                                       processes=True, dashboard_address=":0")
                self._owned.append(cluster)
                self.client = Client(cluster)
            self._owned.insert(0, self.client)
        return self

    def __exit__(self, *exc) -> None:
        if self._pending and self.client is not None:
            self.client.cancel(list(self._pending))
        self._pending = set()
        for thing in self._owned:
            thing.close()
        if self._owned:
            self.client = None
        self._owned = []

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, fn: Callable, arg):
        future = self.client.submit(fn, arg, pure=False)
        self._pending.add(future)
        return future

    def wait_first(self, futures) -> set:
        from distributed import wait

        with self.client.as_current():  # wait() uses the current client: this one, not another process default
            done = set(wait(list(futures), return_when="FIRST_COMPLETED").done)
        self._pending -= done
        return done


def make_executor(executor: str | object = "local", workers: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """'local' (processes), 'dask' (a cluster at `scheduler`, or a LocalCluster) or 'serial'; objects pass."""
    if not isinstance(executor, str):
        return executor
    choices = {"local": lambda: LocalExecutor(workers), "dask": lambda: DaskExecutor(scheduler, workers),
               "serial": SerialExecutor}
    if executor not in choices:
        raise ValueError(f"unknown executor '{executor}'; choose from {', '.join(choices)}")
    return choices[executor]()

