"""Property-based fuzzing of the scenario loader: any input either loads or raises InputError.

(a) arbitrary text and bytes, and YAML-looking token soup; (b) structured mutations of the as-designed
example (keys dropped, values replaced by random JSON-like data, unknown keys inserted, items duplicated),
dumped back to YAML. Through `iadsim validate` the exit status is always 0 or 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import copy
import io

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iadsim.cli import main
from iadsim.scenario import InputError, load_scenario

from ._helpers import DESIGNED

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing is written outside the repo's .cache (and nothing needed between runs)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def load_or_input_error(path):
    """Load; only InputError (with a file and a message) may come out."""
    try:
        return load_scenario(path)
    except InputError as exc:
        assert exc.file and exc.message
        assert exc.line is None or exc.line >= 1
        text = str(exc)
        assert text.startswith(exc.file)
        text.encode("utf-8")  # printable
        return None


def validate_status(path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["validate", str(path)])
    return status, out.getvalue() + err.getvalue()


def check_file(path, direct: bool = True) -> None:
    """Through the library (unless `direct` is False: the CLI alone, which is half the cost) and the CLI."""
    status, output = validate_status(path)
    assert status in (0, 2), output  # 1 would be "internal error": an exception other than InputError
    assert "Traceback" not in output and "internal error" not in output, output
    if status == 2:
        assert output.startswith("iadsim: "), output
    if direct:
        loaded = load_or_input_error(path)
        assert status == (0 if loaded is not None else 2), output


# --- (a) arbitrary text and bytes ----------------------------------------------------------------

YAML_TOKENS = [
    "name", "duration", "units", "links", "terrain", "id", "type", "x", "y", "from", "to", ":", ": ", "- ",
    "\n", "\n  ", "\n    ", "{", "}", "[", "]", ",", "&a ", "*a", "&b ", "*b", "!!int ", "!!float ", "!!str ",
    "!!binary ", "!!set ", "!!timestamp ", "!!python/object:os.system ", "? ", "<<: ", "---\n", "...\n", "#",
    "'", '"', "|\n", ">\n", "~", "null", "true", "on", "1", "-1", "1e999", ".nan", "12 km", "10**10**10 m",
    "1 s", "sample", "ew-radar", "cp-1", "\t", "\\ud800", "\x07", "\u2028", "\ufeff", "é",
]


@given(st.text(max_size=400))
@FUZZ
def test_arbitrary_text(workdir, text):
    path = workdir / "text.yaml"
    path.write_text(text, encoding="utf-8")
    check_file(path)


@given(st.binary(max_size=400))
@FUZZ
def test_arbitrary_bytes(workdir, data):
    path = workdir / "bytes.yaml"
    path.write_bytes(data)
    check_file(path)


@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map("".join))
@FUZZ
def test_yaml_token_soup(workdir, text):
    path = workdir / "soup.yaml"
    path.write_text(text, encoding="utf-8")
    check_file(path)


# --- (b) structured mutations of a valid scenario --------------------------------------------------

BASE = yaml.safe_load(DESIGNED.read_text(encoding="utf-8"))

QUANTITY_LIKE = st.sampled_from([
    "12 km", "-12 km", "0 m", "1e12 km", "15 min", "0 s", "-1 s", "1 us", "45 deg", "3 dB", "-10 dBsm",
    "120 kn", "12 kg", "12", "nan m", "inf s", "1,5 km", "1 000 m", "10**10**10 s", "", " ", "sample",
    "ew-radar", "mr-telar", "lr-missile", "medium-airliner", "fighter", "cp-1", "lr-l1", "airbase", "on", "off",
    "fire-control", "tracks", "lognormal", "uniform", "human-in-the-loop", "autonomous", "expert", "guru",
])
ID_LIKE = st.sampled_from([
    "ew-1", "cp-1", "lr-acq", "lr-fcr", "lr-l1", "mr1-telar", "mr1-ll", "airbase", "raid-north", "airliner-a",
    "nobody", "ew-radar", "lr-engagement-radar", "mr-telar", "lr-launcher", "command-post", "lr-missile",
    "utility-helicopter", "fighter", "medium-airliner", "jumbo-airliner", "drone",
])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12) | QUANTITY_LIKE,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _paths(node, prefix=()):
    """Every path into the document (the root included)."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


ALL_PATHS = list(_paths(BASE))


def _get(node, path):
    for part in path:
        node = node[part]
    return node


# Leaves whose values other parts refer to, or that are checked against the terrain and the catalog:
# re-pointing them (rather than breaking their type) reaches the cross-checks and the placement.
REFERENCE_KEYS = {"id", "type", "from", "to", "target", "carries", "x", "y", "radius", "altitude", "latency",
                  "mtbf", "mttr", "availability", "missiles", "crew", "status", "source", "flat", "step"}


@st.composite
def mutated_scenarios(draw):
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(doc))
        op = draw(st.sampled_from(["drop", "replace", "insert", "duplicate", "repoint", "repoint"]))
        if op == "repoint":
            leaves = [p for p in paths if p and p[-1] in REFERENCE_KEYS]
            if leaves:
                path = draw(st.sampled_from(leaves))
                pool = ID_LIKE if path[-1] in ("id", "type", "from", "to", "target") else QUANTITY_LIKE
                _get(doc, path[:-1])[path[-1]] = draw(pool)
                continue
            op = "replace"
        path = draw(st.sampled_from(paths))
        if not path:
            op = "insert"
        parent = _get(doc, path[:-1]) if path else doc
        target = _get(doc, path)
        if op == "drop":
            del parent[path[-1]]
        elif op == "replace":
            parent[path[-1]] = draw(JSONISH)
        elif op == "insert" and isinstance(target, dict):
            key = draw(st.sampled_from(["availabilty", "x", "lat", "id", "mtbf", "target"]) | st.text(max_size=6))
            target[key] = draw(JSONISH)
        elif op == "insert" and isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(JSONISH))
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(target))
        else:
            parent[path[-1]] = draw(JSONISH)
    return doc


@given(mutated_scenarios())
@FUZZ
def test_mutated_example(workdir, doc):
    path = workdir / "mutated.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    check_file(path, direct=False)


def test_the_unmutated_base_loads(workdir):
    """The control: the dumped base document is valid, so mutations start from a loadable scenario."""
    path = workdir / "base.yaml"
    path.write_text(yaml.safe_dump(BASE, sort_keys=False), encoding="utf-8")
    assert load_scenario(path).name == "airbase-as-designed"
    assert len(ALL_PATHS) > 200
