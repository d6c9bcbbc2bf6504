"""A SEPA Direct Debit collection as data: creditor, debits, mandates, batches.

The model is what the bank needs to debit, independent of the XML version; the writers
(``pain008``) and the reader (``pain008_reader``) share it so that a file reads back into
the values it was written from. Amounts are integer cents; an amount becomes text only
through ``format_cents`` (Decimal, never float).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from riscossa.banking.creditor_id import check_creditor_id
from riscossa.banking.iban_countries import COUNTRIES
from riscossa.banking.sepa_charset import is_mandate_id, is_sepa_identifier, to_sepa_text

NAME_LENGTH = 70  # EPC limit for party names (the ISO schema allows 140)
REMITTANCE_LENGTH = 140
MAX_AMOUNT_CENTS = 99_999_999_999  # 999,999,999.99: the EPC ceiling per debit


class Scheme(StrEnum):
    """The rulebook: CORE for consumers and businesses, B2B for businesses only."""

    CORE = "CORE"
    B2B = "B2B"


class SequenceType(StrEnum):
    """First, recurrent, final or one-off collection under a mandate."""

    FRST = "FRST"
    RCUR = "RCUR"
    FNAL = "FNAL"
    OOFF = "OOFF"


_SCHEME_ORDER = {scheme: i for i, scheme in enumerate(Scheme)}
_SEQUENCE_ORDER = {sequence: i for i, sequence in enumerate(SequenceType)}


@dataclass(frozen=True, slots=True)
class Creditor:
    """The collecting company; ``cbi_code`` (CUC) is needed only by the Italian CBI format."""

    name: str
    creditor_id: str
    iban: str
    bic: str | None = None
    cbi_code: str | None = None


@dataclass(frozen=True, slots=True)
class MandateAmendment:
    """What changed on the mandate since the last collection (AmdmntInfDtls).

    ``original_debtor_iban`` is a new account at the same bank; ``new_debtor_bank`` is the
    EPC "SMNDA" (same mandate, new debtor agent) for a move to another bank. The two exclude
    each other.
    """

    original_mandate_id: str | None = None
    original_creditor_id: str | None = None
    original_creditor_name: str | None = None
    original_debtor_iban: str | None = None
    new_debtor_bank: bool = False


@dataclass(frozen=True, slots=True)
class DebitTransaction:
    """One debit; scheme, sequence type and date default to the collection's when None.

    Either ``remittance_info`` (free text) or ``creditor_reference`` (ISO 11649 "RF")
    may be given, not both: the EPC allows one remittance form per debit.
    """

    end_to_end_id: str
    amount_cents: int
    mandate_id: str
    mandate_signed_on: dt.date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None = None
    remittance_info: str | None = None
    creditor_reference: str | None = None
    amendment: MandateAmendment | None = None
    sequence_type: SequenceType | None = None
    scheme: Scheme | None = None
    collection_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    """A collection file's content; the defaults apply to debits that do not say otherwise."""

    message_id: str
    created_at: dt.datetime
    collection_date: dt.date
    creditor: Creditor
    transactions: Sequence[DebitTransaction]
    scheme: Scheme = Scheme.CORE
    sequence_type: SequenceType = SequenceType.RCUR


@dataclass(frozen=True, slots=True)
class Batch:
    """One PmtInf: debits sharing scheme, sequence type and requested collection date."""

    payment_info_id: str
    scheme: Scheme
    sequence_type: SequenceType
    collection_date: dt.date
    creditor: Creditor
    transactions: tuple[DebitTransaction, ...]

    @property
    def count(self) -> int:
        return len(self.transactions)

    @property
    def control_sum_cents(self) -> int:
        return sum(tx.amount_cents for tx in self.transactions)


BatchKey = tuple[dt.date, Scheme, SequenceType]


def format_cents(cents: int) -> str:
    """Integer cents as the XML decimal with two places: 1234 -> "12.34"."""
    return str(Decimal(cents).scaleb(-2))


def batch_key(collection: Collection, tx: DebitTransaction) -> BatchKey:
    """Requested collection date, scheme and sequence type after the collection's defaults."""
    return (
        tx.collection_date or collection.collection_date,
        tx.scheme or collection.scheme,
        tx.sequence_type or collection.sequence_type,
    )


def _sort_key(key: BatchKey) -> tuple[dt.date, int, int]:
    return key[0], _SCHEME_ORDER[key[1]], _SEQUENCE_ORDER[key[2]]


def payment_info_id(message_id: str, number: int) -> str:
    """The n-th batch's id: the message id (cut to fit 35 characters) and "-n"."""
    suffix = f"-{number}"
    return message_id[: 35 - len(suffix)] + suffix


def group_batches(collection: Collection) -> list[tuple[BatchKey, list[DebitTransaction]]]:
    """Debits grouped by batch key, keys in date/scheme/sequence order, debits in input order."""
    groups: dict[BatchKey, list[DebitTransaction]] = {}
    for tx in collection.transactions:
        key = batch_key(collection, tx)
        group = groups.get(key)
        if group is None:
            groups[key] = [tx]
        else:
            group.append(tx)
    return sorted(groups.items(), key=lambda item: _sort_key(item[0]))


def plan_batches(collection: Collection) -> tuple[Batch, ...]:
    """The PmtInf blocks a writer emits, with their ids, in file order."""
    return tuple(
        Batch(
            payment_info_id(collection.message_id, number),
            key[1],
            key[2],
            key[0],
            collection.creditor,
            tuple(txs),
        )
        for number, (key, txs) in enumerate(group_batches(collection), start=1)
    )


# --- checks -------------------------------------------------------------------------------

_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
# BIC: the older (pain.008.001.02) pattern, which the newer BICFI pattern also accepts.
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")
_CBI_CODE = re.compile(r"[A-Z0-9]{8}")
_RF = re.compile(r"RF[0-9]{2}[A-Z0-9]{1,21}")
_DIGITS = {**{str(d): str(d) for d in range(10)}, **{chr(65 + i): str(10 + i) for i in range(26)}}
_DIGIT = _DIGITS.__getitem__


def _mod97(text: str) -> int:
    """MOD 97-10 like ``iban.mod97``, about twice as fast on the per-debit path."""
    if text.isdigit():
        return int(text) % 97
    return int("".join(map(_DIGIT, text))) % 97


def iban_problem(iban: str) -> str | None:
    """Why an IBAN in electronic form cannot go into a file, or None.

    Shape, SEPA country, length and mod-97: the cheap checks a file writer can afford per
    debit. The Italian CIN and bank registries are checked where IBANs enter the system.
    """
    if not _IBAN_SHAPE.fullmatch(iban):
        return f"IBAN {iban!r} is not an IBAN in electronic form"
    country = COUNTRIES.get(iban[:2])
    if country is None or not country.sepa:
        return f"IBAN {iban!r} is not from a SEPA country"
    if len(iban) != country.iban_length:
        return f"IBAN {iban!r} must have {country.iban_length} characters"
    if _mod97(iban[4:] + iban[:4]) != 1:
        return f"IBAN {iban!r} fails the mod-97 check"
    return None


def bic_problem(bic: str) -> str | None:
    return None if _BIC.fullmatch(bic) else f"BIC {bic!r} is not 8 or 11 upper-case characters"


def _creditor_id_problem(creditor_id: str) -> str | None:
    """A creditor identifier must be valid and already in its compact, upper-case form."""
    check = check_creditor_id(creditor_id)
    if not check.valid:
        return f"creditor identifier {creditor_id!r} is not valid ({check.code.value})"
    if check.creditor_id != creditor_id:
        return f"creditor identifier {creditor_id!r} is not in compact form ({check.creditor_id})"
    return None


def rf_problem(reference: str) -> str | None:
    """ISO 11649 creditor reference: "RF", check digits, up to 21 alphanumerics, mod-97."""
    if not _RF.fullmatch(reference) or _mod97(reference[4:] + reference[:4]) != 1:
        return f"creditor reference {reference!r} is not a valid RF reference"
    return None


def italian_abi(iban: str) -> str | None:
    """The ABI (bank code) of an Italian or San Marino IBAN, else None."""
    if iban[:2] in ("IT", "SM") and len(iban) == 27:
        return iban[5:10]
    return None


def creditor_problems(creditor: Creditor, *, cbi: bool = False) -> list[str]:
    """What stops a creditor from appearing in a file; ``cbi`` adds the CBI requirements."""
    problems = []
    if not to_sepa_text(creditor.name, NAME_LENGTH):
        problems.append("creditor: name is empty in the SEPA character set")
    for problem in (
        _creditor_id_problem(creditor.creditor_id),
        iban_problem(creditor.iban),
        bic_problem(creditor.bic) if creditor.bic is not None else None,
    ):
        if problem:
            problems.append(f"creditor: {problem}")
    if cbi:
        if creditor.cbi_code is None or not _CBI_CODE.fullmatch(creditor.cbi_code):
            problems.append("creditor: the CBI format needs the 8-character CBI code (CUC)")
        if italian_abi(creditor.iban) is None:
            problems.append("creditor: the CBI format needs an Italian or San Marino IBAN")
    return problems


def _amendment_problems(amendment: MandateAmendment) -> list[str]:
    problems = []
    if (
        amendment.original_mandate_id is None
        and amendment.original_creditor_id is None
        and amendment.original_creditor_name is None
        and amendment.original_debtor_iban is None
        and not amendment.new_debtor_bank
    ):
        problems.append("amendment says nothing changed")
    if amendment.original_debtor_iban is not None and amendment.new_debtor_bank:
        problems.append("amendment cannot be both a same-bank account change and SMNDA")
    if amendment.original_mandate_id is not None and not is_mandate_id(
        amendment.original_mandate_id
    ):
        problems.append(f"original mandate id {amendment.original_mandate_id!r} is malformed")
    if amendment.original_creditor_id is not None:
        problem = _creditor_id_problem(amendment.original_creditor_id)
        if problem:
            problems.append(f"original {problem}")
    if amendment.original_debtor_iban is not None:
        problem = iban_problem(amendment.original_debtor_iban)
        if problem:
            problems.append(f"original debtor {problem}")
    return problems


def transaction_problems(tx: DebitTransaction, signed_by: dt.date) -> list[str]:
    """What stops one debit from going into a file; ``signed_by``: latest signature date."""
    problems = []
    if not is_sepa_identifier(tx.end_to_end_id):
        problems.append("end-to-end id is not 1-35 SEPA characters")
    if not 0 < tx.amount_cents <= MAX_AMOUNT_CENTS:
        problems.append(f"amount {tx.amount_cents} cents is outside 1..{MAX_AMOUNT_CENTS}")
    if not is_mandate_id(tx.mandate_id):
        problems.append(f"mandate id {tx.mandate_id!r} is not 1-35 SEPA characters")
    if tx.mandate_signed_on > signed_by:
        problems.append(f"mandate signed on {tx.mandate_signed_on} is after the file's date")
    if not to_sepa_text(tx.debtor_name, NAME_LENGTH):
        problems.append("debtor name is empty in the SEPA character set")
    problem = iban_problem(tx.debtor_iban)
    if problem:
        problems.append(f"debtor {problem}")
    if tx.debtor_bic is not None:
        problem = bic_problem(tx.debtor_bic)
        if problem:
            problems.append(f"debtor {problem}")
    if tx.remittance_info is not None and tx.creditor_reference is not None:
        problems.append("give either remittance text or a creditor reference, not both")
    if tx.remittance_info is not None and len(tx.remittance_info) > REMITTANCE_LENGTH:
        problems.append(f"remittance text is longer than {REMITTANCE_LENGTH} characters")
    if tx.creditor_reference is not None:
        problem = rf_problem(tx.creditor_reference)
        if problem:
            problems.append(problem)
    if tx.amendment is not None:
        problems.extend(_amendment_problems(tx.amendment))
    return problems


def collection_problems(
    collection: Collection, *, cbi: bool = False, limit: int = 100
) -> list[str]:
    """Readable reasons the collection cannot be written, at most ``limit``; empty when fine.

    Everything is checked before the first byte is written, so that a bank never receives
    half a file. Each message names the debit by position and end-to-end id.
    """
    problems: list[str] = []
    if not is_sepa_identifier(collection.message_id):
        problems.append(f"message id {collection.message_id!r} is not 1-35 SEPA characters")
    if collection.created_at.utcoffset() is None:
        problems.append("creation time must carry a time zone")
    problems.extend(creditor_problems(collection.creditor, cbi=cbi))
    if not collection.transactions:
        problems.append("a collection needs at least one debit")
    signed_by = collection.created_at.date()
    seen: set[str] = set()
    for position, tx in enumerate(collection.transactions, start=1):
        if len(problems) >= limit:
            break
        found = transaction_problems(tx, signed_by)
        if tx.end_to_end_id in seen:
            found.append("end-to-end id is repeated in this file")
        seen.add(tx.end_to_end_id)
        problems.extend(f"debit {position} ({tx.end_to_end_id!r}): {p}" for p in found)
    return problems[:limit]
