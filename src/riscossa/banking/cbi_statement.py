"""Italian CBI daily statements ("rendicontazione" XML): the CBI profile of camt.053.001.02.

A physical message ``CBIBdyBkToCstmrStmtReq`` (PhyMsgTpCd INF-STMT-01) wraps one logical
message per statement, ``CBIEnvelBkToCstmrStmtReqLogMsg / CBIBkToCstmrStmtReqLogMsg /
CBIDlyStmtReqLogMsg``; a ``CBIDlyStmtReqLogMsg`` may also come on its own. Each prefix
(BDY:, DATA:, DLY: in the files seen) is its own namespace, so the tree is walked by local
name, and inside the logical message the ISO element names of camt.053 are kept: the
camt.053 walker reads the statements, whose balances and transactions summary are checked.

What the CBI profile adds to camt.053.001.02:

- the bank transaction code is the CBI "causale" (the ABI code of the movement, e.g. 48 =
  incoming credit transfer) in ``BkTxCd/Prtry/Cd`` with ``Issr`` CBI, written "48//"; it
  becomes ``bank_transaction_code`` "CBI:48" when the entry carries no ISO code;
- ``Refs/ClrSysRef`` holds the interbank transfer reference (TRN), ``AddtlTxInf`` the
  bank's own description of the movement, and the account servicer's ABI code sits in
  ``Acct/Svcr/FinInstnId/ClrSysMmbId/MmbId`` (also in ``GrpHdr/AddtlInf``).

Only daily statements of version 00.01.02 are read; any other logical message (e.g. the
periodic ``CBIPrdcStmtReqLogMsg``) is refused by name rather than half-read.
"""

from __future__ import annotations

import re

from lxml import etree

from riscossa.banking import safe_xml
from riscossa.banking.camt053 import (
    bank_transaction_code,
    check_transactions_summary,
    statement_of,
)
from riscossa.banking.safe_xml import child, children, line_of, local_name, namespace, text
from riscossa.banking.statement_model import Statement, check_control_figures
from riscossa.domain.errors import ImportFileError

CBI_PREFIX = "urn:CBI:xsd:"
VERSION = "00.01.02"
PHYSICAL = "CBIBdyBkToCstmrStmtReq"
ENVELOPE = "CBIEnvelBkToCstmrStmtReqLogMsg"
LOGICAL = "CBIBkToCstmrStmtReqLogMsg"
DAILY = "CBIDlyStmtReqLogMsg"
FORMAT = f"{DAILY}.{VERSION}"
_MARKERS = (f"{CBI_PREFIX}{PHYSICAL}.".encode(), f"{CBI_PREFIX}{DAILY}.".encode())
_HEAD_BYTES = 2048
# "48//": the causale, then parts the samples leave empty.
_CAUSALE = re.compile(r"([0-9A-Z]{2})((?:/[^/]*)*?)/*")


def looks_like(data: bytes) -> bool:
    """Whether the first 2 KB name a CBI statement namespace (cheap; parsing decides)."""
    head = data[:_HEAD_BYTES]
    return any(marker in head for marker in _MARKERS)


def parse_cbi_statement(data: bytes, *, what: str = "CBI statement") -> tuple[Statement, ...]:
    """Every statement of a CBI physical or logical statement message, each checked."""
    root = safe_xml.parse(data, what=what)
    name, uri = local_name(root), namespace(root)
    if name == PHYSICAL and uri == f"{CBI_PREFIX}{PHYSICAL}.{VERSION}":
        messages = _logical_messages(root, what)
    elif name == DAILY and uri == f"{CBI_PREFIX}{FORMAT}":
        messages = [root]
    else:
        raise ImportFileError(
            f"{what}: root <{name}> in namespace {uri or '(none)'!r} is no CBI statement this "
            f"reader knows (expected {PHYSICAL}.{VERSION} or {FORMAT})"
        )
    statements: list[Statement] = []
    for number, message in enumerate(messages, start=1):
        where = what if len(messages) == 1 else f"{what}, logical message {number}"
        statements.extend(_statements(message, where))
    return tuple(statements)


def cbi_transaction_code(element: etree._Element | None) -> str | None:
    """The ISO code when there is one, else the CBI causale as "CBI:48", else the bank's own."""
    code = child(element, "BkTxCd")
    if text(code, "Domn", "Cd") is None and text(code, "Prtry", "Issr") == "CBI":
        proprietary = text(code, "Prtry", "Cd")
        matched = _CAUSALE.fullmatch(proprietary or "")
        if matched:
            return f"CBI:{matched.group(1)}{matched.group(2)}"
    return bank_transaction_code(element)


def _logical_messages(root: etree._Element, what: str) -> list[etree._Element]:
    messages: list[etree._Element] = []
    for number, envelope in enumerate(children(root, ENVELOPE), start=1):
        wrapper = child(envelope, LOGICAL)
        daily = child(wrapper, DAILY)
        if daily is None:
            inner = next(iter(wrapper), None) if wrapper is not None else None
            found = local_name(inner) if inner is not None else "nothing"
            raise ImportFileError(
                f"{what}: logical message {number} holds {found}, not a daily statement "
                f"({LOGICAL}/{DAILY}){line_of(envelope)}"
            )
        messages.append(daily)
    if not messages:
        raise ImportFileError(f"{what}: no {ENVELOPE} in the file{line_of(root)}")
    _check_count(root, len(messages), what)
    return messages


def _check_count(root: etree._Element, held: int, what: str) -> None:
    """NbOfLogMsg must count the logical messages.

    The one real envelope at hand (a bank's file, obfuscated) declares 24 for its 12
    statements, exactly two per logical message; until the CBI specification says which
    count is meant, both are taken and any other figure refuses the file.
    """
    declared = text(root, "PhyMsgInf", "NbOfLogMsg")
    if declared is None:
        return
    if not declared.isascii() or not declared.isdigit() or int(declared) not in (held, 2 * held):
        raise ImportFileError(
            f"{what}: NbOfLogMsg declares {declared} logical messages, the file holds {held}"
            f"{line_of(child(root, 'PhyMsgInf'))}"
        )


def _statements(message: etree._Element, what: str) -> list[Statement]:
    header = child(message, "GrpHdr")
    uri = namespace(header if header is not None else message)
    if uri != f"{CBI_PREFIX}{FORMAT}":
        raise ImportFileError(
            f"{what}: the {DAILY} content is in namespace {uri or '(none)'!r}; expected "
            f"{CBI_PREFIX}{FORMAT}{line_of(header)}"
        )
    stmts = list(children(message, "Stmt"))
    if not stmts:
        raise ImportFileError(f"{what}: the message holds no statement (Stmt){line_of(message)}")
    statements = []
    for stmt in stmts:
        statement = statement_of(stmt, FORMAT, what, code_of=cbi_transaction_code)
        check_control_figures(statement, what=what)
        where = f"{what}: statement {statement.statement_id!r}"
        check_transactions_summary(child(stmt, "TxsSummry"), list(children(stmt, "Ntry")), where)
        statements.append(statement)
    return statements
