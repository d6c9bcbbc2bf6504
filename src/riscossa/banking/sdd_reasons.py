"""Reason codes of SDD R-transactions (ISO 20022 external status reason codes), as data.

Each code carries its meaning in English and Italian and the R-transactions the EPC rulebooks
and market practice use it for. What the creditor does next (retry, contact, stop) is policy
and lives elsewhere; this catalogue only says what the bank meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

UNKNOWN_ENGLISH = "unknown reason code"
UNKNOWN_ITALIAN = "codice motivo sconosciuto"


class ReasonFamily(StrEnum):
    """Which R-transaction a code appears in: before settlement (reject), after it."""

    REJECT = "reject"  # diniego / storno pre-regolamento, by either bank or the debtor
    RETURN = "return"  # insoluto: the debtor's bank sends the money back after settlement
    REFUND = "refund"  # rimborso: the debtor claims the money back (8 weeks / 13 months)
    REVERSAL = "reversal"  # the creditor gives back a collection it should not have made


@dataclass(frozen=True, slots=True)
class SddReason:
    code: str
    english: str
    italian: str
    families: frozenset[ReasonFamily]
    known: bool = True


_J, _T, _F, _V = (
    ReasonFamily.REJECT,
    ReasonFamily.RETURN,
    ReasonFamily.REFUND,
    ReasonFamily.REVERSAL,
)

_CATALOGUE: tuple[tuple[str, str, str, tuple[ReasonFamily, ...]], ...] = (
    # The codes of the EPC SDD rulebooks (Core and B2B).
    ("AC01", "Account identifier incorrect (invalid IBAN)", "IBAN del debitore errato", (_J, _T)),
    ("AC04", "Account closed", "Conto estinto", (_J, _T)),
    (
        "AC06",
        "Account blocked, or direct debits blocked by the debtor",
        "Conto bloccato, o addebiti diretti bloccati dal debitore",
        (_J, _T),
    ),
    (
        "AC13",
        "Debtor account is a consumer account (not allowed in B2B)",
        "Conto del debitore intestato a un consumatore (non ammesso nello schema B2B)",
        (_J, _T),
    ),
    (
        "AG01",
        "Direct debit forbidden on this account",
        "Addebito diretto non consentito su questo conto",
        (_J, _T),
    ),
    (
        "AG02",
        "Operation code or transaction code incorrect, invalid file format",
        "Codice operazione errato o formato del file non valido",
        (_J, _T),
    ),
    ("AM04", "Insufficient funds", "Fondi insufficienti", (_J, _T)),
    ("AM05", "Duplicate collection", "Addebito duplicato", (_J, _T, _V)),
    ("BE05", "Creditor identifier incorrect", "Identificativo del creditore errato", (_J, _T)),
    (
        "CNOR",
        "Creditor bank not registered in the clearing system",
        "Banca del creditore non raggiungibile nel circuito",
        (_J,),
    ),
    (
        "DNOR",
        "Debtor bank not registered in the clearing system",
        "Banca del debitore non raggiungibile nel circuito",
        (_J,),
    ),
    ("FF01", "Invalid file format", "Formato del file non valido", (_J,)),
    (
        "MD01",
        "No valid mandate (for a refund: unauthorised transaction)",
        "Mandato assente o non valido (per un rimborso: operazione non autorizzata)",
        (_J, _T, _F),
    ),
    (
        "MD02",
        "Mandate data missing or incorrect",
        "Dati del mandato mancanti o errati",
        (_J, _T),
    ),
    (
        "MD06",
        "Refund requested by the debtor (authorised transaction)",
        "Rimborso richiesto dal debitore (operazione autorizzata)",
        (_F,),
    ),
    ("MD07", "Debtor deceased", "Debitore deceduto", (_J, _T)),
    ("MS02", "Refused by the debtor", "Rifiuto del debitore", (_J, _T)),
    ("MS03", "Reason not specified", "Motivo non specificato", (_J, _T, _V)),
    ("RC01", "Bank identifier (BIC) incorrect", "Codice della banca (BIC) errato", (_J,)),
    (
        "RR01",
        "Regulatory reason: debtor account or identification missing",
        "Motivi regolamentari: conto o identificativo del debitore mancante",
        (_J, _T),
    ),
    (
        "RR02",
        "Regulatory reason: debtor name or address missing",
        "Motivi regolamentari: nome o indirizzo del debitore mancante",
        (_J, _T),
    ),
    (
        "RR03",
        "Regulatory reason: creditor name or address missing",
        "Motivi regolamentari: nome o indirizzo del creditore mancante",
        (_J, _T),
    ),
    ("RR04", "Regulatory reason", "Motivi regolamentari", (_J, _T)),
    (
        "SL01",
        "Specific service offered by the debtor's bank (limits, allow or block lists)",
        "Servizio specifico della banca del debitore (limiti, liste di autorizzazione o blocco)",
        (_J, _T),
    ),
    # Other ISO codes seen on status reports, notifications and recalls.
    ("AC03", "Creditor account identifier invalid", "Conto del creditore non valido", (_J,)),
    ("AM01", "Amount is zero", "Importo pari a zero", (_J,)),
    ("AM02", "Amount above the allowed maximum", "Importo superiore al massimo consentito", (_J,)),
    ("AM10", "Control sum incorrect", "Totale di controllo errato", (_J,)),
    (
        "BE01",
        "Customer data inconsistent with the account",
        "Dati del cliente non coerenti con il conto",
        (_J, _T),
    ),
    ("CUST", "Requested by the customer", "Richiesta del cliente", (_J, _T)),
    ("DUPL", "Duplicate payment", "Pagamento duplicato", (_J, _T, _V)),
    ("ED05", "Settlement failed", "Regolamento non riuscito", (_J,)),
    (
        "FOCR",
        "Returned following a cancellation request",
        "Restituito a seguito di richiesta di annullamento",
        (_T,),
    ),
    ("FRAD", "Fraudulent origin", "Origine fraudolenta", (_J, _T)),
    ("NARR", "Reason given in the text", "Motivo indicato nel testo", (_J, _T)),
    ("TECH", "Technical problem", "Problema tecnico", (_J, _T, _V)),
    ("TM01", "Received after the cut-off time", "Ricevuto oltre l'orario limite", (_J,)),
    ("UPAY", "Undue payment", "Pagamento non dovuto", (_T,)),
)

REASONS: Mapping[str, SddReason] = MappingProxyType(
    {
        code: SddReason(code, english, italian, frozenset(families))
        for code, english, italian, families in _CATALOGUE
    }
)


def describe_reason(code: str) -> SddReason:
    """The catalogue entry for ``code`` (case and blanks ignored); an unknown code is kept
    exactly as given, with families empty and ``known`` False."""
    found = REASONS.get(code.strip().upper())
    if found is not None:
        return found
    return SddReason(code, UNKNOWN_ENGLISH, UNKNOWN_ITALIAN, frozenset(), known=False)


def only_refund(code: str | None) -> bool:
    """True for codes that name a refund and nothing else (MD06): some banks report refunds
    as plain rejects (pain.002 RJCT) or returns (camt.054 UPDD)."""
    return code is not None and describe_reason(code).families == {ReasonFamily.REFUND}
