"""Sample SDD collections for the pain.008 tests, and what a file must read back as."""

from __future__ import annotations

import dataclasses
import datetime as dt

from riscossa.banking.iban import build_iban, italian_bban
from riscossa.banking.pain008 import CollectionFormat
from riscossa.banking.sdd_collection import (
    NAME_LENGTH,
    REMITTANCE_LENGTH,
    Batch,
    Collection,
    Creditor,
    DebitTransaction,
    MandateAmendment,
    Scheme,
    SequenceType,
    plan_batches,
)
from riscossa.banking.sepa_charset import to_sepa_text

ROME = dt.timezone(dt.timedelta(hours=2))
CREDITOR = Creditor(
    name="Società Idrica Lombarda & Servizi S.p.A.",
    creditor_id="IT66ZZZA1B2C3D4E5F6G7H8",
    iban="IT60X0542811101000000123456",
    bic="BPMOIT22XXX",
    cbi_code="1987558U",
)


def italian_iban(account: int, abi: str = "03069", cab: str = "09606") -> str:
    return build_iban("IT", italian_bban(abi, cab, str(account)))


def sample_collection() -> Collection:
    """Two dates, both schemes, FRST and RCUR, every amendment kind, accents, RF, BIC."""
    signed = dt.date(2021, 3, 15)
    debits = [
        DebitTransaction(
            "RUN1-000001",
            12345,
            "UMR-0001",
            signed,
            "Nicolò Perù D'Annunzio",
            italian_iban(1),
            remittance_info="Bolletta n° 12/2024 – città di Forlì",
        ),
        DebitTransaction(
            "RUN1-000002",
            5,
            "UMR-0002",
            signed,
            "Ærø Straße GmbH",
            "DE89370400440532013000",
            debtor_bic="COBADEFFXXX",
            creditor_reference="RF18539007547034",
            sequence_type=SequenceType.FRST,
        ),
        DebitTransaction(  # new account at the same bank
            "RUN1-000003",
            100,
            "UMR-0003",
            signed,
            "Maria Grazia Zuccalà",
            italian_iban(3),
            remittance_info="Rata 3",
            amendment=MandateAmendment(original_debtor_iban=italian_iban(33)),
        ),
        DebitTransaction(  # moved to another bank: SMNDA
            "RUN1-000004",
            9999,
            "UMR-0004",
            signed,
            "Luca Bianchi",
            italian_iban(4, abi="05034"),
            amendment=MandateAmendment(new_debtor_bank=True),
            sequence_type=SequenceType.FRST,
        ),
        DebitTransaction(  # mandate reference and creditor changed (e.g. after a merger)
            "RUN1-000005",
            250000,
            "UMR-0005-NEW",
            signed,
            "Officine Meccaniche Srl",
            italian_iban(5),
            debtor_bic="BCITITMM",
            amendment=MandateAmendment(
                original_mandate_id="UMR-0005",
                original_creditor_id="DE98ZZZ09999999999",
                original_creditor_name="Acquedotto Città Vecchia",
            ),
            scheme=Scheme.B2B,
        ),
        DebitTransaction(
            "RUN1-000006",
            4200,
            "UMR-0006",
            signed,
            "Giovanni Rossi",
            italian_iban(6),
            remittance_info="Fattura 6",
            collection_date=dt.date(2024, 6, 14),
        ),
        DebitTransaction(
            "RUN1-000007",
            1,
            "UMR-0007",
            signed,
            "Anna Verdi",
            italian_iban(7),
            remittance_info="Fattura 7",
        ),
    ]
    return Collection(
        message_id="RUN1-2024-05-31",
        created_at=dt.datetime(2024, 5, 31, 9, 15, 0, tzinfo=ROME),
        collection_date=dt.date(2024, 6, 10),
        creditor=CREDITOR,
        transactions=debits,
    )


def as_written(batch: Batch, fmt: CollectionFormat) -> Batch:
    """The batch a reader returns for a written one: SEPA text, per-batch values, format ids."""
    creditor = dataclasses.replace(
        batch.creditor,
        name=to_sepa_text(batch.creditor.name, NAME_LENGTH),
        bic=None if fmt is CollectionFormat.CBI else batch.creditor.bic,
        cbi_code=batch.creditor.cbi_code if fmt is CollectionFormat.CBI else None,
    )
    debits = []
    for tx in batch.transactions:
        amendment = tx.amendment
        if amendment is not None and amendment.original_creditor_name is not None:
            amendment = dataclasses.replace(
                amendment,
                original_creditor_name=to_sepa_text(amendment.original_creditor_name, NAME_LENGTH),
            )
        remittance = tx.remittance_info
        debits.append(
            dataclasses.replace(
                tx,
                debtor_name=to_sepa_text(tx.debtor_name, NAME_LENGTH),
                remittance_info=None
                if remittance is None
                else to_sepa_text(remittance, REMITTANCE_LENGTH),
                amendment=amendment,
                sequence_type=None,
                scheme=None,
                collection_date=None,
            )
        )
    return dataclasses.replace(batch, creditor=creditor, transactions=tuple(debits))


def expected_batches(collection: Collection, fmt: CollectionFormat) -> tuple[Batch, ...]:
    return tuple(as_written(batch, fmt) for batch in plan_batches(collection))
