"""SEPA Direct Debit collection files: pain.008.001.08, pain.008.001.02 and CBI 00.01.01.

The three formats carry the same content (``sdd_collection``) with small differences:
pain.008.001.08 is the EPC 2023 rulebook message (``BICFI``), pain.008.001.02 the older one
still accepted by many banks (``BIC``), and ``CBISDDReqLogMsg`` 00.01.01 is the Italian CBI
collection request: the pain.008.001.08 group header and batches under a CBI root, with the
creditor's CBI code (CUC) as initiating party id (``Issr`` "CBI"), the creditor bank's ABI as
clearing member id, a progressive ``InstrId`` per debit and no per-batch totals.

Mandate amendments follow the EPC implementation guidelines: ``AmdmntInd`` true with
``AmdmntInfDtls`` holding the original mandate id, the original creditor scheme id, the
original debtor IBAN (``OrgnlDbtrAcct/Id/IBAN``, new account at the same bank) or
``OrgnlDbtrAgt/FinInstnId/Othr/Id`` = ``SMNDA`` (same mandate, new debtor bank).

Speed: lxml builds and serialises the headers and, once per distinct shape of debit (BIC or
not, remittance kind, amendment fields), a template element whose text slots hold markers;
the serialised template becomes a format string, so a debit costs one string format and no
element objects. No value needs escaping: identifiers are checked against the SEPA
character set and free text is transliterated into it, and that set has no ``<``, ``>``,
``&`` or quotes. Output streams to the sink in chunks and is deterministic: the same
collection gives the same bytes.
"""

from __future__ import annotations

import io
from enum import StrEnum
from typing import IO, Any

from lxml import etree

from riscossa.banking.sdd_collection import (
    NAME_LENGTH,
    REMITTANCE_LENGTH,
    Collection,
    DebitTransaction,
    collection_problems,
    format_cents,
    group_batches,
    italian_abi,
    payment_info_id,
)
from riscossa.banking.sepa_charset import to_sepa_text
from riscossa.domain.errors import ValidationError


class CollectionFormat(StrEnum):
    """The collection file formats written and read; the value is the CLI's name."""

    PAIN_008_001_08 = "pain.008.001.08"
    PAIN_008_001_02 = "pain.008.001.02"
    CBI = "cbi"

    @property
    def namespace(self) -> str:
        return NAMESPACES[self]

    @property
    def schema_name(self) -> str | None:
        """The shipped XSD this format validates against; None for CBI (no public XSD)."""
        return None if self is CollectionFormat.CBI else self.value


NAMESPACES = {
    CollectionFormat.PAIN_008_001_08: "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08",
    CollectionFormat.PAIN_008_001_02: "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02",
    CollectionFormat.CBI: "urn:CBI:xsd:CBISDDReqLogMsg.00.01.01",
}
CBI_ROOT = "CBISDDReqLogMsg"
CBI_ISSUER = "CBI"
NOT_PROVIDED = "NOTPROVIDED"
SAME_MANDATE_NEW_DEBTOR_AGENT = "SMNDA"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_CHUNK = 4096  # debits per write to the sink
_SPACE = "  "

# Template key: (debtor BIC given, remittance kind, amendment fields present or None).
_NO_REMITTANCE, _UNSTRUCTURED, _STRUCTURED = 0, 1, 2
AmendmentShape = tuple[bool, bool, bool, bool, bool]
TemplateKey = tuple[bool, int, AmendmentShape | None]


def _sub(parent: Any, tag: str, text: str | None = None) -> Any:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _path(parent: Any, *tags: str, text: str | None = None) -> Any:
    """Nested children ``tags`` under ``parent``; the innermost gets ``text``."""
    for tag in tags:
        parent = etree.SubElement(parent, tag)
    if text is not None:
        parent.text = text
    return parent


def _marker(index: int) -> str:
    """A slot placeholder: private-use characters never produced by the SEPA character set."""
    return f"\ue000{index}\ue001"


def _format_string(element: Any, slots: list[Any]) -> str:
    """The serialised element with its slots as ``%s``, in document order."""
    for index, slot in enumerate(slots):
        slot.text = _marker(index)
    markup = str(etree.tostring(element, encoding="unicode")).replace("%", "%%")
    positions = [markup.index(_marker(index)) for index in range(len(slots))]
    if positions != sorted(positions):  # pragma: no cover - guards the builder's slot order
        raise AssertionError("template slots are not in document order")
    for index in range(len(slots)):
        markup = markup.replace(_marker(index), "%s")
    return markup


class _Writer:
    def __init__(self, fmt: CollectionFormat, indent: bool) -> None:
        self.fmt = fmt
        self.cbi = fmt is CollectionFormat.CBI
        self.bic_tag = "BIC" if fmt is CollectionFormat.PAIN_008_001_02 else "BICFI"
        self.indent = indent
        # Depth of GrpHdr/PmtInf: under Document/CstmrDrctDbtInitn, or directly under the root.
        self.level = 1 if self.cbi else 2
        self.templates: dict[TemplateKey, str] = {}

    def newline(self, level: int) -> str:
        return "\n" + _SPACE * level if self.indent else ""

    def _indented(self, element: Any, level: int) -> Any:
        if self.indent:
            etree.indent(element, space=_SPACE, level=level)
        return element

    # --- headers ---------------------------------------------------------------------

    def group_header(self, collection: Collection, count: int, total_cents: int) -> Any:
        header = etree.Element("GrpHdr")
        _sub(header, "MsgId", collection.message_id)
        _sub(header, "CreDtTm", collection.created_at.isoformat(timespec="seconds"))
        _sub(header, "NbOfTxs", str(count))
        _sub(header, "CtrlSum", format_cents(total_cents))
        party = _sub(header, "InitgPty")
        _sub(party, "Nm", to_sepa_text(collection.creditor.name, NAME_LENGTH))
        if self.cbi:
            other = _path(party, "Id", "OrgId", "Othr")
            _sub(other, "Id", collection.creditor.cbi_code)
            _sub(other, "Issr", CBI_ISSUER)
        return self._indented(header, self.level)

    def batch_header(
        self, collection: Collection, batch_id: str, key: Any, txs: list[DebitTransaction]
    ) -> list[Any]:
        collection_date, scheme, sequence_type = key
        creditor = collection.creditor
        holder = etree.Element("PmtInf")
        _sub(holder, "PmtInfId", batch_id)
        _sub(holder, "PmtMtd", "DD")
        if not self.cbi:  # CBI batches carry no totals of their own
            _sub(holder, "NbOfTxs", str(len(txs)))
            _sub(holder, "CtrlSum", format_cents(sum(tx.amount_cents for tx in txs)))
        payment_type = _sub(holder, "PmtTpInf")
        _path(payment_type, "SvcLvl", "Cd", text="SEPA")
        _path(payment_type, "LclInstrm", "Cd", text=scheme.value)
        _sub(payment_type, "SeqTp", sequence_type.value)
        _sub(holder, "ReqdColltnDt", collection_date.isoformat())
        _path(holder, "Cdtr", "Nm", text=to_sepa_text(creditor.name, NAME_LENGTH))
        _path(holder, "CdtrAcct", "Id", "IBAN", text=creditor.iban)
        institution = _path(holder, "CdtrAgt", "FinInstnId")
        if self.cbi:
            _path(institution, "ClrSysMmbId", "MmbId", text=italian_abi(creditor.iban))
        elif creditor.bic is not None:
            _sub(institution, self.bic_tag, creditor.bic)
        else:
            _path(institution, "Othr", "Id", text=NOT_PROVIDED)
        _sub(holder, "ChrgBr", "SLEV")
        scheme_id = _sub(holder, "CdtrSchmeId")
        if self.cbi:
            _sub(scheme_id, "Nm", to_sepa_text(creditor.name, NAME_LENGTH))
        other = _path(scheme_id, "Id", "PrvtId", "Othr")
        _sub(other, "Id", creditor.creditor_id)
        if not self.cbi:
            _path(other, "SchmeNm", "Prtry", text="SEPA")
        children = list(holder)
        for child in children:
            self._indented(child, self.level + 1)
        return children

    # --- debits ----------------------------------------------------------------------

    def _build_template(self, key: TemplateKey) -> str:
        has_bic, remittance, amendment = key
        slots: list[Any] = []
        tx = etree.Element("DrctDbtTxInf")
        payment_id = _sub(tx, "PmtId")
        if self.cbi:
            slots.append(_sub(payment_id, "InstrId"))
        slots.append(_sub(payment_id, "EndToEndId"))
        amount = _sub(tx, "InstdAmt")
        amount.set("Ccy", "EUR")
        slots.append(amount)
        mandate = _path(tx, "DrctDbtTx", "MndtRltdInf")
        slots.append(_sub(mandate, "MndtId"))
        slots.append(_sub(mandate, "DtOfSgntr"))
        _sub(mandate, "AmdmntInd", "false" if amendment is None else "true")
        if amendment is not None:
            mandate_id, creditor_name, creditor_id, debtor_iban, new_bank = amendment
            details = _sub(mandate, "AmdmntInfDtls")
            if mandate_id:
                slots.append(_sub(details, "OrgnlMndtId"))
            if creditor_name or creditor_id:
                original = _sub(details, "OrgnlCdtrSchmeId")
                if creditor_name:
                    slots.append(_sub(original, "Nm"))
                if creditor_id:
                    other = _path(original, "Id", "PrvtId", "Othr")
                    slots.append(_sub(other, "Id"))
                    _path(other, "SchmeNm", "Prtry", text="SEPA")
            if debtor_iban:
                slots.append(_path(details, "OrgnlDbtrAcct", "Id", "IBAN"))
            if new_bank:
                _path(
                    details,
                    "OrgnlDbtrAgt",
                    "FinInstnId",
                    "Othr",
                    "Id",
                    text=SAME_MANDATE_NEW_DEBTOR_AGENT,
                )
        if has_bic:
            slots.append(_path(tx, "DbtrAgt", "FinInstnId", self.bic_tag))
        elif not self.cbi:  # the ISO schemas require a debtor agent; CBI leaves it out
            _path(tx, "DbtrAgt", "FinInstnId", "Othr", "Id", text=NOT_PROVIDED)
        slots.append(_path(tx, "Dbtr", "Nm"))
        slots.append(_path(tx, "DbtrAcct", "Id", "IBAN"))
        if remittance == _UNSTRUCTURED:
            slots.append(_path(tx, "RmtInf", "Ustrd"))
        elif remittance == _STRUCTURED:
            reference = _path(tx, "RmtInf", "Strd", "CdtrRefInf")
            kind = _sub(reference, "Tp")
            _path(kind, "CdOrPrtry", "Cd", text="SCOR")
            _sub(kind, "Issr", "ISO")
            slots.append(_sub(reference, "Ref"))
        template = self.newline(self.level + 1) + _format_string(
            self._indented(tx, self.level + 1), slots
        )
        self.templates[key] = template
        return template

    def debit(self, tx: DebitTransaction, number: int) -> str:
        """One debit's markup, preceded by its indentation."""
        values = [str(number)] if self.cbi else []
        values += (
            tx.end_to_end_id,
            format_cents(tx.amount_cents),
            tx.mandate_id,
            tx.mandate_signed_on.isoformat(),
        )
        amendment = tx.amendment
        shape: AmendmentShape | None = None
        if amendment is not None:
            shape = (
                amendment.original_mandate_id is not None,
                amendment.original_creditor_name is not None,
                amendment.original_creditor_id is not None,
                amendment.original_debtor_iban is not None,
                amendment.new_debtor_bank,
            )
            if amendment.original_mandate_id is not None:
                values.append(amendment.original_mandate_id)
            if amendment.original_creditor_name is not None:
                values.append(to_sepa_text(amendment.original_creditor_name, NAME_LENGTH))
            if amendment.original_creditor_id is not None:
                values.append(amendment.original_creditor_id)
            if amendment.original_debtor_iban is not None:
                values.append(amendment.original_debtor_iban)
        if tx.debtor_bic is not None:
            values.append(tx.debtor_bic)
        values.append(to_sepa_text(tx.debtor_name, NAME_LENGTH))
        values.append(tx.debtor_iban)
        remittance = _NO_REMITTANCE
        if tx.remittance_info is not None:
            text = to_sepa_text(tx.remittance_info, REMITTANCE_LENGTH)
            if text:
                values.append(text)
                remittance = _UNSTRUCTURED
        elif tx.creditor_reference is not None:
            values.append(tx.creditor_reference)
            remittance = _STRUCTURED
        key = (tx.debtor_bic is not None, remittance, shape)
        template = self.templates.get(key) or self._build_template(key)
        return template % tuple(values)

    # --- document --------------------------------------------------------------------

    def markup(self, element: Any) -> str:
        return str(etree.tostring(element, encoding="unicode"))

    def write(self, collection: Collection, sink: IO[bytes]) -> None:
        groups = group_batches(collection)
        count = sum(len(txs) for _, txs in groups)
        total = sum(tx.amount_cents for _, txs in groups for tx in txs)
        level = self.level
        root = CBI_ROOT if self.cbi else "Document"
        opening = [f'{XML_DECLARATION}{self.newline(0)}<{root} xmlns="{self.fmt.namespace}">']
        if not self.cbi:
            opening.append(f"{self.newline(1)}<CstmrDrctDbtInitn>")
        opening.append(self.newline(level))
        opening.append(self.markup(self.group_header(collection, count, total)))
        sink.write("".join(opening).encode())
        for number, (key, txs) in enumerate(groups, start=1):
            batch_id = payment_info_id(collection.message_id, number)
            chunk = [f"{self.newline(level)}<PmtInf>"]
            for child in self.batch_header(collection, batch_id, key, txs):
                chunk.append(self.newline(level + 1))
                chunk.append(self.markup(child))
            for position, tx in enumerate(txs, start=1):
                chunk.append(self.debit(tx, position))
                if len(chunk) >= _CHUNK:
                    sink.write("".join(chunk).encode())
                    chunk = []
            chunk.append(f"{self.newline(level)}</PmtInf>")
            sink.write("".join(chunk).encode())
        closing = [] if self.cbi else [f"{self.newline(1)}</CstmrDrctDbtInitn>"]
        closing.append(f"{self.newline(0)}</{root}>{self.newline(0)}")
        sink.write("".join(closing).encode())


def write_collection(
    collection: Collection,
    sink: IO[bytes],
    fmt: CollectionFormat = CollectionFormat.PAIN_008_001_08,
    *,
    indent: bool = True,
) -> None:
    """Stream the collection file to ``sink``; ValidationError (nothing written) if invalid."""
    problems = collection_problems(collection, cbi=fmt is CollectionFormat.CBI)
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValidationError(
            f"collection {collection.message_id!r} cannot be written: {shown}{more}"
        )
    _Writer(fmt, indent).write(collection, sink)


def collection_xml(
    collection: Collection,
    fmt: CollectionFormat = CollectionFormat.PAIN_008_001_08,
    *,
    indent: bool = True,
) -> bytes:
    """The collection file as bytes (for small files and tests; large runs stream)."""
    buffer = io.BytesIO()
    write_collection(collection, buffer, fmt, indent=indent)
    return buffer.getvalue()
