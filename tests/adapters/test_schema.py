"""The Alembic head is the schema of ``tables.metadata``; unknown schemas are refused; the
CHECK constraints that carry the money invariants really reject bad rows.

Every test runs on SQLite and on PostgreSQL. Tests that need an empty database, or that
tamper with ``alembic_version``, get a scratch database of their own (a fresh SQLite file,
or a fresh PostgreSQL database next to the test one) so the shared one stays intact.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Connection, Engine, insert, inspect, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import current_revision, ensure_schema, head_revision, upgrade
from riscossa.adapters.db.tables import customers, invoices, metadata, payments
from riscossa.domain.errors import SchemaError


@pytest.fixture
def scratch_engine(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Engine]:
    """An engine on a brand-new, empty database of the parametrised backend."""
    if backend == "sqlite":
        eng = build_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield eng
        eng.dispose()
        return
    test_url = make_url(request.getfixturevalue("database_url"))
    name = f"{test_url.database}_scratch_{uuid.uuid4().hex[:8]}"
    admin = build_engine(
        test_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    eng = build_engine(test_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- migrations == metadata ---------------------------------------------------------------


def test_alembic_head_creates_exactly_the_metadata_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == head_revision()


def test_alembic_head_creates_every_check_constraint(engine: Engine) -> None:
    """Autogenerate does not compare CHECK constraints: compare their names per table."""
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert found == declared, table.name
    assert "ck_payments_allocated_within_amount" in {
        c["name"] for c in inspector.get_check_constraints("payments")
    }


# --- ensure_schema ------------------------------------------------------------------------


def test_ensure_schema_creates_an_empty_database(scratch_engine: Engine) -> None:
    assert current_revision(scratch_engine) is None
    ensure_schema(scratch_engine)
    assert current_revision(scratch_engine) == head_revision()
    assert set(metadata.tables) <= set(inspect(scratch_engine).get_table_names())
    ensure_schema(scratch_engine)  # at head: a no-op
    assert current_revision(scratch_engine) == head_revision()


def test_ensure_schema_passes_on_head(engine: Engine) -> None:
    ensure_schema(engine, auto_create=False)
    assert current_revision(engine) == head_revision()


def test_ensure_schema_without_auto_create_says_to_upgrade(scratch_engine: Engine) -> None:
    with pytest.raises(SchemaError, match="riscossa db upgrade"):
        ensure_schema(scratch_engine, auto_create=False)
    assert inspect(scratch_engine).get_table_names() == []


def test_ensure_schema_refuses_an_unknown_revision(scratch_engine: Engine) -> None:
    upgrade(scratch_engine)
    with scratch_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    with pytest.raises(SchemaError, match=r"f00dfeed9999.*newer.*upgrade Riscossa"):
        ensure_schema(scratch_engine)
    assert current_revision(scratch_engine) == "f00dfeed9999"  # left alone


def test_ensure_schema_refuses_foreign_tables(scratch_engine: Engine) -> None:
    with scratch_engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger_entries (id INTEGER PRIMARY KEY, note TEXT)"))
    with pytest.raises(
        SchemaError, match=r"no Riscossa schema version.*Riscossa database or an empty"
    ):
        ensure_schema(scratch_engine)
    assert inspect(scratch_engine).get_table_names() == ["ledger_entries"]  # nothing created


# --- CHECK constraints --------------------------------------------------------------------


def _customer(conn: Connection) -> int:
    return int(
        conn.execute(
            insert(customers)
            .values(code="C1", kind="person", name="Rossi", segment="residential", row_hash="h")
            .returning(customers.c.id)
        ).scalar_one()
    )


def _payment(conn: Connection, amount_cents: int, **values: Any) -> int:
    return int(
        conn.execute(
            insert(payments)
            .values(
                bank_reference=f"REF{amount_cents}",
                channel="bank_transfer",
                status="booked",
                value_date=dt.date(2026, 11, 20),
                amount_cents=amount_cents,
                row_hash="h",
                **values,
            )
            .returning(payments.c.id)
        ).scalar_one()
    )


def _invoice(conn: Connection, customer_id: int, amount_cents: int, kind: str = "invoice") -> int:
    return int(
        conn.execute(
            insert(invoices)
            .values(
                number=f"FT-{kind}-{amount_cents}",
                customer_id=customer_id,
                kind=kind,
                issue_date=dt.date(2026, 10, 1),
                due_date=dt.date(2026, 10, 31),
                amount_cents=amount_cents,
                row_hash="h",
            )
            .returning(invoices.c.id)
        ).scalar_one()
    )


def _rejected(constraint: str) -> Any:
    """Expect the block to violate ``constraint``; both backends name it in the message."""
    return pytest.raises(IntegrityError, match=constraint)


def test_payment_allocated_cannot_exceed_amount(engine: Engine) -> None:
    with engine.begin() as conn:
        payment = _payment(conn, 10_000)
        conn.execute(
            update(payments).where(payments.c.id == payment).values(allocated_cents=10_000)
        )
    with _rejected("ck_payments_allocated_within_amount"), engine.begin() as conn:
        conn.execute(
            update(payments).where(payments.c.id == payment).values(allocated_cents=10_001)
        )
    with _rejected("ck_payments_allocated_within_amount"), engine.begin() as conn:
        conn.execute(update(payments).where(payments.c.id == payment).values(allocated_cents=-1))


def test_payment_amount_must_be_positive(engine: Engine) -> None:
    with _rejected("ck_payments_positive"), engine.begin() as conn:
        _payment(conn, 0)
    # A negative amount breaks both checks (allocated 0 > amount); either may be reported.
    with _rejected("ck_payments_(positive|allocated_within_amount)"), engine.begin() as conn:
        _payment(conn, -500)
    with engine.begin() as conn:
        _payment(conn, 1)


def test_invoice_allocated_cannot_exceed_amount(engine: Engine) -> None:
    with engine.begin() as conn:
        invoice = _invoice(conn, _customer(conn), 8_000)
        conn.execute(update(invoices).where(invoices.c.id == invoice).values(allocated_cents=8_000))
    with _rejected("ck_invoices_allocated_within_amount"), engine.begin() as conn:
        conn.execute(update(invoices).where(invoices.c.id == invoice).values(allocated_cents=8_001))


def test_credit_note_is_never_positive_nor_allocatable(engine: Engine) -> None:
    with engine.begin() as conn:
        customer = _customer(conn)
        credit_note = _invoice(conn, customer, -2_500, kind="credit_note")
    with _rejected("ck_invoices_sign"), engine.begin() as conn:
        _invoice(conn, customer, 2_500, kind="credit_note")
    with _rejected("ck_invoices_sign"), engine.begin() as conn:
        _invoice(conn, customer, -2_500, kind="invoice")
    with _rejected("ck_invoices_allocated_within_amount"), engine.begin() as conn:
        conn.execute(update(invoices).where(invoices.c.id == credit_note).values(allocated_cents=1))
