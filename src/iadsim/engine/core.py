"""The engine: simulation state as arrays over replications, advanced by one readable step.

Shapes: R replications, T targets, S sensors, F fire units, U units, L links. Every random draw is
keyed by (seed, replication, step, stream) (see :mod:`iadsim.engine.rng`), so a replication's result
does not depend on which other replications run beside it.

Modelling choices (docs/engine.md): detections are associated to tracks by the true target (no false
plots are generated); a sensor's track is confirmed after M of N looks and dropped after K missed
looks; a fire unit knows a target when a sensor feeding it (per the kill-chain rules of
:mod:`iadsim.network`) holds a confirmed track and the link latency has passed; the guiding radar must
itself see the target; shoot-look-shoot re-engages after the kill assessment time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from iadsim.engine import rng
from iadsim.engine.log import EventLog
from iadsim.engine.world import World
from iadsim.events import EventKind, Reason
from iadsim.network import evaluate
from iadsim.physics.kinematics import in_launch_envelope, intercept
from iadsim.physics.lethality import salvo_pk
from iadsim.registry import ASSIGNERS, AUTHORITY_RULES, DECISION_TIMES, DOCTRINES
from iadsim.sensors import in_sector, sensor_entry
from iadsim.tracking import TrackRules, predict, update

# random streams (any distinct integers)
S_AVAIL, S_LINK, S_DETECT, S_NOISE, S_ID_SYSTEM, S_ID_OPERATOR, S_DECISION, S_KILL, S_FAIL = range(1, 10)
RULES = TrackRules()  # M-of-N confirmation (2 of 3), drop after K (3) consecutive missed looks
CONFIRM_M, CONFIRM_N, DROP_AFTER = RULES.m, RULES.n, RULES.k


class Phase(IntEnum):
    """Where an engagement of a target stands (``State.eng_state``)."""

    IDLE = 0  # no engagement: the target may be nominated
    PENDING = 1  # nominated, waiting for authorisation
    FLYING = 2  # missiles in flight
    ASSESSING = 3  # missiles arrived; looking before re-engaging
    CLEARED = 4  # vetoed: never engaged again


IDLE, PENDING, FLYING, ASSESSING, CLEARED = Phase


@dataclass(frozen=True)
class Assumptions:
    """The engine's modelling assumptions that no scenario field sets (docs/engine.md); tests and studies pass
    other values to :class:`Engine` rather than patching module globals."""

    acquisition_basket: float = 1000.0  # [m] the missile finds a target this close to its aim point
    process_noise: float = 4.0  # DWNA acceleration variance [m^2/s^4] for manoeuvring aircraft
    initial_speed_sigma: float = 300.0  # [m/s] velocity uncertainty of a new track: helicopters to subsonic jets


@dataclass
class Readiness:
    """What works: units and links (drawn at the start, then failing and repaired), and the kill chains."""

    unit_up: np.ndarray  # (R, U) bool
    next_event: np.ndarray  # (R, U) time of the next failure or repair (inf: none)
    link_up: np.ndarray  # (R, L) bool
    able: np.ndarray  # (R, F) bool: complete kill chain
    feeds: np.ndarray  # (R, F, S) bool: sensor s feeds fire unit f's picture
    guides: np.ndarray  # (R, F, S) bool: radar s can guide fire unit f's missiles (per the kill-chain rules)


@dataclass
class SensorTracks:
    """Each sensor's own tracks: M-of-N confirmation and drop after K missed looks."""

    hits: np.ndarray  # (R, S, T) int8 detections in the current confirmation window
    looks: np.ndarray  # (R, S, T) int8 looks in the current confirmation window
    misses: np.ndarray  # (R, S, T) int8 consecutive missed looks of a confirmed track
    confirmed_at: np.ndarray  # (R, S, T) time the sensor's track was confirmed (inf: no track)
    detected: np.ndarray  # (R, S, T) bool: the sensor detected the target at this step


@dataclass
class Picture:
    """The fused picture (one Kalman track per target, keyed by the true target for now) and identification."""

    x: np.ndarray  # (R, T, 6) fused track state
    P: np.ndarray  # (R, T, 6, 6)
    has_track: np.ndarray  # (R, T) bool
    track_time: np.ndarray  # (R, T) time of the fused track's state
    system_hostile: np.ndarray  # (R, T) bool: automatic identification says hostile (no valid IFF reply)
    operator_draw: np.ndarray  # (R, T) uniform, compared with the deciding crew's error rate


@dataclass
class Engagements:
    """At most one engagement per target at a time, in a :class:`Phase`."""

    phase: np.ndarray  # (R, T) int8 Phase
    fire: np.ndarray  # (R, T) fire unit engaging (-1: none yet)
    due: np.ndarray  # (R, T) time the current phase ends
    rounds: np.ndarray  # (R, T) missiles in the current engagement
    aim: np.ndarray  # (R, T, 3) intercept point predicted from the fused track at launch
    decision: np.ndarray  # (R, T) the deciding crew's drawn decision time of a pending engagement [s]


@dataclass
class Batteries:
    """Launchers and the guidance channels of their radars."""

    missiles: np.ndarray  # (R, F) rounds ready
    ready_at: np.ndarray  # (R, F) launcher free again (launch interval, reload)
    busy: np.ndarray  # (R, F) bool: a pending engagement holds the fire unit
    guiding: np.ndarray  # (R, G) missiles in flight per guiding radar (its channels are shared by its launchers)


@dataclass
class Outcomes:
    """The targets' fate and the counts the metrics read (:mod:`iadsim.analysis.metrics`)."""

    alive: np.ndarray  # (R, T) bool
    leaked: np.ndarray  # (R, T) bool
    kills: np.ndarray  # (R,) threats killed
    engagements: np.ndarray  # (R,) launches
    expended: np.ndarray  # (R,) missiles fired
    wrongful: np.ndarray  # (R,) launches at civil aircraft
    civil_killed: np.ndarray  # (R,)
    vetoes: np.ndarray  # (R,)
    first_detection: np.ndarray  # (R,) seconds, nan if never
    first_engagement: np.ndarray  # (R,) seconds, nan if never


class InvariantError(AssertionError):
    """The state broke one of its invariants (:meth:`State.check`)."""


@dataclass
class State:
    """Simulation state as arrays over R replications, grouped by what each phase reads and writes."""

    time_index: int
    readiness: Readiness
    tracks: SensorTracks
    picture: Picture
    engagements: Engagements
    batteries: Batteries
    outcomes: Outcomes

    def check(self, magazine: np.ndarray, channels: np.ndarray) -> None:
        """Raise :class:`InvariantError` naming every broken invariant. ``magazine``: (F,) rounds a full
        launcher holds; ``channels``: (G,) guidance channels of each guiding radar."""
        e, b, o = self.engagements, self.batteries, self.outcomes
        broken = []
        if (b.missiles < 0).any() or (b.missiles > magazine[None, :]).any():
            broken.append("a magazine holds fewer than 0 or more than a full load")
        if (b.guiding < 0).any() or (b.guiding > channels[None, :]).any():
            broken.append("a radar guides more missiles than its channels (or fewer than none)")
        engaged = np.isin(e.phase, (Phase.PENDING, Phase.FLYING, Phase.ASSESSING))
        if (engaged & (e.fire < 0)).any():
            broken.append("an engagement has no fire unit")
        pending = np.zeros(b.busy.shape, bool)
        rows, cols = np.nonzero(e.phase == Phase.PENDING)
        np.add.at(pending, (rows, e.fire[rows, cols]), True)
        if not np.array_equal(pending, b.busy):
            broken.append("a fire unit is busy without a pending engagement, or free with one")
        if ((~o.alive) & o.leaked).any():
            broken.append("a target both killed and leaked")
        if (o.expended < o.engagements).any() or (o.wrongful > o.engagements).any():
            broken.append("fewer missiles than launches, or more wrongful launches than launches")
        if (o.kills + o.civil_killed != (~o.alive).sum(axis=1)).any():
            broken.append("kills do not count the targets shot down")
        if broken:
            raise InvariantError("; ".join(broken))


class Engine:
    """Advance R replications of one scenario together. `run()` steps to the end of the duration."""

    def __init__(self, world: World, replications, seed: int | None = None, events: bool = True,
                 assumptions: Assumptions = Assumptions()):
        self.w = world
        self.assumptions = assumptions
        spec = world.scenario.spec
        self.seed = spec.seed if seed is None else int(seed)
        self.reps = np.atleast_1d(np.asarray(replications, dtype=np.int64))
        self.keys = rng.replication_keys(self.seed, self.reps)
        self.log_events = events
        self.log = EventLog()
        self._chain_cache: dict = {}
        # replication-independent lookups, computed once rather than at every step
        self._mtbf = np.array([u.readiness.mtbf or np.inf for u in spec.units])
        self._mttr = np.array([u.readiness.mttr or np.inf for u in spec.units])
        self._magazine = np.array([world.net.missiles[f] for f in world.fire_ids], np.int64)  # (F,) a full load
        self._group, self._capacity = channel_groups(world)  # fire unit -> guiding radar; radar -> channels
        self._channels = self._capacity[self._group]  # per fire unit: the channels of its guiding radar
        self._pk = np.array([m.pk.value for m in world.missile])
        self._speed = np.array([m.speed.value for m in world.missile])
        self._envelope = [np.array([getattr(m, name).value for m in world.missile])[:, None] for name in (
            "min_range", "max_range", "min_altitude", "max_altitude", "max_target_speed")]
        self._geometry_at: tuple = (-1, None)
        # the scenario's choices (iadsim.registry): what varies sits behind these four
        self._assigner = ASSIGNERS[spec.doctrine.assignment]
        self._authority = AUTHORITY_RULES[spec.authority.mode]
        self._decision_time = DECISION_TIMES[spec.authority.decision_time.distribution]
        self._rounds = int(DOCTRINES[spec.doctrine.engagement](spec.doctrine.salvo_size))
        units = {u.id: u for u in spec.units}
        self._fire_crews = [world.scenario.proficiency(units[f].crew) for f in world.fire_ids]
        self._pk_factor = np.array([c.pk_factor for c in self._fire_crews])
        posts = [u for u in spec.units if world.net.kind[u.id] == "command-post"]
        self._cp_units = np.array([world.unit_index[u.id] for u in posts], np.int64)
        self._cp_crews = [world.scenario.proficiency(u.crew) for u in posts]
        sites = [world.scenario.sites[a.id] for a in spec.defended_assets]
        self._asset_xy = np.array([[site.x, site.y] for site in sites]).reshape(len(sites), 2)
        self.state = self._initial_state()

    # ----------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One time step, the phases in order."""
        self.repair_and_fail()
        self.move()
        self.sense()
        self.track()
        self.assess()
        self.authorise()
        self.assign()
        self.state.time_index += 1

    def run(self, on_step: Callable[[int], None] | None = None) -> State:
        """Step until the last time sample of the scenario's duration has been simulated; ``on_step`` (if
        given) is called with the number of steps done after each step (for progress bars)."""
        while self.state.time_index < len(self.w.times):
            self.step()
            if on_step is not None:
                on_step(self.state.time_index)
        return self.state

    # ----------------------------------------------------------------------------------------------
    def _initial_state(self) -> State:
        w, spec = self.w, self.w.scenario.spec
        R, T, S = len(self.reps), len(w.target_ids), len(w.sensor_ids)
        F, U, L = len(w.fire_ids), len(w.unit_ids), len(w.net.links)
        availability = np.array([u.readiness.availability for u in spec.units])
        unit_up = rng.uniform(self.keys, 0, S_AVAIL, (U,)) < availability
        link_p = np.array([w.net.availability[lid] for lid, *_ in w.net.links]) if L else np.zeros(0)
        link_up = rng.uniform(self.keys, 0, S_LINK, (L,)) < link_p if L else np.zeros((R, 0), bool)
        # exponential time to the first failure of an up unit, or to the repair of a down one (memoryless)
        draw = -np.log1p(-rng.uniform(self.keys, 0, S_FAIL, (U,)))
        mean = np.where(unit_up, self._mtbf, self._mttr)
        next_event = np.where(np.isfinite(mean), draw * mean, np.inf)
        civil_ok = w.civil & w.transponder
        missed = rng.uniform(self.keys, 0, S_ID_SYSTEM, (T,)) < spec.authority.identification.p_transponder_missed
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
                            operator_draw=rng.uniform(self.keys, 0, S_ID_OPERATOR, (T,))),
            engagements=Engagements(phase=np.zeros((R, T), np.int8), fire=np.full((R, T), -1), due=np.zeros((R, T)),
                                    rounds=np.zeros((R, T), np.int64), aim=np.zeros((R, T, 3)),
                                    decision=np.zeros((R, T))),
            batteries=Batteries(missiles=np.tile(self._magazine, (R, 1)), ready_at=np.zeros((R, F)),
                                busy=np.zeros((R, F), bool), guiding=np.zeros((R, len(self._capacity)), np.int64)),
            outcomes=Outcomes(alive=np.ones((R, T), bool), leaked=np.zeros((R, T), bool), kills=count(),
                              engagements=count(), expended=count(), wrongful=count(), civil_killed=count(),
                              vetoes=count(), first_detection=np.full(R, np.nan),
                              first_engagement=np.full(R, np.nan)),
        )
        self.state = st
        self._update_chains(np.arange(R))
        return st

    @property
    def now(self) -> float:
        return float(self.w.times[self.state.time_index])

    def _event(self, r: int, kind: EventKind, unit: int = -1, target: int = -1, **numbers) -> None:
        """Log an event of replication row ``r`` now: ``unit`` indexes the scenario's units, ``target`` the
        targets (:mod:`iadsim.events`)."""
        if self.log_events:
            self.log.add(int(self.reps[r]), self.now, kind, int(unit), int(target), **numbers)

    @property
    def events(self) -> pd.DataFrame:
        """The events so far as one typed table (:data:`iadsim.events.EVENT_DTYPES`)."""
        return self.log.frame()

    # ----------------------------------------------------------------------------------------------
    def _update_chains(self, rows) -> None:
        """Re-apply the kill-chain rules for replications whose unit or link states changed."""
        w, st = self.w, self.state
        rd = st.readiness
        sensor_pos = {s: j for j, s in enumerate(w.sensor_ids)}
        link_ids = [lid for lid, *_ in w.net.links]
        for r in rows:
            down = tuple(np.flatnonzero(~rd.unit_up[r])), tuple(np.flatnonzero(~rd.link_up[r]))
            cached = self._chain_cache.get(down)
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
                cached = self._chain_cache[down] = (able, feeds, guides)
            rd.able[r], rd.feeds[r], rd.guides[r] = cached

    def repair_and_fail(self) -> None:
        """Units fail and are repaired at exponential times (MTBF, MTTR) when the scenario gives them."""
        st = self.state
        rd = st.readiness
        due = rd.next_event <= self.now
        if not due.any():
            return
        draw = -np.log1p(-rng.uniform(self.keys, self.state.time_index, S_FAIL, (len(self._mtbf),)))
        rd.unit_up = np.where(due, ~rd.unit_up, rd.unit_up)
        rd.next_event = np.where(due, self.now + draw * np.where(rd.unit_up, self._mtbf, self._mttr), rd.next_event)
        for r, u in zip(*np.nonzero(due), strict=True):
            self._event(r, EventKind.REPAIRED if rd.unit_up[r, u] else EventKind.FAILED, u)
        self._update_chains(np.flatnonzero(due.any(axis=1)))

    def move(self) -> None:
        """Targets follow their precomputed routes; a threat that reaches its target alive leaks."""
        st, w, k = self.state, self.w, self.state.time_index
        out = st.outcomes
        leaking = w.arrived[k][None, :] & out.alive & ~out.leaked & (w.asset_of >= 0)[None, :]
        for r, t in zip(*np.nonzero(leaking), strict=True):
            self._event(r, EventKind.LEAK, target=t, where=w.position[k, t])
        out.leaked |= leaking

    def sense(self) -> None:
        """Per-look detection draws from the exact Pd, for sensors that work and emit."""
        st, w, k = self.state, self.w, self.state.time_index
        rd, trk, out = st.readiness, st.tracks, st.outcomes
        looking = w.look[k]
        detected = trk.detected = np.zeros(trk.hits.shape, bool)
        if not looking.any():
            return
        sensing = rd.unit_up[:, w.sensor_unit] & w.sensing[None, :]  # working, and able to sense (a radar emits)
        flying = out.alive & ~out.leaked
        # the same numbers as a full (S, T) draw, computed only where the look can succeed (pd > 0)
        ss, tt = np.nonzero(looking[:, None] & (w.pd_look[k] > 0))
        if len(ss):
            u = rng.uniform_at(self.keys[:, None], k, S_DETECT, ss * len(w.target_ids) + tt)
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
            confirmed_at = np.where(confirm, self.now, confirmed_at)
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
        out.first_detection[first] = self.now

    def track(self) -> None:
        """Fuse every detection into one constant-velocity Kalman track per (replication, target)."""
        st, w, k = self.state, self.w, self.state.time_index
        pic = st.picture
        detected = st.tracks.detected
        if not detected.any():
            return
        n_t = len(w.target_ids)
        for s in np.flatnonzero(detected.any(axis=(0, 2))):
            rr, tt = np.nonzero(detected[:, s, :])
            sig = w.sigma[k, s, tt]  # float32
            # the entries (r, s, t, :) of a full keyed (S, T, 3) normal draw
            noise = rng.normal_at(self.keys[rr][:, None], k, S_NOISE, ((s * n_t + tt) * 3)[:, None] + np.arange(3))
            z = w.position[k, tt] + noise * sig[:, None]
            new = ~pic.has_track[rr, tt]
            if new.any():
                nr, nt = rr[new], tt[new]
                cov = np.zeros((len(nr), 6, 6))
                cov[:, :3, :3] = np.eye(3) * (sig[new] ** 2)[:, None, None]
                cov[:, 3:, 3:] = np.eye(3) * self.assumptions.initial_speed_sigma**2
                pic.x[nr, nt] = np.concatenate([z[new], np.zeros((len(nr), 3))], axis=1)
                pic.P[nr, nt] = cov
                pic.has_track[nr, nt] = True
                pic.track_time[nr, nt] = self.now
            old = ~new
            if old.any():
                orr, ot = rr[old], tt[old]
                x, P = predict(pic.x[orr, ot], pic.P[orr, ot], self.now - pic.track_time[orr, ot],
                               self.assumptions.process_noise, model="discrete")
                upd = update(x, P, z[old], np.eye(3)[None] * (sig[old] ** 2)[:, None, None])
                pic.x[orr, ot], pic.P[orr, ot], pic.track_time[orr, ot] = upd.x, upd.P, self.now

    # ----------------------------------------------------------------------------------------------
    def _known(self, rows=None, cols=None) -> np.ndarray:
        """(R, F, T), or only the given replication rows and target columns: the target is in the fire
        unit's picture (a feeding sensor's confirmed track, delivered after the link latency) and its
        guiding radar sees it."""
        st, w, k = self.state, self.w, self.state.time_index
        rd, trk = st.readiness, st.tracks
        rows = slice(None) if rows is None else rows
        cols = slice(None) if cols is None else cols
        confirmed_at, visible = trk.confirmed_at[rows][..., cols], w.visible[k][:, cols]
        delivered = (self.now - confirmed_at)[:, None, :, :] >= w.latency[None, :, :, None]
        known = (delivered & rd.feeds[rows][..., None]).any(axis=2)
        # a radar the kill-chain rules let guide this fire unit holds a confirmed track and sees the target
        sees = (confirmed_at <= self.now) & visible[None]  # (R, S, T)
        guide = (rd.guides[rows][..., None] & sees[:, None]).any(axis=2)
        return known & guide

    def _geometry(self):
        """(F, T) intercept time of flight and whether the intercept lies inside the launch envelope
        (computed once per step)."""
        w, k = self.w, self.state.time_index
        if self._geometry_at[0] == k:
            return self._geometry_at[1]
        tof, point, ok = intercept(w.fire_position[:, None, :], w.position[k][None], w.velocity[k][None],
                                   self._speed[:, None])
        d = point - w.fire_position[:, None, :]
        ground = np.where(ok, np.hypot(d[..., 0], d[..., 1]), np.inf)  # no intercept: outside any envelope
        inside = in_launch_envelope(ground, w.height_agl[k][None, :], np.linalg.norm(w.velocity[k], axis=-1)[None, :],
                                    *self._envelope)
        for f, sector in enumerate(w.fire_sector):  # a launcher with a sector fires at intercepts inside it only
            if sector is not None:
                inside[f] &= in_sector(sector, d[f, :, 0], d[f, :, 1])
        self._geometry_at = (k, (np.where(inside, tof, np.inf), inside))
        return self._geometry_at[1]

    def assign(self) -> None:
        """Threat evaluation and weapon-target assignment; new engagements wait for authorisation."""
        st, w = self.state, self.w
        rd, pic, eng, bat, out = st.readiness, st.picture, st.engagements, st.batteries, st.outcomes
        candidates = out.alive & ~out.leaked & w.active[st.time_index][None] & (eng.phase == IDLE) & pic.system_hostile
        free = rd.able & rd.unit_up[:, w.fire_unit] & (bat.missiles > 0) & (bat.ready_at <= self.now) & ~bat.busy
        free &= bat.guiding[:, self._group] < self._channels[None, :]
        rows = np.flatnonzero(candidates.any(axis=1) & free.any(axis=1))
        if not len(rows):
            return
        tof, inside = self._geometry()
        cols = np.flatnonzero(candidates[rows].any(axis=0) & inside.any(axis=0))
        feasible_all = np.zeros((len(rows),) + inside.shape, bool)
        feasible_all[:, :, cols] = (self._known(rows, cols) & inside[None, :, cols] & free[rows][:, :, None]
                                    & candidates[rows][:, None, cols])
        urgency = 1.0 / (1.0 + self._time_to_asset())  # earlier arrival, higher value
        for i in np.flatnonzero(feasible_all.any(axis=(1, 2))):
            r = rows[i]
            for f, t in self._assigner(feasible_all[i], self._pk, urgency):
                # whatever the assigner says: a feasible pair, one engagement per target and per fire unit
                if feasible_all[i, f, t] and eng.phase[r, t] == IDLE and not bat.busy[r, f]:
                    self._nominate(r, f, t)

    def _time_to_asset(self) -> np.ndarray:
        """(T,) seconds for each threat to reach its asset at its current speed (3600 s: no asset)."""
        w, k = self.w, self.state.time_index
        out = np.full(len(w.target_ids), 3600.0)
        has = w.asset_of >= 0
        if has.any():
            site = self._asset_xy[w.asset_of[has]]
            dist = np.hypot(w.position[k, has, 0] - site[:, 0], w.position[k, has, 1] - site[:, 1])
            out[has] = dist / np.maximum(np.linalg.norm(w.velocity[k, has], axis=-1), 1.0)
        return out

    def _crew(self, r: int, f: int):
        """The proficiency of whoever decides: the first working command post's crew, else the battery's."""
        up = self.state.readiness.unit_up[r, self._cp_units]
        return self._cp_crews[int(np.argmax(up))] if up.any() else self._fire_crews[f]

    def _nominate(self, r: int, f: int, t: int) -> None:
        st, w, authority = self.state, self.w, self.w.scenario.spec.authority
        eng, bat = st.engagements, st.batteries
        crew = self._crew(r, f)
        u = float(rng.uniform_at(self.keys[r], st.time_index, S_DECISION, t))
        decision = self._decision_time.ppf(authority.decision_time, u) * crew.reaction_time_factor
        delay = self._authority.delay(decision, authority.veto_window)
        eng.phase[r, t], eng.fire[r, t], eng.due[r, t] = PENDING, f, self.now + delay
        bat.busy[r, f] = True
        eng.rounds[r, t] = self._rounds
        eng.decision[r, t] = decision
        self._event(r, EventKind.NOMINATED, w.fire_unit[f], t, where=w.position[st.time_index, t])

    def authorise(self) -> None:
        """Pending engagements end: launched if authorised (per the authority mode), else released."""
        st, w, spec = self.state, self.w, self.w.scenario.spec
        pic, eng, bat, out = st.picture, st.engagements, st.batteries, st.outcomes
        due = (eng.phase == PENDING) & (eng.due <= self.now)
        if not due.any():
            return
        tof, inside = self._geometry()
        due_rows, due_cols = np.flatnonzero(due.any(axis=1)), np.flatnonzero(due.any(axis=0))
        known = np.zeros((len(self.reps),) + inside.shape, bool)
        known[np.ix_(due_rows, np.arange(inside.shape[0]), due_cols)] = self._known(due_rows, due_cols)
        ident = spec.authority.identification
        for r, t in zip(*np.nonzero(due), strict=True):
            f = eng.fire[r, t]
            bat.busy[r, f] = False
            crew = self._crew(r, f)
            p_wrong = (ident.p_civil_as_hostile if w.civil[t] else ident.p_hostile_as_civil) * crew.error_rate_factor
            wrong = pic.operator_draw[r, t] < p_wrong
            operator_says_hostile = wrong if w.civil[t] else not wrong
            decision = eng.decision[r, t]
            if not self._authority.approves(operator_says_hostile, decision, spec.authority.veto_window):
                eng.phase[r, t] = CLEARED
                out.vetoes[r] += 1
                self._event(r, EventKind.VETOED, w.fire_unit[f], t, where=w.position[st.time_index, t])
                continue
            reason = self._cannot_fire(r, f, t, known[r, f, t], inside[f, t])
            if reason:
                eng.phase[r, t] = IDLE
                self._event(r, EventKind.LOST, w.fire_unit[f], t, reason=reason, where=w.position[st.time_index, t])
                continue
            self._launch(r, f, t, tof[f, t])

    def _cannot_fire(self, r: int, f: int, t: int, known: bool, inside: bool) -> Reason:
        """Why fire unit ``f`` cannot launch at target ``t`` now (the first reason), or Reason.NONE."""
        st = self.state
        rd, bat, out = st.readiness, st.batteries, st.outcomes
        checks = (
            (out.alive[r, t] and not out.leaked[r, t], Reason.TARGET_GONE),
            (rd.unit_up[r, self.w.fire_unit[f]], Reason.UNIT_DOWN),
            (rd.able[r, f], Reason.CHAIN_BROKEN),
            (known, Reason.NOT_IN_PICTURE),
            (inside, Reason.OUTSIDE_ENVELOPE),
            (bat.missiles[r, f] > 0, Reason.NO_MISSILES),
            (bat.guiding[r, self._group[f]] < self._channels[f], Reason.NO_CHANNEL),
        )
        return next((reason for ok, reason in checks if not ok), Reason.NONE)

    def _launch(self, r: int, f: int, t: int, tof: float) -> None:
        """Fire at the intercept point predicted from the fused track (the truth's if it gives none)."""
        st, w = self.state, self.w
        pic, eng, bat, out = st.picture, st.engagements, st.batteries, st.outcomes
        k = st.time_index
        aim = w.position[k, t] + w.velocity[k, t] * tof
        if pic.has_track[r, t]:
            velocity = pic.x[r, t, 3:]
            position = pic.x[r, t, :3] + velocity * (self.now - pic.track_time[r, t])
            tof_track, point, ok = intercept(w.fire_position[f], position, velocity, w.missile[f].speed.value)
            if ok:
                tof, aim = float(tof_track), point
        eng.aim[r, t] = aim
        n = int(min(eng.rounds[r, t], bat.missiles[r, f], self._channels[f] - bat.guiding[r, self._group[f]]))
        launcher = w.launcher[f]
        bat.missiles[r, f] -= n
        bat.ready_at[r, f] = self.now + n * launcher.launch_interval.value
        if bat.missiles[r, f] == 0:
            bat.ready_at[r, f] = self.now + launcher.reload_time.value
            bat.missiles[r, f] = self._magazine[f]  # reloaded when ready_at passes
        bat.guiding[r, self._group[f]] += n
        eng.phase[r, t], eng.due[r, t], eng.rounds[r, t] = FLYING, self.now + tof, n
        out.engagements[r] += 1
        out.expended[r] += n
        out.wrongful[r] += int(w.civil[t])
        if np.isnan(out.first_engagement[r]):
            out.first_engagement[r] = self.now
        self._event(r, EventKind.LAUNCH, w.fire_unit[f], t, track=t if pic.has_track[r, t] else -1, missiles=n,
                    time_of_flight=float(tof), where=aim)

    def assess(self) -> None:
        """Missiles arrive: kill with the salvo Pk (crew-scaled); look, then re-engage if it survived."""
        st, w, spec = self.state, self.w, self.w.scenario.spec
        rd, eng, bat, out = st.readiness, st.engagements, st.batteries, st.outcomes
        arriving = (eng.phase == FLYING) & (eng.due <= self.now)
        if arriving.any():
            u = rng.uniform(self.keys, st.time_index, S_KILL, (len(w.target_ids),))
            for r, t in zip(*np.nonzero(arriving), strict=True):
                f = eng.fire[r, t]
                bat.guiding[r, self._group[f]] -= eng.rounds[r, t]
                p = float(salvo_pk(self._pk[f] * self._pk_factor[f], int(eng.rounds[r, t])))
                # where the target was when the missile arrived (between the last step and this one)
                arrival = w.position[st.time_index, t] - w.velocity[st.time_index, t] * (self.now - eng.due[r, t])
                aim_error = float(np.linalg.norm(eng.aim[r, t] - arrival))
                checks = (
                    (aim_error <= self.assumptions.acquisition_basket, Reason.AIM_ERROR),
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
                    self._event(r, EventKind.KILL, w.fire_unit[f], t, miss_distance=aim_error, where=arrival)
                else:
                    self._event(r, EventKind.MISS, w.fire_unit[f], t, miss_distance=aim_error, reason=reason,
                                where=arrival)
                eng.phase[r, t], eng.due[r, t] = ASSESSING, self.now + spec.doctrine.kill_assessment_time
        done = (eng.phase == ASSESSING) & (eng.due <= self.now)
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
            known = radar is not None and radar.guidance_channels is not None
            capacity.append(int(radar.guidance_channels.value) if known else 4)
        group.append(names.index(guider))
    return np.array(group, np.int64), np.array(capacity, np.int64)
