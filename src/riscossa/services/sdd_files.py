"""From collection rows to the file the bank takes: pain.008 (.08 / .02) or CBI.

The file is written next to its final name and renamed only once complete and, for the ISO
formats, valid against the official XSD shipped with the package: a bank never receives a
half-written or invalid file from Riscossa.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from riscossa.banking.creditor_id import creditor_id_problem
from riscossa.banking.iban import check_iban
from riscossa.banking.pain008 import CollectionFormat, write_collection
from riscossa.banking.sdd_collection import (
    Collection,
    Creditor,
    DebitTransaction,
    MandateAmendment,
    Scheme,
    SequenceType,
)
from riscossa.banking.xml_schemas import validate
from riscossa.config import CreditorSettings
from riscossa.domain.errors import ValidationError

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


def _transactions(items: pl.DataFrame) -> list[DebitTransaction]:
    out = []
    for row in items.iter_rows(named=True):
        amendment = None
        if row["original_iban"] or row["original_creditor_id"]:
            other_bank = bool(row["original_other_bank"])
            amendment = MandateAmendment(
                original_creditor_id=row["original_creditor_id"] or None,
                original_debtor_iban=None if other_bank else (row["original_iban"] or None),
                new_debtor_bank=other_bank,
            )
        out.append(
            DebitTransaction(
                end_to_end_id=row["end_to_end_id"],
                amount_cents=int(row["amount_cents"]),
                mandate_id=row["umr"],
                mandate_signed_on=row["signature_date"],
                debtor_name=row["debtor_name"],
                debtor_iban=row["debtor_iban"],
                debtor_bic=row["debtor_bic"] or None,
                remittance_info=(
                    f"Fattura {row['number']} del {row['issue_date']:%d/%m/%Y}"
                    f" scadenza {row['due_date']:%d/%m/%Y}"
                )[:140],
                amendment=amendment,
                sequence_type=SequenceType(row["sequence_type"]),
                scheme=Scheme(row["scheme"]),
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
) -> None:
    fmt = CollectionFormat(file_format)
    collection = Collection(
        message_id=message_id,
        created_at=created,
        collection_date=collection_date,
        creditor=creditor,
        transactions=_transactions(items),
    )
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as sink:
            write_collection(collection, sink, fmt)
        schema = VALIDATED.get(fmt)
        if schema is not None:
            problems = validate(partial.read_bytes(), schema)
            if problems:
                raise ValidationError(
                    f"{output}: the collection file does not validate against {schema}: "
                    + "; ".join(problems[:5])
                )
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
