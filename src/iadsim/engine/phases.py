"""The engine's phases: functions over a :class:`Context` (what does not change during a run) and the
groups of the state they read and write (:mod:`iadsim.engine.state`). :class:`iadsim.engine.Engine` calls
them in order; a test may call one alone on a state it set by hand.

Time is continuous: the step only sets how often the geometry is sampled. Step ``k`` simulates the times
``[t_k, t_k + step)`` (:func:`window`): each sensor looks at its own scan times (a scan phase drawn per
replication and sensor), and the fire-control cycle (:func:`fire_control`) handles arrivals, leaks,
kill assessments, authorisations, nominations and launches at their exact times, in time order, each
replication on its own clock. Positions between time samples follow the sampled velocity.

Every random draw is keyed by (seed, replication, a counter, stream) (:mod:`iadsim.engine.rng`): the
counter is the look number for detections and measurements, and the target's authorisation number for
decisions, identification and kills, so a replication's draws do not depend on the step or on which other
replications run beside it.

Modelling choices (docs/engine.md): each look's detections become plots (unresolved targets merge; false plots from
Pfa) that go to each sensor's own tracks by gated GNN association, confirmed after M of N looks and dropped after K
missed looks (``doctrine.tracking``, :mod:`iadsim.tracking.scan`); the plots of confirmed tracks are reported over
the links to each fire unit's own picture (:mod:`iadsim.tracking.picture`, arriving after each path's latency), from
which it judges a firing solution and aims; truth still names what a sensor follows (the object of its confirmed
track's latest plot) and which of a fire unit's tracks a report feeds (one per object); a fire unit knows a target
when a sensor feeding it (per the kill-chain rules of :mod:`iadsim.network`) holds a confirmed track and the link
latency has passed; the guiding radar must itself see the target; shoot-look-shoot re-engages after the kill
assessment time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
from scipy.special import ndtri
from scipy.stats import poisson

from iadsim.c2.assign import takes_disjoint
from iadsim.c2.teaming import ENGAGE, Teaming, acceptance, classify, iff_reply_probability, pressure, teaming
from iadsim.engine import rng
from iadsim.engine._kernels import (
    VETOED,
    carried,
    columns_any,
    due_pairs,
    due_reports,
    emission_spans,
    emitters,
    end_game_pks,
    engagement_points,
    envelope_grid,
    false_plot_counts,
    false_plot_places,
    flying_hostile,
    layers_reached,
    leaks_due,
    lit_looks,
    lit_through,
    look_batch,
    look_plots,
    looks_between,
    mature_tracks,
    merge_reports,
    next_event_times,
    on_their_way,
    opening_pairs,
    own_reach,
    predicted_errors,
    ranged_errors,
    row_pointers,
    settle_authorisations,
    silences_ending,
    step_pairs,
    track_aims,
    truth_intercepts,
    visible_samples,
)
from iadsim.engine._kernels import assignable as assignable_kernel
from iadsim.engine._kernels import known as known_kernel
from iadsim.engine.log import EventLog, TargetAt
from iadsim.engine.state import (
    Batteries,
    Crews,
    Engagements,
    Outcomes,
    Phase,
    Picture,
    Readiness,
    Reports,
    SensorTracks,
    State,
)
from iadsim.engine.world import World
from iadsim.events import EventKind, Reason
from iadsim.memory import sparse_zeros
from iadsim.network import evaluate
from iadsim.network.chain import picture_sources
from iadsim.network.compiled import relevant_components
from iadsim.network.emcon import Schedule, emitting, interrupted, last_lit, on_time, silenced_at, switches
from iadsim.physics.kinematics import MAX_TIME_OF_FLIGHT, in_launch_envelope
from iadsim.physics.lethality import GUIDANCE, carleton_damage, cep_to_sigma, salvo_pk
from iadsim.registry import (
    ASSIGNERS,
    AUTHORITY_RULES,
    DECISION_TIMES,
    DOCTRINES,
    ELEVATION,
    measures_range,
    places_target,
)
from iadsim.scenario.models import LABELS, LAYERS
from iadsim.scenario.relocation import SEPARATOR, home_of
from iadsim.sensors import in_sector, sensor_entry
from iadsim.tracking import gate_threshold
from iadsim.tracking.picture import UNKNOWN_HEIGHT_SIGMA, BearingSensors, arrival_order, fuse_reports, next_arrival
from iadsim.tracking.scan import ANGLE_RANGE, SensorTrackTable, scan_looks, slots_needed

__all__ = ["Context", "assess", "assign", "authorise", "channel_groups", "emit", "fire_control", "initial_state",
           "leak", "repair_and_fail", "sense", "target_channels", "track", "window"]

# engagement phases as plain integers (comparing arrays with enum members goes through the enum machinery)
IDLE, PENDING, FLYING, ASSESSING, CLEARED = (int(p) for p in Phase)
@dataclass(frozen=True)
class Moves:
    """How a relocating unit moves: what makes it (``after``: firing, warning, schedule), the ``delay`` from that
    to the tear-down's start and, for a schedule, ``every`` [s] from a set-up to the next tear-down; the unit at each
    of its sites (``units``, unit indices: its own first), how long the move to each takes (``legs`` [s]: the crew's
    tear-down and set-up and the travel from the site before; ``legs[0]`` from the last site back to its own) and
    each site's fire unit (``fire``, -1: not one)."""

    after: str
    delay: float
    every: float
    units: np.ndarray
    legs: np.ndarray
    fire: np.ndarray
    teardown: float  # [s] the crew's tear-down: it stands at the site it leaves until then
    setup: float  # [s] the crew's set-up: it stands at the new site from that long before the move ends


ONLY, FIRST = 1, 2
"""Point-defence modes of a fire unit (Context.defended): it engages only what flies at the units it defends, or
those first and then the rest."""

# random streams (any distinct integers)
S_AVAIL, S_LINK, S_DETECT, S_NOISE, S_ID_SYSTEM, S_ID_OPERATOR, S_DECISION, S_KILL, S_FAIL, S_PHASE = range(1, 11)
S_FALSE, S_FALSE_AT = 11, 12  # false plots: how many in a look, and where
S_STRIKE = 13  # whether a threat reaching the unit it attacks destroys it
S_WARN, S_ARM_MISS, S_ARM_KILL = 14, 15, 16  # a crew warned of an ARM launch; an ARM's impact error and kill draw
S_ALIGN = 17  # a radar's north-alignment error after its set-up: whether a blunder, and its value
S_INTERROGATE = 18  # the system's IFF interrogation of a target gets through
S_CLASSIFY, S_CROSS_CHECK, S_CROSS_IFF, S_ACCEPT = 19, 20, 21, 22  # automation: label, the operator's IFF
#   cross-check (whether, and whether the reply is missed), acceptance
S_TRANSPONDER, S_INTERROGATOR = 23, 24  # a target's transponder works; a fire unit's own IFF interrogator works
GATE_PROBABILITY = 0.99  # a sensor track's gate holds its true plot with this probability (chi-square, 3 dof)
MIN_SIGMA = 1e-3  # [m] a plot's error at least: a perfect sensor still errs by a millimetre


@dataclass
class Context:
    """What the phases read and never change during a run: the world, the replications and their random
    keys, the scenario's choices (iadsim.registry) and modelling constants, lookups computed once, and where
    events go."""

    world: World
    reps: np.ndarray  # (R,) replication numbers
    keys: np.ndarray  # (R,) their random keys
    log: EventLog | None  # None: no events kept
    assigner: object
    authority: object
    decision_time: object
    rounds: int  # missiles per engagement (the doctrine)
    mtbf: np.ndarray  # (U,)
    mttr: np.ndarray  # (U,)
    magazine: np.ndarray  # (F,) a full load
    launcher_times: np.ndarray  # (2, F) [s] each launcher's launch interval and reload time
    group: np.ndarray  # (F,) each fire unit's guiding radar (channel group)
    capacity: np.ndarray  # (G,) guidance channels of each guiding radar
    channels: np.ndarray  # (F,) the channels of each fire unit's guiding radar
    target_channels: np.ndarray  # (G,) targets each guiding radar engages at once (its catalog track_channels)
    targets: np.ndarray  # (F,) the target channels of each fire unit's guiding radar
    pk: np.ndarray  # (F,) the catalog's constant pk, else the end game's D0: the assigners rank by it
    speed: np.ndarray  # (F,) missile average speed
    envelope: tuple  # min_range, max_range, min_altitude, max_altitude, max_target_speed, each (F,) float
    fire_crews: list
    pk_factor: np.ndarray  # (F,)
    strike_pk: np.ndarray  # (T,) a threat's chance to destroy the unit it attacks on reaching it (its raid's pk)
    cp_units: np.ndarray  # unit index of every command post
    cp_crews: list
    basket: float  # [m] acquisition basket (doctrine)
    confirm: tuple[int, int]  # M of N looks confirm a sensor's track (doctrine.tracking)
    drop_after: int  # consecutive missed looks drop a confirmed track
    process_noise: float  # [m^2/s^4] acceleration variance (the sensors' tracks: DWNA; the nodes': fuse_reports)
    initial_speed_sigma: float  # [m/s]
    resolution: np.ndarray  # (S, 3) range [m], azimuth, elevation [rad]: closer targets give one plot
    false_plots: np.ndarray  # (S,) mean false plots per look
    search_volume: np.ndarray  # (S, 4) reach [m], bearing centre, width, top elevation [rad] of a look
    angle_sigma: np.ndarray  # (S, 2) [rad] a passive sensor's bearing and elevation errors (0: not measured; radar)
    plot_errors: np.ndarray  # (S, 2) a ranging sensor's range [m] and azimuth [rad] errors (NaN: isotropic plots)
    bearings: BearingSensors  # the passive sensors, for the fire units' pictures
    gate: float  # chi-square gate of a sensor's tracks on the squared Mahalanobis distance
    track_slots: int  # track slots per sensor and replication
    operator: bool  # the authority rule has an operator decide (and so occupy a crew's decision slot)
    lags: list  # (latency [s], (S,) bool: sensors with a picture path of that latency to some fire unit)
    node_latency: np.ndarray  # (N, S) [s] from each sensor to each node's picture: fire units, then command posts
    node_order: np.ndarray  # (S, N) the nodes each sensor's reports reach, in order (arrival_order)
    node_reach: np.ndarray  # (S,) how many nodes each sensor's reports reach
    guidance: list  # (F,) each missile's guidance, None: the catalog's constant pk
    inertial: np.ndarray  # (F,) bool: an inertial missile (no guidance after launch: its miss is its aim error)
    lethal_area: np.ndarray  # (F,) [m^2] Carleton A_L (nan: constant pk)
    peak_pk: np.ndarray  # (F,) Carleton D0
    response_time: np.ndarray  # (F,) [s]
    update_interval: np.ndarray  # (F,) [s] guidance updates: the seeker's, or the guiding radar's look period
    manoeuvre: np.ndarray  # (T,) [m/s^2] unpredictable target acceleration
    tables: list  # (F,) each missile's envelope table (None: its box)
    any_table: bool
    edges: np.ndarray  # (2, F) each missile's edge_pk and edge_width (nan: no fall at the edges)
    special: np.ndarray  # (3, F) bool: fire units with an envelope table, a launcher sector, a fall at the edges
    chain_cache: dict = field(default_factory=dict)  # down components -> (able, feeds, guides, post feeds,
    #   commanders); and node_state -> a fire unit's (able, (2, S) feeds and guides, commanding post or -1) or a
    #   command post's (S,) feeds
    relevant: dict = field(default_factory=dict)  # node -> (units, links) that can change its chain
    geometry_at: dict = field(default_factory=dict)  # chunk -> (GEOMETRY_CHUNK, F, T) inside (by_chunk)
    step_values: tuple = (-1, None)  # (step, what assignment reads at every event of it)
    time_to_asset_at: dict = field(default_factory=dict)  # chunk -> (GEOMETRY_CHUNK, T) time to asset (by_chunk)
    visible_now: tuple = (-1, None)  # (step, visible(): (2, S, T) what each sensor sees at its samples, middle)
    looks_now: tuple = (-1, None)  # (step, step_looks())
    paths_now: tuple = (-1, None)  # (step, true_paths())
    pending_ptr: tuple = (None, None)  # (pending reports, where each row's start)
    leaks_settled: float = -np.inf  # [s] threats arriving by then have leaked (or are gone) in every row (leak)
    wakes: list = field(default_factory=list)  # (rows, targets, times) in the window: own solutions opening
    shutdown: np.ndarray = None  # (4, S) each radar's shutdown on an ARM warning: probability, reaction, dark [s],
    #                               and 1 where the warning is its own track of the missile (0: the launch)
    radar_of: np.ndarray = None  # (T,) the sensor an anti-radiation missile is launched at (-1: not an ARM)
    arm_hold: np.ndarray = None  # (T,) [s] how long its aircraft's ESM holds a radar that stopped emitting
    arm_sigma: np.ndarray = None  # (T,) [m] 1-sigma impact error per axis while it homes (its CEP / 1.1774)
    arm_growth: np.ndarray = None  # (T,) [m/s] growth of that error per second of silence before the impact
    arm_kill: np.ndarray = None  # (2, T) Carleton D0 and lethal area [m^2] of its warhead against the radar
    emit_up: np.ndarray = None  # (R, S) the radars working and emitting-capable at the step's start (emit)
    decisions: list = None  # with automation: one row per decision (DECISION_COLUMNS), None: not kept
    teaming: Teaming = None  # with automation: its classifiers, the crews' trust, the fire units' interrogators

    @cached_property
    def plain(self) -> np.ndarray:
        """(F,) bool: the fire units with a box envelope and no launcher sector (their geometry fully compiled)."""
        return ~(self.special[0] | self.special[1])

    @cached_property
    def special_envelopes(self) -> bool:
        """Whether some fire unit has an envelope table or a launcher sector (not :attr:`plain`)."""
        return not bool(self.plain.all())

    @cached_property
    def longest_reach(self) -> np.ndarray:
        """(F,) the longest ground range of each fire unit's launch envelope at any height (its box's, or its
        table's longest; inf where undefined)."""
        reach = self.envelope[1].copy()
        for i in np.flatnonzero(self.special[0]):
            reach[i] = max(reach[i], float(np.max(self.tables[i].max_range)))
        return np.nan_to_num(reach, nan=np.inf)


    @classmethod
    def build(cls, world: World, replications, seed: int, events: bool = True) -> Context:
        spec = world.scenario.spec
        doctrine, tracking = spec.doctrine, spec.doctrine.tracking
        reps = np.atleast_1d(np.asarray(replications, dtype=np.int64))
        group, capacity = channel_groups(world, doctrine.default_guidance_channels)
        engages = target_channels(world, group, capacity)
        units = {u.id: u for u in spec.units}
        fire_crews = [world.scenario.proficiency(units[f].crew) for f in world.fire_ids]
        posts = [u for u in spec.units if world.net.kind[u.id] == "command-post"]
        authority = AUTHORITY_RULES[spec.authority.mode]
        clutter = np.array([getattr(s, "false_plots_per_look", 0.0) for s in world.sensors], float)
        node_latency = np.vstack([world.latency, world.post_latency])  # fire units, then command posts
        arms = [world.scenario.catalog.types[f.type] if world.carrier[t] >= 0 else None
                for t, f in enumerate(world.target_flight)]
        sensor_of = {u: s for s, u in enumerate(world.sensor_unit)}
        return cls(
            world, reps, rng.replication_keys(int(seed), reps),
            EventLog(partial(position_at, world)) if events else None,
            assigner=ASSIGNERS[doctrine.assignment], authority=authority,
            decision_time=DECISION_TIMES[spec.authority.decision_time.distribution],
            rounds=int(DOCTRINES[doctrine.engagement](doctrine.salvo_size)),
            mtbf=np.array([u.readiness.mtbf or np.inf for u in spec.units]),
            mttr=np.array([u.readiness.mttr or np.inf for u in spec.units]),
            magazine=np.array([world.net.missiles[f] for f in world.fire_ids], np.int64),
            launcher_times=np.array([[launcher.launch_interval.value for launcher in world.launcher],
                                     [launcher.reload_time.value for launcher in world.launcher]],
                                    float).reshape(2, len(world.fire_ids)),
            group=group, capacity=capacity, channels=capacity[group], target_channels=engages,
            targets=engages[group],
            pk=np.array([(m.pk or m.peak_pk).value for m in world.missile]),
            speed=np.array([m.speed.value for m in world.missile], float),
            envelope=tuple(np.array([getattr(m, name).value for m in world.missile], float) for name in (
                "min_range", "max_range", "min_altitude", "max_altitude", "max_target_speed")),
            fire_crews=fire_crews, pk_factor=np.array([c.pk_factor for c in fire_crews]),
            strike_pk=world.strike_pk,
            cp_units=np.array([world.unit_index[u.id] for u in posts], np.int64),
            cp_crews=[world.scenario.proficiency(u.crew) for u in posts],
            basket=doctrine.acquisition_basket, confirm=(tracking.confirm_hits, tracking.confirm_looks),
            drop_after=tracking.drop_after, process_noise=tracking.process_noise,
            initial_speed_sigma=tracking.initial_speed_sigma,
            resolution=np.array([getattr(s, "resolution", (0.0, 0.0, 0.0)) for s in world.sensors],
                                float).reshape(-1, 3),
            false_plots=clutter,
            search_volume=np.array([getattr(s, "search_volume", (0.0, 0.0, 0.0, 0.0)) for s in world.sensors],
                                   float).reshape(-1, 4),
            plot_errors=np.array([getattr(s, "plot_errors", (np.nan, np.nan)) if measures_range(s) else (np.nan, np.nan)
                                  for s in world.sensors], float).reshape(-1, 2),
            angle_sigma=np.array([_angle_sigma(s, p == ELEVATION) for s, p in zip(world.sensors, world.placing,
                                                                                    strict=True)],
                                 float).reshape(-1, 2),
            bearings=BearingSensors.of(~world.ranging, world.sensor_position, world.placing == ELEVATION,
                                       world.look_period),
            gate=gate_threshold(GATE_PROBABILITY, 3),
            track_slots=slots_needed(len(world.target_ids), clutter.max(initial=0.0), tracking.confirm_looks),
            operator=bool(getattr(authority, "operator", True)),
            lags=[(lag, (world.latency == lag).any(axis=0))
                  for lag in np.unique(world.latency[np.isfinite(world.latency)])],
            node_latency=node_latency, node_order=(order := arrival_order(node_latency))[0], node_reach=order[1],
            guidance=[m.guidance.value if m.guidance is not None else None for m in world.missile],
            inertial=np.array([m.guidance is not None and m.guidance.value == "inertial" for m in world.missile], bool),
            lethal_area=_value(world.missile, "lethal_area"), peak_pk=_value(world.missile, "peak_pk"),
            response_time=_value(world.missile, "response_time"),
            update_interval=np.array([_update_interval(world, f) for f in range(len(world.fire_ids))]),
            manoeuvre=np.nan_to_num(_value([world.scenario.catalog.types[f.type] for f in world.target_flight],
                                           "manoeuvre")),
            tables=[m.envelope for m in world.missile], any_table=any(m.envelope is not None for m in world.missile),
            edges=np.array([(m.edge_pk.value, m.edge_width.value) if m.edge_pk is not None else (np.nan, np.nan)
                            for m in world.missile], float).reshape(-1, 2).T,
            special=np.array([[m.envelope is not None for m in world.missile],
                              [sector is not None for sector in world.fire_sector],
                              [m.edge_pk is not None for m in world.missile]], bool).reshape(3, -1),
            shutdown=np.array([_shutdown(units[world.unit_ids[u]], world.scenario) for u in world.sensor_unit],
                              float).reshape(len(world.sensor_ids), 4).T,
            radar_of=np.array([sensor_of[u] if c >= 0 else -1 for c, u in zip(world.carrier, world.unit_of,
                                                                              strict=True)], np.int64),
            arm_hold=np.array([f.launch.hold if a else 0.0 for a, f in zip(arms, world.target_flight, strict=True)]),
            arm_sigma=np.array([float(cep_to_sigma(a.cep.value)) if a else 0.0 for a in arms]),
            arm_growth=np.array([a.miss_growth.value if a else 0.0 for a in arms]),
            arm_kill=np.array([[a.peak_pk.value if a else 0.0 for a in arms],
                               [a.lethal_area.value if a else 1.0 for a in arms]]).reshape(2, len(arms)),
            decisions=[] if spec.authority.automation is not None else None,
            teaming=None if spec.authority.automation is None else teaming(
                spec.authority.automation, spec.authority.identification, world.profile,
                [units[f] for f in world.fire_ids], posts, [units[home_of(u)[0]] for u in world.unit_ids]),
        )

    @cached_property
    def relocation(self) -> dict[int, Moves]:
        """Each relocating unit (its index) and how it moves (:class:`Moves`)."""
        w, out = self.world, {}
        fire = {u: f for f, u in enumerate(w.fire_unit)}
        for h, unit in enumerate(w.scenario.spec.units):
            plan = unit.relocation
            if plan is None or w.site_number[h] != 0:
                continue
            entry = w.scenario.catalog.types[unit.type]
            crew = w.scenario.proficiency(unit.crew)
            at = [h, *(w.unit_index[f"{unit.id}{SEPARATOR}{j}"] for j in range(1, len(plan.sites) + 1))]
            xy = [w.scenario.sites[w.unit_ids[u]] for u in at]
            travel = [site.travel for site in plan.sites]
            legs = []
            teardown, setup = (entry.teardown.value * crew.reaction_time_factor,
                               entry.setup.value * crew.reaction_time_factor)
            for j in range(len(at)):  # the move to site j from the one before it (to 0: from the last)
                a, b = xy[j - 1], xy[j]
                road = travel[j - 1] if j > 0 and travel[j - 1] is not None else math.hypot(
                    b.x - a.x, b.y - a.y) / entry.road_speed.value
                legs.append(teardown + road + setup)
            out[h] = Moves(plan.after, plan.delay, plan.every if plan.every is not None else np.inf,
                           np.array(at, np.int64), np.array(legs, float),
                           np.array([fire.get(u, -1) for u in at], np.int64), teardown, setup)
        return out

    @cached_property
    def alignment(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(S,) each radar's north-alignment error after a set-up: 1-sigma [rad] and blunder chance as its crew
        sets it up (the catalog's are a trained crew's: both scaled by the error-rate factor), and how long after
        the set-up the crew's check corrects it [s] (its ``correction`` times the reaction-time factor; inf:
        never); zeros and inf for units without ``alignment``."""
        w = self.world
        sigma, blunder, until = np.zeros(len(w.sensor_ids)), np.zeros(len(w.sensor_ids)), np.full(len(w.sensor_ids),
                                                                                                     np.inf)
        for s, u in enumerate(w.sensor_unit):
            unit = w.scenario.spec.units[u]
            entry = sensor_entry(w.scenario, unit)
            if unit.alignment is None or getattr(entry, "alignment_sigma", None) is None:
                continue
            crew = w.scenario.proficiency(unit.crew)
            sigma[s] = entry.alignment_sigma.value * crew.error_rate_factor
            blunder[s] = 1.0 - skilled(1.0 - entry.alignment_blunder.value, crew.error_rate_factor)
            if unit.alignment.correction is not None:
                until[s] = unit.alignment.correction * crew.reaction_time_factor
        return sigma, blunder, until

    @cached_property
    def defended(self) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Point defence: (F,) each fire unit's mode (0 none, :data:`ONLY`, :data:`FIRST`), and per fire unit the
        (n, 3) points it defends (each unit's antenna or mast top: the units it ``defends``, then itself) and their
        (n,) unit indices."""
        w = self.world
        units = {u.id: u for u in w.scenario.spec.units}
        mode = np.array([{None: 0, "only": ONLY, "first": FIRST}[units[f].point_defence_mode] for f in w.fire_ids],
                        np.int8).reshape(len(w.fire_ids))
        ids = [[*units[f].defends, f] if units[f].defends else [] for f in w.fire_ids]
        sites = w.scenario.sites
        points = [np.array([[sites[u].x, sites[u].y, sites[u].ground + units[u].mast_height] for u in names],
                           float).reshape(len(names), 3) for names in ids]
        return mode, points, [np.array([w.unit_index[u] for u in names], np.int64) for names in ids]

    @cached_property
    def misaligned(self) -> bool:
        """Whether any radar may carry a north-alignment error (:attr:`alignment`)."""
        return bool((self.alignment[0] > 0).any() or (self.alignment[1] > 0).any())

    @cached_property
    def cued(self) -> np.ndarray:
        """(S,) bool: the radars dark until cued (on-cue, ambush: :func:`cue`); their first silence waits for it."""
        return np.array([u in self.world.net.cue for u in self.world.sensor_ids], bool).reshape(-1)

    @cached_property
    def cue_fire(self) -> np.ndarray:
        """(S, F) bool: the fire units whose pictures cue each radar (those it can guide)."""
        w = self.world
        return np.array([[unit in names for names in w.guider_names] for unit in w.sensor_ids],
                        bool).reshape(len(w.sensor_ids), len(w.fire_ids))

    @cached_property
    def part_time(self) -> bool:
        """Whether some radar emits part of the time by its schedule (``World.part_time``)."""
        return bool(self.world.part_time.any())

    @cached_property
    def shutdowns(self) -> bool:
        """Whether a radar's emission may depend on the replication: a crew silencing it on an ARM warning, or a cued
        radar waiting (:func:`emit` and the looks then read ``Readiness.silences``)."""
        return bool((self.shutdown[0] > 0).any() or self.cued.any())

    @cached_property
    def warnings(self) -> int:
        """How many silences ``Readiness.silences`` holds per radar: one for a cued radar's wait, and one per
        anti-radiation missile that can be launched at it when crews shut down on a warning; 0 when none."""
        n = int(self.cued.any())
        if (self.shutdown[0] > 0).any():
            radar = self.radar_of[self.radar_of >= 0]
            n += int(np.bincount(radar, minlength=1).max(initial=0))
        return n

    @cached_property
    def track_warned(self) -> np.ndarray:
        """The anti-radiation missiles (by launch time) whose radar's crew is warned by its own track of them and may
        heed it (``shutdown.on: track``)."""
        radar = self.radar_of[self.arms]
        return self.arms[(self.shutdown[3, radar] > 0) & (self.shutdown[0, radar] > 0)]

    @cached_property
    def deciding_crews(self) -> list:
        """Each deciding crew's proficiency, in the deciders' numbering (:func:`deciders`): the command posts', then
        the fire units'."""
        return [*self.cp_crews, *self.fire_crews]

    @cached_property
    def reaction(self) -> np.ndarray:
        """(D,) each deciding crew's reaction time factor (:attr:`deciding_crews`)."""
        return np.array([c.reaction_time_factor for c in self.deciding_crews], float)

    @cached_property
    def guidance_kind(self) -> np.ndarray:
        """(F,) int64 each fire unit's missile guidance as an index into :data:`iadsim.physics.lethality.GUIDANCE`
        (-1: none, the catalog's constant pk)."""
        return np.array([-1 if g is None else GUIDANCE.index(g) for g in self.guidance], np.int64)

    @cached_property
    def no_false_plot(self) -> np.ndarray:
        """(S,) the probability of a look without a false plot, ``exp(-false_plots)`` (Poisson)."""
        return np.exp(-self.false_plots)

    @cached_property
    def passive_plots(self) -> bool:
        """Whether any sensor is passive (its plots are lines of sight: :func:`line_of_sight`)."""
        return not self.world.ranging.all()

    @cached_property
    def ranged_plots(self) -> np.ndarray:
        """(S,) bool: the sensors whose plots err by their own range and azimuth errors (ranging, with
        ``plot_errors``: :func:`iadsim.engine._kernels.ranged_errors`)."""
        return self.world.ranging & np.isfinite(self.plot_errors[:, 0])

    @cached_property
    def steady_emission(self) -> np.ndarray | None:
        """(S,) bool: whether each sensor's emission-control schedule has it on, where no schedule is periodic (then
        the same at every time: :func:`iadsim.network.emcon.emitting`'s answer); None where one is."""
        emcon = self.world.emcon
        return None if np.isfinite(emcon[0]).any() else emitting(0.0, *emcon)

    @cached_property
    def arms(self) -> np.ndarray:
        """The anti-radiation missiles (target indices), by launch time."""
        arms = np.flatnonzero(self.world.arm)
        return arms[np.argsort(self.world.start_time[arms], kind="stable")]

    def event(self, r: int, when: float, kind: EventKind, unit: int = -1, target: int = -1, **numbers) -> None:
        """Log an event of replication row ``r`` at time ``when`` [s]: ``unit`` indexes the scenario's units,
        ``target`` the targets (:mod:`iadsim.events`); a target's place given as :class:`iadsim.engine.log.TargetAt`
        is found when the events' table is built."""
        if self.log is not None:
            self.log.add(int(self.reps[r]), float(when), kind, int(unit), int(target), **numbers)


def _shutdown(unit, scenario) -> tuple[float, float, float, float]:
    """A unit's shutdown on warning as its crew carries it out: the probability that it heeds a warning, its
    reaction [s], the silence [s], and 1 when its own track warns it (0: the launch); zeros without one. The
    scenario's numbers are a trained crew's: the unit's crew multiplies the reaction by its reaction-time factor and
    the chance of missing the warning by its error-rate factor (:class:`iadsim.scenario.models.ProficiencyEffect`);
    a probability of 0 or 1 is doctrine (never, always) and stays."""
    shutdown = unit.emcon.shutdown
    if shutdown is None:
        return 0.0, 0.0, 0.0, 0.0
    crew = scenario.proficiency(unit.crew)
    heeds = skilled(shutdown.probability, crew.error_rate_factor)
    return heeds, shutdown.reaction * crew.reaction_time_factor, shutdown.dark, float(shutdown.on == "track")


def skilled(p: float, error_rate_factor: float) -> float:
    """The chance that a crew of ``error_rate_factor`` does what a trained crew does with chance ``p`` (its chance
    of failing is scaled by the factor); 0 and 1 are doctrine or impossibility (never, always) and stay."""
    return p if p in (0.0, 1.0) else min(1.0, max(0.0, 1.0 - (1.0 - p) * error_rate_factor))


def _value(entries: list, name: str) -> np.ndarray:
    """Each catalog entry's ``name`` value (nan where it gives none)."""
    return np.array([getattr(e, name).value if getattr(e, name, None) is not None else np.nan for e in entries])


def _angle_sigma(sensor, elevation: bool) -> tuple[float, float]:
    """A passive sensor's angle errors [rad], its bearing's and (where it measures one, ``elevation``) its
    elevation's, 0 where not measured: from the model's ``angle_sigma`` (bearing, elevation; inf: not measured),
    else its cross-range error at :data:`~iadsim.tracking.scan.ANGLE_RANGE` over that distance for both. A sensor
    that measures range: (0, 0). Its plots are drawn with each (:func:`angular_noise`) and claim the larger."""
    if measures_range(sensor):
        return 0.0, 0.0
    sigma = getattr(sensor, "angle_sigma", None)
    if sigma is None:
        sigma = (float(np.asarray(sensor.measurement_sigma(ANGLE_RANGE, ANGLE_RANGE))) / ANGLE_RANGE,) * 2
    values = [float(a) for a in sigma]
    bearing = values[0]
    up = values[1] if len(values) > 1 and np.isfinite(values[1]) else bearing  # (none given: the bearing's)
    return bearing, up if elevation else 0.0


def _update_interval(world: World, f: int) -> float:
    """Seconds between a fire unit's missile guidance updates: its seeker's (sarh, active), else its guiding
    radar's look period (nan: no guiding radar among the sensors)."""
    missile = world.missile[f]
    if missile.seeker_update is not None:
        return missile.seeker_update.value
    guider = guiding_radar(world, f)
    return float(world.look_period[world.sensor_ids.index(guider)]) if guider in world.sensor_ids else np.nan


def guiding_radar(world: World, f: int) -> str:
    """The unit whose radar guides fire unit ``f``'s missiles: the first wired to guide it (its own, else the
    first with a fire-control link), or the fire unit itself when none is."""
    return (world.guider_names[f] or [world.fire_ids[f]])[0]


def window(ctx: Context, k: int) -> tuple[float, float]:
    """The times ``[start, end)`` step ``k`` simulates: from its time sample to the next; the last step runs
    to the scenario's duration, inclusive."""
    times = ctx.world.times
    if k + 1 < len(times):
        return float(times[k]), float(times[k + 1])
    return float(times[k]), float(np.nextafter(max(ctx.world.scenario.spec.duration, times[k]), np.inf))


def position_at(w: World, k: int, t, when) -> np.ndarray:
    """Target ``t``'s position at ``when`` within step ``k``'s window of world ``w`` (the sampled velocity carries
    it; a target that starts its route within the window is carried back from the next sample, where it flies). It
    takes the world, not the context: the event log places targets with it and must not hold the context."""
    t, when = np.broadcast_arrays(np.asarray(t).astype(np.int64, casting="same_kind", copy=False),
                                  np.asarray(when, float))
    t0, t1, _, paths = paths_of(w, k)
    return carried(np.ascontiguousarray(t.ravel()), np.ascontiguousarray(when.ravel()), t0, t1,
                   *paths).reshape(t.shape + (3,))  # (numpy's numbers, compiled)


def positions_in(ctx: Context, k: int, t: np.ndarray, when: np.ndarray) -> np.ndarray:
    """(n, 3) :func:`position_at` of targets ``t`` (n,) at times ``when`` (n,) within step ``k``'s window, from the
    step's paths computed once (:func:`true_paths`)."""
    t0, t1, _, paths = true_paths(ctx, k)
    return carried(np.ascontiguousarray(t, np.int64), np.ascontiguousarray(when, float), t0, t1, *paths)


def velocity_at(w: World, k: int, t) -> np.ndarray:
    """(n, 3) [m/s] targets ``t``'s velocities in step ``k``'s window, as :func:`position_at` carries them: the
    sample's, or the next one's for a target that starts its route within the window (float32, as stored)."""
    t = np.asarray(t, np.int64)
    out = w.velocity[k, t]
    if (starting := starting_in(w, k, t)).any():
        out[starting] = w.velocity[k + 1, t[starting]]
    return out


def starting_in(w: World, k: int, t: np.ndarray) -> np.ndarray:
    """(n,) bool: targets ``t`` that start their route within step ``k``'s window (off it at the step's sample, on
    it at the next): what :func:`position_at` and :func:`velocity_at` carry back from the next sample."""
    if not w.starts_within[k]:  # (most steps: no index work)
        return np.zeros(np.shape(t), bool)
    return ~w.active[k, t] & w.active[k + 1, t]


def initial_state(ctx: Context) -> State:
    """Units and links drawn up or down, first failure or repair times, scan phases, identification draws,
    full magazines, free crews, and the kill chains of the drawn states."""
    w, spec, keys = ctx.world, ctx.world.scenario.spec, ctx.keys
    R, T, S = len(ctx.reps), len(w.target_ids), len(w.sensor_ids)
    F, U, L = len(w.fire_ids), len(w.unit_ids), len(w.net.links)
    N = F + len(w.post_ids)  # the nodes that keep a picture: fire units, then command posts
    availability = np.array([u.readiness.availability for u in spec.units])
    healthy = (rng.uniform(keys, 0, S_AVAIL, (U,)) < availability)[:, w.home]  # (a copy shares its unit's health)
    present = np.broadcast_to(w.site_number == 0, (R, U)).copy()  # a relocating unit starts at its own position
    unit_up = healthy & present
    link_p = np.array([w.net.availability[lid] for lid, *_ in w.net.links]) if L else np.zeros(0)
    link_up = rng.uniform(keys, 0, S_LINK, (L,)) < link_p if L else np.zeros((R, 0), bool)
    # exponential time to the first failure of an up unit, or to the repair of a down one (memoryless)
    draw = -np.log1p(-rng.uniform(keys, 0, S_FAIL, (U,)))
    mean = np.where(healthy, ctx.mtbf, ctx.mttr)
    next_event = np.where(np.isfinite(mean) & (w.site_number == 0), draw * mean, np.inf)  # (a unit's own fail)
    ident = spec.authority.identification
    # IFF: each target's transponder works or not for the run; the network's surveillance interrogation of it gets
    # through, and its reply is not missed; each fire unit's own interrogator (the cross-check's) works or not
    transponder = rng.uniform(keys, 0, S_TRANSPONDER, (T,)) < ident.transponder_availability
    missed = rng.uniform(keys, 0, S_ID_SYSTEM, (T,)) < ident.p_transponder_missed
    missed |= rng.uniform(keys, 0, S_INTERROGATE, (T,)) >= ident.interrogator_availability
    missed |= ~transponder
    civil_ok = w.iff_replies
    interrogator = (rng.uniform(keys, 0, S_INTERROGATOR, (U,)) < (ctx.teaming.interrogator if ctx.teaming else 1.0)
                    )[:, w.home]
    count = lambda: np.zeros(R, np.int64)  # noqa: E731
    node_tracks = by_object((R, N, T), dtype=TRACK)  # each node's track of each object: its state and covariance
    st = State(
        time_index=0,
        readiness=Readiness(unit_up, next_event, link_up, able=np.zeros((R, F), bool),
                            feeds=np.zeros((R, F, S), bool), post_feeds=np.zeros((R, len(w.post_ids), S), bool),
                            guides=np.zeros((R, F, S), bool), commander=np.full((R, F), -1, np.int64),
                            emitting=np.zeros((R, S), bool),
                            destroyed_at=np.full((R, U), np.inf), since=np.zeros((R, U)),
                            warned=np.zeros((R, T), bool), bias=_misalignment(ctx), set_up=np.zeros((R, S)),
                            healthy=healthy, present=present,
                            next_move=np.tile([ctx.relocation[u].every if u in ctx.relocation else np.inf
                                               for u in range(U)], (R, 1)).reshape(R, U),
                            moving=np.full((R, U), np.inf), left=np.full((R, U), -np.inf),
                            moves=np.zeros((R, U), np.int64),
                            silences=_silences(ctx, R, S), transponder=transponder,
                            interrogator=interrogator),
        tracks=SensorTracks(phase=rng.uniform(keys, 0, S_PHASE, (S,)) * w.look_period[None, :],
                            table=SensorTrackTable.empty(R, S, ctx.track_slots), dropped=np.zeros(R, np.int64),
                            false_confirmed=np.zeros(R, np.int64), swaps=np.zeros(R, np.int64),
                            breaks=np.zeros(R, np.int64), confirmed_at=np.full((R, S, T), np.inf),
                            held_since=np.full((R, S, T), np.inf), held_until=np.full((R, S, T), -np.inf),
                            reports=[], deliveries=(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))),
        # (its time and update count beside the records, compact: what reads every track reads only these)
        picture=Picture(x=node_tracks["x"], p=node_tracks["p"], track_time=by_object((R, N, T)),
                        updates=by_object((R, N, T), dtype=np.int32),
                        # (R, N, T, P, 4) stored (R, T, N, 4, P): the times of a node's latest bearings of an
                        # object, which every bearing it fuses reads, lie together
                        bearings=by_object((R, N, T, 4, len(ctx.bearings.sensor)), -np.inf).swapaxes(3, 4),
                        stale=np.zeros(R, np.int64), pending=None,
                        system_hostile=~(civil_ok[None, :] & ~missed)),
        engagements=Engagements(phase=np.zeros((R, T), np.int8), fire=np.full((R, T), -1), due=np.zeros((R, T)),
                                rounds=np.zeros((R, T), np.int64), aim=np.zeros((R, T, 3)),
                                decision=np.zeros((R, T)), attempts=np.zeros((R, T), np.int64),
                                launched=np.zeros((R, T)), nominated=np.zeros((R, T)),
                                waiting=np.zeros((R, T), bool), decider=np.full((R, T), -1, np.int64)),
        batteries=Batteries(missiles=np.tile(ctx.magazine, (R, 1)), ready_at=np.zeros((R, F)),
                            busy=np.zeros((R, F), bool), guiding=np.zeros((R, len(ctx.capacity)), np.int64),
                            engaging=np.zeros((R, len(ctx.capacity)), np.int64)),
        crews=Crews(free_at=np.full((R, len(ctx.cp_units) + F, spec.doctrine.concurrent_decisions), -np.inf)),
        outcomes=Outcomes(alive=np.ones((R, T), bool), leaked=np.zeros((R, T), bool), kills=count(),
                          engagements=count(), expended=count(), wrongful=count(), civil_killed=count(),
                          fratricide=count(), friendly_killed=count(), reaction=np.zeros(R), vetoes=count(),
                          holds=count(),
                          first_detection=np.full(R, np.nan), first_engagement=np.full(R, np.nan),
                          emission_time=np.zeros((R, S)), released=np.zeros((R, T), np.int8),
                          arms_shot_down=count(), arms_missed=count(), arms_shot_down_late=count(), at_decoys=count(),
                          decoys_killed=count(), fired=np.zeros((R, F), np.int64),
                          launches=np.zeros((R, F), np.int64), killed_by=np.full((R, T), -1, np.int64),
                          reached=np.zeros((R, T, len(LAYERS)), bool)),
    )
    update_chains(ctx, st.readiness, np.arange(R))
    return st


def _misalignment(ctx: Context, rows=None, ss=None, number=0) -> np.ndarray:
    """Radars' north-alignment errors [rad] after a set-up (units with ``alignment``): with the crew-scaled blunder
    chance uniform on the circle, else normal with the crew-scaled sigma (keyed draws by the set-up's ``number``:
    0 the start, n a relocating unit's n-th move); 0 for the others. (R, S) for every row and radar at the start,
    else (n,) for rows ``rows`` and radars ``ss``."""
    sigma, blunder, _ = ctx.alignment
    S = len(sigma)
    if rows is None:
        u = rng.uniform_at(ctx.keys[:, None], number, S_ALIGN, np.arange(2 * S).reshape(1, 2 * S)).reshape(
            len(ctx.keys), S, 2)
        s = slice(None)
    else:
        rows, s = np.asarray(rows, np.int64), np.asarray(ss, np.int64)
        u = rng.uniform_at(ctx.keys[rows][:, None], number, S_ALIGN, np.stack([2 * s, 2 * s + 1], axis=-1))
    error = np.where(u[..., 0] < blunder[s], (2 * u[..., 1] - 1) * np.pi,
                     sigma[s] * ndtri(np.clip(u[..., 1], 1e-300, 1.0)))
    return np.where((sigma[s] > 0) | (blunder[s] > 0), error, 0.0)


def _silences(ctx: Context, R: int, S: int) -> np.ndarray:
    """(R, S, M, 4) no silence yet (inf, inf, inf, -1), but a cued radar's wait: silent from always until cued
    (:func:`cue` sets its end), known to its crew from the start."""
    out = np.tile(np.array([np.inf, np.inf, np.inf, -1.0]), (R, S, ctx.warnings, 1))
    if ctx.cued.any():
        out[:, ctx.cued, 0, 0] = out[:, ctx.cued, 0, 2] = -np.inf
    return out


TRACK = np.dtype([("x", np.float64, (6,)), ("p", np.float64, (3, 3))], align=True)
"""A node's track of an object, its state and covariance side by side (120 bytes): fusing a report reads and writes them
together (:func:`iadsim.tracking.picture.fuse_reports`), and in one record they lie on two or three cache lines
rather than on three or four in separate arrays (``fuse_reports`` about a tenth faster at 500 replications; results
bit-identical). The track's time and update count are kept apart, in compact arrays laid out the same way: the time
series' and the states' recorders read them for every node and object at each sample, and reading them inside the
records walked every record (:func:`iadsim.analysis.metrics.held_by_nodes`: about 2.5 times as long, with cold caches,
at 500 replications; ``fuse_reports`` no slower)."""


def by_object(shape: tuple, fill=0.0, dtype=float) -> np.ndarray:
    """A picture array of ``shape`` (R, N, T, ...) filled with ``fill``, laid out (R, T, N, ...) in memory: the
    nodes' tracks of one object lie together, so a report reaching many nodes (:func:`fuse_until`) touches
    neighbouring memory rather than memory a whole picture apart per node (the same values, indexed the same
    way). Zeros are left to the operating system (:func:`iadsim.memory.sparse_zeros`: pages a run never writes
    take no memory)."""
    stored = shape[:1] + shape[2:3] + shape[1:2] + shape[3:]
    return (sparse_zeros(stored, dtype) if fill == 0 else np.full(stored, fill, dtype)).swapaxes(1, 2)


# ------------------------------------------------------------------------------------------------ readiness

def update_chains(ctx: Context, rd: Readiness, rows) -> None:
    """Re-apply the kill-chain rules for replications whose unit or link states changed: a state seen before is
    looked up; a new one re-evaluates only the fire units and command posts whose own components
    (:func:`iadsim.network.compiled.relevant_components`: what can change their chain) changed state."""
    w = ctx.world
    sensor_pos = {s: j for j, s in enumerate(w.sensor_ids)}
    post_pos = {w.unit_ids[u]: d for d, u in enumerate(ctx.cp_units.tolist())}  # (the deciding crews' order)
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
            commander = np.full(len(w.fire_ids), -1, np.int64)
            for f, fu in enumerate(w.fire_ids):
                key = node_state(ctx, fu, rd, r)
                if key not in ctx.chain_cache:
                    status = evaluate(w.net, fu, up)
                    one = np.zeros((2, len(w.sensor_ids)), bool)
                    one[0, [sensor_pos[s] for s in status.sensors]] = True
                    if status.able:
                        one[1, [sensor_pos[g] for g in status.guiders if g in sensor_pos]] = True
                    commands = post_pos[status.commanders[0]] if status.able and status.commanders else -1
                    ctx.chain_cache[key] = (status.able, one, commands)
                able[f], (feeds[f], guides[f]), commander[f] = ctx.chain_cache[key]
            posts = np.zeros((len(w.post_ids), len(w.sensor_ids)), bool)
            for c, post in enumerate(w.post_ids):
                key = node_state(ctx, post, rd, r)
                if key not in ctx.chain_cache:
                    one = np.zeros(len(w.sensor_ids), bool)
                    one[[sensor_pos[s] for s in picture_sources(w.net, post, up)]] = True
                    ctx.chain_cache[key] = one
                posts[c] = ctx.chain_cache[key]
            cached = ctx.chain_cache[down] = (able, feeds, guides, posts, commander)
        rd.able[r], rd.feeds[r], rd.guides[r], rd.post_feeds[r], rd.commander[r] = cached


def node_state(ctx: Context, node: str, rd: Readiness, r: int) -> tuple:
    """A key of the state of what can change ``node``'s chain in row ``r``: its relevant units and links that
    are down (:func:`iadsim.network.compiled.relevant_components`, found once per node)."""
    if node not in ctx.relevant:
        w = ctx.world
        units, links = {u: i for i, u in enumerate(w.unit_ids)}, {lid: i for i, (lid, *_) in enumerate(w.net.links)}
        comps = relevant_components(w.net, node)
        ctx.relevant[node] = (np.array([units[c] for c in comps if c in units], np.int64),
                              np.array([links[c] for c in comps if c in links], np.int64))
    unit, link = ctx.relevant[node]
    return node, np.flatnonzero(~rd.unit_up[r, unit]).tobytes(), np.flatnonzero(~rd.link_up[r, link]).tobytes()


def repair_and_fail(ctx: Context, k: int, rd: Readiness, trk: SensorTracks) -> None:
    """Units fail and are repaired at exponential times (MTBF, MTTR) when the scenario gives them: each failure or
    repair takes effect at the time sample nearest it (at most one a step), and the next is drawn from its own
    time, not the sample's, so that up and down times keep their means whatever the step. A failed unit's sensors
    drop their tracks then (:func:`end_tracks`): repaired, they start again from their looks."""
    now = float(ctx.world.times[k])
    _, k1, middle = nearer_samples(ctx, k)
    due = rd.next_event < middle if k1 > k else rd.next_event <= now
    if not due.any():
        return
    draw = -np.log1p(-rng.uniform(ctx.keys, k + 1, S_FAIL, (len(ctx.mtbf),)))  # (counter 0: the first draws)
    rd.healthy = np.where(due, ~rd.healthy, rd.healthy)
    rd.next_event = np.where(due, rd.next_event + draw * np.where(rd.healthy, ctx.mtbf, ctx.mttr), rd.next_event)
    w = ctx.world
    rd.healthy = rd.healthy[:, w.home]  # a relocating unit's copies share its health
    changed = due[:, w.home]
    rd.since = np.where(changed & rd.present, now, rd.since)
    rd.unit_up = rd.healthy & rd.present & ~np.isfinite(rd.destroyed_at)
    for r, u in zip(*np.nonzero(due), strict=True):
        mv = ctx.relocation.get(int(u))  # (a relocating unit: at the site it stands at, or is nearest to)
        moving = np.isfinite(rd.moving[r, u]) and now < rd.moving[r, u] - mv.setup if mv is not None else False
        at = u if mv is None else int(mv.units[(rd.moves[r, u] - moving) % len(mv.units)])
        ctx.event(r, now, EventKind.REPAIRED if rd.healthy[r, u] else EventKind.FAILED, at)
        if not rd.healthy[r, u]:
            for v in np.flatnonzero(w.home == w.home[u]):
                end_tracks(trk, w, int(r), int(v), now)
    update_chains(ctx, rd, np.flatnonzero(due.any(axis=1)))


# ------------------------------------------------------------------------------------------------ emission

def emit(ctx: Context, k: int, rd: Readiness) -> None:
    """Which radars radiate at the start of step ``k``'s window: those that work and whose emission-control schedule
    has them on, unless their crew silenced them (:mod:`iadsim.network.emcon`; a unit's state changes only at the
    step's time sample, or when it is destroyed). A change from the end of the last window (a failure, a repair, the
    schedule, a silence) is an ``emitter_on`` or ``emitter_off`` event at the window's start; what happens inside the
    window is accounted once it has been simulated (:func:`account_emission`)."""
    w = ctx.world
    start, _ = window(ctx, k)
    schedule = ctx.steady_emission if ctx.steady_emission is not None else emitting(start, *w.emcon)
    ctx.emit_up, now_on, changed = emitters(rd.unit_up, w.sensor_unit, w.sensing & w.radiates, schedule, rd.silences,
                                            start, rd.emitting)  # (compiled: each radar up, then on)
    for r, s in zip(*np.nonzero(now_on != rd.emitting), strict=True) if changed else ():
        ctx.event(r, start, EventKind.EMITTER_ON if now_on[r, s] else EventKind.EMITTER_OFF, w.sensor_unit[s])
    rd.emitting = now_on


def account_emission(ctx: Context, k: int, rd: Readiness, out: Outcomes) -> None:
    """Once step ``k``'s window is simulated: each radar's emission time over it and its switches inside it, at
    their times (the schedule's, a silence's start and end, its destruction: a switch at or after that instant did
    not happen), its crew's shutdowns that begin in it, and its state at the window's end. Radars whose window
    holds no silence's edge and no destruction take the schedule's arithmetic over all replications at once (or
    none, silent throughout)."""
    w = ctx.world
    start, end = window(ctx, k)
    up = ctx.emit_up
    on_span = on_time(start, end, *w.emcon) if ctx.part_time else np.full(len(w.sensor_ids), end - start)  # (S,)
    # (compiled: the radars whose window holds a silence's edge or a destruction, those a silence darkens throughout,
    # the others' span added, and the shutdowns beginning in the window)
    edge, plain, any_edge, (r_, s_, m_) = emission_spans(up, rd.destroyed_at, w.sensor_unit, rd.silences, start, end,
                                                         on_span, out.emission_time, rd.emitting)
    for r, s, m in zip(r_, s_, m_, strict=True):
        t = int(rd.silences[r, s, m, 3])
        if ctx.radar_of[t] == s:  # (a relocating radar's other sites keep its silence: one shutdown)
            ctx.event(r, rd.silences[r, s, m, 0], EventKind.SHUTDOWN, w.sensor_unit[s], t)
    for s in np.flatnonzero(w.part_time) if ctx.part_time else ():  # (otherwise every radar is always on, or silent
        turns = switches(start, end, Schedule(*w.emcon[:, s]))  #      and then not sensing)
        rows = np.flatnonzero(plain[:, s])
        if turns:
            rd.emitting[rows, s] = turns[-1][1]
            for r in rows if ctx.log is not None else ():
                for when, state in turns:
                    ctx.event(r, when, EventKind.EMITTER_ON if state else EventKind.EMITTER_OFF, w.sensor_unit[s])
    for r, s in zip(*np.nonzero(edge), strict=True) if any_edge else ():
        first, turns, span = interrupted(start, end, Schedule(*w.emcon[:, s]), rd.silences[r, s, :, :2],
                                         rd.destroyed_at[r, w.sensor_unit[s]])
        out.emission_time[r, s] += span
        if rd.emitting[r, s] and not first:  # destroyed at the window's start itself, emitting then
            ctx.event(r, start, EventKind.EMITTER_OFF, w.sensor_unit[s])
        rd.emitting[r, s] = turns[-1][1] if turns else first
        for when, state in turns:
            ctx.event(r, when, EventKind.EMITTER_ON if state else EventKind.EMITTER_OFF, w.sensor_unit[s])


# ------------------------------------------------------------------------------------------------ sensing

def looks_in(ctx: Context, trk: SensorTracks, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """(R, S) number of each sensor's first look in ``[start, end)`` and how many it makes there: look n is at
    ``phase + n * look_period``."""
    return looks_between(trk.phase, ctx.world.look_period, float(start), float(end))


def sense(ctx: Context, k: int, rd: Readiness, trk: SensorTracks, out: Outcomes) -> None:
    """Each sensor's looks in the step's window, at its own times, in order, for sensors that work and sense:
    a detection draw per target from the look's Pd (the geometry sample nearer the look; a target only from its
    start until its arrival), the detections' plots (targets the sensor does not resolve merge; keyed measurement
    noise) and the look's false plots, and the
    sensor's own tracks (:func:`iadsim.tracking.scan.scan_looks`: GNN association, M-of-N, drop after K
    missed looks). The reports of the sensors' confirmed tracks are kept in ``trk.reports`` for the fire
    units' pictures, and each object a sensor newly follows reaches the fire units' pictures (its confirmation
    time plus each link latency from its sensor) through ``trk.deliveries``."""
    w = ctx.world
    start, end = window(ctx, k)
    first, count = looks_in(ctx, trk, start, end)
    trk.reports = []  # each look batch's track reports (row, sensor, object), REPORT_FIELDS
    sensing = rd.unit_up[:, w.sensor_unit] & w.sensing[None, :]  # working, and able to sense (a radar emits)
    timed = ctx.part_time or ctx.shutdowns  # radars that emit part of the time: dark at a look, they find nothing
    flying = out.alive & ~out.leaked
    n_t = len(w.target_ids)
    ss, tt, pd, sigmas, middle = step_looks(ctx, k)  # draws only where a look can succeed: a full draw's numbers
    tab, m, n = trk.table, *ctx.confirm
    confirmed = np.empty(trk.confirmed_at.size, np.int64)
    t0, t1, _, paths = true_paths(ctx, k)  # (position_at's numbers)
    for j in range(int(count.max(initial=0))):
        number, looking, when, lr, ls = look_batch(first, count, j, sensing, trk.phase, w.look_period)  # (R, S)
        if not len(lr):  # (the looks, by replication then sensor)
            continue
        # (compiled: the looks whose radar emits then, by its schedule and not silenced by its crew)
        lit = lit_looks(looking, when, *w.emcon, rd.silences) if timed else looking
        # the detections, by replication then pair: their (row, sensor, target, time), the targets' positions then,
        # their errors, Pd, the entries (r, s, t, :) of a full keyed normal draw (rng.normal_at's numbers) and where
        # each look's detections start (a detection's look is among the looks)
        rr, ds, dt, at, pos, sigma, det_pd, noise, det_ptr = look_plots(
            ctx.keys, number, lit, flying, ss, tt, pd, sigmas, when, middle, w.start_time, w.arrival_time, n_t,
            S_DETECT, S_NOISE, out.first_detection, w.threat, lr, ls, t0, t1, *paths)
        if ctx.misaligned:  # a radar set up with a north error reports every azimuth off by it until corrected
            corrected = rd.set_up[rr, ds] + ctx.alignment[2][ds]
            pos = rotated(pos, w.sensor_position[ds], np.where(at < corrected, rd.bias[rr, ds], 0.0))
        angle = ~w.ranging[ds] if ctx.passive_plots else NO_PLOTS  # a passive sensor's: its line of sight, as a plot
        if angle.any():  # ANGLE_RANGE out (its plot claims the larger of its angle errors: one variance per plot)
            pos[angle] = line_of_sight(ctx, ds[angle], pos[angle])
            sigma[angle] = ANGLE_RANGE * ctx.angle_sigma[ds[angle]].max(axis=1)
            noise[angle] = angular_noise(ctx, ds[angle], pos[angle], noise[angle], np.maximum(sigma[angle], MIN_SIGMA))
        scale = np.maximum(sigma, MIN_SIGMA)  # (what each plot's noise is multiplied by)
        ranged = np.flatnonzero(ctx.ranged_plots[ds])
        if len(ranged):  # (in place: a ranging sensor's own range and azimuth errors)
            ranged_errors(w.sensor_position, ctx.plot_errors, ds, pos, noise, scale, ranged)
        fa_ptr, fa_z, fa_var = false_plots(ctx, lr, ls, number[lr, ls], lit[lr, ls] if timed else None)
        n_conf, n_out = scan_looks(
            lr, ls, when[lr, ls], det_ptr, dt, pos, noise, scale, det_pd, fa_ptr, fa_z, fa_var,
            w.sensor_position, ctx.resolution, tab.x, tab.p, tab.status, tab.hits, tab.scans, tab.misses, tab.truth,
            tab.time, tab.top, m, n, ctx.drop_after, ctx.process_noise, ctx.initial_speed_sigma**2, ctx.gate,
            trk.confirmed_at, trk.held_since, trk.held_until, flying, trk.dropped, trk.false_confirmed, trk.swaps,
            trk.breaks, confirmed, out_i := np.empty((len(rr), 3), np.int64), out_f := np.empty((len(rr), 5)))
        if n_out:
            trk.reports.append((out_i[:n_out], out_f[:n_out]))
        if n_conf:
            deliver(ctx, trk, *np.unravel_index(confirmed[:n_conf], trk.confirmed_at.shape), when)


def step_looks(ctx: Context, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """The (sensor, target) pairs a look of step ``k`` can detect, by sensor then target: those with a Pd at the
    step's geometry sample or the next (:func:`nearer_samples`), (2, P) their one-look Pd and 1-sigma measurement
    error at each sample (0 where not seen there), and the time from which a look reads the next. Computed once."""
    if ctx.looks_now[0] != k:
        w = ctx.world
        looks, (k0, k1, middle) = w.looks, nearer_samples(ctx, k)
        active0, active1 = w.active[k0], w.active[k1]
        ctx.looks_now = (k, (*step_pairs(looks.ptr, looks.sensor, looks.target, looks.pd, looks.sigma, k0, k1,
                                         len(w.target_ids), active0, active1, bool(w.route_changes[k0])),
                             middle))
    return ctx.looks_now[1]


def rotated(position: np.ndarray, about: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(n, 3) ``position`` as a radar at ``about`` (n, 3) whose north is off by ``bias`` (n,) [rad] reports it: its
    azimuth (clockwise from north) plus the bias, at the same range and height."""
    dx, dy = position[:, 0] - about[:, 0], position[:, 1] - about[:, 1]
    c, s = np.cos(bias), np.sin(bias)
    out = position.copy()
    out[:, 0], out[:, 1] = about[:, 0] + dx * c + dy * s, about[:, 1] - dx * s + dy * c
    return out


def silenced(rd: Readiness, when) -> np.ndarray:
    """(R, S) bool: each radar's crew has silenced it at times ``when`` (R, S) or a scalar (``Readiness.silences``;
    none without ARM warnings or cued radars, :attr:`Context.warnings`)."""
    return silenced_at(rd.silences, when)


def line_of_sight(ctx: Context, ss, position) -> np.ndarray:
    """(n, 3) the point :data:`iadsim.tracking.scan.ANGLE_RANGE` from passive sensors ``ss`` towards ``position``
    (n, 3): along the line of sight, or for a sensor that measures no elevation its bearing on the horizontal."""
    origin = ctx.world.sensor_position[ss]
    d = position - origin
    bearing = np.arctan2(d[:, 0], d[:, 1])
    elevation = np.where(ctx.bearings.elevation[ss], np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1])), 0.0)
    return origin + ANGLE_RANGE * np.stack([np.sin(bearing) * np.cos(elevation), np.cos(bearing) * np.cos(elevation),
                                            np.sin(elevation)], axis=-1)


def angular_noise(ctx: Context, ss, sight, noise, scale) -> np.ndarray:
    """(n, 3) the errors, in units of ``scale`` (n,) [m] (what the plot's noise is multiplied by), that put passive
    sensors ``ss``'s lines of sight ``sight`` (n, 3) (:func:`line_of_sight`) off by a bearing error and an elevation
    error of their own sigmas (``Context.angle_sigma``), from standard normal draws ``noise`` (n, 3) (the first two;
    none along the line of sight). An error in bearing moves the point :data:`~iadsim.tracking.scan.ANGLE_RANGE`
    times ``cos(elevation)`` times it across, one in elevation ``ANGLE_RANGE`` times it up (to first order: a
    fraction of a percent for errors of a degree). Isotropic noise on the point erred in bearing by
    ``sigma / cos(elevation)``: twice the catalog's at 60 degrees, where the fire unit claimed the catalog's."""
    d = sight - ctx.world.sensor_position[ss]
    bearing = np.arctan2(d[:, 0], d[:, 1])
    elevation = np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1]))
    across = noise[:, 0] * ANGLE_RANGE * ctx.angle_sigma[ss, 0] * np.cos(elevation) / scale
    up = noise[:, 1] * ANGLE_RANGE * ctx.angle_sigma[ss, 1] / scale
    sb, cb, se, ce = np.sin(bearing), np.cos(bearing), np.sin(elevation), np.cos(elevation)
    return (across[:, None] * np.stack([cb, -sb, np.zeros_like(sb)], axis=-1)
            + up[:, None] * np.stack([-sb * se, -cb * se, ce], axis=-1))


def false_plots(ctx: Context, lr, ls, number, lit=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The false plots of looks (rows ``lr``, sensors ``ls``, look numbers ``number``): a Poisson number with
    the sensor's mean per look, each uniform in range, bearing and elevation over what the look searches
    (the sensor's ``search_volume``; keyed draws), with the sensor's measurement error there as its variance;
    none in a look whose radar is dark (``lit`` False). Returns (pointers (L + 1,), positions, variances)."""
    w = ctx.world
    n_false, large, u = false_plot_counts(ctx.keys, lr, ls, number, NO_PLOTS if lit is None else lit,
                                          ctx.no_false_plot, ctx.false_plots, S_FALSE)  # (rng.uniform_at's draws)
    if large.any():  # (means whose sum of terms nears underflow: scipy's)
        n_false[large] = poisson.ppf(u[large], ctx.false_plots[ls[large]]).astype(np.int64)
    if not n_false.any():
        return np.zeros(len(lr) + 1, np.int64), np.zeros((0, 3)), np.zeros(0)
    ptr, z, order, by_sensor, slant, ground = false_plot_places(
        ctx.keys, lr, ls, number, n_false, S_FALSE_AT, len(w.sensor_ids), ctx.search_volume, w.sensor_position)
    sigma = np.empty(len(order))  # the sensor's measurement error there (by sensor, then in plot order)
    for sensor in np.flatnonzero(by_sensor[1:] > by_sensor[:-1]).tolist():
        a, b = by_sensor[sensor], by_sensor[sensor + 1]
        sigma[a:b] = w.sensors[sensor].measurement_sigma(slant[a:b], ground[a:b])
    var = np.empty(len(order))
    var[order] = np.maximum(sigma, MIN_SIGMA) ** 2
    return ptr, z, var


def deliver(ctx: Context, trk: SensorTracks, rr, ss, tt, when) -> None:
    """Tracks of sensors ``ss`` confirmed at ``when[rr, ss]`` reach the fire units' pictures after each link
    latency from their sensor: add those times to ``trk.deliveries``."""
    r, t, at = trk.deliveries
    rs, ts, times = [r], [t], [at]
    for lag, sensors in ctx.lags:
        i = np.flatnonzero(sensors[ss])
        rs.append(rr[i])
        ts.append(tt[i])
        times.append(when[rr[i], ss[i]] + lag)
    trk.deliveries = (np.concatenate(rs), np.concatenate(ts), np.concatenate(times))


def track(ctx: Context, k: int, trk: SensorTracks, pic: Picture) -> None:
    """The step's track reports (each at its plot's time) joined to those still on their way from earlier
    steps and sorted by (replication, object, time) into ``pic.pending``; the fire-control cycle fuses each
    into a fire unit's picture as its clock passes the report's arrival there (:func:`fuse_until`), so a
    decision sees the picture as it is at that moment."""
    if not trk.reports:
        return
    ids, numbers = (np.concatenate(a) for a in zip(*trk.reports, strict=True))
    next_at = next_arrival(numbers[:, 0], ids[:, 1], np.zeros(len(ids), np.int64), ctx.node_latency, ctx.node_order,
                           ctx.node_reach)
    q = NO_REPORTS if pic.pending is None else pic.pending  # (those from earlier steps: first on a tie)
    pic.pending = Reports(*merge_reports(q.rows, q.sensors, q.targets, q.numbers, q.arrived, q.next_at, ids, numbers,
                                         next_at, len(ctx.reps)))


def node_feeds(rd: Readiness) -> np.ndarray:
    """(R, N, S) whether each sensor feeds each node's picture: the fire units', then the command posts'."""
    return np.concatenate([rd.feeds, rd.post_feeds], axis=1) if rd.post_feeds.shape[1] else rd.feeds


def fuse_until(ctx: Context, pic: Picture, feeds: np.ndarray, clock: np.ndarray, rows: np.ndarray | None = None,
               ) -> None:
    """Fuse the pending reports of replication rows ``rows`` (all: None) that have reached a node (a fire unit or
    a command post) by their row's clock into its picture (:func:`iadsim.tracking.picture.fuse_reports`: over
    the paths up in ``feeds`` (R, N, S), in time order per track); reports that have reached every node they
    will are let go."""
    q = pic.pending
    if q is None:
        return
    if rows is None:
        i = due_reports(True, NO_ROWS, NO_ROWS, clock, q.rows, q.next_at)
    else:  # (each row's reports are one slice)
        i = due_reports(False, np.ascontiguousarray(rows, np.int64), pending_rows(ctx, q), clock, q.rows, q.next_at)
    if len(i):
        fuse_reports(pic.x, pic.p, pic.track_time, pic.updates, pic.stale, pic.bearings, i, q.rows, q.sensors,
                     q.targets, q.numbers, ctx.node_latency, feeds, clock, q.arrived, q.next_at, ctx.node_order,
                     ctx.node_reach, ctx.process_noise, ctx.world.look_period, ctx.initial_speed_sigma**2,
                     ctx.bearings)
    if rows is None:  # the end of a step: keep only the reports still on their way
        keep = np.isfinite(q.next_at)
        if not (len(keep) and keep.all()):  # (all on their way: the same reports, and pending_rows' pointers stand)
            pic.pending = Reports(*on_their_way(q.rows, q.sensors, q.targets, q.numbers, q.arrived, q.next_at)) \
                if keep.any() else None


def triples(rr, ff, tt, *times) -> tuple:
    """Rows, fire units (or nodes) and targets as int64 and ``times`` as float64, one flat contiguous array each of one
    length (broadcast together where their shapes differ): what the compiled kernels of the pair chain read."""
    arrays = [rr, ff, tt, *times]
    shape = getattr(rr, "shape", ())
    for a in arrays:
        if len(shape) != 1 or getattr(a, "shape", ()) != shape:
            arrays = [a.ravel() for a in np.broadcast_arrays(*arrays)]
            break
    for n, a in enumerate(arrays):
        arrays[n] = np.ascontiguousarray(a, np.int64 if n < 3 else np.float64)
    return tuple(arrays)


def predicted_error(pic: Picture, rr, ff, tt, ahead) -> np.ndarray:
    """RMS 3-D position error [m] of fire units ``ff``'s tracks of (rows ``rr``, targets ``tt``) predicted
    ``ahead`` seconds past their last update at constant velocity: the estimate's error alone, without process
    noise (a manoeuvre over that time is the end game's: :func:`single_shot_pk`) (inf: no track)."""
    return predicted_errors(pic.p, pic.updates, *triples(rr, ff, tt, ahead))  # (compiled)


# ------------------------------------------------------------------------------------------------ fire control

def fire_control(ctx: Context, k: int, st: State) -> None:
    """The fire-control cycle over the step's window, event by event: each replication advances its clock
    to its next event (an intercept, the end of a kill assessment or of an authorisation, a launcher free
    again, a track delivered to a fire unit, a target taking off, entering a launch envelope, coming into a guiding
    radar's sight or reaching its asset, a guiding radar coming back on (:func:`openings`, :func:`lit_again`), a
    waiting target's report reaching a fire unit or its own solution opening as its track flies on; only targets
    taken for hostile wake a replication), handles what is due then in a fixed order, and assigns its free fire
    units; replications with nothing left wait for the next step."""
    start, end = window(ctx, k)
    clock = np.full(len(ctx.reps), start)
    rows = np.arange(len(ctx.reps))
    r, t, at = st.tracks.deliveries
    keep = at >= start  # deliveries from now on; those in the window may open engagements
    st.tracks.deliveries = r, t, at = r[keep], t[keep], at[keep]
    now = np.flatnonzero(at < end)
    now = now[np.argsort(r[now], kind="stable")]  # by row (then as delivered)
    delivered = (row_pointers(r[now], len(ctx.reps)), t[now], at[now])
    ctx.wakes.clear()
    w, out = ctx.world, st.outcomes
    # targets flying in the window, alive and taken for hostile in some replication, fire units able in some
    # replication: none changes back within a window, so no replication's events depend on the others
    candidates = flying_hostile(out.alive, out.leaked, st.picture.system_hostile)  # (compiled: `any` over the rows)
    open_ = (w.start_time < end) & (w.arrival_time > start) & candidates
    guides = st.readiness.guides  # (R, F, S)
    n_r, n_f, n_s = guides.shape
    guiding = columns_any(guides.reshape(n_r, n_f * n_s)).reshape(n_f, n_s).any(axis=0)  # the radars that may guide
    #                                                                                   (none starts to within a window)
    opened = openings(ctx, k, start, end, open_, columns_any(st.readiness.able), guiding)
    lit = lit_again(ctx, st.readiness, start, end, open_, guiding) if ctx.shutdowns else ()
    if len(lit) and len(lit[0]):  # a crew's silence ending wakes its row as a delivery does
        ctx.wakes.append(lit)
        delivered = with_wakes(ctx, delivered)
    feeds = node_feeds(st.readiness)  # (the paths change only between steps)
    while len(rows):
        fuse_until(ctx, st.picture, feeds, clock, rows)
        assess(ctx, k, st, clock, rows)
        if leak(ctx, k, st, clock, rows):  # a unit destroyed: the paths change now
            feeds = node_feeds(st.readiness)
        again = authorise(ctx, k, st, clock, rows)
        nominated, held = assign(ctx, k, st, clock, rows)
        if len(nominated):
            again = union(again, authorise(ctx, k, st, clock, rows))  # what needs no wait goes at once
        # a release or the automation's hold leaves a fire unit free, and an assigner may leave one free beside
        # another's nomination (greedy: two on the most urgent target, one kept): assign them again now
        again = union(union(again, held), nominated)
        for _ in range(2 * len(w.target_ids) + len(w.fire_ids)):
            if not len(again):
                break
            nominated, held = assign(ctx, k, st, clock, again)
            if not len(nominated):
                break
            again = union(union(authorise(ctx, k, st, clock, again), held), nominated)
        if ctx.wakes:  # own solutions opening later in the window wake their rows as deliveries do
            delivered = with_wakes(ctx, delivered)
        rows, nxt = next_events(ctx, st, clock, end, delivered, opened, rows)
        clock[rows] = nxt
    # what arrives in the window (a report arriving at its end is the next step's, with that step's feeds)
    fuse_until(ctx, st.picture, feeds, np.full(len(ctx.reps), np.nextafter(end, -np.inf)))
    account_emission(ctx, k, st.readiness, st.outcomes)


def lit_again(ctx: Context, rd: Readiness, start: float, end: float, open_: np.ndarray,
              guiding: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, targets, times): the moments in ``(start, end)`` at which a silence of a crew (an ARM warning's, a
    cued radar's wait) ends on a radar that may guide (``guiding`` (S,)), for each target flying in the window
    (``open_`` (T,)): from then the radar may guide a launch (:func:`guided`) at a track it held through the dark,
    and nothing else need wake the replication then. (Its schedule switching on is the same in every row:
    :func:`openings`.)"""
    return silences_ending(rd.silences, start, end, guiding, np.flatnonzero(open_))  # (compiled)


def with_wakes(ctx: Context, delivered: tuple) -> tuple:
    """``delivered`` (pointers by row, targets, times: what wakes a row for a flying idle target, :func:`next_events`)
    with the moments :func:`assign` found a fire unit's own solution opening (``Context.wakes``, then emptied)."""
    ptr, t, at = delivered
    r = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    rows = np.concatenate([r, *(w[0] for w in ctx.wakes)])
    targets = np.concatenate([t, *(w[1] for w in ctx.wakes)])
    times = np.concatenate([at, *(w[2] for w in ctx.wakes)])
    ctx.wakes.clear()
    keep = np.isfinite(times)
    order = np.argsort(rows[keep], kind="stable")
    rows, targets, times = rows[keep][order], targets[keep][order], times[keep][order]
    return row_pointers(rows, len(ctx.reps)), targets, times


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rows in ``a`` or ``b`` (each sorted, without repeats, as :func:`authorise` and :func:`assign` return them),
    sorted: numpy's ``union1d``, without its work when one is empty (the common case; then the other is returned
    itself, not a copy)."""
    return b if not len(a) else a if not len(b) else np.union1d(a, b)


def reach_layers(ctx: Context, k: int, st: State) -> None:
    """The targets flying at step ``k``'s time sample whose intercept lies inside the launch envelope and sector of
    a fire unit of a defensive layer that stands there (present and not destroyed, working or not): they have
    reached that layer (``Outcomes.reached``; a launch by one of its fire units marks it too)."""
    w, rd, out = ctx.world, st.readiness, st.outcomes
    if not (w.layer >= 0).any():
        return
    layers_reached(rd.present, rd.destroyed_at, w.fire_unit, w.layer, geometry(ctx, k), out.alive, out.leaked,
                   w.active[k], out.reached)  # (compiled)


NO_PAIRS = np.zeros((0, 0), bool)
"""No (fire unit, target) geometry: :func:`openings` past the last step, or with nothing to open."""


def openings(ctx: Context, k: int, start: float, end: float, open_: np.ndarray, able: np.ndarray,
             guiding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(targets, times) in ``[start, end)`` at which a target takes off, the intercept point of a target flying in
    the window (``open_`` (T,)) enters the launch envelope of a fire unit that may fire (``able`` (F,)), found
    between the step's geometry samples to 1 ms, such a target comes into the sight of a sensor that may guide
    a fire unit (``guiding`` (S,)): at the window's middle, from which :func:`known` reads the next sample, or such
    a sensor's emission-control schedule switches it on (a track held through the dark may be engaged from then:
    :func:`guided`). The same times for every replication."""
    w = ctx.world
    entering = k + 1 < len(w.times) and open_.any() and able.any()  # (none after the last step)
    here, after = (geometry(ctx, k), geometry(ctx, k + 1)) if entering else (NO_PAIRS, NO_PAIRS)
    sight, middle = visible(ctx, k)  # (what a sensor sees is read at the nearer sample: a target coming into a
    #                                   guiding radar's sight does at the window's middle)
    starting, f, t, coming = opening_pairs(w.start_time, start, end, here, after, open_, able, sight[0], sight[1],
                                           guiding, middle)
    targets, times = [starting], [w.start_time[starting]]
    if len(f):  # the intercept entering an envelope between the samples: found to 1 ms
        points = int(np.ceil((w.times[k + 1] - start) / 1e-3))  # every millisecond of the window, at once
        grid = start + (w.times[k + 1] - start) * np.arange(1, points + 1) / points
        inside = engagement_geometry(ctx, k, f[:, None], t[:, None], grid[None, :])[2]
        # the first point inside (none: a turn between the samples; the next sample decides)
        targets.append(t)
        times.append(np.where(inside.any(axis=1), grid[np.argmax(inside, axis=1)], w.times[k + 1]))
    targets.append(coming)
    times.append(np.full(len(coming), middle))
    if ctx.part_time:
        flying = np.flatnonzero(open_)
        for s in np.flatnonzero(guiding & np.isfinite(w.emcon[0])):
            for when in (when for when, on in switches(start, end, Schedule(*w.emcon[:, s])) if on):
                targets.append(flying)
                times.append(np.full(len(flying), when))
    return np.concatenate(targets), np.concatenate(times)


def next_events(ctx: Context, st: State, clock: np.ndarray, end: float, delivered: tuple, opened: tuple,
                rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of replication rows ``rows`` (those just handled: the others' next events have not changed), those
    with an event after their clock and before ``end``, and its time (:func:`iadsim.engine._kernels.next_event_times`:
    an engagement's due time, a threat reaching its asset, and for a row with a flying idle target taken for hostile
    (``Picture.system_hostile``: only those are ever assigned) a launcher free again, a target opening, a track
    delivered, a report reaching a fire unit for a target waiting for a firing solution); ``delivered`` (pointers
    by row, targets, times): tracks reaching fire units' pictures in the window,
    and the moments a waiting target's own solution opens (:func:`with_wakes`), sorted by row; ``opened``
    (targets, times): :func:`openings`."""
    w, eng, out, q = ctx.world, st.engagements, st.outcomes, st.picture.pending
    q = NO_REPORTS if q is None else q
    nxt = next_event_times(
        np.ascontiguousarray(rows, np.int64), clock, end, IDLE, eng.phase, eng.due, out.alive, out.leaked,
        w.arrival_time, w.attacking, st.batteries.ready_at, *opened, *delivered, step_values(ctx, st.time_index)[2],
        pending_rows(ctx, q), q.targets, q.sensors, q.numbers[:, 0], q.arrived, ctx.node_order, ctx.node_reach,
        w.latency, st.readiness.feeds, eng.waiting, st.picture.system_hostile)
    keep = np.isfinite(nxt)
    return rows[keep], nxt[keep]


NO_ROWS = np.zeros(0, np.int64)
NO_PLOTS = np.zeros(0, bool)
NO_REPORTS = Reports(*(np.zeros(0, np.int64),) * 3, np.zeros((0, 5)), np.zeros(0, np.int64), np.zeros(0))


def pending_rows(ctx: Context, q: Reports) -> np.ndarray:
    """(R + 1,) where each replication row's pending reports start (they are sorted by row); computed once per
    set of pending reports."""
    if ctx.pending_ptr[0] is not q:
        ctx.pending_ptr = (q, row_pointers(q.rows, len(ctx.reps)))
    return ctx.pending_ptr[1]


def leak(ctx: Context, k: int, st: State, clock: np.ndarray, rows: np.ndarray) -> bool:
    """A threat that reaches what it attacks alive leaks, at the moment it arrives (the end of its route); one
    that attacks a unit destroys it with the raid's ``pk`` (a keyed draw per threat). Returns whether a unit was
    destroyed."""
    w, out = ctx.world, st.outcomes
    i, tt = leaks_due(rows, clock, ctx.leaks_settled, w.arrival_time, w.attacking, out.alive, out.leaked)
    if len(rows) == len(ctx.reps):  # every row visited: what arrives by the earliest clock is settled now (below)
        ctx.leaks_settled = max(ctx.leaks_settled, float(clock.min()))
    if not len(i):
        return False
    struck = False
    for r, t in zip(rows[i], tt, strict=True):
        if w.arm[t]:
            struck |= arm_impact(ctx, k, st, r, t)
            continue
        ctx.event(r, w.arrival_time[t], EventKind.LEAK, target=t, where=w.position[-1, t])  # its route's end
        u = w.unit_of[t]  # (a unit that has moved away is not struck at its site)
        if u >= 0 and not np.isfinite(st.readiness.destroyed_at[r, u]) and standing(ctx, st.readiness, r, u,
                                                                                      float(w.arrival_time[t])):
            if float(rng.uniform_at(ctx.keys[r], 0, S_STRIKE, t)) < ctx.strike_pk[t]:
                destroy(ctx, k, st, r, u, float(w.arrival_time[t]), t)
                struck = True
    out.leaked[rows[i], tt] = True
    return struck


def arm_impact(ctx: Context, k: int, st: State, r: int, t: int) -> bool:
    """Anti-radiation missile ``t`` of row ``r`` reaches its radar. Its impact error is circular normal, 1-sigma
    its homing error plus ``miss_growth`` for each second the radar has been silent (it flew on to the last position
    it heard since its aircraft's ESM held it); the radar is killed with the Carleton damage function at the drawn
    miss (keyed draws). Logs ``arm_hit`` (and the radar's destruction) or ``arm_miss``; returns whether it hit."""
    w, rd, out = ctx.world, st.readiness, st.outcomes
    s, u, impact = ctx.radar_of[t], w.unit_of[t], float(w.arrival_time[t])
    site = w.scenario.sites[w.unit_ids[u]]
    where = (site.x, site.y, site.ground)
    if np.isfinite(rd.destroyed_at[r, u]) or not standing(ctx, rd, r, u, impact):  # destroyed first, or gone
        out.arms_missed[r] += int(not np.isfinite(rd.destroyed_at[r, u]))  # (moving away defeated it)
        ctx.event(r, impact, EventKind.ARM_MISS, u, t, reason=Reason.TARGET_GONE, where=where)
        return False
    working = rd.unit_up[r, u] and w.sensing[s]
    heard = last_lit(impact, float(w.start_time[t] - ctx.arm_hold[t]), Schedule(*w.emcon[:, s]),
                     rd.silences[r, s, :, :2], np.inf if working else float(rd.since[r, u])) if w.sensing[s] else None
    silence = impact - (heard if heard is not None else float(w.start_time[t] - ctx.arm_hold[t]))
    sigma = ctx.arm_sigma[t] + ctx.arm_growth[t] * silence
    x, y = rng.normal_at(ctx.keys[r], 0, S_ARM_MISS, np.array([2 * t, 2 * t + 1])) * sigma
    d0, area = ctx.arm_kill[:, t]
    hit = float(rng.uniform_at(ctx.keys[r], 0, S_ARM_KILL, t)) < float(carleton_damage(x, y, d0, area, 1.0))
    miss = float(np.hypot(x, y))
    if hit:
        ctx.event(r, impact, EventKind.ARM_HIT, u, t, miss_distance=miss, where=where)
        destroy(ctx, k, st, r, u, impact, t)
    else:
        out.arms_missed[r] += 1
        ctx.event(r, impact, EventKind.ARM_MISS, u, t, miss_distance=miss,
                  reason=Reason.RADAR_DARK if silence > 0 else Reason.WARHEAD, where=where)
    return hit


def release_arms(ctx: Context, k: int, st: State) -> None:
    """The anti-radiation missiles whose launch falls in step ``k``'s window, in launch order: launched where the
    aircraft carrying it still flies (at the window's start) and its ESM holds the radar - in line of sight from the
    launch point, and emitting then or within the launch's ``hold`` before (working, by its schedule, not silenced
    by its crew); else never. With a shutdown ``on: launch`` the launch warns the radar's crew (:func:`warn`; ``on:
    track`` warns by the radar's own track, :func:`warn_on_tracks`)."""
    w, rd, out = ctx.world, st.readiness, st.outcomes
    if not len(ctx.arms):
        return
    start, end = window(ctx, k)
    due = ctx.arms[(w.start_time[ctx.arms] >= start) & (w.start_time[ctx.arms] < end)]
    for t in due:
        s, u, carrier, launch = ctx.radar_of[t], w.unit_of[t], w.carrier[t], float(w.start_time[t])
        go = (out.alive[:, carrier] & ~out.leaked[:, carrier] & rd.unit_up[:, u] & w.sensing[s]
              & heard(ctx, rd, s, launch - ctx.arm_hold[t], launch) & w.arm_sight[t])
        out.released[:, t] = np.where(go, 1, 2)
        out.alive[~go, t] = False
        for r in np.flatnonzero(go):
            ctx.event(r, launch, EventKind.ARM_LAUNCH, u, t, where=tuple(w.target_flight[t].point))
            if ctx.relocation:
                trigger(ctx, rd, int(r), int(u), launch, "warning")
        if ctx.shutdown[0, s] > 0 and not ctx.shutdown[3, s]:  # warned by the launch
            warn(ctx, rd, np.flatnonzero(go), s, t, launch)


def warn(ctx: Context, rd: Readiness, rows, s: int, t: int, when: float) -> None:
    """The crew of radar ``s`` in ``rows`` is warned at ``when`` of anti-radiation missile ``t``: each heeds it with
    its shutdown's probability (a keyed draw per missile), and the radar falls silent ``reaction`` later (at once if
    it is silent then) until ``reaction`` plus ``dark`` after the warning: a silence of its own, known from
    ``when``. The crew is the unit's: a relocating radar keeps the silence at every site (its copies' sensors)."""
    w = ctx.world
    rows = np.asarray(rows, np.int64)
    rd.warned[rows, t] = True
    heeds = rows[rng.uniform_at(ctx.keys[rows], 0, S_WARN, t) < ctx.shutdown[0, s]]
    quiet = silenced(rd, when)[heeds, s]
    sites = np.flatnonzero(w.home[w.sensor_unit] == w.home[w.sensor_unit[s]])
    for r, already in zip(heeds, quiet, strict=True):
        begin = when if already else when + ctx.shutdown[1, s]
        for c in sites:
            slot = int((rd.silences[r, c, :, 0] < np.inf).sum())
            rd.silences[r, c, slot] = begin, when + ctx.shutdown[1, s] + ctx.shutdown[2, s], when, t


def warn_on_tracks(ctx: Context, k: int, rd: Readiness, trk: SensorTracks, out: Outcomes) -> None:
    """Crews warned by their radar's own track of an inbound anti-radiation missile (``shutdown.on: track``): at
    the confirmation of the radar's track of a launched missile, in the step's looks (a radar silenced then, within
    the step, made its looks of the step before the silence), in time order."""
    arms = ctx.track_warned
    if not len(arms):
        return
    ss = ctx.radar_of[arms]
    confirmed = np.fmin(trk.confirmed_at[:, ss, arms], trk.held_since[:, ss, arms])  # its first track, even dropped
    rr, j = np.nonzero((out.released[:, arms] == 1) & ~rd.warned[:, arms] & np.isfinite(confirmed))
    for i in np.argsort(confirmed[rr, j], kind="stable"):
        warn(ctx, rd, [rr[i]], int(ss[j[i]]), int(arms[j[i]]), float(confirmed[rr[i], j[i]]))


def cue(ctx: Context, k: int, st: State) -> None:
    """Cued radars (on-cue, ambush) still dark go live when a fire unit they guide holds a track it could engage within
    their cue range (``World.cue_range``, ground range from the radar): a track taken for hostile, of a target still
    flying, that a sensor feeding the fire unit holds now (its confirmed track, delivered over the link), no faster
    than the missile's ``max_target_speed`` and no higher above the radar's antenna than its ``max_altitude`` (a
    loose check: the envelope measures the height above the ground under the target), at a fire unit the radar can
    guide in that replication. The cue is the
    instant in step ``k``'s window the track, flown straight on from its state at the window's start, comes within
    the range, or the window's start if it is within already (a track that reaches a picture inside a window cues
    from the next)."""
    w, rd, trk, pic, out = ctx.world, st.readiness, st.tracks, st.picture, st.outcomes
    if not ctx.cued.any() or not len(w.target_ids):
        return
    start, end = window(ctx, k)
    max_alt, max_speed = ctx.envelope[3], ctx.envelope[4]
    for s in np.flatnonzero(ctx.cued & np.isfinite(w.cue_range)):
        rows = np.flatnonzero(rd.silences[:, s, 0, 1] == np.inf)  # still waiting
        ff = np.flatnonzero(ctx.cue_fire[s])
        if not len(rows) or not len(ff):
            continue
        # held now: a feeding sensor's confirmed track, delivered by the window's start, at a fire unit the radar can
        # guide in this replication
        confirmed = trk.confirmed_at[rows]  # (n, S, T)
        held = np.stack([((confirmed + w.latency[f][None, :, None] <= start) & rd.feeds[rows, f][..., None]).any(axis=1)
                         & rd.guides[rows, f, s][:, None] for f in ff], axis=1)  # (n, F', T)
        held &= ((pic.updates[np.ix_(rows, ff)] > 0)
                 & (pic.system_hostile & out.alive & ~out.leaked)[rows][:, None, :])
        x, t0 = pic.x[np.ix_(rows, ff)], pic.track_time[np.ix_(rows, ff)]  # (n, F', T, 6), (n, F', T)
        v = x[..., 3:5]
        height = x[..., 2] - w.sensor_position[s, 2]  # above the radar's antenna, as last updated
        speed = np.linalg.norm(x[..., 3:6], axis=-1)
        held &= (height <= max_alt[ff][None, :, None]) & (speed <= max_speed[ff][None, :, None])
        d = x[..., :2] - v * t0[..., None] - w.sensor_position[s, :2]  # where the track puts it at time 0
        a, b = (v * v).sum(axis=-1), 2.0 * (d * v).sum(axis=-1)
        c = (d * d).sum(axis=-1) - w.cue_range[s] ** 2
        within = a * start * start + b * start + c <= 0.0
        disc = b * b - 4.0 * a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            enter = (-b - np.sqrt(disc)) / (2.0 * a)  # the first crossing of the cue range
        enters = (disc >= 0) & (a > 0) & (enter >= start) & (enter < end)
        when = np.where(held & within, start, np.where(held & enters, enter, np.inf)).min(axis=(1, 2), initial=np.inf)
        live = np.isfinite(when)
        rd.silences[rows[live], s, 0, 1] = when[live]


def heard(ctx: Context, rd: Readiness, s: int, since: float, at: float) -> np.ndarray:
    """(R,) bool: radar ``s`` emitted at ``at`` or for some time in ``[since, at)`` (its schedule, less its crew's
    silences; whether it works is the caller's)."""
    period, on, offset = ctx.world.emcon[:, s]
    now = emitting(at, period, on, offset) & ~silenced(rd, at)[:, s]
    if not since < at:
        return now
    before = np.full(len(now), bool(on_time(since, at, period, on, offset) > 0))
    if ctx.warnings:  # replications with silences: their emission over the interval, exactly
        for r in np.flatnonzero((rd.silences[:, s, :, 0] < np.inf).any(axis=-1)):
            before[r] = interrupted(since, at, Schedule(period, on, offset), rd.silences[r, s, :, :2])[2] > 0
    return now | before


def destroy(ctx: Context, k: int, st: State, r: int, u: int, when: float, by: int = -1) -> None:
    """Unit ``u`` of row ``r`` is destroyed at ``when`` (by target ``by``): down for good, out of the kill chains at
    once (:func:`update_chains`; the fire-control cycle then fuses reports over the paths left, so nothing its
    sensors saw reaches a picture any more, as with a failure), its sensors' tracks end then, and a radar stops
    emitting then (:func:`account_emission` ends its emission time and switch events there)."""
    w, rd = ctx.world, st.readiness
    every = np.flatnonzero(w.home == w.home[u])  # a relocating unit is destroyed at all its sites
    rd.unit_up[r, every] = False
    rd.next_event[r, every] = rd.next_move[r, every] = rd.moving[r, every] = np.inf
    rd.destroyed_at[r, every] = rd.since[r, every] = when
    rd.present[r, every], rd.present[r, u] = False, True  # (the wreck stands where it was struck)
    site = ctx.world.scenario.sites[w.unit_ids[u]]
    ctx.event(r, when, EventKind.DESTROYED, u, by, where=(site.x, site.y, site.ground))
    end_tracks(st.tracks, w, r, u, when)
    update_chains(ctx, rd, [r])


def end_tracks(trk: SensorTracks, w: World, r: int, u: int, when: float) -> None:
    """Unit ``u``'s sensors stop in row ``r`` at ``when`` (destroyed, or torn down to move): their tracks are
    dropped then (held until then) and their slots freed."""
    for s in np.flatnonzero(w.sensor_unit == u):
        held = np.isfinite(trk.confirmed_at[r, s])
        trk.held_since[r, s, held], trk.held_until[r, s, held] = trk.confirmed_at[r, s, held], when
        trk.confirmed_at[r, s] = np.inf
        tab, n = trk.table, trk.table.top[r, s]  # (the slots from top on are free already: left unwritten, they
        tab.status[r, s, :n], tab.truth[r, s, :n], tab.top[r, s] = 0, -1, 0  # take no memory, iadsim.memory)


# ------------------------------------------------------------------------------------------------ relocation

def relocate(ctx: Context, k: int, st: State) -> None:
    """Relocating units whose tear-down is due by step ``k``'s time sample start it then, and those whose move
    ends by then are set up at their next site then (both at the first step sample at or after they are due: the
    unit fires until then, and fires again from then): the unit stops emitting and firing at the tear-down's start
    (its sensors' tracks end) and is set up at the next site a leg later (:attr:`Context.relocation`: tear-down,
    travel, set-up), with the magazine it left with, a fresh north-alignment error if it has ``alignment``, and
    for a schedule its next tear-down ``every`` later. It stands at the site it leaves until the tear-down ends and
    at the new one from the set-up's start (:func:`standing`): there it can be struck."""
    if not ctx.relocation:
        return
    rd, now, rows = st.readiness, float(ctx.world.times[k]), set()
    for h, mv in ctx.relocation.items():
        while True:
            arriving = np.flatnonzero(rd.moving[:, h] <= now)
            leaving = np.flatnonzero((rd.next_move[:, h] <= now) & ~np.isfinite(rd.moving[:, h])
                                     & ~np.isfinite(rd.destroyed_at[:, h]))
            if not len(arriving) and not len(leaving):
                break
            for r in leaving:
                depart(ctx, st, int(r), h, mv, now)
            for r in arriving:
                set_up(ctx, st, int(r), h, mv, now)
            rows.update(arriving.tolist() + leaving.tolist())
    if rows:
        rows = np.array(sorted(rows), np.int64)
        rd.unit_up[rows] = rd.healthy[rows] & rd.present[rows] & ~np.isfinite(rd.destroyed_at[rows])
        update_chains(ctx, rd, rows)


def depart(ctx: Context, st: State, r: int, h: int, mv: Moves, when: float) -> None:
    """Relocating unit ``h`` of row ``r`` starts to tear down at ``when`` (the step sample at or after it was due),
    leaving the site it stands at."""
    w, rd = ctx.world, st.readiness
    j = int(rd.moves[r, h] % len(mv.units))
    u = int(mv.units[j])
    rd.present[r, u], rd.unit_up[r, u], rd.since[r, u] = False, False, when
    end_tracks(st.tracks, w, r, u, when)
    rd.moves[r, h] += 1
    rd.moving[r, h], rd.next_move[r, h], rd.left[r, h] = when + mv.legs[(j + 1) % len(mv.units)], np.inf, when
    site = w.scenario.sites[w.unit_ids[u]]
    ctx.event(r, when, EventKind.TEARDOWN, u, where=(site.x, site.y, site.ground))


def set_up(ctx: Context, st: State, r: int, h: int, mv: Moves, when: float) -> None:
    """Relocating unit ``h`` of row ``r`` is set up at its next site at ``when`` (the step sample at or after its move
    ends)."""
    w, rd, bat = ctx.world, st.readiness, st.batteries
    n = int(rd.moves[r, h])
    j = n % len(mv.units)
    u, f, before = int(mv.units[j]), int(mv.fire[j]), int(mv.fire[j - 1])
    rd.present[r, u], rd.since[r, u], rd.moving[r, h] = True, when, np.inf
    if f >= 0 and before >= 0:  # the magazine moves with it
        bat.missiles[r, f], bat.ready_at[r, f] = bat.missiles[r, before], max(bat.ready_at[r, before], when)
    ss = np.flatnonzero(w.sensor_unit == u)
    rd.set_up[r, ss] = when
    if len(ss) and ctx.misaligned:
        rd.bias[r, ss] = _misalignment(ctx, np.full(len(ss), r), ss, n)
    if mv.after == "schedule":
        rd.next_move[r, h] = when + mv.every
    site = w.scenario.sites[w.unit_ids[u]]
    ctx.event(r, when, EventKind.SET_UP, u, where=(site.x, site.y, site.ground))


def standing(ctx: Context, rd: Readiness, r: int, u: int, when: float) -> bool:
    """Whether unit ``u`` of row ``r`` stands at its site at ``when`` (set up there, tearing down there, or setting up
    there after a move): what strikes and missiles reaching its site find; a relocating unit on the road stands
    nowhere. (Only moves under way are known: ``when`` is now or the step's window.)"""
    if rd.present[r, u]:
        return True
    h = int(ctx.world.home[u])
    mv = ctx.relocation.get(h)
    if mv is None or not np.isfinite(rd.moving[r, h]):
        return False
    n = len(mv.units)
    leaving, going = int(mv.units[(rd.moves[r, h] - 1) % n]), int(mv.units[rd.moves[r, h] % n])
    return bool((u == leaving and when < rd.left[r, h] + mv.teardown)
                or (u == going and when >= rd.moving[r, h] - mv.setup))


def trigger(ctx: Context, rd: Readiness, r: int, u: int, when: float, why: str) -> None:
    """A launch (``why`` firing) or an anti-radiation missile warning (warning) at ``when`` concerning unit ``u`` of
    row ``r``: if it relocates on that and is not on the move, its tear-down is due ``delay`` later (or earlier if
    due already)."""
    h = int(ctx.world.home[u])
    mv = ctx.relocation.get(h)
    if mv is not None and mv.after == why and not np.isfinite(rd.moving[r, h]):
        rd.next_move[r, h] = min(rd.next_move[r, h], when + mv.delay)


def known(ctx: Context, k: int, rd: Readiness, trk: SensorTracks, rr, ff, tt, when) -> np.ndarray:
    """(n,) over (replication row, fire unit, target) triples: at times ``when`` the target is in the fire
    unit's picture (a feeding sensor's confirmed track, delivered after the link latency) and its guiding radar
    sees it (:func:`iadsim.engine._kernels.known`)."""
    def ints(a):
        return np.ascontiguousarray(a, np.int64)
    return known_kernel(trk.confirmed_at, trk.held_since, trk.held_until, ctx.world.latency, rd.feeds, rd.guides,
                        *visible(ctx, k), ctx.world.placing, ints(rr), ints(ff), ints(tt),
                        np.ascontiguousarray(when, float))


GEOMETRY_CHUNK = 64  # steps whose geometry is computed at once


def geometry(ctx: Context, k: int) -> np.ndarray:
    """(F, T) whether the intercept lies inside the launch envelope and the launcher's sector at the time
    sample of step ``k`` (:func:`engagement_geometry`'s rule, computed for ``GEOMETRY_CHUNK`` steps at a time,
    the same for every replication): compiled for the fire units with a box envelope and no sector
    (:func:`iadsim.engine._kernels.envelope_grid`), :func:`in_reach` for the others, solving the intercept only
    where it may lie within the envelope's longest ground range."""
    return by_chunk(ctx, ctx.geometry_at, k, _geometry)


def by_chunk(ctx: Context, store: dict, k: int, compute) -> np.ndarray:
    """Step ``k``'s row of what ``compute(ctx, ks)`` gives for the ``GEOMETRY_CHUNK`` steps ``ks`` of its chunk,
    computed at the chunk's first use and kept in ``store`` (chunk -> rows) with the chunk before it (a step reads
    the next one's too)."""
    chunk = k // GEOMETRY_CHUNK
    if chunk not in store:
        for old in [key for key in store if key != chunk - 1]:
            del store[old]
        store[chunk] = compute(ctx, np.arange(chunk * GEOMETRY_CHUNK,
                                              min((chunk + 1) * GEOMETRY_CHUNK, len(ctx.world.times))))
    return store[chunk][k - chunk * GEOMETRY_CHUNK]


def _geometry(ctx: Context, ks: np.ndarray) -> np.ndarray:
    """(len(ks), F, T) :func:`geometry` at steps ``ks``."""
    w = ctx.world
    # (the world's float32 velocities and heights read as float64: the kernels' arithmetic stays double)
    position, velocity, height = w.position[ks], w.velocity[ks].astype(float), w.height_agl[ks].astype(float)
    target_speed = np.linalg.norm(velocity, axis=-1)
    inside, maybe = envelope_grid(w.fire_position, position, velocity, ctx.speed, height, target_speed,
                                  *ctx.envelope, ctx.longest_reach, ctx.plain)
    i, f, t = np.nonzero(maybe)
    _, point, ok, _ = engagement_points(w.fire_position, f, position[i, t], velocity[i, t], ctx.speed,
                                        height[i, t], target_speed[i, t], *ctx.envelope, ctx.plain)
    d = point - w.fire_position[f]
    ground = np.where(ok, np.hypot(d[:, 0], d[:, 1]), np.inf)  # no intercept: outside any envelope
    inside[i, f, t] = in_reach(ctx, f, ground, height[i, t], target_speed[i, t], d)
    return inside


def engagement_geometry(ctx: Context, k: int, f, t, when) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time of flight, intercept point and whether it lies inside the launch envelope and the launcher's
    sector, for fire units ``f`` firing at targets ``t`` at times ``when`` within step ``k``'s window
    (arrays that broadcast); the time of flight is inf outside. Compiled
    (:func:`iadsim.engine._kernels.truth_intercepts`: the targets' heights above the ground linear between the step's
    geometry sample and the next, the height an envelope is judged at), with :func:`in_reach` for the fire units with
    an envelope table or a launcher sector."""
    w = ctx.world
    if not (np.ndim(f) == np.ndim(t) == np.ndim(when) == 1 and len(f) == len(t) == len(when)):  # (triples as they are)
        f, t, when = np.broadcast_arrays(f, t, when)
    shape = np.shape(f)
    f, t, when = (np.ascontiguousarray(np.ravel(a), kind) for a, kind in ((f, np.int64), (t, np.int64), (when, float)))
    t0, t1, heights, paths = true_paths(ctx, k)  # (position_at's and velocity_at's numbers)
    tof, point, ok, inside, height, speed = truth_intercepts(w.fire_position, f, t, when, t0, t1, w.step, *heights,
                                                             *paths, ctx.speed, *ctx.envelope, ctx.plain)
    special = np.flatnonzero(~ctx.plain[f]) if ctx.special_envelopes else ()
    if len(special):
        fs = f[special]
        d = point[special] - w.fire_position[fs]
        ground = np.where(ok[special], np.hypot(d[:, 0], d[:, 1]), np.inf)  # no intercept: outside any envelope
        inside[special] = in_reach(ctx, fs, ground, height[special], speed[special], d)
    return (np.where(inside, tof, np.inf).reshape(shape), point.reshape(shape + (3,)), inside.reshape(shape))


def true_paths(ctx: Context, k: int) -> tuple[float, float, tuple, tuple]:
    """What the compiled kernels read to place targets in step ``k``'s window as :func:`position_at` and
    :func:`velocity_at` do, and their heights above the ground (linear between the step's sample and the next: the
    height a launch envelope is judged at, :func:`iadsim.engine._kernels.truth_intercepts`): the window's sample
    times (the next one's, or the step's at the last), the heights at both samples, and the positions and velocities
    at both with which targets starting their route within the window (:func:`starting_in`) are carried back.
    Computed once per step."""
    if ctx.paths_now[0] != k:
        ctx.paths_now = (k, paths_of(ctx.world, k))
    return ctx.paths_now[1]


def paths_of(w: World, k: int) -> tuple[float, float, tuple, tuple]:
    """:func:`true_paths` of world ``w``, computed now (:func:`position_at` takes the world, not the context)."""
    nxt = min(k + 1, len(w.times) - 1)
    return (float(w.times[k]), float(w.times[nxt]), (w.height_agl[k], w.height_agl[nxt]),
            (w.position[k], w.velocity[k], w.position[nxt], w.velocity[nxt],
             starting_in(w, k, np.arange(len(w.target_ids)))))


def range_limits(ctx: Context, f: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ground ranges fire units ``f`` reach at targets ``height`` above the ground: the catalog's
    envelope table (linear between its heights; nan outside them), else its box's min and max range."""
    lo, hi = ctx.envelope[0][f], ctx.envelope[1][f]  # (copies)
    for i in units_among(f, ctx.special[0]):
        table, here = ctx.tables[i], f == i
        lo[here] = np.interp(height[here], table.height, table.min_range, left=np.nan, right=np.nan)
        hi[here] = np.interp(height[here], table.height, table.max_range, left=np.nan, right=np.nan)
    return lo, hi


def units_among(f: np.ndarray, which: np.ndarray) -> np.ndarray:
    """The fire units of ``which`` (F,) bool that appear in ``f`` (every one of them when ``f`` is as large as a
    grid): the per-unit rules need visit no other."""
    f = np.asarray(f)
    if f.size > 4 * len(which):
        return np.flatnonzero(which)
    return np.flatnonzero(which & (np.bincount(f.ravel(), minlength=len(which)) > 0))


def in_reach(ctx: Context, f: np.ndarray, ground, height, speed, d) -> np.ndarray:
    """Whether intercepts at ``ground`` range, ``height`` above the ground, of targets at ``speed``, lie in
    fire units ``f``'s launch envelope (:func:`range_limits`, the missile's altitudes and fastest target) and
    its launcher's sector (``d``: the intercept point from the launcher), by the rule sensor sectors use."""
    w = ctx.world
    lo, hi = range_limits(ctx, f, height)
    beyond = np.isnan(lo) if ctx.any_table else None  # outside a table's heights: no range reaches
    if beyond is not None:  # (any limits will do for the envelope's argument checks: those are refused below)
        lo, hi = np.where(beyond, 0.0, lo), np.where(beyond, 0.0, hi)
    with np.errstate(invalid="ignore"):
        inside = in_launch_envelope(ground, height, speed, lo, hi,
                                    *(limit[f] for limit in ctx.envelope[2:]))
    if beyond is not None:
        inside &= ~beyond
    for i in units_among(f, ctx.special[1]):  # a launcher with a sector fires at intercepts inside it only
        here = f == i
        inside[here] &= in_sector(w.fire_sector[i], d[here][..., 0], d[here][..., 1])
    return inside


def edge_factor(ctx: Context, f: np.ndarray, ground: np.ndarray, height: np.ndarray) -> np.ndarray:
    """The catalog's Pk factor near the envelope's range edges: ``edge_pk`` on an edge, rising linearly to 1
    at ``edge_width`` of the range span inside it (1 for a missile without one)."""
    out = np.ones(len(f))
    here = np.flatnonzero(ctx.special[2][f])
    if len(here):
        edge_pk, width = ctx.edges[:, f[here]]
        lo, hi = range_limits(ctx, f[here], height[here])
        margin = np.minimum(ground[here] - lo, hi - ground[here]) / (hi - lo)
        out[here] = edge_pk + (1 - edge_pk) * np.clip(np.nan_to_num(margin) / width, 0.0, 1.0)
    return out


def time_to_asset(ctx: Context, k: int) -> np.ndarray:
    """(T,) seconds for each threat to reach what it attacks (its asset, or a unit; a decoy: what it seems to
    attack) at its speed at step ``k`` (3600 s: nothing); computed for ``GEOMETRY_CHUNK`` steps at a time."""
    return by_chunk(ctx, ctx.time_to_asset_at, k, _time_to_asset)


def _time_to_asset(ctx: Context, ks: np.ndarray) -> np.ndarray:
    """(len(ks), T) :func:`time_to_asset` at steps ``ks``."""
    w = ctx.world
    out = np.full((len(ks), len(w.target_ids)), 3600.0)
    has = w.heading_for
    if has.any():
        site = w.attacked_xy[has]
        position, velocity = w.position[ks][:, has], w.velocity[ks][:, has].astype(float)
        dist = np.hypot(position[..., 0] - site[:, 0], position[..., 1] - site[:, 1])
        out[:, has] = dist / np.maximum(np.linalg.norm(velocity, axis=-1), 1.0)
    return out


def deciders(ctx: Context, rd: Readiness, rr, ff) -> np.ndarray:
    """Who decides for fire units ``ff`` in rows ``rr`` (arrays or numbers): the first working command post that
    commands it in this state (its index, :attr:`iadsim.engine.state.Readiness.commander`), else the battery itself
    (the number of command posts plus its index): a battery cut off from its command posts, fighting autonomously,
    decides with its own crew."""
    d = rd.commander[rr, ff]
    return np.where(d >= 0, d, len(ctx.cp_units) + np.asarray(ff))


def assign(ctx: Context, k: int, st: State, clock: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Threat evaluation and weapon-target assignment at each row's clock (``rows`` ascending, without repeats, as
    :func:`fire_control` passes them); new engagements wait for authorisation. Returns the rows where something was
    nominated (or held by the automation), and those where the automation held a target (their fire unit is still
    free: it may be assigned again now), each sorted without repeats."""
    w = ctx.world
    rd, pic, eng, bat, out = st.readiness, st.picture, st.engagements, st.batteries, st.outcomes
    inside, urgency, _ = step_values(ctx, k)
    i, f, t = assignable_kernel(
        np.ascontiguousarray(rows, np.int64), clock, out.alive, out.leaked, w.start_time, w.arrival_time, eng.phase,
        IDLE, pic.system_hostile, rd.able, rd.unit_up, w.fire_unit, bat.missiles, bat.ready_at, bat.busy, bat.guiding,
        ctx.group, ctx.channels, bat.engaging, ctx.targets, inside, st.tracks.confirmed_at, st.tracks.held_since,
        st.tracks.held_until, w.latency, rd.feeds, rd.guides, *visible(ctx, k), w.placing)
    if not len(i):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rr, when = rows[i], clock[rows[i]]
    tof, _, inside = engagement_geometry(ctx, k, f, t, when)  # exactly, at the clock
    ok = inside & firing_solution(ctx, st, k, rr, f, t, when, tof, inside)
    unsolved = np.zeros(len(ok), bool)  # feasible but for the fire unit's own solution
    own_tof = np.full(len(ok), np.inf)
    j = np.flatnonzero(ok)  # the fire units' own solutions, only where a launch may follow
    if len(j):
        own_tof[j], aim = aim_points(ctx, k, pic, rr[j], f[j], t[j], when[j], tof[j])
        reaches = solution_reaches(ctx, f[j], t[j], when[j], own_tof[j], aim) & own_envelope(
            ctx, k, pic, rr[j], f[j], t[j], when[j], aim)
        lit = np.ones(len(j), bool)
        if ctx.part_time or ctx.shutdowns:  # a radar that can guide it emits until the intercept (as authorise;
            #                                     without a solution of its own, the truth's)
            lit = guided(ctx, st, rr[j], f[j], t[j], when[j],
                         flight_time(np.where(reaches, own_tof[j], tof[j]), tof[j], inside[j]))
        ok[j], unsolved[j] = reaches & lit, ~reaches & lit
    mode = ctx.defended[0][f]
    first = np.zeros(len(ok), bool)
    if mode.any():  # point defence: what flies at the units it defends, only or first
        at_defended = flying_at_defended(ctx, st, rr, f, t, when, (ok | unsolved) & (mode > 0))
        ok &= (mode != ONLY) | at_defended
        unsolved &= (mode != ONLY) | at_defended
        first = at_defended
    answers = {}  # the assigner's answer to each choice posed (feasible pairs, as bytes)
    feasible = np.flatnonzero(ok)  # by row (``rows`` ascend), so each row's feasible pairs are one run of it
    by_row = {}  # each row's (row, fire unit, target) to nominate, in the order chosen
    if len(feasible) and takes_disjoint(ctx.assigner):  # rows whose pairs the assigner would take all of
        for r, pairs in disjoint_pairs(ctx, st, rr[feasible], f[feasible], t[feasible], first[feasible],
                                       urgency).items():  # (Assigner.takes_disjoint: its call's nominations)
            by_row[r] = [(r, a, b) for a, b in pairs]
    # rows assigned in one pass (no point defence's first pass) whose answers no automation's label changes: the
    # same choice gives the same nominations, found once for all rows posing it
    done = marked(len(ctx.reps), list(by_row))[rr[feasible]]
    if ctx.teaming is None and len(feasible):
        together = ~done & ~marked(len(ctx.reps), rr[feasible[first[feasible]]])[rr[feasible]]
        if together.any():
            by_row.update(nominations_by_choice(ctx, st, *(a[feasible[together]] for a in (rr, f, t)), urgency,
                                                answers))
            done |= together
    rest = feasible[~done]
    for here in np.split(rest, np.flatnonzero(np.diff(rr[rest])) + 1) if len(rest) else ():
        r = int(rr[here[0]])
        fh, th, firsts = f[here], t[here], first[here]
        busy, taken, mine = [], [], by_row.setdefault(r, [])  # what the row's choices took: fire units (not those
        #                                                       the automation holds), targets
        for chosen in ((firsts, ~firsts) if firsts.any() else (np.ones(len(here), bool),)):
            chosen = chosen & ~bat.busy[r, fh] & (eng.phase[r, th] == IDLE)
            if taken:  # (not what a first pass took)
                chosen &= ~np.isin(fh, busy) & ~np.isin(th, taken)
            whole = np.zeros((len(w.fire_ids), len(w.target_ids)), bool)
            whole[fh[chosen], th[chosen]] = True
            key = np.packbits(whole).tobytes()  # (rows often pose the same choice: the assigner is a function of
            if key not in answers:  #               its arguments; its answer kept as a list, read by each row)
                answers[key] = list(ctx.assigner(whole, ctx.pk, urgency))
            for a, b in answers[key]:
                # whatever the assigner says: a feasible pair, one engagement per target and per fire unit
                if whole[a, b] and b not in taken and a not in busy:
                    taken.append(b)
                    if ctx.teaming is None or engages(classification(ctx, st, r, a, b)):
                        busy.append(a)
                    mine.append((r, a, b))
    choices = [c for r in sorted(by_row) for c in by_row[r]]  # by row, each row's in the order chosen
    nominated = held = np.zeros(0, np.int64)
    if choices:
        cr, ca, cb = np.array(choices, np.int64).T
        went = nominate(ctx, k, st, cr, ca, cb, clock[cr])
        nominated, held = np.unique(cr), np.unique(cr[~went])
    n = np.flatnonzero(unsolved)
    n = n[(eng.phase[rr[n], t[n]] == IDLE) & ~bat.busy[rr[n], f[n]]]  # (left idle, a fire unit free for it)
    if len(n):  # they wait for their own solution: a report, or the moment the track, flown on, gives one
        wait(ctx, k, st, rr[n], f[n], t[n], when[n], Reason.NO_SOLUTION)
        n = n[before_the_end(ctx, t[n], when[n], own_tof[n])]  # (one after the route's end stays after it)
        ctx.wakes.append((rr[n], t[n], solution_opens(ctx, k, pic, rr[n], f[n], t[n], when[n])))
    return nominated, held


def marked(n: int, rows) -> np.ndarray:
    """(n,) bool: True at ``rows`` (what ``np.isin`` against them gives for row numbers in ``[0, n)``, by lookup)."""
    mask = np.zeros(n, bool)
    mask[np.asarray(rows, np.int64)] = True
    return mask


def nominations_by_choice(ctx: Context, st: State, rr, ff, tt, urgency, answers: dict) -> dict[int, list]:
    """The nominations of rows ``rr`` (ascending) from their feasible pairs (fire units ``ff``, targets ``tt``) in one
    pass without the automation: each row poses the assigner the pairs whose fire unit is free and target idle, and
    takes what it answers that is such a pair, one engagement per target and per fire unit, in its order. That
    depends on the choice alone, so each choice is asked (``answers``: the answers by the choice as bytes, shared
    with :func:`assign`'s other rows) and filtered once. Returns each row's (row, fire unit, target) in that order."""
    free = ~st.batteries.busy[rr, ff] & (st.engagements.phase[rr, tt] == IDLE)
    rows, at = np.unique(rr, return_inverse=True)
    shape = (len(ctx.world.fire_ids), len(ctx.world.target_ids))
    taken_by: dict[bytes, list[tuple[int, int]]] = {}  # each choice's nominations
    out = {}
    for first in range(0, len(rows), CHOICE_ROWS):  # (a national laydown's matrices, a few rows at a time)
        mine = (at >= first) & (at < first + CHOICE_ROWS)
        whole = np.zeros((min(CHOICE_ROWS, len(rows) - first), *shape), bool)
        whole[at[mine & free] - first, ff[mine & free], tt[mine & free]] = True
        packed = np.packbits(whole.reshape(len(whole), -1), axis=1)  # (each row's bytes: np.packbits of its matrix)
        for n, r in enumerate(rows[first:first + len(whole)].tolist()):
            key = packed[n].tobytes()
            if key not in taken_by:
                if key not in answers:
                    answers[key] = list(ctx.assigner(whole[n], ctx.pk, urgency))
                units, targets, pairs = set(), set(), []
                for a, b in answers[key]:  # whatever the assigner says: a feasible pair, one per target and unit
                    if whole[n, a, b] and b not in targets and a not in units:
                        targets.add(b)
                        units.add(a)
                        pairs.append((a, b))
                taken_by[key] = pairs
            out[r] = [(r, a, b) for a, b in taken_by[key]]
    return out


CHOICE_ROWS = 64
"""The rows :func:`nominations_by_choice` builds the choice matrices of at once."""


def disjoint_pairs(ctx: Context, st: State, rr, ff, tt, first, urgency) -> dict[int, list[tuple[int, int]]]:
    """Of the feasible pairs (rows ``rr`` ascending, fire units ``ff``, targets ``tt``; ``first``: a point defence's
    first pass, :func:`assign`), the rows where those :func:`assign` would give the assigner (fire unit free, target
    idle) share no fire unit and no target and are each worth more than 0 (``pk * urgency``, finite), and no pair is a
    first pass: for each such row, those pairs by ascending fire unit, what an assigner that declares
    ``takes_disjoint`` returns (:class:`iadsim.c2.assign.Assigner`)."""
    free = ~st.batteries.busy[rr, ff] & (st.engagements.phase[rr, tt] == IDLE)
    value = ctx.pk[ff] * urgency[tt]
    bad = np.zeros(len(ctx.reps), bool)
    bad[rr[first | (free & ~(np.isfinite(value) & (value > 0)))]] = True
    r, a, b = rr[free], ff[free], tt[free]
    for key, n in ((a, len(ctx.world.fire_ids)), (b, len(ctx.world.target_ids))):  # a fire unit or a target twice
        pair = np.sort(r * n + key)
        bad[pair[1:][pair[1:] == pair[:-1]] // n] = True
    keep = ~bad[r]
    out: dict[int, list[tuple[int, int]]] = {}
    for row, unit, target in zip(r[keep].tolist(), a[keep].tolist(), b[keep].tolist(), strict=True):
        out.setdefault(row, []).append((unit, target))  # (by fire unit: assignable's order)
    return out


def flying_at_defended(ctx: Context, st: State, rr, ff, tt, when, which) -> np.ndarray:
    """(n,) bool: for the pairs ``which`` (rows ``rr``, point-defence fire units ``ff``, targets ``tt``), the fire
    unit's own track of the target, flown straight on from ``when``, passes within the doctrine's
    ``point_defence_radius`` of a unit it defends that still stands (3-D closest approach ahead, or the distance now
    if it is past); False elsewhere. Its threat evaluation reads its picture, not what the target attacks."""
    pic, out = st.picture, np.zeros(len(rr), bool)
    radius = ctx.world.scenario.spec.doctrine.point_defence_radius
    _, points, units = ctx.defended
    for fu in np.unique(ff[which]):
        j = np.flatnonzero(which & (ff == fu))
        r, t = rr[j], tt[j]
        velocity = pic.x[r, fu, t, 3:]
        position = pic.x[r, fu, t, :3] + velocity * (when[j] - pic.track_time[r, fu, t])[:, None]
        rel = points[fu][None, :, :] - position[:, None, :]  # (n, m, 3)
        ahead = np.einsum("nmk,nk->nm", rel, velocity) / np.maximum((velocity**2).sum(axis=1), 1e-9)[:, None]
        closest = np.linalg.norm(rel - velocity[:, None, :] * np.maximum(ahead, 0.0)[..., None], axis=-1)
        there = ~np.isfinite(st.readiness.destroyed_at[r][:, units[fu]])
        moves = [c for c, u in enumerate(units[fu]) if int(ctx.world.home[u]) in ctx.relocation]
        for c in moves:  # a defended unit that relocates: only the site it stands at, when it does
            there[:, c] &= [standing(ctx, st.readiness, int(row), int(units[fu][c]), float(now))
                            for row, now in zip(r, when[j], strict=True)]
        out[j] = ((closest <= radius) & there).any(axis=1)
    return out


def guided(ctx: Context, st: State, rr, ff, tt, when, tof) -> np.ndarray:
    """Whether one radar that can guide fire unit ``ff``'s missiles in row ``rr`` holds a track of target ``tt`` at
    ``when`` and emits from then until the intercept ``when + tof`` (its emission-control schedule: a crew does
    not fire missiles its radar will leave unguided, nor guide with a radar that is dark)."""
    w, trk = ctx.world, st.tracks
    if not (ctx.part_time or ctx.shutdowns):
        return np.ones(len(rr), bool)
    # (compiled: a guiding radar holding a track of it then, lit until the intercept through the silences its crew
    # knows of by then)
    return lit_through(*triples(rr, ff, tt, np.asarray(when, float), when + tof), st.readiness.guides,
                       st.readiness.silences, *w.emcon, True, True, trk.confirmed_at, trk.held_since, trk.held_until)


def flight_time(predicted: np.ndarray, tof, inside) -> np.ndarray:
    """(n,) the longer of the true time of flight ``tof`` and the one the fire unit's track predicts (``predicted``:
    what it launches on, :func:`aim_points`): the time its guiding radar must emit for; 0 outside the envelope."""
    return np.where(inside, np.fmax(tof, predicted), 0.0)


def visible(ctx: Context, k: int) -> tuple[np.ndarray, float]:
    """(2, S, T) bool: what each sensor sees (line of sight, range and sector) at step ``k``'s geometry sample and at
    the next, and the middle of the window, from which the next sample is the nearer (:func:`nearer_samples`;
    computed once)."""
    if ctx.visible_now[0] != k:
        k0, k1, middle = nearer_samples(ctx, k)
        w, looks = ctx.world, ctx.world.looks
        active0, active1 = w.active[k0], w.active[k1]
        ctx.visible_now = (k, (visible_samples(looks.ptr, looks.sensor, looks.target, k0, k1, active0, active1,
                                               bool(w.route_changes[k0]), *looks.shape[1:]), middle))
    return ctx.visible_now[1]


def nearer_samples(ctx: Context, k: int) -> tuple[int, int, float]:
    """Step ``k``'s geometry sample, the next, and the time from which the next is the nearer (the middle of the
    window; inf for the last step): what a sensor sees is read at the sample nearer each look or event, so that it
    changes on average when it does, not up to a step late (a target coming out of a terrain mask or into a radar's
    range is seen from the middle of the step in which it does)."""
    times = ctx.world.times
    if k + 1 >= len(times):
        return k, k, np.inf
    return k, k + 1, float(0.5 * (times[k] + times[k + 1]))


def step_values(ctx: Context, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What assignment reads at every event of step ``k`` (computed once): (F, T) the (fire unit, target) pairs
    whose intercept is inside the envelope at the step's geometry sample or the next (may be inside during the
    window), (T,) each target's urgency
    (earlier arrival, higher value), and (T,) whether some fire unit's envelope may hold the target's intercept."""
    if ctx.step_values[0] != k:
        last = min(k + 1, len(ctx.world.times) - 1)
        inside = geometry(ctx, k) | geometry(ctx, last)
        ctx.step_values = (k, (inside, 1.0 / (1.0 + time_to_asset(ctx, k)), inside.any(axis=0)))
    return ctx.step_values[1]


def firing_solution(ctx: Context, st: State, k: int, rr, ff, tt, when, tof, inside) -> np.ndarray:
    """Whether the fire unit's track gives a firing solution (the doctrine's maturity rule): its estimate's position
    error extrapolated to the intercept, times ``maturity_sigmas``, fits the acquisition basket (``basket``),
    or it has had ``maturity_updates`` updates (``updates``); either way its height must have been measured (a
    track of passive sensors' bearings alone has none, :data:`iadsim.tracking.picture.UNKNOWN_HEIGHT_SIGMA`). A
    target inside the envelope without one waits: a ``waiting`` event (reason ``immature_track``) when it starts
    to."""
    doctrine, pic = ctx.world.scenario.spec.doctrine, st.picture
    ok = mature_tracks(pic.p, pic.updates, pic.track_time, *triples(rr, ff, tt, when, tof),
                       np.ascontiguousarray(inside, bool), doctrine.maturity == "updates", doctrine.maturity_updates,
                       float(doctrine.maturity_sigmas), float(ctx.basket),
                       UNKNOWN_HEIGHT_SIGMA**2)  # (predicted_error's propagation, compiled)
    late = np.flatnonzero(inside & ~ok)
    if len(late):
        wait(ctx, k, st, rr[late], ff[late], tt[late], when[late], Reason.IMMATURE_TRACK)
    return ok


def wait(ctx: Context, k: int, st: State, rr, ff, tt, when, reason: Reason) -> None:
    """Targets ``tt`` of rows ``rr`` that fire units ``ff`` could engage at ``when`` but for their own track (it
    gives no firing solution yet, ``reason``) wait for one: each report of them reaching a fire unit wakes the row
    (:func:`next_events`). A ``waiting`` event when a target starts to wait (once, until it is nominated)."""
    eng = st.engagements
    if not len(rr):
        return
    new = np.flatnonzero(~eng.waiting[rr, tt])  # (most already wait: only those that may start to, in order)
    if ctx.log is None:  # (no event to log: the flags alone)
        eng.waiting[rr[new], tt[new]] = True
        return
    for r, f, t, now in zip(rr[new], ff[new], tt[new], when[new], strict=True):
        if not eng.waiting[r, t]:  # (a target twice: once)
            eng.waiting[r, t] = True
            ctx.event(r, now, EventKind.WAITING, ctx.world.fire_unit[f], t, reason=reason, where=TargetAt(k, t, now))


def nominate(ctx: Context, k: int, st: State, rr, ff, tt, now) -> np.ndarray:
    """Pending engagements of fire units ``ff`` at targets ``tt`` in rows ``rr`` at times ``now`` (arrays; each row's
    in the order chosen, a target at most once per row, a fire unit at most once among those nominated: one the
    automation held fire for stays free and may be chosen again), due when the authority rule's delay ends.
    An operator's decision takes the deciding crew's first free decision slot (:func:`decide`). With automation
    the fire unit's classifier labels the target first: a recommendation to hold fire goes no further
    (:func:`hold`). Returns (n,) bool: nominated (False: held). Events in the given order."""
    spec, eng = ctx.world.scenario.spec, st.engagements
    went = np.ones(len(rr), bool)
    if ctx.teaming is not None:
        labels = classification(ctx, st, rr, ff, tt)
        went = engages(labels)
        hold(ctx, k, st, rr[~went], ff[~went], tt[~went], now[~went], labels[~went])
    r, f, t, at = rr[went], ff[went], tt[went], now[went]
    decision = decide(ctx, st, r, f, t, at) if ctx.operator else np.zeros(len(r))
    delay = np.array([ctx.authority.delay(x, spec.authority.veto_window) for x in decision.tolist()], float)
    eng.phase[r, t], eng.fire[r, t], eng.due[r, t] = PENDING, f, at + delay
    eng.waiting[r, t] = False
    st.batteries.busy[r, f] = True
    eng.rounds[r, t] = ctx.rounds
    eng.decision[r, t] = decision
    eng.nominated[r, t] = at
    for r, f, t, when, nominated in zip(*(a.tolist() for a in (rr, ff, tt, now, went)), strict=True) \
            if ctx.log is not None else ():
        ctx.event(r, when, EventKind.NOMINATED if nominated else EventKind.HELD, ctx.world.fire_unit[f], t,
                  where=TargetAt(k, t, when))
    return went


def decide(ctx: Context, st: State, rr, ff, tt, now) -> np.ndarray:
    """The operators' decisions on new engagements (as :func:`nominate` takes them): each drawn from the authority's
    decision time times the deciding crew's reaction factor, in the crew's first free decision slot. A decision
    starts when the slot is free, or later at ``now`` (with pre-authorisation the first decision about a target,
    as early as it entered the fire unit's picture: :func:`picture_time`). Returns how long each engagement waits
    for its decision from ``now`` (at least 0); a row's decisions take their slots in order."""
    spec, eng = ctx.world.scenario.spec, st.engagements
    d = eng.decider[rr, tt] = deciders(ctx, st.readiness, rr, ff)
    u = rng.uniform_at(ctx.keys[rr], eng.attempts[rr, tt], S_DECISION, tt)
    decision = np.array([ctx.decision_time.ppf(spec.authority.decision_time, x) for x in u.tolist()], float)
    decision *= ctx.reaction[d]
    begin = np.asarray(now, float).copy()  # (a re-decision starts when nominated)
    for i in np.flatnonzero(eng.attempts[rr, tt] == 0) if spec.doctrine.pre_authorisation else ():
        begin[i] = picture_time(ctx, st, int(rr[i]), int(ff[i]), int(tt[i]), float(now[i]))
    order = np.argsort(rr, kind="stable")  # each row's n-th decision in round n: a row once per round
    rank = np.arange(len(rr)) - np.searchsorted(rr[order], rr[order])
    free_at = st.crews.free_at
    for n in range(int(rank.max(initial=-1)) + 1):
        i = order[rank == n]
        slots = free_at[rr[i], d[i]]
        slot = slots.argmin(axis=1)
        free = slots[np.arange(len(i)), slot]
        begin[i] = np.where(free > begin[i], free, begin[i])  # (max(begin, free), the first on a tie)
        free_at[rr[i], d[i], slot] = begin[i] + decision[i]
    waited = begin + decision - now
    return np.where(0.0 > waited, 0.0, waited)


def engages(labels) -> np.ndarray:
    """Whether the labels (indices into :data:`LABELS`) recommend an engagement (:data:`iadsim.c2.teaming.ENGAGE`)."""
    return np.isin(labels, [LABELS.index(label) for label in ENGAGE])


def classification(ctx: Context, st: State, rr, ff, tt) -> np.ndarray:
    """The labels (indices into :data:`LABELS`) fire units ``ff``'s classifiers give targets ``tt`` in rows ``rr``
    (arrays or numbers): a keyed draw per authorisation, or one per target with persistent identification
    (:func:`iadsim.c2.teaming.classify`): the same at the nomination and when its authorisation ends (the attempt
    is counted only then)."""
    team, persistent = ctx.teaming, ctx.world.scenario.spec.authority.identification.persistent
    u = rng.uniform_at(ctx.keys[rr], 0 if persistent else st.engagements.attempts[rr, tt], S_CLASSIFY, tt)
    return classify(team.label_cdf[team.classifier_of[ff], tt], u)


def hold(ctx: Context, k: int, st: State, rr, ff, tt, now, labels) -> None:
    """The automation recommends holding fire on targets ``tt`` of rows ``rr``, which fire units ``ff`` could engage
    at ``now`` (arrays; a target at most once per row): nothing is nominated (no crew decides, the fire unit stays
    free); the target is not engaged again before ``reconsider_after`` (never, with persistent identification). Each
    decision is kept (the ``held`` events: :func:`nominate`)."""
    w, spec, eng, team = ctx.world, ctx.world.scenario.spec, st.engagements, ctx.teaming
    for r, f, t, when, label in zip(*(a.tolist() for a in (rr, ff, tt, now, labels)), strict=True):
        ctx.decisions.append((int(ctx.reps[r]), when, int(w.fire_unit[f]), t, w.profile[t], LABELS[label],
                              float(team.confidence[team.classifier_of[f], label]), np.nan, np.nan, np.nan,
                              hours_on_task(ctx, when), np.nan, False, False, True, False, np.nan))
    eng.attempts[rr, tt] += 1
    eng.phase[rr, tt] = CLEARED
    eng.due[rr, tt] = np.inf if spec.authority.identification.persistent else now + spec.authority.reconsider_after
    eng.waiting[rr, tt] = False
    np.add.at(st.outcomes.holds, rr, 1)


def picture_time(ctx: Context, st: State, r: int, f: int, t: int, now: float) -> float:
    """When target ``t``'s current tracks first placed it in fire unit ``f``'s picture (at most ``now``): the
    first ranging sensor's delivery, or the first moment two passive sensors' were in, one of them measuring
    elevation (:func:`iadsim.registry.places_target`)."""
    delivered = np.where(st.readiness.feeds[r, f], st.tracks.confirmed_at[r, :, t] + ctx.world.latency[f], np.inf)
    order = np.argsort(delivered, kind="stable")
    kinds = ctx.world.placing[order]
    for n in range(1, len(order) + 1):  # the deliveries in time order, until they place it
        if places_target(kinds[:n]):
            return float(min(delivered[order[n - 1]], now))
    return float(now)


def authorise(ctx: Context, k: int, st: State, clock: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Pending engagements whose authorisation ends by the clock: launched if authorised (per the authority
    rule, on a fresh identification by the operator unless identification is persistent), else released.
    Returns the replication rows where an engagement was released (its fire unit is free again now)."""
    eng = st.engagements
    i, tt = due_pairs(rows, clock, eng.phase, eng.due, PENDING, PENDING)
    if not len(i):
        return np.zeros(0, np.int64)
    rr = rows[i]
    ff, when = eng.fire[rr, tt], clock[rr]
    tof, _, inside = engagement_geometry(ctx, k, ff, tt, when)
    knows = known(ctx, k, st.readiness, st.tracks, rr, ff, tt, when)
    aim_tof, aim = aim_points(ctx, k, st.picture, rr, ff, tt, when, tof)
    inside &= solution_reaches(ctx, ff, tt, when, aim_tof, aim) & own_envelope(ctx, k, st.picture, rr, ff, tt, when,
                                                                                aim)
    lit = guided(ctx, st, rr, ff, tt, when, flight_time(aim_tof, tof, inside))
    reason, salvo = np.empty(len(rr), np.int64), np.empty(len(rr), np.int64)

    def settle(j: slice, approved: np.ndarray) -> None:
        settle_authorisations(
            rr[j], ff[j], tt[j], when[j], approved, knows[j], inside[j], lit[j], aim_tof[j], aim[j], SETTLED_PHASES,
            LOST_REASONS, ctx.world.scenario.spec.authority.identification.persistent,
            float(ctx.world.scenario.spec.authority.reconsider_after), *settled_arrays(ctx, st), reason[j], salvo[j])

    if ctx.decisions is None:  # the operators' calls: none depends on another's outcome
        settle(slice(None), operator_approves(ctx, st, rr, ff, tt))
    else:  # the automation's: each reads the engagements settled before it (its crew's workload)
        for j in range(len(rr)):
            flight = aim_tof[j] if np.isfinite(aim_tof[j]) else tof[j]  # (no solution: lost whatever it decides)
            approved = automated(ctx, k, st, rr[j], ff[j], tt[j], float(when[j]), float(flight))
            settle(slice(j, j + 1), np.array([approved]))
    if ctx.log is not None or ctx.relocation:
        settled(ctx, k, st, rr, ff, tt, when, reason, salvo, aim_tof, aim)
    return np.unique(rr[reason != 0])


SETTLED_PHASES = np.array([IDLE, CLEARED, FLYING], np.int64)
"""The phases :func:`iadsim.engine._kernels.settle_authorisations` leaves an engagement in: lost, vetoed, launched."""
LOST_REASONS = np.array([Reason.TARGET_GONE, Reason.UNIT_DOWN, Reason.CHAIN_BROKEN, Reason.NOT_IN_PICTURE,
                         Reason.OUTSIDE_ENVELOPE, Reason.RADAR_DARK, Reason.NO_MISSILES, Reason.NO_CHANNEL,
                         Reason.NO_TARGET_CHANNEL], np.int64)
"""Why an authorised engagement is lost, in the order they are checked (:data:`iadsim.events.Reason`'s ``lost``)."""


def settled_arrays(ctx: Context, st: State) -> tuple:
    """The state and lookups :func:`iadsim.engine._kernels.settle_authorisations` reads and writes, in its order."""
    w, eng, bat, out, rd = ctx.world, st.engagements, st.batteries, st.outcomes, st.readiness
    return (bat.busy, eng.attempts, eng.phase, eng.due, eng.rounds, eng.aim, eng.launched, eng.nominated, out.vetoes,
            bat.missiles, bat.ready_at, bat.guiding, ctx.group, ctx.channels, bat.engaging, ctx.targets, ctx.magazine,
            ctx.launcher_times, out.alive, out.leaked, w.arrival_time, rd.unit_up, w.fire_unit, rd.able, w.layer,
            w.civil, w.friendly, w.decoy, out.engagements, out.reaction, out.expended, out.fired, out.launches,
            out.reached, out.wrongful, out.fratricide, out.at_decoys, out.first_engagement)


def operator_approves(ctx: Context, st: State, rr, ff, tt) -> np.ndarray:
    """(n,) bool: whether the authority rule approves each engagement (rows ``rr``, fire units ``ff``, targets
    ``tt``) on the deciding crew's identification of its target: a civil aircraft taken for hostile, or a hostile
    one for civil, each with the identification's chance scaled by the crew's error-rate factor, and a decoy also
    recognised for one (a keyed draw per authorisation, one per target if identification is persistent)."""
    w, spec, eng = ctx.world, ctx.world.scenario.spec, st.engagements
    ident = spec.authority.identification
    calls = rng.uniform_at(ctx.keys[rr], 0 if ident.persistent else eng.attempts[rr, tt], S_ID_OPERATOR, tt)
    approved = np.empty(len(rr), bool)
    d = eng.decider[rr, tt]  # the crew that took the decision at the nomination, else who decides now
    d = np.where(d >= 0, d, deciders(ctx, st.readiness, rr, ff))
    factors = [ctx.deciding_crews[j].error_rate_factor for j in d.tolist()]
    for i, (civil, decoy, decision, factor) in enumerate(zip(w.civil[tt].tolist(), w.decoy[tt].tolist(),
                                                              eng.decision[rr, tt], factors, strict=True)):
        p_wrong = 1.0 - skilled(1.0 - (ident.p_civil_as_hostile if civil else ident.p_hostile_as_civil), factor)
        if decoy:  # held for civil, or recognised for a decoy: either way not engaged
            p_wrong = 1.0 - (1.0 - p_wrong) * (1.0 - skilled(ident.p_decoy_recognised, factor))
        wrong = calls[i] < p_wrong
        operator_says_hostile = wrong if civil else not wrong
        approved[i] = ctx.authority.approves(operator_says_hostile, decision, spec.authority.veto_window)
    return approved


def settled(ctx: Context, k: int, st: State, rr, ff, tt, when, reason, salvo, tof, aim) -> None:
    """The events of settled authorisations (vetoed, lost with its reason, launched), in order, and a launch's
    shoot and scoot: the launcher and the radars that guide it relocate if they do after firing."""
    w, pic = ctx.world, st.picture
    for j, (r, f, t, now) in enumerate(zip(rr.tolist(), ff.tolist(), tt.tolist(), when.tolist(), strict=True)):
        if reason[j] == VETOED:
            ctx.event(r, now, EventKind.VETOED, w.fire_unit[f], t, where=TargetAt(k, t, now))
        elif reason[j]:
            ctx.event(r, now, EventKind.LOST, w.fire_unit[f], t, reason=Reason(int(reason[j])),
                      where=TargetAt(k, t, now))
        else:
            if ctx.relocation:
                for u in {int(w.fire_unit[f]), *w.sensor_unit[st.readiness.guides[r, f]].tolist()}:
                    trigger(ctx, st.readiness, r, u, now, "firing")
            ctx.event(r, now, EventKind.LAUNCH, w.fire_unit[f], t, track=t if pic.updates[r, f, t] else -1,
                      missiles=int(salvo[j]), time_of_flight=float(tof[j]), where=aim[j])


def automated(ctx: Context, k: int, st: State, r: int, f: int, t: int, now: float, tof: float) -> bool:
    """Whether an engagement the automation recommended (its label drawn at the nomination, :func:`nominate`) goes
    ahead (:mod:`iadsim.c2.teaming`): autonomous, at once; with an operator, after the IFF cross-check (the fire
    unit's own interrogator, the target's transponder, a fresh reply) and the logistic acceptance, by the authority
    rule. Each decision is kept (:data:`iadsim.events.DECISION_DTYPES`)."""
    w, spec, team = ctx.world, ctx.world.scenario.spec, ctx.teaming
    auto, ident, eng, rd = spec.authority.automation, spec.authority.identification, st.engagements, st.readiness
    key, attempt, drawn = ctx.keys[r], int(eng.attempts[r, t]), classification(ctx, st, r, f, t)
    label, confidence = LABELS[drawn], float(team.confidence[team.classifier_of[f], drawn])
    hours = hours_on_task(ctx, now)
    checked = replied = False
    p_accept = workload = press = trust = np.nan
    if not ctx.operator:  # autonomous: the classifier alone
        accepted = approved = True
    else:
        checked = bool(rng.uniform_at(key, attempt, S_CROSS_CHECK, t) < ident.cross_check)
        replies = bool(w.iff_replies[t] and rd.transponder[r, t] and rd.interrogator[r, w.fire_unit[f]])
        replied = checked and bool(rng.uniform_at(key, attempt, S_CROSS_IFF, t) < iff_reply_probability(
            replies, ident.p_transponder_missed))
        workload = operator_workload(ctx, k, st, r, f, t, now)
        press = float(pressure(tof, auto.operator.pressure_horizon))
        trust = float(team.trust[eng.decider[r, t]])  # the crew that took the decision at the nomination
        p_accept = float(acceptance(auto.operator, confidence, press, workload, hours, trust))
        accepted = not replied and bool(rng.uniform_at(key, attempt, S_ACCEPT, t) < p_accept)
        approved = ctx.authority.approves(accepted, eng.decision[r, t], spec.authority.veto_window)
    ctx.decisions.append((int(ctx.reps[r]), now, int(w.fire_unit[f]), t, w.profile[t], label, confidence, tof, press,
                          workload, hours, p_accept, checked, replied, accepted, approved, trust))
    return approved


def hours_on_task(ctx: Context, now: float) -> float:
    """The operators' hours on task at ``now``: ``operator.hours_on_task`` at the start plus the run's time."""
    return (ctx.world.scenario.spec.authority.automation.operator.hours_on_task + now) / 3600.0


def operator_workload(ctx: Context, k: int, st: State, r: int, f: int, t: int, now: float) -> float:
    """Tracks and decisions per operator of the crew deciding fire unit ``f``'s engagement of target ``t`` at
    ``now``: the live targets in the fire unit's picture plus the engagements waiting for that crew's decision (this
    one included), over its ``doctrine.concurrent_decisions`` operators."""
    w, eng = ctx.world, st.engagements
    n = len(w.target_ids)
    live = st.outcomes.alive[r] & ~st.outcomes.leaked[r]
    held = known(ctx, k, st.readiness, st.tracks, np.full(n, r), np.full(n, f), np.arange(n), np.full(n, now)) & live
    waiting = int(((eng.phase[r] == PENDING) & (eng.decider[r] == eng.decider[r, t])).sum())
    return float(held.sum() + waiting) / w.scenario.spec.doctrine.concurrent_decisions


def before_the_end(ctx: Context, tt, when, aim_tof) -> np.ndarray:
    """(n,) bool: the missiles launched at ``when`` would arrive (after ``aim_tof``, the time of flight they are
    launched on: :func:`aim_points`) before targets ``tt`` reach their route's end: an anti-radiation missile its
    radar, a raid its asset (flown on past it, the line predicted crosses the ground); after it they would find the
    target gone (:func:`arrive`), a launch only wasted."""
    return when + aim_tof < ctx.world.arrival_time[tt]


def solution_reaches(ctx: Context, ff, tt, when, aim_tof, aim) -> np.ndarray:
    """(n,) bool: fire units ``ff``'s missiles launched at ``when`` on their own solution (time of flight ``aim_tof``
    and intercept ``aim`` (n, 3): :func:`aim_points`) could meet targets ``tt``: a solution exists, lies within the
    longest reach of the missile's envelope plus the acquisition basket, and arrives before the target's route
    ends (:func:`before_the_end`). The envelope is judged on the target's true path (:func:`engagement_geometry`):
    an aim point farther out than that is farther than the basket from any intercept inside it, a certain miss, and
    one the fire unit's own computation would not launch (a track thrown off by the jump in its plots when a radar's
    north was corrected predicted intercepts up to 83 km out for a 20 km missile, missiles then flying for a
    minute and more)."""
    d = aim[:, :2] - ctx.world.fire_position[ff, :2]
    far = np.hypot(d[:, 0], d[:, 1]) > ctx.longest_reach[ff] + ctx.basket
    return before_the_end(ctx, tt, when, aim_tof) & ~far


def own_envelope(ctx: Context, k: int, pic: Picture, rr, ff, tt, when, aim) -> np.ndarray:
    """(n,) bool: the intercepts fire units ``ff``'s own tracks predict (``aim`` (n, 3), :func:`aim_points`) lie in
    their launch envelopes and launchers' sectors as the tracks give them: the aim point's ground range and bearing
    and the track's speed, by :func:`in_reach`'s rule (the truth's, in :func:`engagement_geometry`, also holds: what
    is launched must be able to fly there). A crew does not launch where its own computation puts the intercept
    beyond the missile's longest range or short of its shortest (judged on the truth alone, half the first launches
    at a target were aimed beyond it, with a radar of 150 m in range). The missile's altitudes are judged at the
    target's true height above the ground: the catalog gives a radar's range and azimuth errors, not its
    elevation's, and a plot's height error (the larger of the two) is no measurement to refuse a low flyer on."""
    w = ctx.world
    t0, _, heights, _ = true_paths(ctx, k)  # (compiled for the plain fire units; in_reach for the others)
    rr, ff, tt, when = triples(rr, ff, tt, when)
    inside, ground, height, speed = own_reach(w.fire_position, rr, ff, tt, when, np.ascontiguousarray(aim, float),
                                              pic.x, pic.updates, t0, w.step, *heights, *ctx.envelope, ctx.plain)
    special = np.flatnonzero(~ctx.plain[ff])
    if len(special):
        fs = ff[special]
        with np.errstate(invalid="ignore"):  # (a track giving no intercept: solution_reaches refuses it, not this)
            inside[special] = in_reach(ctx, fs, ground[special], height[special], speed[special],
                                       aim[special] - w.fire_position[fs])
        inside[special] |= pic.updates[rr[special], fs, tt[special]] == 0  # (no track: the truth's, as aim_points
        #                                                                    aims)
    return inside


def solution_opens(ctx: Context, k: int, pic: Picture, rr, ff, tt, when) -> np.ndarray:
    """(n,) the first moment after ``when`` (to 1 ms, within step ``k``'s window; inf: none) at which fire units
    ``ff``'s own tracks of targets ``tt`` (rows ``rr``), flown on as they stand, give a solution
    (:func:`solution_reaches`, :func:`own_envelope`): the event that wakes a row whose track gives none yet, as
    :func:`openings` finds the truth's intercept entering the envelope (a report in between wakes it sooner).
    Searched every :data:`OPENING_STRIDE`, then every millisecond before the first found."""
    end = window(ctx, k)[1]
    last = when + 1e-3 * np.floor((end - when) / 1e-3 - 1e-6)  # the last millisecond before the window's end
    out = np.full(len(rr), np.inf)
    coarse = _first_solution(ctx, k, pic, rr, ff, tt, when, last, OPENING_STRIDE)
    i = np.flatnonzero(np.isfinite(coarse))
    if len(i):
        since = np.maximum(coarse[i] - OPENING_STRIDE, when[i])  # (on the millisecond lattice from when)
        fine = _first_solution(ctx, k, pic, rr[i], ff[i], tt[i], since, coarse[i], 1e-3)
        out[i] = np.where(np.isfinite(fine), fine, coarse[i])  # (the coarse point itself, if rounding hid it)
    return out


OPENING_STRIDE = 0.05
"""[s] the coarse search of :func:`solution_opens` (a solution that opens and closes again within it between two
of its points is found by the next event instead)."""


def _first_solution(ctx: Context, k: int, pic: Picture, rr, ff, tt, since, until, stride: float) -> np.ndarray:
    """(n,) the first of ``since + stride``, ``since + 2 stride``, ... and ``until`` (each pair's) at which the
    pair's own track gives a solution (:func:`solution_opens`); inf: none."""
    points = max(int(np.ceil(np.max(until - since, initial=0.0) / stride - 1e-6)), 0)
    grid = np.minimum(since[:, None] + stride * np.arange(1, points + 1)[None, :], until[:, None])
    grid = np.concatenate([grid, until[:, None]], axis=1)  # (n, points + 1): ``until`` checked whatever rounding
    n, m = np.nonzero(grid > since[:, None] + 1e-9)
    if not len(n):
        return np.full(len(rr), np.inf)
    at = grid[n, m]
    aim_tof, aim = aim_points(ctx, k, pic, rr[n], ff[n], tt[n], at, np.zeros(len(n)))
    ok = np.zeros(grid.shape, bool)
    ok[n, m] = solution_reaches(ctx, ff[n], tt[n], at, aim_tof, aim) & own_envelope(
        ctx, k, pic, rr[n], ff[n], tt[n], at, aim)
    return np.where(ok.any(axis=1), grid[np.arange(len(rr)), np.argmax(ok, axis=1)], np.inf)


def aim_points(ctx: Context, k: int, pic: Picture, rr, ff, tt, when, tof) -> tuple[np.ndarray, np.ndarray]:
    """The times of flight (n,) and aim points (n, 3) of launches: the intercept predicted from the fire unit's own
    track; where its track gives none (a target it predicts the missile cannot catch), an infinite time of flight
    (no launch: :func:`solution_reaches`, as a fire unit computing no intercept would not fire); where there is no
    track, the truth's (time of flight ``tof``: no launch is decided without a track, :func:`firing_solution`).
    The truth's intercept stood in for a track that gave none: a perfect aim where the fire unit had no solution."""
    t0, t1, _, paths = true_paths(ctx, k)  # (kinematics.intercept's rule, compiled; no fire unit's envelope is
    #                                        judged here: own_envelope and engagement_geometry do)
    return track_aims(ctx.world.fire_position, *triples(rr, ff, tt, when, tof), pic.x, pic.track_time, pic.updates,
                      ctx.speed, MAX_TIME_OF_FLIGHT, t0, t1, *paths)


def assess(ctx: Context, k: int, st: State, clock: np.ndarray, rows: np.ndarray) -> None:
    """Missiles arriving by the clock, at their arrival times: kill with the salvo Pk (crew-scaled), free
    their guidance channels and look for the kill assessment time; assessments that end by the clock, and
    vetoes and holds whose ``reconsider_after`` has passed, let the target be engaged again."""
    eng = st.engagements
    i, tt = due_pairs(rows, clock, eng.phase, eng.due, FLYING, FLYING)
    if len(i):
        arrive(ctx, k, st, rows[i], tt)
    # the kill assessment ends, or a vetoed target may be decided on again
    i, tt = due_pairs(rows, clock, eng.phase, eng.due, ASSESSING, CLEARED)
    if len(i):
        eng.phase[rows[i], tt] = IDLE


def arrive(ctx: Context, k: int, st: State, rr: np.ndarray, tt: np.ndarray) -> None:
    """Missiles arrive at targets ``tt`` of rows ``rr``, at their due times: a kill (with the salvo's Pk) or a
    miss with its reason; the guidance and target channels are free again and the target is looked at."""
    w, rd, eng, bat, out = ctx.world, st.readiness, st.engagements, st.batteries, st.outcomes
    ff, times = eng.fire[rr, tt], eng.due[rr, tt]
    arrivals = positions_in(ctx, k, tt, times)  # where the targets are when the missiles arrive
    aim_errors = np.linalg.norm(eng.aim[rr, tt] - arrivals, axis=-1)
    single = single_shot_pk(ctx, st, k, rr, ff, tt, times, arrivals, aim_errors) * ctx.pk_factor[ff]
    kill_p = salvo_pk(single, eng.rounds[rr, tt])
    draws = rng.uniform_at(ctx.keys[rr], eng.attempts[rr, tt], S_KILL, tt)
    guided_ = kept_guidance(ctx, st, rr, ff, tt, times)
    np.subtract.at(bat.guiding, (rr, ctx.group[ff]), eng.rounds[rr, tt])  # (two salvos of one radar's: both)
    np.subtract.at(bat.engaging, (rr, ctx.group[ff]), 1)  # and their targets' channels
    checks = (  # the reasons to miss, the first that applies
        # a target already shot down or at its route's end (where one that attacks nothing - civil traffic, a decoy -
        # is gone) is gone, whatever the aim (it was counted an aim error: the aim point was where it did not fly)
        (out.alive[rr, tt] & ~out.leaked[rr, tt] & (times < w.arrival_time[tt]), Reason.TARGET_GONE),
        ((aim_errors <= ctx.basket) | ctx.inertial[ff], Reason.AIM_ERROR),  # an inertial missile's miss is its aim
        (rd.unit_up[rr, w.fire_unit[ff]], Reason.UNIT_DOWN),
        (rd.able[rr, ff], Reason.CHAIN_BROKEN),
        (guided_, Reason.RADAR_DARK),
        (draws < kill_p, Reason.WARHEAD),
    )
    reason = np.select([~ok for ok, _ in checks], [int(why) for _, why in checks], int(Reason.NONE))
    kill = np.flatnonzero(reason == Reason.NONE)
    r, t = rr[kill], tt[kill]
    out.alive[r, t] = False
    out.killed_by[r, t] = ff[kill]
    for count, counted in ((out.kills, w.threat), (out.arms_shot_down, w.arm), (out.decoys_killed, w.decoy),
                           (out.civil_killed, w.civil & ~w.friendly), (out.friendly_killed, w.friendly)):
        np.add.at(count, r, counted[t].astype(np.int64))
    late = w.arm[t] & (rd.destroyed_at[r, w.unit_of[t]] <= times[kill])  # (its radar gone: nothing defeated)
    np.add.at(out.arms_shot_down_late, r[late], 1)
    eng.phase[rr, tt], eng.due[rr, tt] = ASSESSING, times + w.scenario.spec.doctrine.kill_assessment_time
    for i, (r, t, f, when) in enumerate(zip(rr.tolist(), tt.tolist(), ff.tolist(), times.tolist(), strict=True)
                                        if ctx.log is not None else ()):
        if reason[i] == Reason.NONE:
            ctx.event(r, when, EventKind.KILL, w.fire_unit[f], t, miss_distance=float(aim_errors[i]), where=arrivals[i])
        else:
            ctx.event(r, when, EventKind.MISS, w.fire_unit[f], t, miss_distance=float(aim_errors[i]),
                      reason=Reason(int(reason[i])), where=arrivals[i])


def kept_guidance(ctx: Context, st: State, rr, ff, tt, when) -> np.ndarray:
    """(n,) bool: for missiles arriving at ``when`` (rows ``rr``, fire units ``ff``, targets ``tt``), one radar that
    guides the fire unit emitted from their launch to their arrival (an inertial missile needs none). Only a crew's
    silence (an ARM warning) can darken a guiding radar after a launch: the launch itself waits for a schedule that
    keeps it on (:func:`guided`)."""
    if not ctx.shutdowns or not len(rr):
        return np.ones(len(rr), bool)
    w, rd = ctx.world, st.readiness
    trk = st.tracks
    return ctx.inertial[ff] | lit_through(*triples(rr, ff, tt, st.engagements.launched[rr, tt], when), rd.guides,
                                          rd.silences, *w.emcon, False, False, trk.confirmed_at, trk.held_since,
                                          trk.held_until)


def single_shot_pk(ctx: Context, st: State, k: int, rr, ff, tt, when, arrival, aim_error) -> np.ndarray:
    """One missile's kill probability for arrivals (rows ``rr``, fire units ``ff``, targets ``tt`` at times
    ``when``, the targets at ``arrival``, ``aim_error`` from the aim points): the catalog's constant ``pk``,
    or the Carleton lethality function integrated over the end-game miss distribution
    (:func:`iadsim.physics.lethality.endgame_miss`: the guidance's prediction interval, the target's
    manoeuvre and crossing speed, a command-guided missile's track error, an inertial one's aim error) in
    closed form (:func:`~iadsim.physics.lethality.carleton_sspk`), compiled
    (:func:`iadsim.engine._kernels.end_game_pks`); times the factor near the envelope's edges (:func:`edge_factor`)."""
    w, pic = ctx.world, st.picture
    rr, ff, tt, when = triples(rr, ff, tt, when)
    out = end_game_pks(ctx.guidance_kind, ctx.pk, ctx.peak_pk, ctx.lethal_area, ctx.response_time, ctx.update_interval,
                       w.fire_position, pic.p, pic.updates, pic.track_time, st.engagements.launched, rr, ff, tt, when,
                       np.ascontiguousarray(arrival, float), np.ascontiguousarray(velocity_at(w, k, tt)),
                       np.ascontiguousarray(aim_error, float), ctx.manoeuvre)
    offset = arrival - w.fire_position[ff]
    return out * edge_factor(ctx, ff, np.hypot(offset[:, 0], offset[:, 1]), w.height_agl[k, tt].astype(float))


def channel_groups(w: World, default: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Guidance channels are a property of the guiding radar, shared by every launcher it guides.

    Returns (group of each fire unit, channels of each group): a fire unit's group is the first radar
    wired to guide it (its own, else the first with a fire-control link; a simplification when a launcher
    is wired to several); a launcher wired to no radar is a group of its own. A radar whose catalog entry
    gives no channel count gets ``default`` (``doctrine.default_guidance_channels``, an assumption).
    """
    units = {u.id: u for u in w.scenario.spec.units}
    names, capacity, group = [], [], []
    for f in range(len(w.fire_ids)):
        guider = guiding_radar(w, f)
        home = home_of(guider)[0]  # a relocating radar's channels are one pool, wherever it stands
        if home not in names:
            radar = sensor_entry(w.scenario, units[guider])
            names.append(home)
            found = radar is not None and radar.guidance_channels is not None
            capacity.append(int(radar.guidance_channels.value) if found else default)
        group.append(names.index(home))
    return np.array(group, np.int64), np.array(capacity, np.int64)


def target_channels(w: World, group: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """(G,) how many targets each guiding radar of :func:`channel_groups` engages at once: its catalog entry's
    ``track_channels`` (the S-300's engagement radar: 6 targets, with 12 guidance channels), else its guidance
    channels (each target takes at least one, so no other limit). A target channel is held from a salvo's launch to
    its arrival, as the salvo's guidance channels are."""
    units = {u.id: u for u in w.scenario.spec.units}
    out = np.array(capacity, np.int64)
    for f in range(len(w.fire_ids)):
        radar = sensor_entry(w.scenario, units[guiding_radar(w, f)])
        given = getattr(radar, "track_channels", None)
        if given is not None:
            out[group[f]] = int(given.value)
    return out
