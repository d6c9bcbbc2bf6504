"""From collection rows to the file the bank takes: pain.008 (.08 / .02) or CBI.

The file is written next to its final name and renamed only once complete and, for the ISO
formats, valid against the official XSD shipped with the package: a bank never receives a
half-written or invalid file from Riscossa. CBI does not publish its XSDs; a creditor who
has ``CBISDDReqLogMsg.00.01.01.xsd`` from its bank names it in ``RISCOSSA_CBI_XSD`` and the
CBI file is validated against it the same way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from lxml import etree

from riscossa.banking.creditor_id import creditor_id_problem
from riscossa.banking.iban import check_iban
from riscossa.banking.pain008 import CollectionFormat, collection_xml, write_collection
from riscossa.banking.sdd_collection import (
    Collection,
    Creditor,
    DebitTransaction,
    MandateAmendment,
    Scheme,
    SequenceType,
)
from riscossa.banking.xml_schemas import (
    load_schema,
    secure_parser,
    target_namespace,
    validate_against,
)
from riscossa.config import CreditorSettings
from riscossa.domain.errors import ValidationError

FULL_VALIDATION_MAX = 20_000  # debits; above, a sample of every shape is validated
SAMPLE_PER_SHAPE = 50
VALIDATED = {
    CollectionFormat.PAIN_008_001_08: "pain.008.001.08",
    CollectionFormat.PAIN_008_001_02: "pain.008.001.02",
}

__all__ = ["Creditor", "creditor_from_settings", "write_collection_file"]


def creditor_from_settings(settings: CreditorSettings) -> Creditor:
    """The creditor as configured (RISCOSSA_CREDITOR_*), checked before any file is built."""
    missing = [
        env
        for env, value in (
            ("RISCOSSA_CREDITOR_NAME", settings.name),
            ("RISCOSSA_CREDITOR_ID", settings.creditor_id),
            ("RISCOSSA_CREDITOR_IBAN", settings.iban),
        )
        if not value
    ]
    if missing:
        raise ValidationError(
            "the creditor is not configured: set " + ", ".join(missing) + " (see the README)"
        )
    problem = creditor_id_problem(settings.creditor_id)
    if problem:
        raise ValidationError(f"RISCOSSA_CREDITOR_ID: not a SEPA creditor identifier: {problem}")
    iban = check_iban(settings.iban)
    if not iban.valid:
        raise ValidationError(f"RISCOSSA_CREDITOR_IBAN: not a valid IBAN ({iban.code.value})")
    return Creditor(
        name=settings.name,
        creditor_id=settings.creditor_id.replace(" ", "").upper(),
        iban=iban.iban,
        bic=settings.bic or None,
        cbi_code=settings.cuc or None,
    )


TRANSACTION_COLUMNS = (
    "end_to_end_id",
    "amount_cents",
    "umr",
    "signature_date",
    "debtor_name",
    "debtor_iban",
    "debtor_bic",
    "remittance",
    "sequence_type",
    "scheme",
    "original_iban",
    "original_other_bank",
    "original_creditor_id",
)


def _transactions(items: pl.DataFrame) -> list[DebitTransaction]:
    rows = items.with_columns(
        pl.format(
            "Fattura {} del {} scadenza {}",
            pl.col("number"),
            pl.col("issue_date").dt.strftime("%d/%m/%Y"),
            pl.col("due_date").dt.strftime("%d/%m/%Y"),
        )
        .str.slice(0, 140)
        .alias("remittance")
    ).select(TRANSACTION_COLUMNS)
    sequences = {s.value: s for s in SequenceType}
    schemes = {s.value: s for s in Scheme}
    out = []
    for (
        e2e,
        cents,
        umr,
        signed,
        name,
        iban,
        bic,
        info,
        seq,
        scheme,
        o_iban,
        other,
        o_ci,
    ) in rows.iter_rows():
        amendment = None
        if o_iban or o_ci:
            amendment = MandateAmendment(
                original_creditor_id=o_ci or None,
                original_debtor_iban=None if other else (o_iban or None),
                new_debtor_bank=bool(other),
            )
        out.append(
            DebitTransaction(
                e2e,
                cents,
                umr,
                signed,
                name,
                iban,
                bic or None,
                info,
                None,
                amendment,
                sequences[seq],
                schemes[scheme],
            )
        )
    return out


def write_collection_file(
    output: Path,
    items: pl.DataFrame,
    creditor: Creditor,
    *,
    message_id: str,
    created: dt.datetime,
    collection_date: dt.date,
    file_format: str,
    cbi_xsd: Path | None = None,
) -> None:
    fmt = CollectionFormat(file_format)
    collection = Collection(
        message_id=message_id,
        created_at=created,
        collection_date=collection_date,
        creditor=creditor,
        transactions=_transactions(items),
    )
    schema = _schema(fmt, cbi_xsd)
    if schema is not None:
        _validate(output, _sample(collection, fmt), fmt, schema)
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as sink:
            write_collection(collection, sink, fmt)
        if schema is not None and len(collection.transactions) <= FULL_VALIDATION_MAX:
            _validate(output, partial.read_bytes(), fmt, schema)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def _sample(collection: Collection, fmt: CollectionFormat) -> bytes:
    """Every batch with its first debits and every amended debit, as one document.

    Debits are written from one template per shape (sequence type, amendment kind, BIC or
    not...), so validating each shape proves the whole file; a 1M-debit file is then
    checked in a second instead of the minute a full XSD pass takes.
    """
    seen: dict[tuple[object, ...], int] = {}
    chosen = []
    for tx in collection.transactions:
        amendment = tx.amendment
        shape = (
            tx.sequence_type,
            tx.scheme,
            tx.collection_date,
            tx.debtor_bic is None,
            tx.creditor_reference is None,
            None
            if amendment is None
            else (
                amendment.new_debtor_bank,
                amendment.original_debtor_iban is None,
                amendment.original_creditor_id is None,
                amendment.original_mandate_id is None,
            ),
        )
        count = seen.get(shape, 0)
        if count < SAMPLE_PER_SHAPE:
            seen[shape] = count + 1
            chosen.append(tx)
    sample = Collection(
        message_id=collection.message_id,
        created_at=collection.created_at,
        collection_date=collection.collection_date,
        creditor=collection.creditor,
        transactions=chosen,
        scheme=collection.scheme,
        sequence_type=collection.sequence_type,
    )
    return collection_xml(sample, fmt)


_Schema = tuple[str, Any, str]  # label, compiled schema, namespace the document must use


def _schema(fmt: CollectionFormat, cbi_xsd: Path | None) -> _Schema | None:
    name = VALIDATED.get(fmt)
    if name is not None:
        return name, load_schema(name), target_namespace(name)
    if fmt is CollectionFormat.CBI and cbi_xsd is not None:
        return cbi_schema(cbi_xsd)
    return None


def cbi_schema(path: Path) -> _Schema:
    """The CBI XSD the bank supplied; its includes resolve beside it, never over the network."""
    if not path.is_file():
        raise ValidationError(f"RISCOSSA_CBI_XSD: {path} is not a file")
    try:
        tree = etree.parse(str(path), secure_parser())
        compiled = etree.XMLSchema(tree)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ValidationError(f"RISCOSSA_CBI_XSD: {path} is not a usable XSD: {exc}") from exc
    namespace = tree.getroot().get("targetNamespace") or ""
    return path.name, compiled, namespace


def _validate(output: Path, data: bytes, fmt: CollectionFormat, schema: _Schema) -> None:
    label, compiled, namespace = schema
    problems = validate_against(data, compiled, namespace, label)
    if problems:
        raise ValidationError(
            f"{output}: the collection file does not validate against {label}: "
            + "; ".join(problems[:5])
        )
