"""What a bank's answer to a direct-debit collection says, whatever format carried it.

pain.002 status reports, camt.054 notifications and the Italian CBI "esiti" all come down to
the same facts per debit: which one (end-to-end id), what happened (kind, status), why
(reason code) and for how much. Amounts are integer cents read through Decimal, never float.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lxml import etree

from riscossa.banking.safe_xml import child, line_of, text
from riscossa.banking.sdd_reasons import SddReason, describe_reason, only_refund
from riscossa.domain.errors import ImportFileError


class OutcomeKind(StrEnum):
    REJECT = "reject"  # refused before settlement
    RETURN = "return"  # sent back by the debtor's bank after settlement
    REFUND = "refund"  # claimed back by the debtor
    REVERSAL = "reversal"  # given back by the creditor
    CANCELLED = "cancelled"  # withdrawn on the creditor's request before settlement
    ACCEPTED = "accepted"
    PENDING = "pending"


R_TRANSACTIONS = frozenset(
    {OutcomeKind.REJECT, OutcomeKind.RETURN, OutcomeKind.REFUND, OutcomeKind.REVERSAL}
)

# ISO 20022 ExternalPaymentTransactionStatus1Code. PART (partly accepted) is no outcome of
# its own: the detail follows at a lower level.
_STATUS_KINDS = {
    "RJCT": OutcomeKind.REJECT,
    "CANC": OutcomeKind.CANCELLED,
    "PDNG": OutcomeKind.PENDING,
    "RCVD": OutcomeKind.PENDING,
    **{
        code: OutcomeKind.ACCEPTED
        for code in ("ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "ACWP", "ACCC", "ACFC", "ACIS", "ACPD")
    },
}
PARTIAL = "PART"


def status_kind(status: str) -> OutcomeKind | None:
    """The kind a status code stands for; None for PART; an unknown code counts as pending
    (not final: someone has to look), its text is kept on the item."""
    if status == PARTIAL:
        return None
    return _STATUS_KINDS.get(status, OutcomeKind.PENDING)


def refine(kind: OutcomeKind, reason_code: str | None) -> OutcomeKind:
    """A refund-only reason (MD06) makes any R-transaction a refund, whatever the status."""
    if kind in R_TRANSACTIONS and only_refund(reason_code):
        return OutcomeKind.REFUND
    return kind


@dataclass(frozen=True, slots=True)
class OutcomeItem:
    """One debit's outcome. ``original_*`` fields name the collection it answers."""

    kind: OutcomeKind
    status: str  # TxSts of a status report, or the entry status (BOOK, PDNG, INFO) of a camt
    reason_code: str | None = None  # Rsn/Cd, or Rsn/Prtry when no ISO code is given
    additional_info: str | None = None
    original_end_to_end_id: str | None = None
    original_instruction_id: str | None = None
    original_payment_info_id: str | None = None
    original_message_id: str | None = None
    bank_reference: str | None = None  # StsId, or AcctSvcrRef of a camt transaction
    original_amount_cents: int | None = None
    currency: str | None = None
    charges_cents: int | None = None  # bank fees reported with the outcome, same currency
    mandate_id: str | None = None
    debtor_name: str | None = None
    debtor_iban: str | None = None
    sequence_type: str | None = None  # FRST, RCUR, OOFF, FNAL
    collection_date: dt.date | None = None  # requested collection date of the original debit
    settlement_date: dt.date | None = None  # interbank settlement date
    booking_date: dt.date | None = None  # camt: when the entry hit the creditor's account
    bank_transaction_code: str | None = None  # camt: Domain/Family/SubFamily, "PMNT/IDDT/UPDD"

    @property
    def reason(self) -> SddReason | None:
        return None if self.reason_code is None else describe_reason(self.reason_code)

    @property
    def is_r_transaction(self) -> bool:
        return self.kind in R_TRANSACTIONS


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """A status given to a whole batch (pain.008 PmtInf): RJCT there rejects every debit of
    the batch, listed in the file or not."""

    payment_info_id: str
    status: str
    kind: OutcomeKind | None  # None for PART
    reason_code: str | None = None
    additional_info: str | None = None


@dataclass(frozen=True, slots=True)
class OutcomeFile:
    """One outcome message. ``items`` holds transaction-level outcomes only; group and batch
    statuses sit in ``group_*`` and ``batches``."""

    format: str  # "pain.002.001.03", "pain.002.001.03.ch.02", "camt.054.001.08", ...
    message_id: str
    created_at: dt.datetime
    original_message_id: str | None = None
    original_message_name: str | None = None
    group_status: str | None = None
    group_reason_code: str | None = None
    group_additional_info: str | None = None
    batches: tuple[BatchOutcome, ...] = ()
    items: tuple[OutcomeItem, ...] = ()
    other_transactions: int = 0  # camt.054 transactions that are no direct-debit outcome

    @property
    def group_kind(self) -> OutcomeKind | None:
        return None if self.group_status is None else status_kind(self.group_status)

    def r_transactions(self) -> tuple[OutcomeItem, ...]:
        return tuple(item for item in self.items if item.is_r_transaction)


# ---------------------------------------------------------------- values shared by readers

_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T[0-9:.]+)?(Z|[+-]\d{2}:\d{2})?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?")


def amount_cents(element: etree._Element | None, what: str) -> tuple[int, str | None] | None:
    """(cents, currency) of an ISO amount element such as ``<InstdAmt Ccy="EUR">12.3</...>``.

    The text must be a plain non-negative decimal (no exponent, sign or NaN) without a
    fraction of a cent; None when the element is missing.
    """
    if element is None:
        return None
    raw = (element.text or "").strip()
    if not _AMOUNT.fullmatch(raw):
        raise ImportFileError(f"{what}: {raw!r} is not an amount{line_of(element)}")
    value = Decimal(raw) * 100
    if value != value.to_integral_value():
        raise ImportFileError(f"{what}: {raw} has a fraction of a cent{line_of(element)}")
    currency = element.get("Ccy")
    currency = currency.strip() if currency else None
    if currency is not None and not _CURRENCY.fullmatch(currency):
        raise ImportFileError(f"{what}: {currency!r} is not a currency code{line_of(element)}")
    return int(value), currency


def iso_date(element: etree._Element | None, what: str, *path: str) -> dt.date | None:
    """An ISODate, or the date part of an ISODateTime, down ``path``; None when missing."""
    found = child(element, *path)
    raw = text(found)
    if raw is None:
        return None
    matched = _DATE.fullmatch(raw)
    try:
        if matched is None:
            raise ValueError(raw)
        return dt.date.fromisoformat(matched.group(1))
    except ValueError:
        raise ImportFileError(f"{what}: {raw!r} is not a date{line_of(found)}") from None


def iso_datetime(element: etree._Element | None, what: str, *path: str) -> dt.datetime:
    """A mandatory ISODateTime down ``path``: naive when the file gives no offset."""
    found = child(element, *path)
    raw = text(found)
    if raw is None:
        raise ImportFileError(f"{what}: {'/'.join(path)} is missing{line_of(element)}")
    try:
        if not _DATETIME.fullmatch(raw):
            raise ValueError(raw)
        fraction = re.search(r"\.(\d+)", raw)
        if fraction and len(fraction.group(1)) > 6:  # Python takes microseconds at most
            raw = raw.replace(fraction.group(0), "." + fraction.group(1)[:6], 1)
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ImportFileError(f"{what}: {raw!r} is not a date and time{line_of(found)}") from None


def required_text(element: etree._Element | None, what: str, *path: str) -> str:
    value = text(element, *path)
    if value is None:
        raise ImportFileError(f"{what}: {'/'.join(path)} is missing{line_of(element)}")
    return value


def reference(value: str | None) -> str | None:
    """An id as the creditor gave it; "NOTPROVIDED" (the ISO placeholder) is no id."""
    return None if value is None or value.upper() == "NOTPROVIDED" else value


def charges_total(amounts: list[tuple[int, str | None]], currency: str | None) -> int | None:
    """Sum of the fees reported with an outcome; None when none are given or when they are
    not all in the currency of the debit (cents of two currencies do not add up)."""
    if not amounts:
        return None
    currencies = {c for _, c in amounts if c}
    if len(currencies) > 1 or (currency and currencies and currencies != {currency}):
        return None
    return sum(cents for cents, _ in amounts)


def joined_text(elements: list[etree._Element]) -> str | None:
    """Repeated free-text elements (AddtlInf) as one string: banks split long texts."""
    parts = [str(e.text).strip() for e in elements if e.text and str(e.text).strip()]
    return " ".join(parts) or None
