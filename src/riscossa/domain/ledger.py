"""The customer ledger (partitario) and its aging, as of a reference date.

``as_of`` is the date the aging is measured from; amounts are the items' current open
amounts (``amount - allocated``), so a report for a past date ages today's open items.
The bucket table below is the single definition used by the per-customer ledger and by the
set-based portfolio report: the report turns it into due-date ranges with
:func:`bucket_due_ranges`, so SQL compares dates instead of doing date arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from riscossa.domain.errors import ValidationError
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.money import Money

NOT_DUE = "not_due"
ZERO = Money(0)


@dataclass(frozen=True, slots=True)
class Bucket:
    """Overdue items whose days past due lie in ``first_day..last_day`` (None: no end)."""

    name: str
    first_day: int
    last_day: int | None

    def holds(self, days_past_due: int) -> bool:
        return days_past_due >= self.first_day and (
            self.last_day is None or days_past_due <= self.last_day
        )


# One row per bucket, contiguous from day 1 (a day late) to forever.
BUCKETS: tuple[Bucket, ...] = (
    Bucket("0-30", 1, 30),
    Bucket("31-60", 31, 60),
    Bucket("61-90", 61, 90),
    Bucket("91-180", 91, 180),
    Bucket(">180", 181, None),
)
BUCKET_NAMES: tuple[str, ...] = tuple(b.name for b in BUCKETS)


def bucket_for(days_past_due: int) -> str:
    """The bucket of an open amount; ``not_due`` until the day after the due date."""
    if days_past_due <= 0:
        return NOT_DUE
    for bucket in BUCKETS:
        if bucket.holds(days_past_due):
            return bucket.name
    raise AssertionError(f"BUCKETS leave {days_past_due} days uncovered")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class DueRange:
    """Due dates of one bucket as of a date: ``earliest <= due_date <= latest``."""

    name: str
    earliest: dt.date | None
    latest: dt.date


def bucket_due_ranges(as_of: dt.date) -> tuple[DueRange, ...]:
    """The bucket table as due-date ranges, so a database can bucket with plain comparisons."""
    return tuple(
        DueRange(
            name=b.name,
            earliest=None if b.last_day is None else as_of - dt.timedelta(days=b.last_day),
            latest=as_of - dt.timedelta(days=b.first_day),
        )
        for b in BUCKETS
    )


def days_past_due(due_date: dt.date, as_of: dt.date) -> int:
    return max((as_of - due_date).days, 0)


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice (positive) or credit note (negative) with what has been allocated to it."""

    number: str
    kind: InvoiceKind
    issue_date: dt.date
    due_date: dt.date
    amount: Money
    allocated: Money = field(default_factory=Money.zero)
    disputed: bool = False
    period_end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.kind is InvoiceKind.INVOICE and self.amount.is_negative():
            raise ValidationError(f"invoice {self.number}: negative amount")
        if self.kind is InvoiceKind.CREDIT_NOTE and self.amount.is_positive():
            raise ValidationError(f"credit note {self.number}: amount must be negative")
        ceiling = max(self.amount.cents, 0)
        if not 0 <= self.allocated.cents <= ceiling:
            raise ValidationError(
                f"{self.number}: allocated {self.allocated} outside 0..{Money(ceiling)}"
            )

    @property
    def open_amount(self) -> Money:
        return self.amount - self.allocated


@dataclass(frozen=True, slots=True)
class LedgerLine:
    item: OpenItem
    open_amount: Money
    days_past_due: int
    bucket: str | None
    """``not_due`` or a bucket name for a positive open amount; None for credits and paid items."""


@dataclass(frozen=True, slots=True)
class Aging:
    """Positive open amounts by bucket; credits never offset a bucket."""

    not_due: Money = field(default_factory=Money.zero)
    overdue_buckets: tuple[Money, ...] = (ZERO,) * len(BUCKETS)

    def __post_init__(self) -> None:
        if len(self.overdue_buckets) != len(BUCKETS):
            raise ValidationError("one amount per aging bucket is needed")

    @classmethod
    def from_mapping(cls, amounts: Mapping[str, Money]) -> Aging:
        return cls(
            not_due=amounts.get(NOT_DUE, Money.zero()),
            overdue_buckets=tuple(amounts.get(name, Money.zero()) for name in BUCKET_NAMES),
        )

    @property
    def overdue(self) -> Money:
        return Money(sum(m.cents for m in self.overdue_buckets))

    @property
    def total(self) -> Money:
        return self.not_due + self.overdue

    def as_dict(self) -> dict[str, Money]:
        """Bucket name → amount, oldest last, ``not_due`` first."""
        return {NOT_DUE: self.not_due, **dict(zip(BUCKET_NAMES, self.overdue_buckets, strict=True))}

    def __add__(self, other: Aging) -> Aging:
        return Aging(
            not_due=self.not_due + other.not_due,
            overdue_buckets=tuple(
                a + b for a, b in zip(self.overdue_buckets, other.overdue_buckets, strict=True)
            ),
        )


@dataclass(frozen=True, slots=True)
class Ledger:
    customer_code: str
    as_of: dt.date
    lines: tuple[LedgerLine, ...]
    balance: Money
    """Σ item amounts − Σ allocations: what the items still say is owed, net of credit notes."""
    aging: Aging
    days_past_due: int
    """Of the oldest overdue open item; 0 when nothing is overdue."""
    unallocated_payments: Money
    """Money received from this customer and not yet allocated (booked or unapplied)."""
    open_credit_notes: Money
    """Credit notes not yet used, as a positive amount."""
    disputed: Money
    """Positive open amount of disputed items: included in the aging, excluded from dunning."""

    @property
    def overdue(self) -> Money:
        return self.aging.overdue

    @property
    def credit(self) -> Money:
        """What the customer has in hand against future items: payments plus credit notes."""
        return self.unallocated_payments + self.open_credit_notes

    @property
    def net_balance(self) -> Money:
        """Balance after unallocated payments; negative when the customer is in credit."""
        return self.balance - self.unallocated_payments

    @property
    def open_items(self) -> int:
        return sum(1 for line in self.lines if line.open_amount.is_positive())


def build_ledger(
    customer_code: str,
    as_of: dt.date,
    items: Iterable[OpenItem],
    unallocated_payments: Money = ZERO,
) -> Ledger:
    """Age one customer's items; oldest due date first, as a ledger is read."""
    if unallocated_payments.is_negative():
        raise ValidationError("unallocated payments cannot be negative")
    ordered = sorted(items, key=lambda i: (i.due_date, i.issue_date, i.number))
    lines: list[LedgerLine] = []
    amounts: dict[str, int] = {}
    balance = credit_notes = disputed = oldest = 0
    for item in ordered:
        open_cents = item.open_amount.cents
        balance += open_cents
        days = days_past_due(item.due_date, as_of)
        bucket: str | None = None
        if open_cents > 0:
            bucket = bucket_for(days)
            amounts[bucket] = amounts.get(bucket, 0) + open_cents
            if days > 0:
                oldest = max(oldest, days)
            if item.disputed:
                disputed += open_cents
        elif open_cents < 0:
            credit_notes -= open_cents
        lines.append(
            LedgerLine(item=item, open_amount=Money(open_cents), days_past_due=days, bucket=bucket)
        )
    return Ledger(
        customer_code=customer_code,
        as_of=as_of,
        lines=tuple(lines),
        balance=Money(balance),
        aging=Aging.from_mapping({k: Money(v) for k, v in amounts.items()}),
        days_past_due=oldest,
        unallocated_payments=unallocated_payments,
        open_credit_notes=Money(credit_notes),
        disputed=Money(disputed),
    )


@dataclass(frozen=True, slots=True)
class PortfolioTotals:
    """Aging of a set of customers: the whole portfolio or one segment."""

    customers: int = 0
    customers_with_overdue: int = 0
    open_items: int = 0
    aging: Aging = field(default_factory=Aging)

    @property
    def open_amount(self) -> Money:
        """Positive open amounts only: credit notes are reported as customer credit."""
        return self.aging.total

    @property
    def overdue(self) -> Money:
        return self.aging.overdue

    @classmethod
    def from_ledgers(cls, ledgers: Iterable[Ledger]) -> PortfolioTotals:
        """The per-record twin of the set-based report, and the reference it is tested against."""
        totals = cls()
        for ledger in ledgers:
            totals = totals + cls(
                customers=1,
                customers_with_overdue=1 if ledger.overdue.is_positive() else 0,
                open_items=ledger.open_items,
                aging=ledger.aging,
            )
        return totals

    def __add__(self, other: PortfolioTotals) -> PortfolioTotals:
        return PortfolioTotals(
            customers=self.customers + other.customers,
            customers_with_overdue=self.customers_with_overdue + other.customers_with_overdue,
            open_items=self.open_items + other.open_items,
            aging=self.aging + other.aging,
        )


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: dt.date
    by_segment: Mapping[str, PortfolioTotals]

    @property
    def total(self) -> PortfolioTotals:
        result = PortfolioTotals()
        for part in self.by_segment.values():
            result = result + part
        return result
