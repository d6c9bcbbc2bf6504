"""Contracts and their supply points (POD, PDR, water meter, telco line)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Utility(StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"
    WATER = "water"
    TELCO = "telco"


class ContractStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class PaymentMethod(StrEnum):
    SDD = "sdd"
    BANK_TRANSFER = "bank_transfer"
    POSTAL_SLIP = "postal_slip"
    PAGOPA = "pagopa"
    CARD = "card"


@dataclass(frozen=True, slots=True)
class Contract:
    code: str
    customer_code: str
    utility: Utility
    supply_point: str = ""
    status: ContractStatus = ContractStatus.ACTIVE
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    start_date: dt.date | None = None
    end_date: dt.date | None = None
