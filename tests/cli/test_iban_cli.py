"""`riscossa iban check` and `riscossa iban monitor` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import riscossa.cli.commands  # noqa: F401  (registers the commands)
from riscossa.cli.app import app

runner = CliRunner()
VALID = "IT60X0542811101000000123456"


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'riscossa.db'}"


def test_check_prints_json_summary_and_writes_the_file(tmp_path: Path) -> None:
    source = tmp_path / "lista.csv"
    source.write_text(f"Codice;IBAN\nA;{VALID}\nB;IT60X0542811101000000123457\nC;\n")
    out = tmp_path / "esito.xlsx"
    result = runner.invoke(
        app, ["iban", "check", str(source), "-o", str(out), "--json", "--db", _db(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["rows"] == 3 and payload["column"] == "IBAN"
    assert payload["verdicts"] == {"OK": 1, "WARNING": 0, "ERROR": 2}
    assert payload["codes"]["BAD_CHECKSUM"] == 1 and payload["codes"]["EMPTY"] == 1
    assert out.exists()


def test_check_human_output_and_errors(tmp_path: Path) -> None:
    source = tmp_path / "lista.csv"
    source.write_text(f"Codice;IBAN\nA;{VALID}\n")
    result = runner.invoke(
        app,
        [
            "iban",
            "check",
            str(source),
            "-o",
            str(tmp_path / "o.xlsx"),
            "--lang",
            "en",
            "--db",
            _db(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "column 'IBAN'" in result.output
    missing = runner.invoke(
        app,
        [
            "iban",
            "check",
            str(tmp_path / "nope.xlsx"),
            "-o",
            str(tmp_path / "o.xlsx"),
            "--db",
            _db(tmp_path),
        ],
    )
    assert missing.exit_code == 2 and "file not found" in missing.output
    bad_lang = runner.invoke(
        app,
        [
            "iban",
            "check",
            str(source),
            "-o",
            str(tmp_path / "o.xlsx"),
            "--lang",
            "de",
            "--db",
            _db(tmp_path),
        ],
    )
    assert bad_lang.exit_code == 2 and "--lang must be" in bad_lang.output


def test_monitor_json_and_reason_code_validation(tmp_path: Path) -> None:
    customers = tmp_path / "clienti.csv"
    customers.write_text(
        "Codice Cliente;Ragione Sociale;IBAN\nA;Rossi;" + VALID + "\nB;Bianchi;IT00\n"
    )
    db = _db(tmp_path)
    assert runner.invoke(app, ["import", "customers", str(customers), "--db", db]).exit_code == 0
    out = tmp_path / "monitor.xlsx"
    result = runner.invoke(
        app, ["iban", "monitor", "--as-of", "2026-11-01", "-o", str(out), "--json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["checked"] == 2 and payload["new"] == 1 and payload["verdicts"]["ERROR"] == 1
    assert out.exists()
    again = runner.invoke(
        app, ["iban", "monitor", "--as-of", "2026-11-01", "-o", str(out), "--db", db]
    )
    assert again.exit_code == 0 and "Nuove segnalazioni" in again.output
    bad = runner.invoke(app, ["iban", "monitor", "--reason-codes", "AC1,,", "--db", db])
    assert bad.exit_code == 2 and "not valid: AC1" in bad.output
