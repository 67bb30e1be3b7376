"""format_version of scenario and sweep files, and `iadsim migrate` (comments kept, newer files refused)."""

from pathlib import Path

import pytest

from iadsim.scenario import load_scenario
from iadsim.scenario.versions import CURRENT, file_version, migrate_data, migrate_file
from iadsim.scenario.yamlio import InputError, load_yaml

ROOT = Path(__file__).resolve().parents[2]
DESIGNED = ROOT / "examples" / "airbase-as-designed.yaml"


def test_absent_version_means_1_and_the_current_one_loads(tmp_path):
    assert "format_version" not in DESIGNED.read_text()
    assert CURRENT["scenario"] == 3
    assert load_scenario(DESIGNED).spec.format_version == 3  # read through the migrations
    path = tmp_path / "s.yaml"
    for version in (1, 2, 3):
        path.write_text(f"format_version: {version}\n" + DESIGNED.read_text())
        assert load_scenario(path).spec == load_scenario(DESIGNED).spec


@pytest.mark.parametrize(("value", "words"), [
    ("4", "format version 4; iadsim"), ("99", "reads versions up to 3: upgrade iadsim"),
    ("0", "whole number >= 1"), ("'one'", "whole number >= 1"), ("1.5", "whole number >= 1"),
])
def test_newer_or_bad_version_is_refused_naming_the_field(tmp_path, cli, value, words):
    path = tmp_path / "s.yaml"
    # a newer file may carry fields this program does not know: the version is checked before them
    path.write_text(DESIGNED.read_text() + f"format_version: {value}\nsurfaces: {{sea: rough}}\n")
    status, out, err = cli("validate", str(path))
    assert status == 2 and "Traceback" not in err
    line = len(DESIGNED.read_text().splitlines()) + 1
    assert err.startswith(f"iadsim: {path}:{line}: format_version: "), err
    assert words in err and "surfaces" not in err


def test_migrate_writes_the_version_and_keeps_comments(tmp_path, cli):
    path = tmp_path / "s.yaml"
    original = DESIGNED.read_text()
    path.write_text(original)
    status, out, err = cli("migrate", str(path))
    assert status == 0, err
    text = path.read_text()
    first_field = next(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    assert first_field == "format_version: 3"
    comments = [line.strip() for line in original.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in text for c in comments)
    assert load_scenario(path).spec == load_scenario(DESIGNED).spec
    assert cli("migrate", str(path))[0] == 0 and path.read_text() == text  # idempotent


def test_migrate_refuses_a_newer_file_and_leaves_it_alone(tmp_path, cli):
    path = tmp_path / "s.yaml"
    path.write_text("format_version: 7\n" + DESIGNED.read_text())
    before = path.read_bytes()
    status, out, err = cli("migrate", str(path))
    assert status == 2 and f"{path}:1: format_version:" in err
    assert path.read_bytes() == before


def test_migrations_run_in_order_on_the_round_trip_tree(tmp_path):
    # a toy format history: version 1 -> 2 renames `step` to `time_step`, 2 -> 3 adds a field; comments stay
    path = tmp_path / "s.yaml"
    path.write_text("# my scenario\nname: t  # the name\nstep: 1 s\n")

    def one_to_two(data):
        data.insert(list(data).index("step"), "time_step", data.pop("step"))

    def two_to_three(data):
        data["surfaces"] = "default"

    kind, before, after = migrate_file(path, current={"scenario": 3, "sweep": 1},
                                       migrations={"scenario": {1: one_to_two, 2: two_to_three}, "sweep": {}})
    assert (kind, before, after) == ("scenario", 1, 3)
    text = path.read_text()
    assert "# my scenario" in text and "# the name" in text
    assert "time_step: 1 s" in text and "step: 1 s" not in text.replace("time_step", "")
    assert "format_version: 3" in text and "surfaces: default" in text
    with pytest.raises(ValueError, match="no migration"):
        migrate_data({}, "scenario", 1, target=3, migrations={1: lambda data: None})


def test_file_version_reads_sweeps_too(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("format_version: 5\nbase: x.yaml\nfactors: []\n")
    with pytest.raises(InputError, match="sweep file is format version 5"):
        file_version(load_yaml(path), "sweep")


def test_migrate_through_a_symlink_keeps_the_link_and_the_mode(tmp_path, cli):
    import os
    import stat

    real = tmp_path / "real.yaml"
    real.write_text(DESIGNED.read_text())
    os.chmod(real, 0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert cli("migrate", str(link))[0] == 0
    assert link.is_symlink() and real.read_text().count(f"format_version: {CURRENT['scenario']}") == 1
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640


_JAMMING_RAID = """
  - id: noisy  # a jamming raid
    type: fighter
    jammer: {erp: 100 W, bandwidth: 50 MHz}
    route:
      - {x: -12 km, y: 5 km, altitude: 3 km}
      - {x: 0 km, y: 0 km, altitude: 3 km}
"""


def _with_jamming_raid(text: str) -> str:
    return text.replace("threats:\n", "threats:" + _JAMMING_RAID, 1)


def test_a_format_1_jammer_keeps_its_meaning_and_migrate_writes_it(tmp_path, cli):
    text = _with_jamming_raid(DESIGNED.read_text())
    assert "format_version" not in text and "jammer:" in text
    path = tmp_path / "s.yaml"
    path.write_text(text)
    before = load_scenario(path).spec
    jammer = next(t for t in before.threats if t.id == "noisy").jammer
    assert (jammer.erp, jammer.bandwidth, jammer.centre) == (100.0, 50e6, "any")  # in band for every radar
    status, out, err = cli("migrate", str(path))
    assert status == 0, err
    migrated = path.read_text()
    line = next(line for line in migrated.splitlines() if "centre: any" in line)
    assert "format 1 meaning: in band for every radar" in line  # said where it is written
    assert "{" not in line and "}" not in line  # the map was made block style for the comment
    assert "# a jamming raid" in migrated and "format_version: 3" in migrated
    after = load_scenario(path).spec
    assert after.threats == before.threats and after.format_version == 3


def test_a_format_2_jammer_needs_its_centre(tmp_path, cli):
    path = tmp_path / "s.yaml"
    text = "format_version: 2\n" + _with_jamming_raid(DESIGNED.read_text())
    path.write_text(text)
    status, out, err = cli("validate", str(path))
    assert status == 2 and "Traceback" not in err
    line = 1 + text.splitlines().index("    jammer: {erp: 100 W, bandwidth: 50 MHz}")
    assert err.startswith(f"iadsim: {path}:{line}: threats"), err
    assert "jammer.centre" in err and "required" in err.lower()


REPORTED = ROOT / "examples" / "airbase-as-reported.yaml"


def test_format_2_emission_becomes_emission_control_and_migrate_writes_it(tmp_path, cli):
    # format 2 said `readiness: {emission: off}` (a bare YAML `off` is false); format 3 says `emcon: {policy: silent}`
    text = ("format_version: 2\n" + REPORTED.read_text().replace("format_version: 3\n", "")
            .replace("emcon: {policy: silent}, readiness: {availability: 0.5}, crew: untrained",
                     "readiness: {availability: 0.5, emission: off}, crew: untrained")
            .replace("y: 0.6 km, readiness: {availability: 0.95}", "y: 0.6 km, readiness: {emission: on, "
                     "availability: 0.9}"))
    assert "emcon" not in text and text.count("emission: off") >= 2
    path = tmp_path / "s.yaml"
    path.write_text(text)
    before = load_scenario(path).spec
    assert before == load_scenario(REPORTED).spec.model_copy(update={"units": before.units})
    silent = {u.id for u in before.units if u.emcon.policy == "silent"}
    assert silent == {u.id for u in load_scenario(REPORTED).spec.units if u.emcon.policy == "silent"} and silent
    ll = next(u for u in before.units if u.id == "mr1-ll")
    assert ll.emcon.policy == "always-on" and ll.readiness.availability == 0.9
    status, out, err = cli("migrate", str(path))
    assert status == 0, err
    migrated = path.read_text()
    assert "emission:" not in migrated and "format_version: 3" in migrated
    # only the units that changed are rewritten: the lists keep their indentation (`  - {...}` under `units:`)
    changed = {line for line in text.splitlines() if "emission" in line} | {"format_version: 2"}
    assert [line for line in text.splitlines() if line not in changed] == [
        line for line in migrated.splitlines() if "emcon" not in line and "mr1-ll" not in line
        and not line.startswith("format_version")]
    assert migrated.count("emcon: {policy: silent}") == len(silent)
    assert load_scenario(path).spec == before


def test_format_3_refuses_the_old_emission_field_naming_its_line(tmp_path, cli):
    path = tmp_path / "s.yaml"
    text = "format_version: 3\nname: t\nduration: 60 s\nterrain: {flat: 0 m}\nunits:\n" \
           "  - {id: r, type: ew-radar, x: 0 km, y: 0 km, readiness: {emission: off}}\n"
    path.write_text(text)
    status, out, err = cli("validate", str(path))
    assert status == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"iadsim: {path}:6: units[0].readiness"), err
    assert "emcon: {policy: silent}" in err and "iadsim migrate" in err


BLOCK_STYLE = """\
format_version: 2
name: t
duration: 60 s
terrain: {flat: 0 m}
units:
  - id: r
    type: ew-radar
    x: 0 km
    y: 0 km
    readiness:
      availability: 0.9
      emission: Off   # the crew keeps it dark
    # the second radar
  - id: s
    type: ew-radar
    x: 1 km
    y: 0 km
    readiness:
      emission: no  # dark too

    crew: basic
  # a third, always on
  - id: q
    type: ew-radar
    x: 2 km
    y: 0 km
    readiness: {emission: on}
  - {id: p, type: ew-radar, x: 3 km, y: 0 km, readiness: {emission: yes, availability: 0.5}}
  - {id: o, type: ew-radar, x: 4 km, y: 0 km, readiness: {emission: maybe}}
"""


def test_migrate_keeps_block_style_comments_and_reads_yaml_1_1_words(tmp_path, cli):
    # format 2 was read as YAML 1.1, where Off, no and yes are booleans; ruamel.yaml's round trip reads words
    path = tmp_path / "s.yaml"
    path.write_text(BLOCK_STYLE)
    status, out, err = cli("migrate", str(path))
    assert status == 0, err
    text = path.read_text()
    lines = text.splitlines()
    for comment in ("# the crew keeps it dark", "# the second radar", "# dark too", "# a third, always on"):
        assert comment in text, comment
    # the comments about the next unit stay above it
    assert lines.index("    # the second radar") == lines.index("  - id: s") - 1
    assert lines.index("  # a third, always on") == lines.index("  - id: q") - 1
    assert text.count("emcon: {policy: silent}") == 2 and text.count("emission") == 1  # o's is not a format-2 value
    status, out, err = cli("validate", str(path))
    assert status == 2 and "units[4].readiness" in err and "iadsim migrate" in err  # named, not guessed
    path.write_text(text.replace("    readiness: {emission: maybe}", "").replace(
        ", readiness: {emission: maybe}", ""))
    spec = load_scenario(path).spec
    assert {u.id: u.emcon.policy for u in spec.units} == {"r": "silent", "s": "silent", "q": "always-on",
                                                           "p": "always-on", "o": "always-on"}
    assert [u.readiness.availability for u in spec.units] == [0.9, 1.0, 1.0, 0.5, 1.0]


def test_migrate_into_another_folder_keeps_the_files_it_names(tmp_path, cli):
    """`migrate --out` elsewhere: the scenario's relative terrain path, and a sweep's base, follow the file (the
    migrated national example named its DEM relative to the wrong folder and no longer validated)."""
    from iadsim.terrain import flat_dem, write_geotiff

    source, other = tmp_path / "src", tmp_path / "elsewhere" / "deeper"
    source.mkdir()
    other.mkdir(parents=True)
    dem = flat_dem(100.0, (-20e3, -20e3, 20e3, 20e3), 200.0)
    write_geotiff(source / "ground.tif", dem.elevation, dem)
    text = DESIGNED.read_text().replace("terrain: {source: sample}", "terrain: {source: ground.tif}")
    assert "ground.tif" in text
    (source / "s.yaml").write_text(text)
    (source / "sweep.yaml").write_text("base: s.yaml\ndesign: grid\nfactors:\n"
                                       "  - {path: authority.mode, values: [autonomous]}\nreplications: 2\n")
    for name in ("s.yaml", "sweep.yaml"):
        status, _, err = cli("migrate", str(source / name), "--out", str(other / name))
        assert status == 0, err
    assert load_scenario(other / "s.yaml").terrain.elevation.shape == dem.elevation.shape
    assert "base: ../../src/s.yaml" in (other / "sweep.yaml").read_text()
    status, _, err = cli("validate", str(other / "s.yaml"))
    assert status == 0, err
