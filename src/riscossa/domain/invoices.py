"""Invoices and credit notes: the open items of the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from riscossa.domain.errors import ValidationError
from riscossa.domain.money import Money, total


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class LineKind(StrEnum):
    ENERGY = "energy"
    NETWORK = "network"
    EXCISE = "excise"
    VAT = "vat"
    FEES = "fees"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    kind: LineKind
    amount: Money
    description: str = ""


@dataclass(frozen=True, slots=True)
class Invoice:
    """A document the customer owes (invoice, positive) or is owed (credit note, negative)."""

    number: str
    customer_code: str
    issue_date: dt.date
    due_date: dt.date
    amount: Money
    kind: InvoiceKind = InvoiceKind.INVOICE
    contract_code: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    lines: tuple[InvoiceLine, ...] = field(default_factory=tuple)
    disputed: bool = False
    payment_reference: str = ""

    def __post_init__(self) -> None:
        if self.due_date < self.issue_date:
            raise ValidationError(f"invoice {self.number}: due date before issue date")
        if self.kind is InvoiceKind.INVOICE and self.amount.is_negative():
            raise ValidationError(f"invoice {self.number}: negative amount (use a credit note)")
        if self.kind is InvoiceKind.CREDIT_NOTE and self.amount.is_positive():
            raise ValidationError(f"credit note {self.number}: amount must be negative")
        if self.lines and total([line.amount for line in self.lines]) != self.amount:
            raise ValidationError(f"invoice {self.number}: lines do not add up to the total")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(f"invoice {self.number}: billing period ends before it starts")

    @property
    def consumption_date(self) -> dt.date:
        """The date the 2-year prescription runs from: end of the billing period, else issue."""
        return self.period_end or self.issue_date
