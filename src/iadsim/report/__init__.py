"""Reports and exports, built only from run folders (see iadsim.analysis.montecarlo)."""

from iadsim.report.html import build_report

__all__ = ["build_report"]
