from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

import riscossa.cli.registry  # noqa: F401  (registers the commands)
from riscossa.cli.app import app
from tests.adapters.test_bank_registry_files import BRANCHES_CSV, FILES, write_registry_dir
from tests.services.test_bank_registry import NEXT

runner = CliRunner()


def _load(directory: Path, db: str, *extra: str) -> Result:
    return runner.invoke(app, ["registry", "load", str(directory), "--db", db, *extra])


def test_load_then_load_again(database_url: str, tmp_path: Path) -> None:
    directory = write_registry_dir(tmp_path / "giava")
    result = _load(directory, database_url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["banks"], data["events"], data["branches"], data["unchanged"]) == (9, 5, 7, False)
    assert [f["name"] for f in data["files"]] == [
        "VFLUSSO_INTERMEDIARIO.csv",
        "VFLUSSO_EVENTO.csv",
        "SUCCURSALI_BANCHE.csv",
    ]
    again = _load(directory, database_url)
    assert again.exit_code == 0
    assert "Registry unchanged" in again.stdout


def test_load_with_a_missing_register_exits_1(database_url: str, tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if not k.startswith("SUCCURSALI")}
    result = _load(write_registry_dir(tmp_path, files), database_url)
    assert result.exit_code == 1
    assert "Missing SUCCURSALI_BANCHE" in result.stdout


def test_a_bad_file_exits_2_with_file_row_and_column(database_url: str, tmp_path: Path) -> None:
    files = dict(FILES)
    files["SUCCURSALI_BANCHE.csv"] = BRANCHES_CSV.replace("3333;55555", "3333;5555X")
    result = _load(write_registry_dir(tmp_path, files), database_url)
    assert result.exit_code == 2
    assert "SUCCURSALI_BANCHE.csv, row 8, CAB_SEDE" in result.stderr
    diff = runner.invoke(app, ["registry", "diff", "--db", database_url])
    assert diff.exit_code == 2 and "no registry loaded" in diff.stderr


def test_diff_table_and_json(database_url: str, tmp_path: Path) -> None:
    _load(write_registry_dir(tmp_path / "jan"), database_url)
    _load(write_registry_dir(tmp_path / "jun", NEXT), database_url)
    table = runner.invoke(app, ["registry", "diff", "--db", database_url])
    assert table.exit_code == 0, table.output
    for text in ("Banks retired", "GAMMA BANCA S.P.A.", "DELTA BANCA S.P.A.", "30/04/2024"):
        assert text in table.stdout
    result = runner.invoke(
        app, ["registry", "diff", "--json", "--as-of", "2024-06-30", "--db", database_url]
    )
    data = json.loads(result.stdout)
    assert data["as_of"] == "2024-06-30"
    assert data["new_events"] == [
        {
            "kind": "absorption",
            "absorbed_abi": "03333",
            "successor_abi": "04444",
            "effective_date": "2024-05-01",
            "final_successor_abi": "04444",
        }
    ]
    assert [b["abi"] for b in data["branches_closed"]] == ["03333"] * 3


def test_show_a_bank(database_url: str, tmp_path: Path) -> None:
    _load(write_registry_dir(tmp_path / "jan"), database_url)
    _load(write_registry_dir(tmp_path / "jun", NEXT), database_url)
    result = runner.invoke(
        app, ["registry", "show", "1111", "--as-of", "2024-06-30", "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "01111 BANCA ALFA" in out and "retired" in out
    assert "Successor on 30/06/2024: 04444 DELTA BANCA S.P.A." in out
    data = json.loads(
        runner.invoke(
            app,
            ["registry", "show", "03333", "--as-of", "2024-01-01", "--json", "--db", database_url],
        ).stdout
    )
    assert data["status"] == "in_force" and data["branches_open"] == 3
    assert [p["valid_to"] for p in data["periods"]] == ["2017-12-31", "2024-04-30"]
    missing = runner.invoke(app, ["registry", "show", "09999", "--db", database_url])
    assert missing.exit_code == 2 and "not in the registry" in missing.stderr


def test_show_without_a_load_uses_schwifty(database_url: str) -> None:
    result = runner.invoke(app, ["registry", "show", "03069", "--db", database_url])
    assert result.exit_code == 0, result.output
    assert "schwifty" in result.stdout and "no branch data" in result.stdout
