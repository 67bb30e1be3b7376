"""Editing a scenario file as its author wrote it: ruamel.yaml's round trip (comments, quotes and the file's list
indentation kept), its relative paths rewritten for another folder, and a validated, atomic write.

Used by ``iadsim migrate`` (:mod:`iadsim.scenario.versions`), ``iadsim route`` and ``iadsim site`` (which write a
copy of a scenario with a raid added or units moved) and ``iadsim import`` (which writes a new one).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from iadsim.files import umask_mode
from iadsim.scenario.yamlio import InputError

__all__ = ["dump", "relocate_paths", "round_trip", "sequence_offset", "write_validated"]


def sequence_offset(data) -> int:
    """How far the file indents a block list's dashes under its key (``units:`` then ``  - ...``: 2), read from
    the first top-level block list ruamel.yaml parsed; 0 (its default) when there is none."""
    for value in data.values() if isinstance(data, dict) else ():
        if isinstance(value, list) and hasattr(value, "lc") and not value.fa.flow_style():
            return max(int(value.lc.col), 0)
    return 0


def round_trip(text: str, path: str | Path):
    """``(yaml, data)``: ``text`` (the file ``path``, already read and checked by the safe reader) as a ruamel.yaml
    round-trip tree, and the YAML object that writes it back with its comments, quotes and list indentation.
    InputError naming ``path`` where ruamel.yaml, stricter in a few corners, cannot read it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise InputError(path, f"cannot be rewritten with its comments: {type(exc).__name__}") from None
    offset = sequence_offset(data)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)  # lists stay indented as the file has them
    return yaml, data


def dump(yaml, data, header: str = "") -> str:
    """The text of a round-trip tree (after ``header``, e.g. a comment line ending in a newline)."""
    import io

    buffer = io.StringIO()
    buffer.write(header)
    yaml.dump(data, buffer)
    return buffer.getvalue()


def relocate_paths(data, old: Path, new: Path) -> None:
    """Rewrite the relative file paths of a scenario document (terrain source or tiles, catalog files, land cover
    raster and class table) from folder ``old`` to folder ``new``; absolute paths and ``sample`` stay."""
    old, new = Path(old), Path(new)
    if old == new:
        return

    def moved(name):
        if not isinstance(name, str) or Path(name).is_absolute():
            return name
        return Path(os.path.relpath(old / name, new)).as_posix()

    terrain = data.get("terrain")
    if isinstance(terrain, dict) and "source" in terrain:
        source = terrain["source"]
        if isinstance(source, list):
            terrain["source"] = [moved(s) for s in source]
        elif source != "sample":
            terrain["source"] = moved(source)
    if isinstance(data.get("catalog"), list):
        data["catalog"] = [moved(c) for c in data["catalog"]]
    landcover = (data.get("surface") or {}).get("landcover") if isinstance(data.get("surface"), dict) else None
    if isinstance(landcover, dict):
        landcover["path"] = moved(landcover.get("path"))
        if isinstance(landcover.get("classes"), str) and landcover["classes"].lower().endswith((".yaml", ".yml")):
            landcover["classes"] = moved(landcover["classes"])


def write_validated(text: str, out: str | Path, invalid: Callable[[InputError], InputError],
                    quiet: bool = False) -> None:
    """Write the scenario ``text`` to ``out`` only if it loads: through a temporary file beside ``out`` (so that
    its relative paths resolve as they will), flushed, loaded as a scenario (its warnings silenced when
    ``quiet``), given the permissions the umask gives a new file, then renamed. A scenario that does not load
    raises ``invalid(error)``; nothing is left behind and an earlier ``out`` stays as it was."""
    from iadsim.scenario.load import load_scenario

    out = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".yaml", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            with warnings.catch_warnings():
                if quiet:
                    warnings.simplefilter("ignore")
                load_scenario(tmp)
        except InputError as exc:
            raise invalid(exc) from None
        os.chmod(tmp, umask_mode())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
