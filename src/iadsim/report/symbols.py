"""Military symbols: each catalog type's MIL-STD-2525D / APP-6(D) symbol identification code (SIDC), with the
standard identity of the side that uses it, drawn as SVG by the ``milsymbol`` package (a Python port of
spatialillusions' milsymbol; offline: its symbols are data inside the package) and as PNG by ``resvg-py`` where a
format takes no SVG (KML: Google Earth draws no SVG icons).

The sides are those of the Tacview export (:mod:`iadsim.report.acmi`): the defence network is **friend**
(standard identity 3, blue), the raids - aircraft, anti-radiation missiles and decoys - are **hostile** (6, red),
civil traffic is **neutral** (4, green). The context digit is 0 (reality). A catalog type without a code of its own
(a user's) is drawn with its kind's generic symbol (:data:`GENERIC`).

References
----------
MIL-STD-2525D, *Joint Military Symbology* (2014), section 5.4 (the 20-digit SIDC) and Appendix A (the entity and
modifier tables of each symbol set); NATO APP-6(D), *NATO Joint Military Symbology* (2017), the same codes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

SIDES = {"defence": "3", "raid": "6", "civil": "4"}
"""Side -> standard identity (SIDC digit 4): friend, hostile, neutral."""

GENERIC = {  # kind -> SIDC (standard identity 00) of a type with none of its own
    "radar": "10001500002203000000",  # land equipment 220300: radar
    "esm": "10001000001505020000",  # land unit 150502: electronic warfare direction finding
    "irst": "10001500002201000000",  # land equipment 220100: sensor
    "launcher": "10001500001111000000",  # land equipment 111100: air defence missile launcher
    "command-post": "10001002001301000000",  # land unit 130100: air defence, headquarters (digit 8 = 2)
    "missile": "10000200001100000201",  # air missile 110000: missile, surface-launched (mod 1 02), air target (01)
    "aircraft": "10000100001100000000",  # air 110000: military
    "civil": "10000100001200000000",  # air 120000: civilian
    "decoy": "10000100001302000000",  # air 130200: weapon, decoy
    "arm": "10000200001100000102",  # air missile 110000: air-launched (mod 1 01), surface target (02)
}
MEZ = "10002500001716000000"
"""Control measure (symbol set 25) 171600: missile engagement zone (MEZ), the airspace control measure of a
surface-to-air missile unit's engagement zone."""
MEZ_NAME = "Missile Engagement Zone (MEZ)"

MAP_PX = 28
"""A symbol's largest size (the greater of its width and height) on the report's map [px] at the zoom it opens
with; a symbol closer to another is smaller (:func:`iadsim.report.plots.symbol_images`)."""


def sidc_of(entry) -> str:
    """A catalog type's SIDC (standard identity 00): its own, else its kind's generic one."""
    if getattr(entry, "sidc", None):
        return entry.sidc
    if entry.kind == "aircraft" and getattr(entry, "civil", False):
        return GENERIC["civil"]
    return GENERIC.get(entry.kind, GENERIC["aircraft"])


def with_side(sidc: str, side: str) -> str:
    """``sidc`` with the context (reality, 0) and standard identity of ``side`` (:data:`SIDES`)."""
    return sidc[:2] + "0" + SIDES[side] + sidc[4:]


SVG_SIZE = 40
"""milsymbol's ``size`` of the drawn symbols (its frame's height [px]); the SVG's own width and height follow."""


@dataclass(frozen=True)
class Drawn:
    """A symbol as milsymbol draws it: ``sidc`` the code drawn (after :func:`drawn`'s fallback), ``svg`` its
    markup, ``width`` and ``height`` its SVG's size [px] and ``anchor`` the standard's location point in it
    [px from the top left corner] (milsymbol's ``get_anchor``: the frame's centre, a headquarters staff's foot)."""

    sidc: str
    svg: str
    width: float
    height: float
    anchor: tuple[float, float]

    @property
    def anchor_fraction(self) -> tuple[float, float]:
        """The anchor as fractions of the width (from the left) and height (from the top)."""
        return self.anchor[0] / self.width, self.anchor[1] / self.height


@lru_cache(maxsize=512)
def drawn(sidc: str, kind: str) -> Drawn:
    """The symbol of a full SIDC as milsymbol draws it (cached: a report draws each code once). A code milsymbol
    does not know is retried with its modifiers (digits 17-20) zeroed, keeping its entity's icon; then with its
    entity (digits 11-20) zeroed too, its symbol set's frame alone; then as ``kind``'s :data:`GENERIC` code with
    the same context and standard identity. ``kind``: the catalog kind of the type the code is for (``civil``
    for civil aircraft)."""
    from milsymbol import Symbol

    generic = GENERIC.get(kind, GENERIC["aircraft"])
    for code in (sidc, sidc[:16] + "0000", sidc[:10] + "0" * 10, sidc[:4] + generic[4:]):
        symbol = Symbol(code, size=SVG_SIZE)
        if symbol.is_valid():
            break
    size, anchor = symbol.get_size(), symbol.get_anchor()
    return Drawn(code, symbol.as_svg(), float(size["width"]), float(size["height"]),
                 (float(anchor["x"]), float(anchor["y"])))


def data_uri(symbol: Drawn) -> str:
    """The symbol as a ``data:image/svg+xml`` URI (base64), for the report's map and CZML billboards."""
    return "data:image/svg+xml;base64," + base64.b64encode(symbol.svg.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=512)
def png(symbol: Drawn, pixels: int = 48) -> bytes:
    """The symbol rasterised to a PNG ``pixels`` wide (KML icons). Text in the symbol is set in matplotlib's
    DejaVu Sans Bold (the SVG asks for Arial; no system font is read, so every machine draws the same)."""
    import matplotlib
    import resvg_py

    font = f"{matplotlib.get_data_path()}/fonts/ttf/DejaVuSans-Bold.ttf"
    return bytes(resvg_py.svg_to_bytes(svg_string=symbol.svg, width=pixels, skip_system_fonts=True,
                                       font_files=[font], style_sheet='text{font-family:"DejaVu Sans"}'))
