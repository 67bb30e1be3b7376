"""How tests/data/landcover/synthetic_worldcover_mt_washington.tif was made (run once; tests only read it).

    .venv/bin/python scripts/make_synthetic_landcover.py

SYNTHETIC: not a survey of anything. ESA WorldCover class codes laid on the grid of the committed SRTM-3 crop
tests/data/dem/n44w072_mt_washington.tif (same CRS, transform and shape) by rules of elevation and position
alone, so that the tests have a land-cover raster with several classes whose every cell is known:

- 60 bare / sparse vegetation above 1500 m, 20 shrubland from 1200 to 1500 m;
- 80 permanent water where the ground is below 350 m (valley floors);
- 50 built-up in the block of rows 200-219, columns 20-59, 40 cropland in rows 200-239, columns 60-139
  (where those are not water);
- 10 tree cover everywhere else.

Deterministic: no random numbers. Prints the output's sha256 and the count of each class for PROVENANCE.md.
"""

import hashlib
from pathlib import Path

import numpy as np
import rasterio

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "dem" / "n44w072_mt_washington.tif"
OUT = ROOT / "tests" / "data" / "landcover" / "synthetic_worldcover_mt_washington.tif"


def classes(elevation: np.ndarray) -> np.ndarray:
    codes = np.full(elevation.shape, 10, dtype=np.uint8)
    codes[200:240, 60:140] = 40
    codes[200:220, 20:60] = 50
    codes[elevation >= 1200] = 20
    codes[elevation >= 1500] = 60
    codes[elevation < 350] = 80
    return codes


def main() -> None:
    with rasterio.open(SOURCE) as src:
        elevation = src.read(1).astype(float)
        profile = {"driver": "GTiff", "height": src.height, "width": src.width, "count": 1, "dtype": "uint8",
                   "crs": src.crs, "transform": src.transform, "nodata": 0, "compress": "deflate", "predictor": 2}
    codes = classes(elevation)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(OUT, "w", **profile) as dst:
        dst.write(codes, 1)
        dst.update_tags(SYNTHETIC="iadsim test data: ESA WorldCover codes laid by elevation rules, not a survey")
    values, counts = np.unique(codes, return_counts=True)
    print(OUT.name, OUT.stat().st_size, hashlib.sha256(OUT.read_bytes()).hexdigest())
    print(dict(zip(values.tolist(), counts.tolist(), strict=True)))


if __name__ == "__main__":
    main()
