from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from sqlalchemy import Connection, Engine, insert

from riscossa.adapters.db.tables import customers, invoices, payments
from riscossa.domain.errors import NotFoundError
from riscossa.domain.ledger import BUCKET_NAMES, NOT_DUE, PortfolioTotals
from riscossa.domain.money import Money
from riscossa.services.allocations import allocate
from riscossa.services.ledger import aging_report, customer_ledger

AS_OF = dt.date(2026, 3, 31)
NOW = dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)


class Portfolio:
    """Rows inserted straight through SQLAlchemy Core, the way an import would leave them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.segments: dict[str, str] = {}
        self._ids: dict[str, int] = {}
        self._n = 0

    def customer(self, code: str, segment: str = "residential") -> int:
        kind = "person" if segment == "residential" else "business"
        cid = self.conn.execute(
            insert(customers)
            .values(code=code, kind=kind, name=f"Cliente {code}", segment=segment, row_hash="x")
            .returning(customers.c.id)
        ).scalar_one()
        self.segments[code] = segment
        self._ids[code] = int(cid)
        return int(cid)

    def invoice(self, code: str, cents: int, *, days_late: int, number: str | None = None) -> int:
        self._n += 1
        due = AS_OF - dt.timedelta(days=days_late)
        return int(
            self.conn.execute(
                insert(invoices)
                .values(
                    number=number or f"F{self._n:05d}",
                    customer_id=self._ids[code],
                    kind="credit_note" if cents < 0 else "invoice",
                    issue_date=due - dt.timedelta(days=20),
                    due_date=due,
                    amount_cents=cents,
                    row_hash="x",
                )
                .returning(invoices.c.id)
            ).scalar_one()
        )

    def payment(self, code: str | None, cents: int, status: str = "booked") -> int:
        self._n += 1
        return int(
            self.conn.execute(
                insert(payments)
                .values(
                    bank_reference=f"P{self._n:05d}",
                    channel="bank_transfer",
                    status=status,
                    value_date=AS_OF,
                    amount_cents=cents,
                    customer_id=self._ids[code] if code else None,
                    row_hash="x",
                )
                .returning(payments.c.id)
            ).scalar_one()
        )

    def allocate(self, payment_id: int, invoice_id: int, cents: int) -> None:
        allocate(self.conn, payment_id, invoice_id, cents, rule="test", now=NOW)


def ledgers_by_segment(conn: Connection, p: Portfolio) -> dict[str, PortfolioTotals]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for code, segment in p.segments.items():
        grouped[segment].append(code)
    return {
        segment: PortfolioTotals.from_ledgers(customer_ledger(conn, c, AS_OF) for c in codes)
        for segment, codes in grouped.items()
    }


def test_sum_of_ledgers_equals_batch_report(engine: Engine) -> None:
    with engine.begin() as conn:
        p = Portfolio(conn)
        p.customer("R1")
        p.customer("R2")
        p.customer("R-EMPTY")
        p.customer("B1", "business")
        p.customer("PA1", "public_administration")

        r1_late = p.invoice("R1", 10_000, days_late=45)
        r1_due = p.invoice("R1", 4_000, days_late=-5)
        p.invoice("R1", -1_500, days_late=10)  # credit note: customer credit, no bucket
        pay = p.payment("R1", 12_000)
        p.allocate(pay, r1_late, 10_000)  # fully paid: out of every bucket
        p.allocate(pay, r1_due, 1_000)  # 1_000 still unallocated: credit

        r2_old = p.invoice("R2", 30_000, days_late=200)
        p.invoice("R2", 2_000, days_late=1)
        p.allocate(p.payment("R2", 5_000), r2_old, 5_000)
        p.payment("R2", 9_999, status="in_transit")  # announced, not credit yet

        b1 = p.invoice("B1", 100_000, days_late=75)
        p.invoice("B1", 50_000, days_late=0)  # due today: not overdue
        p.allocate(p.payment(None, 40_000, status="unapplied"), b1, 40_000)

        p.invoice("PA1", 80_000, days_late=120)

    with engine.connect() as conn:
        report = aging_report(conn, AS_OF)
        expected = ledgers_by_segment(conn, p)
        r1 = customer_ledger(conn, "R1", AS_OF)
        r2 = customer_ledger(conn, "R2", AS_OF)

    assert dict(report.by_segment) == expected
    assert report.total == sum(expected.values(), PortfolioTotals())

    # ...and both are right, not just equal.
    total = report.total
    assert total.customers == 5
    assert total.customers_with_overdue == 3  # R2, B1, PA1 (R1's late invoice is paid)
    assert total.open_items == 6
    assert total.aging.as_dict() == {
        NOT_DUE: Money(3_000 + 50_000),
        "0-30": Money(2_000),
        "31-60": Money(0),
        "61-90": Money(60_000),
        "91-180": Money(80_000),
        ">180": Money(25_000),
    }
    assert total.open_amount == Money(220_000)
    assert total.overdue == Money(167_000)
    assert report.by_segment["residential"].customers == 3
    assert report.by_segment["public_administration"].aging.as_dict()["91-180"] == Money(80_000)

    assert r1.balance == Money(10_000 + 4_000 - 1_500 - 11_000)
    assert r1.overdue == Money(0)
    assert r1.unallocated_payments == Money(1_000)
    assert r1.open_credit_notes == Money(1_500)
    assert r1.credit == Money(2_500)
    assert r2.days_past_due == 200
    assert r2.unallocated_payments == Money(0)  # in-transit money is not credit
    assert r2.balance == Money(27_000)


EDGE_DAYS = [-1, 0, 1, 30, 31, 60, 61, 90, 91, 180, 181]


def test_edge_days_on_both_paths(engine: Engine) -> None:
    # Each edge day carries a distinct power of two, so a misplaced item shows in the sums.
    amount = {days: 100 * 2**n for n, days in enumerate(EDGE_DAYS)}
    with engine.begin() as conn:
        p = Portfolio(conn)
        p.customer("EDGE")
        for days in EDGE_DAYS:
            p.invoice("EDGE", amount[days], days_late=days, number=f"D{days}")

    expected = {
        NOT_DUE: amount[-1] + amount[0],
        "0-30": amount[1] + amount[30],
        "31-60": amount[31] + amount[60],
        "61-90": amount[61] + amount[90],
        "91-180": amount[91] + amount[180],
        ">180": amount[181],
    }
    with engine.connect() as conn:
        ledger = customer_ledger(conn, "EDGE", AS_OF)
        report = aging_report(conn, AS_OF)
    assert {k: v.cents for k, v in ledger.aging.as_dict().items()} == expected
    assert {k: v.cents for k, v in report.total.aging.as_dict().items()} == expected
    assert ledger.days_past_due == 181
    lines = {line.item.number: line for line in ledger.lines}
    assert lines["D0"].days_past_due == 0
    assert lines["D0"].bucket == NOT_DUE
    assert lines["D1"].bucket == "0-30"
    assert lines["D181"].bucket == ">180"
    assert report.total.open_items == len(EDGE_DAYS)


def test_random_portfolio_agrees(engine: Engine) -> None:
    rng = random.Random(20260331)
    segments = ["residential", "business", "public_administration"]
    with engine.begin() as conn:
        p = Portfolio(conn)
        for c in range(40):
            code = f"C{c:03d}"
            p.customer(code, rng.choice(segments))
            left: dict[int, int] = {}
            for _ in range(rng.randint(0, 6)):
                cents = rng.choice([-rng.randint(1, 5_000), rng.randint(0, 90_000)])
                left[p.invoice(code, cents, days_late=rng.randint(-40, 400))] = max(cents, 0)
            for _ in range(rng.randint(0, 2)):
                budget = rng.randint(1, 60_000)
                pay = p.payment(code, budget)
                for invoice_id in left:
                    share = min(budget, rng.randint(0, left[invoice_id]))
                    if share:
                        p.allocate(pay, invoice_id, share)
                        left[invoice_id] -= share
                        budget -= share

    with engine.connect() as conn:
        report = aging_report(conn, AS_OF)
        expected = ledgers_by_segment(conn, p)
    assert dict(report.by_segment) == expected
    assert report.total.customers == 40
    assert report.total.open_amount.is_positive()


def test_report_on_empty_database(engine: Engine) -> None:
    with engine.connect() as conn:
        report = aging_report(conn, AS_OF)
    assert report.by_segment == {}
    assert report.total == PortfolioTotals()
    assert set(report.total.aging.as_dict()) == {NOT_DUE, *BUCKET_NAMES}


def test_unknown_customer(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(NotFoundError, match="NOPE"):
        customer_ledger(conn, "NOPE", AS_OF)
