"""The SDD collection model: batching, amounts as text, checks before a file is written."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from riscossa.banking.sdd_collection import (
    MandateAmendment,
    bic_problem,
    collection_problems,
    creditor_problems,
    format_cents,
    iban_problem,
    italian_abi,
    payment_info_id,
    plan_batches,
    rf_problem,
    transaction_problems,
)
from tests.banking.sdd_samples import CREDITOR, sample_collection


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (1, "0.01"),
        (10, "0.10"),
        (100, "1.00"),
        (123456, "1234.56"),
        (99_999_999_999, "999999999.99"),
    ],
)
def test_format_cents(cents: int, text: str) -> None:
    assert format_cents(cents) == text


def test_plan_batches_orders_by_date_scheme_sequence_and_keeps_input_order() -> None:
    batches = plan_batches(sample_collection())
    assert [(b.collection_date.day, b.scheme.value, b.sequence_type.value) for b in batches] == [
        (10, "CORE", "FRST"),
        (10, "CORE", "RCUR"),
        (10, "B2B", "RCUR"),
        (14, "CORE", "RCUR"),
    ]
    assert [tx.end_to_end_id for tx in batches[1].transactions] == [
        "RUN1-000001",
        "RUN1-000003",
        "RUN1-000007",
    ]
    assert [b.control_sum_cents for b in batches] == [10004, 12446, 250000, 4200]
    assert all(b.creditor == CREDITOR for b in batches)


def test_payment_info_id_fits_35_characters() -> None:
    assert payment_info_id("RUN", 2) == "RUN-2"
    long_id = payment_info_id("M" * 35, 12)
    assert len(long_id) == 35 and long_id.endswith("-12")


def test_the_sample_collection_has_no_problem() -> None:
    assert collection_problems(sample_collection(), cbi=True) == []


def test_check_vectors() -> None:
    assert iban_problem("IT60X0542811101000000123456") is None
    assert "mod-97" in (iban_problem("IT60X0542811101000000123457") or "")
    assert "27 characters" in (iban_problem("IT60X054281110100000012345") or "")
    assert "SEPA country" in (iban_problem("BR1500000000000010932840814P2") or "")
    assert "electronic form" in (iban_problem("IT60 X054 2811 1010 0000 0123 456") or "")
    assert creditor_problems(dataclasses.replace(CREDITOR, creditor_id="DE98ZZZ09999999999")) == []
    assert creditor_problems(dataclasses.replace(CREDITOR, creditor_id="de98zzz09999999999")) == [
        "creditor: creditor identifier 'de98zzz09999999999' is not in compact form "
        "(DE98ZZZ09999999999)"
    ]
    assert creditor_problems(dataclasses.replace(CREDITOR, creditor_id="DE97ZZZ09999999999")) == [
        "creditor: creditor identifier 'DE97ZZZ09999999999' is not valid (BAD_CHECK_DIGITS)"
    ]
    assert rf_problem("RF18539007547034") is None
    assert rf_problem("RF712348231") is None
    assert rf_problem("RF19539007547034") is not None
    assert bic_problem("BPMOIT22XXX") is None and bic_problem("BPMOIT22") is None
    assert bic_problem("bpmoit22") is not None and bic_problem("BPMOIT2") is not None
    assert italian_abi("IT60X0542811101000000123456") == "05428"
    assert italian_abi("DE89370400440532013000") is None


def test_transaction_problems_name_each_fault() -> None:
    tx = sample_collection().transactions[0]
    bad = dataclasses.replace(
        tx,
        end_to_end_id="/bad",
        amount_cents=100_000_000_000,
        mandate_id="UMR 1",
        mandate_signed_on=dt.date(2030, 1, 1),
        debtor_name="北京",
        remittance_info="x" * 141,
        creditor_reference="RF00",
        debtor_bic="nope",
    )
    problems = transaction_problems(bad, dt.date(2024, 5, 31))
    assert problems == [
        "end-to-end id is not 1-35 SEPA characters",
        "amount 100000000000 cents is outside 1..99999999999",
        "mandate id 'UMR 1' is not 1-35 SEPA characters",
        "mandate signed on 2030-01-01 is after the file's date",
        "debtor name is empty in the SEPA character set",
        "debtor BIC 'nope' is not 8 or 11 upper-case characters",
        "give either remittance text or a creditor reference, not both",
        "remittance text is longer than 140 characters",
        "creditor reference 'RF00' is not a valid RF reference",
    ]


@pytest.mark.parametrize(
    ("amendment", "problem"),
    [
        (MandateAmendment(), "amendment says nothing changed"),
        (
            MandateAmendment(
                original_debtor_iban="IT60X0542811101000000123456", new_debtor_bank=True
            ),
            "both a same-bank account change and SMNDA",
        ),
        (MandateAmendment(original_mandate_id="a b"), "original mandate id 'a b' is malformed"),
        (
            MandateAmendment(original_creditor_id="DE97ZZZ09999999999"),
            "original creditor identifier",
        ),
        (MandateAmendment(original_debtor_iban="IT00X"), "original debtor IBAN"),
    ],
)
def test_amendment_problems(amendment: MandateAmendment, problem: str) -> None:
    tx = dataclasses.replace(sample_collection().transactions[0], amendment=amendment)
    assert any(problem in p for p in transaction_problems(tx, dt.date(2024, 5, 31)))


def test_collection_level_problems() -> None:
    collection = dataclasses.replace(
        sample_collection(),
        message_id="",
        created_at=dt.datetime(2024, 5, 31, 9, 0),
        transactions=[],
        creditor=dataclasses.replace(CREDITOR, creditor_id="IT00", cbi_code="short"),
    )
    assert collection_problems(collection, cbi=True) == [
        "message id '' is not 1-35 SEPA characters",
        "creation time must carry a time zone",
        "creditor: creditor identifier 'IT00' is not valid (BAD_LENGTH)",
        "creditor: the CBI format needs the 8-character CBI code (CUC)",
        "a collection needs at least one debit",
    ]


def test_problems_stop_at_the_limit() -> None:
    tx = dataclasses.replace(sample_collection().transactions[0], amount_cents=0)
    collection = dataclasses.replace(sample_collection(), transactions=[tx] * 500)
    assert len(collection_problems(collection, limit=10)) == 10
