"""Promises to pay: kept, partially kept, broken or pending, at the edges of the tolerances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.domain.errors import ValidationError
from riscossa.domain.promises import (
    PromiseReview,
    PromiseStatus,
    PromiseTolerance,
    PromiseToPay,
    judge_promise,
    review_promise,
)

MADE = dt.date(2026, 3, 2)
PROMISED = dt.date(2026, 3, 16)
DEADLINE = dt.date(2026, 3, 18)  # promised date + 2 days' tolerance
DAY_AFTER = dt.date(2026, 3, 19)


def promise(
    cents: int = 10_000, *, days: int = 2, tol_cents: int = 100, percent: str = "0"
) -> PromiseToPay:
    return PromiseToPay(
        customer_code="C0001",
        amount_cents=cents,
        promised_date=PROMISED,
        created_on=MADE,
        created_by="operator.rossi",
        tolerance=PromiseTolerance(days=days, cents=tol_cents, percent=Decimal(percent)),
    )


def test_deadline_and_required_amount() -> None:
    p = promise()
    assert p.deadline == DEADLINE
    assert p.required_cents == 9_900


def test_exactly_the_tolerance_is_kept_one_cent_less_is_partial() -> None:
    p = promise()
    assert judge_promise(p, [(PROMISED, 9_900)], DAY_AFTER) is PromiseStatus.KEPT
    assert judge_promise(p, [(PROMISED, 9_899)], DAY_AFTER) is PromiseStatus.PARTIALLY_KEPT


def test_money_value_dated_on_the_deadline_counts_the_day_after_does_not() -> None:
    p = promise()
    assert judge_promise(p, [(DEADLINE, 10_000)], DAY_AFTER) is PromiseStatus.KEPT
    assert judge_promise(p, [(DAY_AFTER, 10_000)], DAY_AFTER) is PromiseStatus.BROKEN


def test_pending_through_the_deadline_then_broken() -> None:
    p = promise()
    assert judge_promise(p, [], MADE) is PromiseStatus.PENDING
    assert judge_promise(p, [], DEADLINE) is PromiseStatus.PENDING
    assert judge_promise(p, [], DAY_AFTER) is PromiseStatus.BROKEN


def test_kept_as_soon_as_the_money_is_in_even_before_the_date() -> None:
    p = promise()
    payments = [(dt.date(2026, 3, 5), 4_000), (dt.date(2026, 3, 9), 6_000)]
    assert judge_promise(p, payments, dt.date(2026, 3, 9)) is PromiseStatus.KEPT
    assert judge_promise(p, payments, dt.date(2026, 3, 8)) is PromiseStatus.PENDING


def test_partial_payment_is_pending_until_the_deadline_passes() -> None:
    p = promise()
    payments = [(dt.date(2026, 3, 10), 5_000)]
    assert judge_promise(p, payments, DEADLINE) is PromiseStatus.PENDING
    review = review_promise(p, payments, DAY_AFTER)
    assert review == PromiseReview(
        status=PromiseStatus.PARTIALLY_KEPT,
        received_cents=5_000,
        shortfall_cents=5_000,
        deadline=DEADLINE,
    )


def test_without_day_tolerance_the_promised_date_is_the_deadline() -> None:
    p = promise(days=0)
    late = PROMISED + dt.timedelta(days=1)
    assert judge_promise(p, [(PROMISED, 10_000)], late) is PromiseStatus.KEPT
    assert judge_promise(p, [(late, 10_000)], late) is PromiseStatus.BROKEN


def test_money_not_yet_known_on_as_of_does_not_count() -> None:
    p = promise()
    payments = [(dt.date(2026, 3, 12), 10_000)]
    assert judge_promise(p, payments, dt.date(2026, 3, 11)) is PromiseStatus.PENDING


def test_a_returned_direct_debit_takes_the_money_back() -> None:
    p = promise()
    payments = [(dt.date(2026, 3, 10), 10_000), (dt.date(2026, 3, 13), -10_000)]
    review = review_promise(p, payments, DAY_AFTER)
    assert review.status is PromiseStatus.BROKEN
    assert review.received_cents == 0
    assert review.shortfall_cents == 10_000


def test_kept_within_tolerance_still_reports_the_shortfall() -> None:
    review = review_promise(promise(), [(PROMISED, 9_950)], DAY_AFTER)
    assert review.status is PromiseStatus.KEPT
    assert review.shortfall_cents == 50


@pytest.mark.parametrize(
    ("cents", "tol_cents", "percent", "tolerance"),
    [
        (12_345, 0, "2", 246),  # 2% = 246.9, rounded down
        (12_345, 300, "2", 300),  # the larger of the two
        (12_345, 100, "0.5", 100),
        (10_000, 0, "0", 0),
        (10_000, 0, "100", 10_000),
    ],
)
def test_amount_tolerance_is_the_larger_of_cents_and_percent(
    cents: int, tol_cents: int, percent: str, tolerance: int
) -> None:
    p = promise(cents, tol_cents=tol_cents, percent=percent)
    assert p.tolerance.amount_cents(cents) == tolerance
    assert p.required_cents == max(cents - tolerance, 1)


def test_something_must_come_in_even_when_the_tolerance_covers_everything() -> None:
    p = promise(500, tol_cents=1_000)
    assert p.required_cents == 1
    assert judge_promise(p, [], DAY_AFTER) is PromiseStatus.BROKEN
    assert judge_promise(p, [(PROMISED, 1)], DAY_AFTER) is PromiseStatus.KEPT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_cents": 0}, "amount must be positive, not 0 cents"),
        ({"promised_date": dt.date(2026, 3, 1)}, "promised date 2026-03-01 before the day"),
        ({"customer_code": " "}, "customer code missing"),
        ({"created_by": ""}, "created_by missing"),
    ],
)
def test_a_promise_refuses_nonsense(changes: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "customer_code": "C0001",
        "amount_cents": 10_000,
        "promised_date": PROMISED,
        "created_on": MADE,
        "created_by": "operator.rossi",
        **changes,
    }
    with pytest.raises(ValidationError, match=message):
        PromiseToPay(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days": -1}, "days cannot be negative"),
        ({"cents": -5}, "cents cannot be negative"),
        ({"percent": Decimal("100.01")}, "percent must be a Decimal 0..100"),
        ({"percent": 2.5}, "percent must be a Decimal"),
    ],
)
def test_tolerance_refuses_nonsense(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PromiseTolerance(**changes)  # type: ignore[arg-type]


def test_payments_must_be_integer_cents() -> None:
    with pytest.raises(ValidationError, match="entry 1: cents must be an integer"):
        judge_promise(promise(), [(PROMISED, 100), (PROMISED, 1.5)], DAY_AFTER)  # type: ignore[list-item]


payments = st.lists(
    st.tuples(st.dates(MADE, dt.date(2026, 4, 30)), st.integers(1, 12_000)), max_size=6
)
as_of_dates = st.dates(MADE, dt.date(2026, 4, 30))
RANK = {
    PromiseStatus.BROKEN: 0,
    PromiseStatus.PARTIALLY_KEPT: 1,
    PromiseStatus.PENDING: 1,
    PromiseStatus.KEPT: 2,
}


@given(payments, as_of_dates)
def test_pending_only_until_the_deadline(paid: list[tuple[dt.date, int]], as_of: dt.date) -> None:
    status = judge_promise(promise(), paid, as_of)
    if as_of > DEADLINE:
        assert status is not PromiseStatus.PENDING
    else:
        assert status in (PromiseStatus.PENDING, PromiseStatus.KEPT)


@given(payments, st.dates(MADE, dt.date(2026, 4, 30)), st.integers(1, 5_000), as_of_dates)
def test_more_money_never_worsens_a_promise(
    paid: list[tuple[dt.date, int]], day: dt.date, cents: int, as_of: dt.date
) -> None:
    before = judge_promise(promise(), paid, as_of)
    after = judge_promise(promise(), [*paid, (day, cents)], as_of)
    assert RANK[after] >= RANK[before]
