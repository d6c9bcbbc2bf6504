"""Payment codes the creditor issues, with their check digits: RF, pagoPA notice/IUV, Poste 896.

Matching trusts these codes more than anything else a payer writes, so a code counts only
when its check digits agree: a mistyped digit then fails the check instead of naming another
customer's invoice.

* ISO 11649 RF creditor reference: ``RF``, two check digits, 1-21 letters or digits; ISO 7064
  MOD 97-10 over the reference with ``RF`` and the check digits moved to the end
  (validation by ``stdnum.iso11649``).
* pagoPA notice number (AgID, "Specifiche attuative dei codici identificativi di versamento,
  riversamento e rendicontazione" 1.3.1, § 2.2.2 and Tabella 2): 18 digits, an aux digit then
  17. Aux 0: application code (2) + IUV base (13) + check (2), IUV = base + check (15);
  aux 1: IUV base (17) with no check digits, IUV = the 17; aux 2: IUV base (15) + check (2);
  aux 3: segregation code (2) + IUV base (13) + check (2), IUV = the 17 digits after the aux
  digit. The check is the remainder modulo 93 of all the digits before it, aux digit
  included.
* Poste Italiane 896 code ("codice cliente", fourth field of the bollettino): 16 digits and
  the remainder of their division by 93 (the TARES bollettino decree, Gazzetta Ufficiale of
  20 May 2013, item 13A04294, Allegato 1 § 1.4).

So every notice number with check digits is also a well-formed 896 code: the bollettino
postale printed on a pagoPA notice carries the notice number as its code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iso11649

RF = "rf"
NOTICE = "pagopa_notice"
POSTE_896 = "poste_896"
IUV = "iuv"

RF_MAX_BODY = 21
NOTICE_LENGTH = 18
POSTE_LENGTH = 18
AUX_DIGITS = frozenset("0123")
CHECKED_AUX_DIGITS = frozenset("023")  # aux 1 carries no check digits

_SEPARATORS = re.compile(r"[\s\-./]")
_DIGITS = re.compile(r"[0-9]+")
_RF_BODY = re.compile(r"[A-Z0-9]{1,21}")
# Letters as ISO 7064 reads them (A=10 ... Z=35); RF itself is "2715".
_LETTER_VALUES = {ord(ch): str(10 + n) for n, ch in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_RF_DIGITS = "2715"

# Free text is read upper case. An RF starts a word; its body may be split by single spaces
# or dashes (printed in groups of four).
_RF_START = re.compile(r"(?<![A-Z0-9])RF[0-9]{2}")
_RF_CHUNKS = re.compile(r"[ -]?[A-Z0-9]+(?:[ -][A-Z0-9]+)*")
_RF_SEPARATOR = re.compile(r"[ -]")
# 18 digits, contiguous or printed in groups of four (3010 0000 0001 2345 67).
_EIGHTEEN = re.compile(
    r"(?<![0-9])(?:[0-9]{18}|(?<![0-9] )[0-9]{4}(?: [0-9]{4}){3} [0-9]{2}(?! [0-9]))(?![0-9])"
)
# The IUV after the EACT tag that pagoPA prescribes for its causale: /RFB/<IUV>[/<amount>].
_RFB_IUV = re.compile(r"/RFB/ ?([0-9]{17})(?![0-9])")


def _mod93(digits: str) -> str:
    return f"{int(digits) % 93:02d}"


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text).upper()


# -- ISO 11649 RF creditor reference ---------------------------------------------------------


def make_rf_reference(base: str) -> str:
    """``RF`` + check digits + ``base`` (1-21 letters or digits, as given, upper-cased)."""
    body = base.upper()
    if not (0 < len(body) <= RF_MAX_BODY and body.isascii() and body.isalnum()):
        raise ValueError(f"an RF reference holds 1-21 letters or digits, not {base!r}")
    digits = body if body.isdigit() else body.translate(_LETTER_VALUES)
    return f"RF{98 - int(digits + _RF_DIGITS + '00') % 97:02d}{body}"


def _rf_checks(code: str) -> bool:
    """ISO 7064 MOD 97-10 of a compact ``RF``dd + body, as ``stdnum.iso11649`` computes it.

    By hand because free text is scanned for every payment and may hold several readings
    of one reference; the tests hold it to stdnum's answer.
    """
    return int((code[4:] + code[:4]).translate(_LETTER_VALUES)) % 97 == 1


def valid_rf_reference(text: str) -> bool:
    """Whether ``text`` (spaces and dashes allowed, any case) is an RF with good check digits."""
    return parse_rf_reference(text) is not None


def parse_rf_reference(text: str) -> str | None:
    """The reference without separators, upper case; None unless it is a valid RF."""
    compact = _compact(text)
    if compact[:2] != "RF" or not compact[2:4].isdigit() or _RF_BODY.fullmatch(compact[4:]) is None:
        return None
    return compact if iso11649.is_valid(compact) else None


# -- pagoPA notice number and IUV -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PagopaNotice:
    """One notice number taken apart; the codes absent from its aux digit's layout are None."""

    number: str
    aux_digit: str
    iuv: str
    segregation_code: str | None  # aux 3
    application_code: str | None  # aux 0

    @property
    def checked(self) -> bool:
        """Whether check digits guard this number (every aux digit but 1)."""
        return self.aux_digit in CHECKED_AUX_DIGITS


def make_pagopa_notice(body: str, *, aux_digit: int = 3) -> str:
    """The 18-digit notice number from what precedes its check digits, after the aux digit.

    ``body`` is segregation code + IUV base for aux 3, application code + IUV base for aux 0
    (15 digits each), the IUV base for aux 2 (15 digits) and for aux 1 (17, no check digits).
    """
    aux = str(aux_digit)
    if aux not in AUX_DIGITS:
        raise ValueError(f"a pagoPA aux digit is 0, 1, 2 or 3, not {aux_digit!r}")
    length = 17 if aux == "1" else 15
    if len(body) != length or not (body.isascii() and body.isdigit()):
        raise ValueError(f"aux digit {aux} takes {length} digits before the check, not {body!r}")
    if aux == "1":
        return aux + body
    return aux + body + _mod93(aux + body)


def valid_pagopa_notice(text: str) -> bool:
    """Whether ``text`` is a notice number; aux 1 numbers have no check digits to fail."""
    return parse_pagopa_notice(text) is not None


def parse_pagopa_notice(text: str) -> PagopaNotice | None:
    """The notice number (spaces and dashes allowed) taken apart; None when it is not one."""
    number = _compact(text)
    if len(number) != NOTICE_LENGTH or _DIGITS.fullmatch(number) is None:
        return None
    aux = number[0]
    if aux not in AUX_DIGITS:
        return None
    if aux in CHECKED_AUX_DIGITS and _mod93(number[:16]) != number[16:]:
        return None
    return PagopaNotice(
        number=number,
        aux_digit=aux,
        iuv=number[3:] if aux == "0" else number[1:],
        segregation_code=number[1:3] if aux == "3" else None,
        application_code=number[1:3] if aux == "0" else None,
    )


def iuv_of_notice(notice: str) -> str | None:
    """The IUV inside a notice number (15 digits for aux 0, else 17); None when not a notice."""
    parsed = parse_pagopa_notice(notice)
    return parsed.iuv if parsed is not None else None


def _checked_iuv(iuv: str) -> bool:
    """A 17-digit IUV whose check digits agree with aux digit 3 or 2.

    The IUV does not say which, so a wrong digit passes by chance 2 times in 93 instead of 1.
    Aux 0 IUVs leave out the application code the check covers, and aux 1 IUVs have no
    check, so neither can be verified on its own.
    """
    body, check = iuv[:15], iuv[15:]
    return _mod93("3" + body) == check or _mod93("2" + body) == check


# -- Poste Italiane 896 code ------------------------------------------------------------------


def make_poste_896(code16: str) -> str:
    """The 18-digit 896 code: the 16 digits and their remainder modulo 93."""
    if len(code16) != 16 or not (code16.isascii() and code16.isdigit()):
        raise ValueError(f"an 896 code starts with 16 digits, not {code16!r}")
    return code16 + _mod93(code16)


def valid_poste_896(text: str) -> bool:
    """Whether ``text`` (spaces allowed) is 18 digits whose last two are the first 16 mod 93."""
    return parse_poste_896(text) is not None


def parse_poste_896(text: str) -> str | None:
    """The 18 digits without separators; None unless the check digits agree."""
    code = _compact(text)
    if len(code) != POSTE_LENGTH or _DIGITS.fullmatch(code) is None:
        return None
    return code if _mod93(code[:16]) == code[16:] else None


# -- codes in free remittance text ------------------------------------------------------------


def find_codes(text: str) -> list[tuple[str, str]]:
    """Every (kind, normalised code) in ``text`` whose check digits agree, in text order.

    Kinds: ``rf`` (compact, upper case), ``pagopa_notice`` and ``poste_896`` (18 digits, run
    together or in groups of four), ``iuv`` (17 digits after ``/RFB/``, aux 2 or 3). An
    18-digit code that passes both rules is reported under both kinds, since a pagoPA notice
    is also its bollettino's 896 code; aux-1 notice numbers have no check digits and are not
    reported as notices. An RF whose body is split by spaces or dashes is tried at every split
    point from the longest down, and each reading that passes is reported: the lookup of the
    issued references decides, and a reading that passes by chance names nothing.
    """
    upper = text.upper()
    found: list[tuple[int, int, str, str]] = []
    for start in _RF_START.finditer(upper):
        tail = _RF_CHUNKS.match(upper, start.end())
        if tail is None:
            continue
        chunks = [chunk for chunk in _RF_SEPARATOR.split(tail.group()) if chunk]
        body = ""
        readings: list[str] = []
        for chunk in chunks:
            body += chunk
            if len(body) > RF_MAX_BODY:
                break
            readings.append(body)
        for reading in reversed(readings):
            code = start.group() + reading
            if _rf_checks(code):
                found.append((start.start(), 0, RF, code))
    for match in _EIGHTEEN.finditer(upper):
        code = match.group().replace(" ", "")
        if _mod93(code[:16]) != code[16:]:
            continue
        if code[0] in CHECKED_AUX_DIGITS:
            found.append((match.start(), 1, NOTICE, code))
        found.append((match.start(), 2, POSTE_896, code))
    for match in _RFB_IUV.finditer(upper):
        if _checked_iuv(match.group(1)):
            found.append((match.start(1), 3, IUV, match.group(1)))
    seen: set[tuple[str, str]] = set()
    result: list[tuple[str, str]] = []
    for _, _, kind, code in sorted(found, key=lambda hit: (hit[0], hit[1])):
        if (kind, code) not in seen:
            seen.add((kind, code))
            result.append((kind, code))
    return result
