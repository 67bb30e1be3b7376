"""iadsim: an integrated air defence system simulator and readiness analyser.

Layers (data flows one way, see ../shared/STYLE.md): units -> physics, terrain -> scenario ->
network, tracking, c2 -> engine -> analysis -> report -> cli.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
