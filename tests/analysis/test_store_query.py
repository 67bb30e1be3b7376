"""DuckDB queries over a sweep folder: only its own results files, and SQL that can touch no file."""

import os
from pathlib import Path

import pandas as pd
import pytest

from iadsim.analysis import load_results, query, run_sweep
from iadsim.analysis.sweep import load_sweep, store
from iadsim.scenario import InputError

from .conftest import GRID_SWEEP


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Two finished sweeps whose names a glob would confuse: out/g[ab] (seed 11) and out/ga (seed 12, one point)."""
    from .conftest import TINY_SCENARIO

    root = tmp_path_factory.mktemp("q")
    (root / "tiny.yaml").write_text(TINY_SCENARIO)
    (root / "a.yaml").write_text(GRID_SWEEP)
    (root / "b.yaml").write_text(GRID_SWEEP.replace("seed: 11", "seed: 12").replace("values: [0.5, 1.0]",
                                                                                    "values: [0.7]"))
    run_sweep(load_sweep(root / "a.yaml"), root / "out" / "g[ab]", "serial")
    run_sweep(load_sweep(root / "b.yaml"), root / "out" / "ga", "serial")
    secret = root / "secret.csv"
    secret.write_text("name,password\nroot,hunter2\n")
    return root / "out" / "g[ab]", root / "out" / "ga", secret


def test_folder_name_is_not_a_glob(folders):
    gab, ga, _ = folders
    frame = query(gab, "SELECT point, count(*) AS n, min(\"units[sr].readiness.availability\") AS a FROM results "
                       "GROUP BY point ORDER BY point")
    assert list(frame["n"]) == [6, 6] and list(frame["a"]) == [0.5, 1.0]  # its own rows, not g[ab] -> ga's
    other = query(ga, "SELECT count(*) AS n FROM results")
    assert other["n"][0] == 6
    pd.testing.assert_frame_equal(query(gab, "SELECT * FROM results ORDER BY point, replication"),
                                  load_results(gab), check_dtype=False)


def _refused(folder: Path, sql: str) -> InputError:
    with pytest.raises(InputError) as info:
        query(folder, sql)
    assert info.value.file == "SQL" and "\n" not in str(info.value)
    return info.value


def test_sql_cannot_read_other_files(folders):
    gab, ga, secret = folders
    other = store.unit_files(ga)[0]
    for sql in (f"SELECT * FROM read_csv('{secret}')", f"SELECT * FROM '{secret}'",
                f"SELECT * FROM read_text('{secret}')", f"SELECT * FROM read_blob('{secret}')",
                f"SELECT * FROM sniff_csv('{secret}')", f"SELECT * FROM read_parquet('{other}')",
                f"SELECT * FROM glob('{secret.parent}/*')",
                f"SELECT * FROM read_parquet('{store.unit_files(gab)[0]}')"):  # not even its own files by path
        err = _refused(gab, sql)
        assert "hunter2" not in str(err) and "Permission" in str(err)


def test_sql_cannot_write_attach_or_load(folders, tmp_path):
    gab, _, _ = folders
    own = store.unit_files(gab)[0]
    before = own.read_bytes()
    for sql in (f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
                f"COPY results TO '{own}' (FORMAT parquet, USE_TMP_FILE false)",
                f"ATTACH '{tmp_path / 'db.duckdb'}' AS x", f"ATTACH '{own}' AS y",
                f"EXPORT DATABASE '{tmp_path / 'export'}'",
                "INSTALL httpfs", "LOAD httpfs", "SELECT * FROM 'https://example.com/data.csv'",
                "SET enable_external_access = true", "SET allowed_paths = ['/']", "RESET lock_configuration"):
        _refused(gab, sql)
    assert os.listdir(tmp_path) == [] and own.read_bytes() == before


def test_allow_files_opts_out(folders):
    gab, ga, secret = folders
    frame = query(gab, f"SELECT * FROM read_csv('{secret}')", allow_files=True)
    assert list(frame["name"]) == ["root"]
    other = store.unit_files(ga)[0]
    assert len(query(gab, f"SELECT * FROM read_parquet('{other}')", allow_files=True)) == 2


@pytest.mark.parametrize("sql", ["", "   ", "\n\t", ";", " ; ;"])
def test_empty_sql_is_an_input_error(folders, sql):
    err = _refused(folders[0], sql)
    assert "empty" in str(err)


def test_bad_sql_is_a_one_line_input_error(folders):
    gab, _, _ = folders
    err = _refused(gab, "SELECT nonsense\nFROM results")
    assert "query failed" in str(err) and "nonsense" in str(err)


def test_query_of_a_folder_without_results(tmp_path):
    with pytest.raises(InputError, match="no results"):
        query(tmp_path, "SELECT 1")


@pytest.mark.parametrize("sql", ["SELECT point, count(*) AS n FROM results GROUP BY point ORDER BY point",
                                 "SELECT nonsense FROM results"])
def test_the_query_command_prints_nothing_but_its_answer(folders, sql):
    """`iadsim query` as a user runs it (its own process): the table, or one line for SQL that fails; nothing
    else on stderr (DuckDB's bindings print a page of "leaked" lines at exit if the process skips its last
    collections)."""
    import subprocess
    import sys

    gab, _, _ = folders
    done = subprocess.run([sys.executable, "-m", "iadsim.cli", "query", str(gab), sql], capture_output=True,
                          text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"})
    if "nonsense" in sql:
        assert done.returncode == 2 and done.stderr.startswith("iadsim: SQL: query failed: ")
        assert len(done.stderr.splitlines()) == 1, done.stderr
    else:
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert done.stdout.split() == ["point", "n", "0", "6", "1", "6"]
