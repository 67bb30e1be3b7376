"""Shared by the scenario tests: the examples as text, mutations with exact lines, the CLI entry point."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DESIGNED = EXAMPLES / "airbase-as-designed.yaml"
REPORTED = EXAMPLES / "airbase-as-reported.yaml"


def designed_text() -> str:
    return DESIGNED.read_text(encoding="utf-8")


def mutate(text: str, old: str, new: str) -> str:
    """Replace a fragment that must occur exactly once (so a changed example fails loudly, not silently)."""
    assert text.count(old) == 1, f"fragment {old!r} occurs {text.count(old)} times in the example"
    return text.replace(old, new)


def line_containing(text: str, fragment: str) -> int:
    """The 1-based number of the only line of `text` that contains `fragment`."""
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    assert len(lines) == 1, f"fragment {fragment!r} is on lines {lines}"
    return lines[0]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """`iadsim ARGV...` through iadsim.cli.main: (exit status, stdout, stderr)."""
    from iadsim.cli import main

    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def errors_only(err: str) -> str:
    """stderr without the warning lines ("iadsim: warning: ..."): the shipped examples' raids cannot hold the
    heights they are given everywhere, and the loader says so."""
    return "".join(line for line in err.splitlines(keepends=True) if not line.startswith("iadsim: warning: "))
