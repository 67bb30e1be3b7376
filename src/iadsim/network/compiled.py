"""The kill-chain rules compiled: whether each fire unit is able, for many up/down states at once.

:func:`iadsim.network.chain.evaluate` applies the rules to one state and says why; readiness and single
points of failure need only *whether*, for thousands of states. Here the rules become reachability over
the picture links (``tracks``/``cues``) of a sub-network, run by a numba kernel over a matrix of states
(one row per state, one column per component, True = up), in parallel over the rows.

For a launcher the rules reduce to (``r`` ranging over the radars that can guide it, i.e. itself when it
has its own radar, else the sources of its up fire-control links that are up and emit long enough to guide its
missiles, :meth:`iadsim.network.chain.Network.guides`):

* ``A_r``: some up command post reaches ``r`` (a backward search from ``r`` meets one);
* ``F_r``: other up sensors that sense reach ``r`` (the same backward search meets them) and make a picture:
  one that measures range, or two passive ones of which one measures elevation (``senses`` holds what each
  gives, :func:`iadsim.registry.places`; 0: it does not sense);
* ``C_r``: ``r`` feeds a command post that commands it (``r`` reaches an up command post that reaches it);
* ``G_r``: as ``F_r``, by sensors that reach ``r`` without passing through a command post;
* ``own_r``: ``r`` searches on its own.

``r`` guides when ``A_r and (F_r or C_r or own_r)``, or, cut off, when ``(the network has no command post or
the doctrine falls back to autonomous fire) and (G_r or own_r)``; a cued radar (dark until a hostile track cues it)
when ``A_r and F'_r`` or, cut off, ``G'_r``: ``F_r``, ``G_r`` by sensors that are not cued radars (its own search
and ``C_r``, its own tracks, wait for the cue); the launcher is able when it is up, has
missiles and some ``r`` guides. A command post's picture adds nothing beyond ``F_r`` and ``C_r``: whatever
feeds a command post that reaches ``r`` reaches ``r`` through it. ``tests/network/test_compiled.py``
checks every state of random small networks against :func:`iadsim.network.chain.is_able`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numba
import numpy as np

from iadsim.network.chain import PICTURE, Network
from iadsim.registry import ELEVATION, RANGING


@dataclass(frozen=True)
class SubNetwork:
    """The part of a network that can change one fire unit's chain, as arrays for the kernel.

    ``components`` lists the component ids (units then links) whose columns a state matrix holds.
    """

    fire_unit: str
    components: tuple[str, ...]
    node_comp: np.ndarray  # (N,) column of each node's state
    is_cp: np.ndarray  # (N,) bool
    emits: np.ndarray  # (N,) bool: radiates long enough to guide this fire unit's missiles (a guiding radar must)
    senses: np.ndarray  # (N,) int64 what it gives a picture while it senses (iadsim.registry.places; 0: nothing)
    own_search: np.ndarray  # (N,) bool
    cued: np.ndarray  # (N,) bool: a radar dark until a track cues it (on-cue, ambush)
    uncued: np.ndarray  # (N,) int64 ``senses`` of the units that are not cued radars: what can cue one
    in_ptr: np.ndarray  # CSR of picture in-edges: in_ptr (N + 1,), in_src, in_comp
    in_src: np.ndarray
    in_comp: np.ndarray
    out_ptr: np.ndarray  # CSR of picture out-edges
    out_dst: np.ndarray
    out_comp: np.ndarray
    fu_node: int
    fu_has_radar: bool
    fu_missiles: bool
    fc_src: np.ndarray  # (F,) nodes at the other end of the fire-control links into the launcher
    fc_comp: np.ndarray  # (F,) their link columns
    fallback: bool  # a radar cut off from every command post may fire: the doctrine allows it, or there is none


def relevant_components(net: Network, node: str) -> list[str]:
    """Components whose state can change a node's chain (a fire unit's) or picture (a command post's): its
    ancestors in the graph and the links between them. Every path the rules follow for this node lies among
    them, so evaluating on them alone is exact."""
    ancestors = nx.ancestors(net.graph, node) | {node}
    units = [u for u in net.kind if u in ancestors]
    links = [lid for lid, a, b, _ in net.links if a in ancestors and b in ancestors]
    return units + links


def sub_network(net: Network, fire_unit: str) -> SubNetwork:
    """The arrays of :class:`SubNetwork` for one fire unit."""
    comps = relevant_components(net, fire_unit)
    column = {c: i for i, c in enumerate(comps)}
    nodes = [c for c in comps if c in net.kind]
    index = {u: i for i, u in enumerate(nodes)}
    picture = [(lid, a, b) for lid, a, b, carries in net.links if carries in PICTURE and lid in column]

    def csr(key_of, other_of):
        ptr = np.zeros(len(nodes) + 1, np.int64)
        ordered = sorted(picture, key=lambda e: index[key_of(e)])
        for e in ordered:
            ptr[index[key_of(e)] + 1] += 1
        return (np.cumsum(ptr), np.array([index[other_of(e)] for e in ordered], np.int64),
                np.array([column[e[0]] for e in ordered], np.int64))

    in_ptr, in_src, in_comp = csr(lambda e: e[2], lambda e: e[1])
    out_ptr, out_dst, out_comp = csr(lambda e: e[1], lambda e: e[2])
    fc = [(a, lid) for lid, a, b, carries in net.links if carries == "fire-control" and b == fire_unit]
    return SubNetwork(
        fire_unit, tuple(comps),
        np.array([column[u] for u in nodes], np.int64),
        np.array([net.kind[u] == "command-post" for u in nodes]),
        np.array([net.guides(u, fire_unit) for u in nodes]),
        np.array([net.senses[u] * net.places[u] for u in nodes], np.int64),
        np.array([net.own_search[u] for u in nodes]),
        np.array([u in net.cue for u in nodes], np.bool_),
        np.array([0 if u in net.cue else net.senses[u] * net.places[u] for u in nodes], np.int64),
        in_ptr, in_src, in_comp, out_ptr, out_dst, out_comp,
        index[fire_unit], bool(net.has_radar[fire_unit]), net.missiles.get(fire_unit, 0) > 0,
        np.array([index[a] for a, _ in fc], np.int64), np.array([column[lid] for _, lid in fc], np.int64),
        bool(net.autonomous_fallback) or not net.units("command-post"),
    )


def able(sub: SubNetwork, states: np.ndarray) -> np.ndarray:
    """Whether the fire unit is able in each state: ``states`` (K, len(sub.components)) bool -> (K,) bool. The
    rules are monotone: a component coming up never makes a launcher unable (:func:`probability_able`)."""
    states = np.ascontiguousarray(states, dtype=np.bool_)
    if states.ndim != 2 or states.shape[1] != len(sub.components):
        raise ValueError(f"states must have shape (K, {len(sub.components)})")
    return _able_states(states, sub.node_comp, sub.is_cp, sub.emits, sub.senses, sub.own_search, sub.cued,
                        sub.uncued, sub.in_ptr, sub.in_src, sub.in_comp, sub.out_ptr, sub.out_dst, sub.out_comp,
                        sub.fu_node, sub.fu_has_radar, sub.fu_missiles, sub.fc_src, sub.fc_comp, sub.fallback)


@numba.njit(cache=True, parallel=True)
def _able_states(states, node_comp, is_cp, emits, senses, own_search, cued, uncued, in_ptr, in_src, in_comp, out_ptr,
                 out_dst, out_comp, fu, fu_has_radar, fu_missiles, fc_src, fc_comp, fallback):  # pragma: no cover
    n_states = states.shape[0]
    out = np.zeros(n_states, np.bool_)
    for k in numba.prange(n_states):
        out[k] = _able_one(states[k], node_comp, is_cp, emits, senses, own_search, cued, uncued, in_ptr, in_src,
                           in_comp,
                           out_ptr, out_dst, out_comp, fu, fu_has_radar, fu_missiles, fc_src, fc_comp, fallback)
    return out


@numba.njit(cache=True)
def _search(state, start, ptr, other, comp, node_comp, is_cp, through_cp, seen, stack):  # pragma: no cover
    """Mark in ``seen`` every unit met from ``start`` along up links (``ptr``/``other``/``comp``: in-edges for
    a backward search, out-edges for a forward one) through up units; a command post met is marked but
    not passed through unless ``through_cp``."""
    seen[:] = False
    seen[start] = True
    stack[0] = start
    top = 1
    while top > 0:
        top -= 1
        v = stack[top]
        for j in range(ptr[v], ptr[v + 1]):
            u = other[j]
            if seen[u] or not state[comp[j]] or not state[node_comp[u]]:
                continue
            seen[u] = True
            if through_cp or not is_cp[u]:
                stack[top] = u
                top += 1


@numba.njit(cache=True)
def _any_other(seen, flags, r):  # pragma: no cover
    for v in range(seen.shape[0]):
        if v != r and seen[v] and flags[v]:
            return True
    return False


@numba.njit(cache=True)
def _picture(seen, kind, r):  # pragma: no cover
    """Whether the sensors in ``seen`` other than ``r`` make a picture (:func:`iadsim.registry.places_target`):
    one that measures range, or two passive ones of which one measures elevation."""
    n = 0
    elevation = False
    for v in range(seen.shape[0]):
        if v != r and seen[v] and kind[v] > 0:
            if kind[v] == RANGING:
                return True
            n += 1
            elevation |= kind[v] == ELEVATION
    return n >= 2 and elevation


@numba.njit(cache=True)
def _able_one(state, node_comp, is_cp, emits, senses, own_search, cued, uncued, in_ptr, in_src, in_comp, out_ptr,
              out_dst, out_comp, fu, fu_has_radar, fu_missiles, fc_src, fc_comp, fallback):  # pragma: no cover
    n = node_comp.shape[0]
    if not state[node_comp[fu]] or not fu_missiles:
        return False
    reaching = np.zeros(n, np.bool_)  # who reaches r
    reached = np.zeros(n, np.bool_)  # whom r reaches
    stack = np.empty(n, np.int64)
    n_candidates = 1 if fu_has_radar else fc_src.shape[0]
    for i in range(n_candidates):
        if fu_has_radar:
            r = fu
            if not emits[r]:
                return False
        else:
            r = fc_src[i]
            if not (state[fc_comp[i]] and state[node_comp[r]] and emits[r]):
                continue
        _search(state, r, in_ptr, in_src, in_comp, node_comp, is_cp, True, reaching, stack)
        if cued[r]:  # dark until a track cues it: it guides with a picture of sensors that are not cued radars
            if _any_other(reaching, is_cp, r):
                if _picture(reaching, uncued, r):
                    return True
            elif fallback:
                _search(state, r, in_ptr, in_src, in_comp, node_comp, is_cp, False, reaching, stack)
                if _picture(reaching, uncued, r):
                    return True
            continue
        if _any_other(reaching, is_cp, r):  # A_r: networked
            if own_search[r] or _picture(reaching, senses, r):  # F_r
                return True
            # C_r: r reaches an up command post that reaches it (r's own picture through its commander)
            _search(state, r, out_ptr, out_dst, out_comp, node_comp, is_cp, True, reached, stack)
            for v in range(n):
                if v != r and reached[v] and reaching[v] and is_cp[v]:
                    return True
        elif fallback:  # autonomous: G_r, sensors reaching r not through a command post
            if own_search[r]:
                return True
            _search(state, r, in_ptr, in_src, in_comp, node_comp, is_cp, False, reaching, stack)
            if _picture(reaching, senses, r):
                return True
    return False


MAX_FRONTIER = 1 << 17
"""Most partial states :func:`probability_able` keeps at once; beyond, it gives up (the caller samples)."""


def probability_able(sub: SubNetwork, probs: np.ndarray) -> float | None:
    """Exact probability that the fire unit is able when component ``i`` is up with ``probs[i]``,
    independently; None when the factoring would keep more than :data:`MAX_FRONTIER` partial states.

    Factoring with monotone bounds: the uncertain components are fixed one at a time (nearest to the
    launcher first); a partial state whose completion with every remaining component down is already able
    counts whole, one whose completion with every remaining component up is not able is dropped, and only
    the rest is split further. This is exact because the rules are monotone (:func:`able`).
    """
    return _factor(sub, np.asarray(probs, dtype=float))


def _order(sub: SubNetwork, uncertain: np.ndarray) -> np.ndarray:
    """Uncertain columns nearest to the launcher first (backward distance over every link), so that the
    bounds decide early."""
    n = len(sub.node_comp)
    dist = np.full(n, n + 1)
    dist[sub.fu_node] = 0
    frontier = [sub.fu_node]
    for a in sub.fc_src.tolist():
        if dist[a] > 1:
            dist[a] = 1
            frontier.append(a)
    while frontier:
        nxt = []
        for v in frontier:
            for j in range(sub.in_ptr[v], sub.in_ptr[v + 1]):
                u = sub.in_src[j]
                if dist[u] > dist[v] + 1:
                    dist[u] = dist[v] + 1
                    nxt.append(u)
        frontier = nxt
    rank = np.full(len(sub.components), 2 * n + 2, dtype=float)
    rank[sub.node_comp] = 2 * dist
    for j in range(len(sub.in_comp)):  # a picture link ranks just after the unit it feeds
        rank[sub.in_comp[j]] = min(rank[sub.in_comp[j]], 2 * dist[sub.in_ptr.searchsorted(j, "right") - 1] + 1)
    rank[sub.fc_comp] = 1
    return uncertain[np.argsort(rank[uncertain], kind="stable")]


def _factor(sub: SubNetwork, probs: np.ndarray) -> float | None:
    base = probs >= 1.0
    order = _order(sub, np.flatnonzero((probs > 0.0) & (probs < 1.0)))
    frontier = base[None, :].copy()
    weights = np.ones(1)
    total = 0.0
    for d in range(len(order) + 1):
        rest = order[d:]
        low = frontier.copy()
        low[:, rest] = False
        high = frontier.copy()
        high[:, rest] = True
        sure = able(sub, low)
        total += float(weights[sure].sum())
        open_ = ~sure & able(sub, high)
        if d == len(order) or not open_.any():
            break
        frontier, weights = frontier[open_], weights[open_]
        if 2 * len(frontier) > MAX_FRONTIER:
            return None
        column, p = order[d], probs[order[d]]
        up = frontier.copy()
        up[:, column] = True
        frontier[:, column] = False
        frontier = np.concatenate([up, frontier])
        weights = np.concatenate([weights * p, weights * (1.0 - p)])
    return total
