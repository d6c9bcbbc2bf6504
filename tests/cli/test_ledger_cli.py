from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert
from typer.testing import CliRunner

import riscossa.cli.ledger  # noqa: F401  (registers the commands)
from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.adapters.db.tables import customers, invoices, payments
from riscossa.cli.app import app
from riscossa.services.allocations import allocate

AS_OF = "2026-03-31"
DAY = dt.date(2026, 3, 31)
runner = CliRunner()


def _customer(conn: Connection, code: str, segment: str) -> int:
    kind = "person" if segment == "residential" else "business"
    return int(
        conn.execute(
            insert(customers)
            .values(code=code, kind=kind, name=code, segment=segment, row_hash="x")
            .returning(customers.c.id)
        ).scalar_one()
    )


def _invoice(conn: Connection, customer_id: int, number: str, cents: int, days_late: int) -> int:
    due = DAY - dt.timedelta(days=days_late)
    return int(
        conn.execute(
            insert(invoices)
            .values(
                number=number,
                customer_id=customer_id,
                kind="credit_note" if cents < 0 else "invoice",
                issue_date=due - dt.timedelta(days=20),
                due_date=due,
                amount_cents=cents,
                row_hash="x",
            )
            .returning(invoices.c.id)
        ).scalar_one()
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    """A SQLite file with two customers: one late and partly paid, one in credit."""
    url = f"sqlite:///{tmp_path / 'riscossa.db'}"
    engine = build_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        rossi = _customer(conn, "ROSSI", "residential")
        acme = _customer(conn, "ACME", "business")
        late = _invoice(conn, rossi, "F-2025-001", 150_000, 95)
        _invoice(conn, rossi, "F-2026-010", 123_456, 10)
        _invoice(conn, rossi, "F-2026-050", 20_000, 0)
        _invoice(conn, acme, "NC-2026-001", -5_000, 5)
        payment = conn.execute(
            insert(payments)
            .values(
                bank_reference="B1",
                channel="bank_transfer",
                status="booked",
                value_date=DAY,
                amount_cents=60_000,
                customer_id=rossi,
                row_hash="x",
            )
            .returning(payments.c.id)
        ).scalar_one()
        allocate(conn, int(payment), late, 50_000, rule="test", now=dt.datetime.now(dt.UTC))
    engine.dispose()
    yield url


def test_ledger_json(db: str) -> None:
    result = runner.invoke(app, ["ledger", "ROSSI", "--as-of", AS_OF, "--json", "--db", db])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["customer_code"] == "ROSSI"
    assert data["as_of"] == AS_OF
    assert data["balance"] == "2434.56"  # 1500 + 1234.56 + 200 - 500
    assert data["overdue"] == "2234.56"
    assert data["days_past_due"] == 95
    assert data["buckets"] == {
        "not_due": "200.00",
        "0-30": "1234.56",
        "31-60": "0.00",
        "61-90": "0.00",
        "91-180": "1000.00",
        ">180": "0.00",
    }
    assert data["unallocated_payments"] == "100.00"
    assert [i["number"] for i in data["items"]] == ["F-2025-001", "F-2026-010", "F-2026-050"]
    first = data["items"][0]
    assert first["open"] == "1000.00"
    assert first["amount"] == "1500.00"
    assert first["days_past_due"] == 95
    assert first["bucket"] == "91-180"
    assert first["due_date"] == "2025-12-26"


def test_ledger_table_uses_italian_money(db: str) -> None:
    result = runner.invoke(app, ["ledger", "ROSSI", "--as-of", AS_OF, "--db", db])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "F-2025-001" in out
    assert "1.234,56 €" in out
    assert "2.434,56 €" in out  # balance
    assert "1.000,00 €" in out  # open part of the late invoice
    assert "26/12/2025" in out
    assert "1234.56" not in out


def test_ledger_as_of_moves_the_buckets(db: str) -> None:
    result = runner.invoke(app, ["ledger", "ROSSI", "--as-of", "2026-04-01", "--json", "--db", db])
    data = json.loads(result.stdout)
    assert data["days_past_due"] == 96
    assert data["buckets"]["0-30"] == "1434.56"  # the invoice due on 31/03 is now a day late
    assert data["buckets"]["not_due"] == "0.00"


def test_ledger_credit_only_customer(db: str) -> None:
    result = runner.invoke(app, ["ledger", "ACME", "--as-of", AS_OF, "--json", "--db", db])
    data = json.loads(result.stdout)
    assert data["balance"] == "-50.00"
    assert data["credit"] == "50.00"
    assert data["overdue"] == "0.00"
    assert data["days_past_due"] == 0


def test_unknown_customer_is_one_error_line(db: str) -> None:
    result = runner.invoke(app, ["ledger", "NOBODY", "--db", db])
    assert result.exit_code == 2
    assert "NOBODY" in result.stderr
    assert "Traceback" not in result.output


def test_bad_date_is_a_usage_error(db: str) -> None:
    result = runner.invoke(app, ["ledger", "ROSSI", "--as-of", "31/03/2026", "--db", db])
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_report_aging_json(db: str) -> None:
    result = runner.invoke(app, ["report", "aging", "--as-of", AS_OF, "--json", "--db", db])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == AS_OF
    assert data["customers"] == 2
    assert data["customers_with_overdue"] == 1
    assert data["open_items"] == 3
    assert data["open_amount"] == "2434.56"
    assert data["overdue"] == "2234.56"
    assert data["buckets"]["91-180"] == "1000.00"
    assert data["segments"]["business"]["customers"] == 1
    assert data["segments"]["business"]["open_amount"] == "0.00"
    assert data["segments"]["residential"]["buckets"]["0-30"] == "1234.56"


def test_report_aging_table(db: str) -> None:
    result = runner.invoke(app, ["report", "aging", "--as-of", AS_OF, "--db", db])
    assert result.exit_code == 0, result.output
    assert "2.234,56 €" in result.stdout
    assert "91-180" in result.stdout
    assert "Domestico" in result.stdout


def test_default_as_of_is_today(db: str) -> None:
    result = runner.invoke(app, ["ledger", "ROSSI", "--json", "--db", db])
    assert result.exit_code == 0, result.output
    today = dt.datetime.now(dt.UTC).date()
    assert json.loads(result.stdout)["as_of"] in {
        (today + dt.timedelta(days=d)).isoformat() for d in (-1, 0, 1)
    }
