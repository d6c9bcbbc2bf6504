"""TARGET2 calendar and SDD deadlines: known dates, an independent Easter, brute-force windows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.banking.target2 import (
    MAX_ADVANCE_DAYS,
    CutOff,
    add_business_days,
    closing_days,
    earliest_collection_date,
    earliest_presentation_date,
    easter_sunday,
    is_business_day,
    is_valid_collection_date,
    latest_collection_date,
    latest_prenotification_date,
    latest_submission_date,
    next_business_day,
    presentation_date,
    previous_business_day,
    roll_forward,
    settlement_date,
    submission_day,
)
from riscossa.domain.mandates import Scheme

D = dt.date
days = st.dates(min_value=D(2002, 1, 1), max_value=D(2099, 12, 31))


def gauss_easter(year: int) -> dt.date:
    """Gauss's Easter algorithm with the Gregorian corrections: a different computation."""
    a, b, c = year % 19, year % 4, year % 7
    k = year // 100
    p = (13 + 8 * k) // 25
    q = k // 4
    m = (15 - p + k - q) % 30
    n = (4 + k - q) % 7
    d = (19 * a + m) % 30
    e = (2 * b + 4 * c + 6 * d + n) % 7
    if d == 29 and e == 6:
        return D(year, 4, 19)
    if d == 28 and e == 6 and (11 * m + 11) % 30 < 19:
        return D(year, 4, 18)
    return D(year, 3, 22) + dt.timedelta(days=d + e)


@pytest.mark.parametrize(
    "easter",
    [D(2000, 4, 23), D(2008, 3, 23), D(2011, 4, 24), D(2019, 4, 21), D(2024, 3, 31),
     D(2025, 4, 20), D(2026, 4, 5), D(2038, 4, 25), D(2285, 3, 22)],
)  # fmt: skip
def test_easter_known_dates(easter: dt.date) -> None:
    assert easter_sunday(easter.year) == easter


def test_easter_agrees_with_gauss() -> None:
    for year in range(1583, 4100):
        assert easter_sunday(year) == gauss_easter(year), year
        assert easter_sunday(year).weekday() == 6


def test_closing_days_2024() -> None:
    assert sorted(closing_days(2024)) == [
        D(2024, 1, 1), D(2024, 3, 29), D(2024, 4, 1), D(2024, 5, 1), D(2024, 12, 25),
        D(2024, 12, 26),
    ]  # fmt: skip
    assert closing_days(1999) == {D(1999, 1, 1), D(1999, 12, 25), D(1999, 12, 31)}
    assert D(2001, 12, 31) in closing_days(2001)
    assert D(2002, 12, 31) not in closing_days(2002)


def test_business_days() -> None:
    assert is_business_day(D(2024, 3, 28))  # Maundy Thursday
    assert not is_business_day(D(2024, 3, 29))  # Good Friday
    assert not is_business_day(D(2024, 4, 1))  # Easter Monday
    assert not is_business_day(D(2024, 6, 1))  # Saturday
    assert not is_business_day(D(2024, 6, 2))  # Sunday
    assert is_business_day(D(2024, 8, 15))  # Ferragosto: an Italian holiday, not TARGET's
    assert is_business_day(D(2024, 12, 31))
    assert next_business_day(D(2024, 3, 28)) == D(2024, 4, 2)
    assert previous_business_day(D(2024, 4, 2)) == D(2024, 3, 28)
    assert next_business_day(D(2024, 12, 24)) == D(2024, 12, 27)
    assert roll_forward(D(2024, 6, 3)) == D(2024, 6, 3)
    assert roll_forward(D(2024, 6, 1)) == D(2024, 6, 3)


def test_add_business_days() -> None:
    assert add_business_days(D(2024, 6, 1), 0) == D(2024, 6, 1)
    assert add_business_days(D(2024, 3, 27), 2) == D(2024, 4, 2)
    assert add_business_days(D(2024, 4, 2), -2) == D(2024, 3, 27)
    assert add_business_days(D(2024, 12, 23), 3) == D(2024, 12, 30)


@given(days, st.integers(min_value=-300, max_value=300))
def test_add_business_days_counts_business_days(start: dt.date, n: int) -> None:
    end = add_business_days(start, n)
    # Business days counted: (start, end] going forward, [end, start) going back.
    low, high = sorted((start, end))
    shift = 1 if n > 0 else 0
    between = [low + dt.timedelta(days=i + shift) for i in range((high - low).days)]
    if n:
        assert is_business_day(end)
        count = sum(map(is_business_day, between))
        assert count == abs(n)
    else:
        assert end == start
    if is_business_day(start):
        assert add_business_days(end, -n) == start


def test_presentation_is_one_business_day_before_for_both_schemes() -> None:
    # Due Tuesday after Easter: the bank must have sent it by Maundy Thursday.
    assert presentation_date(D(2024, 4, 2)) == D(2024, 3, 28)
    assert presentation_date(D(2024, 4, 2), Scheme.B2B) == D(2024, 3, 28)
    assert presentation_date(D(2025, 1, 2)) == D(2024, 12, 31)
    assert presentation_date(D(2024, 12, 27)) == D(2024, 12, 24)
    # A due date on Saturday settles on Monday; presentation the Friday before.
    assert settlement_date(D(2024, 6, 1)) == D(2024, 6, 3)
    assert presentation_date(D(2024, 6, 1)) == D(2024, 5, 31)


def test_calendar_day_limits() -> None:
    assert earliest_presentation_date(D(2024, 6, 20)) == D(2024, 6, 6)
    assert latest_prenotification_date(D(2024, 6, 20)) == D(2024, 6, 6)
    assert latest_prenotification_date(D(2024, 6, 20), days=2) == D(2024, 6, 18)


def test_submission_day_and_cut_off() -> None:
    three_pm = CutOff(time=dt.time(15, 0))
    assert submission_day(D(2024, 6, 3)) == D(2024, 6, 3)
    assert submission_day(dt.datetime(2024, 6, 3, 14, 59), three_pm) == D(2024, 6, 3)
    assert submission_day(dt.datetime(2024, 6, 3, 15, 0), three_pm) == D(2024, 6, 4)
    assert submission_day(dt.datetime(2024, 6, 1, 9, 0), three_pm) == D(2024, 6, 3)
    assert submission_day(dt.datetime(2024, 6, 3, 23, 0)) == D(2024, 6, 3)  # no time limit
    with pytest.raises(ValueError):
        CutOff(lead_days=-1)


def test_collection_window() -> None:
    monday = D(2024, 6, 3)
    assert earliest_collection_date(monday) == D(2024, 6, 4)
    late = dt.datetime(2024, 6, 3, 16, 0)
    bank = CutOff(lead_days=2, time=dt.time(15, 0))
    # Received Tuesday; the bank wants 2 days before the Thursday presentation: Friday.
    assert earliest_collection_date(late, Scheme.CORE, bank) == D(2024, 6, 7)
    assert latest_submission_date(D(2024, 6, 7), Scheme.CORE, bank) == D(2024, 6, 4)
    assert latest_collection_date(monday) == D(2024, 6, 17)
    assert latest_collection_date(D(2024, 6, 5)) == D(2024, 6, 19)
    assert latest_collection_date(D(2024, 6, 6)) == D(2024, 6, 20)
    assert latest_collection_date(D(2024, 6, 8)) == D(2024, 6, 24)  # Saturday: from Monday
    assert is_valid_collection_date(D(2024, 6, 4), monday)
    assert not is_valid_collection_date(D(2024, 6, 3), monday)
    assert not is_valid_collection_date(D(2024, 6, 8), monday)  # Saturday
    assert not is_valid_collection_date(D(2024, 6, 18), monday)


@given(
    days,
    st.times(),
    st.integers(min_value=0, max_value=5),
    st.one_of(st.none(), st.times()),
    st.sampled_from(Scheme),
)
def test_earliest_collection_date_is_the_first_that_meets_the_deadline(
    day: dt.date, at: dt.time, lead: int, limit: dt.time | None, scheme: Scheme
) -> None:
    now = dt.datetime.combine(day, at)
    cut_off = CutOff(lead_days=lead, time=limit)
    received = submission_day(now, cut_off)
    earliest = earliest_collection_date(now, scheme, cut_off)
    assert is_business_day(earliest)
    assert latest_submission_date(earliest, scheme, cut_off) >= received
    candidate = received
    while candidate < earliest:
        assert not is_business_day(candidate) or (
            latest_submission_date(candidate, scheme, cut_off) < received
        )
        candidate += dt.timedelta(days=1)
    latest = latest_collection_date(now, cut_off)
    assert earliest_presentation_date(latest) <= received
    assert (latest - received).days <= MAX_ADVANCE_DAYS


def test_agrees_with_the_holidays_package() -> None:
    holidays = pytest.importorskip("holidays")
    years = range(2000, 2051)
    calendar = None
    for market in ("XECB", "ECB", "TAR"):
        try:
            calendar = holidays.financial_holidays(market, years=years)
            break
        except (NotImplementedError, KeyError, AttributeError):
            continue
    if calendar is None:
        pytest.skip("this holidays release has no ECB/TARGET calendar")
    theirs = {day for day in calendar if day.weekday() < 5}
    ours = {day for year in years for day in closing_days(year) if day.weekday() < 5}
    assert ours == theirs
