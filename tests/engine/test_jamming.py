"""Self-screening noise jamming in the engine's sensing: the per-look Pd of a jamming raid is the exact Pd
of the SINR (noise + jamming, the jammer's power over one way), and jamming lowers it."""

from __future__ import annotations

import numpy as np
from tests.propagation import csc2_beam, two_ray

from iadsim.engine import build_world
from iadsim.physics import effects, scan
from iadsim.physics.detection import pd
from iadsim.physics.radar import snr_db
from iadsim.physics.reflection import surface_permittivity
from iadsim.units import BOLTZMANN, SPEED_OF_LIGHT

from ._scenarios import raid, scenario_dict


def test_jamming_raid_is_detected_less_and_as_the_sinr_says(make_scenario):
    radar = {"id": "ew", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m"}
    quiet = raid("quiet", -40.0, 5.0, altitude="3 km", type_="fighter")
    noisy = raid("noisy", -40.0, 5.0, altitude="3 km", type_="fighter")
    noisy["jammer"] = {"erp": "100 W", "bandwidth": "50 MHz"}
    world = build_world(make_scenario(scenario_dict([radar], threats=[quiet, noisy])))
    seen = world.visible[:, 0, 0] & world.visible[:, 0, 1]
    assert seen.sum() > 100
    p_quiet, p_noisy = world.pd_look[seen, 0, 0], world.pd_look[seen, 0, 1]
    clear = p_quiet > 0.1  # where the quiet raid is seen at all (Pd falls to Pfa far out)
    assert clear.sum() > 50 and (p_noisy <= p_quiet + 1e-7).all() and (p_noisy[clear] < p_quiet[clear]).all()
    # recomputed here: radar equation (Skolnik) x F^4 for the echo; the jammer's power in the receiver, ERP x
    # (B_r / B_j) x G lambda^2 / ((4 pi)^2 R^2) x F^2 (one way, no radar losses), over k T B_r; F the two-ray
    # factor over the sphere with the radar's cosecant-squared pattern, computed in tests/propagation.py. At
    # 3 km altitude the target is far above the lowest beam, so no clutter term.
    r = world.scenario.catalog.types["mr-search-radar"]
    rcs = world.scenario.catalog.types["fighter"].rcs.value
    n_pulses = scan.pulses_per_look(r.beamwidth.value, 2 * np.pi / r.scan_period.value, r.prf.value)
    assert r.scan_period.value > world.step  # one look per scan: the look's Pd is the single-look Pd
    lam, b_r = SPEED_OF_LIGHT / r.frequency.value, 1.0 / r.pulse_width.value
    eps = complex(surface_permittivity("medium-dry-ground", r.frequency.value))

    def pattern(theta):
        return csc2_beam(theta, r.elevation_beamwidth.value, r.elevation_tilt.value, r.csc2_ceiling.value)

    for k in np.flatnonzero(seen)[::50]:
        d = world.position[k, 1] - world.sensor_position[0]
        slant, ground = np.linalg.norm(d), np.hypot(d[0], d[1])
        assert np.arctan2(d[2], ground) > r.beamwidth.value  # clutter-free geometry
        if np.arctan2(d[2], ground) > r.csc2_ceiling.value - 0.05:  # overhead, above the coverage: nothing heard
            continue
        factor = two_ray(15.0, float(world.height_agl[k, 1]), ground, r.frequency.value, eps, "horizontal", 1.0,
                         "ament", pattern)[0]
        assert 0 < factor < 0.8  # the cosecant-squared beam: F^2 and F^4 differ by more than 2 dB
        snr = snr_db(r.peak_power.value, r.gain.value, r.frequency.value, rcs, slant, r.pulse_width.value,
                     r.system_temperature.value, r.losses.value) + 40 * np.log10(factor)
        jam = 100.0 * (b_r / 50e6) * 10 ** (r.gain.value / 10) * lam**2 / ((4 * np.pi) ** 2 * slant**2) * factor**2
        jnr = 10 * np.log10(jam / (BOLTZMANN * r.system_temperature.value * b_r))
        expected = pd(effects.sinr_db(snr, jnr), r.pfa.value, n_pulses, 1)
        assert abs(world.pd_look[k, 0, 1] - expected) < 2e-3  # the reference's exact geometry: 1e-4 in F
