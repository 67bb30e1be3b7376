"""PNG figures (matplotlib) of the map and the metrics, for papers and slides."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from iadsim.analysis.metrics import METRICS, replication_names
from iadsim.report.labels import place_labels
from iadsim.report.layers import MapLayers, map_layers
from iadsim.report.plots import (
    BAND_COLOURS,
    CIVIL,
    CORRIDOR,
    LINK_COLOURS,
    LINK_DOWN,
    SITE_STYLE,
    THREAT,
    VARIANT_COLOURS,
    label,
    unit_of,
)
from iadsim.report.run import load_run
from iadsim.scenario.yamlio import write_atomic

MPL_MARKERS = {"triangle-up": "^", "square": "s", "diamond": "D", "star": "*"}


def mpl_text(text: str) -> str:
    """Scenario text shown literally by matplotlib (a ``$`` would start mathtext)."""
    return str(text).replace("$", r"\$")


def build_figures(run_dirs: list[Path], out_dir: Path, dpi: int = 150) -> list[Path]:
    """Write ``map.png`` (one panel per run) and ``metrics.png`` (means with 95 % CIs) into ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    runs = [load_run(d) for d in run_dirs]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n = len(runs)
    fig, axes = plt.subplots(1, n, figsize=(7 * n, 7), squeeze=False)
    for ax, run in zip(axes[0], runs, strict=True):
        draw_map(ax, map_layers(run.scenario, run.coverage, corridors=run.readable_corridors()))
        ax.set_title(mpl_text(run.name))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    map_path = out_dir / "map.png"
    _save_png(fig, map_path, dpi)

    summaries = [r.summary for r in runs]
    shown = [m for m in replication_names() if not METRICS[m].optional
             and any((s.get("metrics", {}).get(m) or {}).get("mean") is not None for s in summaries)]
    cols = 3
    rows = max(1, math.ceil(len(shown) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.2 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, shown, strict=False):
        for v, s in enumerate(summaries):
            stat = s.get("metrics", {}).get(metric) or {}
            mean = stat.get("mean")
            if mean is None:
                continue
            lo, hi = stat.get("ci95", [mean, mean])
            ax.bar(v, mean, color=VARIANT_COLOURS[v % len(VARIANT_COLOURS)], label=mpl_text(s.get("name", "")),
                   yerr=[[mean - (lo if lo is not None else mean)], [(hi if hi is not None else mean) - mean]],
                   capsize=4)
        ax.set_title(mpl_text(textwrap.fill(label(metric), 40)), fontsize=10)  # (a long label on two lines, not
        #                                                                            over its neighbour's)
        ax.set_ylabel(mpl_text(unit_of(metric)), fontsize=8)
        ax.set_xticks([])
        ax.set_xlim(-0.6, n - 0.4)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(4, n), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    metrics_path = out_dir / "metrics.png"
    _save_png(fig, metrics_path, dpi)
    return [map_path, metrics_path]


def _save_png(fig, path: Path, dpi: int) -> None:
    """``fig`` as a PNG at ``path``: drawn into a file beside it, then renamed (an earlier figure stays
    whole; a FIFO or folder there is refused, naming it); the figure is closed whatever happens."""
    import matplotlib.pyplot as plt

    try:
        write_atomic(path, lambda f: fig.savefig(f, format="png", dpi=dpi, bbox_inches="tight"))
    finally:
        plt.close(fig)


def draw_map(ax, layers: MapLayers) -> None:
    """The scenario map on local km axes: hillshade, detection coverage per band, routes, links and sites."""
    from matplotlib.colors import ListedColormap

    il, ib, ir, it = layers.image_box
    ax.imshow(layers.hillshade, extent=(il, ir, ib, it), origin="upper", interpolation="bilinear", zorder=0)
    bands = sorted(layers.coverage, reverse=True)
    dx = np.diff(layers.coverage_x).mean() if len(layers.coverage_x) > 1 else 0.0
    dy = np.diff(layers.coverage_y).mean() if len(layers.coverage_y) > 1 else 0.0
    box = (layers.coverage_x[0] - dx / 2, layers.coverage_x[-1] + dx / 2,
           layers.coverage_y[0] - dy / 2, layers.coverage_y[-1] + dy / 2)
    for i, band in enumerate(bands):
        colour = BAND_COLOURS[len(bands) - 1 - i] if len(bands) <= len(BAND_COLOURS) else BAND_COLOURS[0]
        mask = np.ma.masked_where(~layers.coverage[band], np.ones(layers.coverage[band].shape))
        ax.imshow(mask, extent=box, origin="lower", cmap=ListedColormap([colour]), alpha=0.3, zorder=1,
                  interpolation="nearest")
        ax.plot([], [], "s", color=colour, alpha=0.5, label=f"detected at {band:g} m AGL")
    for civil in (False, True):
        first = True
        for r in (r for r in layers.routes if r.civil == civil):
            ax.plot(r.x, r.y, ":" if civil else "-", color=CIVIL if civil else THREAT, lw=1.6, zorder=2,
                    label=("civil routes" if civil else "threat routes") if first else None)
            first = False
    for i, c in enumerate(layers.corridors):
        ax.plot(c.x, c.y, "--", color=CORRIDOR, lw=1.8, zorder=2, label="least-exposed corridors" if i == 0 else None)
    seen = set()
    for lk in layers.links:
        down = lk.status == "down"
        name = f"{lk.carries} links" + (" DOWN" if down else "")
        ax.plot(lk.x, lk.y, "--" if down else "-", color=LINK_DOWN if down else LINK_COLOURS.get(lk.carries, "#555"),
                lw=1.8, zorder=3, label=None if name in seen else name)
        seen.add(name)
    left, bottom, right, top = layers.extent
    # labels placed without overlap (iadsim.report.labels sizes a 10-point label; these are 6.5-point)
    points_per_km = 6.0 * 72.0 / max(right - left, top - bottom, 1e-9)
    where = place_labels([s.x for s in layers.sites], [s.y for s in layers.sites], [len(s.id) for s in layers.sites],
                         points_per_km / 0.65) if layers.sites else []
    position = {id(s): p for s, p in zip(layers.sites, where, strict=True)}
    for kind, (name, symbol, colour) in SITE_STYLE.items():
        marks = [s for s in layers.sites if s.kind == kind]
        if not marks:
            continue
        ax.scatter([s.x for s in marks], [s.y for s in marks], marker=MPL_MARKERS[symbol], s=110 if kind == "asset"
                   else 55, color=colour, edgecolors="white", linewidths=0.8, zorder=4, label=name)
        for s in marks:
            vertical, horizontal = position[id(s)].split()
            dx = {"left": -4, "center": 0, "right": 4}[horizontal]
            dy = {"bottom": -4, "middle": 0, "top": 4}[vertical] * (1.5 if horizontal == "center" else 1)
            ax.annotate(mpl_text(s.id), (s.x, s.y), xytext=(dx, dy), textcoords="offset points", fontsize=6.5,
                        ha={"left": "right", "center": "center", "right": "left"}[horizontal],
                        va={"bottom": "top", "middle": "center", "top": "bottom"}[vertical], zorder=5)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.set_xlabel("x [km] east of the origin")
    ax.set_ylabel("y [km] north of the origin")
