"""iadsim.physics: pure, vectorised formulas in SI units (decibel quantities end in ``_db``).

Modules
-------
radar        single-pulse radar range equation
detection    exact Pd for Swerling 0-4 with non-coherent integration, its inverse, Albersheim, Shnidman
propagation  smooth-earth horizon and masking height
effects      multipath, rough-surface factors, surface clutter, noise jamming, their combination into SINR
reflection   Fresnel coefficients, divergence factor, elevation patterns (two-ray terms)
diffraction  smooth-earth diffraction beyond the horizon (ITU-R P.526 first term)
scan         hits per look, scan period, cumulative Pd, tabulated Pd for the engine
kinematics   intercept geometry and launch envelopes
lethality    salvo, cookie-cutter and Carleton kill probabilities
"""
