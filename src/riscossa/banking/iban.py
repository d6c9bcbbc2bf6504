"""IBAN check (ISO 13616): what people type, the country's structure, mod-97, the Italian CIN.

Hand-written rather than schwifty: building a schwifty IBAN object per record is too slow for
the batch path, and its exceptions do not tell the error codes below apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from riscossa.banking.iban_countries import COUNTRIES, IbanCountry


class IbanCode(StrEnum):
    """The first failing check; the last four are decided by a bank registry, not here."""

    OK = "OK"
    EMPTY = "EMPTY"
    BAD_CHARACTERS = "BAD_CHARACTERS"
    BAD_COUNTRY = "BAD_COUNTRY"
    NOT_SEPA = "NOT_SEPA"
    BAD_LENGTH = "BAD_LENGTH"
    BAD_FORMAT = "BAD_FORMAT"
    BAD_CHECKSUM = "BAD_CHECKSUM"
    BAD_CIN = "BAD_CIN"
    UNKNOWN_BANK = "UNKNOWN_BANK"
    UNKNOWN_BRANCH = "UNKNOWN_BRANCH"
    BANK_RETIRED = "BANK_RETIRED"
    BRANCH_CLOSED = "BRANCH_CLOSED"


@dataclass(frozen=True, slots=True)
class IbanCheck:
    """One checked value; bank_code, branch_code and account are "" unless the length is right."""

    iban: str
    code: IbanCode
    country: str
    bank_code: str
    branch_code: str
    account: str
    corrected: bool

    @property
    def valid(self) -> bool:
        return self.code is IbanCode.OK


# Dashes (Unicode category Pd) plus the minus sign, which people type for a dash.
DASHES = (
    "-\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212"
)
# Invisible characters that survive NFKC: soft hyphen, Mongolian vowel separator, zero-width
# space / non-joiner / joiner, word joiner, byte-order mark.
INVISIBLES = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_SEPARATORS = re.compile("[\\s./" + re.escape(DASHES + INVISIBLES) + "]")
# The same set restricted to ASCII, for the batch path.
ASCII_SEPARATORS = "".join(chr(c) for c in range(128) if _SEPARATORS.match(chr(c)))

# Look-alikes fixed where a digit is required: Crockford's Base32 reads O as 0 and I, L as 1.
LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)

INVALID_CHECK_DIGITS = frozenset({"00", "01", "99"})
CIN_COUNTRIES = frozenset({"IT", "SM"})

_ALNUM = re.compile("[A-Z0-9]+")
_SWIFT_PART = re.compile(r"(\d+)!([nac])")
_CLASS_PATTERN = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
_LETTER_VALUES = {ord(chr(65 + i)): str(10 + i) for i in range(26)}

# CIN: odd positions weigh through this table, even positions by plain value (A=0, "0"=0).
_CIN_ODD_0_12 = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18)
_CIN_ODD_13_25 = (20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)
CIN_ODD: tuple[int, ...] = _CIN_ODD_0_12 + _CIN_ODD_13_25
CIN_ODD_WEIGHT = {
    **{str(d): CIN_ODD[d] for d in range(10)},
    **{chr(65 + v): CIN_ODD[v] for v in range(26)},
}
CIN_EVEN_WEIGHT = {**{str(d): d for d in range(10)}, **{chr(65 + v): v for v in range(26)}}


@cache
def iban_layout(country: str) -> str:
    """One class letter per IBAN position (n digit, a letter, c either): "aann" + the BBAN's."""
    layout = ["aann"]
    structure = COUNTRIES[country].bban
    parts = _SWIFT_PART.findall(structure)
    if "".join(f"{count}!{kind}" for count, kind in parts) != structure:
        raise ValueError(f"{country}: BBAN structure {structure!r} is not fixed-length SWIFT")
    layout.extend(kind * int(count) for count, kind in parts)
    return "".join(layout)


@cache
def _pattern(country: str) -> re.Pattern[str]:
    return re.compile("".join(_CLASS_PATTERN[kind] for kind in iban_layout(country)))


@cache
def _digit_positions(country: str) -> tuple[int, ...]:
    return tuple(i for i, kind in enumerate(iban_layout(country)) if kind == "n")


def normalise(text: str) -> tuple[str, bool]:
    """The electronic form of a typed IBAN, and whether look-alike letters were read as digits.

    NFKC folds full-width and other compatibility forms; whitespace, dashes, dots, slashes and
    invisible characters go; letters are upper-cased; a leading "IBAN" or "IBAN:" goes. O, I
    and L become digits only where the country's structure requires a digit and the length
    is the country's, so that positions are certain; nothing else is guessed.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    compact = _SEPARATORS.sub("", text).upper()
    if compact.startswith("IBAN"):
        compact = compact[5:] if compact.startswith("IBAN:") else compact[4:]
    return _read_lookalikes(compact)


def _read_lookalikes(iban: str) -> tuple[str, bool]:
    tail = iban[2:]
    if "O" not in tail and "I" not in tail and "L" not in tail:
        return iban, False
    country = COUNTRIES.get(iban[:2])
    if country is None or len(iban) != country.iban_length:
        return iban, False
    chars = list(iban)
    for position in _digit_positions(country.code):
        chars[position] = chars[position].translate(_LOOKALIKE_TABLE)
    fixed = "".join(chars)
    return fixed, fixed != iban


def mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 remainder of upper-case alphanumerics, letters read as 10..35."""
    return int(text.translate(_LETTER_VALUES)) % 97


def _require_alnum(text: str, what: str) -> None:
    if not _ALNUM.fullmatch(text):
        raise ValueError(f"{what} must be upper-case letters and digits, got {text!r}")


def italian_cin(abi_cab_account: str) -> str:
    """The CIN letter over ABI + CAB + 12-character account (22 characters)."""
    if len(abi_cab_account) != 22:
        raise ValueError(f"CIN needs ABI + CAB + account, 22 characters: {abi_cab_account!r}")
    _require_alnum(abi_cab_account, "ABI + CAB + account")
    total = sum(map(CIN_ODD_WEIGHT.__getitem__, abi_cab_account[0::2])) + sum(
        map(CIN_EVEN_WEIGHT.__getitem__, abi_cab_account[1::2])
    )
    return chr(65 + total % 26)


def check_digits(country: str, bban: str) -> str:
    """The two IBAN check digits for a country code and a BBAN."""
    _require_alnum(country + bban, "country and BBAN")
    return f"{98 - mod97(bban + country + '00'):02d}"


def build_iban(country: str, bban: str) -> str:
    """Country code + computed check digits + BBAN."""
    return country + check_digits(country, bban) + bban


def italian_bban(abi: str, cab: str, account: str) -> str:
    """CIN + ABI + CAB + account left-padded with zeros to 12 characters."""
    if not (len(abi) == 5 and abi.isdigit() and len(cab) == 5 and cab.isdigit()):
        raise ValueError(f"ABI and CAB must be 5 digits each, got {abi!r} and {cab!r}")
    if len(account) > 12:
        raise ValueError(f"account must be at most 12 characters, got {account!r}")
    _require_alnum(account, "account")
    body = abi + cab + account.rjust(12, "0")
    return italian_cin(body) + body


def _code(iban: str, country: IbanCountry | None) -> IbanCode:
    if not iban:
        return IbanCode.EMPTY
    if not _ALNUM.fullmatch(iban):
        return IbanCode.BAD_CHARACTERS
    if country is None:
        return IbanCode.BAD_COUNTRY
    if not country.sepa:
        return IbanCode.NOT_SEPA
    if len(iban) != country.iban_length:
        return IbanCode.BAD_LENGTH
    if iban[2:4] in INVALID_CHECK_DIGITS or not _pattern(country.code).fullmatch(iban):
        return IbanCode.BAD_FORMAT
    if mod97(iban[4:] + iban[:4]) != 1:
        return IbanCode.BAD_CHECKSUM
    if country.code in CIN_COUNTRIES and italian_cin(iban[5:]) != iban[4]:
        return IbanCode.BAD_CIN
    return IbanCode.OK


def check_iban(text: str) -> IbanCheck:
    """Normalise and check one value; the first failing check gives the code."""
    iban, corrected = normalise(text)
    country = COUNTRIES.get(iban[:2])
    code = _code(iban, country)
    if country is None or len(iban) != country.iban_length or code is IbanCode.BAD_CHARACTERS:
        return IbanCheck(iban, code, country.code if country else "", "", "", "", corrected)
    bban = iban[4:]
    branch = bban[country.branch[0] : country.branch[1]] if country.branch else ""
    return IbanCheck(
        iban,
        code,
        country.code,
        bban[country.bank[0] : country.bank[1]],
        branch,
        bban[country.account[0] : country.account[1]],
        corrected,
    )
