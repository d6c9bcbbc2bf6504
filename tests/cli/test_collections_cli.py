"""`riscossa collections run`, `lots export`, `outcome record` on a two-customer ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import insert
from typer.testing import CliRunner

import riscossa.cli.commands  # noqa: F401  (registers the commands)
from riscossa.adapters.db import tables as t
from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.adapters.strategy_yaml import shipped_strategies
from riscossa.cli.app import app
from tests.services.test_collections_run import _contract, _customer, _invoice

runner = CliRunner()
AS_OF = "2026-11-20"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'riscossa.db'}"
    engine = build_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        for code, cents in (("C-ACT", 12000), ("C-SMALL", 300)):
            cid = _customer(conn, code, email=f"{code.lower()}@example.it", city="Milano")
            _invoice(conn, cid, _contract(conn, cid, f"K-{code}"), f"F-{code}", cents)
    engine.dispose()
    return url


def _text(output: str) -> str:
    """Rich wraps long lines: compare with the spaces normalised."""
    return " ".join(output.split())


def _first_step() -> tuple[str, str]:
    domestic = next(s for s in shipped_strategies() if s.name == "electricity-domestic")
    if domestic.arm("C-ACT") == "champion":
        return "sollecito-sms", "sms"
    return "sollecito-email", "email"


def test_run_export_and_outcome_from_the_command_line(db: str, tmp_path: Path) -> None:
    step, channel = _first_step()
    dry = runner.invoke(
        app, ["collections", "run", "--as-of", AS_OF, "--dry-run", "--json", "--db", db]
    )
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.output)
    assert payload["run_id"] is None
    assert [
        (a["customer"], a["contract"], a["step"], a["channel"], a["amount_cents"], a["lot"])
        for a in payload["actions"]
    ] == [("C-ACT", "K-C-ACT", step, channel, 12000, f"20261120-{channel}")]
    assert payload["suppressed"] == [{"customer": "C-SMALL", "reason": "under_threshold"}]

    stored = runner.invoke(app, ["collections", "run", "--as-of", AS_OF, "--db", db])
    assert stored.exit_code == 0, stored.output
    assert "1 actions" in _text(stored.output) and "Stored as run 1." in _text(stored.output)

    out = tmp_path / "lotto.csv"
    export = runner.invoke(
        app, ["lots", "export", "--as-of", AS_OF, "--channel", channel, "-o", str(out), "--db", db]
    )
    assert export.exit_code == 0, export.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"20261120-{channel};C-ACT;Cliente C-ACT;")
    assert "120,00" in lines[1] and "F-C-ACT" in lines[1]

    pdf = runner.invoke(
        app,
        [
            "lots",
            "export",
            "--as-of",
            AS_OF,
            "--channel",
            channel,
            "-o",
            str(tmp_path / "x.pdf"),
            "--db",
            db,
        ],
    )
    assert pdf.exit_code == 2
    assert (
        "PDF letters are formal notices: use --channel formal_notice, pec, raccomandata, "
        f"not {channel}" in _text(pdf.output)
    )

    promise = runner.invoke(
        app,
        [
            "outcome",
            "record",
            "C-ACT",
            "promise",
            "--promise-amount",
            "120,00",
            "--promise-date",
            "2026-11-30",
            "--note",
            "paga a fine mese",
            "--json",
            "--db",
            db,
        ],
    )
    assert promise.exit_code == 0, promise.output
    recorded = json.loads(promise.output)
    assert (recorded["customer"], recorded["outcome"], recorded["action_id"]) == (
        "C-ACT",
        "promise",
        1,
    )
    assert recorded["promise_id"] == 1

    later = runner.invoke(
        app, ["collections", "run", "--as-of", "2026-11-24", "--dry-run", "--json", "--db", db]
    )
    assert later.exit_code == 0, later.output
    assert json.loads(later.output)["suppressed"] == [
        {"customer": "C-ACT", "reason": "promise_pending"},
        {"customer": "C-SMALL", "reason": "under_threshold"},
    ]


def test_bad_input_exits_2_with_the_reason(db: str) -> None:
    unknown = runner.invoke(app, ["outcome", "record", "C-ACT", "maybe", "--db", db])
    assert unknown.exit_code == 2
    assert "outcome 'maybe' is unknown" in _text(unknown.output)
    days = runner.invoke(app, ["collections", "run", "--as-of", AS_OF, "--days", "3", "--db", db])
    assert days.exit_code == 2
    assert "needs --dry-run" in _text(days.output)
    nothing = runner.invoke(
        app, ["lots", "export", "--as-of", AS_OF, "--channel", "sms", "-o", "x.csv", "--db", db]
    )
    assert nothing.exit_code == 2
    assert "no stored sms actions for 2026-11-20" in _text(nothing.output)
    assert dt.date.fromisoformat(AS_OF).weekday() == 4


def _store_notices(url: str, notices: list[tuple[str, str, str, int]]) -> None:
    """A stored run of ``AS_OF`` with one formal notice per (customer, utility, channel,
    cents): the run itself would need weeks of earlier steps to get there."""
    engine = build_engine(url)
    with engine.begin() as conn:
        run = conn.execute(
            insert(t.collection_runs).values(
                as_of=dt.date.fromisoformat(AS_OF), created_at=dt.datetime.now(dt.UTC)
            )
        ).inserted_primary_key[0]
        for code, utility, channel, cents in notices:
            cid = _customer(
                conn,
                code,
                pec=f"{code.lower()}@pec.it",
                address="Via Roma 1",
                postcode="20100",
                city="Milano",
                province="MI",
            )
            contract = _contract(conn, cid, f"K-{code}", utility)
            _invoice(conn, cid, contract, f"F-{code}-1", cents - 1000)
            _invoice(conn, cid, contract, f"F-{code}-2", 1000)
            conn.execute(
                insert(t.collection_actions).values(
                    run_id=run,
                    customer_id=cid,
                    contract_id=contract,
                    strategy=utility,
                    strategy_version="1",
                    arm="champion",
                    step_id="messa-in-mora",
                    action="formal_notice",
                    channel=channel,
                    due_date=dt.date.fromisoformat(AS_OF),
                    amount_cents=cents,
                    lot_code=f"20261120-{channel}",
                )
            )
    engine.dispose()


def _pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def test_formal_notices_export_as_pdf_letters(db: str, tmp_path: Path) -> None:
    _store_notices(
        db,
        [
            ("N-ELE", "electricity", "raccomandata", 25050),
            ("N-GAS", "gas", "raccomandata", 123456),
            ("N-H2O", "water", "pec", 9900),
        ],
    )
    out = tmp_path / "mora.pdf"
    args = ["lots", "export", "--as-of", AS_OF, "--channel", "raccomandata", "-o", str(out)]
    result = runner.invoke(app, [*args, "--json", "--db", db])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"] == [
        {"lot": "20261120-raccomandata", "file": str(out), "rows": 2}
    ]
    electricity, gas = _pages(out)  # one page per customer, in customer order
    # posted Saturday 21/11 + 15 days = Sunday 6/12 -> Monday 7/12/2026
    assert "di 250,50 € entro il 07/12/2026" in electricity
    assert "Cliente N-ELE" in electricity and "F-N-ELE-1" in electricity
    assert "Raccomandata A/R" in electricity and "a partire dal 21/12/2026" in electricity
    assert "ridurre la potenza" in electricity
    assert "di 1.234,56 € entro il 07/12/2026" in gas and "a partire dal 05/01/2027" in gas
    assert "IT60 X054 2811 1010 0000 0123 456" in gas

    both = runner.invoke(
        app,
        [
            "lots",
            "export",
            "--as-of",
            AS_OF,
            "--channel",
            "formal_notice",
            "-o",
            str(tmp_path / "all.pdf"),
            "--db",
            db,
        ],
    )
    assert both.exit_code == 0, both.output
    water = _pages(tmp_path / "all_20261120-pec.pdf")
    assert len(water) == 1 and len(_pages(tmp_path / "all_20261120-raccomandata.pdf")) == 2
    # PEC delivered 21/11 + 10 days = Tuesday 1/12/2026
    assert "di 99,00 € entro il 01/12/2026" in water[0] and "Inviata via PEC" in water[0]


def test_pdf_letters_refuse_what_is_not_a_notice(db: str, tmp_path: Path) -> None:
    _store_notices(db, [("N-TEL", "telco", "raccomandata", 5000)])
    pdf = str(tmp_path / "x.pdf")
    telco = runner.invoke(
        app,
        ["lots", "export", "--as-of", AS_OF, "--channel", "raccomandata", "-o", pdf, "--db", db],
    )
    assert telco.exit_code == 2
    assert "customer N-TEL: telco notices have no letter layout" in _text(telco.output)
    letter = runner.invoke(
        app, ["lots", "export", "--as-of", AS_OF, "--channel", "letter", "-o", pdf, "--db", db]
    )
    assert letter.exit_code == 2
    assert "not letter (export letter as CSV or XLSX" in _text(letter.output)
    none = runner.invoke(
        app, ["lots", "export", "--as-of", AS_OF, "--channel", "pec", "-o", pdf, "--db", db]
    )
    assert none.exit_code == 2
    assert "no stored formal notices (pec) for 2026-11-20" in _text(none.output)
