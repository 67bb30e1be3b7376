"""The report's explanations: outcomes by raid, aircraft type and fire unit (:mod:`iadsim.analysis.breakdown`),
the engagement timeline of the replayed replication, and "what drove the outcome", a paragraph generated from
the audit, those tables and the sweep, whose every number links to the table cell it was read from.

Cell ids are built from the run's and the row's positions (``r0-unit-2-kills``), never from scenario text;
every name shown is HTML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from iadsim.analysis.breakdown import COUNTS, RADAR_COUNTS, episodes, outcomes_by, radars
from iadsim.analysis.intervals import number_text
from iadsim.events import REASON_TEXT
from iadsim.report.plots import mmss
from iadsim.report.run import Run

TABLES = {"raid": "raids", "type": "aircraft types", "fire_unit": "fire units"}
"""The breakdown tables: grouping -> words."""

_TARGET_COLUMNS = ("aircraft", "killed", "leaked", "engagements", "missiles", "vetoed", "held", "lost",
                   "missed")
_UNIT_COLUMNS = ("nominated", "vetoed", "held", "lost", "engagements", "missiles", "kills", "threats_killed",
                 "missed", "waiting")
_ONLY_WHEN_SEEN = ("held",)
"""Columns shown only when a run has some (the automation's holds)."""


def number(value: float | None, integer: bool = False) -> str:
    """A table cell's text, and the same text wherever the paragraph quotes it: as every interval prints it
    (:func:`iadsim.analysis.intervals.number_text`: two decimals, two significant digits below 0.01), or a whole
    number; ``-`` for a missing value (None, NaN, ``pd.NA``)."""
    if value is None or pd.isna(value):
        return "-"
    return f"{int(round(float(value)))}" if integer else number_text(float(value))


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0..1) as a table cell's percentage, ``-`` for a missing value (None, NaN, ``pd.NA``)."""
    if value is None or pd.isna(value):
        return "-"
    return f"{100 * float(value):.{digits}f} %"


def reason_words(reason: str) -> str:
    """A reason code spelled out (:data:`iadsim.events.REASON_TEXT`)."""
    return REASON_TEXT.get(reason, reason.replace("_", " "))


@dataclass
class Breakdown:
    """One run's breakdown tables, with the id of each cell."""

    run: Run
    index: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.run.metrics)
        for by in TABLES:
            self.tables[by] = outcomes_by(self.run.events, self.run.entities, n, by)
        fire = self.tables["fire_unit"]
        numbers = [c for c in fire.columns if c not in ("group", "type")]
        total = {"group": "all fire units", "type": "", **{c: float(fire[c].sum()) for c in numbers}}
        self.totals = pd.DataFrame([total], columns=fire.columns)

    def cell(self, by: str, row: int, column: str) -> str:
        """The id of a cell: run, table, row position and column (``:`` becomes ``-``)."""
        return f"r{self.index}-{by}-{row}-{column.replace(':', '-')}"

    def _frame(self, by: str) -> pd.DataFrame:
        return self.totals if by == "fire_unit_total" else self.tables[by]

    def text(self, by: str, row: int, column: str) -> str:
        return number(float(self._frame(by)[column].iloc[row]), integer=column == "aircraft")

    def link(self, by: str, row: int, column: str) -> str:
        """The cell's text as a link to it (the paragraph's claims)."""
        return f'<a class=claim href="#{self.cell(by, row, column)}">{self.text(by, row, column)}</a>'

    def html(self, by: str) -> str:
        frame = self.tables[by]
        columns = [c for c in (_UNIT_COLUMNS if by == "fire_unit" else _TARGET_COLUMNS)
                   if c not in _ONLY_WHEN_SEEN or (c in frame and frame[c].any())]
        head = {"fire_unit": "<th>fire unit</th><th>type</th>", "raid": "<th>raid</th>"}.get(by, "<th>type</th>")
        head += "".join(f"<th>{escape(COUNTS[c])}</th>" for c in columns) + "<th>lost or missed, and why</th>"
        rows = []
        for i, row in enumerate(frame.itertuples(index=False)):
            note = ("friendly" if getattr(row, "friendly", False) else "civil" if getattr(row, "civil", False)
                    else "decoys" if getattr(row, "decoy", False) else None)
            shown = note and not str(row.group).endswith(f"({note})")  # (a type's group says "(friendly)" itself)
            name = escape(str(row.group)) + (f" <span class=note>({note})</span>" if shown else "")
            cells = f"<td><b>{name}</b></td>" + (f"<td>{escape(str(row.type))}</td>" if by == "fire_unit" else "")
            cells += "".join(f'<td class=num id="{self.cell(by, i, c)}">{self.text(by, i, c)}</td>' for c in columns)
            rows.append(f"<tr>{cells}<td>{self._why(by, i)}</td></tr>")
        if by == "fire_unit" and len(frame):
            rows.append(self._total_row(columns))
        return f"<table><tr>{head}</tr>{''.join(rows)}</table>"

    def _total_row(self, columns) -> str:
        by = "fire_unit_total"
        cells = "<td><b>all fire units</b></td><td></td>" + "".join(
            f'<td class=num id="{self.cell(by, 0, c)}"><b>{self.text(by, 0, c)}</b></td>' for c in columns)
        return f"<tr>{cells}<td>{self._why(by, 0)}</td></tr>"

    def _why(self, by: str, row: int) -> str:
        """The reasons a row's engagements were lost or missed, each value in its own cell id."""
        frame, why = self._frame(by), []
        for column in (c for c in frame.columns if ":" in c):
            if float(frame[column].iloc[row]) > 0:
                kind, reason = column.split(":")
                why.append(f'{"lost" if kind == "lost" else "missed"}: {escape(reason_words(reason))} '
                           f'<span class=num id="{self.cell(by, row, column)}">{self.text(by, row, column)}</span>')
        return "<br>".join(why) or "-"


def breakdown_html(breakdowns: list[Breakdown]) -> str:
    """Every run's three tables, one heading per run and table, and its radars' emission where some radar emitted
    less than the whole run."""
    out = []
    for b in breakdowns:
        for by, words in TABLES.items():
            out.append(f"<h3>{escape(b.run.name)}: by {escape(words)}</h3>{b.html(by)}")
        out.append(_radars_html(b.run))
    note = ("<p class=note>Means per replication. A threat's row counts what happened to it (its kills, leaks "
            "and the engagements aimed at it); a fire unit's row what it did. Lost: authorised, but the fire unit "
            "could no longer launch; missed: the salvo arrived and did not kill. Each reason is the first that "
            "applied, as the event table records it (docs/events.md).</p>")
    return "".join(out) + note


def _radars_html(run: Run) -> str:
    """The run's radars (:func:`iadsim.analysis.breakdown.radars`): emission and the anti-radiation missiles at each;
    nothing when every radar emitted the whole run and none was attacked."""
    table = radars(run.events, run.entities, len(run.metrics))
    duration = float(run.entities.get("duration", 0.0))
    if table.empty or ((table["emitting"] >= duration - 1e-6).all() and not table[list(RADAR_COUNTS)[1:]].any(
            axis=None)):
        return ""
    head = "<th>radar</th><th>type</th>" + "".join(f"<th>{escape(w)}</th>" for w in RADAR_COUNTS.values())
    rows = "".join("<tr><td><b>" + escape(str(row.group)) + "</b></td><td>" + escape(str(row.type)) + "</td>" + "".join(
        f"<td class=num>{number(float(getattr(row, c)))}</td>" for c in RADAR_COUNTS) + "</tr>"
        for row in table.itertuples(index=False))
    return (f"<h3>{escape(run.name)}: radars, emission and anti-radiation missiles</h3><table><tr>{head}</tr>{rows}"
            f"</table><p class=note>Means per replication, from the events; the run lasts {number(duration)} s.</p>")


# -------------------------------------------------------------------------------------------------- timeline

OUTCOME_STYLE = {  # outcome -> (legend words, marker symbol, colour)
    "kill": ("killed", "x", "#111111"),
    "miss": ("missed", "circle-open", "#c1121f"),
    "vetoed": ("vetoed", "square-open", "#e07b00"),
    "lost": ("lost before launch", "triangle-down", "#c1121f"),
    "waiting": ("waiting for a firing solution", "circle", "#9aa1ab"),
    "held": ("held by the automation", "diamond-open", "#2a9d8f"),
}


def timeline_rows(run: Run, replication: int) -> pd.DataFrame:
    """The replication's episodes with unit and target names."""
    frame = episodes(run.events, replication)
    units = [u["id"] for u in run.entities["units"]]
    targets = [t["id"] for t in run.entities["targets"]]
    frame["unit_id"] = [units[u] if 0 <= u < len(units) else "" for u in frame["unit"]]
    frame["target_id"] = [targets[t] if 0 <= t < len(targets) else "" for t in frame["target"]]
    return frame


def timeline_figure(rows: pd.DataFrame, fire_units: list[str], title: str) -> go.Figure:
    """One row per fire unit: deciding (nomination to decision) as a grey bar, missiles in flight (launch to
    intercept) as a purple bar, and the outcome as a marker; hover for the target, the times and the reason."""
    fig = go.Figure()
    names = [escape(f) for f in fire_units]
    for phase, start, end, colour, width in (("deciding (nominated to decided)", "nominated", "decided", "#9aa1ab", 8),
                                              ("missiles in flight", "launch", "intercept", "#7b2d8e", 8)):
        xs, ys, hover = [], [], []
        for row in rows[~rows["outcome"].isin(["waiting", "held"])].itertuples(index=False):  # (no decision: a mark)
            a, b = getattr(row, start), getattr(row, end)
            if not np.isfinite(a):
                continue
            b = b if np.isfinite(b) else a
            xs += [a / 60.0, b / 60.0, None]
            ys += [escape(row.unit_id)] * 2 + [None]
            text = escape(f"{row.unit_id} -> {row.target_id}: {phase.split(' (')[0]} {mmss(a)} to {mmss(b)}")
            hover += [text, text, None]
        fig.add_trace(go.Scatter(x=xs or [None], y=ys or [None], mode="lines", name=phase, hovertext=hover or [None],
                                 hoverinfo="text", line={"color": colour, "width": width}))
    for outcome, (words, symbol, colour) in OUTCOME_STYLE.items():
        sel = rows[rows["outcome"] == outcome]
        if outcome in _ONLY_WHEN_SEEN and sel.empty:
            continue
        when = {"kill": "intercept", "miss": "intercept", "waiting": "nominated"}.get(outcome, "decided")
        hover = [escape(f"{r.unit_id} -> {r.target_id}: {words} at {mmss(getattr(r, when))}"
                        + ("" if r.reason == "none" else f" ({reason_words(r.reason)})"))
                 for r in sel.itertuples(index=False)]
        fig.add_trace(go.Scatter(x=(sel[when] / 60.0).tolist() or [None],
                                 y=[escape(u) for u in sel["unit_id"]] or [None], mode="markers", name=words,
                                 hovertext=hover or [None], hoverinfo="text",
                                 marker={"symbol": symbol, "size": 11, "color": colour,
                                         "line": {"color": colour, "width": 2}}))
    fig.update_layout(title={"text": title, "x": 0.01}, height=160 + 45 * max(len(names), 1),
                      xaxis={"title": {"text": "time from the start [min]"}, "rangemode": "tozero"},
                      yaxis={"title": {"text": "fire unit"}, "categoryorder": "array", "categoryarray": names[::-1],
                             "type": "category"},
                      margin={"l": 120, "r": 20, "t": 50, "b": 50}, legend={"orientation": "h", "y": -0.25},
                      plot_bgcolor="#fafafa")
    return fig


def timeline_table(rows: pd.DataFrame) -> str:
    """The episodes as a table, reasons spelled out."""
    out = []
    for r in rows[rows["outcome"] != "waiting"].itertuples(index=False):
        why = "-" if r.reason == "none" else escape(reason_words(r.reason))
        out.append(f"<tr><td>{escape(r.unit_id)}</td><td>{escape(r.target_id)}</td>"
                   + "".join(f"<td class=num>{mmss(v) if np.isfinite(v) else '-'}</td>"
                             for v in (r.nominated, r.decided, r.launch, r.intercept))
                   + f"<td>{escape(r.outcome)}</td><td>{why}</td></tr>")
    waits = rows[rows["outcome"] == "waiting"]
    note = (f"<p class=note>{len(waits)} times a free fire unit could engage a target but its track gave no firing "
            "solution yet (grey dots).</p>") if len(waits) else ""
    if not out:
        return "<p class=note>No engagement in this replication.</p>" + note
    return ("<table><tr><th>fire unit</th><th>target</th><th>nominated</th><th>decided</th><th>launch</th>"
            "<th>intercept</th><th>outcome</th><th>why</th></tr>" + "".join(out) + "</table>" + note)


# ---------------------------------------------------------------------------------------- what drove the outcome

def audit_cell(index: int, unit: int | None = None) -> str:
    """The id of the audit's count of able fire units (``unit`` None) or of one fire unit's row."""
    return f"r{index}-audit" if unit is None else f"r{index}-audit-{unit}"


def drivers_html(b: Breakdown) -> str:
    """What drove one run's outcome, in sentences whose every number links to the table cell it quotes."""
    run, claims = b.run, []
    audit = run.audit
    units = audit.get("fire_units", [])
    able = f"{whole(audit.get('fire_units_able'))} of {whole(audit.get('fire_units_total'))}"
    claims.append(f'<a class=claim href="#{audit_cell(b.index)}">{able}</a> fire units have a complete kill chain as '
                  "the network is wired, powered and crewed (the audit).")
    for k, unit in enumerate(units):
        if not unit.get("able"):
            first = next((r for r in unit.get("reasons", []) if r.get("severity") == "blocking"),
                         (unit.get("reasons") or [{}])[0])
            claims.append(f'<a href="#{audit_cell(b.index, k)}">{escape(str(unit.get("id", "")))}</a> could not '
                          f"engage: {escape(str(first.get('message', first.get('code', 'see the audit'))))}.")
    raids = b.tables["raid"]
    threat_rows = [i for i in range(len(raids)) if not raids["civil"].iloc[i]
                   and not any(c in raids and raids[c].iloc[i] for c in ("friendly", "arm", "decoy"))]
    if threat_rows:
        if any(raids["leaked"].iloc[i] > 0 for i in threat_rows):
            claims.append("Threats reaching their target per replication: " + ", ".join(
                f"{escape(str(raids['group'].iloc[i]))} {b.link('raid', i, 'leaked')} of "
                f"{b.link('raid', i, 'aircraft')}" for i in sorted(threat_rows, key=lambda i: -raids["leaked"].iloc[i]))
                + ".")
        else:
            claims.append("No threat reached its target in any replication.")
    fire = b.tables["fire_unit"]
    if len(fire):
        # (threats only: a fire unit that shot down friendly aircraft, airliners or decoys did not kill most)
        top = fire["threats_killed"].max()
        best = [i for i in range(len(fire)) if fire["threats_killed"].iloc[i] == top]
        if top > 0:
            who = " and ".join(escape(str(fire["group"].iloc[i])) for i in best)
            each = " each" if len(best) > 1 else ""
            claims.append(f"{who} killed the most threats: {b.link('fire_unit', best[0], 'threats_killed')} per "
                          f"replication{each}, firing " + " and ".join(b.link("fire_unit", i, "missiles")
                                                                       for i in best) + " missiles.")
        idle = [i for i in range(len(fire)) if fire["engagements"].iloc[i] == 0]
        if idle:
            claims.append("Never launched: " + ", ".join(
                f"{escape(str(fire['group'].iloc[i]))} ({b.link('fire_unit', i, 'engagements')})" for i in idle)
                + " launches per replication.")
        reasons = [c for c in b.totals.columns if ":" in c]
        if reasons:  # the reason with the most failures over every fire unit
            column = max(reasons, key=lambda c: (float(b.totals[c].iloc[0]), -reasons.index(c)))
            kind, reason = column.split(":")
            verb = "lost before launch" if kind == "lost" else "missed"
            claims.append(f"The commonest way an engagement failed: {verb} because {escape(reason_words(reason))} "
                          f"({b.link('fire_unit_total', 0, column)} per replication over all fire units).")
        vetoed = float(b.totals["vetoed"].iloc[0])
        if vetoed > 0:
            claims.append(f"Authorisation vetoed {b.link('fire_unit_total', 0, 'vetoed')} proposed engagements "
                          "per replication.")
        if float(b.totals["held"].iloc[0]) > 0:
            claims.append(f"The automation recommended holding fire {b.link('fire_unit_total', 0, 'held')} times per "
                          "replication on targets a fire unit could engage.")
    return f"<h3>{escape(run.name)}</h3><p>{' '.join(claims)}</p>"


def whole(value) -> str:
    """A whole number from a scenario or run file, escaped ('-' when missing): the audit's cells and claims."""
    return "-" if value is None else escape(str(value))


def sweep_driver_html(table: pd.DataFrame, cell) -> str:
    """The sweep's sentence: the factor whose levels move leakers most, its two levels linked to the sweep
    table's cells (``cell(row, column)`` gives their ids)."""
    rows = table.reset_index(drop=True)
    spans = []
    for parameter, group in rows[~rows["baseline"]].groupby("parameter", sort=False):
        values = pd.to_numeric(group["leakers"], errors="coerce")
        if values.notna().sum() >= 2:
            spans.append((float(values.max() - values.min()), str(parameter), values.idxmin(), values.idxmax()))
    if not spans:
        return ""
    _, parameter, low, high = max(spans, key=lambda s: s[0])
    text = [f'<a class=claim href="#{cell(i, "leakers")}">{number(float(rows["leakers"].iloc[i]))}</a>'
            for i in (low, high)]
    return (f"<p>Of the swept factors, <b>{escape(parameter)}</b> moves the mean leakers most: from {text[0]} "
            f"at {escape(str(rows['value'].iloc[low]))} to {text[1]} at {escape(str(rows['value'].iloc[high]))}."
            "</p>")
