"""Every labelled IBAN vector under shared/fixtures/external, as its source labels it.

Sources: derived/ibans_from_test_suites.csv (python-stdnum, schwifty, iban_validate, iban.js,
jschaedl, IbanNet, php-iban, with each library's expected verdict), php-iban's example files
and registry examples, the SWIFT registry examples, iban_validate's fuzz seed. (The schwifty,
falker47 and maxpat78 folders hold ABI/CAB lists, not IBANs.) Valid IBANs of non-SEPA
countries must come out NOT_SEPA and pass length, structure and mod-97 all the same; every
disagreement with a source is listed here with its reason.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from riscossa.banking.iban import IbanCode, check_iban, iban_layout, mod97, normalise
from riscossa.banking.iban_countries import COUNTRIES, TERRITORIES
from tests.conftest import EXTERNAL_FIXTURES

DERIVED = EXTERNAL_FIXTURES / "derived" / "ibans_from_test_suites.csv"
EXAMPLES = EXTERNAL_FIXTURES / "globalcitizen_php-iban" / "example-ibans"
PHP_REGISTRY = EXTERNAL_FIXTURES / "globalcitizen_php-iban" / "registry.txt"
SWIFT_TEXT = EXTERNAL_FIXTURES / "jschaedl_iban-validation" / "iban_registry_202402r96.txt"
SEED = EXTERNAL_FIXTURES / "ThomasdenH_iban_validate" / "input"

# Countries some sources call valid that are not in the SWIFT IBAN registry: national or
# "experimental" IBANs (mostly the BCEAO / BEAC zones of West and Central Africa, Angola,
# Iran, Morocco, ...), which no SEPA debtor bank accepts. All come out BAD_COUNTRY.
UNREGISTERED = {
    *("AO", "BF", "BJ", "CF", "CG", "CI", "CM", "CV", "DZ", "GA", "GQ", "GW"),
    *("IR", "KM", "MA", "MG", "ML", "MZ", "NE", "SN", "TD", "TG"),
}
# Values a source calls valid that we read differently, one by one.
CLAIMED_VALID = {
    "BA; 393384304822703378": (IbanCode.BAD_CHARACTERS, "a semicolon is no separator we drop"),
    "PT: 50 0018 0003 24403537020 84": (IbanCode.BAD_CHARACTERS, "only 'IBAN:' may lead"),
    "PT: 50003300004520006048605": (IbanCode.BAD_CHARACTERS, "only 'IBAN:' may lead"),
    "AO (060) 006 000 000 114 658 31 132": (IbanCode.BAD_CHARACTERS, "brackets are no separator"),
}
# Registry or example values that fail our length or mod-97 although the country is right.
NOT_SEPA_BUT_BROKEN = {
    # SWIFT registry examples for Sao Tome and Russia: errata, they fail mod-97.
    "ST68000200010192194210112": "registry example fails mod-97",
    "RU1704452522540817810538091310419": "registry example fails mod-97",
    # php-iban's registry example for Burundi's 16-character format, replaced by 27 in 2022.
    "BI33123412341234": "old 16-character Burundian format",
    # php-iban still lists Nicaragua's 32-character format, replaced by 28 in the registry.
    "NI92BAMC000000000000000003123123": "old 32-character Nicaraguan format",
    "NI04BAPR00000013000003558124": "old format example with digits where letters go",
}
# Values a source calls invalid that we accept, one by one.
CLAIMED_INVALID = {
    # python-stdnum: "valid IBAN, but the Spanish national check digits are wrong";
    # national check digits other than the Italian CIN are not checked here.
    "ES2121000418450200051331": "Spanish national check digits",
    "ES89 3183 1500 9500 0121 0562": "Spanish national check digits",
    # iban_validate rejects spaces that are not in groups of four; people type them anywhere.
    "DE4 450 010 517 540 732 493 1": "spaces anywhere",
    # IbanNet's strict mode rejects lower case and whitespace; normalising them is our job.
    "nl91ABNA0417164300": "lower case",
    "Nl91ABNA0417164300": "lower case",
    "NL91 ABNA 0417 1643 00": "whitespace",
    "NL91\\tABNA\\t0417\\t1643\\t00": "tabs",
    " NL91 ABNA041 716 4300 ": "whitespace",
}


def _as_typed(value: str) -> str:
    return value.replace("\\t", "\t")  # IbanNet rows keep C#'s escape for TAB


def _well_formed_elsewhere(iban: str) -> bool:
    """Length, structure, check digits and mod-97 right: what a non-SEPA IBAN can pass."""
    layout = iban_layout(iban[:2])
    classes = {"n": str.isdigit, "a": str.isalpha, "c": str.isalnum}
    return (
        len(iban) == len(layout)
        and all(classes[kind](ch) for kind, ch in zip(layout, iban, strict=True))
        and mod97(iban[4:] + iban[:4]) == 1
    )


def assert_valid_claim(value: str) -> None:
    result = check_iban(value)
    if value in CLAIMED_VALID:
        assert result.code is CLAIMED_VALID[value][0], value
    elif result.iban[:2] in UNREGISTERED or result.iban[:2] in TERRITORIES:
        # php-iban lists territories (GF, GP, JE, ...) whose accounts carry FR, GB, FI IBANs.
        assert result.code is IbanCode.BAD_COUNTRY, value
    elif result.code is IbanCode.NOT_SEPA:
        assert _well_formed_elsewhere(result.iban) != (result.iban in NOT_SEPA_BUT_BROKEN), value
    else:
        assert result.code is IbanCode.OK, value
        assert not result.corrected


def _derived() -> list[dict[str, str]]:
    with DERIVED.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("claim", ["true", "false", "?"])
def test_derived_vectors(claim: str) -> None:
    rows = [row for row in _derived() if row["expected_valid"] == claim]
    assert rows
    for row in rows:
        value = _as_typed(row["iban_as_written"])
        if claim == "true":
            assert_valid_claim(value)
            if row["computed_it_sm_cin_ok"] == "true":
                assert check_iban(value).code is IbanCode.OK
        elif claim == "false":
            accepted = check_iban(value).valid
            assert accepted == (row["iban_as_written"] in CLAIMED_INVALID), value
        else:  # fuzz seeds with no claim: only what mod-97 says must hold
            result = check_iban(value)
            assert not result.valid or row["computed_mod97_ok"] == "true", value


def test_derived_file_is_the_one_described() -> None:
    rows = _derived()
    assert len(rows) == 1995
    assert sum(row["expected_valid"] == "true" for row in rows) == 1881


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*-ibans"))


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_php_iban_examples(path: Path) -> None:
    values = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for value in values:
        assert_valid_claim(value)


def test_php_iban_registry_examples() -> None:
    with PHP_REGISTRY.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="|"))
    for row in rows:
        if row["country_code"] == "AA":  # IIBAN, an international range, no country
            assert check_iban(row["iban_example"]).code is IbanCode.BAD_COUNTRY
            continue
        assert_valid_claim(row["iban_example"])


def test_swift_registry_examples() -> None:
    lines = SWIFT_TEXT.read_text(encoding="latin-1").split("\n")
    table = {line.split("\t")[0]: line.split("\t")[1:] for line in lines[:24]}
    examples = table["IBAN electronic format example"]
    assert len(examples) == 86
    for example in examples:
        iban, _ = normalise(example)
        assert iban[:2] in COUNTRIES
        assert_valid_claim(example)


def test_iban_validate_seed() -> None:
    assert check_iban(SEED.read_text(encoding="utf-8")).code is IbanCode.OK
