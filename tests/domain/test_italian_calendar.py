"""The Italian calendar: Easter, national holidays, pre-holidays and working days."""

from __future__ import annotations

import datetime as dt

import pytest

from riscossa.domain.errors import ValidationError
from riscossa.domain.italian_calendar import (
    FIRST_YEAR,
    ITALY,
    ItalianCalendar,
    easter_sunday,
    public_holidays,
)

D = dt.date


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1943, D(1943, 4, 25)),  # the latest possible
        (2000, D(2000, 4, 23)),
        (2008, D(2008, 3, 23)),
        (2011, D(2011, 4, 24)),
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2038, D(2038, 4, 25)),
        (2285, D(2285, 3, 22)),  # the earliest possible
    ],
)
def test_easter_sunday(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


def test_public_holidays_2026() -> None:
    assert list(public_holidays(2026)) == [
        D(2026, 1, 1),
        D(2026, 1, 6),
        D(2026, 4, 5),
        D(2026, 4, 6),
        D(2026, 4, 25),
        D(2026, 5, 1),
        D(2026, 6, 2),
        D(2026, 8, 15),
        D(2026, 10, 4),
        D(2026, 11, 1),
        D(2026, 12, 8),
        D(2026, 12, 25),
        D(2026, 12, 26),
    ]
    assert public_holidays(2026)[D(2026, 4, 6)] == "Lunedì dell'Angelo"


def test_holidays_that_came_and_went() -> None:
    assert D(2000, 6, 2) not in public_holidays(2000)  # first Sunday of June until 2000
    assert D(2001, 6, 2) in public_holidays(2001)
    assert D(2025, 10, 4) not in public_holidays(2025)  # San Francesco from 2026
    assert D(2027, 10, 4) in public_holidays(2027)
    assert D(2011, 3, 17) in public_holidays(2011)
    assert D(2012, 3, 17) not in public_holidays(2012)
    assert D(1986, 1, 6) in public_holidays(1986)


def test_shared_days_keep_both_names() -> None:
    assert public_holidays(2038)[D(2038, 4, 25)] == "Pasqua; Festa della Liberazione"
    assert public_holidays(2011)[D(2011, 4, 25)] == "Lunedì dell'Angelo; Festa della Liberazione"


def test_years_before_the_kept_calendar_are_refused() -> None:
    with pytest.raises(ValidationError, match=f"kept from {FIRST_YEAR}, not 1985"):
        public_holidays(1985)
    with pytest.raises(ValidationError, match="not 1980"):
        ITALY.is_working_day(D(1980, 5, 5))


@pytest.mark.parametrize(
    ("day", "holiday", "pre_holiday", "working"),
    [
        (D(2026, 4, 2), False, False, True),  # Thursday before Easter: Good Friday is worked
        (D(2026, 4, 3), False, False, True),  # Good Friday
        (D(2026, 4, 4), False, True, False),  # Saturday: Sunday follows
        (D(2026, 4, 5), True, True, False),  # Easter, and the eve of Easter Monday
        (D(2026, 4, 6), True, False, False),  # Easter Monday
        (D(2026, 4, 7), False, False, True),
        (D(2026, 4, 24), False, True, True),  # Friday before 25 April (a Saturday)
        (D(2026, 4, 30), False, True, True),  # before 1 May
        (D(2026, 5, 1), True, False, False),
        (D(2026, 6, 1), False, True, True),  # Monday before 2 June
        (D(2026, 6, 2), True, False, False),
        (D(2026, 8, 14), False, True, True),
        (D(2026, 8, 15), True, True, False),  # a Saturday holiday, and Sunday follows
        (D(2026, 12, 7), False, True, True),  # before the Immacolata
        (D(2026, 12, 8), True, False, False),
        (D(2026, 12, 24), False, True, True),
        (D(2026, 12, 31), False, True, True),
        (D(2027, 1, 5), False, True, True),  # before Epiphany
        (D(2027, 10, 4), True, False, False),  # San Francesco on a Monday
        (D(2027, 10, 3), True, True, False),  # Sunday before it
    ],
)
def test_holiday_pre_holiday_working(
    day: dt.date, holiday: bool, pre_holiday: bool, working: bool
) -> None:
    assert ITALY.is_holiday(day) is holiday
    assert ITALY.is_pre_holiday(day) is pre_holiday
    assert ITALY.is_working_day(day) is working


def test_sundays_are_holidays_by_name() -> None:
    assert ITALY.holiday_name(D(2026, 3, 22)) == "domenica"
    assert ITALY.holiday_name(D(2026, 3, 21)) is None
    assert ITALY.holiday_name(D(2026, 12, 25)) == "Natale"


def test_add_working_days_skips_easter_and_christmas() -> None:
    assert ITALY.add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 3)
    assert ITALY.add_working_days(D(2026, 4, 2), 2) == D(2026, 4, 7)
    assert ITALY.add_working_days(D(2026, 4, 2), 3) == D(2026, 4, 8)
    assert ITALY.add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 24)
    assert ITALY.add_working_days(D(2026, 12, 23), 2) == D(2026, 12, 28)
    assert ITALY.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert ITALY.add_working_days(D(2026, 3, 22), 0) == D(2026, 3, 22)  # day itself, a Sunday
    with pytest.raises(ValidationError, match="must not be negative, got -1"):
        ITALY.add_working_days(D(2026, 3, 22), -1)


def test_next_working_day_and_on_or_after() -> None:
    assert ITALY.next_working_day(D(2026, 7, 31)) == D(2026, 8, 3)  # Friday → Monday
    assert ITALY.next_working_day(D(2026, 7, 30)) == D(2026, 7, 31)
    assert ITALY.working_day_on_or_after(D(2026, 7, 31)) == D(2026, 7, 31)
    assert ITALY.working_day_on_or_after(D(2026, 8, 1)) == D(2026, 8, 3)
    assert ITALY.working_day_on_or_after(D(2026, 4, 4)) == D(2026, 4, 7)


def test_working_days_between() -> None:
    assert ITALY.working_days_between(D(2026, 4, 2), D(2026, 4, 7)) == 2
    assert ITALY.working_days_between(D(2026, 4, 2), D(2026, 4, 6)) == 1
    assert ITALY.working_days_between(D(2026, 3, 2), D(2026, 3, 31)) == 21
    assert ITALY.working_days_between(D(2026, 3, 5), D(2026, 3, 5)) == 0
    assert ITALY.working_days_between(D(2026, 3, 6), D(2026, 3, 5)) == 0


def test_local_patron_saint_as_extra_holiday() -> None:
    milan = ItalianCalendar(extra_holidays=frozenset({D(2026, 12, 7)}))  # Sant'Ambrogio
    assert ITALY.is_working_day(D(2026, 12, 7))
    assert not milan.is_working_day(D(2026, 12, 7))
    assert milan.holiday_name(D(2026, 12, 7)) == "festività locale"
    assert milan.is_pre_holiday(D(2026, 12, 6))
    assert milan.add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 9)
    assert ITALY.add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 7)


def test_matches_the_holidays_package() -> None:
    """The package names the same days, Sundays aside (it also lists 4 November on the first
    Sunday of November, which is a holiday here as any Sunday)."""
    holidays = pytest.importorskip("holidays")
    for year in range(FIRST_YEAR, 2080):
        reference = holidays.Italy(years=year)
        theirs = {day for day in reference if day.weekday() != 6}
        ours = {day for day in public_holidays(year) if day.weekday() != 6}
        assert ours == theirs, year
        easter = [day for day, name in reference.items() if "Easter Sunday" in name]
        assert easter == [easter_sunday(year)], year
