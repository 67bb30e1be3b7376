"""A catalogue of bad scenario files, each checked through the CLI entry point `iadsim validate FILE`.

Every case must end with exit status 2 and a message on stderr of the form
``iadsim: FILE:LINE: field.path: what is wrong`` (LINE and the field path where there is one), and never a
traceback. Most cases mutate the as-designed example; the expected line is that of the mutated text, found
by a fragment of it, so the line numbers are exact without hard-coding the example's layout. Small
hand-written files have literal line numbers.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._helpers import designed_text, errors_only, line_containing, mutate


@dataclass
class Expect:
    line: int | None  # None: the message must carry no line number
    field: str | None  # the field path, or None for a whole-file error
    words: tuple[str, ...]  # fragments of the message that say what is wrong
    file: str | None = None  # the file named in the message, relative to tmp_path (default: the scenario)


def check_message(status: int, out: str, err: str, file: Path, expect: Expect) -> None:
    assert status == 2, f"exit status {status}; stderr:\n{err}"
    assert "Traceback" not in err and "Traceback" not in out
    assert not out.startswith("ok:")
    assert err.startswith("iadsim: "), err
    where = f"{file}:{expect.line}: " if expect.line is not None else f"{file}: "
    head = where + (f"{expect.field}: " if expect.field else "")
    lines = err[len("iadsim: "):].splitlines()
    matching = [line for line in lines if line.startswith(head)]
    assert matching, f"no line of stderr starts with {head!r}:\n{err}"
    assert any(all(w in line for w in expect.words) for line in matching), (
        f"no line starting with {head!r} says {expect.words}:\n{err}"
    )
    if expect.line is None:
        assert not re.match(rf"iadsim: {re.escape(str(file))}:\d+:", err), f"unexpected line number:\n{err}"


# --- hand-written files with literal line numbers ---------------------------------------------------

BOMB = "\n".join(
    ["lol: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    + [f"l{i}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
) + "\n"
DEEP_BLOCK = "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v\n"
MINIMAL = "name: t\nduration: 10 min\nterrain: {flat: 0 m}\nunits: []\n"

RAW_CASES = {
    # id: (file content, Expect)
    "not-yaml": ("name: t\nduration: [1 s, 2 s\nstep: 1 s\n", Expect(3, None, ("not valid YAML", "expected ','"))),
    "not-yaml-indent": ("name: t\n  duration: 1 s\n", Expect(2, None, ("not valid YAML",))),
    "tab-indent": ("name: t\n\tduration: 1 s\n", Expect(2, None, ("not valid YAML", "'\\t'"))),
    "yaml-list": ("- name: t\n- duration: 1 s\n", Expect(1, None, ("expected a mapping of scenario fields", "a list"))),
    "yaml-scalar": ("just some words\n", Expect(1, None, ("expected a mapping", "found a string"))),
    "yaml-number": ("42\n", Expect(1, None, ("expected a mapping", "found a number"))),
    "empty": ("", Expect(1, None, ("is empty",))),
    "only-comments": ("# nothing here\n\n", Expect(1, None, ("is empty",))),
    "two-documents": (MINIMAL + "---\nname: u\n", Expect(5, None, ("not valid YAML", "another document"))),
    "duplicate-yaml-key": ("name: a\nduration: 1 min\nname: b\n", Expect(3, "name", ("duplicate key 'name'",))),
    "duplicate-nested-key": (
        "name: t\nterrain:\n  flat: 0 m\n  flat: 1 m\n", Expect(4, "terrain.flat", ("duplicate key 'flat'",))
    ),
    "deep-flow-nesting": ("units: " + "[" * 10_000 + "]" * 10_000 + "\n", Expect(1, None, ("nesting is deeper",))),
    "deep-block-nesting": (DEEP_BLOCK, Expect(64, None, ("nesting is deeper than 64",))),
    "alias-bomb": (BOMB, Expect(6, "l4", ("more than 500000 values", "alias bomb"))),  # l4 has 9**6 values
    "self-referencing-alias": ("units: &a [*a]\n", Expect(1, None, ("nesting is deeper",))),
    "undefined-alias": ("name: *nope\n", Expect(1, None, ("not valid YAML", "undefined alias"))),
    "merge-key": ("a: &x {b: 1}\nc: {<<: *x}\n", Expect(2, "c", ("merge keys",))),
    "complex-key": ("? [a, b]\n: 1\n", Expect(1, None, ("mapping keys must be plain names",))),
    "python-tag": ("name: !!python/object:os.system x\n", Expect(1, "name", ("bad value", "constructor"))),
    "python-tag-on-list": ("name: !!python/object/apply:os.system [ls]\n",
                           Expect(1, "name", ("tag '!!python/object/apply:os.system' is not supported",))),
    "set-tag": ("name: t\nunits: !!set {a, b}\n", Expect(2, "units", ("tag '!!set' is not supported",))),
    "bad-int-tag": ("name: t\nseed: !!int twelve\n", Expect(2, "seed", ("'twelve' is not a valid int",))),
    "bad-float-tag": ("name: t\nduration: !!float x\n", Expect(2, "duration", ("not a valid float",))),
    "bad-timestamp-tag": ("name: !!timestamp x\n", Expect(1, "name", ("not a valid timestamp",))),
    "binary-tag": ("name: !!binary aGVsbG8=\n", Expect(1, "name", ("binary values are not allowed",))),
    "huge-integer": ("name: t\nseed: " + "9" * 5000 + "\n", Expect(2, "seed", ("not a valid int",))),
    "lone-surrogate": ('name: t\ndescription: "\\ud800"\n', Expect(2, "description", ("lone surrogate",))),
    "control-char": ("name: t\ndescription: a\x07b\n", Expect(2, None, ("unacceptable character #x0007",))),
    "nul-byte": (b"name: t\nduration: 1\x00 s\n", Expect(2, None, ("NUL byte",))),
    "utf-16": ("name: t\nduration: 1 s\n".encode("utf-16"), Expect(1, None, ("is UTF-16 text; save it as UTF-8",))),
    "invalid-utf8": (b"name: t\n\ndescription: caf\xe9\n", Expect(3, None, ("not UTF-8",))),
    "binary-garbage": (
        b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 8, Expect(1, None, ("not UTF-8",))
    ),
    "missing-required": ("name: t\n", Expect(1, "duration", ("Field required",))),
    "null-name": (MINIMAL.replace("name: t", "name:"), Expect(1, "name", ("valid string",))),
    "bad-id": (MINIMAL.replace("units: []", "units: [{id: 'no spaces!', type: ew-radar, x: 0 m, y: 0 m}]"),
               Expect(4, "units[0].id", ("'no spaces!' is not a valid id",))),
    "unit-not-a-mapping": (MINIMAL.replace("units: []", "units:\n  - 5"),
                           Expect(5, "units[0]", ("expected a mapping of fields, found a number",))),
    "units-not-a-list": (MINIMAL.replace("units: []", "units: {a: 1}"),
                         Expect(4, "units", ("expected a list, found a mapping",))),
    "bad-proficiency-key": (MINIMAL + "proficiency:\n  guru: {reaction_time_factor: 1, error_rate_factor: 1}\n",
                            Expect(6, "proficiency.guru", ("not a valid key", "'expert'"))),
}


@pytest.mark.parametrize("case", list(RAW_CASES), ids=list(RAW_CASES))
def test_raw_file(case, tmp_path, cli):
    content, expect = RAW_CASES[case]
    path = tmp_path / "scenario.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    check_message(*cli("validate", str(path)), path, expect)


def test_missing_file(tmp_path, cli):
    path = tmp_path / "nope.yaml"
    check_message(*cli("validate", str(path)), path, Expect(None, None, ("file not found",)))


def test_directory(tmp_path, cli):
    check_message(*cli("validate", str(tmp_path)), tmp_path, Expect(None, None, ("is a directory",)))


# --- mutations of the as-designed example ---------------------------------------------------------

R0 = "readiness: {availability: 0.95}}\n  - {id: cp-1"  # the readiness of units[0] (ew-1)
AIRLINER_A = "type: medium-airliner\n    start: 2 min"
FC_LINK = "{from: lr-fcr, to: lr-l1, carries: fire-control"

_SOJ = "\njammers:\n  - id: soj\n    type: fighter\n"
_SOJ_ROUTE = "    route: [{x: -10 km, y: 10 km, altitude: 8 km}]\n"
_ARM_AT = "target: airbase\n    altitude_reference: agl\n    route:\n      - {x: -14 km, y: 12"
_CP = "{id: cp-1, type: command-post, x: 9 km, y: -6 km, readiness:"


def _arm(entry: str) -> str:
    return _ARM_AT.replace("target: airbase\n", f"target: airbase\n    arms: [{entry}]\n")


MUTATIONS = {
    # id: (old fragment, new fragment, fragment of the line the error is on, field path, message words)
    "msl-waypoint-below-terrain": ("- {x: -14 km, y: 13 km, altitude: 10 km}",
                                   "- {x: -14 km, y: 13 km, altitude: 50 m}", "altitude: 50 m",
                                   "traffic[0].route[0].altitude",
                                   ("50 m above mean sea level is below the terrain there",)),
    "surface-unknown-class": ("step: 1 s", "step: 1 s\nsurface: {type: lava}", "surface:", "surface.type",
                              ("medium-dry-ground",)),
    "surface-negative-roughness": ("step: 1 s", "step: 1 s\nsurface: {roughness: -1 m}", "surface:",
                                   "surface.roughness", ("must not be negative",)),
    "surface-fresh-water-without-roughness": ("step: 1 s", "step: 1 s\nsurface: {type: fresh-water}", "surface:",
                                              "surface", ("needs roughness",)),
    "surface-sea-state-on-land": ("step: 1 s", "step: 1 s\nsurface: {type: wet-ground, sea_state: 3}", "surface:",
                                  "surface", ("sea_state is for type: sea",)),
    "jammer-band-not-a-band": ("step: 1 s", "step: 1 s" + _SOJ + _SOJ_ROUTE
                               + "    bands: [{centre: 10 MHz, bandwidth: 100 MHz, erp: 1 kW}]", "bands:",
                               "jammers[0].bands[0]", ("must lie above 0 Hz",)),
    "jammer-band-zero-width": ("step: 1 s", "step: 1 s" + _SOJ + _SOJ_ROUTE
                               + "    bands: [{centre: 3 GHz, bandwidth: 0 Hz, erp: 1 kW}]", "bands:",
                               "jammers[0].bands[0].bandwidth", ("must be greater than zero",)),
    "standoff-jammer-without-route": ("step: 1 s", "step: 1 s" + _SOJ
                                      + "    bands: [{centre: 3 GHz, bandwidth: 100 MHz, erp: 1 kW}]", "id: soj",
                                      "jammers[0].route", ("required",)),
    "string-for-number": ("seed: 20261124", "seed: twenty", "seed:", "seed", ("valid integer",)),
    "float-for-integer": ("count: 4", "count: 4.5", "count: 4.5", "threats[0].count", ("valid integer",)),
    "list-for-mapping": ("terrain: {source: sample}", "terrain: [sample]", "terrain:", "terrain",
                         ("expected a mapping of fields, found a list",)),
    "mapping-for-quantity": ("duration: 15 min", "duration: {minutes: 15}", "duration:", "duration",
                             ("expected a time such as",)),
    "list-for-quantity": ("mast_height: 20 m", "mast_height: [20, m]", "id: ew-1", "units[0].mast_height",
                          ("expected a length",)),
    "unknown-top-level-key": ("step: 1 s", "step: 1 s\ndurration: 15 min", "durration", "durration",
                              ("unknown field 'durration'",)),
    "unknown-key-typo-availabilty": (R0, R0.replace("availability", "availabilty"), "id: ew-1",
                                     "units[0].readiness.availabilty", ("unknown field 'availabilty'",)),
    "unknown-key-depth-2": ("p_civil_as_hostile", "p_civil_as_hostil", "p_civil_as_hostil",
                            "authority.identification.p_civil_as_hostil", ("unknown field",)),
    "unknown-key-in-waypoint": ("{x: -14 km, y: 12 km, altitude: 40 m}", "{x: -14 km, y: 12 km, alt: 40 m}",
                                "alt: 40 m", "threats[0].route[0].alt", ("unknown field 'alt'",)),
    "unknown-catalog-type": ("type: ew-radar", "type: ew-radarr", "ew-radarr", "units[0].type",
                             ("unknown unit type 'ew-radarr'", "known: ", "ew-radar")),
    "missile-as-unit-type": ("type: ew-radar", "type: lr-missile", "type: lr-missile", "units[0].type",
                             ("unknown unit type 'lr-missile'",)),
    "radar-missiles": ("type: ew-radar,", "type: ew-radar, missiles: 4,", "id: ew-1", "units[0].missiles",
                       ("only launchers carry missiles",)),
    "radar-in-a-layer": ("type: ew-radar,", "type: ew-radar, layer: long,", "id: ew-1", "units[0].layer",
                         ("only a fire unit (a launcher) belongs to a defensive layer",)),
    "unknown-layer": ("y: -6.4 km, readiness: {availability: 0.95}, layer: long}",
                      "y: -6.4 km, readiness: {availability: 0.95}, layer: outer}", "id: lr-l1", "units[4].layer",
                      ("long", "point")),
    "negative-asset-value": ("value: 500000000}", "value: -1}", "id: airbase", "defended_assets[0].value",
                             ("greater than or equal to 0",)),
    "cost-of-unknown-type": ("  lr-missile: 1000000", "  lr-missle: 1000000", "lr-missle",
                             "costs.lr-missle", ("unknown catalog type 'lr-missle'",)),
    "cost-not-a-number": ("  lr-missile: 1000000", "  lr-missile: a lot", "lr-missile: a lot", "costs.lr-missile",
                          ("expected an amount in US dollars",)),
    "cost-a-boolean": ("  lr-missile: 1000000", "  lr-missile: yes", "lr-missile: yes", "costs.lr-missile",
                       ("expected an amount in US dollars",)),
    "one-asset-without-value": ("value: 500000000}", "value: 500000000}\n  - {id: depot, x: 2 km, y: 0 km}",
                                "id: depot", "defended_assets[1].value", ("give every defended asset a value",)),
    "link-to-missing-unit": ("{from: ew-1, to: cp-1", "{from: ew-9, to: cp-1", "from: ew-9", "links[0].from",
                             ("'ew-9': no unit with that id",)),
    "link-to-itself": ("{from: ew-1, to: cp-1", "{from: ew-1, to: ew-1", "to: ew-1", "links[0].to",
                       ("cannot join a unit to itself",)),
    "duplicate-id": ("id: cp-1, type: command-post", "id: ew-1, type: command-post", "id: ew-1, type: command",
                     "units[1].id", ("duplicate id 'ew-1'", "units[0]")),
    "duplicate-id-across-groups": ("id: raid-south", "id: airbase", "- id: airbase", "threats[1].id",
                                   ("duplicate id 'airbase'", "defended_assets[0]")),
    "negative-latency": ("latency: 4 s", "latency: -4 s", "-4 s", "links[0].latency", ("must not be negative",)),
    "absurd-length": ("mast_height: 20 m", "mast_height: 1e12 km", "1e12 km", "units[0].mast_height",
                      ("absurdly large",)),
    "absurd-coordinate": ("x: 12 km, y: 4 km", "x: 1e12 km, y: 4 km", "1e12 km", "units[0].x",
                          ("absurdly far",)),
    "absurd-duration": ("duration: 15 min", "duration: 1e9 h", "duration:", "duration",
                        ("absurdly large", "at most 30 days (2.592e+06 s)")),
    "infinite-quantity": ("latency: 4 s", "latency: 1e999 s", "1e999 s", "links[0].latency",
                          ("not a finite quantity",)),
    "quantity-without-unit": ("latency: 4 s", "latency: 4", "latency: 4}", "links[0].latency",
                              ("'4' needs a unit", "such as '2 min'")),
    "quantity-string-without-unit": ("duration: 15 min", "duration: '900'", "duration:", "duration",
                                     ("'900' needs a unit",)),
    "wrong-dimension": ("mast_height: 20 m", "mast_height: 12 kg", "12 kg", "units[0].mast_height",
                        ("'12 kg' is not a length", "'12 km'")),
    "time-for-length": ("radius: 1.5 km", "radius: 1.5 s", "radius: 1.5 s", "defended_assets[0].radius",
                        ("is not a length",)),
    "decimal-comma": ("step: 1 s", "step: 1,5 s", "step:", "step", ("'1,5 s' is not a time",)),
    "arithmetic-bomb": ("latency: 4 s", "latency: 10**10**10 s", "10**10", "links[0].latency",
                        ("is not a time",)),
    "probability-above-1": (R0, R0.replace("0.95", "1.5"), "id: ew-1", "units[0].readiness.availability",
                            ("probability between 0 and 1",)),
    "negative-probability": ("p_hostile_as_civil: 0.02", "p_hostile_as_civil: -0.02", "p_hostile_as_civil",
                             "authority.identification.p_hostile_as_civil", ("probability between 0 and 1",)),
    "probability-as-string": (R0, R0.replace("0.95", "'95%'"), "id: ew-1", "units[0].readiness.availability",
                              ("valid number",)),
    "off-terrain-unit": ("x: 12 km, y: 4 km", "x: 120 km, y: 4 km", "x: 120 km", "units[0]",
                         ("position x 120 km, y 4 km is off the terrain", "terrain spans")),
    "off-terrain-waypoint": ("{x: -14 km, y: 12 km, altitude: 40 m}", "{x: -140 km, y: 12 km, altitude: 40 m}",
                             "x: -140 km", "threats[0].route[0]", ("off the terrain",)),
    "lat-lon-far-away": ("x: 12 km, y: 4 km", "lat: 0, lon: 0", "lat: 0, lon: 0", "units[0]",
                         ("cannot be placed",)),
    "off-terrain-latlon": ("x: 12 km, y: 4 km", "lat: 36.2, lon: -84.2", "lat: 36.2", "units[0]",
                           ("position lat 36.2, lon -84.2 is off the terrain", "the terrain spans lat 36.")),
    "latlon-swapped": ("x: 12 km, y: 4 km", "lat: -84.2, lon: 36.45", "lat: -84.2", "units[0]",
                       ("lat -84.2, lon 36.45", "did you swap lat and lon? lat 36.45, lon -84.2 lies on the terrain")),
    "origin-far-away": ("terrain: {source: sample}", "terrain: {source: sample}\norigin: {lat: 0, lon: 0}",
                        "origin:", "origin", ("cannot be placed",)),
    "xy-and-latlon": ("x: 12 km, y: 4 km", "x: 12 km, y: 4 km, lat: 36, lon: -84", "lat: 36", "units[0]",
                      ("either x/y or lat/lon",)),
    "x-without-y": ("x: 12 km, y: 4 km", "x: 12 km", "x: 12 km,", "units[0]", ("x and y must both be given",)),
    "fire-control-from-search-radar": (FC_LINK, FC_LINK.replace("lr-fcr", "lr-acq"), "from: lr-acq, to: lr-l1",
                                       "links[10].from", ("no fire-control radar",)),
    "fire-control-to-command-post": (FC_LINK, FC_LINK.replace("lr-l1", "cp-1"), "to: cp-1, carries: fire",
                                     "links[10].to", ("not a launcher",)),
    "mtbf-without-mttr": (R0, R0.replace("0.95}", "0.95, mtbf: 100 h}"), "id: ew-1", "units[0].readiness",
                          ("mtbf and mttr go together",)),
    "decision-time-missing-parameters": ("{distribution: lognormal, median: 6 s, sigma: 0.5}",
                                         "{distribution: lognormal}", "decision_time", "authority.decision_time",
                                         ("lognormal decision time needs median, sigma",)),
    "decision-time-uniform-missing-high": ("{distribution: lognormal, median: 6 s, sigma: 0.5}",
                                           "{distribution: uniform, low: 5 s}", "decision_time",
                                           "authority.decision_time", ("needs high",)),
    "decision-time-mode-outside": ("{distribution: lognormal, median: 6 s, sigma: 0.5}",
                                   "{distribution: triangular, low: 2 s, mode: 0 s, high: 9 s}", "decision_time",
                                   "authority.decision_time", ("low <= mode <= high",)),
    "step-longer-than-duration": ("step: 1 s", "step: 20 min", "step:", "step", ("longer than the duration",)),
    "too-many-steps": ("step: 1 s", "step: 1 us", "step:", "step", ("10 million steps",)),
    "traffic-not-civil": (AIRLINER_A, AIRLINER_A.replace("medium-airliner", "fighter"), "type: fighter",
                          "traffic[0].type", ("'fighter' is not a civil aircraft type",)),
    "raid-unknown-aircraft": ("type: utility-helicopter", "type: ufo", "type: ufo", "threats[0].type",
                              ("unknown aircraft type 'ufo'",)),
    "raid-target-unknown": ("target: airbase\n    altitude_reference: agl\n    route:\n      - {x: -14 km, y: 12",
                            "target: hangar-9\n    altitude_reference: agl\n    route:\n      - {x: -14 km, y: 12",
                            "target: hangar-9", "threats[0].target",
                            ("no defended asset or unit with id 'hangar-9'",)),
    "arm-unknown-type": (_ARM_AT, _arm("{type: harm, at: ew-1, launch_range: 30 km}"), "arms:",
                         "threats[0].arms[0].type", ("unknown anti-radiation missile type 'harm'",
                                                     "harm-class-arm")),
    "arm-at-missing-unit": (_ARM_AT, _arm("{type: harm-class-arm, at: ew-9, launch_range: 30 km}"), "arms:",
                            "threats[0].arms[0].at", ("no unit with id 'ew-9'",)),
    "arm-at-command-post": (_ARM_AT, _arm("{type: harm-class-arm, at: cp-1, launch_range: 30 km}"), "arms:",
                            "threats[0].arms[0].at", ("'cp-1' has no radar that radiates",)),
    "arm-beyond-its-range": (_ARM_AT, _arm("{type: harm-class-arm, at: ew-1, launch_range: 60 km}"), "arms:",
                             "threats[0].arms[0].launch_range", ("60 km is beyond the 48 km maximum range",)),
    "arm-zero-launch-range": (_ARM_AT, _arm("{type: harm-class-arm, at: ew-1, launch_range: 0 km}"), "arms:",
                              "threats[0].arms[0].launch_range", ("must be greater than zero",)),
    "shutdown-on-command-post": (_CP, _CP.replace("readiness:", "emcon: {shutdown: {probability: 0.5, reaction: "
                                                  "5 s, dark: 1 min}}, readiness:"), "id: cp-1",
                                 "units[1].emcon.shutdown", ("'command-post' emits nothing",)),
    "shutdown-probability-above-1": (R0, R0.replace("readiness:", "emcon: {shutdown: {probability: 1.5, reaction: 5 s, "
                                                    "dark: 1 min}}, readiness:"), "id: ew-1",
                                     "units[0].emcon.shutdown.probability", ("probability between 0 and 1",)),
    "on-cue-without-fraction": (R0, R0.replace("readiness:", "emcon: {policy: on-cue}, readiness:"), "id: ew-1",
                                "units[0].emcon", ("an on-cue policy needs fraction",)),
    "fraction-on-blink": (R0, R0.replace("readiness:", "emcon: {policy: blink, on: 5 s, off: 5 s, fraction: 0.5}, "
                                         "readiness:"), "id: ew-1", "units[0].emcon",
                          ("fraction not used by a blink policy",)),
    "on-cue-fraction-zero": (R0, R0.replace("readiness:", "emcon: {policy: on-cue, fraction: 0}, readiness:"),
                             "id: ew-1", "units[0].emcon.fraction", ("greater than 0",)),
    "ambush-on-a-search-radar": (R0, R0.replace("readiness:", "emcon: {policy: ambush}, readiness:"), "id: ew-1",
                                 "units[0].emcon.policy", ("an ambush radar goes live when a fire unit it guides is "
                                                           "cued; 'ew-radar' guides no missiles",)),
    "defends-a-missing-unit": ("{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: lr-launcher, defends: [lr-fcr, "
                               "lr-fcx],", "defends: [lr-fcr", "units[4].defends[1]", ("no unit with id 'lr-fcx'",)),
    "defends-by-a-radar": ("{id: ew-1, type: ew-radar,", "{id: ew-1, type: ew-radar, defends: [cp-1],",
                           "defends: [cp-1]", "units[0].defends", ("'ew-radar' fires no missiles: only a fire unit",)),
    "point-defence-without-defends": ("{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: lr-launcher, "
                                      "point_defence: first,", "point_defence: first", "units[4]",
                                      ("point_defence is for a unit that defends others",)),
    "alignment-without-a-radar": ("{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: lr-launcher, alignment: "
                                  "{correction: 5 min},", "alignment: {correction", "units[4].alignment",
                                  ("'lr-launcher' has no radar with alignment_sigma and alignment_blunder",)),
    "relocation-schedule-without-every": ("{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: lr-launcher, "
                                          "relocation: {after: schedule, sites: [{x: 7 km, y: -7 km}]},",
                                          "relocation: {after: schedule", "units[4].relocation",
                                          ("a scheduled relocation needs every",)),
    "relocation-site-off-the-terrain": ("{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: lr-launcher, "
                                        "relocation: {after: firing, sites: [{x: 70 km, y: -7 km}]},",
                                        "relocation: {after: firing", "units[4].relocation.sites[0]",
                                        ("is off the terrain",)),
    "relocation-every-after-firing": ("{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: lr-launcher, "
                                      "relocation: {after: firing, every: 5 min, sites: [{x: 7 km, y: -7 km}]},",
                                      "relocation: {after: firing", "units[4].relocation",
                                      ("every is for after: schedule",)),
    "relocation-after-firing-of-a-search-radar": ("{id: ew-1, type: ew-radar,", "{id: ew-1, type: ew-radar, "
                                                  "relocation: {after: firing, sites: [{x: 11 km, y: 5 km}]},",
                                                  "relocation: {after: firing", "units[0].relocation.after",
                                                  ("'ew-radar' neither fires nor guides missiles",)),
    "relocation-after-warning-of-a-command-post": (_CP, _CP.replace("readiness:", "relocation: {after: warning, "
                                                                    "sites: [{x: 8 km, y: -7 km}]}, readiness:"),
                                                   "relocation: {after: warning", "units[1].relocation.after",
                                                   ("'command-post' emits nothing",)),
    "decoy-carrying-arms": ("type: utility-helicopter\n    count: 4\n    spacing: 20 s\n    start: 1 min\n"
                            "    target: airbase\n", "type: mald-class-decoy\n    count: 4\n    spacing: 20 s\n"
                            "    start: 1 min\n    target: airbase\n    arms: [{type: harm-class-arm, at: ew-1, "
                            "launch_range: 20 km}]\n", "arms: [", "threats[0].arms",
                            ("'mald-class-decoy' is a decoy: it carries no anti-radiation missiles",)),
    "decoy-as-stand-off-jammer": ("step: 1 s", "step: 1 s" + _SOJ.replace("type: fighter", "type: mald-class-decoy")
                                  + _SOJ_ROUTE + "    bands: [{centre: 3 GHz, bandwidth: 100 MHz, erp: 1 kW}]",
                                  "type: mald-class-decoy", "jammers[0].type",
                                  ("is a decoy: a raid flies it (threats), not a stand-off jammer",)),
    "shutdown-without-dark": (R0, R0.replace("readiness:", "emcon: {shutdown: {probability: 0.5, reaction: 5 s}}, "
                                             "readiness:"), "id: ew-1", "units[0].emcon.shutdown.dark",
                              ("required",)),
    "route-with-one-waypoint": ("      - {x: -14 km, y: 13 km, altitude: 10 km}\n", "", "airliner-a",
                                None, ("a route needs at least 2 waypoints",)),
    "bad-enum": ("mode: human-on-the-loop", "mode: robots", "mode: robots", "authority.mode",
                 ("unknown authority rule 'robots'; the choices are 'autonomous', 'human-on-the-loop', "
                  "'human-in-the-loop'",)),
    "bad-on-off": ("transponder: on\n    route:\n      - {x: -14 km, y: 13", "transponder: maybe\n    route:\n"
                   "      - {x: -14 km, y: 13", "transponder: maybe", "traffic[0].transponder", ("'on' or 'off'",)),
    "terrain-both-kinds": ("terrain: {source: sample}", "terrain: {source: sample, flat: 0 m}", "terrain:",
                           "terrain", ("exactly one of 'source'",)),
    "terrain-file-missing": ("terrain: {source: sample}", "terrain: {source: nowhere.tif}", "terrain:",
                             "terrain.source", ("terrain file 'nowhere.tif' not found",)),
    "catalog-file-missing": ("terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [mine.yaml]",
                             "catalog:", "catalog[0]", ("catalog file 'mine.yaml' not found",)),
    "m-of-n-upside-down": ("  assignment: hungarian\n", "  assignment: hungarian\n  tracking: {confirm_hits: 4, "
                           "confirm_looks: 3}\n", "tracking:", "doctrine.tracking",
                           ("confirm_hits (4) cannot exceed confirm_looks (3)",)),
    "no-decision-slot": ("  assignment: hungarian\n", "  assignment: hungarian\n  concurrent_decisions: 0\n",
                         "concurrent_decisions:", "doctrine.concurrent_decisions", ("greater than or equal to 1",)),
    "unknown-maturity-rule": ("  assignment: hungarian\n", "  assignment: hungarian\n  maturity: hunch\n",
                              "maturity:", "doctrine.maturity", ("'basket'",)),
}


@pytest.mark.parametrize("case", list(MUTATIONS), ids=list(MUTATIONS))
def test_mutated_example(case, tmp_path, cli):
    old, new, line_fragment, field, words = MUTATIONS[case]
    text = mutate(designed_text(), old, new)
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    if case == "route-with-one-waypoint":  # the route key is the line after the flight's start
        line, field = line_containing(text, "id: airliner-a") + 4, "traffic[0].route"
        assert text.splitlines()[line - 1].strip() == "route:"
    else:
        line = line_containing(text, line_fragment)
    check_message(*cli("validate", str(path)), path, Expect(line, field, words))


def test_every_error_is_reported(tmp_path, cli):
    """Several independent mistakes are all reported, each with its own line, not just the first."""
    text = designed_text()
    text = mutate(text, "latency: 4 s", "latency: -4 s")
    text = mutate(text, "seed: 20261124", "seed: -1")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = cli("validate", str(path))
    check_message(status, out, err, path, Expect(line_containing(text, "-4 s"), "links[0].latency", ("negative",)))
    check_message(status, out, err, path, Expect(line_containing(text, "seed:"), "seed", ("greater than",)))


# --- a bad catalog file listed in the scenario's `catalog:` ----------------------------------------

GOOD_CATALOG = """\
sources:
  notes: "my notes"
types:
  my-launcher:
    kind: launcher
    label: "My launcher"
    missile: mr-missile
    missiles: {value: 4, source: notes, grade: assumed}
    launch_interval: {value: 5 s, source: notes, grade: assumed}
    reload_time: {value: 10 min, source: notes, grade: assumed}
"""

def _radar_catalog(**extra: str) -> str:
    """A catalog with one radar (the built-in early-warning radar's numbers) and ``extra`` sourced fields."""
    from importlib.resources import files

    import yaml

    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    entry = {k: v for k, v in builtin["types"]["ew-radar"].items()
             if not k.startswith(("elevation", "polar", "sidelobe", "csc2", "alignment"))}
    text = yaml.safe_dump({"sources": {"notes": "my notes"}, "types": {"my-radar": {
        **{k: ({**v, "source": "notes"} if isinstance(v, dict) else v) for k, v in entry.items()}}}}, sort_keys=False)
    for name, value in extra.items():
        text += f"    {name}: {{value: {value}, source: notes, grade: assumed}}\n"
    return text


def _radar_case(field: str, words: tuple[str, ...], **extra: str) -> tuple:
    text = _radar_catalog(**extra)
    return (text, line_containing(text, f"    {field}:"), f"types.my-radar.{field}", words)


ESM_CATALOG = """\
sources:
  notes: "my notes"
types:
  my-esm:
    kind: esm
    label: "My ESM"
    frequency_min: {value: 2 GHz, source: notes, grade: assumed}
    frequency_max: {value: 1 GHz, source: notes, grade: assumed}
    sensitivity: {value: -90 dBm, source: notes, grade: assumed}
    gain: {value: 10 dB, source: notes, grade: assumed}
    losses: {value: 3 dB, source: notes, grade: assumed}
    azimuth_accuracy: {value: 1 deg, source: notes, grade: assumed}
    look_period: {value: 2 s, source: notes, grade: assumed}
    instrumented_range: {value: 400 km, source: notes, grade: assumed}
  my-jet:
    kind: aircraft
    label: "My jet"
    category: fighter
    rcs: {value: 2 m^2, source: notes, grade: assumed}
    swerling: 1
    cruise_speed: {value: 900 km/h, source: notes, grade: assumed}
    max_speed: {value: 1800 km/h, source: notes, grade: assumed}
    ir_intensity: {mwir: {value: 1 kW/sr, source: notes, grade: assumed}}
    emitter:
      erp: {value: 10 MW, source: notes, grade: assumed}
      frequency: {value: 10 GHz, source: notes, grade: assumed}
      sidelobe_level: {value: -40 dB, source: notes, grade: assumed}
      main_beam_fraction: {value: 0.1, source: notes, grade: assumed}
  my-irst:
    kind: irst
    label: "My IRST"
    band: {value: mwir, source: notes, grade: assumed}
    threshold: {value: 5e-10 W/m^2, source: notes, grade: assumed}
    extinction: {value: 0.1 km^-1, source: notes, grade: assumed}
    azimuth_accuracy: {value: 0.1 deg, source: notes, grade: assumed}
    elevation_accuracy: {value: 0.1 deg, source: notes, grade: assumed}
    look_period: {value: 1 s, source: notes, grade: assumed}
    instrumented_range: {value: 80 km, source: notes, grade: assumed}
"""
GOOD_ESM = ESM_CATALOG.replace("value: 1 GHz", "value: 18 GHz")

_ARM_CATALOG = """\
sources: {me: my estimates}
types:
  my-arm:
    kind: arm
    label: my anti-radiation missile
    rcs: {value: 0.1 m^2, source: me, grade: assumed}
    swerling: 1
    ir_intensity: {mwir: {value: 0 W/sr, source: me, grade: assumed}}
    speed: {value: 600 m/s, source: me, grade: assumed}
    max_range: {value: 40 km, source: me, grade: assumed}
    cep: {value: 5 m, source: me, grade: assumed}
    miss_growth: {value: 10 m/s, source: me, grade: assumed}
    lethal_area: {value: 900 m^2, source: me, grade: assumed}
    peak_pk: {value: 1.5, source: me, grade: assumed}
"""
_DECOY_CATALOG = """\
sources: {me: my estimates}
types:
  my-decoy:
    kind: decoy
    label: my decoy
    mimics: fighter
    rcs: {value: 2 m^2, source: me, grade: assumed}
    swerling: 1
    cruise_speed: {value: 250 m/s, source: me, grade: assumed}
    max_speed: {value: 280 m/s, source: me, grade: assumed}
    max_range: {value: 10 km, source: me, grade: assumed}
    climb_rate: {value: 40 m/s, source: me, grade: assumed}
    descent_rate: {value: 40 m/s, source: me, grade: assumed}
    terrain_clearance: {value: 30 m, source: me, grade: assumed}
"""
CATALOG_CASES = {
    # id: (catalog text, line, field, message words)
    "negative-unit-cost": (_DECOY_CATALOG.replace("    mimics: fighter\n", "    mimics: fighter\n    unit_cost: "
                                                  "{value: -5, source: me, grade: assumed}\n"),
                           line_containing(_DECOY_CATALOG, "mimics:") + 1, "types.my-decoy.unit_cost",
                           ("must not be negative",)),
    "unit-cost-quoted": (_DECOY_CATALOG.replace("    mimics: fighter\n", "    mimics: fighter\n    unit_cost: "
                                                "{value: '1.5e5', source: me, grade: assumed}\n"),
                         line_containing(_DECOY_CATALOG, "mimics:") + 1, "types.my-decoy.unit_cost",
                         ("a number in quotes is text: write it without them",)),
    "decoy-without-signature": (_DECOY_CATALOG.replace("    rcs: {value: 2 m^2, source: me, grade: assumed}\n", ""),
                                line_containing(_DECOY_CATALOG, "my-decoy:"), "types.my-decoy.rcs", ("required",)),
    "decoy-mimics-a-missile": (_DECOY_CATALOG.replace("mimics: fighter", "mimics: lr-missile"),
                               line_containing(_DECOY_CATALOG, "mimics:"), "types.my-decoy.mimics",
                               ("mimics 'lr-missile' is not an aircraft type",)),
    "decoy-with-no-range": (_DECOY_CATALOG.replace("value: 10 km", "value: 0 km"),
                            line_containing(_DECOY_CATALOG, "max_range"), "types.my-decoy.max_range",
                            ("must be greater than zero",)),
    "arm-peak-pk-above-1": (_ARM_CATALOG, line_containing(_ARM_CATALOG, "peak_pk"), "types.my-arm.peak_pk",
                            ("must be a probability above 0 and at most 1",)),
    "arm-zero-ir-intensity": (_ARM_CATALOG.replace("1.5, source", "0.9, source"),
                              line_containing(_ARM_CATALOG, "ir_intensity"), "types.my-arm.ir_intensity",
                              ("mwir: must be greater than zero",)),
    "esm-band-upside-down": (ESM_CATALOG, line_containing(ESM_CATALOG, "frequency_max"),
                             "types.my-esm.frequency_max", ("must be above frequency_min",)),
    "esm-sensitivity-not-a-power": (GOOD_ESM.replace("-90 dBm", "-90 dBsm"), line_containing(GOOD_ESM, "sensitivity"),
                                    "types.my-esm.sensitivity",
                                    ("is not a power",)),
    "esm-sensitivity-zero": (GOOD_ESM.replace("-90 dBm", "0 W"), line_containing(GOOD_ESM, "sensitivity"),
                             "types.my-esm.sensitivity", ("must be greater than zero",)),
    "ir-intensity-negative": (GOOD_ESM.replace("value: 1 kW/sr", "value: -1 kW/sr"),
                              line_containing(GOOD_ESM, "ir_intensity"), "types.my-jet.ir_intensity",
                              ("mwir: must be greater than zero",)),
    "irst-threshold-zero": (GOOD_ESM.replace("5e-10 W/m^2", "0 W/m^2"), line_containing(GOOD_ESM, "threshold"),
                            "types.my-irst.threshold", ("must be greater than zero",)),
    "irst-extinction-negative": (GOOD_ESM.replace("0.1 km^-1", "-0.1 km^-1"), line_containing(GOOD_ESM, "extinction"),
                                 "types.my-irst.extinction", ("must not be negative",)),
    "ir-intensity-unknown-band": (GOOD_ESM.replace("{mwir:", "{uv:"), line_containing(GOOD_ESM, "ir_intensity"),
                                  "types.my-jet.ir_intensity.uv",
                                  ("'mwir' or 'lwir'",)),
    "ir-intensity-without-source": (GOOD_ESM.replace("source: notes, grade: assumed}}", "source: blog, grade: "
                                                     "assumed}}"), line_containing(GOOD_ESM, "ir_intensity"),
                                    "types.my-jet.ir_intensity.mwir.source",
                                    ("unknown source 'blog'",)),
    "emitter-sidelobe-above-main-beam": (GOOD_ESM.replace("-40 dB", "3 dB"),
                                         line_containing(GOOD_ESM, "sidelobe_level"),
                                         "types.my-jet.emitter.sidelobe_level", ("below 0 dB",)),
    "emitter-main-beam-fraction-above-1": (GOOD_ESM.replace("value: 0.1,", "value: 1.5,"),
                                           line_containing(GOOD_ESM, "main_beam_fraction"),
                                           "types.my-jet.emitter.main_beam_fraction", ("at most 1",)),
    "emitter-unknown-field": (GOOD_ESM.replace("      erp:", "      colour: red\n      erp:"),
                              line_containing(GOOD_ESM, "erp:"), "types.my-jet.emitter.colour",
                              ("unknown field 'colour'",)),
    "radar-alignment-blunder-above-1": _radar_case("alignment_blunder", ("must be a probability from 0 to 1",),
                                                   alignment_sigma="0.1 deg", alignment_blunder="1.5"),
    "radar-alignment-sigma-negative": _radar_case("alignment_sigma", ("must not be negative",),
                                                  alignment_sigma="-0.1 deg", alignment_blunder="0.01"),
    "radar-polarisation-circular": _radar_case("polarisation", ("horizontal, vertical",), polarisation="circular"),
    "radar-csc2-without-beamwidth": _radar_case("csc2_ceiling", ("needs elevation_beamwidth",), csc2_ceiling="30 deg"),
    "radar-sidelobe-above-main-beam": _radar_case("sidelobe_level", ("below 0 dB",), sidelobe_level="3 dB"),
    "wrong-dimension": (GOOD_CATALOG.replace("5 s", "5 kg"), 9, "types.my-launcher.launch_interval",
                        ("'5 kg' is not a time",)),
    "unknown-grade": (GOOD_CATALOG.replace("grade: assumed}\n    launch", "grade: guessed}\n    launch"), 8,
                      "types.my-launcher.missiles.grade", ("'published', 'derived' or 'assumed'",)),
    "unknown-source": (GOOD_CATALOG.replace("source: notes, grade: assumed}\n    reload",
                                            "source: blog, grade: assumed}\n    reload"),
                       9, "types.my-launcher.launch_interval.source", ("unknown source 'blog'",)),
    "unknown-field": (GOOD_CATALOG.replace("    missile:", "    colour: red\n    missile:"), 7,
                      "types.my-launcher.colour", ("unknown field 'colour'",)),
    "unknown-kind": (GOOD_CATALOG.replace("kind: launcher", "kind: toaster"), 4, "types.my-launcher",
                     ("'toaster'", "'radar'")),
    "number-without-source": (GOOD_CATALOG.replace("{value: 4, source: notes, grade: assumed}", "4"), 8,
                              "types.my-launcher.missiles", ("expected {value: ..., source: ...",)),
    "missile-is-a-radar": (GOOD_CATALOG.replace("missile: mr-missile", "missile: ew-radar"), 7,
                           "types.my-launcher.missile", ("'ew-radar' is not a missile type",)),
    "redefines-builtin": (GOOD_CATALOG.replace("my-launcher:", "mr-telar:"), 4, "types.mr-telar",
                          ("already defined in <builtin>/air_defence.yaml",)),
    "not-a-mapping": ("- 1\n- 2\n", 1, None, ("is not an iadsim catalog file",)),
    # a scenario may name any file as a catalog: a secret's content must never come out in the message
    "secret-file": ("root:$6$s3cr3tHash:19000:0:99999:7:::\ndaemon:*:19000\n", 3, None,
                    ("is not a valid catalog file",)),
    "secret-alias": ("key: *s3cr3tHash\n", 1, None, ("is not a valid catalog file",)),
    "secret-duplicate-key": ("token: 1\ntoken: 2\n", 2, None, ("is not a valid catalog file",)),
    "secret-tag": ("password: !!int hunter2\n", 1, None, ("is not a valid catalog file",)),
    "other-mapping": ("password: hunter2\ntoken: abc\n", 1, None, ("is not an iadsim catalog file",)),
    "not-yaml": ("sources: {a: b\n", 2, None, ("is not a valid catalog file",)),
}


@pytest.mark.parametrize("case", list(CATALOG_CASES), ids=list(CATALOG_CASES))
def test_bad_catalog_file(case, tmp_path, cli):
    catalog_text, line, field, words = CATALOG_CASES[case]
    (tmp_path / "extra").mkdir()
    catalog = tmp_path / "extra" / "mine.yaml"
    catalog.write_text(catalog_text, encoding="utf-8")
    text = mutate(designed_text(), "terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [extra/mine.yaml]")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = cli("validate", str(path))
    check_message(status, out, err, catalog.resolve(), Expect(line, field, words))
    for secret in ("s3cr3tHash", "hunter2", "password", "token", "daemon"):
        assert secret not in err + out


def _with_catalog(tmp_path, catalog: str, old: str, new: str) -> tuple[Path, str]:
    """The designed example with ``catalog`` as an extra catalog file beside it and ``old`` replaced by ``new``:
    the scenario's path and text."""
    (tmp_path / "mine.yaml").write_text(catalog, encoding="utf-8")
    text = mutate(designed_text(), "terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [mine.yaml]")
    text = mutate(text, old, new)
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_good_catalog_file_is_accepted(tmp_path, cli):
    """The control for the cases above: the unmutated catalog file validates."""
    path, _ = _with_catalog(tmp_path, GOOD_CATALOG, "{id: lr-l1, type: lr-launcher", "{id: lr-l1, type: my-launcher")
    status, out, err = cli("validate", str(path))
    assert (status, errors_only(err)) == (0, "")
    assert out.startswith("ok: airbase-as-designed")


def test_a_relocation_with_no_travel_time_is_refused(tmp_path, cli):
    """A unit whose catalog type gives no tear-down, set-up or road speed cannot relocate: the error names them."""
    path, text = _with_catalog(tmp_path, GOOD_CATALOG, "{id: lr-l1, type: lr-launcher,", "{id: lr-l1, type: "
                               "my-launcher, relocation: {after: firing, sites: [{x: 7 km, y: -7 km}]},")
    check_message(*cli("validate", str(path)), path, Expect(line_containing(text, "type: my-launcher"),
                                                            "units[4].relocation", (
        "'my-launcher' has no teardown, setup, road_speed in the catalog: a relocation needs",)))


def test_a_decoy_route_beyond_its_range_is_refused(tmp_path, cli):
    """A decoy flies at most its catalog max_range: a longer route is an error on the raid's route."""
    path, text = _with_catalog(tmp_path, _DECOY_CATALOG, "type: utility-helicopter", "type: my-decoy")
    line = line_containing(text, "id: raid-north") + 7
    assert text.splitlines()[line - 1].strip() == "route:"
    legs = [(-14, 12), (-8, 6), (-1, 3), (2, 1), (8, -4)]  # raid-north's waypoints [km]
    length = sum(math.dist(a, b) for a, b in itertools.pairwise(legs))
    check_message(*cli("validate", str(path)), path, Expect(line, "threats[0].route", (
        f"is {length:.1f} km long; the decoy 'my-decoy' flies at most 10 km (its max_range)",)))


def test_catalogue_is_large_enough():
    assert len(RAW_CASES) + len(MUTATIONS) + len(CATALOG_CASES) + 2 >= 25


def test_a_huge_flat_list_is_refused_while_it_is_read(tmp_path, cli):
    """Half a million values in a file under the size cap: refused as soon as the reader has counted them,
    before a tree of millions of nodes is built (the old check came after, at GBs of memory)."""
    import resource
    import time

    path = tmp_path / "scenario.yaml"
    path.write_text("name: t\nfoo: [" + ",".join(["0"] * 2_000_000) + "]\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    check_message(*cli("validate", str(path)), path, Expect(2, None, ("more than 500000 values",)))
    assert time.monotonic() - start < 30
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 1_000_000  # well under a GB more at the peak


def test_a_catalog_that_is_a_symlink_loop_is_exit_2(tmp_path, cli):
    (tmp_path / "loopA.yaml").symlink_to(tmp_path / "loopB.yaml")
    (tmp_path / "loopB.yaml").symlink_to(tmp_path / "loopA.yaml")
    text = mutate(designed_text(), "terrain: {source: sample}", "terrain: {source: sample}\ncatalog: [loopA.yaml]")
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = cli("validate", str(path))
    assert status == 2 and "catalog[0]: catalog file 'loopA.yaml' is a symbolic link loop" in err


def test_a_bad_surface_or_jammer_writes_nothing(tmp_path, cli):
    """`iadsim simulate --out` on a scenario whose surface is bad: exit 2, and no run folder."""
    text = mutate(designed_text(), "step: 1 s", "step: 1 s\nsurface: {type: sea}")  # a sea needs its state
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    out = tmp_path / "run"
    status, _, err = cli("simulate", str(path), "--replications", "2", "--out", str(out))
    check_message(status, "", err, path, Expect(line_containing(text, "surface:"), "surface",
                                               ("needs sea_state",)))
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


def test_an_msl_leg_through_a_ridge_is_refused_naming_the_waypoint(tmp_path, cli):
    """An MSL route whose waypoints clear the ground but whose leg passes through a ridge between them: exit 2,
    naming the leg's end waypoint, where and how deep (the ridge's height from the DEM written here)."""
    import numpy as np

    from iadsim.terrain import LOCAL_CRS, Dem, write_geotiff

    cell, half = 100.0, 20e3
    n = int(2 * half / cell)
    centres = (np.arange(n) + 0.5) * cell - half
    x, _ = np.meshgrid(centres, -centres)
    elevation = 100.0 + 900.0 * np.exp(-((x / 500.0) ** 2))  # a 1,000 m ridge along x = 0
    write_geotiff(tmp_path / "ridge.tif", elevation, Dem.from_array(elevation, cell, (-half, half), LOCAL_CRS))
    text = """name: ridge
duration: 5 min
terrain: {source: ridge.tif}
units: []
traffic:
  - id: low-liner
    type: medium-airliner
    route:
      - {x: -10 km, y: 0 km, altitude: 600 m}
      - {x: 10 km, y: 0 km, altitude: 600 m}
"""
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    status, out, err = cli("validate", str(path))
    deepest = elevation.max() - 600.0  # the ridge's crest between cell centres 50 m either side of x = 0
    check_message(status, out, err, path, Expect(10, "traffic[0].route[1]",
                                                 (f"from waypoint 0 to this one passes {deepest:.0f} m below the "
                                                  "terrain", "x 0.0 km")))


def test_numbers_read_as_yaml_1_2_reads_them(tmp_path):
    """YAML 1.1 (PyYAML's default) reads a leading zero as octal and colons as base 60: `count: 010` flew 8
    aircraft and `count: 1:00` sixty, with exit 0; and `2e-3` (no dot) as text, refused as "not a number". The
    loader reads numbers by YAML 1.2's core schema, and the raid flies the count the file says."""
    from iadsim.scenario import load_scenario
    from iadsim.scenario.yamlio import load_yaml

    path = tmp_path / "numbers.yaml"
    path.write_text("a: 010\nb: 1:00\nc: 2e-3\nd: 0x1F\ne: 0o17\nf: -.inf\ng: 12 km\nh: on\n")
    data = load_yaml(path).data
    assert data["a"] == 10 and data["b"] == "1:00" and data["c"] == 0.002 and data["d"] == 31 and data["e"] == 15
    assert data["f"] == -math.inf and data["g"] == "12 km" and data["h"] is True  # (on/off words stay booleans)
    text = designed_text()
    first = re.search(r"count: (\d+)", text)
    assert first is not None
    scenario = tmp_path / "count.yaml"
    scenario.write_text(text[:first.start()] + "count: 010" + text[first.end():])
    assert load_scenario(scenario).spec.threats[0].count == 10


def test_the_scalars_are_counted_before_the_python_reader_runs():
    """_scalars_beyond: the line of the scalar past the limit (keys and values both count: each is a value of the
    document), None at the limit itself, None where libyaml stops at an error first (a control character, text that
    is not YAML) so that the Python reader gives its own message; past the limit before any error, that line."""
    from iadsim.scenario.yamlio import _scalars_beyond

    text = "a: 1\nb: [2, 3,\n  4]\nc: x\n"  # 8 scalars: a 1 b 2 3 4 c x
    assert _scalars_beyond(text, 8) is None
    assert _scalars_beyond(text, 7) == 4 and _scalars_beyond(text, 5) == 3 and _scalars_beyond(text, 0) == 1
    assert _scalars_beyond("a: [1, 2\x07, 3]\n", 1) is None
    assert _scalars_beyond("'a quoted scalar never closed\n", 0) is None
    assert _scalars_beyond("a: '\udc80'\nb: 2\n", 1) is None
    assert _scalars_beyond("a: 1\nb: '2\n", 2) == 2


def test_a_text_too_short_to_pass_the_limit_is_not_scanned(monkeypatch):
    """_scalars_beyond skips libyaml's scan where the text has no more characters than the limit (a scalar takes one
    at least, so it cannot hold more): the scanner is not even made, and one character more is scanned."""
    import yaml

    from iadsim.scenario import yamlio

    made = []
    scanner = yaml.CSafeLoader

    def spy(text):
        made.append(text)
        return scanner(text)

    monkeypatch.setattr(yaml, "CSafeLoader", spy)
    text = "a: [1, 2, 3]\n"  # 13 characters, 4 scalars
    assert yamlio._scalars_beyond(text, len(text)) is None and made == []
    assert yamlio._scalars_beyond(text, 3) == 1 and made == [text]
    assert yamlio.load_yaml("short.yaml", text).data == {"a": [1, 2, 3]} and made == [text]
