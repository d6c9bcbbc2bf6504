"""Customers: who owes, and the flags that protect some of them from harsher actions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import codicefiscale, iva


class CustomerKind(StrEnum):
    PERSON = "person"
    BUSINESS = "business"


class Segment(StrEnum):
    RESIDENTIAL = "residential"
    BUSINESS = "business"
    PUBLIC_ADMINISTRATION = "public_administration"


def valid_tax_code(value: str) -> bool:
    """Codice fiscale: 16 characters for people, 11 digits for companies (equal to the P.IVA)."""
    if not value:
        return False
    try:
        codicefiscale.validate(value)
    except StdnumError:
        return False
    return True


def valid_vat_number(value: str) -> bool:
    """Partita IVA, with or without the ``IT`` prefix."""
    if not value:
        return False
    number = value[2:] if value.upper().startswith("IT") else value
    try:
        iva.validate(number)
    except StdnumError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    name: str
    kind: CustomerKind = CustomerKind.PERSON
    segment: Segment = Segment.RESIDENTIAL
    tax_code: str = ""
    vat_number: str = ""
    email: str = ""
    phone: str = ""
    pec: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    province: str = ""
    iban: str = ""
    bonus_sociale: bool = False
    vulnerable: bool = False
    non_disconnectable: bool = False

    @property
    def tax_code_valid(self) -> bool:
        return valid_tax_code(self.tax_code)

    @property
    def vat_number_valid(self) -> bool:
        return valid_vat_number(self.vat_number)

    @property
    def is_consumer(self) -> bool:
        """Consumers (and micro-businesses, flagged later) get the 2-year prescription."""
        return self.kind is CustomerKind.PERSON
