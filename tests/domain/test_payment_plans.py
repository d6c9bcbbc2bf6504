"""Payment plans: exact instalments, due dates, interest rules, and when a plan is broken."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.domain.contracts import Utility
from riscossa.domain.errors import ValidationError
from riscossa.domain.payment_plans import (
    MAX_INSTALMENTS,
    Instalment,
    InterestTerms,
    MandatoryInstalments,
    add_months,
    build_plan,
    first_breach,
    is_weekday,
    next_working_day,
    plan_breach,
    split_cents,
)

RATE = Decimal("5.65")  # ECB 2.15 + 3.5 points, for the examples only


def test_a_twelve_month_plan_with_down_payment_to_the_cent() -> None:
    # 31 Jan 2026 is a Saturday, 28 Feb 2026 too: both move to the Monday.
    plan = build_plan(
        100_000, 12, dt.date(2026, 1, 31), down_payment_cents=10_000, annual_rate=RATE
    )
    rows = [(i.number, i.due_date, i.principal_cents, i.interest_cents) for i in plan.instalments]
    assert rows == [
        (0, dt.date(2025, 12, 31), 10_000, 0),
        (1, dt.date(2026, 2, 2), 7_500, 424),  # 90,000 × 5.65% / 12 = 423.75
        (2, dt.date(2026, 3, 2), 7_500, 388),
        (3, dt.date(2026, 3, 31), 7_500, 353),
        (4, dt.date(2026, 4, 30), 7_500, 318),
        (5, dt.date(2026, 6, 1), 7_500, 282),  # 31 May is a Sunday
        (6, dt.date(2026, 6, 30), 7_500, 247),
        (7, dt.date(2026, 7, 31), 7_500, 212),
        (8, dt.date(2026, 8, 31), 7_500, 177),
        (9, dt.date(2026, 9, 30), 7_500, 141),
        (10, dt.date(2026, 11, 2), 7_500, 106),  # 31 Oct is a Saturday
        (11, dt.date(2026, 11, 30), 7_500, 71),
        (12, dt.date(2026, 12, 31), 7_500, 35),
    ]
    assert plan.down_payment_cents == 10_000
    assert plan.interest_cents == 2_754  # Σ exact = 2,754.375 cents, rounded once
    assert plan.total_cents == 102_754
    assert plan.instalments[1].amount_cents == 7_924


def test_odd_cents_go_to_the_first_instalments() -> None:
    plan = build_plan(100, 3, dt.date(2026, 4, 15))
    assert [i.principal_cents for i in plan.instalments] == [34, 33, 33]
    assert [i.interest_cents for i in plan.instalments] == [0, 0, 0]
    assert plan.down_payment_cents == 0


def test_an_explicit_down_payment_date_moves_off_the_weekend() -> None:
    plan = build_plan(
        50_000,
        2,
        dt.date(2026, 5, 15),
        down_payment_cents=5_000,
        down_payment_due=dt.date(2026, 4, 25),  # a Saturday
    )
    assert plan.instalments[0] == Instalment(0, dt.date(2026, 4, 27), 5_000, 0)


def test_a_holiday_calendar_can_be_passed_in() -> None:
    easter_monday = dt.date(2026, 4, 6)

    def working(day: dt.date) -> bool:
        return is_weekday(day) and day != easter_monday

    plan = build_plan(20_000, 2, dt.date(2026, 4, 4), is_working_day=working)  # Saturday
    assert [i.due_date for i in plan.instalments] == [dt.date(2026, 4, 7), dt.date(2026, 5, 4)]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 2, dt.date(2026, 3, 31)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 15), -1, dt.date(2025, 12, 15)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 3, 13), dt.date(2026, 3, 13)),  # Friday
        (dt.date(2026, 3, 14), dt.date(2026, 3, 16)),  # Saturday
        (dt.date(2026, 3, 15), dt.date(2026, 3, 16)),  # Sunday
    ],
)
def test_weekends_move_to_monday(day: dt.date, expected: dt.date) -> None:
    assert next_working_day(day) == expected


def test_a_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(ValidationError, match="no working day in the 31 days from 2026-03-14"):
        next_working_day(dt.date(2026, 3, 14), lambda day: False)


def test_split_cents_largest_remainder() -> None:
    weights = [Decimal(1), Decimal(2), Decimal(3)]
    # exact 16.67, 33.33, 50: the cent left goes to the first, which lost 0.67
    assert split_cents(100, weights) == (17, 33, 50)
    assert split_cents(0, [Decimal(0), Decimal(0)]) == (0, 0)
    assert split_cents(5, [Decimal(1)] * 3) == (2, 2, 1)
    with pytest.raises(ValidationError, match="cannot split 5 cents over zero weights"):
        split_cents(5, [Decimal(0)])
    with pytest.raises(ValidationError, match="cannot split a negative amount"):
        split_cents(-1, [Decimal(1)])
    with pytest.raises(ValidationError, match="weights cannot be negative"):
        split_cents(1, [Decimal(-1), Decimal(2)])


# -- interest -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utility", "instalments", "rate"),
    [
        (Utility.WATER, 12, Decimal(0)),
        (Utility.WATER, 24, Decimal(0)),
        (Utility.WATER, 11, Decimal("5.65")),
        (Utility.ELECTRICITY, 24, Decimal("5.65")),
        (Utility.GAS, 2, Decimal("5.65")),
    ],
)
def test_late_interest_rate_and_the_water_exception(
    utility: Utility, instalments: int, rate: Decimal
) -> None:
    terms = InterestTerms(ecb_rate=Decimal("2.15"))
    assert terms.annual_rate(utility, instalments) == rate


def test_interest_terms_are_data() -> None:
    terms = InterestTerms(ecb_rate=Decimal("2.15"), spread=Decimal(0), interest_free={})
    assert terms.annual_rate(Utility.WATER, 36) == Decimal("2.15")
    with pytest.raises(ValidationError, match="plan rate cannot be negative"):
        InterestTerms(ecb_rate=Decimal("-4"))
    with pytest.raises(ValidationError, match="Decimal percentages"):
        InterestTerms(ecb_rate=2.15)  # type: ignore[arg-type]


def test_a_water_plan_of_twelve_months_costs_no_interest() -> None:
    terms = InterestTerms(ecb_rate=Decimal("2.15"))
    rate = terms.annual_rate(Utility.WATER, 12)
    plan = build_plan(36_000, 12, dt.date(2026, 6, 10), annual_rate=rate)
    assert plan.interest_cents == 0
    assert plan.total_cents == 36_000


# -- mandatory instalments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bill", "average", "domestic", "applies"),
    [
        (15_000, 10_000, True, False),  # exactly 150%: not above
        (15_001, 10_000, True, True),
        (25_000, 10_000, False, False),  # exactly 250%
        (25_001, 10_000, False, True),
        (20_000, 10_000, False, False),
        (5_000, 1_000, True, False),  # €50 is not above €50
        (5_001, 1_000, True, True),
        (90_000, None, True, False),  # no estimated bills to reconcile
    ],
)
def test_mandatory_instalments(
    bill: int, average: int | None, domestic: bool, applies: bool
) -> None:
    assert MandatoryInstalments().applies(bill, average, domestic) is applies


def test_mandatory_plans_have_at_least_two_instalments() -> None:
    rule = MandatoryInstalments()
    assert not rule.allows(1)
    assert rule.allows(2)


# -- breach -------------------------------------------------------------------------------------

PLAN = build_plan(30_000, 3, dt.date(2026, 3, 10), down_payment_cents=3_000)
# instalments: 0 due 2026-02-10 (3,000); 1..3 due 10 Mar, 10 Apr, 11 May (9,000 each)
PAID_UP_TO_1 = {0: 3_000, 1: 9_000}


def test_plan_instalments_for_the_breach_tests() -> None:
    assert [(i.number, i.due_date, i.amount_cents) for i in PLAN.instalments] == [
        (0, dt.date(2026, 2, 10), 3_000),
        (1, dt.date(2026, 3, 10), 9_000),
        (2, dt.date(2026, 4, 10), 9_000),
        (3, dt.date(2026, 5, 11), 9_000),  # 10 May 2026 is a Sunday
    ]


def test_last_day_of_grace_holds_the_day_after_breaks() -> None:
    assert not plan_breach(PLAN, PAID_UP_TO_1, dt.date(2026, 4, 15), grace_days=5)
    assert plan_breach(PLAN, PAID_UP_TO_1, dt.date(2026, 4, 16), grace_days=5)
    breach = first_breach(PLAN, PAID_UP_TO_1, dt.date(2026, 4, 16), grace_days=5)
    assert breach is not None
    assert breach.number == 2


def test_without_grace_the_day_after_the_due_date_breaks() -> None:
    assert not plan_breach(PLAN, PAID_UP_TO_1, dt.date(2026, 4, 10), grace_days=0)
    assert plan_breach(PLAN, PAID_UP_TO_1, dt.date(2026, 4, 11), grace_days=0)


def test_grace_runs_from_the_moved_due_date() -> None:
    paid = {**PAID_UP_TO_1, 2: 9_000}
    assert not plan_breach(PLAN, paid, dt.date(2026, 5, 11), grace_days=0)  # not 10 May
    assert plan_breach(PLAN, paid, dt.date(2026, 5, 12), grace_days=0)


def test_a_short_instalment_breaks_a_full_one_does_not() -> None:
    as_of = dt.date(2026, 4, 30)
    assert plan_breach(PLAN, {0: 3_000, 1: 9_000, 2: 8_999}, as_of, grace_days=5)
    assert not plan_breach(PLAN, {0: 3_000, 1: 9_000, 2: 9_000}, as_of, grace_days=5)
    assert not plan_breach(PLAN, {0: 3_000, 1: 9_000, 2: 9_500}, as_of, grace_days=5)


def test_an_unpaid_down_payment_breaks_the_plan_first() -> None:
    breach = first_breach(PLAN, {1: 9_000}, dt.date(2026, 3, 20), grace_days=5)
    assert breach is not None
    assert breach.number == 0


def test_breach_refuses_unknown_instalments_and_negative_amounts() -> None:
    as_of = dt.date(2026, 3, 1)
    with pytest.raises(ValidationError, match="no instalment 7"):
        plan_breach(PLAN, {7: 100}, as_of, grace_days=0)
    with pytest.raises(ValidationError, match="instalment 1: paid cents negative"):
        plan_breach(PLAN, {1: -1}, as_of, grace_days=0)
    with pytest.raises(ValidationError, match="grace days cannot be negative"):
        plan_breach(PLAN, {}, as_of, grace_days=-1)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 3), {}, "debt must be positive, not 0 cents"),
        ((10_000, 0), {}, "instalments must be 1..120, not 0"),
        ((10_000, MAX_INSTALMENTS + 1), {}, "instalments must be 1..120, not 121"),
        ((10_000, 3), {"down_payment_cents": 10_000}, "down payment must be 0 up to less"),
        ((10_000, 3), {"down_payment_cents": -1}, "down payment must be 0 up to less"),
        ((10_000, 3), {"annual_rate": Decimal("-0.1")}, "rate must be a Decimal >= 0"),
        ((10_000, 3), {"annual_rate": 5.65}, "rate must be a Decimal >= 0"),
        ((2, 3), {}, "2 cents cannot make 3 instalments"),
        (
            (10_000, 3),
            {"down_payment_cents": 1_000, "down_payment_due": dt.date(2026, 3, 11)},
            "down payment due 2026-03-11 after the first instalment",
        ),
    ],
)
def test_build_refuses_nonsense(
    args: tuple[int, int], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        build_plan(*args, dt.date(2026, 3, 10), **kwargs)  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------------------------


@st.composite
def plans(draw: st.DrawFn) -> tuple[int, int, int, Decimal, dt.date]:
    instalments = draw(st.integers(1, MAX_INSTALMENTS))
    debt = draw(st.integers(instalments, 50_000_000))
    down = draw(st.integers(0, debt - instalments))
    rate = draw(st.decimals(0, 20, places=3))
    first = draw(st.dates(dt.date(2024, 1, 1), dt.date(2035, 12, 31)))
    return debt, instalments, down, rate, first


@given(plans())
def test_a_plan_always_sums_exactly(case: tuple[int, int, int, Decimal, dt.date]) -> None:
    debt, instalments, down, rate, first = case
    plan = build_plan(debt, instalments, first, down_payment_cents=down, annual_rate=rate)
    monthly = [i for i in plan.instalments if i.number > 0]
    assert sum(i.principal_cents for i in plan.instalments) == debt
    assert len(monthly) == instalments
    assert max(i.principal_cents for i in monthly) - min(i.principal_cents for i in monthly) <= 1
    exact = sum(
        (
            Decimal(debt - down - sum(m.principal_cents for m in monthly[:k])) * rate / 1200
            for k in range(instalments)
        ),
        Decimal(0),
    )
    assert abs(plan.interest_cents - exact) <= Decimal("0.5")
    interest = [i.interest_cents for i in monthly]
    assert interest == sorted(interest, reverse=True)  # less owed, less interest
    assert plan.total_cents == debt + plan.interest_cents
    dates = [i.due_date for i in plan.instalments]
    assert all(is_weekday(d) for d in dates)
    assert dates == sorted(dates)
    assert len(set(dates)) == len(dates)
