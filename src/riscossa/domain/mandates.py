"""SEPA Direct Debit mandates: who may be debited, on which account, and what has changed.

A Mandate is an immutable value: every change returns a new one with one more MandateEvent in
its history, so the history is the audit trail. The domain sits below banking and cannot call
check_iban, so IBANs and creditor identifiers come in as *checked* values (anything carrying
the value, ``valid`` and ``code``, as banking's IbanCheck and CreditorIdCheck do): a string
nobody checked cannot become a mandate's account. Rules follow the 2023 SDD Core and B2B
rulebooks (in force since March 2024).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from riscossa.domain.errors import ValidationError

LAPSE_MONTHS = 36
UMR_MAX_LENGTH = 35
DEBTOR_NAME_MAX_LENGTH = 140
SMNDA = "SMNDA"  # "same mandate, new debtor agent": the debtor moved the account to another bank

# The SEPA (EPC) Latin character set without the space, which the mandate reference may not
# hold (as in banking.sepa_charset, which the layers keep out of reach here); identifiers may
# not start or end with "/" nor contain "//" (EPC implementation guidelines).
_MANDATE_REFERENCE = re.compile(r"[A-Za-z0-9/\-?:().,'+]+")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")


class Scheme(StrEnum):
    CORE = "CORE"
    B2B = "B2B"


class MandateStatus(StrEnum):
    """Amended: an amendment waits to be sent with the next collection."""

    ACTIVE = "active"
    AMENDED = "amended"
    REVOKED = "revoked"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


ENDED = frozenset({MandateStatus.REVOKED, MandateStatus.LAPSED, MandateStatus.CANCELLED})


class SequenceType(StrEnum):
    FRST = "FRST"
    RCUR = "RCUR"
    FNAL = "FNAL"
    OOFF = "OOFF"


class SequenceState(StrEnum):
    """Where a mandate stands in its series: nothing collected, collecting, or done."""

    NEW = "new"
    RECURRING = "recurring"
    FINISHED = "finished"


class EventKind(StrEnum):
    CREATED = "created"
    IBAN_AMENDED = "iban_amended"
    CREDITOR_ID_AMENDED = "creditor_id_amended"
    AMENDMENT_SENT = "amendment_sent"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


class CheckedIban(Protocol):
    """A checked IBAN, such as riscossa.banking.iban.IbanCheck."""

    @property
    def iban(self) -> str: ...

    @property
    def valid(self) -> bool: ...

    @property
    def code(self) -> str: ...


class CheckedCreditorId(Protocol):
    """A checked creditor identifier, such as riscossa.banking.creditor_id.CreditorIdCheck."""

    @property
    def creditor_id(self) -> str: ...

    @property
    def valid(self) -> bool: ...

    @property
    def code(self) -> str: ...


@dataclass(frozen=True, slots=True)
class MandateEvent:
    """One change: before and after are the changed value (an IBAN, a CI, a status)."""

    kind: EventKind
    date: dt.date
    before: str
    after: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AmendmentInfo:
    """What the next collection tells the debtor bank (pain.008 AmdmntInd and AmdmntInfDtls).

    Same bank: the original debtor IBAN. Other bank: "SMNDA" instead of an account. Several
    amendments before one collection merge: the originals stay those the debtor bank last
    saw, and a change of bank anywhere in between makes it SMNDA.
    """

    original_debtor_iban: str = ""
    other_bank: bool = False
    original_creditor_id: str = ""

    @property
    def account_amended(self) -> bool:
        return self.other_bank or bool(self.original_debtor_iban)

    @property
    def original_debtor_account(self) -> str:
        """OrgnlDbtrAcct/Id: the IBAN, or "SMNDA" under Othr; "" when the account is unchanged."""
        return SMNDA if self.other_bank else self.original_debtor_iban

    def then(self, later: AmendmentInfo) -> AmendmentInfo:
        """This amendment followed by a later one, both still unsent."""
        other_bank = self.other_bank or later.other_bank
        return AmendmentInfo(
            original_debtor_iban=""
            if other_bank
            else self.original_debtor_iban or later.original_debtor_iban,
            other_bank=other_bank,
            original_creditor_id=self.original_creditor_id or later.original_creditor_id,
        )


@dataclass(frozen=True, slots=True)
class Mandate:
    """A SEPA mandate; the UMR with the creditor identifier names it for both banks."""

    umr: str
    creditor_id: str
    signature_date: dt.date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str = ""
    scheme: Scheme = Scheme.CORE
    one_off: bool = False
    status: MandateStatus = MandateStatus.ACTIVE
    last_collection_date: dt.date | None = None
    sequence: SequenceState = SequenceState.NEW
    pending: AmendmentInfo | None = None
    history: tuple[MandateEvent, ...] = ()

    def __post_init__(self) -> None:
        validate_umr(self.umr)
        if not self.creditor_id:
            raise ValidationError(f"mandate {self.umr}: creditor identifier missing")
        if not self.debtor_iban:
            raise ValidationError(f"mandate {self.umr}: debtor IBAN missing")
        if not self.debtor_name.strip() or len(self.debtor_name) > DEBTOR_NAME_MAX_LENGTH:
            raise ValidationError(
                f"mandate {self.umr}: debtor name must be 1 to {DEBTOR_NAME_MAX_LENGTH} characters"
            )
        if self.debtor_bic and not _BIC.fullmatch(self.debtor_bic):
            raise ValidationError(f"mandate {self.umr}: not a BIC: {self.debtor_bic!r}")
        if (self.status is MandateStatus.AMENDED) != (self.pending is not None):
            raise ValidationError(
                f"mandate {self.umr}: status 'amended' if and only if an amendment is pending"
            )

    @property
    def ended(self) -> bool:
        return self.status in ENDED


def validate_umr(umr: str) -> str:
    """The unique mandate reference: 1 to 35 characters of the SEPA set; returns it."""
    if not umr or len(umr) > UMR_MAX_LENGTH:
        raise ValidationError(f"UMR must be 1 to {UMR_MAX_LENGTH} characters, got {umr!r}")
    if not _MANDATE_REFERENCE.fullmatch(umr):
        raise ValidationError(f"UMR has spaces or characters outside the SEPA set: {umr!r}")
    if umr.startswith("/") or umr.endswith("/") or "//" in umr:
        raise ValidationError(f"UMR may not start or end with '/', nor hold '//': {umr!r}")
    return umr


def new_mandate(
    umr: str,
    creditor_id: CheckedCreditorId,
    signature_date: dt.date,
    debtor_name: str,
    debtor_iban: CheckedIban,
    *,
    debtor_bic: str = "",
    scheme: Scheme = Scheme.CORE,
    one_off: bool = False,
) -> Mandate:
    """A signed mandate, active, never collected, with its creation in the history."""
    ci = _checked_creditor_id(creditor_id)
    iban = _checked_iban(debtor_iban)
    created = MandateEvent(EventKind.CREATED, signature_date, "", f"{ci} {iban}")
    return Mandate(
        umr=umr,
        creditor_id=ci,
        signature_date=signature_date,
        debtor_name=debtor_name,
        debtor_iban=iban,
        debtor_bic=debtor_bic,
        scheme=scheme,
        one_off=one_off,
        history=(created,),
    )


def next_sequence_type(
    mandate: Mandate, *, final: bool = False, first_as_frst: bool = True
) -> SequenceType:
    """The sequence type of the mandate's next collection.

    OOFF for a one-off mandate; FNAL when the creditor says this is the last one. The 2023
    rulebooks make FRST optional (RCUR may open a series, since November 2016): with
    first_as_frst (the default, accepted by every bank) the first collection, and the first
    after the debtor moved to another bank (SMNDA), are FRST, as the older rulebooks required.
    """
    _require_collectable(mandate)
    if mandate.one_off:
        return SequenceType.OOFF
    if final:
        return SequenceType.FNAL
    bank_changed = mandate.pending is not None and mandate.pending.other_bank
    if first_as_frst and (mandate.sequence is SequenceState.NEW or bank_changed):
        return SequenceType.FRST
    return SequenceType.RCUR


def record_collection(
    mandate: Mandate, collection_date: dt.date, sequence_type: SequenceType
) -> Mandate:
    """The mandate after a collection was presented (whatever its outcome: the 36 months run
    from the last collection presented, even if rejected, returned or refunded).

    A pending amendment travels with this collection and is cleared.
    """
    _require_collectable(mandate)
    _require_not_before_signature(mandate, collection_date)
    if (sequence_type is SequenceType.OOFF) != mandate.one_off:
        raise ValidationError(f"mandate {mandate.umr}: OOFF if and only if the mandate is one-off")
    if sequence_type is SequenceType.FRST and not (
        mandate.sequence is SequenceState.NEW
        or (mandate.pending is not None and mandate.pending.other_bank)
    ):
        raise ValidationError(f"mandate {mandate.umr}: FRST after the series started")
    finished = sequence_type in (SequenceType.FNAL, SequenceType.OOFF)
    history = mandate.history
    if mandate.pending is not None:
        history += (
            MandateEvent(
                EventKind.AMENDMENT_SENT,
                collection_date,
                MandateStatus.AMENDED.value,
                MandateStatus.ACTIVE.value,
                f"with the {sequence_type.value} collection",
            ),
        )
    last = mandate.last_collection_date
    return replace(
        mandate,
        status=MandateStatus.ACTIVE,
        pending=None,
        last_collection_date=collection_date if last is None else max(last, collection_date),
        sequence=SequenceState.FINISHED if finished else SequenceState.RECURRING,
        history=history,
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))


def lapse_date(mandate: Mandate) -> dt.date:
    """The first day the mandate may no longer be used: 36 months after the last collection,
    or after the signature when never collected (Core rulebook, expiry of mandates).

    A collection due on the anniversary itself is refused: the 36 months have run by then.
    """
    start = mandate.last_collection_date or mandate.signature_date
    return add_months(start, LAPSE_MONTHS)


def lapsed(mandate: Mandate, today: dt.date) -> bool:
    """Whether 36 months have run without a collection, on ``today``."""
    return today >= lapse_date(mandate)


def mark_lapsed(mandate: Mandate, today: dt.date) -> Mandate:
    """The mandate with status lapsed if it has, dated the day it lapsed; otherwise unchanged."""
    if mandate.ended or not lapsed(mandate, today):
        return mandate
    return _end(mandate, MandateStatus.LAPSED, lapse_date(mandate), "36 months without collections")


def amend_iban(
    mandate: Mandate,
    new_iban: CheckedIban,
    new_bank_code_same: bool,
    on: dt.date,
    *,
    new_bic: str | None = None,
) -> tuple[Mandate, AmendmentInfo | None]:
    """The mandate on a new debtor account, and what the next collection must carry.

    Same bank (``new_bank_code_same``): AmdmntInd with the original debtor IBAN. Another bank:
    the original account becomes "SMNDA" and the old BIC is dropped unless a new one is given.
    A mandate never collected needs no amendment: the debtor bank has not seen it yet.
    """
    _require_open(mandate)
    _require_not_before_signature(mandate, on)
    iban = _checked_iban(new_iban)
    if iban == mandate.debtor_iban:
        raise ValidationError(f"mandate {mandate.umr}: the IBAN is already {iban}")
    change = AmendmentInfo(
        original_debtor_iban=mandate.debtor_iban if new_bank_code_same else "",
        other_bank=not new_bank_code_same,
    )
    kept_bic = mandate.debtor_bic if new_bank_code_same else ""
    bic = kept_bic if new_bic is None else new_bic
    event = MandateEvent(
        EventKind.IBAN_AMENDED,
        on,
        mandate.debtor_iban,
        iban,
        "same bank" if new_bank_code_same else f"other bank ({SMNDA})",
    )
    amended = _amend(replace(mandate, debtor_iban=iban, debtor_bic=bic), change, event)
    return amended, amended.pending


def amend_creditor_id(
    mandate: Mandate, new_creditor_id: CheckedCreditorId, on: dt.date
) -> tuple[Mandate, AmendmentInfo | None]:
    """The mandate under a new creditor identifier (a merger, a new creditor), and what the
    next collection must carry: the original creditor identifier."""
    _require_open(mandate)
    _require_not_before_signature(mandate, on)
    ci = _checked_creditor_id(new_creditor_id)
    if ci == mandate.creditor_id:
        raise ValidationError(f"mandate {mandate.umr}: the creditor identifier is already {ci}")
    change = AmendmentInfo(original_creditor_id=mandate.creditor_id)
    event = MandateEvent(EventKind.CREDITOR_ID_AMENDED, on, mandate.creditor_id, ci)
    amended = _amend(replace(mandate, creditor_id=ci), change, event)
    return amended, amended.pending


def revoke(mandate: Mandate, on: dt.date, reason: str = "") -> Mandate:
    """The debtor withdrew the authorisation: no further collections."""
    _require_open(mandate)
    _require_not_before_signature(mandate, on)
    return _end(mandate, MandateStatus.REVOKED, on, reason)


def cancel(mandate: Mandate, on: dt.date, reason: str = "") -> Mandate:
    """The creditor ended the mandate (contract closed, other payment method, ...)."""
    _require_open(mandate)
    _require_not_before_signature(mandate, on)
    return _end(mandate, MandateStatus.CANCELLED, on, reason)


def _amend(mandate: Mandate, change: AmendmentInfo, event: MandateEvent) -> Mandate:
    history = (*mandate.history, event)
    if mandate.last_collection_date is None:
        return replace(mandate, history=history)
    pending = change if mandate.pending is None else mandate.pending.then(change)
    return replace(mandate, status=MandateStatus.AMENDED, pending=pending, history=history)


def _end(mandate: Mandate, status: MandateStatus, on: dt.date, reason: str) -> Mandate:
    kind = EventKind(status.value)
    event = MandateEvent(kind, on, mandate.status.value, status.value, reason)
    return replace(mandate, status=status, pending=None, history=(*mandate.history, event))


def _checked_iban(check: CheckedIban) -> str:
    if not check.valid:
        raise ValidationError(f"debtor IBAN {check.iban!r} is not valid: {check.code}")
    return check.iban


def _checked_creditor_id(check: CheckedCreditorId) -> str:
    if not check.valid:
        raise ValidationError(
            f"creditor identifier {check.creditor_id!r} is not valid: {check.code}"
        )
    return check.creditor_id


def _require_open(mandate: Mandate) -> None:
    if mandate.ended:
        raise ValidationError(f"mandate {mandate.umr} is {mandate.status.value}")


def _require_collectable(mandate: Mandate) -> None:
    _require_open(mandate)
    if mandate.sequence is SequenceState.FINISHED:
        raise ValidationError(f"mandate {mandate.umr}: its last collection was already presented")


def _require_not_before_signature(mandate: Mandate, day: dt.date) -> None:
    if day < mandate.signature_date:
        raise ValidationError(
            f"mandate {mandate.umr}: {day.isoformat()} is before the signature "
            f"({mandate.signature_date.isoformat()})"
        )
