"""Format versions of the files users write (scenarios, sweeps) and the migrations between them.

Every scenario and sweep file may carry ``format_version`` (absent means 1). A file newer than this
program is refused before anything else is validated (its fields may mean something we do not know);
an older file is read through :data:`MIGRATIONS`, and ``iadsim migrate FILE`` rewrites it to the
current version, keeping comments (ruamel.yaml's round trip).

A migration is a function ``(data) -> None`` that edits a ruamel.yaml round-trip tree (plain ``dict``
and ``list`` behaviour) in place from version ``n`` to ``n + 1``; ``MIGRATIONS[kind][n]`` holds it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

from iadsim.scenario.yamlio import Document, InputError, read_text, write_atomic

CURRENT = {"scenario": 3, "sweep": 1}
"""The format version this program writes and reads natively, per kind of file."""

Migration = Callable[[dict], None]

FORMAT_1_JAMMER = "format 1 meaning: in band for every radar, density ERP / bandwidth"


def _scenario_1_to_2(data: dict) -> None:
    """Format 2 gives a raid's jammer a ``centre`` frequency; a format-1 jammer had none and was heard by every
    radar: it becomes ``centre: any``, which keeps that meaning, with a comment saying so."""
    threats = data.get("threats") if isinstance(data, dict) else None
    for raid in threats if isinstance(threats, list) else []:
        jammer = raid.get("jammer") if isinstance(raid, dict) else None
        if not isinstance(jammer, dict) or "centre" in jammer:
            continue
        if hasattr(jammer, "insert"):  # a ruamel.yaml round-trip map: keep the layout, add the comment
            if hasattr(jammer, "fa"):
                jammer.fa.set_block_style()  # a comment cannot end a line inside a flow mapping
            jammer.insert(len(jammer), "centre", "any", comment=FORMAT_1_JAMMER)
        else:
            jammer["centre"] = "any"


def _scenario_2_to_3(data: dict) -> None:
    """Format 3 replaces a unit's ``readiness.emission`` with ``emcon`` (emission control): ``emission: off``
    becomes ``emcon: {policy: silent}``; ``emission: on`` (always on, the default) is dropped."""
    units = data.get("units") if isinstance(data, dict) else None
    for unit in units if isinstance(units, list) else []:
        readiness = unit.get("readiness") if isinstance(unit, dict) else None
        if not isinstance(readiness, dict) or readiness.get("emission") not in ("on", "off", True, False):
            continue  # none, or not a format-2 value: left for validation to name
        emission = readiness.pop("emission")
        if not readiness:
            del unit["readiness"]
        if emission in ("off", False) and "emcon" not in unit:
            silent = {"policy": "silent"}
            if hasattr(unit, "insert"):  # a ruamel.yaml round-trip map: written in flow style, like its neighbours
                from ruamel.yaml.comments import CommentedMap

                silent = CommentedMap(silent)
                silent.fa.set_flow_style()
                unit.insert(len(unit), "emcon", silent)
            else:
                unit["emcon"] = silent


MIGRATIONS: dict[str, dict[int, Migration]] = {"scenario": {1: _scenario_1_to_2, 2: _scenario_2_to_3},
                                               "sweep": {}}
"""kind -> {version n: function migrating a file's data from n to n + 1 in place}."""

FIELD = "format_version"


def file_version(doc: Document, kind: str, current: int | None = None) -> int:
    """The ``format_version`` of a read document (1 when absent); InputError when it is not a whole number
    >= 1 or is newer than this program reads (``current``, default :data:`CURRENT`)."""
    current = CURRENT[kind] if current is None else current
    data = doc.data if isinstance(doc.data, dict) else {}
    raw = data.get(FIELD, 1)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise doc.error((FIELD,), "must be a whole number >= 1 (absent means 1)")
    if raw > current:
        from iadsim import __version__

        raise doc.error((FIELD,), f"this {kind} file is format version {raw}; iadsim {__version__} reads "
                        f"versions up to {current}: upgrade iadsim")
    return raw


def migrate_data(data: dict, kind: str, version: int, target: int | None = None,
                 migrations: Mapping[int, Migration] | None = None) -> int:
    """Apply the migrations ``version -> target`` (default: current) to ``data`` in place; the version reached."""
    target = CURRENT[kind] if target is None else target
    steps = MIGRATIONS[kind] if migrations is None else migrations
    while version < target:
        if version not in steps:
            raise ValueError(f"no migration of {kind} files from format version {version}")
        steps[version](data)
        version += 1
    return version


def detect_kind(data: object) -> str:
    """'sweep' for a mapping with a ``base`` and ``factors``, else 'scenario'."""
    return "sweep" if isinstance(data, dict) and "base" in data and "factors" in data else "scenario"


def migrate_file(path: str | Path, out: str | Path | None = None, current: Mapping[str, int] | None = None,
                 migrations: Mapping[str, Mapping[int, Migration]] | None = None) -> tuple[str, int, int]:
    """Rewrite a scenario or sweep file at the current format version, keeping comments and layout where
    ruamel.yaml can. Writes ``out`` (default: the file itself, replaced atomically). Returns
    ``(kind, version before, version after)``; a file already current is still given an explicit
    ``format_version``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from iadsim.scenario.yamlio import load_yaml

    path = Path(path)
    text = read_text(path)
    doc = load_yaml(path, text)  # the safe reader first: limits, tags, duplicate keys, line numbers
    if not isinstance(doc.data, dict):
        raise InputError(path, "expected a mapping of scenario or sweep fields", doc.line_of(()))
    kind = detect_kind(doc.data)
    versions = dict(CURRENT) if current is None else dict(current)
    before = file_version(doc, kind, versions[kind])
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    offset = _sequence_offset(text)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)  # lists stay indented as the file has them
    try:
        data = yaml.load(text)
    except YAMLError as exc:  # the safe reader accepted it; ruamel is stricter in a few corners
        raise InputError(path, f"cannot be rewritten with its comments: {type(exc).__name__}") from None
    steps = (MIGRATIONS if migrations is None else migrations)[kind]
    try:
        after = migrate_data(data, kind, before, versions[kind], steps)
    except ValueError as exc:
        raise InputError(path, str(exc), doc.line_of((FIELD,)), (FIELD,)) from None
    if FIELD in data:
        data[FIELD] = after
    else:
        data.insert(0, FIELD, after)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    target = Path(out) if out is not None else path
    _write_atomic(target, buffer.getvalue())
    return kind, before, after


def _sequence_offset(text: str) -> int:
    """How far the file indents a block list's dashes under its key (``units:`` then ``  - ...``: 2), from its
    first block list; 0 when it has none."""
    import re

    lines = text.splitlines()
    for above, line in zip(lines, lines[1:], strict=False):
        key, dash = re.match(r"^( *)[^\s#-][^#]*:\s*(#.*)?$", above), re.match(r"^( *)- ", line)
        if key and dash:
            return max(len(dash.group(1)) - len(key.group(1)), 0)
    return 0


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` (through a symbolic link: its target) with ``text``, keeping the file's mode."""
    import os
    import stat

    try:
        path = path.resolve()
    except (OSError, RuntimeError):
        raise InputError(path, "is a symbolic link loop") from None
    mode = stat.S_IMODE(os.stat(path).st_mode) if path.is_file() else None
    try:
        write_atomic(path, text.encode("utf-8"), mode)
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None
