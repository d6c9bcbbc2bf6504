"""check_creditor_id: vectors from real files, one example per code, builders, properties.

The check digits are verified twice outside the module: by plain integer arithmetic here
(letters as base-36 digits, national id + country + check digits, mod 97 == 1) and by
python-stdnum's AT-02 implementation.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.eu import at_02

from riscossa.banking.creditor_id import (
    COUNTRY_LENGTHS,
    CreditorIdCode,
    build_creditor_id,
    check_creditor_id,
    creditor_id_check_digits,
    creditor_id_problem,
    creditor_key,
    italian_creditor_id,
    italian_national_id,
    normalise_creditor_id,
)
from riscossa.banking.iban_countries import COUNTRIES
from tests.conftest import EXTERNAL_FIXTURES

ALNUM = string.digits + string.ascii_uppercase
FREE_LENGTH_SEPA = sorted(
    code for code, country in COUNTRIES.items() if country.sepa and code not in COUNTRY_LENGTHS
)

# Creditor identifiers written in the shared external files, with the code they deserve.
# The first group are real-format identifiers that validate; the others do not, and why.
FILE_VECTORS = [
    # CBI SDD outcome (esiti): Italian 23-character CI, national part = VAT number padded.
    ("GPA_tpm-edi-cbi/example_stin_st_003_cbisdd_stsrptmsg.xml", "IT39ZZZ0000016238271007", "OK"),
    # pain.008.001.02: a German CI with business code "000" instead of "ZZZ".
    ("GPA_tpm-edi/example-pain.008.001.02.xml", "DE1800000002539493", "OK"),
    # The Bundesbank's published example, in an MT940 statement.
    ("WoLpH_mt940/cmxl/statement_details.sta", "DE98ZZZ09999999999", "OK"),
    # Dutch CIs (KvK number + 4 digits) in statements.
    ("OCA_bank-statement-import/test-camt053", "NL22ZZZ524885430000", "OK"),
    (
        "OCA_bank-statement-import/account_bank_statement_import_mt940_nl_ing/test-ing.940",
        "NL32ZZZ999999991234",
        "OK",
    ),
    (
        "OCA_bank-statement-import/account_bank_statement_import_mt940_base/test-sns.940",
        "NL39ZZZ302317620000",
        "OK",
    ),
    (
        "OCA_bank-statement-import/account_bank_statement_import_mt940_base/test-sns.940",
        "NL42ZZZ080242850000",
        "OK",
    ),
    (
        "OCA_bank-statement-import/account_bank_statement_import_mt940_base/test-sns.940",
        "NL65ZZZ091364410000",
        "OK",
    ),
    # Made-up identifiers in library test files: check digits should be 22, 10, 84, 13.
    ("php-sepa-xml_php-sepa-xml/pain.008.001.02.xml", "BG40ZZZ507778", "BAD_CHECK_DIGITS"),
    ("salesking_sepa_king/pain.008.002.02.xml", "DE00ZZZ00099999999", "BAD_CHECK_DIGITS"),
    ("OCA_account-payment/test-sepa-pain-unpaid.xml", "IE03ZZZ123456", "BAD_CHECK_DIGITS"),
    ("WoLpH_mt940/self-provided/malformed_details.sta", "DE99ZZZ00000012345", "BAD_CHECK_DIGITS"),
    # A Dutch CI cut short in a statement line.
    (
        "OCA_bank-statement-import/account_bank_statement_import_mt940_nl_ing/test-ing.940",
        "NL32ZZZ9999999",
        "BAD_LENGTH",
    ),
    # A Swiss LSV+/CH-DD creditor id in a CdtrSchmeId: not a SEPA CI at all.
    ("moov-io_iso20022/pain008-musterfile.xml", "41100000000872849", "BAD_COUNTRY"),
]
_SCHEME_ID = re.compile(r"<(?:\w+:)?CdtrSchmeId>(.*?)</(?:\w+:)?CdtrSchmeId>", re.S)
_ID = re.compile(r"<(?:\w+:)?Id>\s*([^<\s]+)\s*</(?:\w+:)?Id>")


def arithmetic_valid(ci: str) -> bool:
    """Independent check: base-36 digits of national id + country + check digits, mod 97."""
    digits = "".join(str(int(char, 36)) for char in ci[7:] + ci[:4])
    return int(digits) % 97 == 1


@pytest.mark.parametrize(("relative", "ci", "expected"), FILE_VECTORS)
def test_identifiers_found_in_external_files(relative: str, ci: str, expected: str) -> None:
    path = EXTERNAL_FIXTURES / relative
    if not path.exists():
        pytest.skip(f"external fixture missing: {relative}")
    assert ci in path.read_text(encoding="utf-8", errors="replace")
    check = check_creditor_id(ci)
    assert check.code == expected
    if expected in ("OK", "BAD_CHECK_DIGITS"):
        assert arithmetic_valid(ci) is (expected == "OK")
        assert at_02.is_valid(ci) is (expected == "OK")


def test_every_scheme_id_of_the_pain008_files_is_a_vector() -> None:
    """New files with CdtrSchmeId values must be looked at and added above."""
    files = sorted(EXTERNAL_FIXTURES.rglob("*.xml")) if EXTERNAL_FIXTURES.exists() else []
    if not files:
        pytest.skip("external fixtures missing")
    found = {
        value
        for path in files
        for block in _SCHEME_ID.findall(path.read_text(encoding="utf-8", errors="replace"))
        for value in _ID.findall(block)
    }
    assert found
    assert found <= {ci for _, ci, _ in FILE_VECTORS}


def test_valid_vector_parts() -> None:
    check = check_creditor_id("IT66ZZZA1B2C3D4E5F6G7H8")
    assert check.valid
    assert (check.country, check.business_code, check.national_id) == (
        "IT",
        "ZZZ",
        "A1B2C3D4E5F6G7H8",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", CreditorIdCode.EMPTY),
        ("  - ", CreditorIdCode.EMPTY),
        ("IT39ZZZ00000162382710€7", CreditorIdCode.BAD_CHARACTERS),
        ("IT39ZZZ000001623827_007", CreditorIdCode.BAD_CHARACTERS),
        ("XX39ZZZ0000016238271007", CreditorIdCode.BAD_COUNTRY),
        ("US39ZZZ0000016238271007", CreditorIdCode.BAD_COUNTRY),  # not a SEPA country
        ("3939ZZZ0000016238271007", CreditorIdCode.BAD_COUNTRY),
        ("IT39ZZZ000016238271007", CreditorIdCode.BAD_LENGTH),  # Italy: 23
        ("DE98ZZZ0999999999", CreditorIdCode.BAD_LENGTH),  # Germany: 18
        ("BE00ZZZ", CreditorIdCode.BAD_LENGTH),  # no national part
        ("BE00ZZZ" + "1" * 29, CreditorIdCode.BAD_LENGTH),  # over 35
        ("IT38ZZZ0000016238271007", CreditorIdCode.BAD_CHECK_DIGITS),
        ("ITA9ZZZ0000016238271007", CreditorIdCode.BAD_CHECK_DIGITS),
        ("IT39ZZZ0000016238271070", CreditorIdCode.BAD_CHECK_DIGITS),  # transposed digits
        ("IT39ZZZ0000016238271007", CreditorIdCode.OK),
    ],
)
def test_one_example_per_code(text: str, code: CreditorIdCode) -> None:
    check = check_creditor_id(text)
    assert check.code is code
    assert check.valid is (code is CreditorIdCode.OK)
    if code in (CreditorIdCode.OK, CreditorIdCode.BAD_CHECK_DIGITS):
        assert check.creditor_id[7:] == check.national_id
    else:
        assert check.business_code == check.national_id == ""


def test_creditor_id_problem() -> None:
    assert creditor_id_problem("IT39ZZZ0000016238271007") is None
    assert creditor_id_problem("IT38ZZZ0000016238271007") == "BAD_CHECK_DIGITS"
    assert creditor_id_problem("") == "EMPTY"


def test_normalisation_of_typed_values() -> None:
    assert normalise_creditor_id(" it39 zzz-0000.0162/3827 1007\t") == "IT39ZZZ0000016238271007"
    assert check_creditor_id("it39 zzz 0000 0162 3827 1007").valid


def test_business_code_is_outside_the_check_digits() -> None:
    base = "IT39ZZZ0000016238271007"
    other = "IT39A1B0000016238271007"
    assert check_creditor_id(other).valid
    assert check_creditor_id(other).business_code == "A1B"
    assert creditor_key(base) == creditor_key(other) == "IT390000016238271007"


def test_italian_identifier_from_tax_codes() -> None:
    # The VAT number of the CBI example rebuilds the identifier found in the file.
    assert italian_national_id("16238271007") == "0000016238271007"
    assert italian_creditor_id("16238271007") == "IT39ZZZ0000016238271007"
    assert italian_national_id("0000016238271007") == "0000016238271007"
    ci = italian_creditor_id("rssmra85t10a562s")
    assert ci == "IT" + creditor_id_check_digits("IT", "RSSMRA85T10A562S") + "ZZZRSSMRA85T10A562S"
    assert check_creditor_id(ci).valid and arithmetic_valid(ci)
    assert italian_creditor_id("16238271007", "ABC").startswith("IT39ABC")


@pytest.mark.parametrize(
    "bad", ["16238271008", "RSSMRA85T10A562T", "1623827100", "", "00000RSSMRA85T10"]
)
def test_italian_identifier_refuses_bad_tax_codes(bad: str) -> None:
    with pytest.raises(ValueError):
        italian_national_id(bad)


def test_builder_refusals() -> None:
    with pytest.raises(ValueError, match="business code"):
        build_creditor_id("IT", "0000016238271007", "ZZ")
    with pytest.raises(ValueError, match="BAD_LENGTH"):
        build_creditor_id("IT", "16238271007")
    with pytest.raises(ValueError, match="BAD_COUNTRY"):
        build_creditor_id("XX", "123456")
    with pytest.raises(ValueError):
        creditor_id_check_digits("it", "123")


national_ids = st.text(alphabet=ALNUM, min_size=1, max_size=28)


@given(
    st.sampled_from(FREE_LENGTH_SEPA), national_ids, st.text(alphabet=ALNUM, min_size=3, max_size=3)
)
def test_built_identifiers_check_and_agree_with_stdnum(
    country: str, national_id: str, business_code: str
) -> None:
    ci = build_creditor_id(country, national_id, business_code)
    check = check_creditor_id(ci)
    assert check.valid
    assert (check.country, check.business_code, check.national_id) == (
        country,
        business_code,
        national_id,
    )
    assert arithmetic_valid(ci)
    assert at_02.is_valid(ci)
    assert at_02.calc_check_digits(ci) == ci[2:4]


@given(national_ids, st.integers(min_value=0, max_value=27), st.sampled_from(ALNUM))
def test_single_substitutions_in_the_national_id_are_caught(
    national_id: str, position: int, replacement: str
) -> None:
    """Same kind (digit for digit, letter for letter) substitutions change the number by a
    multiple of a power of ten times a difference below 97: never a multiple of 97."""
    ci = build_creditor_id("BE", national_id)
    index = 7 + position % len(national_id)
    original = ci[index]
    if original == replacement or original.isdigit() != replacement.isdigit():
        return
    changed = ci[:index] + replacement + ci[index + 1 :]
    assert check_creditor_id(changed).code is CreditorIdCode.BAD_CHECK_DIGITS
