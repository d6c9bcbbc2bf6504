"""Mandates: creation, sequence types, lapsing at 36 months, amendments and their history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riscossa.banking.creditor_id import build_creditor_id, check_creditor_id
from riscossa.banking.iban import build_iban, check_iban, italian_bban
from riscossa.domain.errors import ValidationError
from riscossa.domain.mandates import (
    LAPSE_MONTHS,
    SMNDA,
    AmendmentInfo,
    EventKind,
    Mandate,
    MandateStatus,
    Scheme,
    SequenceState,
    SequenceType,
    add_months,
    amend_creditor_id,
    amend_iban,
    cancel,
    lapse_date,
    lapsed,
    mark_lapsed,
    new_mandate,
    next_sequence_type,
    record_collection,
    revoke,
    validate_umr,
)

D = dt.date
CI = "IT39ZZZ0000016238271007"
CI_AFTER_MERGER = "IT66ZZZA1B2C3D4E5F6G7H8"
IBAN = "IT60X0542811101000000123456"
SAME_BANK_IBAN = build_iban("IT", italian_bban("05428", "11101", "654321"))
OTHER_BANK_IBAN = build_iban("IT", italian_bban("03069", "09606", "100000012345"))
SIGNED = D(2024, 1, 15)
FIRST_DEBIT = D(2024, 2, 5)


def mandate(**changes: Any) -> Mandate:
    m = new_mandate(
        "RSC-2024/000123",
        check_creditor_id(CI),
        SIGNED,
        "Mario Rossi",
        check_iban(IBAN),
        debtor_bic="BPMOIT22XXX",
    )
    return replace(m, **changes) if changes else m


def collected(m: Mandate, day: dt.date = FIRST_DEBIT) -> Mandate:
    return record_collection(m, day, next_sequence_type(m))


def test_new_mandate() -> None:
    m = mandate()
    assert (m.umr, m.creditor_id, m.debtor_iban, m.scheme) == (
        "RSC-2024/000123",
        CI,
        IBAN,
        Scheme.CORE,
    )
    assert m.status is MandateStatus.ACTIVE and m.sequence is SequenceState.NEW
    assert m.last_collection_date is None and m.pending is None
    assert [e.kind for e in m.history] == [EventKind.CREATED]
    assert m.history[0].date == SIGNED


def test_new_mandate_takes_only_checked_values() -> None:
    with pytest.raises(ValidationError, match="BAD_CIN"):
        new_mandate(
            "U1",
            check_creditor_id(CI),
            SIGNED,
            "Mario Rossi",
            check_iban("IT65A0542811101000000123456"),
        )
    with pytest.raises(ValidationError, match="BAD_CHECK_DIGITS"):
        new_mandate(
            "U1",
            check_creditor_id("IT38ZZZ0000016238271007"),
            SIGNED,
            "Mario Rossi",
            check_iban(IBAN),
        )


@pytest.mark.parametrize("umr", ["A", "RSC-2024/000123", "x" * 35, "Contr.12(gas)+luce:1,'a'?"])
def test_valid_umrs(umr: str) -> None:
    assert validate_umr(umr) == umr


@pytest.mark.parametrize(
    "umr",
    ["", "x" * 36, "UMR€1", "UMR_1", "UMR&1", "/UMR", "UMR/", "U//1", " UMR", "UMR ", "UMR 1"],
)
def test_invalid_umrs(umr: str) -> None:
    with pytest.raises(ValidationError):
        validate_umr(umr)


def test_field_checks() -> None:
    with pytest.raises(ValidationError, match="BIC"):
        mandate(debtor_bic="BPMO IT22")
    with pytest.raises(ValidationError, match="debtor name"):
        mandate(debtor_name=" ")
    with pytest.raises(ValidationError, match="amended"):
        mandate(status=MandateStatus.AMENDED)
    assert mandate(debtor_bic="BPMOIT22").debtor_bic == "BPMOIT22"


def test_sequence_types() -> None:
    m = mandate()
    assert next_sequence_type(m) is SequenceType.FRST
    assert next_sequence_type(m, first_as_frst=False) is SequenceType.RCUR
    assert next_sequence_type(m, final=True) is SequenceType.FNAL
    m = collected(m)
    assert m.sequence is SequenceState.RECURRING and m.last_collection_date == D(2024, 2, 5)
    assert next_sequence_type(m) is SequenceType.RCUR
    with pytest.raises(ValidationError, match="FRST after"):
        record_collection(m, D(2024, 3, 5), SequenceType.FRST)
    m = record_collection(m, D(2024, 3, 5), SequenceType.FNAL)
    assert m.sequence is SequenceState.FINISHED
    with pytest.raises(ValidationError, match="last collection"):
        next_sequence_type(m)


def test_rcur_may_open_a_series() -> None:
    m = record_collection(mandate(), D(2024, 2, 5), SequenceType.RCUR)
    assert m.sequence is SequenceState.RECURRING


def test_one_off_mandate() -> None:
    m = mandate(one_off=True)
    assert next_sequence_type(m) is SequenceType.OOFF
    assert next_sequence_type(m, final=True) is SequenceType.OOFF
    with pytest.raises(ValidationError, match="OOFF"):
        record_collection(m, D(2024, 2, 5), SequenceType.FRST)
    with pytest.raises(ValidationError, match="OOFF"):
        record_collection(mandate(), D(2024, 2, 5), SequenceType.OOFF)
    m = record_collection(m, D(2024, 2, 5), SequenceType.OOFF)
    with pytest.raises(ValidationError):
        next_sequence_type(m)


def test_collection_before_signature_is_refused() -> None:
    with pytest.raises(ValidationError, match="before the signature"):
        record_collection(mandate(), D(2024, 1, 14), SequenceType.FRST)


def test_lapse_boundaries() -> None:
    never = mandate(signature_date=D(2021, 3, 15))
    assert lapse_date(never) == D(2024, 3, 15)
    assert not lapsed(never, D(2024, 3, 14))
    assert lapsed(never, D(2024, 3, 15))
    used = collected(mandate(), D(2024, 2, 29))
    assert lapse_date(used) == D(2027, 2, 28)
    assert not lapsed(used, D(2027, 2, 27))
    assert lapsed(used, D(2027, 2, 28))
    # A later collection starts the 36 months again; an earlier one does not move them back.
    again = record_collection(used, D(2026, 12, 1), SequenceType.RCUR)
    assert lapse_date(again) == D(2029, 12, 1)
    late_record = record_collection(again, D(2025, 1, 1), SequenceType.RCUR)
    assert late_record.last_collection_date == D(2026, 12, 1)


def test_mark_lapsed() -> None:
    m = collected(mandate(), D(2024, 2, 5))
    assert mark_lapsed(m, D(2027, 2, 4)) is m
    ended = mark_lapsed(m, D(2027, 6, 1))
    assert ended.status is MandateStatus.LAPSED
    assert ended.history[-1].kind is EventKind.LAPSED
    assert ended.history[-1].date == D(2027, 2, 5)
    assert mark_lapsed(ended, D(2030, 1, 1)) is ended
    with pytest.raises(ValidationError, match="lapsed"):
        next_sequence_type(ended)


@given(
    st.dates(min_value=D(2009, 11, 1), max_value=D(2090, 12, 31)),
    st.integers(min_value=-3, max_value=3),
)
def test_lapsing_is_exactly_36_months(start: dt.date, offset: int) -> None:
    m = mandate(signature_date=start)
    anniversary = add_months(start, LAPSE_MONTHS)
    assert anniversary.year == start.year + 3
    assert anniversary.month == start.month
    assert anniversary.day == start.day or (start.month, start.day) == (2, 29)
    day = anniversary + dt.timedelta(days=offset)
    assert lapsed(m, day) is (offset >= 0)


def test_add_months() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2024, 12, 15), 1) == D(2025, 1, 15)
    assert add_months(D(2024, 3, 31), -1) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), 36) == D(2027, 2, 28)


def test_amend_iban_same_bank() -> None:
    m = collected(mandate())
    amended, info = amend_iban(m, check_iban(SAME_BANK_IBAN), True, D(2024, 2, 20))
    assert info == AmendmentInfo(original_debtor_iban=IBAN)
    assert info.original_debtor_account == IBAN and info.account_amended
    assert amended.debtor_iban == SAME_BANK_IBAN and amended.debtor_bic == "BPMOIT22XXX"
    assert amended.status is MandateStatus.AMENDED and amended.pending == info
    assert amended.history[-1].kind is EventKind.IBAN_AMENDED
    assert (amended.history[-1].before, amended.history[-1].after) == (IBAN, SAME_BANK_IBAN)
    assert next_sequence_type(amended) is SequenceType.RCUR
    sent = record_collection(amended, D(2024, 3, 5), SequenceType.RCUR)
    assert sent.status is MandateStatus.ACTIVE and sent.pending is None
    assert sent.history[-1].kind is EventKind.AMENDMENT_SENT


def test_amend_iban_other_bank() -> None:
    m = collected(mandate())
    amended, info = amend_iban(m, check_iban(OTHER_BANK_IBAN), False, D(2024, 2, 20))
    assert info is not None and info.other_bank
    assert info.original_debtor_account == SMNDA and info.original_debtor_iban == ""
    assert amended.debtor_bic == ""  # the old bank's BIC is wrong now
    assert next_sequence_type(amended) is SequenceType.FRST
    assert next_sequence_type(amended, first_as_frst=False) is SequenceType.RCUR
    with_bic, _ = amend_iban(
        m, check_iban(OTHER_BANK_IBAN), False, D(2024, 2, 20), new_bic="BCITITMM"
    )
    assert with_bic.debtor_bic == "BCITITMM"
    sent = record_collection(amended, D(2024, 3, 5), SequenceType.FRST)
    assert next_sequence_type(sent) is SequenceType.RCUR


def test_amendment_before_the_first_collection_needs_no_indicator() -> None:
    amended, info = amend_iban(mandate(), check_iban(OTHER_BANK_IBAN), False, D(2024, 1, 20))
    assert info is None and amended.pending is None
    assert amended.status is MandateStatus.ACTIVE
    assert amended.history[-1].kind is EventKind.IBAN_AMENDED


def test_amendments_before_one_collection_merge() -> None:
    m = collected(mandate())
    first, _ = amend_iban(m, check_iban(SAME_BANK_IBAN), True, D(2024, 2, 20))
    second, info = amend_iban(first, check_iban(IBAN), True, D(2024, 2, 21))
    assert info == AmendmentInfo(original_debtor_iban=IBAN)
    third, info = amend_iban(second, check_iban(OTHER_BANK_IBAN), False, D(2024, 2, 22))
    assert info == AmendmentInfo(other_bank=True)
    fourth, info = amend_creditor_id(third, check_creditor_id(CI_AFTER_MERGER), D(2024, 2, 23))
    assert info == AmendmentInfo(other_bank=True, original_creditor_id=CI)
    assert fourth.creditor_id == CI_AFTER_MERGER
    assert [e.kind for e in fourth.history][-4:] == [
        EventKind.IBAN_AMENDED,
        EventKind.IBAN_AMENDED,
        EventKind.IBAN_AMENDED,
        EventKind.CREDITOR_ID_AMENDED,
    ]


def test_amend_refusals() -> None:
    m = collected(mandate())
    with pytest.raises(ValidationError, match="already"):
        amend_iban(m, check_iban(IBAN), True, D(2024, 2, 20))
    with pytest.raises(ValidationError, match="not valid"):
        amend_iban(m, check_iban("IT00X0542811101000000123456"), True, D(2024, 2, 20))
    with pytest.raises(ValidationError, match="already"):
        amend_creditor_id(m, check_creditor_id(CI), D(2024, 2, 20))
    with pytest.raises(ValidationError, match="before the signature"):
        amend_iban(m, check_iban(SAME_BANK_IBAN), True, D(2023, 12, 31))


@pytest.mark.parametrize(
    ("end", "status", "kind"),
    [(revoke, MandateStatus.REVOKED, EventKind.REVOKED),
     (cancel, MandateStatus.CANCELLED, EventKind.CANCELLED)],
)  # fmt: skip
def test_revoke_and_cancel(
    end: Callable[..., Mandate], status: MandateStatus, kind: EventKind
) -> None:
    m, _ = amend_iban(collected(mandate()), check_iban(SAME_BANK_IBAN), True, D(2024, 2, 20))
    ended = end(m, D(2024, 4, 1), "contract closed")
    assert ended.status is status and ended.ended and ended.pending is None
    event = ended.history[-1]
    assert (event.kind, event.date, event.before, event.after, event.reason) == (
        kind,
        D(2024, 4, 1),
        "amended",
        status.value,
        "contract closed",
    )
    with pytest.raises(ValidationError, match=status.value):
        amend_iban(ended, check_iban(OTHER_BANK_IBAN), False, D(2024, 4, 2))
    with pytest.raises(ValidationError):
        end(ended, D(2024, 4, 2))
    with pytest.raises(ValidationError):
        next_sequence_type(ended)
    with pytest.raises(ValidationError, match="before the signature"):
        end(m, D(2023, 1, 1))


# Properties: any sequence of amendments and collections keeps the UMR and a history in which
# every change starts from where the previous one left off.

ibans = st.builds(
    lambda abi, cab, account: build_iban("IT", italian_bban(abi, cab, account)),
    st.sampled_from(["05428", "03069", "02008"]),
    st.sampled_from(["11101", "09606"]),
    st.text(alphabet="0123456789", min_size=1, max_size=12),
)
creditor_ids = st.builds(
    lambda national: build_creditor_id("IT", national),
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=16, max_size=16),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("iban"), ibans, st.booleans()),
        st.tuples(st.just("ci"), creditor_ids, st.just(False)),
        st.tuples(st.just("collect"), st.just(""), st.booleans()),
    ),
    max_size=25,
)


@given(operations)
def test_any_sequence_of_amendments_keeps_umr_and_history(ops: list[tuple[str, str, bool]]) -> None:
    m = mandate()
    day = SIGNED
    seen_iban, seen_ci, bank_changed = IBAN, CI, False  # what the debtor bank last saw
    expected_events = 1
    for kind, value, flag in ops:
        day += dt.timedelta(days=3)
        if kind == "iban" and value != m.debtor_iban:
            m, info = amend_iban(m, check_iban(value), flag, day)
            expected_events += 1
            bank_changed = bank_changed or not flag
        elif kind == "ci" and value != m.creditor_id:
            m, info = amend_creditor_id(m, check_creditor_id(value), day)
            expected_events += 1
        elif kind == "collect":
            expected_events += m.pending is not None
            m = record_collection(m, day, next_sequence_type(m, first_as_frst=flag))
            seen_iban, seen_ci, bank_changed = m.debtor_iban, m.creditor_id, False
            continue
        else:
            continue
        if m.last_collection_date is None:
            assert info is None and m.pending is None
            seen_iban, seen_ci = m.debtor_iban, m.creditor_id
        else:
            assert info == m.pending and m.status is MandateStatus.AMENDED
    assert m.umr == "RSC-2024/000123"
    assert len(m.history) == expected_events
    assert [e.date for e in m.history] == sorted(e.date for e in m.history)
    iban_events = [e for e in m.history if e.kind is EventKind.IBAN_AMENDED]
    chain = [IBAN] + [e.after for e in iban_events]
    assert [e.before for e in iban_events] == chain[:-1]
    assert chain[-1] == m.debtor_iban
    ci_events = [e for e in m.history if e.kind is EventKind.CREDITOR_ID_AMENDED]
    ci_chain = [CI] + [e.after for e in ci_events]
    assert [e.before for e in ci_events] == ci_chain[:-1]
    assert ci_chain[-1] == m.creditor_id
    if m.pending is None:
        assert m.status is MandateStatus.ACTIVE
        assert m.last_collection_date is None or (
            (m.debtor_iban, m.creditor_id) == (seen_iban, seen_ci)
        )
    else:
        assert m.pending.other_bank is bank_changed
        if not bank_changed and m.debtor_iban != seen_iban:
            assert m.pending.original_debtor_iban == seen_iban
        if m.creditor_id != seen_ci:
            assert m.pending.original_creditor_id == seen_ci
