"""Reports and exports, built only from run folders (see iadsim.analysis.montecarlo).

- :func:`build_report`: one self-contained HTML file comparing runs (map, replay, audit, metrics, sweep).
- :func:`build_figures`: ``map.png`` and ``metrics.png`` (matplotlib).
- :func:`export`: GeoJSON, KML, CZML, GeoTIFF or CSV of one run.
"""

from iadsim.report.export import FORMATS, export
from iadsim.report.figures import build_figures
from iadsim.report.html import build_report

__all__ = ["FORMATS", "build_figures", "build_report", "export"]
