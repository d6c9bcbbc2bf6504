"""The Italian calendar that regulatory clocks count in: holidays, pre-holidays, working days.

National holidays are those of L. 260/1949 art. 2 as amended (L. 54/1977, DPR 792/1985,
L. 336/2000, L. 151/2025); Easter is computed here so the domain needs no holiday package.
Every Sunday is a holiday (L. 260/1949 art. 2), so a Saturday is always a pre-holiday.
Local patron saints' days (Rome 29 June, Milan 7 December, ...) are not national: pass them
as ``extra_holidays`` to a calendar of one's own. The TARGET2 calendar for SEPA dates is a
different thing and does not live here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from riscossa.domain.errors import ValidationError

FIRST_YEAR = 1986
"""Epiphany is a holiday again from 1986 (DPR 792/1985); earlier calendars are not kept."""

SUNDAY = 6
SATURDAY = 5
# Generous bound for searches: the longest run of non-working days is a few days at Christmas.
_SEARCH_DAYS = 60


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter by the anonymous algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@cache
def public_holidays(year: int) -> Mapping[dt.date, str]:
    """The named national holidays of a year (Sundays aside), date → Italian name."""
    if year < FIRST_YEAR:
        raise ValidationError(f"the Italian calendar is kept from {FIRST_YEAR}, not {year}")
    easter = easter_sunday(year)
    named = [
        (dt.date(year, 1, 1), "Capodanno"),
        (dt.date(year, 1, 6), "Epifania"),
        (easter, "Pasqua"),
        (easter + dt.timedelta(days=1), "Lunedì dell'Angelo"),
        (dt.date(year, 4, 25), "Festa della Liberazione"),
        (dt.date(year, 5, 1), "Festa del Lavoro"),
        (dt.date(year, 8, 15), "Assunzione"),
        (dt.date(year, 11, 1), "Ognissanti"),
        (dt.date(year, 12, 8), "Immacolata Concezione"),
        (dt.date(year, 12, 25), "Natale"),
        (dt.date(year, 12, 26), "Santo Stefano"),
    ]
    if year >= 2001:  # L. 336/2000 moved the Republic's day back from June's first Sunday
        named.append((dt.date(year, 6, 2), "Festa della Repubblica"))
    if year >= 2026:  # L. 151/2025, in force 1 January 2026
        named.append((dt.date(year, 10, 4), "San Francesco d'Assisi"))
    if year == 2011:  # L. 222/2010: 150 years of the unification, that year only
        named.append((dt.date(2011, 3, 17), "150° dell'Unità d'Italia"))
    days: dict[dt.date, str] = {}
    for day, name in named:  # Easter can fall on 25 April (2038), Easter Monday too (2011)
        days[day] = f"{days[day]}; {name}" if day in days else name
    return MappingProxyType(dict(sorted(days.items())))


@dataclass(frozen=True, slots=True)
class ItalianCalendar:
    """National holidays plus ``extra_holidays`` (a patron saint, a one-off closure)."""

    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def holiday_name(self, day: dt.date) -> str | None:
        """Why ``day`` is a holiday (a national holiday's name, "domenica"), or None."""
        name = public_holidays(day.year).get(day)
        if name is not None:
            return name
        if day in self.extra_holidays:
            return "festività locale"
        return "domenica" if day.weekday() == SUNDAY else None

    def is_holiday(self, day: dt.date) -> bool:
        return self.holiday_name(day) is not None

    def is_pre_holiday(self, day: dt.date) -> bool:
        """The day before a holiday (prefestivo); Saturdays always are."""
        return self.is_holiday(day + dt.timedelta(days=1))

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday, not a holiday."""
        return day.weekday() < SATURDAY and not self.is_holiday(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_working_days(day, 1)

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day``; ``day`` itself is never counted
        (art. 2963 c.c.), and 0 gives ``day`` back."""
        if count < 0:
            raise ValidationError(f"working days to add must not be negative, got {count}")
        current = day
        for _ in range(count):
            current += dt.timedelta(days=1)
            for _ in range(_SEARCH_DAYS):
                if self.is_working_day(current):
                    break
                current += dt.timedelta(days=1)
            else:  # pragma: no cover - needs two months of holidays in a row
                raise ValidationError(f"no working day within {_SEARCH_DAYS} days of {current}")
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``start < day <= end`` (0 when ``end <= start``)."""
        count = 0
        current = start + dt.timedelta(days=1)
        while current <= end:
            if self.is_working_day(current):
                count += 1
            current += dt.timedelta(days=1)
        return count


ITALY = ItalianCalendar()
"""National holidays only: what the regulatory clocks use unless told otherwise."""
