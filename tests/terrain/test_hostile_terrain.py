"""Hostile terrain files (issue 12, item 2): only GeoTIFF, DTED and SRTM .hgt are read, with nothing beside
them and nothing over the network; everything else is a TerrainError raised before GDAL opens the path.

Each refusal that plain rasterio would not make has a control showing what GDAL does without the guard,
so the test proves the guard, not an inability of the test to provoke GDAL.
"""

import os
import pickle
import socket
import threading

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from iadsim.terrain import TerrainError, load_dem, viewshed_file
from iadsim.terrain import dem as dem_module

SECRET = b"SECRET-LINE-4f1c\n"


@pytest.fixture
def geotiff(tmp_path):
    """A small projected int16 GeoTIFF with known values (no nodata) and its path."""
    values = (100 + 3 * np.arange(12 * 10).reshape(12, 10)).astype(np.int16)
    path = tmp_path / "dem.tif"
    profile = {"driver": "GTiff", "width": 10, "height": 12, "count": 1, "dtype": "int16", "crs": "EPSG:32619",
               "transform": Affine(30.0, 0.0, 300000.0, 0.0, -30.0, 4900000.0)}
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(values, 1)
    return path, values.astype(np.float64)


class Listener:
    """A loopback TCP port that records connections; bounded (accept timeout 2 s, stopped by the test)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(2.0)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1.0)
                try:
                    self.connections.append(conn.recv(200))
                except OSError:
                    self.connections.append(b"")

    def close(self):
        self.stopped.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a pending accept() on Linux
        except OSError:
            pass
        self.thread.join(timeout=3.0)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def http_vrt(port: int) -> str:
    return (
        '<VRTDataset rasterXSize="10" rasterYSize="10"><SRS>EPSG:32619</SRS>'
        "<GeoTransform>300000, 30, 0, 4900000, 0, -30</GeoTransform>"
        '<VRTRasterBand dataType="Int16" band="1"><SimpleSource>'
        f'<SourceFilename relativeToVRT="0">/vsicurl/http://127.0.0.1:{port}/dem.tif</SourceFilename>'
        "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>\n"
    )


def raw_band_vrt(target) -> str:
    return (
        '<VRTDataset rasterXSize="4" rasterYSize="4"><SRS>EPSG:32619</SRS>'
        "<GeoTransform>300000, 30, 0, 4900000, 0, -30</GeoTransform>"
        '<VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">'
        f'<SourceFilename relativetoVRT="0">{target}</SourceFilename>'
        "<ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset><LineOffset>4</LineOffset>"
        "</VRTRasterBand></VRTDataset>\n"
    )


def assert_refused(path, *reason_words):
    with pytest.raises(TerrainError) as info:
        load_dem(path)
    message = str(info.value)
    assert str(path) in message
    for word in reason_words:
        assert word in message.lower(), message
    return message


@pytest.mark.parametrize("name", ["remote.vrt", "remote.tif"])
def test_vrt_to_a_url_is_refused_without_any_connection(tmp_path, listener, name):
    path = tmp_path / name
    path.write_text(http_vrt(listener.port))
    message = assert_refused(path, "xml")
    assert "127.0.0.1" not in message and "vsicurl" not in message  # nothing of the file's content
    with pytest.raises(TerrainError):
        viewshed_file(path, 300150.0, 4899850.0, 10.0, tmp_path / "vs.tif")
    assert listener.connections == []
    assert not (tmp_path / "vs.tif").exists()
    # control: plain rasterio on the same file does reach the port
    with pytest.raises(rasterio.errors.RasterioError):
        with rasterio.Env(GDAL_HTTP_TIMEOUT=2, GDAL_HTTP_MAX_RETRY=0), rasterio.open(path) as dataset:
            dataset.read(1)
    listener.close()
    assert len(listener.connections) >= 1 and listener.connections[0].startswith((b"HEAD", b"GET"))


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_vrt_raw_band_reading_a_local_file_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    path = tmp_path / "raw.vrt"
    path.write_text(raw_band_vrt(secret))
    message = assert_refused(path, "xml")
    assert "SECRET" not in message and "secret.txt" not in message
    # control: without the guard GDAL (3.10) reads the file's bytes as elevations
    with rasterio.open(path) as dataset:
        assert dataset.read(1).tobytes() == SECRET[:16]


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf", b" \n\t ", b"\xef\xbb\xbf\r\n"])
def test_xml_renamed_to_tif_is_refused_whatever_it_starts_with(tmp_path, prefix):
    path = tmp_path / "innocent.tif"
    path.write_bytes(prefix + raw_band_vrt(tmp_path / "secret.txt").encode())
    assert_refused(path, "xml")


def test_utf16_xml_is_refused(tmp_path):
    path = tmp_path / "wide.tif"
    path.write_bytes(b"\xff\xfe" + raw_band_vrt("/etc/hostname").encode("utf-16-le"))
    assert_refused(path, "xml")


@pytest.mark.parametrize("given", [
    "/vsicurl/http://127.0.0.1:9/dem.tif", "/VSICURL/http://127.0.0.1:9/dem.tif", "/vsizip//tmp/x.zip/dem.tif",
    "/vsimem/dem.tif", "https://127.0.0.1:9/dem.tif", "zip+file:///tmp/x.zip!dem.tif", "s3://bucket/dem.tif",
])
def test_virtual_file_systems_and_urls_are_refused(given, listener):
    given = given.replace(":9/", f":{listener.port}/")
    assert_refused(given, "not allowed")
    assert listener.connections == []


def test_fifo_is_refused_quickly(tmp_path):
    fifo = tmp_path / "dem.tif"
    os.mkfifo(fifo)
    outcome = []

    def attempt():
        try:
            load_dem(fifo)
        except Exception as exc:  # noqa: BLE001 - the type is checked below
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=2.0)
    if worker.is_alive():  # release the reader before failing, so the test run does not hang
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        pytest.fail("load_dem blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], TerrainError)
    assert "regular file" in str(outcome[0])


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null"])
def test_devices_and_symlinks_to_them_are_refused(tmp_path, target):
    if not os.path.exists(target):
        pytest.skip(f"{target} does not exist on this system")
    link = tmp_path / "dem.tif"
    link.symlink_to(target)
    assert_refused(target, "regular file")
    assert_refused(link, "regular file")


def test_folder_missing_file_and_symlink_loop_are_refused(tmp_path):
    assert_refused(tmp_path, "regular file")
    assert_refused(tmp_path / "absent.tif", "no such file")
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    a.symlink_to(b)
    b.symlink_to(a)
    assert_refused(a, "symlink loop")


def test_empty_garbage_and_truncated_files_are_terrain_errors(tmp_path, geotiff):
    empty = tmp_path / "empty.tif"
    empty.write_bytes(b"")
    assert_refused(empty, "empty")
    garbage = tmp_path / "garbage.tif"
    garbage.write_bytes(SECRET + np.random.default_rng(1).bytes(4000))
    assert "SECRET" not in assert_refused(garbage, "not a geotiff")
    # a real GeoTIFF cut short: TIFF magic, then the end of the file is missing
    source, _ = geotiff
    truncated = tmp_path / "truncated.tif"
    truncated.write_bytes(source.read_bytes()[:200])
    assert_refused(truncated, "gdal cannot read")
    # a TIFF header followed by noise
    noise = tmp_path / "noise.tif"
    noise.write_bytes(b"II*\x00" + SECRET + np.random.default_rng(2).bytes(2000))
    assert "SECRET" not in assert_refused(noise, "gdal cannot read")


def test_terrain_error_is_a_value_error_and_pickles():
    error = pickle.loads(pickle.dumps(TerrainError("a.tif", "empty file")))
    assert isinstance(error, ValueError)
    assert (error.path, error.reason, str(error)) == ("a.tif", "empty file", "terrain file 'a.tif': empty file")


def test_hgt_must_have_a_tile_size(tmp_path):
    wrong = tmp_path / "N44W072.hgt"
    wrong.write_bytes(np.zeros(1000, dtype=">i2").tobytes())
    assert_refused(wrong, "not a geotiff")


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_only_the_sniffed_driver_opens_the_file(tmp_path, monkeypatch):
    # Defence in depth: an Arc/Info ASCII grid, which plain rasterio reads (AAIGrid driver), is refused
    # by the header check; with that check forced to answer "GTiff", GDAL still refuses it, because
    # it is opened with the GTiff driver only.
    path = tmp_path / "grid.tif"
    path.write_text("ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 30\n1 2\n3 4\n")
    with rasterio.open(path) as dataset:
        assert dataset.driver == "AAIGrid"
    assert_refused(path, "not a geotiff")
    monkeypatch.setattr(dem_module, "_sniff_driver", lambda path, source: "GTiff")
    assert_refused(path, "gdal cannot read")


def test_size_and_cell_caps(tmp_path, geotiff, monkeypatch):
    path, values = geotiff
    monkeypatch.setattr(dem_module, "MAX_DEM_BYTES", path.stat().st_size - 1)
    assert_refused(path, "larger than")
    monkeypatch.setattr(dem_module, "MAX_DEM_BYTES", 2 * 1024**3)
    monkeypatch.setattr(dem_module, "MAX_DEM_CELLS", values.size - 1)
    assert_refused(path, "cells")
    monkeypatch.setattr(dem_module, "MAX_DEM_CELLS", values.size)
    np.testing.assert_array_equal(load_dem(path).elevation, values)


def test_aux_xml_sidecar_is_ignored(geotiff):
    # A PAM sidecar that would make the first cell nodata, move the grid to degrees and rescale it.
    path, values = geotiff
    path.with_name(path.name + ".aux.xml").write_text(
        "<PAMDataset><SRS>EPSG:4326</SRS><GeoTransform>0, 1, 0, 0, 0, -1</GeoTransform>"
        '<PAMRasterBand band="1"><NoDataValue>100</NoDataValue><Offset>1000</Offset><Scale>2</Scale>'
        "</PAMRasterBand></PAMDataset>\n"
    )
    with rasterio.open(path) as dataset:  # control: GDAL on its own applies it
        assert dataset.nodata == 100 and dataset.crs.to_epsg() == 4326 and dataset.scales == (2.0,)
    dem = load_dem(path)
    np.testing.assert_array_equal(dem.elevation, values)
    assert dem.crs == "EPSG:32619" and dem.cell_size == (30.0, 30.0) and dem.transform.c == 300000.0


def test_msk_sidecar_is_ignored(geotiff):
    path, values = geotiff
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=False), rasterio.open(path, "r+") as dataset:
        dataset.write_mask(np.zeros(values.shape, dtype=bool))  # writes dem.tif.msk: every cell masked
    assert path.with_name(path.name + ".msk").exists()
    with rasterio.open(path) as dataset:  # control
        assert dataset.read(1, masked=True).mask.all()
    np.testing.assert_array_equal(load_dem(path).elevation, values)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_ovr_sidecar_is_ignored(geotiff):
    path, values = geotiff
    with rasterio.open(path.with_name(path.name + ".ovr"), "w", driver="GTiff", width=5, height=6, count=1,
                       dtype="int16") as overview:
        overview.write(np.full((6, 5), -999, dtype=np.int16), 1)
    with rasterio.open(path) as dataset:  # control: GDAL on its own finds the external overview
        assert dataset.overviews(1) == [2]
    with rasterio.Env(**dem_module._GDAL_OPTIONS), rasterio.open(path) as dataset:
        assert dataset.overviews(1) == []
    np.testing.assert_array_equal(load_dem(path).elevation, values)


def test_world_file_does_not_override_internal_georeferencing(geotiff):
    path, _ = geotiff
    path.with_suffix(".tfw").write_text("1\n0\n0\n-1\n0\n0\n")
    dem = load_dem(path)
    assert dem.cell_size == (30.0, 30.0) and (dem.transform.c, dem.transform.f) == (300000.0, 4900000.0)


@pytest.mark.parametrize("kind", ["beyond-a-pole", "height-1e30", "height-minus-1e6"])
def test_impossible_geography_and_heights_say_why(tmp_path, kind):
    """A geographic raster of 20 degree cells from 45 N reaches past the pole (it failed as 'cannot read terrain
    (ValueError)'); heights beyond the Earth's are an undeclared nodata value (1e30 m was accepted)."""
    values = np.full((12, 10), 100.0, np.float32)
    transform, crs = Affine(20.0 if kind == "beyond-a-pole" else 0.001, 0.0, -72.0, 0.0, -20.0 if kind ==
                            "beyond-a-pole" else -0.001, 45.0), "EPSG:4326"
    if kind == "height-1e30":
        values[3, 4] = 1e30
    elif kind == "height-minus-1e6":
        values[0, 0] = -1e6
    path = tmp_path / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=10, height=12, count=1, dtype="float32", crs=crs,
                       transform=transform) as dataset:
        dataset.write(values, 1)
    reason = {"beyond-a-pole": "a geographic raster reaching latitude -195 deg, beyond a pole",
              "height-1e30": "a height of 1e+30 m, outside the earth's -12000 to 9000 m",
              "height-minus-1e6": "a height of -1e+06 m, outside the earth's"}[kind]
    assert_refused(path, reason)
