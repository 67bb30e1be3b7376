"""The HTML report: one self-contained file that opens offline."""

from __future__ import annotations

import html
import json
from pathlib import Path


def build_report(run_dirs: list[Path], out_path: Path) -> Path:
    """A plain comparison page of the runs' summaries and audits (every scenario text escaped)."""
    sections = []
    for run_dir in run_dirs:
        summary = json.loads((Path(run_dir) / "summary.json").read_text())
        audit = json.loads((Path(run_dir) / "audit.json").read_text())
        rows = "".join(
            f"<tr><td>{html.escape(m)}</td><td>{_fmt(v['mean'])}</td>"
            f"<td>{_fmt(v['ci95'][0])} - {_fmt(v['ci95'][1])}</td></tr>"
            for m, v in summary["metrics"].items()
        )
        units = "".join(
            f"<tr><td>{html.escape(f['id'])}</td><td>{'able' if f['able'] else 'NOT ABLE'}</td><td>"
            + "<br>".join(html.escape(f"{r['code']}: {r['message']}") for r in f["reasons"]) + "</td></tr>"
            for f in audit["fire_units"]
        )
        sections.append(
            f"<section><h2>{html.escape(summary['name'])}</h2><p>{summary['replications']} replications, "
            f"{summary['fire_units_able']} of {summary['fire_units']} fire units able.</p>"
            f"<table><tr><th>metric</th><th>mean</th><th>95% CI</th></tr>{rows}</table>"
            f"<h3>Kill-chain audit</h3><table><tr><th>fire unit</th><th>able</th><th>reasons</th></tr>{units}</table>"
            "</section>"
        )
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>iadsim report</title></head><body>"
            "<h1>iadsim report</h1>" + "".join(sections) + "</body></html>")
    out_path = Path(out_path)
    out_path.write_text(page, encoding="utf-8")
    return out_path


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.2f}"
