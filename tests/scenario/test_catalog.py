"""The catalog: every built-in number is sourced and graded; user files extend it but may not redefine."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from iadsim.physics.lethality import GUIDANCE
from iadsim.scenario import InputError, InputErrors, builtin_catalog, load_catalog, load_scenario
from iadsim.scenario.catalog import AircraftType, LauncherType, RadarType, Sourced, SourcedChoice

from ._helpers import designed_text, line_containing, mutate

GRADES = {"published", "derived", "assumed"}
# Fields that are categories or switches rather than measured numbers, so they carry no source.
UNSOURCED = {"kind", "role", "label", "description", "category", "civil", "swerling", "missile", "radar", "mimics",
             "autonomous_search", "model", "sidc"}  # sidc: a code from MIL-STD-2525D (the files' header)


def _builtin_files() -> list[tuple[str, str]]:
    folder = resources.files("iadsim.scenario") / "catalog"
    return sorted((f.name, f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".yaml"))


def test_builtin_catalog_has_every_kind():
    catalog = builtin_catalog()
    for kind in ("radar", "missile", "launcher", "command-post", "aircraft"):
        assert catalog.ids(kind), kind
    assert catalog.ids("aircraft") and any(catalog.types[i].civil for i in catalog.ids("aircraft"))


def test_every_builtin_number_has_an_existing_source_and_a_grade():
    catalog = builtin_catalog()
    checked = 0
    for type_id, entry in catalog.types.items():
        items = []
        for name, value in entry:
            if isinstance(value, dict):  # per-band values, e.g. ir_intensity.mwir
                items += [(f"{name}.{key}", item) for key, item in value.items()]
            elif isinstance(value, BaseModel) and not isinstance(value, Sourced):  # a part, e.g. emitter.erp
                items += [(f"{name}.{key}", item) for key, item in value]
            else:
                items.append((name, value))
        for name, value in items:
            if value is None or name in UNSOURCED:
                continue
            assert isinstance(value, Sourced), f"{type_id}.{name} is a bare {type(value).__name__}"
            assert value.source in catalog.sources, f"{type_id}.{name}: unknown source {value.source!r}"
            assert catalog.sources[value.source].strip(), f"source {value.source!r} has no text"
            assert value.grade in GRADES
            if isinstance(value, SourcedChoice):  # a word from a fixed list (polarisation, guidance)
                choices = {"polarisation": ("horizontal", "vertical"),
                           "guidance": GUIDANCE, "band": ("mwir", "lwir")}[name]
                assert value.value in choices
            else:
                assert math.isfinite(value.value)
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(("name", "text"), _builtin_files(), ids=lambda v: v if v.endswith(".yaml") else "")
def test_every_number_in_the_builtin_files_cites_a_source_of_its_own_file(name, text):
    """Check the files themselves: a number's source must be listed in the same file's `sources:`."""
    data = yaml.safe_load(text)
    for type_id, fields in data["types"].items():
        for field, value in fields.items():
            if isinstance(value, dict) and "value" not in value:  # per-band values, e.g. ir_intensity: {mwir: ...}
                assert value and all(isinstance(v, dict) for v in value.values()), f"{name}: {type_id}.{field}"
                entries = [(f"{field}.{key}", v) for key, v in value.items()]
            else:
                entries = [(field, value)]
            for label, entry in entries:
                if not isinstance(entry, dict):
                    continue
                assert set(entry) == {"value", "source", "grade"}, f"{name}: {type_id}.{label}"
                assert entry["source"] in data["sources"], f"{name}: {type_id}.{label}"
                assert entry["grade"] in GRADES
            if isinstance(value, dict):
                continue
            else:
                assert field in UNSOURCED, f"{name}: {type_id}.{field} = {value!r} has no source"


def test_builtin_values_are_in_si():
    catalog = builtin_catalog()
    ew = catalog.get("ew-radar", "radar")
    assert isinstance(ew, RadarType)
    assert ew.frequency.value == pytest.approx(170e6)
    assert ew.instrumented_range.value == pytest.approx(250e3)
    assert ew.beamwidth.value == pytest.approx(math.radians(6))
    assert ew.reference_rcs.value == pytest.approx(2.0)
    assert ew.gain.value == pytest.approx(22.0)  # decibel fields stay in dB
    heli = catalog.get("utility-helicopter", "aircraft")
    assert isinstance(heli, AircraftType)
    assert heli.cruise_speed.value == pytest.approx(225 / 3.6)


def test_builtin_references_resolve():
    catalog = builtin_catalog()
    for type_id in catalog.ids("launcher"):
        launcher = catalog.types[type_id]
        assert isinstance(launcher, LauncherType)
        assert catalog.types[launcher.missile].kind == "missile"
        if launcher.radar is not None:
            assert catalog.types[launcher.radar].role == "fire-control"
    with pytest.raises(KeyError):
        catalog.get("ew-radar", "launcher")


USER_CATALOG = """\
# a user's own types
sources:
  notes: "my field notes"
  assumption: "a source key that the built-in catalog also uses: the built-in text is kept"
types:
  my-launcher:
    kind: launcher
    label: "My launcher"
    missile: my-missile
    missiles: {value: 2, source: notes, grade: assumed}
    launch_interval: {value: 3 s, source: notes, grade: assumed}
    reload_time: {value: 20 min, source: notes, grade: assumed}
    radar: mr-telar-radar
  my-missile:
    kind: missile
    label: "My missile"
    min_range: {value: 1 km, source: notes, grade: assumed}
    max_range: {value: 20 km, source: notes, grade: assumed}
    min_altitude: {value: 10 m, source: notes, grade: assumed}
    max_altitude: {value: 10 km, source: notes, grade: assumed}
    speed: {value: 800 m/s, source: notes, grade: assumed}
    max_target_speed: {value: 600 m/s, source: notes, grade: derived}
    pk: {value: 0.7, source: notes, grade: assumed}
  my-drone:
    kind: aircraft
    category: drone
    label: "My drone"
    rcs: {value: -20 dBsm, source: notes, grade: assumed}
    swerling: 2
    cruise_speed: {value: 150 km/h, source: notes, grade: assumed}
    max_speed: {value: 180 km/h, source: notes, grade: published}
    climb_rate: {value: 5 m/s, source: notes, grade: assumed}
    descent_rate: {value: 5 m/s, source: notes, grade: assumed}
    terrain_clearance: {value: 20 m, source: notes, grade: assumed}
"""


def test_user_catalog_extends_the_builtin_one(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(USER_CATALOG, encoding="utf-8")
    base = builtin_catalog()
    catalog = load_catalog([path])
    assert set(catalog.types) == set(base.types) | {"my-launcher", "my-missile", "my-drone"}
    assert catalog.origin["my-launcher"] == str(path)
    assert catalog.origin["ew-radar"] == base.origin["ew-radar"]
    assert catalog.sources["notes"] == "my field notes"
    assert catalog.sources["assumption"] == base.sources["assumption"]
    assert catalog.get("my-missile", "missile").speed.value == 800.0
    assert catalog.get("my-drone", "aircraft").rcs.value == pytest.approx(0.01)
    # the built-in catalog itself is not modified
    assert "my-launcher" not in builtin_catalog().types


def test_two_user_catalogs_may_reference_each_other(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    text = USER_CATALOG.split("  my-missile:")[0]
    first.write_text(text, encoding="utf-8")
    second.write_text("sources: {notes: n}\ntypes:\n  my-missile:" + USER_CATALOG.split("  my-missile:")[1]
                      .split("  my-drone:")[0], encoding="utf-8")
    catalog = load_catalog([first, second])
    assert catalog.origin["my-launcher"] == str(first) and catalog.origin["my-missile"] == str(second)


def test_scenario_uses_user_catalog_types(tmp_path, cli):
    (tmp_path / "mine.yaml").write_text(USER_CATALOG, encoding="utf-8")
    text = mutate(designed_text(), "terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [mine.yaml]")
    text = mutate(text, "{id: lr-l1, type: lr-launcher", "{id: lr-l1, type: my-launcher")
    text = mutate(text, "type: attack-helicopter", "type: my-drone")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.unit_type("lr-l1").label == "My launcher"
    assert scenario.speeds["raid-south"][0] == pytest.approx(150 / 3.6)
    status, out, err = cli("validate", str(path))
    assert (status, err) == (0, "") and out.startswith("ok: ")


def test_catalog_path_is_relative_to_the_scenario(tmp_path, cli, monkeypatch):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "mine.yaml").write_text(USER_CATALOG, encoding="utf-8")
    text = mutate(designed_text(), "terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [cat/mine.yaml]")
    (tmp_path / "scenario.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(Path("/"))
    assert "my-launcher" in load_scenario(tmp_path / "scenario.yaml").catalog.types


@pytest.mark.parametrize("builtin_id", ["mr-telar", "ew-radar", "utility-helicopter"])
def test_redefining_a_builtin_type_is_an_error_with_file_and_line(tmp_path, builtin_id):
    text = USER_CATALOG.replace("  my-missile:", f"  {builtin_id}:")
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_catalog([path])
    error = info.value
    assert error.file == str(path)
    assert error.line == line_containing(text, f"  {builtin_id}:") == 14
    assert error.loc == ("types", builtin_id)
    assert f"type '{builtin_id}' is already defined in <builtin>/" in error.message
    assert str(error).startswith(f"{path}:14: types.{builtin_id}: ")


def test_redefining_a_type_of_another_user_file_is_an_error(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(USER_CATALOG, encoding="utf-8")
    second.write_text(USER_CATALOG, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_catalog([first, second])
    assert info.value.file == str(second)
    assert info.value.line == 6
    assert f"already defined in {first}" in info.value.message


def test_redefinition_through_the_cli(tmp_path, cli):
    (tmp_path / "mine.yaml").write_text(USER_CATALOG.replace("  my-drone:", "  fighter:"), encoding="utf-8")
    text = mutate(designed_text(), "terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [mine.yaml]")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = cli("validate", str(path))
    assert status == 2 and out == "" and "Traceback" not in err
    assert err == (f"iadsim: {(tmp_path / 'mine.yaml').resolve()}:24: types.fighter: "
                   "type 'fighter' is already defined in <builtin>/aircraft.yaml\n")


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("missile: my-missile", "missile: my-drone", 9, "missile", "'my-drone' is not a missile type"),
        ("missile: my-missile", "missile: nothing", 9, "missile", "'nothing' is not a missile type"),
        ("radar: mr-telar-radar", "radar: my-missile", 13, "radar", "'my-missile' is not a radar type"),
        ("radar: mr-telar-radar", "radar: mr-search-radar", 13, "radar", "must be a fire-control radar"),
    ],
)
def test_bad_reference_in_a_user_file_has_its_line(tmp_path, old, new, line, field, words):
    path = tmp_path / "mine.yaml"
    path.write_text(mutate(USER_CATALOG, old, new), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_catalog([path])
    assert (info.value.file, info.value.line, info.value.loc) == (str(path), line, ("types", "my-launcher", field))
    assert words in info.value.message


PK = "pk: {value: 0.7, source: notes, grade: assumed}"
TABLE = "\n    envelope: {height: [%s], min_range: [1 km, 1 km], max_range: [9 km, 9 km], source: %s, grade: assumed}"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (PK, "speed_note: 1", "unknown field 'speed_note'"),
        (PK, "lethal_area: {value: 500 m^2, source: notes, grade: assumed}",
         "end-game data needs guidance, peak_pk, response_time as well"),
        (PK, "guidance: {value: laser, source: notes, grade: assumed}",
         "value must be one of: inertial, command, sarh, active"),
        (PK, PK + "\n    edge_pk: {value: 0.5, source: notes, grade: assumed}", "edge_pk and edge_width go together"),
        (PK, PK + TABLE % ("1 km, 0 km", "notes"), "height must increase"),
        (PK, PK + TABLE % ("0 km, 1 km", "nobody"), "unknown source 'nobody'"),
    ],
)
def test_a_missile_s_kill_model_and_envelope_are_checked(tmp_path, old, new, words):
    """A missile gives a constant pk or the whole end-game data; an envelope table's heights increase and its
    source is cited: each mistake is one message naming the file, the line and the missile."""
    path = tmp_path / "mine.yaml"
    path.write_text(mutate(USER_CATALOG, old, new), encoding="utf-8")
    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog([path])
    text = str(info.value)
    assert str(path) in text and "my-missile" in text and words in text


@pytest.mark.parametrize(("new", "words"), [
    ("guidance: {value: sarh, source: notes, grade: assumed}\n    lethal_area: {value: 0 m^2, source: notes, grade: "
     "assumed}\n    peak_pk: {value: 0.9, source: notes, grade: assumed}\n    response_time: {value: 0.1 s, source: "
     "notes, grade: assumed}\n    seeker_update: {value: 0.1 s, source: notes, grade: assumed}",
     "lethal_area must be positive"),
    ("guidance: {value: command, source: notes, grade: assumed}\n    lethal_area: {value: 10 m^2, source: notes, "
     "grade: assumed}\n    peak_pk: {value: 0.9, source: notes, grade: assumed}\n    response_time: {value: -1 s, "
     "source: notes, grade: assumed}", "response_time must not be negative"),
    ("guidance: {value: command, source: notes, grade: assumed}\n    lethal_area: {value: 10 m^2, source: notes, "
     "grade: assumed}\n    peak_pk: {value: 0.9, source: notes, grade: assumed}\n    response_time: {value: 1 s, "
     "source: notes, grade: assumed}\n    seeker_update: {value: 0.1 s, source: notes, grade: assumed}",
     "seeker_update is for a homing"),
    (PK + "\n    guidance: {value: command, source: notes, grade: assumed}\n    lethal_area: {value: 10 m^2, source: "
     "notes, grade: assumed}\n    peak_pk: {value: 0.9, source: notes, grade: assumed}\n    response_time: {value: "
     "1 s, source: notes, grade: assumed}", "not both"),
])
def test_end_game_values_that_cannot_be_used_are_refused_at_load(tmp_path, new, words):
    """What would stop a run half way (a zero lethal area, a negative time) is refused when the file is read."""
    path = tmp_path / "mine.yaml"
    path.write_text(mutate(USER_CATALOG, PK, new), encoding="utf-8")
    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog([path])
    assert str(path) in str(info.value) and "my-missile" in str(info.value) and words in str(info.value)


def test_a_negative_manoeuvre_is_refused_at_load(tmp_path):
    path = tmp_path / "mine.yaml"
    text = mutate(USER_CATALOG, "    swerling: 2\n", "    swerling: 2\n    manoeuvre: {value: -3 m/s^2, source: notes, "
                  "grade: assumed}\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises((InputError, InputErrors), match=r"my-drone\.manoeuvre: must not be negative"):
        load_catalog([path])


@pytest.mark.parametrize("speed", ["0 m/s", "-800 m/s"])
def test_a_missile_that_does_not_fly_is_refused_at_load(tmp_path, speed):
    """The time of flight divides by the missile's speed: zero or a negative speed is refused when the file is
    read, naming the file and the field, not turned into 'no intercept' during a run."""
    path = tmp_path / "mine.yaml"
    path.write_text(mutate(USER_CATALOG, "speed: {value: 800 m/s", f"speed: {{value: {speed}"), encoding="utf-8")
    with pytest.raises((InputError, InputErrors), match=r"my-missile\.speed: must be greater than zero") as info:
        load_catalog([path])
    assert str(path) in str(info.value)
