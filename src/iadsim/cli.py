"""The `iadsim` command: a thin typer layer over the library.

Bad input of any kind ends with a short message naming the file, line and field, and exit status 2;
no input makes this command print a traceback (set IADSIM_DEBUG=1 to see one for a genuine bug).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from iadsim.scenario import InputError

app = typer.Typer(
    name="iadsim",
    help="Integrated air defence system simulator and readiness analyser (analysis and education only).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file", show_default=False)]


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file; print a one-line summary (exit 0) or every error (exit 2)."""
    from iadsim.scenario import load_scenario

    loaded = load_scenario(scenario)
    out.print(f"ok: {loaded.summary()}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from iadsim.scenario.models import ScenarioSpec

    data = ScenarioSpec.model_json_schema(by_alias=True)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "iadsim scenario"
    _print_json(data)


@app.command()
def catalog(
    kind: Annotated[str | None, typer.Option(help="radar, launcher, missile, command-post or aircraft")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the catalog as JSON")] = False,
) -> None:
    """List the system types in the catalog with the source and grade of every number."""
    from rich.table import Table

    from iadsim.scenario import builtin_catalog

    cat = builtin_catalog()
    kinds = ("radar", "launcher", "missile", "command-post", "aircraft")
    if kind is not None and kind not in kinds:
        raise typer.BadParameter(f"unknown kind '{kind}'; choose from {', '.join(kinds)}", param_hint="--kind")
    ids = cat.ids(kind)
    if as_json:
        _print_json({"sources": cat.sources, "types": {i: cat.types[i].model_dump() for i in ids}})
        return
    table = Table("id", "kind", "label", "values (published/derived/assumed)")
    for type_id in ids:
        entry = cat.types[type_id]
        grades = [v.grade for _, v in entry if hasattr(v, "grade")]
        counts = "/".join(str(grades.count(g)) for g in ("published", "derived", "assumed"))
        table.add_row(type_id, entry.kind, entry.label, counts)
    out.print(table)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("demo-out"),
    replications: Annotated[int, typer.Option(min=1, help="replications per example")] = 200,
) -> None:
    """The main job on the two built-in examples: audit, simulate and report as-reported vs as-designed."""
    from iadsim.scenario import load_scenario

    out_dir.mkdir(parents=True, exist_ok=True)
    for path in example_paths():
        loaded = load_scenario(path)
        out.print(f"[bold]{loaded.name}[/bold]: {loaded.summary()}")


def example_paths() -> list[Path]:
    """The two example scenarios (from the source tree, or installed with the package)."""
    here = Path(__file__).resolve()
    for folder in (here.parents[2] / "examples", here.parent / "examples"):
        paths = [folder / "airbase-as-reported.yaml", folder / "airbase-as-designed.yaml"]
        if all(p.is_file() for p in paths):
            return paths
    raise InputError("examples/", "the example scenarios are not installed")


def main(argv: list[str] | None = None) -> int:
    """Console entry point (the script calls sys.exit on the result): every failure becomes a message and a status."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="iadsim")
    except InputError as exc:
        err.print(f"iadsim: {exc}", markup=False)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err.print("iadsim: interrupted; results written so far are kept", markup=False)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error from typer's command-line parser: it prints its own message
            return exc.exit_code
        if os.environ.get("IADSIM_DEBUG"):
            raise
        err.print(f"iadsim: internal error: {type(exc).__name__}: {exc} (set IADSIM_DEBUG=1 for details)", markup=False)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
