"""Payments received on any channel, and their allocations to open items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from riscossa.domain.errors import ValidationError
from riscossa.domain.money import Money


class Channel(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    SDD = "sdd"
    POSTAL_SLIP = "postal_slip"
    PAGOPA = "pagopa"
    CARD = "card"
    CASH = "cash"


class PaymentStatus(StrEnum):
    IN_TRANSIT = "in_transit"
    BOOKED = "booked"
    UNAPPLIED = "unapplied"


@dataclass(frozen=True, slots=True)
class Payment:
    bank_reference: str
    channel: Channel
    value_date: dt.date
    amount: Money
    status: PaymentStatus = PaymentStatus.BOOKED
    booking_date: dt.date | None = None
    customer_code: str = ""
    payer_name: str = ""
    payer_iban: str = ""
    payer_tax_code: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        if not self.amount.is_positive():
            raise ValidationError(f"payment {self.bank_reference}: amount must be positive")


@dataclass(frozen=True, slots=True)
class Allocation:
    """A part of a payment applied to one open item, with the rule that made it."""

    payment_reference: str
    invoice_number: str
    amount: Money
    rule: str = "manual"
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if not self.amount.is_positive():
            raise ValidationError("an allocation must be positive")
