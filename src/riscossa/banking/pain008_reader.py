"""Reading SEPA Direct Debit collection files back into ``sdd_collection`` values.

Reads what ``pain008`` writes (pain.008.001.08, pain.008.001.02, CBI CBISDDReqLogMsg
00.01.01) and the same messages from other software: BIC or BICFI, with or without batch
totals, the older SMNDA form (``OrgnlDbtrAcct/Id/Othr/Id``). Other versions are refused
with ``UnsupportedVersion`` naming the namespace. The file streams through lxml's iterparse
and each debit is dropped once read, so large files do not sit in memory as a tree.

Debits read back carry ``sequence_type``, ``scheme`` and ``collection_date`` as None: their
batch holds those values, as in the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from riscossa.banking.pain008 import (
    CBI_ISSUER,
    CBI_ROOT,
    NAMESPACES,
    SAME_MANDATE_NEW_DEBTOR_AGENT,
    CollectionFormat,
)
from riscossa.banking.sdd_collection import (
    Batch,
    Creditor,
    DebitTransaction,
    MandateAmendment,
    Scheme,
    SequenceType,
)
from riscossa.banking.xml_schemas import (
    UnsupportedVersion,
    iter_events,
    local_name,
    namespace_of,
    root_tag,
)
from riscossa.domain.errors import ImportFileError

FORMATS_BY_NAMESPACE = {namespace: fmt for fmt, namespace in NAMESPACES.items()}
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_DECIMAL = re.compile(r"\d+(\.\d+)?")


class MalformedCollection(ImportFileError):
    """A supported collection file with a missing, unreadable or contradictory value."""


@dataclass(frozen=True, slots=True)
class CollectionFile:
    """A collection file as read: group header values and the batches in file order."""

    format: CollectionFormat
    message_id: str
    created_at: dt.datetime
    initiating_party: str
    number_of_transactions: int
    control_sum_cents: int | None
    batches: tuple[Batch, ...]

    def transactions(self) -> Iterator[DebitTransaction]:
        for batch in self.batches:
            yield from batch.transactions


def parse_amount(text: str | None, where: str) -> int:
    """A euro amount as integer cents; refuses more than two decimals, signs and exponents."""
    value = text.strip() if text is not None else ""
    if not _DECIMAL.fullmatch(value):
        raise MalformedCollection(f"{where}: amount {text!r} is not a decimal number")
    try:
        cents = Decimal(value) * 100
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise MalformedCollection(f"{where}: amount {text!r} is not a decimal number") from exc
    if cents != cents.to_integral_value():
        raise MalformedCollection(f"{where}: amount {text!r} has fractions of a cent")
    return int(cents)


def _parse_date(text: str | None, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise MalformedCollection(f"{where}: {text!r} is not a date (YYYY-MM-DD)") from exc


def _parse_datetime(text: str | None, where: str) -> dt.datetime:
    value = _LONG_FRACTION.sub(r"\1", (text or "").strip())
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedCollection(f"{where}: {text!r} is not an ISO date and time") from exc


class _Reader:
    """Paths and state for one file; ``q`` qualifies local names with the file's namespace."""

    def __init__(self, fmt: CollectionFormat) -> None:
        self.fmt = fmt
        self.ns = fmt.namespace
        self.cbi_code: str | None = None
        self.tx_creditor_id: str | None = None
        self.paths: dict[str, str] = {}

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def path(self, path: str) -> str:
        found = self.paths.get(path)
        if found is None:
            found = "/".join(self.q(part) for part in path.split("/"))
            self.paths[path] = found
        return found

    def text(self, element: Any, path: str) -> str | None:
        value: str | None = element.findtext(self.path(path))
        return value.strip() if value is not None else None

    def need(self, element: Any, path: str, where: str) -> str:
        value = self.text(element, path)
        if not value:
            raise MalformedCollection(f"{where}: {path} is missing")
        return value

    def bic(self, element: Any, path: str) -> str | None:
        return self.text(element, f"{path}/BICFI") or self.text(element, f"{path}/BIC")

    # --- group header ----------------------------------------------------------------

    def header(self, element: Any) -> tuple[str, dt.datetime, str, int, int | None]:
        where = "group header"
        message_id = self.need(element, "MsgId", where)
        created_at = _parse_datetime(self.need(element, "CreDtTm", where), f"{where} CreDtTm")
        count_text = self.need(element, "NbOfTxs", where)
        if not count_text.isdigit():
            raise MalformedCollection(f"{where}: NbOfTxs {count_text!r} is not a number")
        total_text = self.text(element, "CtrlSum")
        total = parse_amount(total_text, f"{where} CtrlSum") if total_text else None
        party = self.text(element, "InitgPty/Nm") or ""
        for other in element.iterfind(self.path("InitgPty/Id/OrgId/Othr")):
            if self.text(other, "Issr") == CBI_ISSUER:
                self.cbi_code = self.text(other, "Id")
        return message_id, created_at, party, int(count_text), total

    # --- debits ----------------------------------------------------------------------

    def flatten(self, element: Any, prefix: str, out: dict[str, str]) -> dict[str, str]:
        """Leaf texts of ``element`` by local-name path ("DbtrAcct/Id/IBAN"), first one wins.

        One walk over a debit's ~25 elements is cheaper than a dozen ElementPath lookups.
        """
        cut = len(self.ns) + 2
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or not tag.startswith("{"):
                continue
            path = prefix + tag[cut:]
            if len(child):
                self.flatten(child, path + "/", out)
            elif path not in out:
                text = child.text
                out[path] = text.strip() if text else ""
        return out

    def amendment(self, leaves: dict[str, str], where: str) -> MandateAmendment | None:
        if leaves.get("DrctDbtTx/MndtRltdInf/AmdmntInd") not in ("true", "1"):
            return None
        details = "DrctDbtTx/MndtRltdInf/AmdmntInfDtls/"
        found = {key[len(details) :]: v for key, v in leaves.items() if key.startswith(details)}
        if not found:
            raise MalformedCollection(f"{where}: AmdmntInd is true but AmdmntInfDtls is missing")
        agent = found.get("OrgnlDbtrAgt/FinInstnId/Othr/Id")
        legacy = found.get("OrgnlDbtrAcct/Id/Othr/Id")  # pre-2016 position of SMNDA
        return MandateAmendment(
            original_mandate_id=found.get("OrgnlMndtId") or None,
            original_creditor_id=found.get("OrgnlCdtrSchmeId/Id/PrvtId/Othr/Id") or None,
            original_creditor_name=found.get("OrgnlCdtrSchmeId/Nm") or None,
            original_debtor_iban=found.get("OrgnlDbtrAcct/Id/IBAN") or None,
            new_debtor_bank=SAME_MANDATE_NEW_DEBTOR_AGENT in (agent, legacy),
        )

    def _where(self, element: Any, position: int) -> str:
        batch_id = self.text(element.getparent(), "PmtInfId") or "?"
        return f"batch {batch_id!r}, debit {position}"

    def _required(self, leaves: dict[str, str], path: str, element: Any, position: int) -> str:
        value = leaves.get(path)
        if not value:
            raise MalformedCollection(f"{self._where(element, position)}: {path} is missing")
        return value

    def debit(self, element: Any, position: int) -> DebitTransaction:
        leaves = self.flatten(element, "", {})
        amount = element.find(self.q("InstdAmt"))
        if amount is None or amount.get("Ccy") != "EUR":
            found = None if amount is None else amount.get("Ccy")
            where = self._where(element, position)
            raise MalformedCollection(f"{where}: InstdAmt is missing or not in EUR ({found!r})")
        if self.tx_creditor_id is None:
            self.tx_creditor_id = leaves.get("DrctDbtTx/CdtrSchmeId/Id/PrvtId/Othr/Id")
        mandate = "DrctDbtTx/MndtRltdInf/"
        where = f"debit {position}"
        return DebitTransaction(
            end_to_end_id=self._required(leaves, "PmtId/EndToEndId", element, position),
            amount_cents=parse_amount(leaves.get("InstdAmt"), where),
            mandate_id=self._required(leaves, mandate + "MndtId", element, position),
            mandate_signed_on=_parse_date(
                self._required(leaves, mandate + "DtOfSgntr", element, position),
                f"{where} DtOfSgntr",
            ),
            debtor_name=leaves.get("Dbtr/Nm", ""),
            debtor_iban=self._required(leaves, "DbtrAcct/Id/IBAN", element, position),
            debtor_bic=leaves.get("DbtrAgt/FinInstnId/BICFI")
            or leaves.get("DbtrAgt/FinInstnId/BIC")
            or None,
            remittance_info=leaves.get("RmtInf/Ustrd") or None,
            creditor_reference=leaves.get("RmtInf/Strd/CdtrRefInf/Ref") or None,
            amendment=self.amendment(leaves, where),
        )

    # --- batches ---------------------------------------------------------------------

    def batch(self, element: Any, debits: list[DebitTransaction]) -> Batch:
        batch_id = self.need(element, "PmtInfId", "batch")
        where = f"batch {batch_id!r}"
        if not debits:
            raise MalformedCollection(f"{where}: holds no debit")
        scheme_code = self.need(element, "PmtTpInf/LclInstrm/Cd", where)
        sequence_code = self.need(element, "PmtTpInf/SeqTp", where)
        try:
            scheme, sequence = Scheme(scheme_code), SequenceType(sequence_code)
        except ValueError as exc:
            raise MalformedCollection(
                f"{where}: scheme {scheme_code!r} / sequence type {sequence_code!r} unknown"
            ) from exc
        creditor_id = self.text(element, "CdtrSchmeId/Id/PrvtId/Othr/Id") or self.tx_creditor_id
        if not creditor_id:
            raise MalformedCollection(f"{where}: creditor scheme identifier is missing")
        creditor = Creditor(
            name=self.text(element, "Cdtr/Nm") or "",
            creditor_id=creditor_id,
            iban=self.need(element, "CdtrAcct/Id/IBAN", where),
            bic=self.bic(element, "CdtrAgt/FinInstnId"),
            cbi_code=self.cbi_code,
        )
        batch = Batch(
            payment_info_id=batch_id,
            scheme=scheme,
            sequence_type=sequence,
            collection_date=_parse_date(
                self.need(element, "ReqdColltnDt", where), f"{where} ReqdColltnDt"
            ),
            creditor=creditor,
            transactions=tuple(debits),
        )
        self.check_totals(element, batch, where)
        self.tx_creditor_id = None
        return batch

    def check_totals(self, element: Any, batch: Batch, where: str) -> None:
        count = self.text(element, "NbOfTxs")
        if count is not None and count != str(batch.count):
            raise MalformedCollection(f"{where}: declares {count} debits, holds {batch.count}")
        total = self.text(element, "CtrlSum")
        if total is not None and parse_amount(total, where) != batch.control_sum_cents:
            raise MalformedCollection(f"{where}: control sum {total} differs from its debits")


def _drop_previous(element: Any) -> None:
    """Free the already-read sibling before ``element`` (same tag) to bound memory."""
    previous = element.getprevious()
    if previous is not None and previous.tag == element.tag:
        element.getparent().remove(previous)


def read_collection(data: bytes) -> CollectionFile:
    """Parse a pain.008 (001.02, 001.08) or CBI SDD collection request.

    Raises XmlInputError for unsafe or malformed XML, UnsupportedVersion for other messages
    or versions, MalformedCollection for missing or contradictory content.
    """
    tag = root_tag(data)
    namespace = namespace_of(tag)
    fmt = FORMATS_BY_NAMESPACE.get(namespace)
    if fmt is None:
        raise UnsupportedVersion(namespace, FORMATS_BY_NAMESPACE)
    expected_root = CBI_ROOT if fmt is CollectionFormat.CBI else "Document"
    if local_name(tag) != expected_root:
        raise MalformedCollection(f"root element {local_name(tag)!r} is not {expected_root!r}")
    reader = _Reader(fmt)
    debit_tag, batch_tag, header_tag = (
        reader.q("DrctDbtTxInf"),
        reader.q("PmtInf"),
        reader.q("GrpHdr"),
    )
    header = None
    batches: list[Batch] = []
    debits: list[DebitTransaction] = []
    for _, element in iter_events(data, ("end",), (debit_tag, batch_tag, header_tag)):
        if element.tag == debit_tag:
            debits.append(reader.debit(element, len(debits) + 1))
            _drop_previous(element)
            element.clear()
        elif element.tag == batch_tag:
            batches.append(reader.batch(element, debits))
            debits = []
            _drop_previous(element)
            element.clear()
        elif header is None:
            header = reader.header(element)
    if header is None:
        raise MalformedCollection("group header (GrpHdr) is missing")
    if not batches:
        raise MalformedCollection("the file holds no batch (PmtInf)")
    message_id, created_at, party, count, total = header
    actual_count = sum(batch.count for batch in batches)
    if count != actual_count:
        raise MalformedCollection(
            f"group header declares {count} debits, the file holds {actual_count}"
        )
    actual_total = sum(batch.control_sum_cents for batch in batches)
    if total is not None and total != actual_total:
        raise MalformedCollection("group header control sum differs from the debits' total")
    return CollectionFile(fmt, message_id, created_at, party, count, total, tuple(batches))
