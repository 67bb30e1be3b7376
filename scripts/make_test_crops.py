"""How the DEM crops in tests/data/dem were made (run once; the tests only read the results).

    .venv/bin/python scripts/make_test_crops.py <folder of the full DEMs>

Checks each source file's sha256, cuts a window with rasterio (values and georeferencing unchanged, no
resampling), writes a DEFLATE-compressed GeoTIFF and prints each output's sha256 and value range for
PROVENANCE.md. storml_elev.tif is copied byte for byte.
"""

import hashlib
import shutil
import sys
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

HERE = Path(__file__).resolve().parent / "dem"

# output name: (source name, source sha256, Window(col_off, row_off, width, height) or None for a copy)
CROPS = {
    "n44w072_mt_washington.tif": (
        "N44W072.hgt",
        "893b68e241df5f8a8a89fe067c629b78591313f571c77ab610f65efe85b458fa",
        Window(col_off=656, row_off=756, width=361, height=241),
    ),
    "bigtujunga_crop.tif": (
        "bigtujunga.tif",
        "e9a25b3471c5ba237bd621ec036d6b4986dee0290f9030d553e36505e1bc04ab",
        Window(col_off=1005, row_off=192, width=192, height=128),
    ),
    "storml_elev.tif": ("storml_elev.tif", "86b7240290427a3fa59141c6071dcdf8a0c3a6c1bdc57df6d396b417d3e589c9", None),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(source_dir: Path) -> None:
    for name, (source_name, digest, window) in CROPS.items():
        source = source_dir / source_name
        if sha256(source) != digest:
            raise SystemExit(f"{source}: sha256 differs from {digest}")
        out = HERE / name
        if window is None:
            shutil.copyfile(source, out)
        else:
            with rasterio.open(source) as src:
                values = src.read(1, window=window)
                profile = {
                    "driver": "GTiff", "width": window.width, "height": window.height, "count": 1,
                    "dtype": src.dtypes[0], "crs": src.crs, "transform": src.window_transform(window),
                    "nodata": src.nodata, "compress": "deflate", "predictor": 2,
                }
            with rasterio.open(out, "w", **profile) as dst:
                dst.write(values, 1)
        with rasterio.open(out) as check:
            z = check.read(1, masked=True)
        print(f"{name}: {out.stat().st_size} bytes, sha256 {sha256(out)}, shape {z.shape}, "
              f"min {z.min()}, max {z.max()}, mean {float(np.mean(z)):.3f}, nodata cells {int(np.ma.count_masked(z))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
