"""The TARGET2 (T2) calendar and the SDD presentation deadlines built on it.

Inter-bank business days of the SDD rulebooks are TARGET days: every day but Saturdays,
Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December (ECB closing days,
unchanged since 2000; 31 December was also closed in 1998, 1999 and 2001). Hand-written rather
than taken from the ``holidays`` package: six rules and the Gregorian computus are shorter
than a dependency, and the test suite cross-checks them against it when it is installed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from riscossa.domain.italian_calendar import easter_sunday  # one computus for both calendars
from riscossa.domain.mandates import Scheme

ONE_DAY = dt.timedelta(days=1)

# Inter-bank business days before the due date by which the creditor bank must have sent the
# collection to the debtor bank. 2023 Core rulebook: D-1 for every sequence type (D-5 for
# FRST/OOFF was dropped in November 2016); 2023 B2B rulebook: D-1.
PRESENTATION_LEAD_DAYS: dict[Scheme, int] = {Scheme.CORE: 1, Scheme.B2B: 1}

# Calendar days before the due date from which the creditor bank may send a collection
# (both rulebooks: at the earliest 14 calendar days before the due date).
MAX_ADVANCE_DAYS = 14

# Calendar days before the due date by which the creditor pre-notifies the debtor, unless
# the two agreed on another period (Core and B2B rulebooks, pre-notification).
PRENOTIFICATION_DAYS = 14


@cache
def closing_days(year: int) -> frozenset[dt.date]:
    """The TARGET closing days of a year that are not Saturdays or Sundays by rule."""
    days = {dt.date(year, 1, 1), dt.date(year, 12, 25)}
    if year >= 2000:
        easter = easter_sunday(year)
        days |= {
            easter - 2 * ONE_DAY,
            easter + ONE_DAY,
            dt.date(year, 5, 1),
            dt.date(year, 12, 26),
        }
    if year in (1998, 1999, 2001):
        days.add(dt.date(year, 12, 31))
    return frozenset(days)


def is_business_day(day: dt.date) -> bool:
    """Whether TARGET settles on this day."""
    return day.weekday() < 5 and day not in closing_days(day.year)


def next_business_day(day: dt.date) -> dt.date:
    """The first business day strictly after ``day``."""
    day += ONE_DAY
    while not is_business_day(day):
        day += ONE_DAY
    return day


def previous_business_day(day: dt.date) -> dt.date:
    """The last business day strictly before ``day``."""
    day -= ONE_DAY
    while not is_business_day(day):
        day -= ONE_DAY
    return day


def roll_forward(day: dt.date) -> dt.date:
    """``day`` if a business day, else the next one."""
    return day if is_business_day(day) else next_business_day(day)


def add_business_days(day: dt.date, n: int) -> dt.date:
    """``n`` business days after ``day`` (before it when negative); ``day`` itself when 0."""
    step = next_business_day if n > 0 else previous_business_day
    for _ in range(abs(n)):
        day = step(day)
    return day


def settlement_date(collection_date: dt.date) -> dt.date:
    """The day a collection settles: its due date, or the next business day when the due
    date is not one (rulebooks: settlement on the first following inter-bank business day)."""
    return roll_forward(collection_date)


def presentation_date(collection_date: dt.date, scheme: Scheme = Scheme.CORE) -> dt.date:
    """The last day the creditor bank may send the collection to the debtor bank: D-1
    inter-bank business day for Core (all sequence types) and for B2B (2023 rulebooks)."""
    return add_business_days(settlement_date(collection_date), -PRESENTATION_LEAD_DAYS[scheme])


def earliest_presentation_date(collection_date: dt.date) -> dt.date:
    """The first day the creditor bank may send the collection: 14 calendar days before."""
    return collection_date - dt.timedelta(days=MAX_ADVANCE_DAYS)


def latest_prenotification_date(
    collection_date: dt.date, days: int = PRENOTIFICATION_DAYS
) -> dt.date:
    """The last day to pre-notify the debtor: 14 calendar days unless agreed otherwise."""
    return collection_date - dt.timedelta(days=days)


@dataclass(frozen=True, slots=True)
class CutOff:
    """The creditor bank's own deadline for a collection file, on top of the rulebook's.

    ``lead_days``: business days the bank wants before the inter-bank presentation date;
    ``time``: the hour on a business day after which a file counts as received the next
    business day (local time of the bank; None when the bank takes files all day).
    """

    lead_days: int = 0
    time: dt.time | None = None

    def __post_init__(self) -> None:
        if self.lead_days < 0:
            raise ValueError(f"cut-off lead days must not be negative, got {self.lead_days}")


NO_CUT_OFF = CutOff()


def submission_day(now: dt.datetime | dt.date, cut_off: CutOff = NO_CUT_OFF) -> dt.date:
    """The business day a file handed to the bank at ``now`` counts as received.

    A bare date means before the cut-off time.
    """
    if isinstance(now, dt.datetime):
        day, late = now.date(), cut_off.time is not None and now.time() >= cut_off.time
    else:
        day, late = now, False
    if is_business_day(day) and not late:
        return day
    return next_business_day(day)


def latest_submission_date(
    collection_date: dt.date, scheme: Scheme = Scheme.CORE, cut_off: CutOff = NO_CUT_OFF
) -> dt.date:
    """The last day the creditor may hand the file to its bank for this due date."""
    return add_business_days(presentation_date(collection_date, scheme), -cut_off.lead_days)


def earliest_collection_date(
    now: dt.datetime | dt.date, scheme: Scheme = Scheme.CORE, cut_off: CutOff = NO_CUT_OFF
) -> dt.date:
    """The first business day a file submitted at ``now`` may ask to be debited on."""
    lead = PRESENTATION_LEAD_DAYS[scheme] + cut_off.lead_days
    return add_business_days(submission_day(now, cut_off), lead)


def latest_collection_date(now: dt.datetime | dt.date, cut_off: CutOff = NO_CUT_OFF) -> dt.date:
    """The last business day a file submitted at ``now`` may ask to be debited on: the bank
    may send it no earlier than 14 calendar days before the due date."""
    last = submission_day(now, cut_off) + dt.timedelta(days=MAX_ADVANCE_DAYS)
    return last if is_business_day(last) else previous_business_day(last)


def is_valid_collection_date(
    collection_date: dt.date,
    now: dt.datetime | dt.date,
    scheme: Scheme = Scheme.CORE,
    cut_off: CutOff = NO_CUT_OFF,
) -> bool:
    """A business day within the window a file submitted at ``now`` can reach."""
    earliest = earliest_collection_date(now, scheme, cut_off)
    latest = latest_collection_date(now, cut_off)
    return is_business_day(collection_date) and earliest <= collection_date <= latest
