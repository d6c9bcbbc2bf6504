"""Art. 1193 c.c.: a payment without declaration pays due debts first, oldest first."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.domain.allocation_order import (
    AllocationPlan,
    DueItem,
    allocate_by_law,
    is_due,
    law_order,
)
from riscossa.domain.errors import ValidationError
from riscossa.domain.matching_amounts import subset_for

AS_OF = dt.date(2026, 3, 31)


def item(item_id: int, due: str, cents: int, *, issued: str | None = None) -> DueItem:
    due_date = dt.date.fromisoformat(due)
    issue_date = dt.date.fromisoformat(issued) if issued else due_date - dt.timedelta(days=20)
    return DueItem(item_id=item_id, due_date=due_date, issue_date=issue_date, open_cents=cents)


def test_overdue_oldest_first_then_not_yet_due_earliest_first() -> None:
    items = [
        item(10, "2026-05-15", 4_000),  # not yet due, later
        item(11, "2026-01-31", 3_000),  # overdue, oldest
        item(12, "2026-04-15", 2_000),  # not yet due, earlier
        item(13, "2026-02-28", 5_000),  # overdue
    ]
    assert law_order(items, AS_OF) == [1, 3, 2, 0]
    plan = allocate_by_law(12_000, items, as_of=AS_OF)
    assert plan == AllocationPlan(
        allocations=((1, 3_000), (3, 5_000), (2, 2_000), (0, 2_000)),
        leftover_cents=0,
        due_cents=8_000,
    )
    assert plan.allocated_cents == 12_000


def test_partial_payment_stops_inside_the_oldest_debts() -> None:
    items = [item(1, "2026-02-28", 5_000), item(2, "2026-01-31", 3_000)]
    plan = allocate_by_law(4_000, items, as_of=AS_OF)
    assert plan.allocations == ((1, 3_000), (0, 1_000))
    assert plan.leftover_cents == 0
    assert plan.due_cents == 4_000


def test_overpayment_is_left_as_customer_credit() -> None:
    items = [item(1, "2026-02-28", 5_000), item(2, "2026-04-30", 3_000)]
    plan = allocate_by_law(10_050, items, as_of=AS_OF)
    assert plan.allocations == ((0, 5_000), (1, 3_000))
    assert plan.leftover_cents == 2_050
    assert plan.due_cents == 5_000


def test_same_due_date_older_issue_date_first_then_lower_id() -> None:
    items = [
        item(30, "2026-02-28", 1_000, issued="2026-02-01"),
        item(20, "2026-02-28", 1_000, issued="2026-02-01"),
        item(40, "2026-02-28", 1_000, issued="2026-01-15"),
    ]
    assert law_order(items, AS_OF) == [2, 1, 0]
    assert allocate_by_law(1_500, items, as_of=AS_OF).allocations == ((2, 1_000), (1, 500))


def test_a_debt_due_today_is_due() -> None:
    today = item(1, AS_OF.isoformat(), 2_000)
    tomorrow = item(2, (AS_OF + dt.timedelta(days=1)).isoformat(), 2_000)
    assert is_due(today, AS_OF)
    assert not is_due(tomorrow, AS_OF)
    plan = allocate_by_law(4_000, [tomorrow, today], as_of=AS_OF)
    assert plan.allocations == ((1, 2_000), (0, 2_000))
    assert plan.due_cents == 2_000


def test_paid_items_and_credit_notes_are_skipped() -> None:
    items = [
        item(1, "2026-01-31", 0),
        item(2, "2026-01-15", -2_500),
        item(3, "2026-02-28", 1_000),
    ]
    assert law_order(items, AS_OF) == [2]
    plan = allocate_by_law(1_500, items, as_of=AS_OF)
    assert plan.allocations == ((2, 1_000),)
    assert plan.leftover_cents == 500


def test_nothing_open_leaves_everything_as_credit() -> None:
    assert allocate_by_law(7_000, [], as_of=AS_OF) == AllocationPlan((), 7_000, 0)


def test_a_zero_payment_allocates_nothing() -> None:
    assert allocate_by_law(0, [item(1, "2026-01-31", 1_000)], as_of=AS_OF) == AllocationPlan(
        (), 0, 0
    )


def test_a_negative_payment_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be negative"):
        allocate_by_law(-1, [item(1, "2026-01-31", 1_000)], as_of=AS_OF)


def test_equal_amounts_in_a_subset_go_to_the_debt_the_law_pays_first() -> None:
    items = [
        item(1, "2026-03-15", 3_000),  # the newer of two 30.00 bills
        item(2, "2026-04-30", 5_000),
        item(3, "2026-01-31", 3_000),  # the older one
    ]
    order = law_order(items, AS_OF)
    chosen = subset_for(8_000, [items[i].open_cents for i in order])
    assert chosen is not None
    assert sorted(items[order[i]].item_id for i in chosen) == [2, 3]


dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
due_items = st.builds(
    DueItem,
    item_id=st.integers(min_value=1, max_value=10_000),
    due_date=dates,
    issue_date=dates,
    open_cents=st.integers(min_value=-5_000, max_value=50_000),
)


@settings(max_examples=300, deadline=None)
@given(
    amount=st.integers(min_value=0, max_value=200_000),
    items=st.lists(due_items, max_size=12),
    as_of=dates,
)
def test_plan_properties(amount: int, items: list[DueItem], as_of: dt.date) -> None:
    plan = allocate_by_law(amount, items, as_of=as_of)
    indexes = [index for index, _ in plan.allocations]
    # Never over-allocated: each item at most once, never beyond what is open.
    assert len(set(indexes)) == len(indexes)
    for index, cents in plan.allocations:
        assert 0 < cents <= items[index].open_cents
    # Nothing lost: allocations plus credit equal the payment.
    assert plan.allocated_cents + plan.leftover_cents == amount
    assert plan.leftover_cents >= 0
    # Credit only once every open item is paid in full; only the last item may be partial.
    open_total = sum(i.open_cents for i in items if i.open_cents > 0)
    assert plan.leftover_cents == max(amount - open_total, 0)
    for index, cents in plan.allocations[:-1]:
        assert cents == items[index].open_cents
    # Due debts before the others, and by date within each group.
    due_flags = [is_due(items[i], as_of) for i in indexes]
    assert due_flags == sorted(due_flags, reverse=True)
    due_dates = [items[i].due_date for i in indexes]
    assert due_dates == sorted(due_dates)
    assert plan.due_cents == sum(c for i, c in plan.allocations if is_due(items[i], as_of))
