"""The engine's phases: functions over a :class:`Context` (what does not change during a run) and the
groups of the state they read and write (:mod:`iadsim.engine.state`). :class:`iadsim.engine.Engine` calls
them in order; a test may call one alone on a state it set by hand.

Every random draw is keyed by (seed, replication, step, stream) (:mod:`iadsim.engine.rng`), so a
replication's result does not depend on which other replications run beside it.

Modelling choices (docs/engine.md): detections are associated to tracks by the true target (no false
plots are generated); a sensor's track is confirmed after M of N looks and dropped after K missed
looks; a fire unit knows a target when a sensor feeding it (per the kill-chain rules of
:mod:`iadsim.network`) holds a confirmed track and the link latency has passed; the guiding radar must
itself see the target; shoot-look-shoot re-engages after the kill assessment time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from iadsim.engine import rng
from iadsim.engine.log import EventLog
from iadsim.engine.state import (
    ASSESSING,
    CLEARED,
    FLYING,
    IDLE,
    PENDING,
    Assumptions,
    Batteries,
    Engagements,
    Outcomes,
    Picture,
    Readiness,
    SensorTracks,
    State,
)
from iadsim.engine.world import World
from iadsim.events import EventKind, Reason
from iadsim.network import evaluate
from iadsim.physics.kinematics import in_launch_envelope, intercept
from iadsim.physics.lethality import salvo_pk
from iadsim.registry import ASSIGNERS, AUTHORITY_RULES, DECISION_TIMES, DOCTRINES
from iadsim.sensors import in_sector, sensor_entry
from iadsim.tracking import TrackRules, predict, update

__all__ = ["Context", "assess", "assign", "authorise", "channel_groups", "initial_state", "move",
           "repair_and_fail", "sense", "track"]

# random streams (any distinct integers)
S_AVAIL, S_LINK, S_DETECT, S_NOISE, S_ID_SYSTEM, S_ID_OPERATOR, S_DECISION, S_KILL, S_FAIL = range(1, 10)
RULES = TrackRules()  # M-of-N confirmation (2 of 3), drop after K (3) consecutive missed looks
CONFIRM_M, CONFIRM_N, DROP_AFTER = RULES.m, RULES.n, RULES.k


@dataclass
class Context:
    """What the phases read and never change during a run: the world, the replications and their random
    keys, the scenario's choices (iadsim.registry), lookups computed once, and where events go."""

    world: World
    reps: np.ndarray  # (R,) replication numbers
    keys: np.ndarray  # (R,) their random keys
    assumptions: Assumptions
    log: EventLog | None  # None: no events kept
    assigner: object
    authority: object
    decision_time: object
    rounds: int  # missiles per engagement (the doctrine)
    mtbf: np.ndarray  # (U,)
    mttr: np.ndarray  # (U,)
    magazine: np.ndarray  # (F,) a full load
    group: np.ndarray  # (F,) each fire unit's guiding radar (channel group)
    capacity: np.ndarray  # (G,) guidance channels of each guiding radar
    channels: np.ndarray  # (F,) the channels of each fire unit's guiding radar
    pk: np.ndarray  # (F,)
    speed: np.ndarray  # (F,) missile average speed
    envelope: list  # min_range, max_range, min_altitude, max_altitude, max_target_speed, each (F, 1)
    fire_crews: list
    pk_factor: np.ndarray  # (F,)
    cp_units: np.ndarray  # unit index of every command post
    cp_crews: list
    asset_xy: np.ndarray  # (A, 2)
    chain_cache: dict = field(default_factory=dict)  # down components -> (able, feeds, guides)
    geometry_at: tuple = (-1, None)  # (step, (time of flight, inside)) computed once per step

    @classmethod
    def build(cls, world: World, replications, seed: int, events: bool = True,
              assumptions: Assumptions | None = None) -> Context:
        spec = world.scenario.spec
        reps = np.atleast_1d(np.asarray(replications, dtype=np.int64))
        group, capacity = channel_groups(world)  # fire unit -> guiding radar; radar -> channels
        units = {u.id: u for u in spec.units}
        fire_crews = [world.scenario.proficiency(units[f].crew) for f in world.fire_ids]
        posts = [u for u in spec.units if world.net.kind[u.id] == "command-post"]
        sites = [world.scenario.sites[a.id] for a in spec.defended_assets]
        return cls(
            world, reps, rng.replication_keys(int(seed), reps), assumptions or Assumptions(),
            EventLog() if events else None,
            assigner=ASSIGNERS[spec.doctrine.assignment], authority=AUTHORITY_RULES[spec.authority.mode],
            decision_time=DECISION_TIMES[spec.authority.decision_time.distribution],
            rounds=int(DOCTRINES[spec.doctrine.engagement](spec.doctrine.salvo_size)),
            mtbf=np.array([u.readiness.mtbf or np.inf for u in spec.units]),
            mttr=np.array([u.readiness.mttr or np.inf for u in spec.units]),
            magazine=np.array([world.net.missiles[f] for f in world.fire_ids], np.int64),
            group=group, capacity=capacity, channels=capacity[group],
            pk=np.array([m.pk.value for m in world.missile]), speed=np.array([m.speed.value for m in world.missile]),
            envelope=[np.array([getattr(m, name).value for m in world.missile])[:, None] for name in (
                "min_range", "max_range", "min_altitude", "max_altitude", "max_target_speed")],
            fire_crews=fire_crews, pk_factor=np.array([c.pk_factor for c in fire_crews]),
            cp_units=np.array([world.unit_index[u.id] for u in posts], np.int64),
            cp_crews=[world.scenario.proficiency(u.crew) for u in posts],
            asset_xy=np.array([[site.x, site.y] for site in sites]).reshape(len(sites), 2),
        )

    def now(self, k: int) -> float:
        return float(self.world.times[k])

    def event(self, r: int, k: int, kind: EventKind, unit: int = -1, target: int = -1, **numbers) -> None:
        """Log an event of replication row ``r`` at step ``k``: ``unit`` indexes the scenario's units,
        ``target`` the targets (:mod:`iadsim.events`)."""
        if self.log is not None:
            self.log.add(int(self.reps[r]), self.now(k), kind, int(unit), int(target), **numbers)


def initial_state(ctx: Context) -> State:
    """Units and links drawn up or down, first failure or repair times, identification draws, full magazines,
    and the kill chains of the drawn states."""
    w, spec, keys = ctx.world, ctx.world.scenario.spec, ctx.keys
    R, T, S = len(ctx.reps), len(w.target_ids), len(w.sensor_ids)
    F, U, L = len(w.fire_ids), len(w.unit_ids), len(w.net.links)
    availability = np.array([u.readiness.availability for u in spec.units])
    unit_up = rng.uniform(keys, 0, S_AVAIL, (U,)) < availability
    link_p = np.array([w.net.availability[lid] for lid, *_ in w.net.links]) if L else np.zeros(0)
    link_up = rng.uniform(keys, 0, S_LINK, (L,)) < link_p if L else np.zeros((R, 0), bool)
    # exponential time to the first failure of an up unit, or to the repair of a down one (memoryless)
    draw = -np.log1p(-rng.uniform(keys, 0, S_FAIL, (U,)))
    mean = np.where(unit_up, ctx.mtbf, ctx.mttr)
    next_event = np.where(np.isfinite(mean), draw * mean, np.inf)
    civil_ok = w.civil & w.transponder
    missed = rng.uniform(keys, 0, S_ID_SYSTEM, (T,)) < spec.authority.identification.p_transponder_missed
    count = lambda: np.zeros(R, np.int64)  # noqa: E731
    st = State(
        time_index=0,
        readiness=Readiness(unit_up, next_event, link_up, able=np.zeros((R, F), bool),
                            feeds=np.zeros((R, F, S), bool), guides=np.zeros((R, F, S), bool)),
        tracks=SensorTracks(hits=np.zeros((R, S, T), np.int8), looks=np.zeros((R, S, T), np.int8),
                            misses=np.zeros((R, S, T), np.int8), confirmed_at=np.full((R, S, T), np.inf),
                            detected=np.zeros((R, S, T), bool)),
        picture=Picture(x=np.zeros((R, T, 6)), P=np.tile(np.eye(6), (R, T, 1, 1)),
                        has_track=np.zeros((R, T), bool), track_time=np.zeros((R, T)),
                        system_hostile=~(civil_ok[None, :] & ~missed),
                        operator_draw=rng.uniform(keys, 0, S_ID_OPERATOR, (T,))),
        engagements=Engagements(phase=np.zeros((R, T), np.int8), fire=np.full((R, T), -1), due=np.zeros((R, T)),
                                rounds=np.zeros((R, T), np.int64), aim=np.zeros((R, T, 3)),
                                decision=np.zeros((R, T))),
        batteries=Batteries(missiles=np.tile(ctx.magazine, (R, 1)), ready_at=np.zeros((R, F)),
                            busy=np.zeros((R, F), bool), guiding=np.zeros((R, len(ctx.capacity)), np.int64)),
        outcomes=Outcomes(alive=np.ones((R, T), bool), leaked=np.zeros((R, T), bool), kills=count(),
                          engagements=count(), expended=count(), wrongful=count(), civil_killed=count(),
                          vetoes=count(), first_detection=np.full(R, np.nan), first_engagement=np.full(R, np.nan)),
    )
    update_chains(ctx, st.readiness, np.arange(R))
    return st


# ------------------------------------------------------------------------------------------------ readiness

def update_chains(ctx: Context, rd: Readiness, rows) -> None:
    """Re-apply the kill-chain rules for replications whose unit or link states changed."""
    w = ctx.world
    sensor_pos = {s: j for j, s in enumerate(w.sensor_ids)}
    link_ids = [lid for lid, *_ in w.net.links]
    for r in rows:
        down = tuple(np.flatnonzero(~rd.unit_up[r])), tuple(np.flatnonzero(~rd.link_up[r]))
        cached = ctx.chain_cache.get(down)
        if cached is None:
            up_units = {w.unit_ids[i] for i in range(len(w.unit_ids)) if rd.unit_up[r, i]}
            up_links = {link_ids[i] for i in range(len(link_ids)) if rd.link_up[r, i]}
            up = lambda c, uu=up_units, ul=up_links: c in uu or c in ul  # noqa: E731
            able = np.zeros(len(w.fire_ids), bool)
            feeds = np.zeros((len(w.fire_ids), len(w.sensor_ids)), bool)
            guides = np.zeros_like(feeds)
            for f, fu in enumerate(w.fire_ids):
                status = evaluate(w.net, fu, up)
                able[f] = status.able
                feeds[f, [sensor_pos[s] for s in status.sensors]] = True
                if status.able:
                    guides[f, [sensor_pos[g] for g in status.guiders if g in sensor_pos]] = True
            cached = ctx.chain_cache[down] = (able, feeds, guides)
        rd.able[r], rd.feeds[r], rd.guides[r] = cached


def repair_and_fail(ctx: Context, k: int, rd: Readiness) -> None:
    """Units fail and are repaired at exponential times (MTBF, MTTR) when the scenario gives them."""
    now = ctx.now(k)
    due = rd.next_event <= now
    if not due.any():
        return
    draw = -np.log1p(-rng.uniform(ctx.keys, k, S_FAIL, (len(ctx.mtbf),)))
    rd.unit_up = np.where(due, ~rd.unit_up, rd.unit_up)
    rd.next_event = np.where(due, now + draw * np.where(rd.unit_up, ctx.mtbf, ctx.mttr), rd.next_event)
    for r, u in zip(*np.nonzero(due), strict=True):
        ctx.event(r, k, EventKind.REPAIRED if rd.unit_up[r, u] else EventKind.FAILED, u)
    update_chains(ctx, rd, np.flatnonzero(due.any(axis=1)))


# ------------------------------------------------------------------------------------------------ targets

def move(ctx: Context, k: int, out: Outcomes) -> None:
    """Targets follow their precomputed routes; a threat that reaches its target alive leaks."""
    w = ctx.world
    leaking = w.arrived[k][None, :] & out.alive & ~out.leaked & (w.asset_of >= 0)[None, :]
    for r, t in zip(*np.nonzero(leaking), strict=True):
        ctx.event(r, k, EventKind.LEAK, target=t, where=w.position[k, t])
    out.leaked |= leaking


# ------------------------------------------------------------------------------------------------ sensing

def sense(ctx: Context, k: int, rd: Readiness, trk: SensorTracks, out: Outcomes) -> None:
    """Per-look detection draws from each sensor's Pd, for sensors that work and sense; M-of-N
    confirmation and drop after K missed looks."""
    w, now = ctx.world, ctx.now(k)
    looking = w.look[k]
    detected = trk.detected = np.zeros(trk.hits.shape, bool)
    if not looking.any():
        return
    sensing = rd.unit_up[:, w.sensor_unit] & w.sensing[None, :]  # working, and able to sense (a radar emits)
    flying = out.alive & ~out.leaked
    # the same numbers as a full (S, T) draw, computed only where the look can succeed (pd > 0)
    ss, tt = np.nonzero(looking[:, None] & (w.pd_look[k] > 0))
    if len(ss):
        u = rng.uniform_at(ctx.keys[:, None], k, S_DETECT, ss * len(w.target_ids) + tt)
        detected[:, ss, tt] = (u < w.pd_look[k, ss, tt][None]) & sensing[:, ss] & flying[:, tt]
    # only targets that can be seen now or hold a confirmed track somewhere change state: work on those
    tracked = np.isfinite(trk.confirmed_at).any(axis=(0, 1))
    cols = np.flatnonzero((looking[:, None] & w.visible[k]).any(axis=0) | tracked)
    if len(cols):
        det = detected[:, :, cols]
        hits, looks, misses, confirmed_at = (a[:, :, cols] for a in (trk.hits, trk.looks, trk.misses,
                                                                      trk.confirmed_at))
        looked = (sensing & looking[None, :])[:, :, None] & w.visible[k][None, :, cols] & flying[:, None, cols]
        tentative = np.isinf(confirmed_at)
        # the confirmation window opens at the first detection (M of the N looks from there on)
        looks = np.where(looked & tentative & ((hits > 0) | det), np.minimum(looks + 1, CONFIRM_N), looks)
        hits = np.where(det & tentative, hits + 1, hits)
        confirm = tentative & (hits >= CONFIRM_M)
        confirmed_at = np.where(confirm, now, confirmed_at)
        restart = tentative & (looks >= CONFIRM_N) & ~confirm
        hits = np.where(restart, 0, hits)
        looks = np.where(restart, 0, looks)
        # a confirmed track is dropped after K consecutive missed looks (lost behind terrain)
        missed = looking[None, :, None] & ~det & ~tentative
        misses = np.where(missed, misses + 1, np.where(det, 0, misses))
        drop = misses >= DROP_AFTER
        confirmed_at[drop] = np.inf
        for a in (misses, hits, looks):
            a[drop] = 0
        trk.hits[:, :, cols], trk.looks[:, :, cols], trk.misses[:, :, cols] = hits, looks, misses
        trk.confirmed_at[:, :, cols] = confirmed_at
    first = np.isnan(out.first_detection) & detected[:, :, ~w.civil].any(axis=(1, 2))  # threats only
    out.first_detection[first] = now


def track(ctx: Context, k: int, trk: SensorTracks, pic: Picture) -> None:
    """Fuse every detection into one constant-velocity Kalman track per (replication, target)."""
    w, now, detected = ctx.world, ctx.now(k), trk.detected
    if not detected.any():
        return
    n_t = len(w.target_ids)
    for s in np.flatnonzero(detected.any(axis=(0, 2))):
        rr, tt = np.nonzero(detected[:, s, :])
        sig = w.sigma[k, s, tt]  # float32
        # the entries (r, s, t, :) of a full keyed (S, T, 3) normal draw
        noise = rng.normal_at(ctx.keys[rr][:, None], k, S_NOISE, ((s * n_t + tt) * 3)[:, None] + np.arange(3))
        z = w.position[k, tt] + noise * sig[:, None]
        new = ~pic.has_track[rr, tt]
        if new.any():
            nr, nt = rr[new], tt[new]
            cov = np.zeros((len(nr), 6, 6))
            cov[:, :3, :3] = np.eye(3) * (sig[new] ** 2)[:, None, None]
            cov[:, 3:, 3:] = np.eye(3) * ctx.assumptions.initial_speed_sigma**2
            pic.x[nr, nt] = np.concatenate([z[new], np.zeros((len(nr), 3))], axis=1)
            pic.P[nr, nt] = cov
            pic.has_track[nr, nt] = True
            pic.track_time[nr, nt] = now
        old = ~new
        if old.any():
            orr, ot = rr[old], tt[old]
            x, P = predict(pic.x[orr, ot], pic.P[orr, ot], now - pic.track_time[orr, ot],
                           ctx.assumptions.process_noise, model="discrete")
            upd = update(x, P, z[old], np.eye(3)[None] * (sig[old] ** 2)[:, None, None])
            pic.x[orr, ot], pic.P[orr, ot], pic.track_time[orr, ot] = upd.x, upd.P, now


# ------------------------------------------------------------------------------------------------ engagement

def known(ctx: Context, k: int, rd: Readiness, trk: SensorTracks, rows=None, cols=None) -> np.ndarray:
    """(R, F, T), or only the given replication rows and target columns: the target is in the fire unit's
    picture (a feeding sensor's confirmed track, delivered after the link latency) and its guiding radar
    sees it."""
    w, now = ctx.world, ctx.now(k)
    rows = slice(None) if rows is None else rows
    cols = slice(None) if cols is None else cols
    confirmed_at, visible = trk.confirmed_at[rows][..., cols], w.visible[k][:, cols]
    delivered = (now - confirmed_at)[:, None, :, :] >= w.latency[None, :, :, None]
    in_picture = (delivered & rd.feeds[rows][..., None]).any(axis=2)
    # a radar the kill-chain rules let guide this fire unit holds a confirmed track and sees the target
    sees = (confirmed_at <= now) & visible[None]  # (R, S, T)
    guide = (rd.guides[rows][..., None] & sees[:, None]).any(axis=2)
    return in_picture & guide


def geometry(ctx: Context, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(F, T) intercept time of flight and whether the intercept lies inside the launch envelope and the
    launcher's sector (computed once per step)."""
    w = ctx.world
    if ctx.geometry_at[0] == k:
        return ctx.geometry_at[1]
    tof, point, ok = intercept(w.fire_position[:, None, :], w.position[k][None], w.velocity[k][None],
                               ctx.speed[:, None])
    d = point - w.fire_position[:, None, :]
    ground = np.where(ok, np.hypot(d[..., 0], d[..., 1]), np.inf)  # no intercept: outside any envelope
    inside = in_launch_envelope(ground, w.height_agl[k][None, :], np.linalg.norm(w.velocity[k], axis=-1)[None, :],
                                *ctx.envelope)
    for f, sector in enumerate(w.fire_sector):  # a launcher with a sector fires at intercepts inside it only
        if sector is not None:
            inside[f] &= in_sector(sector, d[f, :, 0], d[f, :, 1])
    ctx.geometry_at = (k, (np.where(inside, tof, np.inf), inside))
    return ctx.geometry_at[1]


def time_to_asset(ctx: Context, k: int) -> np.ndarray:
    """(T,) seconds for each threat to reach its asset at its current speed (3600 s: no asset)."""
    w = ctx.world
    out = np.full(len(w.target_ids), 3600.0)
    has = w.asset_of >= 0
    if has.any():
        site = ctx.asset_xy[w.asset_of[has]]
        dist = np.hypot(w.position[k, has, 0] - site[:, 0], w.position[k, has, 1] - site[:, 1])
        out[has] = dist / np.maximum(np.linalg.norm(w.velocity[k, has], axis=-1), 1.0)
    return out


def crew(ctx: Context, rd: Readiness, r: int, f: int):
    """The proficiency of whoever decides: the first working command post's crew, else the battery's."""
    up = rd.unit_up[r, ctx.cp_units]
    return ctx.cp_crews[int(np.argmax(up))] if up.any() else ctx.fire_crews[f]


def assign(ctx: Context, k: int, st: State) -> None:
    """Threat evaluation and weapon-target assignment; new engagements wait for authorisation."""
    w, now = ctx.world, ctx.now(k)
    rd, pic, eng, bat, out = st.readiness, st.picture, st.engagements, st.batteries, st.outcomes
    candidates = out.alive & ~out.leaked & w.active[k][None] & (eng.phase == IDLE) & pic.system_hostile
    free = rd.able & rd.unit_up[:, w.fire_unit] & (bat.missiles > 0) & (bat.ready_at <= now) & ~bat.busy
    free &= bat.guiding[:, ctx.group] < ctx.channels[None, :]
    rows = np.flatnonzero(candidates.any(axis=1) & free.any(axis=1))
    if not len(rows):
        return
    tof, inside = geometry(ctx, k)
    cols = np.flatnonzero(candidates[rows].any(axis=0) & inside.any(axis=0))
    feasible_all = np.zeros((len(rows),) + inside.shape, bool)
    feasible_all[:, :, cols] = (known(ctx, k, rd, st.tracks, rows, cols) & inside[None, :, cols]
                                & free[rows][:, :, None] & candidates[rows][:, None, cols])
    urgency = 1.0 / (1.0 + time_to_asset(ctx, k))  # earlier arrival, higher value
    for i in np.flatnonzero(feasible_all.any(axis=(1, 2))):
        r = rows[i]
        for f, t in ctx.assigner(feasible_all[i], ctx.pk, urgency):
            # whatever the assigner says: a feasible pair, one engagement per target and per fire unit
            if feasible_all[i, f, t] and eng.phase[r, t] == IDLE and not bat.busy[r, f]:
                nominate(ctx, k, st, r, f, t)


def nominate(ctx: Context, k: int, st: State, r: int, f: int, t: int) -> None:
    """A pending engagement of fire unit ``f`` at target ``t``, due when the authority rule's delay ends."""
    w, authority = ctx.world, ctx.world.scenario.spec.authority
    eng = st.engagements
    u = float(rng.uniform_at(ctx.keys[r], k, S_DECISION, t))
    decision = ctx.decision_time.ppf(authority.decision_time, u) * crew(ctx, st.readiness, r, f).reaction_time_factor
    delay = ctx.authority.delay(decision, authority.veto_window)
    eng.phase[r, t], eng.fire[r, t], eng.due[r, t] = PENDING, f, ctx.now(k) + delay
    st.batteries.busy[r, f] = True
    eng.rounds[r, t] = ctx.rounds
    eng.decision[r, t] = decision
    ctx.event(r, k, EventKind.NOMINATED, w.fire_unit[f], t, where=w.position[k, t])


def authorise(ctx: Context, k: int, st: State) -> None:
    """Pending engagements end: launched if authorised (per the authority rule), else released."""
    w, now, spec = ctx.world, ctx.now(k), ctx.world.scenario.spec
    pic, eng, bat, out = st.picture, st.engagements, st.batteries, st.outcomes
    due = (eng.phase == PENDING) & (eng.due <= now)
    if not due.any():
        return
    tof, inside = geometry(ctx, k)
    due_rows, due_cols = np.flatnonzero(due.any(axis=1)), np.flatnonzero(due.any(axis=0))
    knows = np.zeros((len(ctx.reps),) + inside.shape, bool)
    knows[np.ix_(due_rows, np.arange(inside.shape[0]), due_cols)] = known(ctx, k, st.readiness, st.tracks,
                                                                            due_rows, due_cols)
    ident = spec.authority.identification
    for r, t in zip(*np.nonzero(due), strict=True):
        f = eng.fire[r, t]
        bat.busy[r, f] = False
        p_wrong = (ident.p_civil_as_hostile if w.civil[t] else ident.p_hostile_as_civil) * crew(
            ctx, st.readiness, r, f).error_rate_factor
        wrong = pic.operator_draw[r, t] < p_wrong
        operator_says_hostile = wrong if w.civil[t] else not wrong
        if not ctx.authority.approves(operator_says_hostile, eng.decision[r, t], spec.authority.veto_window):
            eng.phase[r, t] = CLEARED
            out.vetoes[r] += 1
            ctx.event(r, k, EventKind.VETOED, w.fire_unit[f], t, where=w.position[k, t])
            continue
        reason = cannot_fire(ctx, st, r, f, t, knows[r, f, t], inside[f, t])
        if reason:
            eng.phase[r, t] = IDLE
            ctx.event(r, k, EventKind.LOST, w.fire_unit[f], t, reason=reason, where=w.position[k, t])
            continue
        launch(ctx, k, st, r, f, t, tof[f, t])


def cannot_fire(ctx: Context, st: State, r: int, f: int, t: int, knows: bool, inside: bool) -> Reason:
    """Why fire unit ``f`` cannot launch at target ``t`` now (the first reason), or Reason.NONE."""
    rd, bat, out = st.readiness, st.batteries, st.outcomes
    checks = (
        (out.alive[r, t] and not out.leaked[r, t], Reason.TARGET_GONE),
        (rd.unit_up[r, ctx.world.fire_unit[f]], Reason.UNIT_DOWN),
        (rd.able[r, f], Reason.CHAIN_BROKEN),
        (knows, Reason.NOT_IN_PICTURE),
        (inside, Reason.OUTSIDE_ENVELOPE),
        (bat.missiles[r, f] > 0, Reason.NO_MISSILES),
        (bat.guiding[r, ctx.group[f]] < ctx.channels[f], Reason.NO_CHANNEL),
    )
    return next((reason for ok, reason in checks if not ok), Reason.NONE)


def launch(ctx: Context, k: int, st: State, r: int, f: int, t: int, tof: float) -> None:
    """Fire at the intercept point predicted from the fused track (the truth's if it gives none)."""
    w, now = ctx.world, ctx.now(k)
    pic, eng, bat, out = st.picture, st.engagements, st.batteries, st.outcomes
    aim = w.position[k, t] + w.velocity[k, t] * tof
    if pic.has_track[r, t]:
        velocity = pic.x[r, t, 3:]
        position = pic.x[r, t, :3] + velocity * (now - pic.track_time[r, t])
        tof_track, point, ok = intercept(w.fire_position[f], position, velocity, w.missile[f].speed.value)
        if ok:
            tof, aim = float(tof_track), point
    eng.aim[r, t] = aim
    n = int(min(eng.rounds[r, t], bat.missiles[r, f], ctx.channels[f] - bat.guiding[r, ctx.group[f]]))
    launcher = w.launcher[f]
    bat.missiles[r, f] -= n
    bat.ready_at[r, f] = now + n * launcher.launch_interval.value
    if bat.missiles[r, f] == 0:
        bat.ready_at[r, f] = now + launcher.reload_time.value
        bat.missiles[r, f] = ctx.magazine[f]  # reloaded when ready_at passes
    bat.guiding[r, ctx.group[f]] += n
    eng.phase[r, t], eng.due[r, t], eng.rounds[r, t] = FLYING, now + tof, n
    out.engagements[r] += 1
    out.expended[r] += n
    out.wrongful[r] += int(w.civil[t])
    if np.isnan(out.first_engagement[r]):
        out.first_engagement[r] = now
    ctx.event(r, k, EventKind.LAUNCH, w.fire_unit[f], t, track=t if pic.has_track[r, t] else -1, missiles=n,
              time_of_flight=float(tof), where=aim)


def assess(ctx: Context, k: int, rd: Readiness, eng: Engagements, bat: Batteries, out: Outcomes) -> None:
    """Missiles arrive: kill with the salvo Pk (crew-scaled); look, then re-engage if it survived."""
    w, now = ctx.world, ctx.now(k)
    arriving = (eng.phase == FLYING) & (eng.due <= now)
    if arriving.any():
        u = rng.uniform(ctx.keys, k, S_KILL, (len(w.target_ids),))
        for r, t in zip(*np.nonzero(arriving), strict=True):
            f = eng.fire[r, t]
            bat.guiding[r, ctx.group[f]] -= eng.rounds[r, t]
            p = float(salvo_pk(ctx.pk[f] * ctx.pk_factor[f], int(eng.rounds[r, t])))
            # where the target was when the missile arrived (between the last step and this one)
            arrival = w.position[k, t] - w.velocity[k, t] * (now - eng.due[r, t])
            aim_error = float(np.linalg.norm(eng.aim[r, t] - arrival))
            checks = (
                (aim_error <= ctx.assumptions.acquisition_basket, Reason.AIM_ERROR),
                (out.alive[r, t] and not out.leaked[r, t], Reason.TARGET_GONE),
                (rd.unit_up[r, w.fire_unit[f]], Reason.UNIT_DOWN),
                (rd.able[r, f], Reason.CHAIN_BROKEN),
                (u[r, t] < p, Reason.WARHEAD),
            )
            reason = next((reason for ok, reason in checks if not ok), Reason.NONE)
            if reason == Reason.NONE:
                out.alive[r, t] = False
                out.kills[r] += int(not w.civil[t])
                out.civil_killed[r] += int(w.civil[t])
                ctx.event(r, k, EventKind.KILL, w.fire_unit[f], t, miss_distance=aim_error, where=arrival)
            else:
                ctx.event(r, k, EventKind.MISS, w.fire_unit[f], t, miss_distance=aim_error, reason=reason,
                          where=arrival)
            eng.phase[r, t], eng.due[r, t] = ASSESSING, now + w.scenario.spec.doctrine.kill_assessment_time
    done = (eng.phase == ASSESSING) & (eng.due <= now)
    eng.phase[done] = IDLE


def channel_groups(w: World) -> tuple[np.ndarray, np.ndarray]:
    """Guidance channels are a property of the guiding radar, shared by every launcher it guides.

    Returns (group of each fire unit, channels of each group): a fire unit's group is the first radar
    wired to guide it (its own, else the first with a fire-control link; a simplification when a launcher
    is wired to several); a launcher wired to no radar is a group of its own. A radar whose catalog entry
    gives no channel count gets 4 (assumption).
    """
    units = {u.id: u for u in w.scenario.spec.units}
    names, capacity, group = [], [], []
    for f, fu in enumerate(w.fire_ids):
        guider = (w.guider_names[f] or [fu])[0]
        if guider not in names:
            radar = sensor_entry(w.scenario, units[guider])
            names.append(guider)
            found = radar is not None and radar.guidance_channels is not None
            capacity.append(int(radar.guidance_channels.value) if found else 4)
        group.append(names.index(guider))
    return np.array(group, np.int64), np.array(capacity, np.int64)
