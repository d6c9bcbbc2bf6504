"""Read a bank's SDD outcome file ("esiti"), whatever its format, into one model.

The format comes from the root element and its namespace, never from the file name:
pain.002 (ISO versions 03-14, Swiss SIX 03.ch.xx, German DK 002/003.03), camt.054 (ISO
versions 01-13) and the Italian CBI SDD status and technical-validation messages. Anything
else, including a known message in a namespace it does not belong to, is refused whole with
the namespace named, rather than half-read.
"""

from __future__ import annotations

import re

from lxml import etree

from riscossa.banking.camt054 import read_notification
from riscossa.banking.cbi_sdd_status import is_cbi_root, read_cbi_status
from riscossa.banking.pain002 import read_status_report
from riscossa.banking.safe_xml import MAX_BYTES, child, local_name, namespace, parse
from riscossa.banking.sdd_outcome_model import (
    BatchOutcome,
    OutcomeFile,
    OutcomeItem,
    OutcomeKind,
)
from riscossa.domain.errors import ImportFileError

__all__ = [
    "BatchOutcome",
    "OutcomeFile",
    "OutcomeItem",
    "OutcomeKind",
    "read_outcome_messages",
    "read_outcomes",
]

DEFAULT_WHAT = "SDD outcome file"
ISO_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
_ISO = re.compile(r"([a-z]{4}\.\d{3})\.(\d{3})\.(\d{2})")
_SWISS = re.compile(
    r"http://www\.six-interbank-clearing\.com/(?:de|fr|it|en)/(pain\.002\.001\.03\.ch\.\d{2})\.xsd"
)
# message -> (variant, versions read, the element under Document)
_SUPPORTED: dict[str, tuple[str, range, tuple[str, ...]]] = {
    "pain.002": ("001", range(3, 15), ("CstmrPmtStsRpt",)),
    "camt.054": ("001", range(1, 14), ("BkToCstmrDbtCdtNtfctn", "BkToCstmrDbtCdtNtfctnV01")),
}
_GERMAN_PAIN002 = ("pain.002.002.03", "pain.002.003.03")  # DK profiles of version 03
_OTHER_MESSAGES = {
    "camt.052": "an account report",
    "camt.053": "a bank statement",
    "pain.001": "a credit transfer order",
    "pain.008": "a direct-debit collection",
}
EXPECTED = (
    "expected pain.002.001.03 to .14, camt.054.001.01 to .13, or a CBI "
    "CBIBdySDDStsRpt / CBISDDStsRptLogMsg / CBIBdySDDTechValSts message"
)


def read_outcome_messages(
    data: bytes, *, what: str = DEFAULT_WHAT, max_bytes: int = MAX_BYTES
) -> tuple[OutcomeFile, ...]:
    """Every outcome message in ``data``: one for ISO files, one per logical message for a
    CBI physical message. ``what`` names the file in error messages."""
    root = parse(data, what=what, max_bytes=max_bytes)
    if is_cbi_root(root):
        return read_cbi_status(root, what=what)
    file_format, body = _iso_body(root, what)
    if file_format.startswith("camt.054"):
        return (read_notification(body, file_format, what=what),)
    return (read_status_report(body, file_format, what=what),)


def read_outcomes(
    data: bytes, *, what: str = DEFAULT_WHAT, max_bytes: int = MAX_BYTES
) -> OutcomeFile:
    """The outcome message in ``data``; a CBI file holding several logical messages (several
    collections answered at once) is refused: use read_outcome_messages for those."""
    messages = read_outcome_messages(data, what=what, max_bytes=max_bytes)
    if len(messages) != 1:
        raise ImportFileError(
            f"{what}: holds {len(messages)} logical messages (answers to "
            f"{', '.join(m.original_message_id or '?' for m in messages)}); read them one by one"
        )
    return messages[0]


def _iso_body(root: etree._Element, what: str) -> tuple[str, etree._Element]:
    """(format, the message element under Document) of an ISO 20022 file."""
    ns, name = namespace(root), local_name(root)
    if not ns:
        raise ImportFileError(
            f"{what}: root <{name}> has no namespace, so it says no message type; {EXPECTED}"
        )
    swiss = _SWISS.fullmatch(ns)
    matched = _ISO.fullmatch(ns.removeprefix(ISO_PREFIX)) if ns.startswith(ISO_PREFIX) else None
    if swiss:
        file_format, message = swiss.group(1), "pain.002"
    elif matched:
        file_format, message = ns.removeprefix(ISO_PREFIX), matched.group(1)
        variant, version = matched.group(2), int(matched.group(3))
        if message in _OTHER_MESSAGES:
            raise ImportFileError(
                f"{what}: this is {_OTHER_MESSAGES[message]} ({file_format}), not an SDD "
                f"outcome file; {EXPECTED}"
            )
        if message not in _SUPPORTED:
            raise ImportFileError(f"{what}: namespace {ns!r} is no SDD outcome message; {EXPECTED}")
        want_variant, versions, _ = _SUPPORTED[message]
        if file_format not in _GERMAN_PAIN002 and (
            variant != want_variant or version not in versions
        ):
            raise ImportFileError(
                f"{what}: {file_format} is not a supported version of {message} "
                f"(read: {message}.{want_variant}.{versions.start:02d} to "
                f".{versions.stop - 1:02d}); namespace {ns!r}"
            )
    else:
        raise ImportFileError(f"{what}: root <{name}> in namespace {ns!r}: {EXPECTED}")
    if name != "Document":
        raise ImportFileError(f"{what}: root <{name}> where <Document> was expected ({ns!r})")
    for body_name in _SUPPORTED[message][2]:
        body = child(root, body_name)
        if body is not None:
            return file_format, body
    raise ImportFileError(
        f"{what}: <Document> in namespace {ns!r} holds no <{_SUPPORTED[message][2][0]}>"
    )
