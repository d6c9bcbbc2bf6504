"""From checker codes to what a credit manager reads: verdict, message, column headers.

Policy: anything that makes a direct debit fail or cannot be a SEPA account is an ERROR; what
only the bank can confirm (a bank or branch missing from the registry, a closed branch whose
accounts usually moved) is a WARNING; an IBAN we had to correct (look-alike characters) is a
WARNING, because the corrected form must be confirmed before use.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from riscossa.banking.iban import IbanCode

Lang = Literal["it", "en"]
Verdict = Literal["OK", "WARNING", "ERROR"]

VERDICTS: dict[IbanCode, Verdict] = {
    IbanCode.OK: "OK",
    IbanCode.EMPTY: "ERROR",
    IbanCode.BAD_CHARACTERS: "ERROR",
    IbanCode.BAD_COUNTRY: "ERROR",
    IbanCode.NOT_SEPA: "ERROR",
    IbanCode.BAD_LENGTH: "ERROR",
    IbanCode.BAD_FORMAT: "ERROR",
    IbanCode.BAD_CHECKSUM: "ERROR",
    IbanCode.BAD_CIN: "ERROR",
    IbanCode.UNKNOWN_BANK: "WARNING",
    IbanCode.UNKNOWN_BRANCH: "WARNING",
    IbanCode.BANK_RETIRED: "ERROR",
    IbanCode.BRANCH_CLOSED: "WARNING",
}

VERDICT_LABELS: dict[Lang, dict[str, str]] = {
    "it": {"OK": "OK", "WARNING": "ATTENZIONE", "ERROR": "ERRORE"},
    "en": {"OK": "OK", "WARNING": "WARNING", "ERROR": "ERROR"},
}

MESSAGES: dict[Lang, dict[str, str]] = {
    "it": {
        "OK": "IBAN corretto",
        "CORRECTED": "IBAN valido dopo aver sostituito caratteri simili (es. O con 0): "
        "verificare con il cliente",
        "EMPTY": "IBAN mancante",
        "BAD_CHARACTERS": "contiene caratteri non ammessi in un IBAN",
        "BAD_COUNTRY": "le prime due lettere non sono un paese che usa l'IBAN",
        "NOT_SEPA": "IBAN di un paese fuori dall'area SEPA: non addebitabile con SDD",
        "BAD_LENGTH": "lunghezza errata per il paese",
        "BAD_FORMAT": "struttura errata per il paese (lettere o cifre fuori posto)",
        "BAD_CHECKSUM": "cifre di controllo errate: probabile errore di battitura",
        "BAD_CIN": "CIN errato: probabile errore di battitura in ABI, CAB o conto",
        "UNKNOWN_BANK": "codice ABI non presente nell'albo delle banche: verificare",
        "UNKNOWN_BRANCH": "codice CAB non presente tra gli sportelli della banca: verificare",
        "BANK_RETIRED": "banca cessata (fusione o incorporazione): l'addebito sarà respinto",
        "BRANCH_CLOSED": "sportello chiuso: il conto potrebbe essere stato trasferito",
        "NUMBER": "la cella contiene un numero, non un IBAN (Excel lo ha convertito)",
    },
    "en": {
        "OK": "valid IBAN",
        "CORRECTED": "valid after replacing look-alike characters (e.g. O with 0): "
        "confirm with the customer",
        "EMPTY": "IBAN missing",
        "BAD_CHARACTERS": "contains characters an IBAN cannot hold",
        "BAD_COUNTRY": "the first two letters are not a country that uses IBAN",
        "NOT_SEPA": "IBAN of a country outside SEPA: cannot be direct-debited",
        "BAD_LENGTH": "wrong length for the country",
        "BAD_FORMAT": "wrong structure for the country (letters or digits out of place)",
        "BAD_CHECKSUM": "wrong check digits: probably a typing error",
        "BAD_CIN": "wrong CIN: probably a typing error in ABI, CAB or account",
        "UNKNOWN_BANK": "bank code (ABI) not in the register of banks: check it",
        "UNKNOWN_BRANCH": "branch code (CAB) not among the bank's branches: check it",
        "BANK_RETIRED": "bank ceased (merger or absorption): a debit will be rejected",
        "BRANCH_CLOSED": "branch closed: the account may have been moved",
        "NUMBER": "the cell holds a number, not an IBAN (Excel converted it)",
    },
}

HEADERS: dict[Lang, dict[str, str]] = {
    "it": {
        "iban": "IBAN normalizzato",
        "verdict": "Esito",
        "code": "Codice errore",
        "message": "Messaggio",
        "country": "Paese",
        "bank_code": "ABI",
        "bank_name": "Banca",
        "branch_code": "CAB",
        "branch_town": "Comune sportello",
        "proposal_iban": "IBAN proposto",
        "proposal_confidence": "Affidabilità proposta",
    },
    "en": {
        "iban": "Normalised IBAN",
        "verdict": "Verdict",
        "code": "Error code",
        "message": "Message",
        "country": "Country",
        "bank_code": "Bank code (ABI)",
        "bank_name": "Bank",
        "branch_code": "Branch code (CAB)",
        "branch_town": "Branch town",
        "proposal_iban": "Proposed IBAN",
        "proposal_confidence": "Proposal confidence",
    },
}

CONFIDENCE_LABELS: dict[Lang, dict[str, str]] = {
    "it": {"high": "alta", "medium": "media", "low": "bassa"},
    "en": {"high": "high", "medium": "medium", "low": "low"},
}

NUMBER_PATTERN = r"^\s*[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?\s*$"


def verdict_expr() -> pl.Expr:
    """English verdict (OK / WARNING / ERROR) from ``code`` and ``corrected``."""
    code = pl.col("code").cast(pl.Utf8)
    verdict = code.replace_strict(
        {c.value: v for c, v in VERDICTS.items()}, default="ERROR", return_dtype=pl.Utf8
    )
    return (
        pl.when((verdict == "OK") & pl.col("corrected").fill_null(False))
        .then(pl.lit("WARNING"))
        .otherwise(verdict)
        .alias("verdict")
    )


def message_expr(lang: Lang, raw: pl.Expr) -> pl.Expr:
    """The message for each row; a number where an IBAN should be gets its own words."""
    words = MESSAGES[lang]
    code = pl.col("code").cast(pl.Utf8)
    base = code.replace_strict(
        {c.value: words[c.value] for c in IbanCode}, default="", return_dtype=pl.Utf8
    )
    return (
        pl.when(raw.cast(pl.Utf8).str.contains(NUMBER_PATTERN).fill_null(False))
        .then(pl.lit(words["NUMBER"]))
        .when((code == "OK") & pl.col("corrected").fill_null(False))
        .then(pl.lit(words["CORRECTED"]))
        .otherwise(base)
        .alias("message")
    )
