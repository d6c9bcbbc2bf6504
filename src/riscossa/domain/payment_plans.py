"""Payment plans (piani di rientro): a debt split into a down payment and monthly instalments.

Cents always add up: the principal of the instalments sums to the debt exactly, and their
interest to the plan's interest exactly, because both are split with the largest remainder
method (each share rounded down, the cents left over go to the shares that lost the most in
rounding; ties to the earlier instalment). With equal shares that means the first
instalments carry the odd cents.

Interest is simple interest on the principal still owed, a twelfth of the annual rate per
instalment; the rate is a parameter (late interest: ECB rate + 3.5 points), and zero where
the rules say so (water plans of at least 12 months). Due dates keep the first due date's day
of the month (the last day in shorter months) and move to the next working day; the default
calendar is Monday to Friday, a holiday calendar can be passed in.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from types import MappingProxyType

from riscossa.domain.contracts import Utility
from riscossa.domain.errors import ValidationError

MAX_INSTALMENTS = 120
MONTHS_A_YEAR = 12


def is_weekday(day: date) -> bool:
    return day.weekday() < 5


def next_working_day(day: date, is_working_day: Callable[[date], bool] = is_weekday) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    for _ in range(31):
        if is_working_day(day):
            return day
        day += timedelta(days=1)
    raise ValidationError(f"no working day in the 31 days from {day - timedelta(days=31)}")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier); the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def split_cents(total: int, weights: Sequence[Decimal]) -> tuple[int, ...]:
    """``total`` cents in proportion to ``weights``, summing exactly (largest remainder)."""
    if total < 0:
        raise ValidationError(f"cannot split a negative amount: {total}")
    if any(w < 0 for w in weights):
        raise ValidationError("split weights cannot be negative")
    whole = sum(weights, Decimal(0))
    if whole == 0:
        if total:
            raise ValidationError(f"cannot split {total} cents over zero weights")
        return (0,) * len(weights)
    exact = [Decimal(total) * w / whole for w in weights]
    floors = [int(share.to_integral_value(rounding=ROUND_FLOOR)) for share in exact]
    left = total - sum(floors)
    by_loss = sorted(range(len(exact)), key=lambda i: (floors[i] - exact[i], i))
    for i in by_loss[:left]:
        floors[i] += 1
    return tuple(floors)


@dataclass(frozen=True, slots=True)
class InterestTerms:
    """The plan rate: ``ecb_rate + spread`` percent a year, unless the utility is listed in
    ``interest_free`` and the plan has at least that many monthly instalments."""

    ecb_rate: Decimal
    spread: Decimal = Decimal("3.5")
    interest_free: Mapping[Utility, int] = field(
        default_factory=lambda: MappingProxyType({Utility.WATER: 12})
    )

    def __post_init__(self) -> None:
        if not isinstance(self.ecb_rate, Decimal) or not isinstance(self.spread, Decimal):
            raise ValidationError("interest rates are Decimal percentages")
        if self.ecb_rate + self.spread < 0:
            raise ValidationError(f"plan rate cannot be negative: {self.ecb_rate + self.spread}")

    def annual_rate(self, utility: Utility, instalments: int) -> Decimal:
        months = self.interest_free.get(utility)
        if months is not None and instalments >= months:
            return Decimal(0)
        return self.ecb_rate + self.spread


@dataclass(frozen=True, slots=True)
class MandatoryInstalments:
    """When a reconciliation bill (conguaglio) must be offered in instalments.

    It must when the bill is above ``min_bill_cents`` and above the average of the estimated
    bills it reconciles times the ratio (domestic or not); the plan then has at least
    ``min_instalments`` instalments.
    """

    domestic_ratio: Decimal = Decimal("1.5")
    non_domestic_ratio: Decimal = Decimal("2.5")
    min_bill_cents: int = 5000
    min_instalments: int = 2

    def applies(self, bill_cents: int, average_estimated_cents: int | None, domestic: bool) -> bool:
        """``average_estimated_cents`` None: no estimated bills, so nothing to reconcile."""
        if average_estimated_cents is None or bill_cents <= self.min_bill_cents:
            return False
        ratio = self.domestic_ratio if domestic else self.non_domestic_ratio
        return bill_cents > average_estimated_cents * ratio

    def allows(self, instalments: int) -> bool:
        return instalments >= self.min_instalments


@dataclass(frozen=True, slots=True)
class Instalment:
    """Number 0 is the down payment (no interest); 1..N the monthly instalments."""

    number: int
    due_date: date
    principal_cents: int
    interest_cents: int

    @property
    def amount_cents(self) -> int:
        return self.principal_cents + self.interest_cents


@dataclass(frozen=True, slots=True)
class Plan:
    debt_cents: int
    annual_rate: Decimal
    instalments: tuple[Instalment, ...]

    @property
    def down_payment_cents(self) -> int:
        return sum(i.principal_cents for i in self.instalments if i.number == 0)

    @property
    def interest_cents(self) -> int:
        return sum(i.interest_cents for i in self.instalments)

    @property
    def total_cents(self) -> int:
        return self.debt_cents + self.interest_cents


def build_plan(
    debt_cents: int,
    instalments: int,
    first_due_date: date,
    *,
    down_payment_cents: int = 0,
    annual_rate: Decimal = Decimal(0),
    down_payment_due: date | None = None,
    is_working_day: Callable[[date], bool] = is_weekday,
) -> Plan:
    """A plan of ``instalments`` monthly instalments from ``first_due_date``.

    The down payment, if any, is instalment 0, due a month before the first instalment
    unless ``down_payment_due`` says otherwise; interest runs on what is left after it.
    ``annual_rate`` is a percentage (``InterestTerms.annual_rate`` gives it).
    """
    if debt_cents <= 0:
        raise ValidationError(f"payment plan: debt must be positive, not {debt_cents} cents")
    if not 1 <= instalments <= MAX_INSTALMENTS:
        raise ValidationError(
            f"payment plan: instalments must be 1..{MAX_INSTALMENTS}, not {instalments}"
        )
    if not 0 <= down_payment_cents < debt_cents:
        raise ValidationError(
            f"payment plan: down payment must be 0 up to less than the debt, "
            f"not {down_payment_cents} of {debt_cents} cents"
        )
    if not isinstance(annual_rate, Decimal) or not annual_rate.is_finite() or annual_rate < 0:
        raise ValidationError(f"payment plan: rate must be a Decimal >= 0, not {annual_rate!r}")
    if down_payment_due is not None and down_payment_due > first_due_date:
        raise ValidationError(
            f"payment plan: down payment due {down_payment_due} after the first instalment"
        )
    financed = debt_cents - down_payment_cents
    if financed < instalments:
        raise ValidationError(
            f"payment plan: {financed} cents cannot make {instalments} instalments of a cent"
        )
    principal = split_cents(financed, [Decimal(1)] * instalments)
    owed_before = [financed - sum(principal[:k]) for k in range(instalments)]
    exact_interest = [Decimal(owed) * annual_rate / 100 / MONTHS_A_YEAR for owed in owed_before]
    exact_total = sum(exact_interest, Decimal(0))  # in cents, rounded once for the plan
    interest_total = int(exact_total.to_integral_value(rounding=ROUND_HALF_EVEN))
    interest = split_cents(interest_total, exact_interest)

    rows: list[Instalment] = []
    if down_payment_cents:
        due = down_payment_due or add_months(first_due_date, -1)
        rows.append(Instalment(0, next_working_day(due, is_working_day), down_payment_cents, 0))
    for k in range(instalments):
        due = next_working_day(add_months(first_due_date, k), is_working_day)
        rows.append(Instalment(k + 1, due, principal[k], interest[k]))
    return Plan(debt_cents=debt_cents, annual_rate=annual_rate, instalments=tuple(rows))


def first_breach(
    plan: Plan, paid_by_instalment: Mapping[int, int], as_of: date, grace_days: int
) -> Instalment | None:
    """The earliest instalment still short of its amount more than ``grace_days`` after its
    due date; None while the plan holds. The last day of grace still holds."""
    if grace_days < 0:
        raise ValidationError(f"grace days cannot be negative, not {grace_days}")
    numbers = {i.number for i in plan.instalments}
    for number, cents in paid_by_instalment.items():
        if number not in numbers:
            raise ValidationError(f"payment plan: no instalment {number}")
        if cents < 0:
            raise ValidationError(f"payment plan: instalment {number}: paid cents negative")
    for instalment in plan.instalments:
        paid = paid_by_instalment.get(instalment.number, 0)
        late = as_of > instalment.due_date + timedelta(days=grace_days)
        if late and paid < instalment.amount_cents:
            return instalment
    return None


def plan_breach(
    plan: Plan, paid_by_instalment: Mapping[int, int], as_of: date, grace_days: int
) -> bool:
    """True once an instalment is unpaid beyond grace: the plan is broken and the customer
    goes back into the collection strategy."""
    return first_breach(plan, paid_by_instalment, as_of, grace_days) is not None
