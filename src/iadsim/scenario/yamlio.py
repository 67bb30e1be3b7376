"""Safe YAML reading that remembers where every value came from.

PyYAML's safe composer builds a node tree; we turn it into plain Python values ourselves so that every
field path maps to its line, duplicate keys are errors, and hostile documents (alias bombs, deep nesting,
binary garbage, NUL bytes) are refused with a clear message instead of a traceback or a hang.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import yaml

from iadsim.files import NotRegularFile, replace_file
from iadsim.units import clip

MAX_BYTES = 10_000_000
"""Largest scenario, sweep or catalog file read (10 MB)."""
MAX_DEPTH = 64
MAX_NODES = 500_000

Loc = tuple[str | int, ...]
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class InputError(Exception):
    """Bad input: carries the file, the line (1-based, or None) and the field path."""

    def __init__(self, file: str | Path, message: str, line: int | None = None, loc: Loc = ()):
        self.file = str(file)
        self.line = line
        self.loc = tuple(loc)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        path = format_loc(self.loc)
        return f"{where}: {path + ': ' if path else ''}{self.message}"


class InputErrors(InputError):
    """Several input errors at once (pydantic reports them all); printed one per line."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.file, first.message, first.line, first.loc)

    def __str__(self) -> str:
        shown = [InputError.__str__(e) for e in self.errors[:12]]
        if len(self.errors) > 12:
            shown.append(f"... and {len(self.errors) - 12} more errors")
        return "\n".join(shown)


def format_loc(loc: Loc) -> str:
    """`units[2].position.x` from ('units', 2, 'position', 'x')."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Document:
    """A YAML document as plain data plus the line of every field path."""

    file: str
    data: object
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest known prefix of `loc` (pydantic locations can be deeper)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)

    def error(self, loc: Loc, message: str) -> InputError:
        return InputError(self.file, message, self.line_of(loc), loc)


def from_validation_errors(doc: Document, errors: list[dict]) -> InputErrors:
    """Pydantic's `exc.errors()` as InputErrors with file, line, a field path the user wrote, and plain words."""
    out = []
    for e in errors:
        loc = _user_loc(doc.data, tuple(e["loc"]))
        msg = str(e["msg"]).removeprefix("Value error, ")
        kind = e.get("type")
        if kind == "extra_forbidden":
            msg = f"unknown field '{loc[-1]}'" if loc else "unknown field"
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            msg = f"expected a mapping of fields, found {describe(e.get('input'))}"
        elif kind == "list_type":
            msg = f"expected a list, found {describe(e.get('input'))}"
        elif kind == "string_pattern_mismatch" and "\\x00" in str((e.get("ctx") or {}).get("pattern", "")):
            msg = "contains a control character (an escape sequence, a tab, a new line): write plain text"
        elif kind == "string_pattern_mismatch":
            msg = (f"'{clip(str(e.get('input')))}' is not a valid id: use up to 64 letters, digits, '_', '.' "
                   "and '-', starting with a letter or digit")
        elif kind == "too_short" and loc and loc[-1] == "route":
            msg = "a route needs at least 2 waypoints"
        if loc and loc[-1] == "[key]":  # a bad key of a dict field
            loc = loc[:-1]
            msg = f"not a valid key: {msg}"
        out.append(doc.error(loc, msg))
    return InputErrors(out)


def _user_loc(data: object, loc: Loc) -> Loc:
    """Drop the parts of a pydantic location the user did not write: union tags ('radar' in
    types.x.radar.label) and validator names ('function-after[...]'); 'from_' becomes 'from'."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(part, str) and part.startswith("function-"):
            continue
        part = "from" if part == "from_" else part
        last = i == len(loc) - 1
        if isinstance(node, dict) and part not in node and not last and node.get("kind") == part:
            continue  # the discriminator tag of a tagged union
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def describe(value: object) -> str:
    """'a list', 'a string', 'a number', 'true/false', 'nothing', 'a mapping'."""
    if value is None:
        return "nothing"
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false",
            dict: "a mapping"}.get(type(value), type(value).__name__)


MAX_JSON_BYTES = 50_000_000
"""Largest run-folder or sweep-folder JSON file read."""


def read_bytes(path: str | Path, limit: int = MAX_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, read with that bound.

    The one reader of every input file: missing files, directories, FIFOs, devices, sockets, symlink
    loops and unreadable or oversized files raise :class:`InputError` naming the path and the reason,
    in bounded time and memory (a FIFO is never opened for a blocking read; ``/dev/zero`` is refused
    before it is read). ``what`` names the kind of file in messages ("scenario file", ...).
    """
    import errno
    import os
    import stat

    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise InputError(path, "file not found") from None
        if exc.errno == errno.ELOOP:
            raise InputError(path, "is a symbolic link loop") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError(clip(str(path)), "file name too long") from None
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"is not a regular file (a pipe, device or socket); a {what} must be a file")
    if info.st_size > limit:
        raise InputError(path, f"is larger than {limit / 1e6:g} MB; not a {what}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a special file since the stat above
            raise InputError(path, f"is not a regular file; a {what} must be a file")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise InputError(path, f"is larger than {limit / 1e6:g} MB; not a {what}")
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def wide_encoding(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when ``raw`` opens with that encoding's byte-order mark and its opening reads as
    mostly ASCII text in it (Windows editors save text so; its NUL bytes would otherwise read as binary data), else
    None (binary data that happens to open with a mark)."""
    for name, marks in (("UTF-32", (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")), ("UTF-16", (b"\xff\xfe", b"\xfe\xff"))):
        if raw.startswith(marks):
            unit = 4 if name == "UTF-32" else 2
            head = raw[: min(len(raw), 4096) // unit * unit]  # (whole code units)
            try:
                text = head.decode(name.lower().replace("-", ""))
            except UnicodeDecodeError:
                return None
            return name if text and sum(c < "\x80" for c in text) >= 0.9 * len(text) else None
    return None


def read_text(path: str | Path, limit: int = MAX_BYTES, what: str = "scenario file") -> str:
    """Read a text file with :func:`read_bytes`, refusing binary data and NUL bytes."""
    path = Path(path)
    raw = read_bytes(path, limit, what)
    if (wide := wide_encoding(raw)) is not None:
        raise InputError(path, f"is {wide} text; save it as UTF-8", 1)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(path, "contains a NUL byte; not a text file", line)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, "is not UTF-8 text (binary data?)", line) from None


def read_json(path: str | Path, limit: int = MAX_JSON_BYTES, what: str = "JSON file") -> object:
    """Parse a JSON file read with :func:`read_bytes`; InputError (with the line) when it is not JSON.
    NaN and infinities are accepted (Python's json writes them); nesting is bounded by the parser."""
    import json

    text = read_text(path, limit, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"is not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise InputError(path, "is not valid JSON: nesting too deep") from None


def write_atomic(path: str | Path, data: bytes | Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Write ``data`` to ``path`` whole (:func:`iadsim.files.replace_file`: through a temporary file in the same
    folder, flushed, then renamed; ``data`` the bytes or a function writing them to the binary file it is given;
    ``mode`` the new file's permission bits, default the umask's). A ``path`` that
    exists and is not a regular file (a device, a FIFO, a folder) is refused with an InputError naming it; any
    other OSError carries ``path`` as its filename."""
    try:
        replace_file(path, data, mode)
    except NotRegularFile as exc:
        raise InputError(Path(path), exc.strerror) from None


_INT = re.compile(r"^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")


def _core_schema(resolvers: dict) -> dict:
    """PyYAML's implicit resolvers with YAML 1.2's core-schema numbers for YAML 1.1's: ``010`` is ten (not eight,
    octal), ``1:00`` is text (not sixty, base 60), ``2e-3`` a number (not text, for want of a dot)."""
    out = {first: [(tag, regexp) for tag, regexp in entries if tag not in (_INT_TAG, _FLOAT_TAG)]
           for first, entries in resolvers.items()}
    for tag, regexp, firsts in ((_INT_TAG, _INT, "-+0123456789"), (_FLOAT_TAG, _FLOAT, "-+0123456789.")):
        for first in firsts:
            out.setdefault(first, []).append((tag, regexp))
    return out


_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class _Constructor(yaml.constructor.SafeConstructor):
    """The safe constructor with YAML 1.2's core-schema numbers (see :func:`_core_schema`)."""

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text, 10)

    def construct_yaml_float(self, node):
        text = self.construct_scalar(node).lower()
        if text.lstrip("+-") == ".inf":
            return -math.inf if text.startswith("-") else math.inf
        return math.nan if text == ".nan" else float(text)


_Constructor.add_constructor(_INT_TAG, _Constructor.construct_yaml_int)
_Constructor.add_constructor(_FLOAT_TAG, _Constructor.construct_yaml_float)


class _Loader(yaml.SafeLoader):
    """The safe loader with a nesting limit while composing (PyYAML's composer recurses per level), and YAML 1.2's
    core-schema numbers (:func:`_core_schema`: YAML 1.1's read ``count: 010`` as 8)."""

    yaml_implicit_resolvers = _core_schema(yaml.SafeLoader.yaml_implicit_resolvers)

    depth = 0
    nodes = 0

    def compose_node(self, parent, index):
        self.depth += 1
        self.nodes += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooDeep(mark.line + 1)
            if self.nodes > MAX_NODES:  # stop while composing: the tree of a huge flat list costs GBs
                raise _TooMany(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _TooMany(Exception):
    def __init__(self, line: int):
        self.line = line


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def load_yaml(path: str | Path, text: str | None = None) -> Document:
    """Safe-load one YAML document and record the line of every field path."""
    name = str(path)
    if text is None:
        text = read_text(path)
    try:
        if (line := _scalars_beyond(text, MAX_NODES)) is not None:
            raise _TooMany(line)  # (counted before the Python reader runs: the message of its own count below)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context:
            # e.g. "while parsing a flow sequence (line 3), expected ',' or ']'"; "found duplicate anchor"
            where = f" (line {exc.context_mark.line + 1})" if exc.context_mark is not None else ""
            problem = f"{exc.context}{where}, {exc.problem}"
        raise InputError(name, f"not valid YAML: {problem}", line) from None
    except yaml.reader.ReaderError as exc:  # a control character: PyYAML gives a position, not a line
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise InputError(name, f"not valid YAML: unacceptable character #x{code:04x} (control characters are "
                         "not allowed)", line) from None
    except yaml.YAMLError as exc:
        raise InputError(name, f"not valid YAML: {exc}") from None
    except _TooDeep as exc:
        raise InputError(name, f"nesting is deeper than {MAX_DEPTH} levels", exc.line) from None
    except _TooMany as exc:
        raise InputError(name, f"has more than {MAX_NODES} values; not a scenario, sweep or catalog file",
                         exc.line) from None
    except RecursionError:
        raise InputError(name, f"nesting is deeper than {MAX_DEPTH} levels") from None
    if node is None:
        raise InputError(name, "is empty; expected a mapping of scenario fields", 1)
    doc = Document(name, None)
    counter = [0]
    doc.data = _convert(node, (), doc, counter, 0)
    return doc


def _scalars_beyond(text: str, most: int) -> int | None:
    """The line of the scalar past the first ``most`` in ``text``, counted by libyaml's scanner, else None. A
    document holds at least as many values as scalars, so one with more than ``most`` is refused before PyYAML's
    Python scanner reads it: libyaml counts half a million in about a second, where composing them took twenty. None
    without libyaml, or where its scanner stops at an error first (the Python reader's message is the one to give).
    A text of at most ``most`` characters is not scanned: each scalar takes one at least, so none holds more (every
    scenario, sweep and catalog we ship; the scan took a fifteenth of reading the national-scale example)."""
    loader_type = getattr(yaml, "CSafeLoader", None)
    if loader_type is None or len(text) <= most:
        return None
    count, loader = 0, None
    try:
        loader = loader_type(text)
        while (token := loader.get_token()) is not None:
            if isinstance(token, yaml.ScalarToken):
                count += 1
                if count > most:
                    return token.start_mark.line + 1
    except Exception:  # noqa: BLE001 - a pre-check: whatever stops libyaml, the Python reader says what is wrong
        return None
    finally:
        if loader is not None:
            loader.dispose()
    return None


def _convert(node: yaml.Node, loc: Loc, doc: Document, counter: list[int], depth: int) -> object:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        # a node reached through an alias carries its anchor's line: name the top-level field instead
        line = doc.line_of(loc[:1]) if loc else node.start_mark.line + 1
        raise InputError(
            doc.file, f"has more than {MAX_NODES} values once aliases are expanded (alias bomb?)", line, loc[:1],
        )
    if depth > MAX_DEPTH:
        raise InputError(doc.file, f"nesting is deeper than {MAX_DEPTH} levels", node.start_mark.line + 1, loc)
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        # scalars with other tags fail in the safe constructor; collections would silently drop the tag
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise InputError(doc.file, f"YAML tag '{clip(tag)}' is not supported", node.start_mark.line + 1, loc)
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(doc.file, "mapping keys must be plain names", key_node.start_mark.line + 1, loc)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(doc.file, "YAML merge keys (<<) are not supported", key_node.start_mark.line + 1, loc)
            key = str(key_node.value)
            _check_text(key, key_node, loc, doc)
            if key in out:
                raise InputError(doc.file, f"duplicate key '{key}'", key_node.start_mark.line + 1, loc + (key,))
            # a field is reported at the line of its key (a block value starts on the next line)
            doc.lines.setdefault(loc + (key,), key_node.start_mark.line + 1)
            out[key] = _convert(value_node, loc + (key,), doc, counter, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loc + (i,), doc, counter, depth + 1) for i, item in enumerate(node.value)]
    return _scalar(node, loc, doc)


def _scalar(node: yaml.ScalarNode, loc: Loc, doc: Document) -> object:
    constructor = _Constructor()  # (a whole SafeLoader per scalar made alias bombs slow)
    try:
        value = constructor.construct_object(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(doc.file, f"bad value: {problem}", node.start_mark.line + 1, loc) from None
    except Exception:  # e.g. `!!int abc`, `!!float x`, `!!timestamp x`: the constructor raises ValueError etc.
        raise InputError(
            doc.file, f"bad value: '{clip(node.value)}' is not a valid {node.tag.rsplit(':', 1)[-1]}",
            node.start_mark.line + 1, loc,
        ) from None
    if isinstance(value, bytes):
        raise InputError(doc.file, "binary values are not allowed", node.start_mark.line + 1, loc)
    if not isinstance(value, (str, int, float, bool, type(None))):
        # dates and timestamps: keep the text the user wrote
        value = str(node.value)
    if isinstance(value, str):
        _check_text(value, node, loc, doc)
    return value


def _check_text(text: str, node: yaml.Node, loc: Loc, doc: Document) -> None:
    """Refuse lone surrogates (from escapes such as "\\ud800"): they cannot be encoded or printed."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(doc.file, "contains an invalid unicode escape (a lone surrogate)",
                         node.start_mark.line + 1, loc) from None


