"""What does not change between replications, computed once per scenario.

Flight paths are deterministic, so positions, line of sight (terrain masking rasters, one per sensor
site), per-look detection probabilities and measurement errors are shared by every replication. Only the
random draws differ. What the sensors see is kept sparse (:class:`Looks`): only the sensor-target pairs
in line of sight, inside range and sector, step by step (a few per cent of all pairs), and the physics is
evaluated at those pairs only (a sensor sees nothing beyond its ``max_range``). How each sensor sees is
its sensor model's business (:mod:`iadsim.sensors`), shared with the coverage maps.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property

import networkx as nx
import numpy as np

from iadsim.network import Network, build_network
from iadsim.network.chain import guider_names
from iadsim.registry import RANGING, places
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import LauncherType, MissileType
from iadsim.scenario.load import ScenarioWarning, launch_time
from iadsim.scenario.models import DEFAULT_PROFILES, LAYERS
from iadsim.scenario.notes import issue_warning
from iadsim.scenario.relocation import expanded, home_of
from iadsim.sensors import (
    Emission,
    Jamming,
    SensorModel,
    bearing_offset,
    line_of_sight,
    look_pd,
    path_geometry,
    sensor_model,
)
from iadsim.sensors.geometry import PATH_CHUNK, Geometry, land_clutter
from iadsim.terrain import local_relief, masking_height, masking_height_at


@dataclass(frozen=True, eq=False)
class Looks:
    """What every sensor can see at every step, sparse: the (sensor, target) pairs in line of sight, inside
    range and sector, sorted by step, sensor and target, with one look's probability of detection and the
    1-sigma measurement error there. Step ``k``'s pairs are ``ptr[k]:ptr[k + 1]``. Dense (K, S, T) arrays of
    the same are built on request (:meth:`dense`), for small worlds and tests."""

    shape: tuple[int, int, int]  # (K, S, T)
    ptr: np.ndarray  # (K + 1,) int64
    sensor: np.ndarray  # (P,) int32
    target: np.ndarray  # (P,) int32
    pd: np.ndarray  # (P,) float32: probability of detection of one look (0: seen, but no signal to detect)
    sigma: np.ndarray  # (P,) float32: 1-sigma position measurement error [m]

    @classmethod
    def from_pairs(cls, shape: tuple[int, int, int], k, s, t, pd, sigma) -> Looks:
        """The looks of pairs given in any order (each (step, sensor, target) once)."""
        k, s, t = (np.asarray(a) for a in (k, s, t))
        for name, a, n in (("step", k, shape[0]), ("sensor", s, shape[1]), ("target", t, shape[2])):
            if len(a) and (a.min() < 0 or a.max() >= n):
                raise ValueError(f"a pair's {name} is outside 0 .. {n - 1}")
        key = (k.astype(np.int64) * shape[1] + s) * shape[2] + t  # (step, sensor, target) in that order
        order = np.argsort(key, kind="stable")
        if (np.diff(key[order]) == 0).any():
            raise ValueError("a (step, sensor, target) pair is given twice")
        del key
        ptr = np.zeros(shape[0] + 1, np.int64)
        np.cumsum(np.bincount(k, minlength=shape[0]), out=ptr[1:])
        return cls(tuple(int(n) for n in shape), ptr, np.asarray(s, np.int32)[order], np.asarray(t, np.int32)[order],
                   np.asarray(pd, np.float32)[order], np.asarray(sigma, np.float32)[order])

    @classmethod
    def from_dense(cls, pd_look: np.ndarray, visible: np.ndarray, sigma: np.ndarray) -> Looks:
        """The looks of dense (K, S, T) arrays: the pairs where ``visible``."""
        k, s, t = np.nonzero(visible)
        return cls.from_pairs(visible.shape, k, s, t, pd_look[k, s, t], sigma[k, s, t])

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self) if f.name != "shape")

    def at(self, k: int) -> slice:
        """Step ``k``'s pairs."""
        return slice(int(self.ptr[k]), int(self.ptr[k + 1]))

    def visible_at(self, k: int) -> np.ndarray:
        """(S, T) bool: line of sight, inside range and sector at step ``k``."""
        out = np.zeros(self.shape[1:], bool)
        i = self.at(k)
        out[self.sensor[i], self.target[i]] = True
        return out

    def pd_at(self, k: int) -> np.ndarray:
        """(S, T) float32: one look's probability of detection at step ``k`` (0 where not seen)."""
        out = np.zeros(self.shape[1:], np.float32)
        i = self.at(k)
        out[self.sensor[i], self.target[i]] = self.pd[i]
        return out

    def dense(self, name: str) -> np.ndarray:
        """(K, S, T) array of ``"visible"`` (bool), ``"pd"`` or ``"sigma"`` (float32, 0 where not seen)."""
        values = np.ones(len(self.sensor), bool) if name == "visible" else getattr(self, name)
        out = np.zeros(self.shape, values.dtype)
        k = np.repeat(np.arange(self.shape[0]), np.diff(self.ptr))
        out[k, self.sensor, self.target] = values
        return out


@dataclass
class World:
    """Static arrays of one scenario. Shapes: K steps, T targets, S sensors, F fire units, U units."""

    scenario: Scenario
    net: Network
    times: np.ndarray  # (K,)
    step: float
    # targets (threats first, then civil traffic)
    target_ids: list[str]
    target_flight: list  # (T,) the scenario flight (raid or civil flight) each target belongs to
    civil: np.ndarray  # (T,) bool
    transponder: np.ndarray  # (T,) bool
    position: np.ndarray  # (K, T, 3) world x, y, altitude MSL
    velocity: np.ndarray  # (K, T, 3) float32 [m/s] (central differences of the positions, one-sided at a flight's
    #                       first and last samples; 0 where not flying)
    height_agl: np.ndarray  # (K, T) float32 [m]
    active: np.ndarray  # (K, T) airborne and on its route
    arrived: np.ndarray  # (K, T) reached the end of its route (a threat's target) by this step
    start_time: np.ndarray  # (T,) [s] when it takes off (enters the scenario)
    arrival_time: np.ndarray  # (T,) [s] when it reaches the end of its route (a threat: its target)
    asset_of: np.ndarray  # (T,) index into assets or -1
    unit_of: np.ndarray  # (T,) the unit it attacks (index into unit_ids) or -1
    # sensors: every unit with a sensor (radars and launchers carrying one)
    sensor_ids: list[str]
    sensor_position: np.ndarray  # (S, 3)
    look_period: np.ndarray  # (S,) [s] between two looks of a sensor (its own times: the engine draws the phase)
    looks: Looks  # what each sensor sees at each step, sparse
    masking: dict[str, np.ndarray]  # sensor id -> masking-height raster [m]
    # fire units
    fire_ids: list[str]
    fire_position: np.ndarray  # (F, 3)
    missile: list[MissileType]
    launcher: list[LauncherType]
    latency: np.ndarray  # (F, S) seconds from a sensor's detection to the fire unit's picture (inf: none)
    unit_ids: list[str]
    unit_index: dict[str, int]
    sensor_unit: np.ndarray  # (S,) index into unit_ids
    fire_unit: np.ndarray  # (F,) index into unit_ids
    guider_names: list[list[str]]  # per fire unit: radars wired to guide its missiles (own radar first)
    sensors: list[SensorModel]  # (S,) the sensor model of each sensor
    sensing: np.ndarray  # (S,) bool: the sensor can sense (Network.senses: a radar that is not silent; passive)
    emcon: np.ndarray  # (3, S) each sensor's emission schedule: period, on, offset [s] (iadsim.network.emcon)
    part_time: np.ndarray  # (S,) bool: the sensor's schedule is periodic (it emits part of the time)
    fire_sector: list  # (F,) each fire unit's sector (None: all round): it fires at intercepts inside it only
    # command posts (they keep a picture too, from what reaches them)
    post_ids: list[str]
    post_latency: np.ndarray  # (C, S) seconds from a sensor's detection to the command post's picture (inf: none)
    cue_range: np.ndarray  # (S,) [m] a cued radar (on-cue, ambush) goes live when a fire unit it guides holds a
    #                        hostile track within this ground range of it (nan: not cued)
    # anti-radiation missiles (targets after the raids' aircraft, before civil traffic)
    carrier: np.ndarray  # (T,) the aircraft (a target index) that launches it; -1: not an anti-radiation missile
    arm_sight: np.ndarray  # (T,) bool: its aircraft sees the radar it is launched at from the launch point (terrain)

    @cached_property
    def pd_look(self) -> np.ndarray:
        """(K, S, T) float32, read-only: one look's probability of detection (0 if not seen); dense, built on
        request from :attr:`looks` (small worlds, tests)."""
        return _read_only(self.looks.dense("pd"))

    @cached_property
    def visible(self) -> np.ndarray:
        """(K, S, T) bool, read-only: line of sight, inside range and sector (dense, from :attr:`looks`)."""
        return _read_only(self.looks.dense("visible"))

    @cached_property
    def sigma(self) -> np.ndarray:
        """(K, S, T) float32, read-only: 1-sigma position measurement error [m] (dense, from :attr:`looks`)."""
        return _read_only(self.looks.dense("sigma"))

    def with_looks(self, looks: Looks) -> World:
        """This world with other looks (a test forcing detections, a what-if)."""
        return replace(self, looks=looks)

    @cached_property
    def placing(self) -> np.ndarray:
        """(S,) int64 what each sensor's tracks give a picture (:func:`iadsim.registry.places`: 3 a radar's, 2 a
        passive sensor's lines of sight with elevation, 1 bearings only)."""
        return np.array([places(sensor, getattr(sensor, "entry", None)) for sensor in self.sensors], np.int64)

    @cached_property
    def arm(self) -> np.ndarray:
        """(T,) bool: the target is an anti-radiation missile (launched by a raid's aircraft; whether it flies is
        decided in each replication)."""
        return self.carrier >= 0

    @cached_property
    def home(self) -> np.ndarray:
        """(U,) each unit's own unit (index): itself, or for a relocating unit's copy at another site the unit
        (:mod:`iadsim.scenario.relocation`)."""
        return np.array([self.unit_index[home_of(u)[0]] for u in self.unit_ids], np.int64).reshape(len(self.unit_ids))

    @cached_property
    def site_number(self) -> np.ndarray:
        """(U,) each unit's site: 0 its own position, j its relocation's j-th site (a copy)."""
        return np.array([home_of(u)[1] for u in self.unit_ids], np.int64).reshape(len(self.unit_ids))

    @cached_property
    def decoy(self) -> np.ndarray:
        """(T,) bool: the target is a decoy (catalog kind decoy): the defence sees and engages it like a strike
        aircraft, but it attacks nothing."""
        return np.array([self.scenario.catalog.types[f.type].kind == "decoy" for f in self.target_flight], bool)

    @cached_property
    def layer(self) -> np.ndarray:
        """(F,) int64 each fire unit's defensive layer (an index into :data:`iadsim.scenario.models.LAYERS`; -1:
        none)."""
        return np.array([LAYERS.index(self.scenario.unit(f).layer) if self.scenario.unit(f).layer else -1
                         for f in self.fire_ids], np.int64).reshape(len(self.fire_ids))

    @cached_property
    def missile_cost(self) -> np.ndarray:
        """(F,) [US dollars] the unit cost of each fire unit's missile: the scenario's ``costs``, else the catalog's
        (NaN: neither gives one)."""
        costs = self.scenario.spec.costs
        return np.array([costs.get(lt.missile, _cost(m)) for lt, m in zip(self.launcher, self.missile, strict=True)],
                        float).reshape(len(self.fire_ids))

    @cached_property
    def target_cost(self) -> np.ndarray:
        """(T,) [US dollars] the unit cost of each target's type: the scenario's ``costs``, else the catalog's (NaN:
        neither gives one)."""
        costs = self.scenario.spec.costs
        return np.array([costs.get(f.type, _cost(self.scenario.catalog.types[f.type])) for f in self.target_flight],
                        float).reshape(len(self.target_flight))

    @cached_property
    def strike_pk(self) -> np.ndarray:
        """(T,) a threat's chance to destroy the unit or defended asset it attacks on reaching it (its raid's
        ``pk``; 1 for what belongs to no raid)."""
        return np.array([float(getattr(f, "pk", 1.0)) for f in self.target_flight], float).reshape(
            len(self.target_flight))

    @cached_property
    def unit_cost(self) -> np.ndarray:
        """(U,) [US dollars] the unit cost of each unit's type: the scenario's ``costs``, else the catalog's (NaN:
        neither gives one)."""
        costs, types = self.scenario.spec.costs, self.scenario.catalog.types
        units = [self.scenario.unit(u).type for u in self.unit_ids]
        return np.array([costs.get(t, _cost(types[t])) for t in units], float).reshape(len(units))

    @cached_property
    def asset_value(self) -> np.ndarray:
        """(A,) [US dollars] each defended asset's value (NaN: not given)."""
        values = [a.value for a in self.scenario.spec.defended_assets]
        return np.array([np.nan if v is None else v for v in values], float).reshape(len(values))

    @cached_property
    def threat(self) -> np.ndarray:
        """(T,) bool: a raid's aircraft (not civil traffic, not a missile they launch, not a decoy): what kills,
        leakers and the raid's measures count."""
        return ~self.civil & ~self.arm & ~self.decoy

    @cached_property
    def friendly(self) -> np.ndarray:
        """(T,) bool: a friendly military aircraft (traffic with side friendly): its loss is fratricide."""
        return np.array([self.civil[i] and getattr(f, "side", "civil") == "friendly"
                         for i, f in enumerate(self.target_flight)], bool).reshape(len(self.target_ids))

    @cached_property
    def iff_replies(self) -> np.ndarray:
        """(T,) bool: replies validly to IFF interrogation: traffic with its transponder on and, for a friendly
        aircraft, its codes loaded."""
        codes = np.array([getattr(f, "iff_codes", "loaded") == "loaded" for f in self.target_flight], bool)
        return self.transponder & codes.reshape(len(self.target_ids))

    @cached_property
    def profile(self) -> list[str]:
        """(T,) the classifier row each target is judged by (:data:`iadsim.scenario.models.DEFAULT_PROFILES`)."""
        out = []
        for i, flight in enumerate(self.target_flight):
            given = getattr(flight, "profile", None)
            if given is not None and not self.arm[i]:
                out.append(given)
            elif self.civil[i]:
                out.append(DEFAULT_PROFILES["friendly" if self.friendly[i] else "civil"])
            else:
                out.append(DEFAULT_PROFILES["arm" if self.arm[i] else "decoy" if self.decoy[i] else "raid"])
        return out

    @cached_property
    def starts_within(self) -> np.ndarray:
        """(K,) bool: some target starts its route within step k's window (off it at sample k, on it at k + 1)."""
        out = np.zeros(len(self.times), bool)
        out[:-1] = (~self.active[:-1] & self.active[1:]).any(axis=1)
        return out

    @cached_property
    def route_changes(self) -> np.ndarray:
        """(K,) bool: some target starts or ends its route within step k's window (on it at one of samples k and
        k + 1, off it at the other; False at the last step, which has no next sample)."""
        out = np.zeros(len(self.times), bool)
        out[:-1] = (self.active[:-1] != self.active[1:]).any(axis=1)
        return out

    @cached_property
    def attacking(self) -> np.ndarray:
        """(T,) int64: 0 for a threat that attacks something (a defended asset or a unit: it leaks, or strikes, on
        reaching it at the end of its route), -1 for one that does not, or a decoy (the kernels' test, like
        ``asset_of``)."""
        return np.where(((self.asset_of >= 0) | (self.unit_of >= 0)) & ~self.decoy, 0, -1).astype(np.int64)

    @cached_property
    def heading_for(self) -> np.ndarray:
        """(T,) bool: the target flies to a defended asset or a unit (its raid's ``target``), as the defence's
        threat evaluation sees it: a decoy too, though it strikes nothing."""
        return (self.asset_of >= 0) | (self.unit_of >= 0)

    @cached_property
    def attacked_xy(self) -> np.ndarray:
        """(T, 2) [m] where what each threat attacks stands (its asset's centre, or its unit's site); NaN: nothing."""
        sites, spec = self.scenario.sites, self.scenario.spec
        assets = [sites[a.id] for a in spec.defended_assets]
        out = np.full((len(self.target_ids), 2), np.nan)
        for t, (a, u) in enumerate(zip(self.asset_of, self.unit_of, strict=True)):
            site = assets[a] if a >= 0 else sites[self.unit_ids[u]] if u >= 0 else None
            if site is not None:
                out[t] = site.x, site.y
        return out

    @cached_property
    def radiates(self) -> np.ndarray:
        """(S,) bool: the sensor radiates (a radar; its model ``emits``), so emission control applies to it."""
        return np.array([bool(sensor.emits) for sensor in self.sensors], bool)

    @cached_property
    def ranging(self) -> np.ndarray:
        """(S,) bool: the sensor measures range (a radar); a passive sensor's tracks are of lines of sight."""
        return self.placing == RANGING


def _gradient(position: np.ndarray, step: float) -> np.ndarray:
    """``np.gradient(position, step, axis=0)`` (central differences inside, one-sided at the ends) without its
    temporaries: the same numbers, in one array."""
    out = np.zeros_like(position)
    if len(position) < 2:
        return out
    np.subtract(position[2:], position[:-2], out=out[1:-1])
    out[1:-1] /= 2.0 * step
    np.subtract(position[1], position[0], out=out[0])
    np.subtract(position[-1], position[-2], out=out[-1])
    out[[0, -1]] /= step
    return out


def _one_sided_at_the_ends(velocity: np.ndarray, position: np.ndarray, active: np.ndarray, step: float,
                           start: np.ndarray, arrival: np.ndarray) -> None:
    """At a target's first flying sample, and at its last, a central difference (:func:`_gradient`) straddles its
    start or its arrival, where the route holds still: it gives too low a speed there (an anti-radiation missile
    launched between two samples: 400 m/s for 600). There, each takes the one-sided difference on its flying side;
    a flight with one flying sample, its whole route over its own duration (``start``, ``arrival`` (T,) [s])."""
    k_n = len(position)
    for t in np.flatnonzero(active.any(axis=0)):
        flying = np.flatnonzero(active[:, t])
        first, last = int(flying[0]), int(flying[-1])
        if first == last:
            if 0 < first < k_n - 1:  # (held at its start before, at its end after)
                velocity[first, t] = (position[first + 1, t] - position[first - 1, t]) / (arrival[t] - start[t])
            continue
        if first > 0:
            velocity[first, t] = (position[first + 1, t] - position[first, t]) / step
        if last < k_n - 1:
            velocity[last, t] = (position[last, t] - position[last - 1, t]) / step


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _fly(scenario: Scenario, flight, times: np.ndarray, start: float):
    """Positions (K, 3: x, y, altitude MSL), ground elevation (K,) and the route's duration [s] of one
    aircraft of ``flight`` starting at ``start``; it holds at its last waypoint after the route's end."""
    route, speeds = scenario.routes[flight.id], scenario.speeds[flight.id]
    legs = np.linalg.norm(np.diff(route[:, :2], axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(legs / speeds[:-1])])
    tau = np.clip(times - start, 0.0, cum[-1])
    x = np.interp(tau, cum, route[:, 0])
    y = np.interp(tau, cum, route[:, 1])
    ground = scenario.terrain.elevation_at(x, y)
    if flight.altitude_reference == "agl":  # the climb- and descent-limited profile planned at load
        along, profile = scenario.profiles[flight.id]
        z = np.interp(np.interp(tau, cum, np.concatenate([[0.0], np.cumsum(legs)])), along, profile)
    else:  # refused at load where it goes below the terrain; over nodata it flies on at its altitude
        z = np.fmax(np.interp(tau, cum, route[:, 2]), ground)
    return np.stack([x, y, z], axis=-1), ground, cum[-1]


def _standoff_tracks(scenario: Scenario, times: np.ndarray) -> list[tuple]:
    """One (jammer spec, positions (K, 3), ground (K,), on (K,) bool) per stand-off jammer aircraft: it radiates
    from its start, flying its route and then holding at the last waypoint."""
    out = []
    for jammer in scenario.spec.jammers:
        for j in range(jammer.count):
            start = jammer.start + j * jammer.spacing
            position, ground, _ = _fly(scenario, jammer, times, start)
            out.append((jammer, position, ground, times >= start))
    return out


def standoff_jammers(scenario: Scenario, tracks: list[tuple], sensor, site: tuple, antenna_z: float, mask, relief,
                     dx, dy) -> list[Jamming]:
    """The stand-off jammers one sensor hears while looking at each target (arrays (K, T)): each band of each
    jammer aircraft, over its own path to the sensor (terrain blocks it, and so does nodata inside the masking
    sweep; beyond the sweep the smooth earth decides), while the sensor is inside the jammer's beam; in the
    sensor's main beam when the jammer's bearing is within half the sensor's azimuth beamwidth of the
    target's (a sensor model without a ``beamwidth`` hears it in the main beam)."""
    out = []
    half_beam = getattr(sensor, "beamwidth", 2 * np.pi) / 2
    surface = scenario.spec.surface
    for spec, position, ground, on in tracks:
        # over nodata an AGL route has no height: silent there (no traceback); an MSL one flies on
        known = np.isfinite(position).all(axis=1)
        ground = np.where(np.isfinite(ground), ground, site[2])
        position = np.where(known[:, None], position, [site[0], site[1], antenna_z])
        on = on & known
        x, y, z = position[:, 0:1], position[:, 1:2], position[:, 2:3]
        path = path_geometry(scenario.terrain, relief, mask, site, antenna_z, x, y, z,
                             np.maximum(z - ground[:, None], 0.0), surface=surface.type, roughness=surface.height_std,
                             surface_map=scenario.surface_classes)
        # beyond the masking sweep (off the map, or past the sensor's reach) the smooth earth decides; on
        # nodata inside it the map cannot say what lies between: not heard
        swept = scenario.terrain.contains(x, y) & (path.ground_range <= sensor.max_range)
        open_ = np.where(swept, line_of_sight(path), True)
        aim = scenario.aims.get(spec.id, site[:2])
        in_beam = bearing_offset(np.arctan2(site[0] - x, site[1] - y), np.arctan2(aim[0] - x, aim[1] - y)
                                 ) <= spec.beamwidth / 2 + 1e-12
        heard = on[:, None] & open_ & in_beam
        off = bearing_offset(np.arctan2(x - site[0], y - site[1]), np.arctan2(dx, dy))
        for band in spec.bands:
            out.append(Jamming(np.where(heard, band.erp, 0.0), np.array(band.centre), np.array(band.bandwidth), path,
                               off <= half_beam))
    return out


@dataclass(frozen=True)
class ArmFlight:
    """One anti-radiation missile as a target: launched by aircraft ``carrier`` (a target index) of ``raid`` at its
    ``launch`` entry's radar, round ``round`` (from 0), at ``time`` [s] from ``point`` (x, y, altitude MSL) straight
    at the radar's antenna at the missile's speed. Whether it is launched is decided in each replication
    (:func:`iadsim.engine.phases.release_arms`)."""

    id: str  # the raid's id: the flight it belongs to
    type: str  # its catalog type (kind arm)
    raid: object  # the carrier's raid
    launch: object  # the raid's ArmLaunch entry
    entry: int  # its index in the raid's arms
    carrier: int
    round: int
    time: float
    point: tuple
    emission: str = "off"  # it carries no radar: no ESM hears it


def _arm_flights(scenario: Scenario, times: np.ndarray, carriers: list[tuple[int, str, object, float, float]]):
    """The anti-radiation missiles of the raids' aircraft (``carriers``: target index, id, raid, start, route
    duration): each round's (id, ArmFlight, positions (K, 3), ground (K,), launch time, impact time), for the rounds
    whose launch falls while its aircraft still flies its route (:func:`iadsim.scenario.load.launch_time`)."""
    out = []
    for t, name, raid, start, duration in carriers:
        n = 0
        for entry, launch in enumerate(raid.arms):
            radar = scenario.sites[launch.at]
            aim = np.array([radar.x, radar.y, radar.ground + scenario.unit(launch.at).mast_height])
            first = launch_time(scenario.routes[raid.id], scenario.speeds[raid.id], (radar.x, radar.y),
                                launch.launch_range)
            if first is None:
                continue
            speed = scenario.catalog.types[launch.type].speed.value
            for i in range(launch.rounds):
                when = first + i * launch.interval
                if when >= duration:
                    break
                point, _, _ = _fly(scenario, raid, np.array([start + when]), start)
                n += 1
                flight = ArmFlight(raid.id, launch.type, raid, launch, entry, t, i, start + when, tuple(point[0]))
                leg = aim - point[0]
                tof = float(np.linalg.norm(leg)) / speed
                tau = np.clip(times - flight.time, 0.0, tof)[:, None] / max(tof, 1e-9)
                position = point[0][None, :] + tau * leg[None, :]
                ground = scenario.terrain.elevation_at(position[:, 0], position[:, 1])
                position[:, 2] = np.fmax(position[:, 2], np.where(np.isfinite(ground), ground, -np.inf))
                out.append((f"{name}-arm{n}", flight, position, ground, flight.time, flight.time + tof))
    return out


def _trajectories(scenario: Scenario, times: np.ndarray):
    """Every target: the raids' aircraft, then their anti-radiation missiles, then civil traffic."""
    spec = scenario.spec
    ids, flights_of, civil, transponder, positions, asset_of, unit_of = [], [], [], [], [], [], []
    assets = [a.id for a in spec.defended_assets]
    units = [u.id for u in spec.units]
    carriers = []

    def add(name, flight, is_civil, position, ground, start, end, target):
        ids.append(name)
        flights_of.append(flight)
        civil.append(is_civil)
        transponder.append(is_civil and flight.transponder == "on")
        positions.append((position, times >= start, times - start >= end - start, ground, start, end))
        asset_of.append(assets.index(target) if target in assets else -1)
        unit_of.append(units.index(target) if target in units else -1)

    for group, is_civil in ((spec.threats, False), ("arms", False), (spec.traffic, True)):
        if group == "arms":
            for name, flight, position, ground, start, end in _arm_flights(scenario, times, carriers):
                add(name, flight, False, position, ground, start, end, flight.launch.at)
            continue
        for flight in group:
            for j in range(flight.count):
                start = flight.start + j * flight.spacing
                position, ground, duration = _fly(scenario, flight, times, start)
                name = f"{flight.id}-{j + 1}" if flight.count > 1 else flight.id
                if getattr(flight, "arms", None):
                    carriers.append((len(ids), name, flight, start, duration))
                add(name, flight, is_civil, position, ground, start, start + duration, getattr(flight, "target", None))
    return (ids, flights_of, np.array(civil, bool), np.array(transponder, bool), positions, np.array(asset_of, int),
            np.array(unit_of, int))


def build_world(scenario: Scenario) -> World:
    """Precompute everything replication-independent (the slow geometry and physics) once; a relocating unit is a
    unit at each of its sites (:func:`iadsim.scenario.relocation.expanded`)."""
    scenario = expanded(scenario)
    spec, terrain = scenario.spec, scenario.terrain
    n_steps = int(np.floor(spec.duration / spec.step + 1e-9)) + 1
    times = np.arange(n_steps) * spec.step
    ids, flights_of, civil, transponder, paths, asset_of, unit_of = _trajectories(scenario, times)
    n_t = len(ids)
    position = np.zeros((n_steps, n_t, 3))
    active = np.zeros((n_steps, n_t), bool)
    arrived = np.zeros((n_steps, n_t), bool)
    height = np.zeros((n_steps, n_t))
    start_time, arrival_time = np.zeros(n_t), np.zeros(n_t)
    for i, (pos, started, done, ground, start_time[i], arrival_time[i]) in enumerate(paths):
        position[:, i] = pos
        active[:, i] = started & ~done
        arrived[:, i] = done
        height[:, i] = pos[:, 2] - ground
    del paths

    unit_ids = [u.id for u in spec.units]
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    sensors = [(u, m) for u in spec.units if (m := sensor_model(scenario, u)) is not None]
    n_s = len(sensors)
    s_pos = np.array([[scenario.sites[u.id].x, scenario.sites[u.id].y, scenario.sites[u.id].ground + u.mast_height]
                      for u, _ in sensors]).reshape(n_s, 3)
    aircraft = [scenario.catalog.types[f.type] for f in flights_of]
    rcs = np.array([a.rcs.value for a in aircraft])
    swerling = np.array([a.swerling for a in aircraft])
    # over nodata with no height (an AGL route): not seen there (off the grid the masking height is NaN: unseen)
    known = np.isfinite(position).all(axis=-1) & np.isfinite(height)
    # finite stand-ins where unknown (masked by `known`)
    seen_at = position if known.all() else np.where(known[..., None], position, 0.0)
    screening = _self_screening(flights_of)
    ir_intensity = {band: np.array([a.ir_intensity[band].value if a.ir_intensity and band in a.ir_intensity
                                    else np.nan for a in aircraft])[None, :] for band in ("mwir", "lwir")}
    emitters = _emitters(aircraft, flights_of)

    look_period = np.array([sensor.look_period for _, sensor in sensors], float)
    if (look_period <= 0).any() or not np.isfinite(look_period).all():
        raise ValueError("a sensor model's look_period must be a positive number of seconds")
    targets = _Targets((n_steps, n_t), rcs, swerling, screening, ir_intensity, emitters)
    masking, looks = {}, []
    relief = local_relief(terrain.elevation, terrain.cell_size)
    standoff = _standoff_tracks(scenario, times)
    for s, (unit, sensor) in enumerate(sensors):
        site = scenario.sites[unit.id]
        r0, c0 = terrain.xy_to_rowcol(site.x, site.y)
        mask = masking_height(terrain.elevation, terrain.cell_size, int(r0), int(c0), sensor.antenna_height,
                              max_distance=sensor.max_range)  # 4/3 radio earth
        masking[unit.id] = mask
        dx, dy = seen_at[..., 0] - site.x, seen_at[..., 1] - site.y
        jamming = standoff_jammers(scenario, standoff, sensor, (site.x, site.y, site.ground), s_pos[s, 2], mask,
                                   relief, dx, dy)
        # the paths evaluated: flying, known, and within the sensor's reach (beyond it, it sees nothing), a
        # chunk at a time (bounded memory)
        reach_k, reach_t = np.nonzero(known & active & (np.hypot(dx, dy) <= sensor.max_range))
        for lo in range(0, len(reach_k), PATH_CHUNK):
            kk, tt = reach_k[lo:lo + PATH_CHUNK], reach_t[lo:lo + PATH_CHUNK]
            looks.append(_sensor_looks(scenario, s, sensor, (site.x, site.y, site.ground), s_pos[s, 2], mask, relief,
                                       seen_at, height, dx, dy, kk, tt, jamming, targets))
    pairs = [np.concatenate([a[i] for a in looks]) if looks else np.zeros(0, np.int32) for i in range(5)]
    del looks  # (the chunks' arrays, before the pairs are sorted)
    looks = Looks.from_pairs((n_steps, n_s, n_t), *pairs)
    del pairs
    # float32 where precision allows (issue 21): a speed's rounding, some 1e-5 m/s, moves a target by less than a
    # millimetre over a step; a height by less than a millimetre (the looks above were judged in float64). Readers
    # that compute with them (the intercept kernels, norms) read them as float64 first.
    velocity = _gradient(position, spec.step)
    _one_sided_at_the_ends(velocity, position, active, spec.step, start_time, arrival_time)
    velocity[~active] = 0.0
    velocity = velocity.astype(np.float32)
    height = height.astype(np.float32)

    net = build_network(scenario)
    fire_ids = net.fire_units
    fire_units = [scenario.unit(f) for f in fire_ids]
    launchers = [scenario.catalog.types[u.type] for u in fire_units]
    missiles = [scenario.catalog.types[lt.missile] for lt in launchers]
    f_pos = np.array([[scenario.sites[u.id].x, scenario.sites[u.id].y, scenario.sites[u.id].ground + 3.0]
                      for u in fire_units]).reshape(len(fire_units), 3)
    sensor_ids = [u.id for u, _ in sensors]
    guiders = [guider_names(net, f) for f in fire_ids]
    latency = _latencies(scenario, net, guiders, sensor_ids)
    sensing = np.array([net.senses[s] for s in sensor_ids], bool)
    posts = net.units("command-post")
    return World(
        scenario, net, times, spec.step, ids, flights_of, civil, transponder, position, velocity, height, active,
        arrived, start_time, arrival_time, asset_of, unit_of, sensor_ids, s_pos, look_period, looks, masking,
        fire_ids, f_pos, missiles,
        launchers, latency, unit_ids, unit_index, np.array([unit_index[s] for s in sensor_ids], int),
        np.array([unit_index[f] for f in fire_ids], int), guiders, [m for _, m in sensors], sensing,
        np.array([[getattr(net.schedule[s], name) for s in sensor_ids] for name in ("period", "on", "offset")],
                 float).reshape(3, len(sensor_ids)),
        np.array([net.part_time(s) for s in sensor_ids], bool),
        [u.sector for u in fire_units], posts, _latencies(scenario, net, [[c] for c in posts], sensor_ids),
        cue_range=_cue_ranges(net, guiders, [u.id for u, _ in sensors], missiles),
        carrier=np.array([f.carrier if isinstance(f, ArmFlight) else -1 for f in flights_of], np.int64),
        arm_sight=_arm_sight(scenario, flights_of, warn=True),
    )


def _cost(entry) -> float:
    """A catalog type's unit cost [US dollars], NaN when the catalog gives none."""
    cost = getattr(entry, "unit_cost", None)
    return np.nan if cost is None else float(cost.value)


def _cue_ranges(net: Network, guiders: list[list[str]], sensor_ids: list[str], missiles: list) -> np.ndarray:
    """(S,) [m] each cued radar's cue range: its fraction of the longest maximum range of the missiles it guides
    (nan: not cued, or guiding none: it is never cued)."""
    out = np.full(len(sensor_ids), np.nan)
    for s, unit in enumerate(sensor_ids):
        reach = [m.max_range.value for names, m in zip(guiders, missiles, strict=True) if unit in names]
        if unit in net.cue and reach:
            out[s] = net.cue[unit] * max(reach)
    return out


def _arm_sight(scenario: Scenario, flights_of: list, warn: bool = False) -> np.ndarray:
    """(T,) bool: for each anti-radiation missile, its aircraft at the launch point is in line of sight of the radar's
    antenna (the exact masking height of the launch point's cell, 4/3 earth); False for the other targets. With
    ``warn``, a :class:`~iadsim.scenario.load.ScenarioWarning` names each launch entry some of whose rounds are out
    of sight (they are never launched)."""
    terrain = scenario.terrain
    out = np.zeros(len(flights_of), bool)
    for i, flight in enumerate(flights_of):
        if isinstance(flight, ArmFlight):
            radar, (x, y, z) = scenario.sites[flight.launch.at], flight.point
            r0, c0 = terrain.xy_to_rowcol(radar.x, radar.y)
            r, c = terrain.xy_to_rowcol(x, y)
            inside = bool(terrain.contains(x, y))
            ground = float(terrain.elevation[int(r), int(c)]) if inside else np.nan
            if np.isfinite(ground):
                mask = masking_height_at(terrain.elevation, terrain.cell_size, int(r0), int(c0),
                                         scenario.unit(flight.launch.at).mast_height, np.array([int(r)]),
                                         np.array([int(c)]))[0]
                out[i] = z - ground >= mask
    if warn:
        blind: dict[tuple[str, int], list[int]] = {}
        for i, flight in enumerate(flights_of):
            if isinstance(flight, ArmFlight):
                key = (flight.raid.id, flight.entry)
                blind.setdefault(key, [0, 0])[int(out[i])] += 1
        for (raid, j), (hidden, seen) in blind.items():
            if hidden:
                issue_warning(f"threats[{raid}].arms[{j}]: {hidden} of {hidden + seen} rounds are launched where "
                              f"the radar is out of sight (terrain or the horizon): they are never launched",
                              ScenarioWarning, stacklevel=3)
    return out


@dataclass(frozen=True)
class _Targets:
    """What the physics needs of the targets themselves: arrays over targets, or (1, T)."""

    shape: tuple[int, int]  # (K, T)
    rcs: np.ndarray
    swerling: np.ndarray
    screening: tuple | None
    ir_intensity: dict
    emitters: Emission | None


def _sensor_looks(scenario: Scenario, s: int, sensor: SensorModel, site: tuple, antenna_z: float, mask, relief,
                  seen_at, height, dx, dy, kk, tt, jamming: list, targets: _Targets) -> tuple:
    """(steps, sensors, targets, Pd, sigma) of the paths (``kk``, ``tt``) sensor ``s`` sees: their geometry and
    visibility, then the physics of one look where it sees (the stand-off ``jamming`` as
    :func:`standoff_jammers` gives it, arrays broadcast to (K, T))."""
    spec, terrain = scenario.spec, scenario.terrain
    x, y, z = (seen_at[kk, tt, i] for i in range(3))
    beamwidth = getattr(sensor, "beamwidth", None)
    clutter = None if beamwidth is None else land_clutter(terrain, mask, site[:2], x, y, scenario.clutter_map,
                                                              beamwidth)
    path = path_geometry(terrain, relief, mask, site, antenna_z, x, y, z, height[kk, tt], surface=spec.surface.type,
                         roughness=spec.surface.height_std, clutter=clutter, surface_map=scenario.surface_classes)
    vis = np.broadcast_to(np.asarray(sensor.visibility(path, dx[kk, tt], dy[kk, tt]), bool), kk.shape)
    kk, tt, path = kk[vis], tt[vis], path.take(vis)  # the physics only where the sensor sees

    def pick(a):
        return np.broadcast_to(a, targets.shape)[kk, tt]

    jammers = [Jamming(*map(pick, targets.screening), path, np.array(True), self_screening=True)
               ] if targets.screening else []
    jammers += [_picked(j, pick, targets.shape, (kk, tt)) for j in jamming]
    p = look_pd(sensor, path, targets.rcs[tt], targets.swerling[tt], jammers,
                {band: pick(v) for band, v in targets.ir_intensity.items()},
                None if targets.emitters is None else _picked(targets.emitters, pick, targets.shape, (kk, tt)))
    sigma = sensor.measurement_sigma(path.slant_range, path.ground_range)
    values = (np.broadcast_to(np.asarray(a, np.float32), kk.shape) for a in (p, sigma))  # (a model may give scalars)
    return (kk.astype(np.int32), np.full(len(kk), s, np.int32), tt.astype(np.int32), *values)


def _picked(value, pick, shape: tuple, index: tuple):
    """A :class:`Jamming` or :class:`Emission` whose arrays broadcast to ``shape`` (K, T), at the pairs ``index``
    only (``pick``: an array's values there; its paths: :meth:`Geometry.take`)."""
    changes = {}
    for f in fields(value):
        a = getattr(value, f.name)
        if isinstance(a, np.ndarray) and a.ndim:
            changes[f.name] = pick(a)
        elif isinstance(a, Geometry):  # a path
            changes[f.name] = a.broadcast(shape).take(index)
    return replace(value, **changes)


def _emitters(aircraft: list, flights_of: list) -> Emission | None:
    """The targets' own radars (their type's ``emitter``; silent where the raid's ``emission`` is off), arrays
    (1, T); None when no target carries one."""
    parts = [a.emitter if getattr(f, "emission", "on") == "on" else None for a, f in zip(aircraft, flights_of,
                                                                                          strict=True)]
    if not any(parts):
        return None
    value = lambda name, default: np.array([getattr(e, name).value if e else default for e in parts])[None, :]  # noqa: E731
    return Emission(value("erp", 0.0), value("frequency", 1e9), value("sidelobe_level", -100.0),
                    value("main_beam_fraction", 0.0))


def _self_screening(flights_of: list) -> tuple | None:
    """(ERP, centre, bandwidth), each (1, T), of the targets' self-screening jammers (one per raid with a
    ``jammer``; ERP 0 for the others), heard along each sensor's paths to the targets in its main beam; a
    format-1 jammer (``centre: any``) has a NaN centre: tuned to every radar. None when no raid jams."""
    jammers = [getattr(f, "jammer", None) for f in flights_of]
    if not any(jammers):
        return None
    erp = np.array([j.erp if j else 0.0 for j in jammers])[None, :]
    centre = np.array([np.nan if j is None or j.centre == "any" else j.centre for j in jammers])[None, :]
    bandwidth = np.array([j.bandwidth if j else 1.0 for j in jammers])[None, :]
    return erp, centre, bandwidth


def _latencies(scenario: Scenario, net: Network, guiders: list[list[str]], sensor_ids: list[str]) -> np.ndarray:
    """(F, S) fastest delivery time of a sensor's picture to each fire unit's guiding radars (or to any list of
    units: each command post alone), over picture links plus command-post processing (a command post's own
    included: its picture holds what it has processed), whatever the links' states (the engine masks by
    state)."""
    delay = {u.id: scenario.catalog.types[u.type].processing_delay.value
             for u in scenario.spec.units if scenario.catalog.types[u.type].kind == "command-post"}
    g = nx.DiGraph()
    for _, a, b, carries in net.links:
        if carries in ("tracks", "cues"):
            weight = net.graph.get_edge_data(a, b)
            latency = min(d["latency"] for d in weight.values() if d["carries"] in ("tracks", "cues"))
            g.add_edge(a, b, weight=latency + delay.get(b, 0.0))
    out = np.full((len(guiders), len(sensor_ids)), np.inf)
    for j, s in enumerate(sensor_ids):
        reach = nx.single_source_dijkstra_path_length(g, s) if s in g else {s: 0.0}
        reach[s] = 0.0
        for i, names in enumerate(guiders):
            out[i, j] = min((reach[n] for n in names if n in reach), default=np.inf)
    return out
