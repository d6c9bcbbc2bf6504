"""The IBAN country table against schwifty's registry, the SWIFT registry text and php-iban."""

from __future__ import annotations

import csv
import re
import sys
import unicodedata

import pytest
from schwifty import registry

from riscossa.banking.iban import DASHES, iban_layout
from riscossa.banking.iban_countries import COUNTRIES, SEPA_COUNTRIES, TERRITORIES
from tests.conftest import EXTERNAL_FIXTURES

SWIFT_TEXT = EXTERNAL_FIXTURES / "jschaedl_iban-validation" / "iban_registry_202402r96.txt"
PHP_IBAN = EXTERNAL_FIXTURES / "globalcitizen_php-iban" / "registry.txt"

# Where our table departs from schwifty's, and why.
SCHWIFTY_STRUCTURE_DIFFERS = {
    # SWIFT release 96 and php-iban: 8!n5!n10!n1!a1!c; schwifty loosens bank and account type.
    "BR": "8!n5!n10!n1!a1!c",
}
EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EPC_SEPA = {*EU.split(" "), "IS", "LI", "NO", "CH", "GB", "MC", "SM", "VA", "AD", "GI"}


def _schwifty() -> dict[str, dict[str, object]]:
    data = registry.Registry()._get("iban")  # a fresh one: the shared one parses in place
    assert isinstance(data, dict)
    return {str(code): spec for code, spec in data.items()}


def _expand(structure: str) -> str:
    return "".join(kind * int(count) for count, kind in re.findall(r"(\d+)!([nac])", structure))


def test_sepa_is_the_epc_list() -> None:
    assert len(EPC_SEPA) == 37  # 36 countries, plus Gibraltar's own IBAN code
    assert SEPA_COUNTRIES == EPC_SEPA


@pytest.mark.parametrize("code", sorted(COUNTRIES))
def test_country_matches_schwifty(code: str) -> None:
    ours, theirs = COUNTRIES[code], _schwifty()[code]
    assert ours.iban_length == theirs["iban_length"]
    assert len(iban_layout(code)) == ours.iban_length
    assert ours.sepa == theirs["in_sepa_zone"]
    if code in SCHWIFTY_STRUCTURE_DIFFERS:
        assert ours.bban == SCHWIFTY_STRUCTURE_DIFFERS[code]
    else:  # same classes position by position (schwifty writes some runs differently)
        assert _expand(ours.bban) == _expand(str(theirs["bban_spec"]))
        regex = theirs["regex"]
        assert isinstance(regex, re.Pattern)
        sample = "".join({"n": "7", "a": "Q", "c": "Z"}[k] for k in _expand(ours.bban))
        assert regex.match(sample)
    positions = theirs["positions"]
    assert isinstance(positions, dict)
    assert ours.bank == tuple(positions["bank_code"])
    assert ours.account == tuple(positions["account_code"])
    branch = positions.get("branch_code")
    assert ours.branch == (tuple(branch) if branch and branch[1] > branch[0] else None)


def test_schwifty_extras_are_territories_or_unregistered() -> None:
    extra = set(_schwifty()) - set(COUNTRIES)
    aspirational = {c for c in extra if _schwifty()[c].get("aspirational")}
    assert extra - aspirational == set(TERRITORIES)


def _swift_registry() -> dict[str, dict[str, str]]:
    lines = SWIFT_TEXT.read_text(encoding="latin-1").split("\n")
    table = {line.split("\t")[0]: line.split("\t")[1:] for line in lines[:24]}
    codes = table["IBAN prefix country code (ISO 3166)"]
    fields = ("BBAN structure", "IBAN length", "SEPA country", "IBAN electronic format example")
    return {code: {f: table[f][i] for f in fields} for i, code in enumerate(codes)}


def test_table_matches_swift_registry_text() -> None:
    swift = _swift_registry()
    # Pakistan is missing from this export of release 96; Honduras and Yemen came later.
    assert set(COUNTRIES) - set(swift) == {"PK", "HN", "YE"}
    assert set(swift) <= set(COUNTRIES)
    for code, entry in swift.items():
        assert _expand(COUNTRIES[code].bban) == _expand(entry["BBAN structure"]), code
        assert str(COUNTRIES[code].iban_length) == entry["IBAN length"], code
        # The text marks Iceland "No"; Iceland is in the EEA and on the EPC list.
        swift_sepa = entry["SEPA country"] == "Yes" or code == "IS"
        assert COUNTRIES[code].sepa == swift_sepa, code


# php-iban's snapshot predates some registry releases: countries added later are missing, and
# Burundi, Djibouti and Nicaragua still have the formats they replaced (Burundi was 16
# characters before 2022, Nicaragua 32 before 2023); for Qatar (4!a4!n17!c) it wants digits
# where the SWIFT registry allows any character.
PHP_IBAN_MISSING = {"FK", "LY", "MN", "OM", "RU", "SD", "SO", "VA", "YE"}
PHP_IBAN_OLDER = {"BI", "DJ", "NI", "QA"}


def test_table_matches_php_iban_registry() -> None:
    with PHP_IBAN.open(encoding="utf-8") as handle:
        rows = {row["country_code"]: row for row in csv.DictReader(handle, delimiter="|")}
    assert set(COUNTRIES) - set(rows) == PHP_IBAN_MISSING
    for code, country in COUNTRIES.items():
        if code in PHP_IBAN_MISSING:
            continue
        row = rows[code]
        assert (row["country_sepa"] == "1") == country.sepa, code
        if code not in PHP_IBAN_OLDER:
            assert int(row["iban_length"]) == country.iban_length, code
            assert _expand(row["bban_format_swift"]) == _expand(country.bban), code
    for code, parent in TERRITORIES.items():
        if code in rows:  # php-iban lists territories with their parent's layout
            assert int(rows[code]["iban_length"]) == COUNTRIES[parent].iban_length


def test_dashes_are_unicode_dash_punctuation_plus_minus() -> None:
    pd = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"}
    assert set(DASHES) == pd | {"\u2212"}
