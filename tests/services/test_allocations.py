"""allocate(): counters, refusals, atomicity, and no over-allocation under real concurrency.

Every test runs on SQLite and on PostgreSQL (the ``engine`` / ``database_url`` fixtures).
The concurrency tests start two OS processes, each with its own engine, released together
by a barrier, that allocate against the same rows in many small transactions.

On PostgreSQL the two processes queue on the row locks and interleave, so both must win
some allocations. On SQLite ``BEGIN IMMEDIATE`` serialises whole transactions on the file
lock and the busy handler backs off, so one process often drains the pool while the other
waits: there the tests check that the runs overlapped (one was blocked by the other) and
that the waiting process got refusals, never a "database is locked" error.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.tables import allocations, customers, invoices, payments
from riscossa.domain.errors import AllocationError, NotFoundError
from riscossa.services.allocations import allocate, unallocated_cents

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
WORKER = Path(__file__).with_name("_concurrent_allocator.py")
_serial = count(1)


# --- data helpers -------------------------------------------------------------------------


def add_customer(conn: Connection) -> int:
    n = next(_serial)
    return int(
        conn.execute(
            insert(customers)
            .values(
                code=f"C{n:06d}",
                kind="person",
                name=f"Cliente {n}",
                segment="residential",
                row_hash="0" * 32,
            )
            .returning(customers.c.id)
        ).scalar_one()
    )


def add_payment(conn: Connection, amount_cents: int, customer_id: int | None = None) -> int:
    n = next(_serial)
    return int(
        conn.execute(
            insert(payments)
            .values(
                bank_reference=f"BANKREF{n:08d}",
                channel="bank_transfer",
                status="booked",
                value_date=dt.date(2026, 11, 20),
                amount_cents=amount_cents,
                customer_id=customer_id,
                row_hash="0" * 32,
            )
            .returning(payments.c.id)
        ).scalar_one()
    )


def add_invoice(
    conn: Connection, customer_id: int, amount_cents: int, kind: str = "invoice"
) -> int:
    n = next(_serial)
    return int(
        conn.execute(
            insert(invoices)
            .values(
                number=f"FT2026/{n:06d}",
                customer_id=customer_id,
                kind=kind,
                issue_date=dt.date(2026, 10, 1),
                due_date=dt.date(2026, 10, 31),
                amount_cents=amount_cents,
                row_hash="0" * 32,
            )
            .returning(invoices.c.id)
        ).scalar_one()
    )


def allocated(conn: Connection, table: Any, row_id: int) -> int:
    return int(
        conn.execute(select(table.c.allocated_cents).where(table.c.id == row_id)).scalar_one()
    )


def allocation_totals(conn: Connection, **where: int) -> tuple[int, int]:
    """(number of allocation rows, their sum in cents), filtered by column=value."""
    query = select(func.count(), func.coalesce(func.sum(allocations.c.amount_cents), 0))
    for column, value in where.items():
        query = query.where(allocations.c[column] == value)
    rows, total = conn.execute(query).one()
    return int(rows), int(total)


@pytest.fixture
def open_pair(engine: Engine) -> tuple[int, int]:
    """A payment of 100.00 and an invoice of 80.00 for the same customer."""
    with engine.begin() as conn:
        customer = add_customer(conn)
        return add_payment(conn, 10_000, customer), add_invoice(conn, customer, 8_000)


# --- single-transaction behaviour ---------------------------------------------------------


def test_allocation_increments_both_counters_and_writes_the_row(
    engine: Engine, open_pair: tuple[int, int]
) -> None:
    payment, invoice = open_pair
    with engine.begin() as conn:
        first = allocate(conn, payment, invoice, 3_000, rule="reference", confidence=0.9, now=NOW)
        second = allocate(conn, payment, invoice, 1_234, rule="manual", now=NOW)

    assert first != second
    with engine.connect() as conn:
        assert allocated(conn, payments, payment) == 4_234
        assert allocated(conn, invoices, invoice) == 4_234
        assert unallocated_cents(conn, payment) == 10_000 - 4_234
        rows = conn.execute(
            select(
                allocations.c.id,
                allocations.c.payment_id,
                allocations.c.invoice_id,
                allocations.c.amount_cents,
                allocations.c.rule,
                allocations.c.confidence,
            ).order_by(allocations.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (first, payment, invoice, 3_000, "reference", 0.9),
        (second, payment, invoice, 1_234, "manual", 1.0),
    ]


def test_allocation_may_use_up_the_item_exactly(engine: Engine, open_pair: tuple[int, int]) -> None:
    payment, invoice = open_pair
    with engine.begin() as conn:
        allocate(conn, payment, invoice, 8_000, rule="exact", now=NOW)
    with engine.connect() as conn:
        assert allocated(conn, invoices, invoice) == 8_000
        assert unallocated_cents(conn, payment) == 2_000


def test_refuses_more_than_the_item_has_left(engine: Engine, open_pair: tuple[int, int]) -> None:
    payment, invoice = open_pair
    with engine.begin() as conn:
        allocate(conn, payment, invoice, 7_500, rule="reference", now=NOW)
    left = r"open item .*cannot allocate 5\.01, only 5\.00 is left"
    with pytest.raises(AllocationError, match=left), engine.begin() as conn:
        allocate(conn, payment, invoice, 501, rule="reference", now=NOW)


def test_refuses_more_than_the_payment_has_left(engine: Engine) -> None:
    with engine.begin() as conn:
        customer = add_customer(conn)
        payment = add_payment(conn, 5_000, customer)
        first = add_invoice(conn, customer, 4_000)
        second = add_invoice(conn, customer, 4_000)
        allocate(conn, payment, first, 4_000, rule="reference", now=NOW)
    left = r"payment .*cannot allocate 10\.01, only 10\.00 is left"
    with pytest.raises(AllocationError, match=left), engine.begin() as conn:
        allocate(conn, payment, second, 1_001, rule="reference", now=NOW)
    with engine.connect() as conn:
        assert allocated(conn, invoices, second) == 0


def test_refuses_a_credit_note_and_non_positive_amounts(engine: Engine) -> None:
    with engine.begin() as conn:
        customer = add_customer(conn)
        payment = add_payment(conn, 5_000, customer)
        invoice = add_invoice(conn, customer, 4_000)
        credit_note = add_invoice(conn, customer, -1_000, kind="credit_note")
    for amount in (0, -100):
        with pytest.raises(AllocationError, match="positive"), engine.begin() as conn:
            allocate(conn, payment, invoice, amount, rule="manual", now=NOW)
    with pytest.raises(AllocationError, match=r"only 0\.00 is left"), engine.begin() as conn:
        allocate(conn, payment, credit_note, 100, rule="manual", now=NOW)
    with engine.connect() as conn:
        assert allocated(conn, payments, payment) == 0
        assert allocation_totals(conn) == (0, 0)


def test_unknown_payment_or_item_is_not_found(engine: Engine, open_pair: tuple[int, int]) -> None:
    payment, invoice = open_pair
    with (
        pytest.raises(NotFoundError, match="payment 999999 does not exist"),
        engine.begin() as conn,
    ):
        allocate(conn, 999_999, invoice, 100, rule="manual", now=NOW)
    with pytest.raises(NotFoundError, match="open item 999999 does not exist"), engine.begin() as c:
        allocate(c, payment, 999_999, 100, rule="manual", now=NOW)
    with pytest.raises(NotFoundError), engine.connect() as conn:
        unallocated_cents(conn, 999_999)
    with engine.connect() as conn:
        assert allocated(conn, payments, payment) == 0
        assert allocated(conn, invoices, invoice) == 0
        assert allocation_totals(conn) == (0, 0)


def test_a_refusal_leaves_nothing_half_written(engine: Engine) -> None:
    """The payment UPDATE succeeds before the item refuses: the caller's rollback undoes it."""
    with engine.begin() as conn:
        customer = add_customer(conn)
        payment = add_payment(conn, 10_000, customer)
        small = add_invoice(conn, customer, 1_000)
        other = add_invoice(conn, customer, 5_000)
        allocate(conn, payment, small, 600, rule="reference", now=NOW)

    with pytest.raises(AllocationError), engine.begin() as conn:
        allocate(conn, payment, other, 2_000, rule="reference", now=NOW)  # fine on its own
        allocate(conn, payment, small, 500, rule="reference", now=NOW)  # payment ok, item not
    with pytest.raises(NotFoundError), engine.begin() as conn:
        allocate(conn, payment, 999_999, 500, rule="reference", now=NOW)

    with engine.connect() as conn:
        assert allocated(conn, payments, payment) == 600
        assert allocated(conn, invoices, small) == 600
        assert allocated(conn, invoices, other) == 0
        assert allocation_totals(conn) == (1, 600)


# --- concurrency: two OS processes on the same rows ---------------------------------------


def run_workers(
    url: str, jobs: list[tuple[int, int]], amount: int, attempts: int
) -> list[dict[str, Any]]:
    """Start one process per (payment, invoice) job, release them together, return results."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, str(pay), str(inv), str(amount), str(attempts)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pay, inv in jobs
    ]
    try:
        for proc in procs:  # barrier: wait until every worker is connected and waiting
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                _, err = proc.communicate(timeout=60)
                pytest.fail(f"worker did not start:\n{err}")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"worker failed:\n{err}"
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def assert_contended(backend: str, results: list[dict[str, Any]], attempts: int) -> None:
    """Both processes ran at the same time and saw every attempt through."""
    assert all(r["succeeded"] + r["refused"] == attempts for r in results), results
    assert max(r["started"] for r in results) < min(r["finished"] for r in results), results
    if backend == "postgresql":  # row locks queue the writers: both must win some
        assert all(r["succeeded"] >= 1 for r in results), results


def test_two_processes_never_over_allocate_one_payment_and_one_item(
    backend: str, engine: Engine, database_url: str
) -> None:
    amount, attempts = 137, 100
    with engine.begin() as conn:
        customer = add_customer(conn)
        payment = add_payment(conn, 10_000, customer)
        invoice = add_invoice(conn, customer, 10_000)

    results = run_workers(database_url, [(payment, invoice)] * 2, amount, attempts)

    room = 10_000 // amount  # 72 allocations of 1.37 fit in 100.00
    assert_contended(backend, results, attempts)
    assert sum(r["succeeded"] for r in results) == room  # none lost, none extra
    fresh = build_engine(database_url)
    try:
        with fresh.connect() as conn:
            rows, total = allocation_totals(conn, payment_id=payment, invoice_id=invoice)
            assert rows == room
            assert total == allocated(conn, payments, payment) == allocated(conn, invoices, invoice)
            assert total == room * amount <= 10_000
    finally:
        fresh.dispose()


def test_two_payments_never_over_allocate_a_shared_item(
    backend: str, engine: Engine, database_url: str
) -> None:
    amount, attempts = 137, 100
    with engine.begin() as conn:
        customer = add_customer(conn)
        first = add_payment(conn, 10_000, customer)
        second = add_payment(conn, 10_000, customer)
        invoice = add_invoice(conn, customer, 5_000)

    results = run_workers(database_url, [(first, invoice), (second, invoice)], amount, attempts)

    room = 5_000 // amount  # 36 allocations of 1.37 fit in 50.00; each payment could take 72
    assert_contended(backend, results, attempts)
    assert sum(r["succeeded"] for r in results) == room
    fresh = build_engine(database_url)
    try:
        with fresh.connect() as conn:
            assert allocation_totals(conn, invoice_id=invoice) == (room, room * amount)
            assert allocated(conn, invoices, invoice) == room * amount <= 5_000
            for payment, result in zip((first, second), results, strict=True):
                rows, total = allocation_totals(conn, payment_id=payment)
                assert rows == result["succeeded"]
                assert allocated(conn, payments, payment) == total
    finally:
        fresh.dispose()
