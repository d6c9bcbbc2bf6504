from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.domain.errors import ValidationError
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.ledger import (
    BUCKET_NAMES,
    BUCKETS,
    NOT_DUE,
    Aging,
    OpenItem,
    PortfolioTotals,
    bucket_due_ranges,
    bucket_for,
    build_ledger,
)
from riscossa.domain.money import Money

AS_OF = dt.date(2026, 3, 31)


def item(
    number: str,
    cents: int,
    *,
    due: dt.date,
    allocated: int = 0,
    disputed: bool = False,
) -> OpenItem:
    kind = InvoiceKind.CREDIT_NOTE if cents < 0 else InvoiceKind.INVOICE
    return OpenItem(
        number=number,
        kind=kind,
        issue_date=due - dt.timedelta(days=20),
        due_date=due,
        amount=Money(cents),
        allocated=Money(allocated),
        disputed=disputed,
    )


def days_ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


# -- the bucket table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, NOT_DUE),
        (0, NOT_DUE),
        (1, "0-30"),
        (30, "0-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, ">180"),
        (10_000, ">180"),
    ],
)
def test_bucket_edges(days: int, bucket: str) -> None:
    assert bucket_for(days) == bucket


def test_buckets_are_contiguous_from_day_one() -> None:
    assert BUCKETS[0].first_day == 1
    for before, after in itertools.pairwise(BUCKETS):
        assert before.last_day is not None
        assert after.first_day == before.last_day + 1
    assert BUCKETS[-1].last_day is None


@given(
    as_of=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    offset=st.integers(min_value=-400, max_value=4000),
)
def test_due_ranges_agree_with_days_past_due(as_of: dt.date, offset: int) -> None:
    """The SQL report buckets by date ranges; the ledger by days. They must never disagree."""
    due = as_of - dt.timedelta(days=offset)
    matches = [
        r.name
        for r in bucket_due_ranges(as_of)
        if (r.earliest is None or r.earliest <= due) and due <= r.latest
    ]
    expected = bucket_for(offset)
    assert matches == ([] if expected == NOT_DUE else [expected])


# -- one ledger by hand ---------------------------------------------------------------------


def test_ledger_by_hand() -> None:
    ledger = build_ledger(
        "C1",
        AS_OF,
        [
            item("F-NOT-DUE", 10_000, due=AS_OF),  # due today: not overdue
            item("F-1", 5_000, due=days_ago(1)),
            item("F-45", 20_000, due=days_ago(45), allocated=5_000),
            item("F-200", 7_000, due=days_ago(200), disputed=True),
            item("F-PAID", 3_000, due=days_ago(100), allocated=3_000),
            item("NC-1", -2_500, due=days_ago(10)),
        ],
        Money(1_000),
    )
    assert ledger.balance == Money(10_000 + 5_000 + 15_000 + 7_000 + 0 - 2_500)
    assert ledger.overdue == Money(5_000 + 15_000 + 7_000)
    assert ledger.days_past_due == 200
    assert ledger.aging.as_dict() == {
        NOT_DUE: Money(10_000),
        "0-30": Money(5_000),
        "31-60": Money(15_000),
        "61-90": Money(0),
        "91-180": Money(0),
        ">180": Money(7_000),
    }
    assert ledger.open_items == 4
    assert ledger.open_credit_notes == Money(2_500)
    assert ledger.unallocated_payments == Money(1_000)
    assert ledger.credit == Money(3_500)
    assert ledger.net_balance == Money(34_500 - 1_000)
    assert ledger.disputed == Money(7_000)
    # oldest due date first; the paid item and the credit note are in no bucket
    assert next(line.item.number for line in ledger.lines) == "F-200"
    by_number = {line.item.number: line for line in ledger.lines}
    assert by_number["F-PAID"].bucket is None
    assert by_number["NC-1"].bucket is None
    assert by_number["NC-1"].open_amount == Money(-2_500)
    assert by_number["F-45"].open_amount == Money(15_000)
    assert by_number["F-45"].days_past_due == 45
    assert by_number["F-NOT-DUE"].days_past_due == 0


def test_nothing_overdue_means_zero_days() -> None:
    ledger = build_ledger("C1", AS_OF, [item("F", 100, due=AS_OF + dt.timedelta(days=3))])
    assert ledger.overdue == Money(0)
    assert ledger.days_past_due == 0
    assert ledger.aging.not_due == Money(100)


def test_fully_paid_overdue_item_does_not_count_as_late() -> None:
    ledger = build_ledger("C1", AS_OF, [item("F", 100, due=days_ago(300), allocated=100)])
    assert ledger.days_past_due == 0
    assert ledger.overdue == Money(0)


def test_empty_ledger() -> None:
    ledger = build_ledger("C1", AS_OF, [])
    assert ledger.balance == Money(0)
    assert ledger.aging == Aging()
    assert ledger.lines == ()


@pytest.mark.parametrize(
    ("kind", "cents", "allocated"),
    [
        (InvoiceKind.INVOICE, -100, 0),
        (InvoiceKind.CREDIT_NOTE, 100, 0),
        (InvoiceKind.INVOICE, 100, 101),
        (InvoiceKind.INVOICE, 100, -1),
        (InvoiceKind.CREDIT_NOTE, -100, 50),
    ],
)
def test_open_item_refuses_impossible_amounts(
    kind: InvoiceKind, cents: int, allocated: int
) -> None:
    with pytest.raises(ValidationError):
        OpenItem("X", kind, AS_OF, AS_OF, Money(cents), Money(allocated))


def test_negative_unallocated_payments_refused() -> None:
    with pytest.raises(ValidationError):
        build_ledger("C1", AS_OF, [], Money(-1))


def test_portfolio_totals_fold_ledgers() -> None:
    late = build_ledger("A", AS_OF, [item("F1", 100, due=days_ago(40))])
    fine = build_ledger("B", AS_OF, [item("F2", 50, due=AS_OF)])
    empty = build_ledger("C", AS_OF, [])
    totals = PortfolioTotals.from_ledgers([late, fine, empty])
    assert totals.customers == 3
    assert totals.customers_with_overdue == 1
    assert totals.open_items == 2
    assert totals.open_amount == Money(150)
    assert totals.overdue == Money(100)
    assert totals.aging.as_dict()["31-60"] == Money(100)


# -- property: random items, random allocations ---------------------------------------------


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[list[OpenItem], list[int], list[tuple[int, int, int]]]:
    """Items, payment amounts and allocations (item, payment, cents) that respect both sides."""
    amounts = draw(
        st.lists(st.integers(min_value=-500_000, max_value=2_000_000), min_size=0, max_size=15)
    )
    dues = draw(
        st.lists(
            st.integers(min_value=-60, max_value=800),
            min_size=len(amounts),
            max_size=len(amounts),
        )
    )
    payments = draw(st.lists(st.integers(min_value=1, max_value=1_500_000), max_size=6))
    item_left = [max(a, 0) for a in amounts]
    pay_left = list(payments)
    allocations: list[tuple[int, int, int]] = []
    if amounts and payments:
        for _ in range(draw(st.integers(min_value=0, max_value=20))):
            i = draw(st.integers(min_value=0, max_value=len(amounts) - 1))
            p = draw(st.integers(min_value=0, max_value=len(payments) - 1))
            room = min(item_left[i], pay_left[p])
            if room <= 0:
                continue
            cents = draw(st.integers(min_value=1, max_value=room))
            item_left[i] -= cents
            pay_left[p] -= cents
            allocations.append((i, p, cents))
    allocated = [0] * len(amounts)
    for i, _p, cents in allocations:
        allocated[i] += cents
    items = [
        item(f"N{n}", a, due=days_ago(d), allocated=allocated[n])
        for n, (a, d) in enumerate(zip(amounts, dues, strict=True))
    ]
    return items, payments, allocations


@settings(max_examples=300)
@given(portfolios())
def test_ledger_invariants(
    portfolio: tuple[list[OpenItem], list[int], list[tuple[int, int, int]]],
) -> None:
    items, payments, allocations = portfolio
    allocated_total = sum(c for _i, _p, c in allocations)
    unallocated = Money(sum(payments) - allocated_total)
    ledger = build_ledger("C", AS_OF, items, unallocated)

    assert ledger.balance.cents == sum(i.amount.cents for i in items) - allocated_total
    positive_open = sum(max(i.open_amount.cents, 0) for i in items)
    buckets = ledger.aging.as_dict()
    assert set(buckets) == {NOT_DUE, *BUCKET_NAMES}
    assert sum(m.cents for m in buckets.values()) == positive_open
    assert all(m.cents >= 0 for m in buckets.values())
    overdue_expected = sum(
        i.open_amount.cents for i in items if i.open_amount.is_positive() and i.due_date < AS_OF
    )
    assert ledger.overdue.cents == overdue_expected
    assert ledger.overdue.cents == positive_open - buckets[NOT_DUE].cents
    assert ledger.open_credit_notes.cents == -sum(min(i.amount.cents, 0) for i in items)
    assert ledger.credit == unallocated + ledger.open_credit_notes
    assert ledger.unallocated_payments.cents >= 0
    late = [
        (AS_OF - i.due_date).days
        for i in items
        if i.open_amount.is_positive() and i.due_date < AS_OF
    ]
    assert ledger.days_past_due == max(late, default=0)
    if ledger.days_past_due:
        assert ledger.aging.as_dict()[bucket_for(ledger.days_past_due)].is_positive()
    assert len(ledger.lines) == len(items)
