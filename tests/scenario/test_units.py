"""parse_quantity: quantities written by people become SI floats; anything else is a clear UnitError."""

from __future__ import annotations

import math
import pickle
import time

import pytest

from iadsim.units import DIMENSIONS, EXAMPLES, UnitError, db_to_linear, linear_to_db, parse_quantity


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("12 km", "length", 12_000.0),
        ("12km", "length", 12_000.0),
        ("  -12 km ", "length", -12_000.0),
        ("350 m", "length", 350.0),
        ("1.5e3 m", "length", 1_500.0),
        (".5 km", "length", 500.0),
        ("10 nmi", "length", 18_520.0),
        ("1 ft", "length", 0.3048),
        ("120 kn", "speed", 120 * 1852 / 3600),
        ("225 km/h", "speed", 62.5),
        ("340 m/s", "speed", 340.0),
        ("2 min", "time", 120.0),
        ("1 h", "time", 3600.0),
        ("6 us", "time", 6e-6),
        ("0 s", "time", 0.0),
        ("3 GHz", "frequency", 3e9),
        ("170 MHz", "frequency", 170e6),
        ("100 kW", "power", 1e5),
        ("1 MW", "power", 1e6),
        ("45 deg", "angle", math.pi / 4),
        ("1.5 deg", "angle", math.radians(1.5)),
        ("1 rad", "angle", 1.0),
        ("6 rpm", "angular_speed", 6 * 2 * math.pi / 60),
        ("-10 dBsm", "area", 0.1),
        ("10 dBsm", "area", 10.0),
        ("0 dBm2", "area", 1.0),
        ("2 m^2", "area", 2.0),
        ("2 m**2", "area", 2.0),
        ("290 K", "temperature", 290.0),
        ("20 degC", "temperature", 293.15),
        ("3 dB", "ratio_db", 3.0),
        ("38 dBi", "ratio_db", 38.0),
        (-2.5, "ratio_db", -2.5),
        (4, "ratio_db", 4.0),
    ],
)
def test_parses_to_si(text, dimension, expected):
    value = parse_quantity(text, dimension)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_knots_are_exact():
    assert parse_quantity("120 kn", "speed") == pytest.approx(61.7333333333333, rel=1e-12)


def test_decibels_round_trip():
    assert float(db_to_linear(-10)) == pytest.approx(0.1)
    assert float(linear_to_db(db_to_linear(13.7))) == pytest.approx(13.7)


@pytest.mark.parametrize("dimension", sorted(EXAMPLES))
def test_every_example_parses(dimension):
    """The examples quoted in error messages must themselves be valid."""
    assert math.isfinite(parse_quantity(EXAMPLES[dimension], dimension))


def test_examples_cover_every_dimension():
    assert set(DIMENSIONS) | {"ratio_db"} == set(EXAMPLES)


@pytest.mark.parametrize(
    ("text", "dimension", "words"),
    [
        ("12", "length", "'12' needs a unit: write a length such as '12 km'"),
        (12, "length", "'12' needs a unit"),
        (12.5, "time", "'12.5' needs a unit: write a time such as '2 min'"),
        ("inf", "length", "needs a unit"),
        ("12 kg", "length", "'12 kg' is not a length (expected e.g. '12 km')"),
        ("12 km", "time", "'12 km' is not a time"),
        ("10 s", "angle", "'10 s' is not an angle (expected e.g. '45 deg')"),
        ("3 dBsm", "ratio_db", "'3 dBsm' is not a decibel value"),
        ("3 dB", "area", "'3 dB' is not an area (expected e.g. '-10 dBsm')"),
        ("38", "ratio_db", "is not a decibel value such as '3 dB'"),
        ("twelve km", "length", "is not a length"),
        ("km", "length", "is not a length"),
        ("", "length", "is not a length"),
        ("12 KM", "length", "is not a length"),
        ("1e400 km", "length", "not a finite quantity"),
        ("nan m", "length", "is not a length"),
        ("1e400 dB", "ratio_db", "not a finite quantity"),
        (math.inf, "ratio_db", "not a finite quantity"),
        (math.nan, "ratio_db", "not a finite quantity"),
        (True, "length", "expected a length such as '12 km'"),
        (None, "time", "expected a time such as '2 min'"),
        ([1, "km"], "length", "expected a length"),
        ({"value": 1}, "speed", "expected a speed such as '120 kn'"),
        ("1 km" + " " * 200, "length", "too long"),
        ("12 km", "mass", "unknown dimension"),
    ],
)
def test_errors_say_what_was_expected(text, dimension, words):
    with pytest.raises(UnitError) as info:
        parse_quantity(text, dimension)
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "1 000 m",  # pint reads 1 * 000 m = 0 m
        "1,5 km",  # pint reads 15 km
        "1_000 m",
        "12 km * 2",
        "2 * 6 km",
        "1 km + 1 m",
        "(1 km)",
        "0x10 m",
        "1 km / 0",
        "12 km; import os",
        "1 m**99999",
    ],
)
def test_arithmetic_and_ambiguous_numbers_are_refused(text):
    """Only '<number> <unit>' is a quantity: pint would evaluate these, some to a wrong number."""
    with pytest.raises(UnitError, match="is not a length"):
        parse_quantity(text, "length")


@pytest.mark.parametrize("text", ["10**10**10 m", "2**2**40 m", "9**9**9**9 s", "10^10^10 m"])
def test_power_towers_are_refused_quickly(text):
    """pint evaluates '10**10**10' as a Python integer: this used to hang (CPU and memory)."""
    start = time.perf_counter()
    with pytest.raises(UnitError):
        parse_quantity(text, "length")
    assert time.perf_counter() - start < 1.0


def test_the_registry_cache_gives_the_same_numbers_and_a_damaged_one_is_written_again(tmp_path, monkeypatch):
    """new_registry keeps pint's parsed definitions in its cache folder (by default the user's, one per Python
    environment): built cold (writing it), built warm (reading it, not writing it again), over a damaged cache
    (written again) or a folder that cannot be made, it converts every quantity as a registry without a cache does."""
    import pint

    from iadsim.units import new_registry, registry_cache_folder

    texts = [("12 km", "m"), ("120 kn", "m/s"), ("2 min", "s"), ("6 us", "s"), ("3 GHz", "Hz"), ("10 nmi", "m"),
             ("20 degC", "K"), ("1 ft", "m")]

    def numbers(registry):
        return [registry.Quantity(text).to(unit).magnitude for text, unit in texts]

    plain = numbers(new_registry())
    folder = tmp_path / "pint"
    assert numbers(new_registry(folder)) == plain  # cold: written
    written = {path: path.stat().st_mtime_ns for path in folder.glob("*.pickle")}
    assert written
    warm = new_registry(folder)
    assert numbers(warm) == plain and warm.cache_folder == folder  # warm: read back, not written again
    assert {path: path.stat().st_mtime_ns for path in folder.glob("*.pickle")} == written
    for path in written:  # damaged (as a writer killed half-way would leave it)
        path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(pickle.UnpicklingError):
        pint.UnitRegistry(cache_folder=folder)
    (folder / "notes.json").write_text("{}")  # (not the cache's: kept)
    (folder / f"{'a' * 40}.json").mkdir()  # (named as an entry, but a folder: passed over)
    assert numbers(new_registry(folder)) == plain
    assert numbers(pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=folder)) == plain  # repaired
    assert (folder / "notes.json").read_text() == "{}"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert numbers(new_registry(blocker / "pint")) == plain
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert registry_cache_folder().parent == tmp_path / "xdg" / "iadsim" / "pint"
