"""Invoice numbers a payer may have written in free remittance text (causale).

The extractor proposes, the engine decides: every candidate is looked up in a dict keyed by
:func:`normalise_invoice_number` of the open invoices, and only a unique hit is accepted. So
a candidate that names nothing costs a dict miss, while one that names the wrong invoice is
a wrong allocation: the extractor therefore first blanks out what only looks like a number
(IBANs, RF references, tax codes, notice and other long codes, dates, billing periods,
amounts) and then proposes two kinds of token:

* anchored: the token after an invoice word (``FATTURA``, ``FATT. N.``, ``FT``, ``RIF.``,
  ``INV``, ``BOLLETTA``, ``DOC``...), plus the tokens listed after it (``FATTURE 123, 124 E
  125``); after a short prefix word printed as part of the number (``FT 2024/000123``) the
  token is proposed with and without the prefix;
* unanchored: tokens that look like invoice numbers on their own (letters and at least three
  digits such as ``INV-2024-00017`` or ``E2400012345``, or a four-digit year and a number
  such as ``2024/000123``), unless the word before them says they are something else
  (``COD. CLIENTE``, ``P.IVA``, ``POD``, ``TEL``...).

Bare digits are never proposed without an anchor: a 5-digit CAP, a partita IVA or a phone
number would otherwise be candidates. Leading zeros are kept: a payer who writes
``2024/123`` for ``2024/000123`` is not matched here.
"""

from __future__ import annotations

import re

MIN_LENGTH = 3
MAX_LENGTH = 24
_MASK = " # "

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def normalise_invoice_number(number: str) -> str:
    """Upper case, letters and digits only: ``ft 2024/000123`` and ``FT2024-000123`` agree."""
    return _NOT_ALNUM.sub("", number.upper())


# -- what only looks like an invoice number -------------------------------------------------

# SEPA IBAN lengths (ISO 13616 registry); a length and a valid mod-97 make false masks
# practically impossible.
_IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "VA": 22,
}  # fmt: skip
# Two letters, two digits, then alphanumerics possibly grouped by single spaces.
_MOD97_CODE = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){1,32}")
# 14 digits or more, plain or in groups of 2-4: pagoPA notice numbers and Poste 896 codes
# (18), IUV (15, 17), gas supply points PDR (14), bank transaction references.
_DIGIT_GROUPS = re.compile(r"(?<![A-Z0-9])\d+(?: \d{2,4})*(?![A-Z0-9])")
_LONG_DIGITS = 14
_OMOCODE = "[0-9LMNPQRSTUV]"
# Masked whenever they occur; one pass, leftmost first. Every branch starts a word, and
# saying so once up front lets the scan skip the inside of words quickly.
_LOOKALIKES = re.compile(
    r"(?<![A-Z0-9])(?=[0-9A-Z€])(?:"
    + "|".join(
        f"(?:{pattern})"
        for pattern in (
            # codice fiscale of a person, omocodia letters included
            rf"(?<![A-Z0-9])[A-Z]{{6}}{_OMOCODE}{{2}}[ABCDEHLMPRST]{_OMOCODE}{{2}}[A-Z]"
            rf"{_OMOCODE}{{3}}[A-Z](?![A-Z0-9])",
            r"(?<![A-Z0-9])IT\d{11}(?![A-Z0-9])",  # partita IVA with its country code
            # electricity supply point (POD): IT + distributor + E + 8 digits (+ 1)
            r"(?<![A-Z0-9])IT\d{3}E\d{8}[A-Z0-9]?(?![A-Z0-9])",
            # dates: 12/03/2024, 12.03.24, 2024-03-12
            r"(?<![A-Z0-9])(?:0?[1-9]|[12]\d|3[01])(?P<dmy>[./-])(?:0?[1-9]|1[0-2])(?P=dmy)"
            r"(?:\d{4}|\d{2})(?![A-Z0-9])",
            r"(?<![A-Z0-9])(?:19|20)\d{2}(?P<ymd>[./-])(?:0?[1-9]|1[0-2])(?P=ymd)"
            r"(?:0?[1-9]|[12]\d|3[01])(?![A-Z0-9])",
            # billing periods: 03/2024
            r"(?<![A-Z0-9./-])(?:0?[1-9]|1[0-2])[/-](?:19|20)\d{2}(?![A-Z0-9]|[./-]\d)",
            # amounts: 1.234,56  1,234.56  123,45  123.45  EUR 120  120 €
            r"(?<![A-Z0-9.,])\d{1,3}(?:\.\d{3})+,\d{2}(?![0-9]|[.,]\d)",
            r"(?<![A-Z0-9.,])\d{1,3}(?:,\d{3})+\.\d{2}(?![0-9]|[.,]\d)",
            r"(?<![A-Z0-9.,])\d+[.,]\d{2}(?![A-Z0-9]|[.,]\d)",
            r"(?<![A-Z0-9])(?:EURO|EUR|€)\s*\d+(?:[.,]\d+)*",
            r"(?<![A-Z0-9.,/-])\d+(?:[.,]\d+)*\s*(?:EUR|EURO|€)(?![A-Z])",
        )
    )
    + ")"
)


def _mod97(code: str) -> bool:
    """ISO 7064 mod 97-10 as IBAN and ISO 11649 use it: first four characters moved last."""
    rearranged = code[4:] + code[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _mod97_span(text: str, match: re.Match[str]) -> int | None:
    """End of the IBAN or RF reference the match starts with, or None if it is neither."""
    start, chunk = match.start(), match.group()
    compact_at: list[int] = []  # end offset in ``text`` after each alphanumeric character
    for offset, ch in enumerate(chunk):
        if ch != " ":
            compact_at.append(start + offset + 1)
    compact = chunk.replace(" ", "")
    country = compact[:2]
    if country == "RF":
        lengths: range | tuple[int, ...] = range(min(len(compact), 25), 4, -1)
    else:
        length = _IBAN_LENGTHS.get(country)
        lengths = (length,) if length is not None and length <= len(compact) else ()
    for length in lengths:
        end = compact_at[length - 1]
        if end < len(text) and text[end].isalnum():
            continue  # would cut a word in two
        if _mod97(compact[:length]):
            return end
    return None


def _mask_mod97_codes(text: str) -> str:
    out: list[str] = []
    pos = 0
    search_from = 0
    while (match := _MOD97_CODE.search(text, search_from)) is not None:
        end = _mod97_span(text, match)
        if end is None:
            search_from = match.start() + 1
            continue
        out.append(text[pos : match.start()])
        out.append(_MASK)
        pos = search_from = end
    out.append(text[pos:])
    return "".join(out)


def _mask_long_digits(match: re.Match[str]) -> str:
    text = match.group()
    return _MASK if len(text.replace(" ", "")) >= _LONG_DIGITS else text


def _mask(text: str) -> str:
    text = _mask_mod97_codes(text)
    text = _DIGIT_GROUPS.sub(_mask_long_digits, text)
    return _LOOKALIKES.sub(_MASK, text)


# -- what is proposed -----------------------------------------------------------------------

_CODE = r"[A-Z0-9]+(?:[/\-_.][A-Z0-9]+)*"
_INVOICE_WORD = (
    r"(?:FATTURE|FATTURA|FATTURAZIONE|FATT|FAT|FTT|FT|INVOICES?|INV|DOCUMENTO|DOC|"
    r"BOLLETTE|BOLLETTA|BOLL|RIFERIMENTO|RIF)"
)
_NUMBER_WORD = r"(?:NUMERO|NUM|NRO|NR|NO|N)"
_ANCHORED = re.compile(
    rf"(?<![A-Z0-9])(?P<anchor>{_INVOICE_WORD})(?![A-Z0-9])\.?"
    rf"(?P<filler>(?:[\s:.#°º\-]*(?:{_INVOICE_WORD}|{_NUMBER_WORD})(?![A-Z0-9])\.?)*)"
    rf"[\s:°º\-]*(?P<token>{_CODE})"
)
# What may follow a number in a list: "123, 124 E 125", "FT1 FT2", each of the same shape.
_NEXT_IN_LIST = re.compile(
    rf"(?:\s*(?:[,;+&]|(?<![A-Z0-9])E(?![A-Z0-9]))\s*|\s+)"
    rf"(?:{_NUMBER_WORD}(?![A-Z0-9])\.?\s*)?({_CODE})"
)
# "N.123456" or "FATT.123456" read as one code: the anchored pass has already split it.
_WORD_AND_DOT = re.compile(rf"(?:{_INVOICE_WORD}|{_NUMBER_WORD})\.")
_GLUED_NUMBER_WORD = re.compile(r"(?:NUMERO|NUM|NRO|NR|N)(?=\d)")
_UNANCHORED = re.compile(rf"(?<![A-Z0-9]){_CODE}")
# Short words printed as part of the number itself: "FT 2024/000123" may be "FT2024-000123".
_PREFIX_WORDS = frozenset({"FT", "FTT", "FAT", "INV"})
_YEAR_AND_NUMBER = re.compile(r"(?:19|20)\d{2}[/\-_.]\d{3,}|\d{3,}[/\-_.](?:19|20)\d{2}")
_WORD_PUNCTUATION = ".:°º/-"
_NOT_AN_INVOICE = frozenset(
    {
        "ABI", "AVVISO", "CAB", "CAP", "CELL", "CF", "CIG", "CLIENTE", "COD", "CODICE",
        "CONTATORE", "CONTRATTO", "CONTR", "CRO", "CUP", "FISCALE", "IBAN", "ID", "IUV",
        "IVA", "MANDATO", "MATRICOLA", "PDR", "PIVA", "POD", "PRATICA", "TEL", "TELEFONO",
        "TRN", "UTENZA",
    }
)  # fmt: skip


_HAS_DIGIT = re.compile(r"\d")
_NO_DIGITS = str.maketrans("", "", "0123456789")
_SHAPE = str.maketrans("0123456789BCDEFGHIJKLMNOPQRSTUVWXYZ", "9" * 10 + "A" * 25)


def _shape(token: str) -> str:
    """``FT2024-000123`` → ``AA9999-999999``: two numbers of one series share a shape."""
    return token.translate(_SHAPE)


def _said_not_an_invoice(masked: str, start: int) -> bool:
    """Whether one of the two words right before ``start`` names another kind of code."""
    for word in reversed(masked[max(0, start - 40) : start].split()[-2:]):
        parts = word.strip(_WORD_PUNCTUATION).replace(".", " ").split()
        if not parts or not all(part.isalpha() for part in parts):
            return False  # a number or a mask in between: the words before are not about it
        if _NOT_AN_INVOICE.intersection(parts) or "".join(parts) in _NOT_AN_INVOICE:
            return True
    return False


def _acceptable(number: str) -> bool:
    if not MIN_LENGTH <= len(number) <= MAX_LENGTH or _HAS_DIGIT.search(number) is None:
        return False
    return not (len(number) == 4 and number.isdigit() and number[:2] in ("19", "20"))


def invoice_number_candidates(text: str) -> list[str]:
    """Normalised tokens of ``text`` that may be invoice numbers, in order, without repeats."""
    if _HAS_DIGIT.search(text) is None:
        return []
    masked = _mask(text.upper())
    found: dict[str, None] = {}

    def add(number: str) -> None:
        if _acceptable(number):
            found.setdefault(number)

    for match in _ANCHORED.finditer(masked):
        token = match.group("token")
        number = normalise_invoice_number(token)
        if not _acceptable(number):
            continue
        last_word = re.findall("[A-Z]+", match.group("anchor") + match.group("filler"))[-1]
        if last_word in _PREFIX_WORDS and token[0].isdigit():
            add(last_word + number)
        add(number)
        if (glued := _GLUED_NUMBER_WORD.match(number)) is not None:
            add(number[glued.end() :])
        pos, shape = match.end(), _shape(token)
        while (listed := _NEXT_IN_LIST.match(masked, pos)) is not None and _shape(
            listed.group(1)
        ) == shape:
            add(normalise_invoice_number(listed.group(1)))
            pos = listed.end()

    for match in _UNANCHORED.finditer(masked):
        token = match.group()
        if token.isalpha() or token.isdigit():
            continue
        if token != token.lower():  # has letters
            digits = len(token) - len(token.translate(_NO_DIGITS))
            if digits < 3 or _WORD_AND_DOT.match(token):
                continue
        elif _YEAR_AND_NUMBER.fullmatch(token) is None:
            continue
        if not _said_not_an_invoice(masked, match.start()):
            add(normalise_invoice_number(token))
    return list(found)
