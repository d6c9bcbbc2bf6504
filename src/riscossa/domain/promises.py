"""Promises to pay (promesse di pagamento), judged from the money that came in.

A promise is kept when what was received by the promised date, give or take the tolerance,
covers the promised amount less the tolerance; partially kept when something came but not
enough; broken when nothing came. Until the deadline has passed it is pending, unless it is
already kept. The tolerances are settings (a credit manager's choice, not law): a few days
for bank value dates and booking lags, a few cents or a percentage for rounding and fees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from riscossa.domain.errors import ValidationError


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    PARTIALLY_KEPT = "partially_kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class PromiseTolerance:
    """How late and how short a promise may be and still count as kept.

    The amount tolerance is the larger of ``cents`` and ``percent`` of the promised amount
    (rounded down to the cent), so either setting alone is enough.
    """

    days: int = 0
    cents: int = 0
    percent: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValidationError(f"promise tolerance: days cannot be negative, not {self.days}")
        if self.cents < 0:
            raise ValidationError(f"promise tolerance: cents cannot be negative, not {self.cents}")
        if not isinstance(self.percent, Decimal) or not Decimal(0) <= self.percent <= 100:
            raise ValidationError(
                f"promise tolerance: percent must be a Decimal 0..100, not {self.percent!r}"
            )

    def amount_cents(self, promised_cents: int) -> int:
        share = (promised_cents * self.percent / 100).to_integral_value(rounding=ROUND_FLOOR)
        return max(self.cents, int(share))


@dataclass(frozen=True, slots=True)
class PromiseToPay:
    customer_code: str
    amount_cents: int
    promised_date: date
    created_on: date
    created_by: str
    tolerance: PromiseTolerance = field(default_factory=PromiseTolerance)

    def __post_init__(self) -> None:
        if not self.customer_code.strip():
            raise ValidationError("promise to pay: customer code missing")
        if not self.created_by.strip():
            raise ValidationError(f"promise to pay of {self.customer_code}: created_by missing")
        if self.amount_cents <= 0:
            raise ValidationError(
                f"promise to pay of {self.customer_code}: amount must be positive, "
                f"not {self.amount_cents} cents"
            )
        if self.promised_date < self.created_on:
            raise ValidationError(
                f"promise to pay of {self.customer_code}: promised date {self.promised_date} "
                f"before the day it was made ({self.created_on})"
            )

    @property
    def deadline(self) -> date:
        """The last value date that still counts: the promised date plus the days' tolerance."""
        return self.promised_date + timedelta(days=self.tolerance.days)

    @property
    def required_cents(self) -> int:
        """What must come in for the promise to be kept; never less than one cent."""
        return max(self.amount_cents - self.tolerance.amount_cents(self.amount_cents), 1)


@dataclass(frozen=True, slots=True)
class PromiseReview:
    status: PromiseStatus
    received_cents: int
    """Received with a value date up to the deadline and known on ``as_of``."""
    shortfall_cents: int
    """What was promised and has not come (0 once the promised amount is covered)."""
    deadline: date


def review_promise(
    promise: PromiseToPay, payments: Sequence[tuple[date, int]], as_of: date
) -> PromiseReview:
    """The promise's status on ``as_of``, with what came in and what is missing.

    ``payments`` are the allocations to this customer's items since the promise was made, as
    ``(value_date, cents)``; a reversal (a returned direct debit) is a negative entry. Only
    value dates up to the deadline and up to ``as_of`` count. The deadline day itself is
    still pending: money value-dated that day may not be booked yet.
    """
    cut_off = min(promise.deadline, as_of)
    received = 0
    for index, (value_date, cents) in enumerate(payments):
        if not isinstance(cents, int) or isinstance(cents, bool):
            raise ValidationError(f"promise payments: entry {index}: cents must be an integer")
        if value_date <= cut_off:
            received += cents
    received = max(received, 0)
    if received >= promise.required_cents:
        status = PromiseStatus.KEPT
    elif as_of <= promise.deadline:
        status = PromiseStatus.PENDING
    elif received > 0:
        status = PromiseStatus.PARTIALLY_KEPT
    else:
        status = PromiseStatus.BROKEN
    return PromiseReview(
        status=status,
        received_cents=received,
        shortfall_cents=max(promise.amount_cents - received, 0),
        deadline=promise.deadline,
    )


def judge_promise(
    promise: PromiseToPay, payments: Sequence[tuple[date, int]], as_of: date
) -> PromiseStatus:
    """Kept, partially kept, broken, or pending (the deadline has not passed)."""
    return review_promise(promise, payments, as_of).status
