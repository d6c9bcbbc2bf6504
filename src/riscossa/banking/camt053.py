"""camt.053 bank-to-customer statement: the booked movements of an account for a day.

Versions 001.02 to 001.08 keep the element names this reader needs (001.08 only wraps the
entry status in ``<Sts><Cd>``), so one reader walks them by local name once the namespace is
known. A message may come bare (``<Document>``) or inside an envelope that carries a
Business Application Header before the Document (``<message><AppHdr/><Document/>``).

A batched booking (one Ntry for many payments, e.g. a collection run or a pagoPA lump sum
detailed by the bank) becomes one entry per TxDtls, so each payment can be matched on its
own; the split is taken only when the details carry amounts that add up to the booking,
otherwise the booking stays whole and the statement still adds up.

Control figures: opening balance + entries = closing balance, and the ``TxsSummry`` (entry
count, sums, net) when the bank gives one; either disagreeing refuses the file. Each entry
keeps its status (BOOK, PDNG, INFO) for the readers of notifications to decide on.

The walkers below (``document_of``, ``statement_of``, ``entries_of``,
``check_transactions_summary``) are shared with the camt.054 notification reader and the
Italian CBI profile of this message, which keep the ISO element names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from lxml import etree

from riscossa.banking import safe_xml
from riscossa.banking.safe_xml import child, children, line_of, local_name, namespace, text
from riscossa.banking.sdd_outcome_model import amount_cents, iso_date, reference
from riscossa.banking.statement_model import (
    Statement,
    StatementEntry,
    check_control_figures,
    format_cents,
)
from riscossa.domain.errors import ImportFileError

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})")
SUPPORTED_VERSIONS = frozenset({"02", "03", "04", "05", "06", "07", "08"})
# Opening: the booked balance at the start, or the previous statement's closing one.
_OPENING_CODES = ("OPBD", "PRCD")
_CLOSING_CODES = ("CLBD",)

_MARKER = b"urn:iso:std:iso:20022:tech:xsd:camt.053.001."
_HEAD_BYTES = 2048

# Reads an element's BkTxCd into the code an entry carries; national profiles supply their own.
CodeReader = Callable[[etree._Element | None], str | None]


def looks_like(data: bytes) -> bool:
    """Whether the first 2 KB name the camt.053 namespace (cheap; parsing decides)."""
    return _MARKER in data[:_HEAD_BYTES]


def parse_camt053(data: bytes, *, what: str = "camt.053 statement") -> tuple[Statement, ...]:
    """Every statement of a camt.053 file, each checked against its balances and summary."""
    root = safe_xml.parse(data, what=what)
    document = document_of(root, what)
    version = _version(document, what)
    body = child(document, "BkToCstmrStmt")
    if body is None:
        raise ImportFileError(f"{what}: no BkToCstmrStmt under the Document{line_of(document)}")
    statements = [
        _checked(stmt, statement_of(stmt, f"camt.053.001.{version}", what), what)
        for stmt in children(body, "Stmt")
    ]
    if not statements:
        raise ImportFileError(f"{what}: the message holds no statement (Stmt){line_of(body)}")
    return tuple(statements)


def _checked(stmt: etree._Element, statement: Statement, what: str) -> Statement:
    """The statement once its balances and its transactions summary agree with its entries."""
    check_control_figures(statement, what=what)
    where = f"{what}: statement {statement.statement_id!r}"
    check_transactions_summary(child(stmt, "TxsSummry"), list(children(stmt, "Ntry")), where)
    return statement


def document_of(root: etree._Element, what: str, message: str = "camt.053") -> etree._Element:
    """The ISO ``<Document>``: the root itself, or the one an envelope (BAH) carries."""
    if local_name(root) == "Document":
        return root
    found = child(root, "Document")
    if found is None:
        raise ImportFileError(
            f"{what}: root element <{local_name(root)}> is neither a {message} Document nor an "
            "envelope holding one"
        )
    return found


def _version(document: etree._Element, what: str) -> str:
    uri = namespace(document)
    matched = _NAMESPACE.fullmatch(uri)
    if matched is None or matched.group(1) not in SUPPORTED_VERSIONS:
        raise ImportFileError(
            f"{what}: namespace {uri or '(none)'!r} is not a camt.053 statement this reader "
            f"knows (camt.053.001.{{{','.join(sorted(SUPPORTED_VERSIONS))}}})"
        )
    return matched.group(1)


def statement_of(
    stmt: etree._Element,
    file_format: str,
    what: str,
    *,
    code_of: CodeReader | None = None,
) -> Statement:
    """One ``<Stmt>`` with its balances and entries; the caller checks its control figures."""
    statement_id = text(stmt, "Id")
    if statement_id is None:
        raise ImportFileError(f"{what}: a statement has no Id{line_of(stmt)}")
    account = text(stmt, "Acct", "Id", "IBAN") or text(stmt, "Acct", "Id", "Othr", "Id")
    if account is None:
        raise ImportFileError(f"{what}: statement {statement_id!r} names no account")
    where = f"{what}: statement {statement_id!r}"
    opening = _balance(stmt, _OPENING_CODES, where)
    closing = _balance(stmt, _CLOSING_CODES, where)
    entries = [
        line
        for entry in children(stmt, "Ntry")
        for line in entries_of(entry, where, code_of=code_of)
    ]
    currency = (
        text(stmt, "Acct", "Ccy")
        or (opening[2] if opening else None)
        or (closing[2] if closing else None)
    )
    return Statement(
        format=file_format,
        statement_id=statement_id,
        account_id=account,
        currency=currency,
        opening_balance_cents=opening[0] if opening else None,
        closing_balance_cents=closing[0] if closing else None,
        opening_date=opening[1] if opening else None,
        closing_date=closing[1] if closing else None,
        entries=tuple(entries),
    )


def _balance(
    stmt: etree._Element, codes: tuple[str, ...], what: str
) -> tuple[int, dt.date | None, str | None] | None:
    """(signed cents, date, currency) of the first balance of the first code present."""
    by_code: dict[str, etree._Element] = {}
    for balance in children(stmt, "Bal"):
        code = text(balance, "Tp", "CdOrPrtry", "Cd")
        if code is not None:
            by_code.setdefault(code, balance)
    for code in codes:
        balance = by_code.get(code)
        if balance is None:
            continue
        amount = amount_cents(child(balance, "Amt"), what)
        if amount is None:
            raise ImportFileError(f"{what}: balance {code} has no amount{line_of(balance)}")
        cents = -amount[0] if _is_debit(balance, what) else amount[0]
        return cents, _date(balance, "Dt", what), amount[1]
    return None


def entries_of(
    entry: etree._Element, what: str, *, code_of: CodeReader | None = None
) -> list[StatementEntry]:
    """The movements of one ``<Ntry>``: one per transaction of a batch that adds up, else one.

    ``code_of`` reads the bank transaction code (default: ISO, else proprietary).
    """
    amount = amount_cents(child(entry, "Amt"), what)
    if amount is None:
        raise ImportFileError(f"{what}: an entry has no amount{line_of(entry)}")
    sign = -1 if _is_debit(entry, what) else 1
    # camt.054.001.01 puts TxDtls directly under Ntry; later versions inside NtryDtls.
    details = [
        tx for block in children(entry, "NtryDtls") for tx in children(block, "TxDtls")
    ] or list(children(entry, "TxDtls"))
    parts = _split(details, amount[0], sign, what) if len(details) > 1 else None
    read_code = code_of or bank_transaction_code
    if parts is None:
        tx = details[0] if details else None
        return [_entry(entry, tx, sign * amount[0], 0, sign, read_code, what)]
    return [
        _entry(entry, tx, cents, index, sign, read_code, what)
        for index, (tx, cents) in enumerate(zip(details, parts, strict=True))
    ]


def entry_status(entry: etree._Element) -> str | None:
    """``<Sts>BOOK</Sts>`` up to version 07, ``<Sts><Cd>BOOK</Cd></Sts>`` from 08 on."""
    return text(entry, "Sts") or text(entry, "Sts", "Cd") or text(entry, "Sts", "Prtry")


def check_transactions_summary(
    summary: etree._Element | None, entries: Sequence[etree._Element], what: str
) -> None:
    """Refuse ``entries`` (the Ntry elements) when a ``<TxsSummry>`` tells another story.

    Checked, when present: the number of entries and the sum of their amounts without sign
    (TtlNtries/NbOfNtries and Sum), the net amount (TtlNetNtryAmt up to version 03,
    TtlNetNtry from 04 on), and the number and sum of credits and of debits (TtlCdtNtries,
    TtlDbtNtries). Every entry counts, whatever its status, as in the ISO definition; the
    direction is the booked one (CdtDbtInd), also for reversals.
    """
    if summary is None:
        return
    amounts = [_entry_amount(entry, what) for entry in entries]
    signed = [-cents if debit else cents for cents, debit in amounts]
    where = f"{what}: TxsSummry{line_of(summary)}"
    totals = child(summary, "TtlNtries")
    _check_number_and_sum(totals, "TtlNtries", [cents for cents, _ in amounts], where)
    _check_net(totals, sum(signed), where)
    credits = [cents for cents, debit in amounts if not debit]
    debits = [cents for cents, debit in amounts if debit]
    _check_number_and_sum(child(summary, "TtlCdtNtries"), "TtlCdtNtries", credits, where)
    _check_number_and_sum(child(summary, "TtlDbtNtries"), "TtlDbtNtries", debits, where)


def _check_net(totals: etree._Element | None, net: int, where: str) -> None:
    block = child(totals, "TtlNetNtry")
    if block is not None:
        name, declared = "TtlNtries/TtlNetNtry", _decimal_cents(child(block, "Amt"), where)
    else:
        block = totals
        name, declared = (
            "TtlNtries/TtlNetNtryAmt",
            _decimal_cents(child(block, "TtlNetNtryAmt"), where),
        )
    if declared is None or block is None:
        return
    if text(block, "CdtDbtInd") is None:  # no direction given: only the size can be compared
        matches = declared == abs(net)
    else:
        declared = -declared if _is_debit(block, where) else declared
        matches = declared == net
    if not matches:
        raise ImportFileError(
            f"{where}: {name} declares a net of {format_cents(declared)}, the entries net "
            f"{format_cents(net)} (credits minus debits)"
        )


def _check_number_and_sum(
    block: etree._Element | None, name: str, amounts: list[int], where: str
) -> None:
    if block is None:
        return
    number = text(block, "NbOfNtries")
    if number is not None:
        if not number.isdigit() or not number.isascii():
            raise ImportFileError(f"{where}: {name}/NbOfNtries {number!r} is not a number")
        if int(number) != len(amounts):
            raise ImportFileError(
                f"{where}: {name}/NbOfNtries declares {int(number)} entries, the file holds "
                f"{len(amounts)}"
            )
    declared = _decimal_cents(child(block, "Sum"), where)
    if declared is not None and declared != sum(amounts):
        raise ImportFileError(
            f"{where}: {name}/Sum declares {format_cents(declared)}, the entries add up to "
            f"{format_cents(sum(amounts))}"
        )


def _entry_amount(entry: etree._Element, what: str) -> tuple[int, bool]:
    """(cents, is a debit) of an Ntry as booked."""
    amount = amount_cents(child(entry, "Amt"), what)
    if amount is None:
        raise ImportFileError(f"{what}: an entry has no amount{line_of(entry)}")
    return amount[0], _is_debit(entry, what)


def _decimal_cents(element: etree._Element | None, where: str) -> int | None:
    """A summary's DecimalNumber (no currency) in cents; None when missing."""
    found = amount_cents(element, where)
    return found[0] if found else None


def _split(details: list[etree._Element], total: int, sign: int, what: str) -> list[int] | None:
    """Signed amounts of a batch's details, or None when they do not make up the booking."""
    parts: list[int] = []
    for tx in details:
        amount = amount_cents(child(tx, "Amt"), what) or amount_cents(
            child(tx, "AmtDtls", "TxAmt", "Amt"), what
        )
        if amount is None:
            return None
        tx_sign = sign
        if text(tx, "CdtDbtInd") is not None:
            tx_sign = -1 if _is_debit(tx, what) else 1
        parts.append(tx_sign * amount[0])
    return parts if sum(parts) == sign * total else None


def _entry(
    entry: etree._Element,
    tx: etree._Element | None,
    cents: int,
    index: int,
    sign: int,
    code_of: CodeReader,
    what: str,
) -> StatementEntry:
    reversal = (text(entry, "RvslInd") or "").lower() in ("true", "1")
    parties = child(tx, "RltdPties")
    code = code_of(tx) or code_of(entry)
    # The payer of a credit, of a credit taken back and of a returned collection (IDDT) is
    # the debtor; any other debit pays the creditor.
    payer_side = sign > 0 or reversal or "/IDDT/" in (code or "")
    side = ("Dbtr", "DbtrAcct") if payer_side else ("Cdtr", "CdtrAcct")
    return StatementEntry(
        amount_cents=cents,
        booking_date=_date(entry, "BookgDt", what),
        value_date=_date(entry, "ValDt", what),
        reversal=reversal,
        bank_reference=text(tx, "Refs", "AcctSvcrRef") or text(entry, "AcctSvcrRef"),
        end_to_end_id=_end_to_end_id(tx),
        remittance_text=_one_line(_remittance(entry, tx)),
        payer_name=_one_line(text(parties, side[0], "Nm") or text(parties, side[0], "Pty", "Nm")),
        payer_iban=text(parties, side[1], "Id", "IBAN"),
        bank_transaction_code=code,
        details_index=index,
        status=entry_status(entry),
    )


def _end_to_end_id(tx: etree._Element | None) -> str | None:
    """The payer's id; placeholders ("NOTPROVIDED", CBI's "-") identify nothing."""
    value = reference(text(tx, "Refs", "EndToEndId"))
    return value if value and any(char.isalnum() for char in value) else None


def _one_line(value: str | None) -> str | None:
    """Text a bank wrapped over indented lines, as one line: the same movement reads the
    same whether its message came bare or indented inside an envelope."""
    return " ".join(value.split()) if value else None


def _remittance(entry: etree._Element, tx: etree._Element | None) -> str | None:
    """Unstructured remittance lines joined; else structured references; else bank notes."""
    info = child(tx, "RmtInf")
    lines = (
        [str(el.text).strip() for el in children(info, "Ustrd") if el.text]
        if info is not None
        else []
    )
    if not lines and info is not None:
        for structured in children(info, "Strd"):
            ref = text(structured, "CdtrRefInf", "Ref")
            lines.extend([ref] if ref else [])
            lines.extend(
                str(el.text).strip() for el in children(structured, "AddtlRmtInf") if el.text
            )
    joined = " ".join(line for line in lines if line)
    return joined or text(tx, "AddtlTxInf") or text(entry, "AddtlNtryInf")


def bank_transaction_code(element: etree._Element | None) -> str | None:
    """ISO code as DOMAIN/FAMILY/SUBFAMILY, else the bank's proprietary code."""
    code = child(element, "BkTxCd")
    domain = text(code, "Domn", "Cd")
    family = text(code, "Domn", "Fmly", "Cd")
    sub = text(code, "Domn", "Fmly", "SubFmlyCd")
    if domain and family and sub:
        return f"{domain}/{family}/{sub}"
    return text(code, "Prtry", "Cd")


def _is_debit(element: etree._Element, what: str) -> bool:
    indicator = text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise ImportFileError(
            f"{what}: credit/debit indicator {indicator!r} is neither CRDT nor DBIT"
            f"{line_of(element)}"
        )
    return indicator == "DBIT"


def _date(element: etree._Element, name: str, what: str) -> dt.date | None:
    """A date given as <Dt> or as <DtTm> (some banks use only the latter)."""
    return iso_date(element, what, name, "Dt") or iso_date(element, what, name, "DtTm")
