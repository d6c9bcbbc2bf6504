"""camt.054 debit/credit notifications read as statements: the day's payments, one by one.

A bank that books incoming transfers or a pagoPA/SDD lump sum on the statement details them
in a camt.054; reconciliation needs those payments with their payers and references. (The
direct-debit outcomes of the same message are read by ``camt054``, for another purpose.)

Each ``Ntfctn`` becomes a ``Statement`` without balances (a notification has none), its
entries built by the camt.053 walker: credit positive, debit negative, a batch split per
transaction when the details add up. Versions 001.01 (root ``BkToCstmrDbtCdtNtfctnV01``,
TxDtls directly under Ntry, proprietary account ids) to 001.08 are read, bare or inside a
Business Application Header envelope.

Entry status: a notification may announce a payment before the bank books it, so every
entry is kept with its status. BOOK is booked; PDNG (pending) and FUTR (booked at a future
date) are payments in transit, to be matched provisionally and confirmed by the statement;
INFO is information only (e.g. a rejected collection), never money on the account. See
``is_booked`` and ``is_in_transit``. A missing or unknown status refuses the file, since
it alone tells a payment received from one announced.

Control figures: a ``TxsSummry`` of the notification (or of the group header, for the whole
message) is checked against the Ntry elements whatever their status, and any disagreement
refuses the file: a notification that lost or invented a payment would leave an invoice
open or close one twice.
"""

from __future__ import annotations

import re

from lxml import etree

from riscossa.banking import safe_xml
from riscossa.banking.camt053 import (
    check_transactions_summary,
    document_of,
    entries_of,
    entry_status,
)
from riscossa.banking.safe_xml import child, children, line_of, namespace, text
from riscossa.banking.sdd_outcome_model import amount_cents
from riscossa.banking.statement_model import Statement, StatementEntry
from riscossa.domain.errors import ImportFileError

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.(\d{2})")
SUPPORTED_VERSIONS = frozenset(f"{version:02d}" for version in range(1, 9))
_BODIES = ("BkToCstmrDbtCdtNtfctn", "BkToCstmrDbtCdtNtfctnV01")
_MARKER = b"urn:iso:std:iso:20022:tech:xsd:camt.054.001."
_HEAD_BYTES = 2048

BOOKED = "BOOK"
IN_TRANSIT = frozenset({"PDNG", "FUTR"})
INFORMATION = "INFO"
STATUSES = frozenset({BOOKED, INFORMATION} | IN_TRANSIT)
# Account ids: IBAN or other id from version 02; BBAN, UPIC or proprietary in version 01.
_ACCOUNT_PATHS = (("IBAN",), ("Othr", "Id"), ("PrtryAcct", "Id"), ("BBAN",), ("UPIC",))


def looks_like(data: bytes) -> bool:
    """Whether the first 2 KB name the camt.054 namespace (cheap; parsing decides)."""
    return _MARKER in data[:_HEAD_BYTES]


def is_booked(entry: StatementEntry) -> bool:
    """Booked on the account; formats without a status (MT940) only report booked entries."""
    return entry.status is None or entry.status == BOOKED


def is_in_transit(entry: StatementEntry) -> bool:
    """Announced but not yet booked: a payment in transit."""
    return entry.status in IN_TRANSIT


def parse_camt054_flow(
    data: bytes, *, what: str = "camt.054 notification"
) -> tuple[Statement, ...]:
    """Every notification of a camt.054 file, each checked against its transactions summary."""
    root = safe_xml.parse(data, what=what)
    document = document_of(root, what, "camt.054")
    version = _version(document, what)
    body = next((found for name in _BODIES if (found := child(document, name)) is not None), None)
    if body is None:
        raise ImportFileError(
            f"{what}: no BkToCstmrDbtCdtNtfctn under the Document{line_of(document)}"
        )
    notifications = list(children(body, "Ntfctn"))
    if not notifications:
        raise ImportFileError(f"{what}: the message holds no notification (Ntfctn){line_of(body)}")
    statements = tuple(
        _notification(ntfctn, f"camt.054.001.{version}", what) for ntfctn in notifications
    )
    check_transactions_summary(
        child(body, "GrpHdr", "TxsSummry"),
        [entry for ntfctn in notifications for entry in children(ntfctn, "Ntry")],
        f"{what}: group header",
    )
    return statements


def _version(document: etree._Element, what: str) -> str:
    uri = namespace(document)
    matched = _NAMESPACE.fullmatch(uri)
    if matched is None or matched.group(1) not in SUPPORTED_VERSIONS:
        raise ImportFileError(
            f"{what}: namespace {uri or '(none)'!r} is not a camt.054 notification this reader "
            f"knows (camt.054.001.01 to .{max(SUPPORTED_VERSIONS)})"
        )
    return matched.group(1)


def _notification(ntfctn: etree._Element, file_format: str, what: str) -> Statement:
    notification_id = text(ntfctn, "Id")
    if notification_id is None:
        raise ImportFileError(f"{what}: a notification has no Id{line_of(ntfctn)}")
    where = f"{what}: notification {notification_id!r}"
    account = next(
        (found for path in _ACCOUNT_PATHS if (found := text(ntfctn, "Acct", "Id", *path))),
        None,
    )
    if account is None:
        raise ImportFileError(f"{where} names no account{line_of(child(ntfctn, 'Acct'))}")
    ntries = list(children(ntfctn, "Ntry"))
    for ntry in ntries:
        _check_status(ntry, where)
    entries = [line for ntry in ntries for line in entries_of(ntry, where)]
    check_transactions_summary(child(ntfctn, "TxsSummry"), ntries, where)
    return Statement(
        format=file_format,
        statement_id=notification_id,
        account_id=account,
        currency=text(ntfctn, "Acct", "Ccy") or _single_currency(ntries, where),
        opening_balance_cents=None,
        closing_balance_cents=None,
        opening_date=None,
        closing_date=None,
        entries=tuple(entries),
    )


def _check_status(ntry: etree._Element, where: str) -> None:
    status = entry_status(ntry)
    if status is None:
        raise ImportFileError(
            f"{where}: an entry has no status (Sts), so it cannot tell a booked payment from an "
            f"announced one{line_of(ntry)}"
        )
    if status not in STATUSES:
        raise ImportFileError(
            f"{where}: entry status {status!r} is none of {', '.join(sorted(STATUSES))}"
            f"{line_of(child(ntry, 'Sts'))}"
        )


def _single_currency(ntries: list[etree._Element], where: str) -> str | None:
    """The currency all entries share, when the account states none."""
    currencies = set()
    for ntry in ntries:
        amount = amount_cents(child(ntry, "Amt"), where)
        currencies.add(amount[1] if amount else None)
    return currencies.pop() if len(currencies) == 1 else None
