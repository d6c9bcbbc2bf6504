"""SEPA Creditor Identifier (CI, AT-02 of the SDD rulebooks): check, normalise, build.

Layout ``CC kk BBB national-id``: ISO country code, two check digits, the Creditor Business
Code (``ZZZ`` when unused) and the national identifier (1 to 28 characters, 35 in all). The
check digits are ISO 7064 MOD 97-10 over national id + country + check digits, letters read as
10..35: the business code is left out, so the creditor may change it without a new CI, and
two CIs that differ only there name the same creditor (see creditor_key).

Italy (ABI technical circular 42/2009): 23 characters; the national part is the creditor's
16-character codice fiscale, or its 11-digit partita IVA left-padded with five zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum.it import codicefiscale, iva

from riscossa.banking.iban import mod97
from riscossa.banking.iban_countries import COUNTRIES

UNUSED_BUSINESS_CODE = "ZZZ"
MAX_LENGTH = 35
MIN_LENGTH = 8  # country, check digits, business code and at least one character

# Total lengths where the national community fixes one (EPC262-08 Creditor Identifier
# Overview); other SEPA countries are held to the general 8..35 bounds only.
COUNTRY_LENGTHS: dict[str, int] = {"DE": 18, "ES": 16, "IT": 23, "NL": 19}

_ALNUM = re.compile("[A-Z0-9]+")
_SEPARATORS = re.compile(r"[\s\-./]")


class CreditorIdCode(StrEnum):
    """The first failing check."""

    OK = "OK"
    EMPTY = "EMPTY"
    BAD_CHARACTERS = "BAD_CHARACTERS"
    BAD_COUNTRY = "BAD_COUNTRY"
    BAD_LENGTH = "BAD_LENGTH"
    BAD_CHECK_DIGITS = "BAD_CHECK_DIGITS"


@dataclass(frozen=True, slots=True)
class CreditorIdCheck:
    """One checked value; the parts are "" when the length is wrong."""

    creditor_id: str
    code: CreditorIdCode
    country: str
    business_code: str
    national_id: str

    @property
    def valid(self) -> bool:
        return self.code is CreditorIdCode.OK


def normalise_creditor_id(text: str) -> str:
    """Upper case without spaces, dashes, dots or slashes, as people type and print it."""
    return _SEPARATORS.sub("", text).upper()


def _code(ci: str) -> CreditorIdCode:
    if not ci:
        return CreditorIdCode.EMPTY
    if not ci.isascii() or not _ALNUM.fullmatch(ci):
        return CreditorIdCode.BAD_CHARACTERS
    country = COUNTRIES.get(ci[:2])
    if country is None or not country.sepa:
        return CreditorIdCode.BAD_COUNTRY
    expected = COUNTRY_LENGTHS.get(country.code)
    if not MIN_LENGTH <= len(ci) <= MAX_LENGTH or (expected is not None and len(ci) != expected):
        return CreditorIdCode.BAD_LENGTH
    if not ci[2:4].isdigit() or mod97(ci[7:] + ci[:4]) != 1:
        return CreditorIdCode.BAD_CHECK_DIGITS
    return CreditorIdCode.OK


def check_creditor_id(text: str) -> CreditorIdCheck:
    """Normalise and check one value; the first failing check gives the code."""
    ci = normalise_creditor_id(text)
    code = _code(ci)
    if code in (CreditorIdCode.EMPTY, CreditorIdCode.BAD_CHARACTERS, CreditorIdCode.BAD_COUNTRY):
        return CreditorIdCheck(ci, code, "", "", "")
    if code is CreditorIdCode.BAD_LENGTH:
        return CreditorIdCheck(ci, code, ci[:2], "", "")
    return CreditorIdCheck(ci, code, ci[:2], ci[4:7], ci[7:])


def creditor_id_problem(text: str) -> str | None:
    """None for a valid CI, else the failing check's code: for per-row checks in imports."""
    code = check_creditor_id(text).code
    return None if code is CreditorIdCode.OK else code.value


def creditor_id_check_digits(country: str, national_id: str) -> str:
    """The two check digits for a country and national identifier (business code excluded)."""
    if not _ALNUM.fullmatch(country + national_id) or len(country) != 2:
        raise ValueError(
            f"country and national id must be upper-case letters and digits: "
            f"{country!r}, {national_id!r}"
        )
    return f"{98 - mod97(national_id + country + '00'):02d}"


def build_creditor_id(
    country: str, national_id: str, business_code: str = UNUSED_BUSINESS_CODE
) -> str:
    """A checked CI from its parts; raises ValueError when the result would not be valid."""
    if len(business_code) != 3 or not _ALNUM.fullmatch(business_code):
        raise ValueError(f"business code must be 3 letters or digits, got {business_code!r}")
    ci = country + creditor_id_check_digits(country, national_id) + business_code + national_id
    code = _code(ci)
    if code is not CreditorIdCode.OK:
        raise ValueError(f"{ci}: {code}")
    return ci


def creditor_key(creditor_id: str) -> str:
    """The CI without its business code: what identifies the creditor across business codes."""
    ci = normalise_creditor_id(creditor_id)
    return ci[:4] + ci[7:]


def italian_national_id(tax_code: str) -> str:
    """The 16-character Italian national part from a codice fiscale or a partita IVA.

    A partita IVA (11 digits) is checked with its Luhn digit and padded with five zeros; a
    personal codice fiscale (16 characters) is checked with its control letter.
    """
    code = normalise_creditor_id(tax_code)
    if len(code) == 11 and code.isdigit():
        if not iva.is_valid(code):
            raise ValueError(f"partita IVA with a wrong check digit: {code!r}")
        return "00000" + code
    if len(code) == 16 and not code.isdigit():
        if not codicefiscale.is_valid(code):
            raise ValueError(f"codice fiscale with a wrong control character: {code!r}")
        return code
    if len(code) == 16 and code.startswith("00000") and iva.is_valid(code[5:]):
        return code
    raise ValueError(f"not a codice fiscale (16) or partita IVA (11): {tax_code!r}")


def italian_creditor_id(tax_code: str, business_code: str = UNUSED_BUSINESS_CODE) -> str:
    """The Italian CI of a creditor from its codice fiscale or partita IVA."""
    return build_creditor_id("IT", italian_national_id(tax_code), business_code)
