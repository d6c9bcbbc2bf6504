"""Italian regulatory clocks for arrears: when a notice's deadline falls, when supply may be
reduced or suspended, what is time-barred, what late interest is owed.

The figures are dated settings (riscossa/policies/regulatory.toml, parsed here by
parse_regulatory_settings) because ARERA and the legislator change them: each rule picks the
value in force on its own reference date. The functions only count; whether a customer is in
arrears, what they owe and which notice was sent come from the ledger and the contact log.
Every answer errs on the customer's side where the text leaves room, and the docstring says
how.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Generic, TypeVar

from riscossa.domain.contracts import Utility
from riscossa.domain.errors import ValidationError
from riscossa.domain.italian_calendar import ITALY, ItalianCalendar
from riscossa.domain.sdd_policy import PolicyError, PolicyProblem

T = TypeVar("T")
DAYS_PER_YEAR = 365  # "in ragione d'anno": civil year of 365 days, leap years included


class NoticeChannel(StrEnum):
    RACCOMANDATA = "raccomandata"
    RACCOMANDATA_AR = "raccomandata_ar"
    """With return receipt (avviso di ricevimento): proves dispatch and delivery."""
    PEC = "pec"


class Supply(StrEnum):
    ELECTRICITY_LOW_VOLTAGE = "electricity_low_voltage"
    ELECTRICITY_HIGHER_VOLTAGE = "electricity_medium_high_voltage"
    GAS = "gas"
    WATER = "water"
    TELCO = "telco"


ENERGY = frozenset({Supply.ELECTRICITY_LOW_VOLTAGE, Supply.ELECTRICITY_HIGHER_VOLTAGE, Supply.GAS})


def supply_of(utility: Utility, *, low_voltage: bool = True) -> Supply:
    """The regulated supply of a contract's utility; electricity needs its voltage level."""
    if utility is Utility.ELECTRICITY:
        return Supply.ELECTRICITY_LOW_VOLTAGE if low_voltage else Supply.ELECTRICITY_HIGHER_VOLTAGE
    return Supply(utility.value)


class SupplyAction(StrEnum):
    POWER_REDUCTION = "power_reduction"
    """Electricity low voltage: power cut to a percentage of the available power."""
    LIMITATION = "limitation"
    """Water: flow limited to the minimum vital quantity."""
    SUSPENSION = "suspension"


class CustomerClass(StrEnum):
    """The classes the law protects differently (L. 205/2017 names the first three)."""

    CONSUMER = "consumer"
    MICRO_BUSINESS = "micro_business"
    PROFESSIONAL = "professional"
    BUSINESS = "business"
    PUBLIC_ADMINISTRATION = "public_administration"


class Reason(StrEnum):
    """Why a supply action is not allowed; the first five do not pass with time."""

    NON_DISCONNECTABLE = "non_disconnectable"
    WATER_PROTECTED = "water_protected_limitation_only"
    PAYMENT_COMMUNICATED = "payment_communicated"
    BILLING_COMPLAINT = "open_billing_complaint"
    ARREARS_WITHIN_DEPOSIT = "arrears_within_deposit"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    HOLIDAY = "holiday"
    PRE_HOLIDAY = "pre_holiday"


CALENDAR_REASONS = frozenset({Reason.FRIDAY, Reason.SATURDAY, Reason.HOLIDAY, Reason.PRE_HOLIDAY})


# --- dated settings -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dated(Generic[T]):
    """One value of a setting, in force from ``valid_from`` until the next entry's date."""

    valid_from: dt.date
    value: T
    source: str


@dataclass(frozen=True, slots=True)
class Timeline(Generic[T]):
    """The values a setting has taken, oldest first."""

    name: str
    entries: tuple[Dated[T], ...]

    def __post_init__(self) -> None:
        dates = [entry.valid_from for entry in self.entries]
        if not dates or any(a >= b for a, b in itertools.pairwise(dates)):
            raise ValidationError(f"{self.name}: entries must exist and have rising valid_from")

    def entry_at(self, day: dt.date) -> Dated[T] | None:
        """The entry in force on ``day``, or None before the first one."""
        index = bisect.bisect_right([entry.valid_from for entry in self.entries], day)
        return self.entries[index - 1] if index else None

    def at(self, day: dt.date) -> T:
        """The value in force on ``day``; a date before the first entry is an error."""
        entry = self.entry_at(day)
        if entry is None:
            raise ValidationError(
                f"{self.name}: no value in force on {day} (first from {self.entries[0].valid_from})"
            )
        return entry.value

    def changes_within(self, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
        """The valid_from dates falling in ``first < date <= last``."""
        return tuple(e.valid_from for e in self.entries if first < e.valid_from <= last)


@dataclass(frozen=True, slots=True)
class RegulatorySettings:
    """Every figure the rules below use, as a timeline (TOML ``[section] key`` →
    ``section_key``)."""

    version: str
    notice_raccomandata_days: Timeline[int]
    notice_pec_days: Timeline[int]
    notice_unproven_dispatch_days: Timeline[int]
    suspension_working_days_after_deadline: Timeline[int]
    suspension_days_from_notification_low_voltage: Timeline[int]
    suspension_days_from_notification_other: Timeline[int]
    suspension_power_reduction_percent: Timeline[int]
    suspension_days_after_power_reduction: Timeline[int]
    water_reminder_days_after_due: Timeline[int]
    water_days_after_reminder: Timeline[int]
    water_protected_litres_per_resident_day: Timeline[int]
    water_instalment_min_months: Timeline[int]
    telco_notice_days: Timeline[int]
    telco_notice_channels: Timeline[tuple[NoticeChannel, ...]]
    prescription_electricity_years: Timeline[int]
    prescription_gas_years: Timeline[int]
    prescription_water_years: Timeline[int]
    prescription_customer_classes: Timeline[tuple[CustomerClass, ...]]
    payment_term_days: Timeline[int]
    payment_late_interest_spread_points: Timeline[Decimal]
    payment_good_payer_years: Timeline[int]
    payment_good_payer_legal_rate_days: Timeline[int]
    payment_ecb_rate_percent: Timeline[Decimal]
    payment_legal_rate_percent: Timeline[Decimal]
    instalments_domestic_threshold_percent: Timeline[int]
    instalments_non_domestic_threshold_percent: Timeline[int]
    instalments_min_bill_cents: Timeline[int]
    instalments_min_count: Timeline[int]
    timelines: Mapping[str, Timeline[Any]] = field(default_factory=dict, compare=False)
    """The same timelines by their TOML key ("notice.pec_days"), for listing and audit."""

    def in_force_on(self, day: dt.date) -> dict[str, Dated[Any] | None]:
        """Each setting's entry in force on ``day`` (None before its first entry)."""
        return {key: timeline.entry_at(day) for key, timeline in self.timelines.items()}


_Check = Callable[[object, str, list[PolicyProblem]], Any]


def _whole(low: int, high: int) -> _Check:
    def check(value: object, key: str, problems: list[PolicyProblem]) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        problems.append(PolicyProblem(key, f"must be a whole number from {low} to {high}"))
        return None

    return check


def _points(low: str, high: str) -> _Check:
    def check(value: object, key: str, problems: list[PolicyProblem]) -> Decimal | None:
        number: Decimal | None = None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                number = None
        if number is not None and number.is_finite() and Decimal(low) <= number <= Decimal(high):
            return number
        problems.append(PolicyProblem(key, f"must be a decimal number from {low} to {high}"))
        return None

    return check


def _choices(kind: type[StrEnum]) -> _Check:
    known = [member.value for member in kind]

    def check(value: object, key: str, problems: list[PolicyProblem]) -> tuple[Any, ...] | None:
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v in known for v in value)
            and len(set(value)) == len(value)
        ):
            return tuple(kind(v) for v in value)
        problems.append(
            PolicyProblem(key, f"must be a non-empty list of distinct values of {known}")
        )
        return None

    return check


_DAYS = _whole(0, 3650)
_PERCENT = _whole(0, 1000)
_SPEC: dict[str, dict[str, _Check]] = {
    "notice": {"raccomandata_days": _DAYS, "pec_days": _DAYS, "unproven_dispatch_days": _DAYS},
    "suspension": {
        "working_days_after_deadline": _whole(0, 60),
        "days_from_notification_low_voltage": _DAYS,
        "days_from_notification_other": _DAYS,
        "power_reduction_percent": _whole(1, 100),
        "days_after_power_reduction": _DAYS,
    },
    "water": {
        "reminder_days_after_due": _DAYS,
        "days_after_reminder": _DAYS,
        "protected_litres_per_resident_day": _whole(1, 1000),
        "instalment_min_months": _whole(1, 120),
    },
    "telco": {"notice_days": _DAYS, "notice_channels": _choices(NoticeChannel)},
    "prescription": {
        "electricity_years": _whole(1, 10),
        "gas_years": _whole(1, 10),
        "water_years": _whole(1, 10),
        "customer_classes": _choices(CustomerClass),
    },
    "payment": {
        "term_days": _DAYS,
        "late_interest_spread_points": _points("0", "20"),
        "good_payer_years": _whole(0, 10),
        "good_payer_legal_rate_days": _DAYS,
        "ecb_rate_percent": _points("-5", "50"),
        "legal_rate_percent": _points("0", "50"),
    },
    "instalments": {
        "domestic_threshold_percent": _PERCENT,
        "non_domestic_threshold_percent": _PERCENT,
        "min_bill_cents": _whole(0, 100_000_000),
        "min_count": _whole(1, 120),
    },
}
_ENTRY_KEYS = frozenset({"valid_from", "value", "source"})


def parse_regulatory_settings(data: Mapping[str, Any], source: str) -> RegulatorySettings:
    """Settings from parsed TOML; PolicyError lists every problem with its dotted key.

    Shape: ``version = "..."`` and, for each key of each section, a list of
    ``{ valid_from = <date>, value = ..., source = "..." }`` with rising dates.
    """
    problems: list[PolicyProblem] = []
    for key in sorted(set(data) - {"version", *_SPEC}):
        problems.append(PolicyProblem(key, f"unknown key; expected version, {', '.join(_SPEC)}"))
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append(PolicyProblem("version", "a non-empty string naming these settings"))
        version = ""
    timelines: dict[str, Timeline[Any]] = {}
    for section, keys in _SPEC.items():
        table = data.get(section)
        if not isinstance(table, Mapping):
            problems.append(PolicyProblem(section, "missing table"))
            continue
        for extra in sorted(set(table) - set(keys)):
            problems.append(
                PolicyProblem(f"{section}.{extra}", f"unknown key; expected {', '.join(keys)}")
            )
        for key, check in keys.items():
            timeline = _timeline(table.get(key), f"{section}.{key}", check, problems)
            if timeline is not None:
                timelines[f"{section}.{key}"] = timeline
    if problems:
        raise PolicyError(problems, source)
    fields = {key.replace(".", "_"): timeline for key, timeline in timelines.items()}
    return RegulatorySettings(version=version, timelines=timelines, **fields)


def _timeline(
    value: object, key: str, check: _Check, problems: list[PolicyProblem]
) -> Timeline[Any] | None:
    if not isinstance(value, list) or not value:
        problems.append(PolicyProblem(key, "missing: a list of {valid_from, value, source}"))
        return None
    before = len(problems)
    entries: list[Dated[Any]] = []
    for index, entry in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(PolicyProblem(where, "must be a table {valid_from, value, source}"))
            continue
        for extra in sorted(set(entry) - _ENTRY_KEYS):
            problems.append(PolicyProblem(f"{where}.{extra}", "unknown key"))
        valid_from = entry.get("valid_from")
        if not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime):
            problems.append(PolicyProblem(f"{where}.valid_from", "must be a date (YYYY-MM-DD)"))
            valid_from = None
        elif entries and valid_from <= entries[-1].valid_from:
            problems.append(
                PolicyProblem(f"{where}.valid_from", "must come after the previous entry's date")
            )
        src = entry.get("source")
        if not isinstance(src, str) or not src.strip():
            problems.append(
                PolicyProblem(f"{where}.source", "must say where the figure comes from")
            )
        parsed = check(entry.get("value"), f"{where}.value", problems)
        if valid_from is not None and parsed is not None and isinstance(src, str):
            entries.append(Dated(valid_from, parsed, src.strip()))
    if len(problems) > before:
        return None
    return Timeline(key, tuple(entries))


# --- formal notice and suspension (electricity and gas) --------------------------------------


def notice_deadline(
    channel: NoticeChannel,
    dispatched_on: dt.date | None,
    delivered_on: dt.date | None,
    issued_on: dt.date,
    *,
    settings: RegulatorySettings,
    calendar: ItalianCalendar = ITALY,
) -> dt.date:
    """The earliest payment deadline a formal notice may give (TIMOE art. 4, TIMG art. 4).

    At least 15 days from the raccomandata's dispatch, 10 from the PEC's delivery receipt, 20
    from issue when the dispatch cannot be documented (figures in force on ``issued_on``). A
    deadline on a holiday moves to the next day that is not one (art. 1187 c.c.); Riscossa
    also skips Saturdays, when neither banks nor post offices settle a payment. A PEC without
    a delivery receipt was not delivered: it cannot start a deadline.
    """
    for name, day in (("dispatched_on", dispatched_on), ("delivered_on", delivered_on)):
        if day is not None and day < issued_on:
            raise ValidationError(f"{name} {day} is before the notice's issue date {issued_on}")
    if channel is NoticeChannel.PEC:
        if delivered_on is None:
            raise ValidationError("a PEC notice needs its delivery receipt date to set a deadline")
        minimum = delivered_on + dt.timedelta(days=settings.notice_pec_days.at(issued_on))
    elif dispatched_on is not None:
        minimum = dispatched_on + dt.timedelta(days=settings.notice_raccomandata_days.at(issued_on))
    else:
        days = settings.notice_unproven_dispatch_days.at(issued_on)
        minimum = issued_on + dt.timedelta(days=days)
    return calendar.working_day_on_or_after(minimum)


def earliest_suspension_request(
    supply: Supply,
    deadline: dt.date,
    notified_on: dt.date,
    *,
    settings: RegulatorySettings,
    calendar: ItalianCalendar = ITALY,
) -> dt.date:
    """The first day the seller may ask the distributor to reduce or suspend supply.

    Both terms must have run (TIMOE/TIMG art. 4): 3 working days after the notice's payment
    ``deadline`` (the deadline itself not counted, art. 2963 c.c.), and 25 days (electricity
    low voltage) or 40 days (gas, medium/high voltage) from ``notified_on``, the day the
    customer received the notice (raccomandata receipt or PEC delivery). Figures in force on
    the deadline. For low voltage this first request reduces power
    (:func:`first_supply_action`); the day of the action itself is checked by
    :func:`suspension_allowed_on`.
    """
    if supply not in ENERGY:
        raise ValidationError(f"{supply}: use the water or telco clocks")
    working = calendar.add_working_days(
        deadline, settings.suspension_working_days_after_deadline.at(deadline)
    )
    timeline = (
        settings.suspension_days_from_notification_low_voltage
        if supply is Supply.ELECTRICITY_LOW_VOLTAGE
        else settings.suspension_days_from_notification_other
    )
    return max(working, notified_on + dt.timedelta(days=timeline.at(deadline)))


def first_supply_action(supply: Supply, *, meter_can_reduce_power: bool = True) -> SupplyAction:
    """Low voltage: power is reduced before any suspension when the meter allows it (TIMOE
    art. 4); water: limited before suspended (REMSI), the milder step coming first."""
    if supply is Supply.ELECTRICITY_LOW_VOLTAGE and meter_can_reduce_power:
        return SupplyAction.POWER_REDUCTION
    if supply is Supply.WATER:
        return SupplyAction.LIMITATION
    return SupplyAction.SUSPENSION


def earliest_suspension_after_power_reduction(
    reduced_on: dt.date, *, settings: RegulatorySettings
) -> dt.date:
    """Suspension may follow a power reduction (to 15%) 15 days later (TIMOE art. 4)."""
    return reduced_on + dt.timedelta(
        days=settings.suspension_days_after_power_reduction.at(reduced_on)
    )


def reduced_power_percent(day: dt.date, *, settings: RegulatorySettings) -> int:
    """The share of the available power left during a power reduction (TIMOE art. 4)."""
    return settings.suspension_power_reduction_percent.at(day)


@dataclass(frozen=True, slots=True)
class SuspensionFacts:
    """What the rules need to know about one supply point on the day of an action."""

    supply: Supply
    arrears_cents: int
    deposit_cents: int = 0
    action: SupplyAction = SupplyAction.SUSPENSION
    non_disconnectable: bool = False
    """Life-support equipment, public-utility users (hospitals, schools, prisons, care homes)."""
    water_protected: bool = False
    """Water users the law keeps supplied (REMSI): limitation only, never suspension."""
    open_billing_complaint: bool = False
    """A written complaint on anomalous billing still unanswered."""
    payment_communicated: bool = False

    def __post_init__(self) -> None:
        if self.arrears_cents < 0 or self.deposit_cents < 0:
            raise ValidationError("arrears and deposit are amounts in cents, never negative")
        if self.action is SupplyAction.POWER_REDUCTION and (
            self.supply is not Supply.ELECTRICITY_LOW_VOLTAGE
        ):
            raise ValidationError(
                f"power reduction is for low-voltage electricity, not {self.supply}"
            )
        if self.action is SupplyAction.LIMITATION and self.supply is not Supply.WATER:
            raise ValidationError(f"limitation is for water, not {self.supply}")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...] = ()

    @property
    def passes_with_time(self) -> bool:
        """Refused only for the day: another day may be allowed."""
        return not self.allowed and all(r in CALENDAR_REASONS for r in self.reasons)


def standing_reasons(facts: SuspensionFacts) -> tuple[Reason, ...]:
    """Reasons that forbid the action whatever the day (TIMOE art. 23, TIMOE/TIMG, REMSI)."""
    reasons: list[Reason] = []
    if facts.non_disconnectable:
        reasons.append(Reason.NON_DISCONNECTABLE)
    water_suspension = facts.supply is Supply.WATER and facts.action is SupplyAction.SUSPENSION
    if facts.water_protected and water_suspension:
        reasons.append(Reason.WATER_PROTECTED)
    if facts.payment_communicated:
        reasons.append(Reason.PAYMENT_COMMUNICATED)
    if facts.open_billing_complaint:
        reasons.append(Reason.BILLING_COMPLAINT)
    if facts.arrears_cents <= facts.deposit_cents:
        reasons.append(Reason.ARREARS_WITHIN_DEPOSIT)
    return tuple(reasons)


def calendar_reasons(day: dt.date, calendar: ItalianCalendar = ITALY) -> tuple[Reason, ...]:
    """No supply action on a Friday, Saturday, holiday or pre-holiday (TIMOE/TIMG)."""
    reasons: list[Reason] = []
    if day.weekday() == 4:
        reasons.append(Reason.FRIDAY)
    if day.weekday() == 5:
        reasons.append(Reason.SATURDAY)
    if calendar.is_holiday(day):
        reasons.append(Reason.HOLIDAY)
    if calendar.is_pre_holiday(day):
        reasons.append(Reason.PRE_HOLIDAY)
    return tuple(reasons)


def suspension_allowed_on(
    day: dt.date, facts: SuspensionFacts, calendar: ItalianCalendar = ITALY
) -> Decision:
    """Whether the action in ``facts`` may be carried out on ``day``, with every reason not.

    The day rule is applied to every action and supply, telco included, where it is the
    product's caution rather than AGCOM's text. Clocks (notice, request terms) are the
    caller's: this answers for the day and the customer's standing.
    """
    reasons = (*standing_reasons(facts), *calendar_reasons(day, calendar))
    return Decision(allowed=not reasons, reasons=tuple(str(r) for r in reasons))


def next_allowed_suspension_day(
    day: dt.date, facts: SuspensionFacts, calendar: ItalianCalendar = ITALY
) -> dt.date | None:
    """The first day on or after ``day`` the action is allowed; None when waiting cannot help
    (a non-disconnectable customer, a payment communicated, ...)."""
    if standing_reasons(facts):
        return None
    current = day
    while calendar_reasons(current, calendar):
        current += dt.timedelta(days=1)
    return current


# --- water (REMSI) -------------------------------------------------------------------------


def water_earliest_reminder(due_date: dt.date, *, settings: RegulatorySettings) -> dt.date:
    """The payment reminder may go 10 days after the bill's due date (REMSI, check)."""
    return due_date + dt.timedelta(days=settings.water_reminder_days_after_due.at(due_date))


def water_earliest_limitation(
    reminder_received_on: dt.date,
    *,
    settings: RegulatorySettings,
    calendar: ItalianCalendar = ITALY,
) -> dt.date:
    """Limitation or suspension: from the first working day after the payment deadline, which
    is at least 40 days after the customer received the reminder (REMSI, check)."""
    days = settings.water_days_after_reminder.at(reminder_received_on)
    return calendar.next_working_day(reminder_received_on + dt.timedelta(days=days))


def water_minimum_litres_per_day(
    residents: int, day: dt.date, *, settings: RegulatorySettings
) -> int:
    """The flow a limitation must leave a protected household: 50 litres per resident per day
    (REMSI minimum vital quantity, check)."""
    if residents < 1:
        raise ValidationError(f"a household has at least one resident, got {residents}")
    return residents * settings.water_protected_litres_per_resident_day.at(day)


# --- telco ---------------------------------------------------------------------------------


def telco_earliest_suspension(
    channel: NoticeChannel, notice_received_on: dt.date, *, settings: RegulatorySettings
) -> dt.date:
    """A line may be suspended 40 days after the customer received the notice, sent by
    raccomandata A/R (or PEC since D.L. 77/2021) — L. 160/2019 art. 1 c. 291. Counting from
    receipt, not dispatch, is the cautious reading of "preavviso non inferiore a 40 giorni"."""
    allowed = settings.telco_notice_channels.at(notice_received_on)
    if channel not in allowed:
        raise ValidationError(
            f"a telco suspension notice must go by {' or '.join(allowed)}, not {channel}"
        )
    return notice_received_on + dt.timedelta(days=settings.telco_notice_days.at(notice_received_on))


# --- prescription --------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February ends on 28 February (art. 2963 c.c.)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def time_barred(
    due_date: dt.date,
    as_of: dt.date,
    customer_kind: CustomerClass,
    *,
    supply: Supply,
    settings: RegulatorySettings,
    interrupted_on: dt.date | None = None,
) -> bool:
    """Whether an amount is time-barred under the 2-year prescription, and so cannot be dunned
    (L. 205/2017 art. 1 c. 4-10, L. 160/2019 c. 295).

    It covers consumers, micro-businesses and professionals on electricity, gas and water
    invoices due after the law's start for the sector (the setting's first valid_from,
    picked by ``due_date``). The term runs from the due date, or from ``interrupted_on``, the
    last act that interrupted it (a formal notice received, an acknowledgement of the debt,
    art. 2943-2944 c.c.); the amount is barred from the day after the anniversary. Telco and
    other customers keep the ordinary prescription, which this does not decide.
    """
    timeline = {
        Supply.ELECTRICITY_LOW_VOLTAGE: settings.prescription_electricity_years,
        Supply.ELECTRICITY_HIGHER_VOLTAGE: settings.prescription_electricity_years,
        Supply.GAS: settings.prescription_gas_years,
        Supply.WATER: settings.prescription_water_years,
    }.get(supply)
    entry = timeline.entry_at(due_date) if timeline is not None else None
    classes = settings.prescription_customer_classes.entry_at(due_date)
    if entry is None or classes is None or customer_kind not in classes.value:
        return False
    start = max(due_date, interrupted_on) if interrupted_on is not None else due_date
    return as_of > add_years(start, entry.value)


# --- payment terms and late interest -------------------------------------------------------


def earliest_due_date(issued_on: dt.date, *, settings: RegulatorySettings) -> dt.date:
    """A bill's due date is at least 20 days after its issue (ARERA)."""
    return issued_on + dt.timedelta(days=settings.payment_term_days.at(issued_on))


def payment_term_ok(issued_on: dt.date, due_date: dt.date, *, settings: RegulatorySettings) -> bool:
    return due_date >= earliest_due_date(issued_on, settings=settings)


def is_good_payer(
    customer_since: dt.date,
    last_late_payment_on: dt.date | None,
    as_of: dt.date,
    *,
    settings: RegulatorySettings,
) -> bool:
    """A customer for the whole of the last 2 years who paid every bill on time in them
    (ARERA); a late payment on the window's first day still counts against them."""
    window_start = add_years(as_of, -settings.payment_good_payer_years.at(as_of))
    if customer_since > window_start:
        return False
    return last_late_payment_on is None or last_late_payment_on < window_start


def late_interest_cents(
    amount_cents: int,
    due_date: dt.date,
    paid_on: dt.date,
    *,
    good_payer: bool,
    settings: RegulatorySettings,
) -> int:
    """Simple late interest on ``amount_cents`` for the days after ``due_date`` up to and
    including ``paid_on`` (ARERA): the ECB rate in force each day plus 3.5 points, except a
    good payer's first 10 days, at the legal rate (art. 1284 c.c.). Days over 365 a year;
    the exact total is rounded once, half up, to whole cents.
    """
    if amount_cents < 0:
        raise ValidationError(f"late interest is on a positive amount, got {amount_cents} cents")
    if amount_cents == 0 or paid_on <= due_date:
        return 0
    legal_days = settings.payment_good_payer_legal_rate_days.at(due_date) if good_payer else 0
    legal_until = due_date + dt.timedelta(days=legal_days)
    cuts = {due_date + dt.timedelta(days=1)}
    for timeline in (
        settings.payment_ecb_rate_percent,
        settings.payment_late_interest_spread_points,
        settings.payment_legal_rate_percent,
    ):
        cuts.update(timeline.changes_within(due_date + dt.timedelta(days=1), paid_on))
    if due_date < legal_until < paid_on:
        cuts.add(legal_until + dt.timedelta(days=1))
    starts = sorted(cuts)
    total = Decimal(0)
    for start, end in zip(starts, [*starts[1:], paid_on + dt.timedelta(days=1)], strict=True):
        if start <= legal_until:
            rate = settings.payment_legal_rate_percent.at(start)
        else:
            rate = settings.payment_ecb_rate_percent.at(
                start
            ) + settings.payment_late_interest_spread_points.at(start)
        total += Decimal(amount_cents) * rate * (end - start).days / (100 * DAYS_PER_YEAR)
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- instalments ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstalmentTerms:
    """The least a payment plan must offer: instalments, months, and whether interest is
    forbidden (False: the rules allow it, the plan's policy decides)."""

    min_count: int
    min_months: int
    interest_free: bool


def instalments_mandatory(
    bill_cents: int,
    average_estimated_cents: int | None,
    *,
    domestic: bool,
    issued_on: dt.date,
    settings: RegulatorySettings,
) -> bool:
    """Whether an electricity or gas reconciliation bill must be offered in instalments
    (ARERA TIF): above €50 and above 150% (250% for non-domestic customers) of the average
    of the estimated bills since the previous reconciliation. ``average_estimated_cents``
    None: there were no estimated bills, so the bill reconciles nothing."""
    if bill_cents < 0 or (average_estimated_cents is not None and average_estimated_cents < 0):
        raise ValidationError("bill and average are amounts in cents, never negative")
    if average_estimated_cents is None:
        return False
    if bill_cents <= settings.instalments_min_bill_cents.at(issued_on):
        return False
    threshold = (
        settings.instalments_domestic_threshold_percent
        if domestic
        else settings.instalments_non_domestic_threshold_percent
    ).at(issued_on)
    return bill_cents * 100 > average_estimated_cents * threshold


def instalment_terms(
    supply: Supply, day: dt.date, *, settings: RegulatorySettings
) -> InstalmentTerms:
    """Water arrears: at least 12 months, without interest (REMSI); electricity and gas: at
    least 2 instalments (ARERA TIF). Telco has no regulated plan."""
    if supply is Supply.TELCO:
        raise ValidationError("telco payment plans are not regulated: use the plan policy")
    count = settings.instalments_min_count.at(day)
    if supply is Supply.WATER:
        return InstalmentTerms(count, settings.water_instalment_min_months.at(day), True)
    return InstalmentTerms(count, 0, False)
