"""The SEPA Latin character subset: what every bank in the scheme must accept.

EPC rulebooks guarantee only ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space; anything else may
be rejected or mangled by a bank on the way. Italian names carry accents (Nicolò, Perù,
D'Annunzio), so free text is transliterated before it goes into a file. Identifiers are
refused instead of rewritten: changing an end-to-end id would break the link to the bank's
outcome.
"""

from __future__ import annotations

import re
import unicodedata

SEPA_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "

_SEPA_TEXT = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
_SPACES = re.compile(r" {2,}")
# Identifier: 1-35 SEPA characters, no leading or trailing "/", no "//" (EPC usage rule).
_IDENTIFIER = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+ ]{1,35}(?<!/)")
# Mandate ids (RestrictedIdentificationSEPA2 in the EPC schemas) exclude the space.
_MANDATE_ID = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)")

# Letters that do not decompose under NFKD, and punctuation with a close SEPA equivalent.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
        "&": "+",
        "_": "-",
        ";": ",",
        "!": ".",
        '"': "'",
        "`": "'",
        "´": "'",
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": "'",
        "”": "'",
        "„": "'",
        "«": "'",
        "»": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "€": "EUR",
        "°": ".",
        "º": ".",
        "ª": ".",
    }
)


def to_sepa_text(text: str, max_length: int | None = None) -> str:
    """Free text in the SEPA subset: accents dropped, look-alikes mapped, the rest a space.

    Runs of spaces collapse and the ends are trimmed, so the result is stable when applied
    twice; ``max_length`` cuts after transliteration (ß becomes two letters).
    """
    if _SEPA_TEXT.fullmatch(text) and "  " not in text:
        out = text.strip()
    else:
        decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL)).translate(_SPECIAL)
        kept = []
        for char in decomposed:
            if char in SEPA_CHARACTERS:
                kept.append(char)
            elif not unicodedata.combining(char):
                kept.append(" ")
        out = _SPACES.sub(" ", "".join(kept)).strip()
    if max_length is not None and len(out) > max_length:
        out = out[:max_length].rstrip()
    return out


def is_sepa_identifier(value: str) -> bool:
    """A message, batch or end-to-end id the EPC rules accept unchanged."""
    return _IDENTIFIER.fullmatch(value) is not None


def is_mandate_id(value: str) -> bool:
    """A unique mandate reference (UMR): like an identifier, but without spaces."""
    return _MANDATE_ID.fullmatch(value) is not None
