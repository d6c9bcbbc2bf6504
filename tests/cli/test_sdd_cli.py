"""`riscossa sdd ...` as an operator runs it, configured through the environment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

import riscossa.cli.commands  # noqa: F401  (registers the commands)
from riscossa.banking.target2 import roll_forward
from riscossa.cli.app import app
from riscossa.services.demo.bank import status_report
from riscossa.services.demo.codes import italian_iban

runner = CliRunner()
# The CLI runs on today's date: the collection date and the mandate follow it.
TODAY = dt.datetime.now(ZoneInfo("Europe/Rome")).date()
DAY = roll_forward(TODAY + dt.timedelta(days=7))
SIGNED = (TODAY - dt.timedelta(days=60)).strftime("%d/%m/%Y")
IBAN = italian_iban("05034", "11701", "000000001234")
CREDITOR_ENV = {
    "RISCOSSA_CREDITOR_NAME": "Acqua Pubblica S.p.A.",
    "RISCOSSA_CREDITOR_ID": "IT66ZZZA1B2C3D4E5F6G7H8",
    "RISCOSSA_CREDITOR_IBAN": "IT60X0542811101000000123456",
}


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'riscossa.db'}"
    files = {
        "customers": "Codice Cliente;Ragione Sociale;Email\nA;Anna Rossi;anna@example.it\n"
        "B;Bruno Bianchi;bruno@example.it\n",
        "contracts": "Codice Contratto;Codice Cliente;Servizio;Modalità Pagamento\n"
        "K1;A;acqua;bollettino\nK2;B;acqua;bollettino\n",
        "invoices": "Numero Fattura;Codice Cliente;Codice Contratto;Data Emissione;"
        "Data Scadenza;Importo\nF1;A;K1;01/10/2026;05/11/2026;50,00\n"
        "G1;B;K2;01/06/2026;30/06/2026;20,00\nG2;B;K2;01/07/2026;31/07/2026;20,00\n"
        "G3;B;K2;01/08/2026;31/08/2026;20,00\n",
        "payments": "bank_reference;customer_code;value_date;amount;invoice_numbers\n"
        "P1;B;2026-06-29;20.00;G1\nP2;B;2026-07-30;20.00;G2\nP3;B;2026-08-31;20.00;G3\n",
        "mandates": "Riferimento Mandato;Codice Cliente;Codice Creditore;Data Firma;"
        f"Intestatario Conto;IBAN\nM-A;A;IT66ZZZA1B2C3D4E5F6G7H8;{SIGNED};Anna Rossi;{IBAN}\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["import", kind, str(path), "--db", url])
        assert result.exit_code == 0, result.output
    return url


def test_collect_outcomes_settle_report(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in CREDITOR_ENV.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "sdd.xml"
    collect = runner.invoke(
        app,
        [
            "sdd",
            "collect",
            "--collection-date",
            DAY.isoformat(),
            "-o",
            str(out),
            "--json",
            "--db",
            db,
        ],
    )
    assert collect.exit_code == 0, collect.output
    payload = json.loads(collect.stdout)
    assert payload["items"] == 1 and payload["total"] == "50.00" and out.exists()
    e2e = f"R{payload['collection_id']}-1"
    esiti = tmp_path / "esiti.xml"

    esiti.write_bytes(
        status_report(
            payload["message_id"], [(e2e, 5000, "AM04")], dt.datetime.combine(DAY, dt.time(8)), "E1"
        )
    )
    applied = runner.invoke(app, ["sdd", "outcomes", str(esiti), "--json", "--db", db])
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["by_reason"] == {"AM04": 1}
    again = runner.invoke(app, ["sdd", "outcomes", str(esiti), "--db", db])
    assert again.exit_code == 2 and "already applied" in again.output
    report = runner.invoke(app, ["sdd", "report", "--json", "--db", db])
    assert json.loads(report.stdout)["by_reason"][0]["key"] == "AM04"
    human = runner.invoke(app, ["sdd", "report", "--db", db])
    assert "Per causale" in human.output and "AM04" in human.output
    settle = runner.invoke(
        app,
        [
            "sdd",
            "settle",
            "--as-of",
            (DAY + dt.timedelta(days=30)).isoformat(),
            "--json",
            "--db",
            db,
        ],
    )
    assert json.loads(settle.stdout)["settled"] == 0  # the only debit was rejected


def test_collect_without_creditor_is_a_clear_error(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in CREDITOR_ENV:
        monkeypatch.delenv(key, raising=False)
    result = runner.invoke(
        app,
        [
            "sdd",
            "collect",
            "--collection-date",
            DAY.isoformat(),
            "-o",
            str(tmp_path / "x.xml"),
            "--db",
            db,
        ],
    )
    assert result.exit_code == 2
    assert "RISCOSSA_CREDITOR_NAME" in result.output and "RISCOSSA_CREDITOR_ID" in result.output


def test_candidates_ranks_good_payers_off_direct_debit(db: str, tmp_path: Path) -> None:
    out = tmp_path / "campagna.xlsx"
    result = runner.invoke(
        app, ["sdd", "candidates", "-o", str(out), "--as-of", "2026-11-01", "--json", "--db", db]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # A pays by direct debit now (mandate); B paid three bills on time by slip.
    assert payload["candidates"] == 1 and payload["top"][0]["code"] == "B"
    assert payload["top"][0]["score"] > 90
    assert out.exists()
