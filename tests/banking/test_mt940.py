"""MT940 statements read from real files of other projects, control figures checked."""

from __future__ import annotations

import datetime as dt

import pytest

from riscossa.banking.mt940 import parse_mt940
from riscossa.banking.statement_model import Statement
from riscossa.domain.errors import ImportFileError
from tests.conftest import EXTERNAL_FIXTURES

OCA = "OCA_bank-statement-import/account_bank_statement_import_mt940_"
WOLPH = "WoLpH_mt940/"
JEJIK = "sandermarechal_jejik-mt940/"

# Complete statements that add up: (path, statements, entries).
CONSISTENT = [
    (OCA + "base/test-ing.940", 1, 8),
    (OCA + "base/test-rabo.swi", 4, 2),
    (OCA + "nl_ing/test-ing-old.940", 1, 8),
    (OCA + "nl_ing/test-ing.940", 1, 8),
    (OCA + "nl_rabo/test-rabo.swi", 4, 2),
    (WOLPH + "ASNB/0708271685_09022020_164516.940.txt", 31, 8),
    (WOLPH + "betterplace/sepa_mt9401.sta", 26, 97),
    (WOLPH + "betterplace/with_binary_character.sta", 2, 4),
    (WOLPH + "cmxl/mt940.sta", 3, 16),
    (WOLPH + "jejik/generic.sta", 2, 2),
    (WOLPH + "jejik/rabobank-iban.sta", 2, 4),
    (WOLPH + "jejik/sns.sta", 2, 2),
    (WOLPH + "mBank/mt940.sta", 1, 3),
    (WOLPH + "sberbank/171011_01234945.sta", 1, 3),
    (WOLPH + "self-provided/long_statement_number.sta", 1, 0),
    (JEJIK + "generic.txt", 2, 2),
    (JEJIK + "lbbw.txt", 1, 2),
    (JEJIK + "rabobank-iban.txt", 2, 4),
    (JEJIK + "sns.txt", 2, 2),
    (JEJIK + "sparkasse.txt", 2, 2),
    (JEJIK + "sparkasse_interim_balance.txt", 3, 2),
    (JEJIK + "volksbankenraiffeisenbanken.txt", 8, 12),
]

# Complete statements whose balances do not match their lines (hand-made or anonymised
# samples): refused, naming the statement and the difference.
INCONSISTENT = [
    (WOLPH + "betterplace/sepa_snippet.sta", "'T089414096000001'", "difference -300.08"),
    # A deliberately broken snippet: its second and third :61: were cut out.
    (WOLPH + "betterplace/sepa_snippet_broken.sta", "'T089414086000001'", "-307603.86"),
    (WOLPH + "jejik/abnamro.sta", "'ABN AMRO BANK NV'", "difference 2038.00"),
    (JEJIK + "abnamro.txt", "'ABN AMRO BANK NV'", "difference 2038.00"),
    (WOLPH + "jejik/ing.sta", "'MPBZ'", "difference -49.06"),
    (JEJIK + "ing-dos.txt", "'MPBZ'", "difference -49.06"),
    (JEJIK + "ing-unix.txt", "'MPBZ'", "difference -49.06"),
    (WOLPH + "jejik/knab.sta", "'B4G30MS9D00A003D'", "difference -4500.00"),
    (JEJIK + "knab.txt", "'B4G30MS9D00A003D'", "difference -4500.00"),
    (WOLPH + "jejik/postfinance.sta", "'2014040708285928'", "difference -0.20"),
    (JEJIK + "postfinance.txt", "'2014040708285928'", "difference -0.20"),
    (WOLPH + "jejik/rabobank.sta", "'940A110615'", "difference -1135.93"),
    (JEJIK + "rabobank.txt", "'940A110615'", "difference -1135.93"),
    (WOLPH + "jejik/triodos.sta", "'1308728725026/1'", "difference -111.40"),
    (JEJIK + "triodos.txt", "'1308728725026/1'", "difference -111.40"),
    (WOLPH + "mBank/with_newline_in_tnr.sta", "'ST170201CYC/1'", "difference -770.71"),
    # The self-provided German samples share balances 12345.12 → 12345.98 and one -233.15 line.
    (WOLPH + "self-provided/details_60-63.sta", "'STARTUMS'", "difference -234.01"),
    (WOLPH + "self-provided/malformed_details.sta", "'STARTUMS'", "difference -234.01"),
    (WOLPH + "self-provided/overly_long_details.sta", "'STARTUMS'", "difference -234.01"),
    (WOLPH + "self-provided/whitespace.sta", "'STARTUMS'", "difference -234.01"),
    (WOLPH + "self-provided/raiffeisen-cmi.sta", "'STARTUMS'", "difference -1123264.00"),
    # Bug-report and bank samples with 0,00 balances around non-zero lines.
    (JEJIK + "bug-core-5401.txt", "'DEUTDEMMXXX'", "difference 50.00"),
    (JEJIK + "commerzbank.txt", "'01LGX08DLMWH5GWA'", "difference -12.35"),
    (JEJIK + "deutschebank.txt", "'DEUTDEMMXXX'", "difference -12.35"),
    (JEJIK + "oldenburgischelandesbank.txt", "'STARTUMS MC'", "difference 104.50"),
    (JEJIK + "oldenburgischelandesbankmitbindestrich.txt", "'STARTUMS'", "difference 281725.57"),
    (JEJIK + "sparkasse2.txt", "'STARTUMSE'", "difference 775.04"),
    (JEJIK + "sparkasse3.txt", "'STARTUMSE'", "difference -1279.46"),
]

# Files refused for what they are, not for their sums: (path, message, why).
REFUSED = [
    (OCA + "base/test-wrong-file.940", "':9401:' is not an MT940 field", "corrupted header"),
    (OCA + "base/test-sns.940", "closing balance (:62F:) is missing", "third statement cut"),
    (WOLPH + "self-provided/february_30.sta", "'160230' is not a date", "30 February"),
    (WOLPH + "self-provided/transaction_details_wrapped.sta", "'160230' is not a date", "same"),
    (WOLPH + "self-provided/wrapped_timestamp.sta", "'160230' is not a date", "same"),
    (WOLPH + "self-provided/raphaelm.sta", "is not an MT940 balance", ":62M: has no currency"),
    (WOLPH + "self-provided/gv_codes.sta", "closing balance (:62F:) is missing", "no :62F:"),
    (JEJIK + "K4262927_20200905-080000-952.txt", "(:62F:) is missing", "ends on :65F:"),
    (JEJIK + "oldenburgischelandesbank2.txt", "(:62F:) is missing", "ends on :65F:"),
    (WOLPH + "mBank/mt942.sta", "opening balance (:60F:) is missing", "MT942 interim report"),
    (WOLPH + "self-provided/mt942.sta", "is not an MT940 statement line", "MT942, fund code 0"),
    (WOLPH + "self-provided/empty_non_swift.sta", "':NS:' is not an MT940 field", "not MT940"),
    (WOLPH + "self-provided/invalid_statement.sta", "no MT940 statement", "numbers only"),
    (WOLPH + "betterplace/empty_line.sta", "account (:25:) is missing", "a lone :20:"),
    (WOLPH + "cmxl/reference.sta", "account (:25:) is missing", "a lone :20:"),
    (WOLPH + "self-provided/sparkassen.sta", ":61: before the first :20:", "a lone :61: line"),
    (WOLPH + "cmxl/statement_details.sta", ":61: before the first :20:", "see the wrap test"),
]

# Single-field fragments, read inside a minimal statement by the tests below.
FRAGMENTS = [
    WOLPH + "betterplace/amount_formats.sta",
    WOLPH + "betterplace/currency_in_25.sta",
    WOLPH + "betterplace/empty_86.sta",
    WOLPH + "betterplace/empty_entry_date.sta",
    WOLPH + "betterplace/missing_crlf_at_end.sta",
    WOLPH + "cmxl/account_balance_credit.sta",
    WOLPH + "cmxl/account_balance_debit.sta",
    WOLPH + "cmxl/account_identification_iban.sta",
    WOLPH + "cmxl/account_identification_legacy.sta",
    WOLPH + "cmxl/available_balance.sta",
    WOLPH + "cmxl/closing_balance.sta",
    WOLPH + "cmxl/statement_line.sta",
    WOLPH + "cmxl/statement_number.sta",
]


def _read(path: str) -> bytes:
    return (EXTERNAL_FIXTURES / path).read_bytes()


def _parse(path: str) -> tuple[Statement, ...]:
    return parse_mt940(_read(path), what=path)


def _fragment(path: str) -> str:
    return _read(path).decode("utf-8").strip().removesuffix("-").strip()


def _wrap(
    *fields: str, opening: str = ":60F:C140101EUR0,00", closing: str = ":62F:C140101EUR0,00"
) -> Statement:
    """One statement around fragment fields, with the balances the test gives."""
    body = "\n".join(fields)
    text = f":20:WRAP\n:25:ACCOUNT\n{opening}\n{body}\n{closing}\n-"
    (statement,) = parse_mt940(text.encode(), what="fragment")
    return statement


def test_every_mt940_fixture_is_listed() -> None:
    listed = {path for path, *_ in CONSISTENT + INCONSISTENT + REFUSED} | set(FRAGMENTS)
    found = {
        str(path.relative_to(EXTERNAL_FIXTURES))
        for folder in ("WoLpH_mt940", "sandermarechal_jejik-mt940", "OCA_bank-statement-import")
        for path in (EXTERNAL_FIXTURES / folder).rglob("*")
        if path.is_file() and "camt" not in path.name and path.suffix != ".zip"
    }
    assert found == listed


@pytest.mark.parametrize(("path", "statements", "entries"), CONSISTENT)
def test_consistent_statements_parse(path: str, statements: int, entries: int) -> None:
    parsed = _parse(path)
    assert len(parsed) == statements
    assert sum(len(statement.entries) for statement in parsed) == entries
    for statement in parsed:
        assert statement.opening_balance_cents is not None
        assert statement.closing_balance_cents is not None
        assert (
            statement.opening_balance_cents + statement.entries_total_cents
            == statement.closing_balance_cents
        )


@pytest.mark.parametrize(("path", "statement", "difference"), INCONSISTENT)
def test_inconsistent_statements_are_refused(path: str, statement: str, difference: str) -> None:
    with pytest.raises(ImportFileError, match="does not add up") as caught:
        _parse(path)
    assert statement in str(caught.value)
    assert difference in str(caught.value)


@pytest.mark.parametrize(("path", "message", "why"), REFUSED)
def test_malformed_files_are_refused(path: str, message: str, why: str) -> None:
    with pytest.raises(ImportFileError) as caught:
        _parse(path)
    assert message in str(caught.value), why


def test_fragment_amount_formats() -> None:
    lines = _fragment(WOLPH + "betterplace/amount_formats.sta").splitlines()
    openings = [
        _wrap(opening=line, closing=line.replace(":60F:", ":62F:")).opening_balance_cents
        for line in lines
    ]
    assert openings == [38011512, 38011510, 38011500, 12, 12, 112]


@pytest.mark.parametrize(
    ("path", "cents"),
    [
        (WOLPH + "cmxl/account_balance_credit.sta", 14764),
        (WOLPH + "cmxl/account_balance_debit.sta", -14764),
    ],
)
def test_fragment_opening_balances(path: str, cents: int) -> None:
    line = _fragment(path)
    statement = _wrap(opening=line, closing=line.replace(":60F:", ":62F:"))
    assert statement.opening_balance_cents == cents
    assert statement.opening_date == dt.date(2014, 8, 29)


def test_fragment_closing_balance_and_missing_final_newline() -> None:
    closing = _fragment(WOLPH + "cmxl/closing_balance.sta")
    statement = _wrap(opening=":60F:C140901EUR137,00", closing=closing)
    assert (statement.closing_balance_cents, statement.closing_date) == (13700, dt.date(2014, 9, 1))
    data = b":20:X\n:25:A\n:60F:C100323EUR42570,04\n" + _read(
        WOLPH + "betterplace/missing_crlf_at_end.sta"
    )
    (statement,) = parse_mt940(data, what="missing_crlf_at_end")
    assert statement.closing_balance_cents == 4257004


def test_fragment_available_balance_and_statement_number_are_read_past() -> None:
    statement = _wrap(
        _fragment(WOLPH + "cmxl/statement_number.sta"),
        _fragment(WOLPH + "cmxl/available_balance.sta"),
    )
    assert statement.entries == ()


@pytest.mark.parametrize(
    ("path", "account"),
    [
        (WOLPH + "betterplace/currency_in_25.sta", "51210600/9223382012"),
        (WOLPH + "cmxl/account_identification_iban.sta", "PL25106000760000888888888888"),
        (WOLPH + "cmxl/account_identification_legacy.sta", "70011110/4005287001"),
    ],
)
def test_fragment_accounts(path: str, account: str) -> None:
    text = _fragment(path)
    data = f":20:X\n{text}\n:60F:C140101EUR0,00\n:62F:C140101EUR0,00\n".encode()
    (statement,) = parse_mt940(data, what=path)
    assert statement.account_id == account


def test_fragment_statement_line_with_details() -> None:
    line, details = _fragment(WOLPH + "cmxl/statement_details.sta").split("\n:86:", 1)
    assert line == _fragment(WOLPH + "cmxl/statement_line.sta")
    statement = _wrap(line, ":86:" + details, closing=":62F:D140101EUR1,62")
    (entry,) = statement.entries
    assert entry.amount_cents == -162
    assert entry.value_date == dt.date(2014, 9, 1)
    assert entry.booking_date == dt.date(2014, 9, 2)
    assert entry.bank_reference == "025498557/000001"
    assert entry.bank_transaction_code == "NTRF"
    assert entry.end_to_end_id is not None and entry.end_to_end_id.startswith("TRX-0A4A47C3")


def test_fragment_empty_entry_date_and_short_details() -> None:
    line = _fragment(WOLPH + "betterplace/empty_entry_date.sta")
    details = _fragment(WOLPH + "betterplace/empty_86.sta")
    statement = _wrap(line, details, closing=":62F:C140101EUR50,00")
    (entry,) = statement.entries
    assert (entry.amount_cents, entry.booking_date) == (5000, None)
    assert entry.value_date == dt.date(2011, 7, 1)
    assert entry.remittance_text == "091"


def test_ing_with_swift_blocks() -> None:
    (statement,) = _parse(OCA + "base/test-ing.940")
    assert statement.statement_id == "P140220000000001"
    assert statement.account_id == "NL77INGB0574908765"
    assert statement.currency == "EUR"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (66223, 56435)
    first = statement.entries[0]
    assert first.amount_cents == 156
    assert first.booking_date == first.value_date == dt.date(2014, 2, 20)
    assert first.end_to_end_id == "EV12341REP1231456T1234"
    assert first.payer_iban == "NL32INGB0000012345"
    assert first.payer_name == "ING BANK NV INZAKE WEB"
    assert first.remittance_text == "EV10001REP1000000T1000"
    assert [entry.amount_cents for entry in statement.entries[:3]] == [156, -157, 157]


def test_rabobank_line_endings_give_the_same_statements() -> None:
    lf = _parse(OCA + "base/test-rabo.swi")
    crlf = _parse(OCA + "nl_rabo/test-rabo.swi")
    assert lf == crlf
    assert [s.statement_id for s in lf][:2] == ["940S140102", "940S140103"]
    assert lf[0].account_id == "NL34RABO0142623393"
    assert lf[0].entries[0].amount_cents == 40000
    assert lf[0].entries[0].payer_name == "R. SMITH"


def test_german_sepa_subfields() -> None:
    statements = _parse(WOLPH + "betterplace/sepa_mt9401.sta")
    first = statements[0]
    assert (first.opening_balance_cents, first.closing_balance_cents) == (-123471836, -123762823)
    assert first.entries[0].amount_cents == 30000
    assert any(entry.payer_iban for s in statements for entry in s.entries)


def test_reversal_marks() -> None:
    statement = _wrap(
        ":61:1401010101RC10,00NTRFNONREF",
        ":61:1401010101RD2,50NTRFNONREF",
        ":61:1401010101CR1,00NTRFNONREF",
        closing=":62F:D140101EUR6,50",
    )
    assert [(e.amount_cents, e.reversal) for e in statement.entries] == [
        (-1000, True),
        (250, True),
        (100, False),
    ]


def test_cr_only_line_endings_and_year_crossing_booking_date() -> None:
    data = (
        b":20:X\r:25:A\r:60F:C131231EUR0,00\r:61:1312310102C1,00NTRFNONREF\r"
        b":86:line one\r wrapped\r:62F:C140102EUR1,00\r-"
    )
    (statement,) = parse_mt940(data)
    (entry,) = statement.entries
    assert entry.booking_date == dt.date(2014, 1, 2)
    assert entry.remittance_text == "line one wrapped"
