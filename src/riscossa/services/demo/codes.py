"""Identifiers with check digits, computed by hand so that a million of them stay cheap.

Codice fiscale, partita IVA, Italian IBAN (CIN + mod-97), ISO 11649 RF references, pagoPA
notice numbers and Poste "896" codes. The tests validate every result with python-stdnum and
schwifty; the bulk path avoids their per-call overhead (schwifty's ``IBAN.generate`` costs
tens of microseconds). The IBAN helpers delegate to ``riscossa.banking.iban``.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from functools import cache
from importlib import resources

from stdnum import luhn
from stdnum.it import codicefiscale

from riscossa.banking.iban import build_iban, check_digits, italian_bban, italian_cin

_VOWELS = frozenset("AEIOU")
_MONTH_LETTERS = "ABCDEHLMPRST"

# Real municipalities: (name, province, postcode, Belfiore cadastral code).
MUNICIPALITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Roma", "RM", "00184", "H501"),
    ("Milano", "MI", "20121", "F205"),
    ("Napoli", "NA", "80121", "F839"),
    ("Torino", "TO", "10121", "L219"),
    ("Palermo", "PA", "90121", "G273"),
    ("Genova", "GE", "16121", "D969"),
    ("Bologna", "BO", "40121", "A944"),
    ("Firenze", "FI", "50121", "D612"),
    ("Bari", "BA", "70121", "A662"),
    ("Catania", "CT", "95121", "C351"),
    ("Venezia", "VE", "30121", "L736"),
    ("Verona", "VR", "37121", "L781"),
    ("Messina", "ME", "98121", "F158"),
    ("Padova", "PD", "35121", "G224"),
    ("Trieste", "TS", "34121", "L424"),
    ("Brescia", "BS", "25121", "B157"),
    ("Parma", "PR", "43121", "G337"),
    ("Taranto", "TA", "74121", "L049"),
    ("Prato", "PO", "59100", "G999"),
    ("Modena", "MO", "41121", "F257"),
    ("Reggio di Calabria", "RC", "89121", "H224"),
    ("Reggio nell'Emilia", "RE", "42121", "H223"),
    ("Perugia", "PG", "06121", "G478"),
    ("Livorno", "LI", "57121", "E625"),
    ("Ravenna", "RA", "48121", "H199"),
    ("Cagliari", "CA", "09121", "B354"),
    ("Foggia", "FG", "71121", "D643"),
    ("Rimini", "RN", "47921", "H294"),
    ("Salerno", "SA", "84121", "H703"),
    ("Ferrara", "FE", "44121", "D548"),
    ("Sassari", "SS", "07100", "I452"),
    ("Latina", "LT", "04100", "E472"),
    ("Bergamo", "BG", "24121", "A794"),
    ("Pescara", "PE", "65121", "G482"),
    ("Trento", "TN", "38121", "L378"),
    ("Vicenza", "VI", "36100", "L840"),
    ("Bolzano", "BZ", "39100", "A952"),
    ("Ancona", "AN", "60121", "A271"),
    ("Lecce", "LE", "73100", "E506"),
    ("Udine", "UD", "33100", "L483"),
)


def _letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.upper() if "A" <= ch <= "Z")


def _split(text: str) -> tuple[str, str]:
    letters = _letters(text)
    consonants = "".join(ch for ch in letters if ch not in _VOWELS)
    vowels = "".join(ch for ch in letters if ch in _VOWELS)
    return consonants, vowels


def surname_part(surname: str) -> str:
    consonants, vowels = _split(surname)
    return (consonants + vowels + "XXX")[:3]


def name_part(name: str) -> str:
    """First name: 1st, 3rd and 4th consonant when there are four or more."""
    consonants, vowels = _split(name)
    if len(consonants) >= 4:
        return consonants[0] + consonants[2] + consonants[3]
    return (consonants + vowels + "XXX")[:3]


def codice_fiscale(surname: str, name: str, birth: dt.date, female: bool, belfiore: str) -> str:
    day = birth.day + (40 if female else 0)
    body = (
        f"{surname_part(surname)}{name_part(name)}{birth.year % 100:02d}"
        f"{_MONTH_LETTERS[birth.month - 1]}{day:02d}{belfiore}"
    )
    return body + codicefiscale.calc_check_digit(body)


def partita_iva(serial: int, office: int) -> str:
    """Seven-digit serial, three-digit provincial office (001-100), Luhn check digit."""
    body = f"{serial % 10_000_000:07d}{office:03d}"
    return body + luhn.calc_check_digit(body)


def cin(abi_cab_account: str) -> str:
    """Odd positions (1st, 3rd, ...) through the ODD table, even positions by plain value."""
    return italian_cin(abi_cab_account)


def iban_check_digits(country: str, bban: str) -> str:
    return check_digits(country, bban)


def italian_iban(abi: str, cab: str, account: str) -> str:
    """``IT`` + check digits + CIN + ABI + CAB + 12-character account."""
    return build_iban("IT", italian_bban(abi, cab, account))


def rf_reference(base_digits: str) -> str:
    """ISO 11649 creditor reference over a numeric base (R=27, F=15)."""
    from riscossa.banking.payment_codes import make_rf_reference

    return make_rf_reference(base_digits)


def pagopa_notice(segregation: int, iuv_base: int) -> str:
    """18-digit notice number with aux digit 3: segregation code, 13-digit IUV base, mod 93."""
    from riscossa.banking.payment_codes import make_pagopa_notice

    return make_pagopa_notice(f"{segregation:02d}{iuv_base:013d}", aux_digit=3)


def poste_896(code16: int) -> str:
    """Poste Italiane 896 payment code: 16 digits and their remainder modulo 93."""
    from riscossa.banking.payment_codes import make_poste_896

    return make_poste_896(f"{code16:016d}")


@cache
def italian_abi_codes() -> tuple[str, ...]:
    """Real ABI codes from schwifty's bundled registry, sorted so that seeds stay stable.

    Banca d'Italia (01000) holds no customer accounts and is left out.
    """
    found: set[str] = set()
    folder = resources.files("schwifty") / "bank_registry"
    for name in ("generated_it.json", "manual_it.json"):
        entry = folder / name
        if not entry.is_file():
            continue
        for bank in json.loads(entry.read_text(encoding="utf-8")):
            code = str(bank.get("bank_code", ""))
            if bank.get("country_code") == "IT" and len(code) == 5 and code.isdigit():
                found.add(code)
    found.discard("01000")
    return tuple(sorted(found))
