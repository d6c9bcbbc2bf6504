"""`riscossa flows import`, `reconcile`, `unapplied`, `allocations`, `match`, `unmatch`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import riscossa.cli.commands  # noqa: F401  (registers the commands)
from riscossa.cli.app import app
from tests.services.test_reconcile import IBAN, camt053

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'riscossa.db'}"
    (tmp_path / "clienti.csv").write_text(
        "Codice Cliente;Ragione Sociale;IBAN\n"
        f"C1;Mario Rossi;{IBAN['C1']}\nC2;Giulia Bianchi;{IBAN['C2']}\n",
        encoding="utf-8",
    )
    (tmp_path / "fatture.csv").write_text(
        "Numero Fattura;Codice Cliente;Data Emissione;Data Scadenza;Importo\n"
        "2026/000101;C1;01/09/2026;01/10/2026;100,00\n"
        "2026/000201;C2;01/09/2026;01/10/2026;80,00\n",
        encoding="utf-8",
    )
    for kind, name in (("customers", "clienti.csv"), ("invoices", "fatture.csv")):
        result = runner.invoke(app, ["import", kind, str(tmp_path / name), "--db", url])
        assert result.exit_code == 0, result.output
    return url


def test_a_day_of_flows_from_the_command_line(db: str, tmp_path: Path) -> None:
    statement = tmp_path / "estratto.xml"
    statement.write_text(
        camt053(
            [
                (10000, "B1", "Mario Rossi", IBAN["C1"], "bolletta"),
                (3000, "B2", "Qualcuno", "", "regalo"),
            ]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["flows", "import", str(statement), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["payments"] == 2
    again = runner.invoke(app, ["flows", "import", str(statement), "--db", db])
    assert again.exit_code == 2
    assert "already imported" in again.output

    result = runner.invoke(app, ["reconcile", "--as-of", "2026-11-20", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["payments"], summary["matched"], summary["unapplied"]) == (2, 1, 1)
    assert summary["by_rule"] == {"iban:exact_item": 1}

    result = runner.invoke(app, ["unapplied", "--db", db, "--json"])
    queue = json.loads(result.output)
    assert [row["bank_reference"] for row in queue] == ["B2"]

    result = runner.invoke(app, ["match", "B2", "2026/000201", "--db", db, "--as-of", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "C2" in result.output
    result = runner.invoke(app, ["allocations", "--db", db, "--json"])
    rows = json.loads(result.output)
    assert {(r["bank_reference"], r["customer"], r["invoice"], r["rule"]) for r in rows} == {
        ("B1", "C1", "2026/000101", "iban:exact_item"),
        ("B2", "C2", "2026/000201", "manual"),
    }
    result = runner.invoke(app, ["unmatch", "B2", "--db", db])
    assert result.exit_code == 0, result.output
    assert "30,00 €" in result.output
    missing = runner.invoke(app, ["match", "B9", "2026/000201", "--db", db])
    assert missing.exit_code == 2
    assert "payment 'B9' not found" in missing.output


def test_amounts_are_printed_the_italian_way_without_floats() -> None:
    from riscossa.cli.app import euro

    assert euro(123456) == "1.234,56 €"
    assert euro(-5) == "-0,05 €"
    assert euro(10**17 + 1) == "1.000.000.000.000.000,01 €"
