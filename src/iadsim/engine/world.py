"""What does not change between replications, computed once per scenario.

Flight paths are deterministic, so positions, line of sight (terrain masking rasters, one per radar
site), signal-to-noise ratios and per-look detection probabilities are arrays over
``(n_steps, n_sensors, n_targets)`` shared by every replication. Only the random draws differ.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import networkx as nx
import numpy as np

from iadsim.network import Network, build_network
from iadsim.physics import effects, scan
from iadsim.physics.detection import pd as exact_pd
from iadsim.physics.radar import snr_db
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import LauncherType, MissileType, RadarType
from iadsim.terrain import masking_height


@dataclass
class World:
    """Static arrays of one scenario. Shapes: K steps, T targets, S sensors, F fire units, U units."""

    scenario: Scenario
    net: Network
    times: np.ndarray  # (K,)
    step: float
    # targets (threats first, then civil traffic)
    target_ids: list[str]
    civil: np.ndarray  # (T,) bool
    transponder: np.ndarray  # (T,) bool
    position: np.ndarray  # (K, T, 3) world x, y, altitude MSL
    velocity: np.ndarray  # (K, T, 3)
    height_agl: np.ndarray  # (K, T)
    active: np.ndarray  # (K, T) airborne and on its route
    arrived: np.ndarray  # (K, T) reached the end of its route (a threat's target) by this step
    asset_of: np.ndarray  # (T,) index into assets or -1
    # sensors: every unit with a radar (radars and launchers carrying one)
    sensor_ids: list[str]
    sensor_position: np.ndarray  # (S, 3)
    look: np.ndarray  # (K, S) bool: the sensor looks at every target this step
    pd_look: np.ndarray  # (K, S, T) float32: probability of detection for a look (0 if masked)
    visible: np.ndarray  # (K, S, T) bool: line of sight, inside range and sector
    sigma: np.ndarray  # (K, S, T) float32: 1-sigma position measurement error [m]
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


def _trajectories(scenario: Scenario, times: np.ndarray):
    spec, terrain = scenario.spec, scenario.terrain
    ids, flights_of, civil, transponder, positions, asset_of = [], [], [], [], [], []
    assets = [a.id for a in spec.defended_assets]
    flights = [(f, False) for f in spec.threats] + [(f, True) for f in spec.traffic]
    for flight, is_civil in flights:
        route, speeds = scenario.routes[flight.id], scenario.speeds[flight.id]
        legs = np.linalg.norm(np.diff(route[:, :2], axis=0), axis=1)
        leg_time = legs / speeds[:-1]
        cum = np.concatenate([[0.0], np.cumsum(leg_time)])
        for j in range(flight.count):
            start = flight.start + j * flight.spacing
            tau = np.clip(times - start, 0.0, cum[-1])
            x = np.interp(tau, cum, route[:, 0])
            y = np.interp(tau, cum, route[:, 1])
            alt = np.interp(tau, cum, route[:, 2])
            ground = terrain.elevation_at(x, y)
            z = alt + ground if flight.altitude_reference == "agl" else np.maximum(alt, ground)
            ids.append(f"{flight.id}-{j + 1}" if flight.count > 1 else flight.id)
            flights_of.append(flight)
            civil.append(is_civil)
            transponder.append(is_civil and flight.transponder == "on")
            positions.append((np.stack([x, y, z], axis=-1), times >= start, times - start >= cum[-1], ground))
            target = getattr(flight, "target", None)
            asset_of.append(assets.index(target) if target in assets else -1)
    return ids, flights_of, np.array(civil, bool), np.array(transponder, bool), positions, np.array(asset_of, int)


def _radar_of(scenario: Scenario, unit) -> RadarType | None:
    entry = scenario.catalog.types[unit.type]
    if isinstance(entry, RadarType):
        return entry
    if isinstance(entry, LauncherType) and entry.radar:
        return scenario.catalog.types[entry.radar]
    return None


def pulses_per_look(radar: RadarType) -> int:
    """Pulses on a target per look: given, or beamwidth x PRF / scan rate for a rotating search radar."""
    if radar.pulses_per_look is not None:
        return int(radar.pulses_per_look.value)
    return int(scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / radar.scan_period.value, radar.prf.value))


def build_world(scenario: Scenario) -> World:
    """Precompute everything replication-independent (the slow geometry and physics) once."""
    spec, terrain = scenario.spec, scenario.terrain
    n_steps = int(np.floor(spec.duration / spec.step + 1e-9)) + 1
    times = np.arange(n_steps) * spec.step
    ids, flights_of, civil, transponder, paths, asset_of = _trajectories(scenario, times)
    n_t = len(ids)
    position = np.zeros((n_steps, n_t, 3))
    active = np.zeros((n_steps, n_t), bool)
    arrived = np.zeros((n_steps, n_t), bool)
    height = np.zeros((n_steps, n_t))
    for i, (pos, started, done, ground) in enumerate(paths):
        position[:, i] = pos
        active[:, i] = started & ~done
        arrived[:, i] = done
        height[:, i] = pos[:, 2] - ground
    velocity = np.gradient(position, spec.step, axis=0) if n_steps > 1 else np.zeros_like(position)
    velocity[~active] = 0.0

    unit_ids = [u.id for u in spec.units]
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    sensors = [(u, r) for u in spec.units if (r := _radar_of(scenario, u)) is not None]
    n_s = len(sensors)
    s_pos = np.array([[scenario.sites[u.id].x, scenario.sites[u.id].y, scenario.sites[u.id].ground + u.mast_height]
                      for u, _ in sensors]).reshape(n_s, 3)
    aircraft = [scenario.catalog.types[f.type] for f in flights_of]
    rcs = np.array([a.rcs.value for a in aircraft])
    jammers = [getattr(f, "jammer", None) for f in flights_of]
    jam_erp = np.array([j.erp if j else 0.0 for j in jammers])[None, :]
    jam_bandwidth = np.array([j.bandwidth if j else 1.0 for j in jammers])[None, :]
    swerling = np.array([a.swerling for a in aircraft])
    row, col = terrain.xy_to_rowcol(position[..., 0], position[..., 1])
    inside = (row >= 0) & (row < terrain.shape[0]) & (col >= 0) & (col < terrain.shape[1])
    row, col = np.clip(row, 0, terrain.shape[0] - 1), np.clip(col, 0, terrain.shape[1] - 1)

    look = np.zeros((n_steps, n_s), bool)
    pd_look = np.zeros((n_steps, n_s, n_t), np.float32)
    visible = np.zeros((n_steps, n_s, n_t), bool)
    sigma = np.zeros((n_steps, n_s, n_t), np.float32)
    masking = {}
    for s, (unit, radar) in enumerate(sensors):
        r0, c0 = terrain.xy_to_rowcol(s_pos[s, 0], s_pos[s, 1])
        mask = masking_height(terrain.elevation, terrain.cell_size, int(r0), int(c0), unit.mast_height,
                              max_distance=radar.instrumented_range.value)  # 4/3 radio earth
        masking[unit.id] = mask
        d = position - s_pos[s]
        slant = np.maximum(np.linalg.norm(d, axis=-1), 1.0)
        ground_range = np.hypot(d[..., 0], d[..., 1])
        mh = mask[row, col]
        vis = inside & np.isfinite(mh) & (height >= mh - 1e-6) & (slant <= radar.instrumented_range.value) & active
        if unit.sector is not None:
            bearing = np.arctan2(d[..., 0], d[..., 1])
            off = np.angle(np.exp(1j * (bearing - unit.sector.center)))
            vis &= np.abs(off) <= unit.sector.width / 2
        visible[:, s] = vis
        snr = signal_to_interference_db(radar, unit.mast_height, rcs[None, :], slant, ground_range, height, jam_erp,
                                        jam_bandwidth)
        n_pulses = pulses_per_look(radar)
        p = np.zeros((n_steps, n_t))
        for case in np.unique(swerling):
            cols = swerling == case
            p[:, cols] = exact_pd(np.clip(snr[:, cols], -40.0, 60.0), radar.pfa.value, n_pulses, int(case))
        # several looks within one step (a fast update rate) combine as independent looks
        looks_per_step = spec.step / radar.scan_period.value
        if looks_per_step >= 1.0:
            look[:, s] = True
            p = 1.0 - (1.0 - p) ** looks_per_step
        else:
            phase = (zlib.crc32(unit.id.encode()) % 997) / 997.0 * radar.scan_period.value  # stable per site
            cycle = np.floor((times + phase) / radar.scan_period.value)
            look[:, s] = np.concatenate([[True], np.diff(cycle) > 0])
        pd_look[:, s] = np.where(vis, p, 0.0)
        sigma[:, s] = np.maximum(radar.range_accuracy.value, ground_range * radar.azimuth_accuracy.value)

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
    return World(
        scenario, net, times, spec.step, ids, civil, transponder, position, velocity, height, active, arrived,
        asset_of, sensor_ids, s_pos, look, pd_look, visible, sigma, masking, fire_ids, f_pos, missiles, launchers,
        latency, unit_ids, unit_index, np.array([unit_index[s] for s in sensor_ids], int),
        np.array([unit_index[f] for f in fire_ids], int), guiders,
    )


LAND_GAMMA_DB = -15.0  # constant-gamma land clutter (Nathanson: wooded hills ~ -15 dB); an assumption


def signal_to_interference_db(radar: RadarType, antenna_height, rcs, slant_range, ground_range, target_height,
                              jammer_erp=0.0, jammer_bandwidth=1.0):
    """Per-pulse SINR [dB]: the radar equation, minus two-ray multipath loss at low altitude, against
    noise plus mainbeam land clutter (after the radar's MTI improvement) plus self-screening noise
    jamming. Each term is a cited function of :mod:`iadsim.physics.effects`; combining them this way
    (clutter only while the target is inside the lowest beam, i.e. its elevation angle is below one
    beamwidth) is a modelling assumption."""
    snr = snr_db(radar.peak_power.value, radar.gain.value, radar.frequency.value, rcs, slant_range,
                 radar.pulse_width.value, radar.system_temperature.value, radar.losses.value)
    height = np.maximum(target_height, 1.0)
    snr = snr - effects.multipath_loss_db(antenna_height, height, np.maximum(ground_range, 1.0), radar.frequency.value)
    psi = effects.grazing_angle(antenna_height, np.maximum(slant_range, 1.0))
    sigma0 = effects.constant_gamma_sigma0(LAND_GAMMA_DB, np.maximum(psi, 1e-4))
    cnr = effects.clutter_to_noise_db(radar.peak_power.value, radar.gain.value, radar.frequency.value, slant_range,
                                      radar.pulse_width.value, sigma0, radar.beamwidth.value, np.maximum(psi, 1e-4),
                                      radar.system_temperature.value, radar.losses.value, radar.mti_improvement.value)
    elevation = np.arctan2(height - antenna_height, np.maximum(ground_range, 1.0))
    cnr = np.where(elevation < radar.beamwidth.value, cnr, -np.inf)
    jammer = np.broadcast_to(np.asarray(jammer_erp, float), np.shape(snr))
    with np.errstate(divide="ignore"):
        jnr = np.where(jammer > 0, effects.jammer_to_noise_db(
            np.maximum(jammer, 1e-30), jammer_bandwidth, radar.frequency.value, radar.gain.value, slant_range,
            1.0 / radar.pulse_width.value, radar.system_temperature.value, 0.0, radar.losses.value), -np.inf)
    return effects.sinr_db(snr, jnr, cnr)


def guider_names(net: Network, fire_id: str) -> list[str]:
    """Radars wired to guide a fire unit's missiles, whatever their state: its own radar first, then
    every radar with a fire-control link to it (which of them works is the kill-chain rules' business)."""
    own = [fire_id] if net.has_radar[fire_id] else []
    return own + [a for _, a, b, carries in net.links if b == fire_id and carries == "fire-control"]


def _latencies(scenario: Scenario, net: Network, guiders: list[list[str]], sensor_ids: list[str]) -> np.ndarray:
    """(F, S) fastest delivery time of a sensor's picture to each fire unit's guiding radars, over picture
    links plus command-post processing, whatever the links' states (the engine masks by state)."""
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
