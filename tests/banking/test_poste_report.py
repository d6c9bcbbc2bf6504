"""Poste "rendicontazione bollettini" reports, written from the layout, read back exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from riscossa.banking.payment_codes import NOTICE, POSTE_896, find_codes
from riscossa.banking.poste_report import (
    PosteGroup,
    PostePayment,
    PosteReport,
    looks_like,
    parse_poste_report,
)
from riscossa.banking.statement_model import Statement, StatementEntry
from riscossa.domain.errors import ImportFileError
from tests.banking.poste_samples import (
    Slip,
    group_records,
    join,
    payment_record,
    put,
    summary_record,
)

ACCOUNT_A = "000012345678"
ACCOUNT_B = "000087654321"
MON, TUE, WED, THU = (dt.date(2025, 1, d) for d in (13, 14, 15, 16))
POSTE_CODE = "100000000000424258"  # poste_896(10**15 + 4242)
NOTICE_CODE = "301000000012345688"  # pagopa_notice(1, 123456), printed on a Bollettino PA

SLIPS_A = (
    Slip(12_345, MON, WED, code=POSTE_CODE, reel=7, reel_position=1, selection=11),
    Slip(5_000, TUE, WED, code=NOTICE_CODE, reel=7, reel_position=2, selection=12, channel="DP"),
    Slip(2_000, TUE, WED, bill_type="451", reel=7, reel_position=3, selection=13),
    Slip(750, MON, WED, bill_type="674", reel=7, reel_position=4, selection=14, channel="AV"),
)
SLIPS_B = (
    Slip(
        10_000,
        WED,
        THU,
        bill_type="123",
        reel=8,
        reel_position=1,
        selection=1,
        office=("015", "146", "03"),
        channel="",
        substitute="S",
    ),
)


def _records() -> list[str]:
    return [*group_records(ACCOUNT_A, WED, SLIPS_A), *group_records(ACCOUNT_B, THU, SLIPS_B)]


def _payment(number: int, slip: Slip, account: str, **changes: object) -> PostePayment:
    coded = slip.bill_type == "896"
    payment = PostePayment(
        record_number=number,
        account=account,
        paid_on=slip.paid_on,
        credited_on=slip.credited_on,
        bill_type=slip.bill_type,
        amount_cents=slip.amount_cents,
        load=f"{slip.reel:03d}{slip.reel_position:05d}",
        selection=f"{slip.selection:07d}",
        office="".join(slip.office),
        payment_code=slip.code if coded else None,
        raw_code=None,
        channel=slip.channel or None,
        substitute=slip.substitute == "S",
    )
    return dataclasses.replace(payment, **changes)  # type: ignore[arg-type]


EXPECTED = PosteReport(
    (
        PosteGroup(
            account=ACCOUNT_A,
            credited_on=WED,
            summary_record=5,
            payments=tuple(_payment(n, slip, ACCOUNT_A) for n, slip in enumerate(SLIPS_A, start=1)),
            total_cents=20_095,
            exact_count=4,
            exact_cents=20_095,
            wrong_count=0,
            wrong_cents=0,
        ),
        PosteGroup(
            account=ACCOUNT_B,
            credited_on=THU,
            summary_record=7,
            payments=(_payment(6, SLIPS_B[0], ACCOUNT_B),),
            total_cents=10_000,
            exact_count=1,
            exact_cents=10_000,
            wrong_count=0,
            wrong_cents=0,
        ),
    )
)

EXPECTED_STATEMENTS = (
    Statement(
        format="Poste-bollettini",
        statement_id="POSTE/000012345678/20250115",
        account_id=ACCOUNT_A,
        currency="EUR",
        opening_balance_cents=None,
        closing_balance_cents=None,
        opening_date=WED,
        closing_date=WED,
        entries=(
            StatementEntry(
                amount_cents=12_345,
                booking_date=WED,
                value_date=MON,
                bank_reference="00700001/0000011",
                remittance_text=f"BOLLETTINO 896 CODICE {POSTE_CODE}",
                bank_transaction_code="POSTE:896",
            ),
            StatementEntry(
                amount_cents=5_000,
                booking_date=WED,
                value_date=TUE,
                bank_reference="00700002/0000012",
                remittance_text=f"BOLLETTINO 896 CODICE {NOTICE_CODE}",
                bank_transaction_code="POSTE:896",
            ),
            StatementEntry(
                amount_cents=2_000,
                booking_date=WED,
                value_date=TUE,
                bank_reference="00700003/0000013",
                remittance_text="BOLLETTINO 451",
                bank_transaction_code="POSTE:451",
            ),
            StatementEntry(
                amount_cents=750,
                booking_date=WED,
                value_date=MON,
                bank_reference="00700004/0000014",
                remittance_text="BOLLETTINO 674",
                bank_transaction_code="POSTE:674",
            ),
        ),
    ),
    Statement(
        format="Poste-bollettini",
        statement_id="POSTE/000087654321/20250116",
        account_id=ACCOUNT_B,
        currency="EUR",
        opening_balance_cents=None,
        closing_balance_cents=None,
        opening_date=THU,
        closing_date=THU,
        entries=(
            StatementEntry(
                amount_cents=10_000,
                booking_date=THU,
                value_date=WED,
                bank_reference="00800001/0000001",
                remittance_text="BOLLETTINO 123",
                bank_transaction_code="POSTE:123",
            ),
        ),
    ),
)


def test_sample_records_follow_the_layout() -> None:
    records = _records()
    assert {len(line) for line in records} == {200}
    assert [line[33:36] for line in records] == ["896", "896", "451", "674", "999", "123", "999"]
    first = records[0]
    assert first[:8] == "00700001" and first[15:27] == ACCOUNT_A and first[27:33] == "250113"
    assert first[36:46] == "0000012345" and first[54] == "2" and first[55:61] == "250115"
    assert first[61:79] == POSTE_CODE and first[79:82] == "CCN"
    summary = records[4]
    assert summary[1:13] == ACCOUNT_A and summary[13:19] == "250115"
    assert summary[36:56] == "00000004000000020095"


def test_report_reads_exactly() -> None:
    report = parse_poste_report(join(_records()))
    assert report == EXPECTED
    assert [p.record_number for p in report.payments] == [1, 2, 3, 4, 6]


def test_report_maps_to_statements() -> None:
    assert parse_poste_report(join(_records())).to_statements() == EXPECTED_STATEMENTS


def test_matching_finds_the_slip_codes_in_the_remittance() -> None:
    (first, _) = parse_poste_report(join(_records())).to_statements()
    texts = [entry.remittance_text or "" for entry in first.entries]
    assert find_codes(texts[0]) == [(POSTE_896, POSTE_CODE)]
    assert find_codes(texts[1]) == [(NOTICE, NOTICE_CODE), (POSTE_896, NOTICE_CODE)]
    assert find_codes(texts[2]) == find_codes(texts[3]) == []


@pytest.mark.parametrize("newline", ["\r\n", "\n", ""])
def test_line_endings_and_blocks_give_the_same_report(newline: str) -> None:
    data = join(_records(), newline)
    assert parse_poste_report(data) == EXPECTED
    assert parse_poste_report(data.rstrip(b"\r\n")) == EXPECTED
    assert parse_poste_report(b"\xef\xbb\xbf" + data + b"\x1a") == EXPECTED
    assert parse_poste_report(data + b"\r\n\r\n") == EXPECTED


def test_same_account_and_day_twice_get_distinct_statement_ids() -> None:
    records = [*group_records(ACCOUNT_A, WED, SLIPS_A[:1]), *group_records(ACCOUNT_A, WED, ())]
    statements = parse_poste_report(join(records)).to_statements()
    assert [s.statement_id for s in statements] == [
        "POSTE/000012345678/20250115",
        "POSTE/000012345678/20250115/2",
    ]
    # A summary of no payments: an empty statement dated by the summary.
    assert statements[1].entries == () and statements[1].closing_date == WED


def test_summary_without_credit_date() -> None:
    records = [*map(lambda s: payment_record(ACCOUNT_A, s), SLIPS_A[:1])]
    records.append(summary_record(ACCOUNT_A, None, SLIPS_A[:1]))
    (group,) = parse_poste_report(join(records)).groups
    assert group.credited_on is None
    (statement,) = parse_poste_report(join(records)).to_statements()
    assert statement.statement_id == "POSTE/000012345678/-"
    assert statement.opening_date == statement.closing_date == WED


def test_erroneous_documents_are_kept_as_poste_reports_them() -> None:
    records = [
        *map(lambda s: payment_record(ACCOUNT_A, s), SLIPS_A),
        summary_record(ACCOUNT_A, WED, SLIPS_A, wrong=(1, 750)),
    ]
    (group,) = parse_poste_report(join(records)).groups
    assert (group.exact_count, group.exact_cents) == (3, 19_345)
    assert (group.wrong_count, group.wrong_cents) == (1, 750)


# -- refusals ------------------------------------------------------------------------------------


def _refused(records: list[str], match: str, **options: bool) -> None:
    with pytest.raises(ImportFileError, match=match):
        parse_poste_report(join(records), what="bp.txt", **options)


@pytest.mark.parametrize("length", [199, 201])
def test_record_of_wrong_length(length: int) -> None:
    records = _records()
    records[1] = records[1][:length] if length < 200 else records[1] + "X"
    _refused(records, rf"^bp\.txt: record 2: {length} bytes, a Poste report record has exactly 200")


def test_truncated_last_record() -> None:
    data = join(_records(), "")[:-37]
    with pytest.raises(ImportFileError, match=r"^bp\.txt: record 7: 163 bytes"):
        parse_poste_report(data, what="bp.txt")


def test_missing_summary_is_truncation() -> None:
    _refused(
        _records()[:-1],
        r"^bp\.txt: the file ends at record 6 without the 999 summary of record 6: truncated$",
    )
    _refused(
        _records()[:3],
        r"without the 999 summary of records 1-3: truncated$",
    )


def test_empty_file() -> None:
    with pytest.raises(ImportFileError, match=r"^bp\.txt: the file is empty$"):
        parse_poste_report(b"\r\n", what="bp.txt")


def test_unknown_record_type() -> None:
    records = _records()
    records[2] = put(records[2], 34, "555")
    _refused(records, r"^bp\.txt: record 3: unknown record type '555' \(positions 34-36;")


def test_summary_count_that_disagrees() -> None:
    records = _records()
    records[4] = summary_record(ACCOUNT_A, WED, SLIPS_A, count=5)
    _refused(
        records,
        r"^bp\.txt: record 5 \(999 summary\): number of documents \(positions 37-44\) "
        r"'00000005' says 5, the summary closes 4$",
    )


def test_summary_total_that_disagrees() -> None:
    records = _records()
    records[4] = summary_record(ACCOUNT_A, WED, SLIPS_A, total=20_094)
    _refused(
        records,
        r"^bp\.txt: record 5 \(999 summary\): total amount \(positions 45-56\) "
        r"'000000020094' says 200\.94, its 4 payments add up to 200\.95 "
        r"\(difference -0\.01\)$",
    )


def test_payment_for_another_account_than_its_summary() -> None:
    records = _records()
    records[5] = payment_record(ACCOUNT_A, SLIPS_B[0])
    _refused(
        records,
        r"^bp\.txt: record 6 \(123 payment\): conto corrente \(positions 16-27\) "
        r"'000012345678' differs from '000087654321' of its 999 summary \(record 7\)$",
    )


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("100000000000424257", "100000000000424257"),  # check digits off by one
        ("100000000000424358", "100000000000424358"),  # a digit of the code changed
        (" " * 18, " " * 18),  # an 896 slip always carries its code
    ],
)
def test_896_code_with_wrong_check_digits(code: str, shown: str) -> None:
    records = _records()
    records[0] = put(records[0], 62, code)
    _refused(
        records,
        rf"^bp\.txt: record 1 \(896 payment\): 896 code \(positions 62-79\) '{shown}' is not "
        r"16 digits followed by their remainder modulo 93",
    )


def test_896_code_with_wrong_check_digits_may_be_kept_without_code() -> None:
    records = _records()
    records[0] = put(records[0], 62, "100000000000424257")
    report = parse_poste_report(join(records), refuse_bad_codes=False)
    first = report.payments[0]
    assert first == _payment(
        1, SLIPS_A[0], ACCOUNT_A, payment_code=None, raw_code="100000000000424257"
    )
    entry = first.to_entry()
    assert entry.remittance_text == "BOLLETTINO 896 CODICE ERRATO 100000000000424257"
    assert find_codes(entry.remittance_text) == []


@pytest.mark.parametrize(
    ("position", "value", "message"),
    [
        (55, "1", r"record 1 \(896 payment\): currency \(position 55\) '1' is not '2' \(euro\)"),
        (28, "251301", r"record 1 \(896 payment\): payment date \(positions 28-33\) '251301' "),
        (56, "2501 5", r"credit date \(positions 56-61\) '2501 5' is not a date \(YYMMDD\)"),
        (37, "00000123,4", r"amount \(positions 37-46\) '00000123,4' is not a number"),
        (16, "00001234567 ", r"conto corrente \(positions 16-27\) '00001234567 ' is not a"),
        (1, "0070000A", r"progressivo caricamento \(positions 1-8\) '0070000A' is not a"),
        (82, "X", r"substitute slip \(position 82\) 'X' is neither S nor N"),
    ],
)
def test_bad_payment_fields(position: int, value: str, message: str) -> None:
    records = _records()
    records[0] = put(records[0], position, value)
    _refused(records, r"^bp\.txt: " + message if message.startswith("record") else message)


def test_bad_summary_fields() -> None:
    records = _records()
    records[4] = put(records[4], 14, "250230")
    _refused(
        records,
        r"^bp\.txt: record 5 \(999 summary\): credit date \(positions 14-19\) '250230' is not "
        r"a date \(YYMMDD\)$",
    )
    records = _records()
    records[4] = put(records[4], 2, "0000123A5678")
    _refused(records, r"record 5 \(999 summary\): conto corrente \(positions 2-13\)")


# -- detection -----------------------------------------------------------------------------------


def test_looks_like() -> None:
    assert looks_like(join(_records()))
    assert looks_like(join(_records(), ""))
    assert looks_like(join(_records()[4:]))  # a summary first
    assert not looks_like(join(_records())[:150])
    assert not looks_like(b" RH03069A1B2C150125" + b" " * 101 + b"\r\n")
    assert not looks_like(b":20:STARTUMS\r\n:25:12345678\r\n")
    assert not looks_like(put(_records()[0], 34, "555").encode() + b"\r\n")
    assert not looks_like(b"<?xml version='1.0'?><Document/>")
