"""pagoPA reporting flows (FlussoRiversamento) written for the tests.

No real flow is among the shared fixtures (`shared/fixtures/external/SOURCES.md` lists none:
flows name real payers' payments), so these are built from the element list of the published
schema FlussoRiversamento 1.0.5 (pagopa/pagopa-api ``xsd-common/FlussoRiversamento_1_0_5.xsd``)
and Allegato A 1.3.1, Tabella 4. The PSP, creditor, IUVs and IURs are made up: IUVs have
valid check digits (17-digit IUV of notice aux digit 3, mod 93; one ISO 11649 RF IUV) so
that reference matching would accept them. Every value is a string, so a test can put in
exactly the bad text it wants to see refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

NAMESPACE = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
FLOW_ID = "2024-11-20ABI03069-S123456"
SETTLEMENT_ID = "0306912345678901234567"
PSP_BIC = "PSPEITMMXXX"
PSP_NAME = "PSP Esempio S.p.A."
CREDITOR_ID = "80012345678"
CREDITOR_NAME = "Comune di Esempio"


def iuv(segregation: int, base: int) -> str:
    """17-digit IUV of a notice with aux digit 3: segregation code, 13 digits, mod 93."""
    body = f"{segregation:02d}{base:013d}"
    return f"{body}{int('3' + body) % 93:02d}"


def rf_iuv(base: str) -> str:
    """ISO 11649 creditor reference used as IUV (schemes D and F of Allegato A)."""
    return f"RF{98 - int(base + '271500') % 97:02d}{base}"


@dataclass(frozen=True)
class SamplePayment:
    iuv: str
    iur: str
    amount: str
    outcome: str = "0"
    outcome_date: str = "2024-11-18"
    index: str | None = "1"


PAYMENTS: tuple[SamplePayment, ...] = (
    SamplePayment(iuv(1, 1234567), "1234567890AB", "125.40"),
    SamplePayment(iuv(1, 1234568), "1234567891AB", "80.00", outcome="9", index=None),
    SamplePayment(rf_iuv("20240000042"), "c0ffee0123456789c0ffee0123456789", "1042.07", "4"),
    SamplePayment(iuv(1, 1234569), "1234567892AB", "0.53", outcome="8", index="2"),
)
PAYMENTS_TOTAL = "1248.00"  # 125.40 + 80.00 + 1042.07 + 0.53


def payment_xml(payment: SamplePayment, prefix: str = "") -> str:
    p = prefix
    index = (
        f"<{p}indiceDatiSingoloPagamento>{payment.index}</{p}indiceDatiSingoloPagamento>"
        if payment.index is not None
        else ""
    )
    return (
        f"  <{p}datiSingoliPagamenti>\n"
        f"    <{p}identificativoUnivocoVersamento>{escape(payment.iuv)}"
        f"</{p}identificativoUnivocoVersamento>\n"
        f"    <{p}identificativoUnivocoRiscossione>{escape(payment.iur)}"
        f"</{p}identificativoUnivocoRiscossione>\n"
        f"    {index}\n"
        f"    <{p}singoloImportoPagato>{payment.amount}</{p}singoloImportoPagato>\n"
        f"    <{p}codiceEsitoSingoloPagamento>{payment.outcome}</{p}codiceEsitoSingoloPagamento>\n"
        f"    <{p}dataEsitoSingoloPagamento>{payment.outcome_date}</{p}dataEsitoSingoloPagamento>\n"
        f"  </{p}datiSingoliPagamenti>\n"
    )


def flow_xml(
    *,
    payments: tuple[SamplePayment, ...] = PAYMENTS,
    count: str | None = None,
    total: str = PAYMENTS_TOTAL,
    namespace: str = NAMESPACE,
    root: str = "FlussoRiversamento",
    version: str = "1.0",
    flow_id: str = FLOW_ID,
    flow_datetime: str = "2024-11-20T18:15:02",
    settlement_date: str = "2024-11-20",
    psp_kind: str = "B",
    creditor_kind: str = "G",
    prefix: str = "",
    head: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
) -> bytes:
    """A flow as a PSP would write it; ``count`` defaults to the number of ``payments``.

    ``prefix`` ("pay_i:") writes every element with a namespace prefix, as many PSPs do.
    """
    p = prefix
    declaration = f'xmlns:{p[:-1]}="{namespace}"' if p else f'xmlns="{namespace}"'
    body = "".join(payment_xml(payment, p) for payment in payments)
    text = (
        f"{head}<{p}{root} {declaration}>\n"
        f"  <{p}versioneOggetto>{version}</{p}versioneOggetto>\n"
        f"  <{p}identificativoFlusso>{flow_id}</{p}identificativoFlusso>\n"
        f"  <{p}dataOraFlusso>{flow_datetime}</{p}dataOraFlusso>\n"
        f"  <{p}identificativoUnivocoRegolamento>{SETTLEMENT_ID}"
        f"</{p}identificativoUnivocoRegolamento>\n"
        f"  <{p}dataRegolamento>{settlement_date}</{p}dataRegolamento>\n"
        f"  <{p}istitutoMittente>\n"
        f"    <{p}identificativoUnivocoMittente>\n"
        f"      <{p}tipoIdentificativoUnivoco>{psp_kind}</{p}tipoIdentificativoUnivoco>\n"
        f"      <{p}codiceIdentificativoUnivoco>{PSP_BIC}</{p}codiceIdentificativoUnivoco>\n"
        f"    </{p}identificativoUnivocoMittente>\n"
        f"    <{p}denominazioneMittente>{PSP_NAME}</{p}denominazioneMittente>\n"
        f"  </{p}istitutoMittente>\n"
        f"  <{p}codiceBicBancaDiRiversamento>{PSP_BIC}</{p}codiceBicBancaDiRiversamento>\n"
        f"  <{p}istitutoRicevente>\n"
        f"    <{p}identificativoUnivocoRicevente>\n"
        f"      <{p}tipoIdentificativoUnivoco>{creditor_kind}</{p}tipoIdentificativoUnivoco>\n"
        f"      <{p}codiceIdentificativoUnivoco>{CREDITOR_ID}</{p}codiceIdentificativoUnivoco>\n"
        f"    </{p}identificativoUnivocoRicevente>\n"
        f"    <{p}denominazioneRicevente>{CREDITOR_NAME}</{p}denominazioneRicevente>\n"
        f"  </{p}istitutoRicevente>\n"
        f"  <{p}numeroTotalePagamenti>{count or len(payments)}</{p}numeroTotalePagamenti>\n"
        f"  <{p}importoTotalePagamenti>{total}</{p}importoTotalePagamenti>\n"
        f"{body}</{p}{root}>\n"
    )
    return text.encode("utf-8")


def with_payment(number: int, **changes: str | None) -> tuple[SamplePayment, ...]:
    """``PAYMENTS`` with payment ``number`` (1-based) changed."""
    changed = list(PAYMENTS)
    changed[number - 1] = replace(changed[number - 1], **changes)  # type: ignore[arg-type]
    return tuple(changed)
