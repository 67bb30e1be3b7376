"""Propagation in the engine's detections, against references computed here: first detection of a target at
altitude against the free-space range and the reflection's bound (1 +/- |Gamma| rho_s D), first detection
beyond the horizon against ITU-R P.526's loss and the radar's SNR margin, a summit radar against the same
radar in the valley, and jamming: an out-of-band jammer changes nothing, the receiver sees the jammer's
band overlap, the sidelobes attenuate a stand-off jammer by the catalog's level, and the burn-through
ranges of coverage's burnthrough.json match the textbook self-screening and stand-off formulas."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from scipy.optimize import brentq
from tests.propagation import p526_first_term_db, sinc_beam, specular, two_ray

from iadsim.analysis.coverage import coverage
from iadsim.engine import build_world
from iadsim.physics import scan
from iadsim.physics.detection import required_snr_db
from iadsim.physics.propagation import horizon_range
from iadsim.physics.radar import snr_db
from iadsim.physics.reflection import surface_electrical_constants, surface_permittivity
from iadsim.sensors import Geometry, Jamming, in_band_fraction, signal_to_interference_db
from iadsim.terrain import LOCAL_CRS, Dem, write_geotiff

from ._scenarios import scenario_dict

RADAR = "s-band"  # the catalog's long-range acquisition radar without an elevation pattern, clutter removed


def _catalog(tmp_path, **changes) -> None:
    from importlib.resources import files

    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    entry = dict(builtin["types"]["lr-acquisition-radar"], label="S-band search radar (test fixture)")
    for name in ("elevation_beamwidth", "elevation_tilt", "csc2_ceiling"):
        entry.pop(name)
    entry["mti_improvement"] = {"value": "150 dB", "source": "assumption", "grade": "assumed"}
    entry["instrumented_range"] = {"value": "400 km", "source": "assumption", "grade": "assumed"}
    for name, value in changes.items():
        entry[name] = {"value": value, "source": "assumption", "grade": "assumed"}
    (tmp_path / "radar.yaml").write_text(yaml.safe_dump({"sources": builtin["sources"], "types": {RADAR: entry}}))


def _inbound(x0_km: float, altitude: str, type_: str = "fighter", y_km: float = 0.0) -> dict:
    return {"id": "raid", "type": type_, "route": [{"x": f"{x0_km} km", "y": f"{y_km} km", "altitude": altitude},
                                                   {"x": "0 km", "y": f"{y_km} km", "altitude": altitude}]}


def _first_detection(world, s: int = 0, t: int = 0) -> float:
    """Slant range [m] at which the per-look Pd first reaches 0.5 on the inbound leg (0: never)."""
    hit = np.flatnonzero(world.visible[:, s, t] & (world.pd_look[:, s, t] >= 0.5) & world.active[:, t])
    if not hit.size:
        return 0.0
    return float(np.linalg.norm(world.position[hit[0], t] - world.sensor_position[s]))


def _required_snr(radar, swerling: int = 1) -> float:
    n = scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / radar.scan_period.value, radar.prf.value)
    return float(required_snr_db(0.5, radar.pfa.value, n, swerling))


def _free_space_snr(radar, rcs, r):
    return snr_db(radar.peak_power.value, radar.gain.value, radar.frequency.value, rcs, r, radar.pulse_width.value,
                  radar.system_temperature.value, radar.losses.value)


def _scenario(make_scenario, tmp_path, units, threats, extent="700 km", **top):
    top = {"terrain": {"flat": "100 m", "extent": extent}, "duration": "25 min", "catalog": ["radar.yaml"], **top}
    data = scenario_dict(units, threats=threats, **top)
    data["defended_assets"] = []
    return make_scenario(data)


@pytest.mark.validation
@pytest.mark.parametrize(("target", "altitude", "start_km", "reflection_gone"), [
    ("drone", "10 km", -170, True),  # first seen at a grazing angle of degrees: 1 m of roughness kills the reflection
    ("fighter", "6 km", -330, False),  # first seen near its horizon, at a grazing angle of a tenth of a degree: lobes
])
@pytest.mark.parametrize("beam", [None, (6.0, 3.0)])  # no elevation pattern; a 6 deg sinc beam tilted 3 deg up
def test_first_detection_at_altitude_is_free_space_within_the_reflections_bound(make_scenario, tmp_path, validation,
                                                                                  target, altitude, start_km,
                                                                                  reflection_gone, beam):
    _catalog(tmp_path, **({} if beam is None else {"elevation_beamwidth": f"{beam[0]} deg",
                                                   "elevation_tilt": f"{beam[1]} deg"}))
    radar_unit = {"id": "sr", "type": RADAR, "x": "0 km", "y": "0 km", "mast_height": "10 m"}
    world = build_world(_scenario(make_scenario, tmp_path, [radar_unit], [_inbound(start_km, altitude, target)]))
    radar = world.scenario.catalog.types[RADAR]
    rcs = world.scenario.catalog.types[target].rcs.value
    need = _required_snr(radar)
    h_t = float(world.height_agl[-1, 0])

    def pattern(theta):  # the test's own sinc beam (Blake's Eqs. 38-40), or none
        return 1.0 if beam is None else sinc_beam(theta, np.radians(beam[0]), np.radians(beam[1]))

    def direct(d):  # the free-space echo through the pattern, f(theta_d)^4, at ground range d
        p1, _, p2 = specular(10.0, h_t, d)
        theta = np.arctan2((p2 - p1)[1], (p2 - p1)[0])
        return _free_space_snr(radar, rcs, np.linalg.norm(p2 - p1)) + 40 * np.log10(abs(pattern(theta))), p1, p2

    # inbound: the first ground range (from far out) where the free-space echo through the pattern suffices
    far = next(d for d in np.arange(390e3, 20e3, -1e3) if direct(d)[0] >= need)
    ground_fs = brentq(lambda d: direct(d)[0] - need, far, far + 1e3)
    free_space = float(np.linalg.norm(direct(ground_fs)[2] - direct(ground_fs)[1]))
    got = _first_detection(world)
    # |Gamma| rho_s D f(theta_r) / f(theta_d) at the detection point, from tests/propagation.py
    k = int(np.argmin(np.abs(np.linalg.norm(world.position[:, 0] - world.sensor_position[0], axis=-1) - got)))
    ground = float(np.hypot(*world.position[k, 0, :2]))
    eps = complex(surface_permittivity("medium-dry-ground", radar.frequency.value))
    product = two_ray(10.0, float(world.height_agl[k, 0]), ground, radar.frequency.value, eps, "horizontal", 1.0,
                      "ament", pattern)[2]
    assert got > 100e3
    beam_text = "no elevation pattern" if beam is None else f"a {beam[0]:g} deg beam tilted {beam[1]:g} deg"
    validation(f"first-detection range of a {target} at {altitude}, S-band over default land, {beam_text}, "
               "relative to free space (iadsim engine)", "radar equation through the pattern and required SNR for Pd "
               "0.5 (computed in the test); bound 1 +/- |Gamma| rho_s D f(theta_r) / f(theta_d) (computed in the "
               "test)", got / free_space, 1.0, abs=product + 0.005)
    assert (product <= 0.1) == reflection_gone
    if reflection_gone:  # free space within 10 %
        assert abs(got / free_space - 1) <= 0.1


def test_first_detection_beyond_the_horizon_is_bounded_by_the_diffraction_loss(make_scenario, tmp_path):
    _catalog(tmp_path, peak_power="100 MW")  # an unrealistic transmitter: margin for a low fighter past the horizon
    radar_unit = {"id": "sr", "type": RADAR, "x": "0 km", "y": "0 km", "mast_height": "10 m"}
    world = build_world(_scenario(make_scenario, tmp_path, [radar_unit], [_inbound(-200, "100 m")]))
    radar = world.scenario.catalog.types[RADAR]
    rcs = world.scenario.catalog.types["fighter"].rcs.value
    need = _required_snr(radar)
    horizon = float(horizon_range(10.0, 100.0))
    eps_r, sigma = surface_electrical_constants("medium-dry-ground", radar.frequency.value)

    def margin(d):  # SNR beyond the horizon (two-way diffraction loss) less the SNR needed
        loss = p526_first_term_db(d, 10.0, 100.0, radar.frequency.value, float(eps_r), float(sigma), "horizontal")
        return _free_space_snr(radar, rcs, d) - 2 * max(loss, 0.0) - need

    start = 1.1 * horizon  # where the first term holds (X >= 1.6) and the blend has ended
    assert margin(start) > 0  # the radar has margin past the horizon: the bound below is not the horizon itself
    bound = brentq(margin, start, 3 * horizon)
    got = _first_detection(world)
    # past the horizon (by diffraction: the bound is not met trivially), but no farther than the bound (a step
    # of flight, 250 m, of slack)
    assert horizon < got <= bound + 300.0, (got, horizon, bound)


def _hill(tmp_path, crs: str) -> str:
    """A 600 m cone (5 km radius) on a 100 m plain, 200 km square, 250 m cells, as a GeoTIFF."""
    cell, half = 250.0, 100e3
    n = int(2 * half / cell)
    centres = (np.arange(n) + 0.5) * cell - half
    x, y = np.meshgrid(centres, -centres)
    elevation = 100.0 + 600.0 * np.clip(1 - np.hypot(x, y) / 5e3, 0, None)
    write_geotiff(tmp_path / "hill.tif", elevation, Dem.from_array(elevation, cell, (-half, half), crs))
    return "hill.tif"


def test_a_summit_radar_sees_a_low_target_farther_than_in_the_valley(make_scenario, tmp_path):
    _catalog(tmp_path)
    flat = _scenario(make_scenario, tmp_path, [{"id": "a", "type": RADAR, "x": "0 km", "y": "0 km"}], [])
    terrain = {"source": _hill(tmp_path, flat.terrain.crs)}
    ranges = {}
    for name, (x, y) in {"summit": (0, 0), "valley": (0, -30)}.items():
        units = [{"id": "sr", "type": RADAR, "x": f"{x} km", "y": f"{y} km", "mast_height": "10 m"}]
        scenario = _scenario(make_scenario, tmp_path, units, [_inbound(-90, "50 m", y_km=y)], terrain=terrain)
        world = build_world(scenario)
        ranges[name] = _first_detection(world)
    # the valley radar (10 m over the plain) cannot see a 50 m target much past its smooth-earth horizon; the
    # summit's antenna, some 600 m over the plain, sees it from beyond that
    valley_horizon = float(horizon_range(10.0, 50.0))
    assert 0 < ranges["valley"] <= 1.1 * valley_horizon < ranges["summit"], (ranges, valley_horizon)


def test_jammers_out_of_band_change_nothing_and_in_band_blind(make_scenario, tmp_path):
    _catalog(tmp_path)
    radar_unit = {"id": "sr", "type": RADAR, "x": "0 km", "y": "0 km", "mast_height": "10 m"}
    threat = _inbound(-250, "3 km")

    def world(jammer_centre=None, standoff_centre=None):
        raid = dict(threat)
        if jammer_centre:
            raid["jammer"] = {"erp": "100 W", "centre": jammer_centre, "bandwidth": "50 MHz"}
        top = {"format_version": 2}
        if standoff_centre:
            top["jammers"] = [{"id": "soj", "type": "fighter", "route": [{"x": "-150 km", "y": "20 km",
                                                                          "altitude": "8 km"}],
                               "bands": [{"centre": standoff_centre, "bandwidth": "100 MHz", "erp": "1 kW"}]}]
        return build_world(_scenario(make_scenario, tmp_path, [radar_unit], [raid], **top))

    quiet = world()
    for off_band in (world(jammer_centre="1 GHz"), world(standoff_centre="9 GHz")):
        np.testing.assert_array_equal(off_band.pd_look, quiet.pd_look)
    seen = quiet.visible[:, 0, 0] & (quiet.pd_look[:, 0, 0] > 0.2)
    assert seen.sum() > 100
    clear = seen & (quiet.pd_look[:, 0, 0] < 0.99)
    for in_band in (world(jammer_centre="3 GHz"), world(standoff_centre="3 GHz")):
        assert (in_band.pd_look[seen, 0, 0] <= quiet.pd_look[seen, 0, 0]).all()
        assert (in_band.pd_look[clear, 0, 0] < quiet.pd_look[clear, 0, 0]).all()


def test_the_receiver_takes_the_band_overlap_and_the_sidelobes_attenuate(tmp_path):
    from iadsim.scenario import builtin_catalog

    radar = builtin_catalog().types["lr-acquisition-radar"]
    b_r, f = 1 / radar.pulse_width.value, radar.frequency.value
    # a jammer wider than the receiver and centred on it delivers B_r / B_j; ten times wider, 10 dB less
    assert in_band_fraction(radar, f, 50e6) == pytest.approx(b_r / 50e6)
    assert 10 * np.log10(in_band_fraction(radar, f, 50e6) / in_band_fraction(radar, f, 500e6)) == pytest.approx(10)
    assert in_band_fraction(radar, f + 200e6, 100e6) == 0.0  # off the radar's frequency: nothing
    assert in_band_fraction(radar, f + 20e6, 50e6) == pytest.approx(b_r / 50e6)  # still covers the receiver
    assert in_band_fraction(radar, f + 25e6, 50e6) == pytest.approx(b_r / 2 / 50e6)  # from f up: half of it
    assert in_band_fraction(radar, np.nan, 50e6) == pytest.approx(b_r / 50e6)  # format 1: every radar
    # main beam against sidelobes: the JNR differs by the catalog's sidelobe level (no elevation pattern here)
    plain = radar.model_copy(update={"elevation_beamwidth": None, "elevation_tilt": None, "csc2_ceiling": None})
    path = Geometry.flat(100e3, 10.0, 8000.0, height_std=30.0)
    target = Geometry.flat(50e3, 10.0, 3000.0, height_std=30.0)

    def jnr(entry, main: bool, jammer_path=path) -> float:
        jam = Jamming(np.array(1e3), np.array(entry.frequency.value), np.array(100e6), jammer_path, np.array(main))
        snr = signal_to_interference_db(entry, target, 1.0)
        sinr = signal_to_interference_db(entry, target, 1.0, [jam])
        return float(10 * np.log10(10 ** ((snr - sinr) / 10) - 1))  # SINR = SNR - 10 log(1 + J/N), no clutter

    assert jnr(plain, True) - jnr(plain, False) == pytest.approx(-radar.sidelobe_level.value, abs=0.05)
    # a fire-control radar's pencil beam tracks the target: a jammer on its bearing but 5 deg above it is in
    # the sidelobes (its elevation beam is 1 deg); one at the target's elevation is in the main beam
    fcr = builtin_catalog().types["lr-engagement-radar"]
    above = Geometry.flat(50e3, 10.0, 3000.0 + 50e3 * np.tan(np.radians(5)), height_std=30.0)
    beside = Geometry.flat(60e3, 10.0, 3000.0 * 60 / 50, height_std=30.0)  # about the target's elevation
    assert jnr(fcr, True, above) == pytest.approx(jnr(fcr, False, above), abs=1e-9)
    assert jnr(fcr, True, beside) - jnr(fcr, False, beside) == pytest.approx(-fcr.sidelobe_level.value, abs=0.3)


@pytest.mark.validation
def test_burnthrough_ranges_match_the_textbook_formulas(tmp_path, validation):
    from iadsim.scenario import load_scenario

    _catalog(tmp_path)
    (tmp_path / "s.yaml").write_text(f"""
format_version: 2
name: burn-through
duration: 10 min
terrain: {{flat: 100 m, extent: 400 km}}
catalog: [radar.yaml]
surface: {{type: medium-dry-ground, roughness: 30 m}}
units:
  - {{id: sr, type: {RADAR}, x: 0 km, y: 0 km, mast_height: 10 m}}
threats:
  - id: ssj
    type: fighter
    jammer: {{erp: 30 W, centre: 3 GHz, bandwidth: 300 MHz}}
    route: [{{x: -150 km, y: 0 km, altitude: 3 km}}, {{x: 0 km, y: 0 km, altitude: 3 km}}]
jammers:
  - id: soj
    type: fighter
    route: [{{x: -120 km, y: 60 km, altitude: 9 km}}, {{x: -120 km, y: -60 km, altitude: 9 km}}]
    bands: [{{centre: 3 GHz, bandwidth: 200 MHz, erp: 2 kW}}, {{centre: 1.2 GHz, bandwidth: 100 MHz, erp: 5 kW}}]
""")
    scenario = load_scenario(tmp_path / "s.yaml")
    coverage(scenario, tmp_path / "out", bands=(3000.0,), aoi="terrain")
    entries = json.loads((tmp_path / "out" / "burnthrough.json").read_text())["entries"]
    radar = scenario.catalog.types[RADAR]
    rcs = scenario.catalog.types["fighter"].rcs.value
    b_r = 1 / radar.pulse_width.value
    g, loss, p_t = 10 ** (radar.gain.value / 10), 10 ** (radar.losses.value / 10), radar.peak_power.value
    s_over_j = 10 ** (_required_snr(radar) / 10)  # the jamming swamps the noise: S / J needed for Pd 0.5

    def entry(jammer):
        (found,) = [e for e in entries if e["jammer"] == jammer]
        return found

    # self-screening (Mahafza, ssj_req: R_co^2 = P_t G sigma B_j / (4 pi ERP B_r L), the radar's losses L on the
    # echo; Adamy's J/S in dB is the same with L = 1): S / J = P_t G sigma / (4 pi R^2 L ERP B_r / B_j)
    r_ssj = np.sqrt(p_t * g * rcs / (4 * np.pi * loss * 30.0 * (b_r / 300e6) * s_over_j))
    # stand-off, main beam (the threat along the jammer's bearing): S / J = P_t G sigma R_j^2 / (4 pi R^4 L ERP
    # B_r / B_j); the 1.2 GHz band is off the radar's frequency
    soj = entry("soj")
    r_soj = (p_t * g * rcs * soj["jammer_range_m"] ** 2 / (4 * np.pi * loss * 2e3 * (b_r / 200e6) * s_over_j)) ** 0.25
    got = [entry("ssj")["range_m"], soj["range_m"]]
    assert soj["jammer_range_m"] == pytest.approx(np.hypot(120e3, 9000 - 10), rel=1e-3)
    assert all(e["range_unjammed_m"] > 3 * e["range_m"] > 0 for e in (entry("ssj"), soj))
    validation("burn-through range, self-screening and stand-off (main beam) [m] (iadsim burnthrough.json)",
               "textbook J/S burn-through: Mahafza's self-screening cross-over range (radar losses on the echo, "
               "the jammer's bandwidth ratio) and its stand-off form R^4 ~ R_j^2, computed in the test", got,
               [r_ssj, r_soj], rel=0.02)


def test_a_standoff_jammer_over_nodata_is_silent_there(make_scenario, tmp_path):
    """Over a nodata strip inside the map an AGL jammer has no height and an MSL one no known path: neither is
    heard there (the threat's Pd equals a jam-free run's), and both are heard elsewhere on their route."""
    _catalog(tmp_path)
    flat = _scenario(make_scenario, tmp_path, [{"id": "a", "type": RADAR, "x": "0 km", "y": "0 km"}], [])
    cell, half = 500.0, 100e3
    n = int(2 * half / cell)
    centres = (np.arange(n) + 0.5) * cell - half
    x, _ = np.meshgrid(centres, -centres)
    elevation = np.where(np.abs(x + 60e3) < 5e3, np.nan, 100.0)  # a nodata strip across the jammer's route
    write_geotiff(tmp_path / "strip.tif", elevation, Dem.from_array(elevation, cell, (-half, half), flat.terrain.crs))
    units = [{"id": "sr", "type": RADAR, "x": "0 km", "y": "0 km", "mast_height": "10 m"}]
    raid = _inbound(-95, "3 km", "drone", y_km=-20)  # small and far: Pd below 1 for the jamming to show

    def world(reference=None):
        top = {"terrain": {"source": "strip.tif"}, "format_version": 2, "duration": "10 min"}
        if reference:  # a fast jammer crossing the strip from x = -100 km: over it from about 2:10 to 2:30
            top["jammers"] = [{"id": "soj", "type": "fighter", "altitude_reference": reference, "route": [
                {"x": "-100 km", "y": "20 km", "altitude": "5 km", "speed": "1000 km/h"},
                {"x": "-20 km", "y": "20 km", "altitude": "5 km", "speed": "1000 km/h"}],
                "bands": [{"centre": "3 GHz", "bandwidth": "100 MHz", "erp": "1 kW"}]}]
        return build_world(_scenario(make_scenario, tmp_path, units, [raid], **top))

    quiet = world()
    for reference in ("agl", "msl"):
        jammed = world(reference)
        xs = _jammer_xy(jammed)[:, 0]
        strip = np.abs(xs + 60e3) < 4e3
        clear = (np.abs(xs + 60e3) > 6e3) & quiet.visible[:, 0, 0] & (quiet.pd_look[:, 0, 0] < 0.99)
        assert strip.sum() > 10 and clear.sum() > 10
        np.testing.assert_array_equal(jammed.pd_look[strip, 0, 0], quiet.pd_look[strip, 0, 0])
        assert (jammed.pd_look[clear, 0, 0] < quiet.pd_look[clear, 0, 0]).all()


def _jammer_xy(world) -> np.ndarray:
    """The stand-off jammer's (x, y) at every step, local to the origin, from its route and speed (1000 km/h
    from x = -100 km)."""
    x = np.minimum(-100e3 + world.times * 1000 / 3.6, -20e3)
    return np.stack([x, np.full_like(x, 20e3)], axis=1)


def test_burnthrough_of_an_agl_jammer_closest_over_nodata_is_silent(tmp_path):
    from iadsim.scenario import load_scenario

    _catalog(tmp_path)
    cell, half = 500.0, 100e3
    n = int(2 * half / cell)
    centres = (np.arange(n) + 0.5) * cell - half
    x, _ = np.meshgrid(centres, -centres)
    elevation = np.where(np.abs(x + 60e3) < 5e3, np.nan, 100.0)
    (tmp_path / "s.yaml").write_text(f"""
format_version: 2
name: strip
duration: 5 min
terrain: {{source: strip.tif}}
catalog: [radar.yaml]
units:
  - {{id: sr, type: {RADAR}, x: 0 km, y: 0 km}}
jammers:
  - id: soj  # closest to the radar at about (-57.7 km, -11.5 km): over the strip
    type: fighter
    route: [{{x: -70 km, y: 50 km, altitude: 2 km}}, {{x: -50 km, y: -50 km, altitude: 2 km}}]
    bands: [{{centre: 3 GHz, bandwidth: 100 MHz, erp: 1 kW}}]
""")
    write_geotiff(tmp_path / "strip.tif", elevation, Dem.from_array(elevation, cell, (-half, half), LOCAL_CRS))
    scenario = load_scenario(tmp_path / "s.yaml")
    coverage(scenario, tmp_path / "out", bands=(3000.0,), threat_types=["fighter"], aoi="terrain")
    (entry,) = json.loads((tmp_path / "out" / "burnthrough.json").read_text())["entries"]
    assert entry["jammer_heard"] is False and entry["range_m"] == entry["range_unjammed_m"] > 0
