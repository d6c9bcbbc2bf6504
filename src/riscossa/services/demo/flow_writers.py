"""Writers of the payment-flow files the demo's bank, Poste and pagoPA hand over.

Each writer follows the layout its reader in ``riscossa.banking`` documents (camt.053.001.02,
CBI RH CBI-RND-001 v6.05, Poste "rendicontazione bollettini", FlussoRiversamento 1.0.5,
MT940 with structured ``:86:``), so a demo day goes through the same import path as a real
one. They write what they are given: amounts, balances and control totals are computed
here, never taken on trust, so every file adds up. Free text is cut to the field widths and,
in the fixed-width formats, folded to upper-case ASCII as Italian banks send it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
PAGOPA_NS = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
CBI_RECORD = 120
POSTE_RECORD = 200
MT940_LINE = 65


@dataclass(frozen=True, slots=True)
class Movement:
    """One booked movement of a bank account; ``amount_cents`` is negative for a debit.

    ``creditor_reference`` is an RF reference written as structured remittance (camt
    ``Strd/CdtrRefInf``) instead of ``remittance``; ``reversal`` marks a credit the bank
    takes back (a debit with ``RvslInd``).
    """

    amount_cents: int
    value_date: dt.date
    booking_date: dt.date
    bank_reference: str
    payer_name: str = ""
    payer_iban: str = ""
    payer_tax_code: str = ""
    end_to_end_id: str = ""
    remittance: str = ""
    creditor_reference: str = ""
    reversal: bool = False


def amount_text(cents: int, decimal: str = ".") -> str:
    """Unsigned cents as ``1234.56`` (or with a decimal comma)."""
    return f"{abs(cents) // 100}{decimal}{abs(cents) % 100:02d}"


def ascii_upper(text: str) -> str:
    """Upper-case ASCII, accents dropped: what fixed-width bank records carry."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.upper().split())


# -- camt.053.001.02 -------------------------------------------------------------------------


def camt053(
    *,
    account_iban: str,
    message_id: str,
    statement_id: str,
    created: dt.datetime,
    day: dt.date,
    opening_cents: int,
    movements: Sequence[Movement],
    account_owner: str = "",
) -> bytes:
    """One statement in one message: balances OPBD and CLBD that add up, and TxsSummry.

    Credits carry ISO code PMNT/RCDT/ESCT (SEPA credit transfer received), reversals the
    same with ``RvslInd``, other debits PMNT/ICDT/ESCT; every entry has one TxDtls.
    """

    def el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        node = etree.SubElement(parent, f"{{{CAMT053_NS}}}{tag}")
        if text is not None:
            node.text = text
        return node

    def amount(parent: etree._Element, tag: str, cents: int) -> None:
        el(parent, tag, amount_text(cents)).set("Ccy", "EUR")

    def balance(parent: etree._Element, code: str, cents: int) -> None:
        bal = el(parent, "Bal")
        el(el(el(bal, "Tp"), "CdOrPrtry"), "Cd", code)
        amount(bal, "Amt", cents)
        el(bal, "CdtDbtInd", "DBIT" if cents < 0 else "CRDT")
        el(el(bal, "Dt"), "Dt", day.isoformat())

    root = etree.Element(f"{{{CAMT053_NS}}}Document", nsmap={None: CAMT053_NS})
    body = el(root, "BkToCstmrStmt")
    header = el(body, "GrpHdr")
    el(header, "MsgId", message_id)
    el(header, "CreDtTm", created.replace(microsecond=0).isoformat())
    stmt = el(body, "Stmt")
    el(stmt, "Id", statement_id)
    el(stmt, "CreDtTm", created.replace(microsecond=0).isoformat())
    account = el(stmt, "Acct")
    el(el(account, "Id"), "IBAN", account_iban)
    el(account, "Ccy", "EUR")
    if account_owner:
        el(el(account, "Ownr"), "Nm", account_owner[:140])
    net = sum(m.amount_cents for m in movements)
    balance(stmt, "OPBD", opening_cents)
    balance(stmt, "CLBD", opening_cents + net)
    credits = [m.amount_cents for m in movements if m.amount_cents > 0]
    debits = [-m.amount_cents for m in movements if m.amount_cents < 0]
    summary = el(stmt, "TxsSummry")
    totals = el(summary, "TtlNtries")
    el(totals, "NbOfNtries", str(len(movements)))
    el(totals, "Sum", amount_text(sum(credits) + sum(debits)))
    el(totals, "TtlNetNtryAmt", amount_text(net))
    el(totals, "CdtDbtInd", "DBIT" if net < 0 else "CRDT")
    for tag, amounts in (("TtlCdtNtries", credits), ("TtlDbtNtries", debits)):
        block = el(summary, tag)
        el(block, "NbOfNtries", str(len(amounts)))
        el(block, "Sum", amount_text(sum(amounts)))
    for movement in movements:
        _camt_entry(el, amount, stmt, movement)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _camt_entry(el: object, amount: object, stmt: etree._Element, m: Movement) -> None:
    assert callable(el) and callable(amount)
    debit = m.amount_cents < 0
    entry = el(stmt, "Ntry")
    amount(entry, "Amt", m.amount_cents)
    el(entry, "CdtDbtInd", "DBIT" if debit else "CRDT")
    if m.reversal:
        el(entry, "RvslInd", "true")
    el(entry, "Sts", "BOOK")
    el(el(entry, "BookgDt"), "Dt", m.booking_date.isoformat())
    el(el(entry, "ValDt"), "Dt", m.value_date.isoformat())
    el(entry, "AcctSvcrRef", m.bank_reference)
    family = "ICDT" if debit and not m.reversal else "RCDT"
    code = el(el(entry, "BkTxCd"), "Domn")
    el(code, "Cd", "PMNT")
    fmly = el(code, "Fmly")
    el(fmly, "Cd", family)
    el(fmly, "SubFmlyCd", "ESCT")
    tx = el(el(entry, "NtryDtls"), "TxDtls")
    refs = el(tx, "Refs")
    el(refs, "AcctSvcrRef", m.bank_reference)
    el(refs, "EndToEndId", m.end_to_end_id or "NOTPROVIDED")
    amount(el(el(tx, "AmtDtls"), "TxAmt"), "Amt", m.amount_cents)
    if m.payer_name or m.payer_iban:
        parties = el(tx, "RltdPties")
        if m.payer_name:
            el(el(parties, "Dbtr"), "Nm", m.payer_name[:140])
        if m.payer_iban:
            el(el(el(parties, "DbtrAcct"), "Id"), "IBAN", m.payer_iban)
    if m.creditor_reference:
        info = el(el(tx, "RmtInf"), "Strd")
        ref = el(info, "CdtrRefInf")
        kind = el(ref, "Tp")
        el(el(kind, "CdOrPrtry"), "Cd", "SCOR")
        el(kind, "Issr", "ISO")
        el(ref, "Ref", m.creditor_reference)
    elif m.remittance:
        el(el(tx, "RmtInf"), "Ustrd", m.remittance[:140])


# -- pagoPA FlussoRiversamento 1.0.5 ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PagopaLine:
    """One reported payment: IUV, the PSP's IUR, amount and the day the payer paid."""

    iuv: str
    iur: str
    amount_cents: int
    paid_on: dt.date


def pagopa_flow(
    *,
    flow_id: str,
    created: dt.datetime,
    settlement_id: str,
    settlement_date: dt.date,
    psp_bic: str,
    psp_name: str,
    creditor_id: str,
    creditor_name: str,
    lines: Sequence[PagopaLine],
) -> bytes:
    """The reporting flow of one lump sum; its count and total are those of ``lines``."""

    def el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        node = etree.SubElement(parent, f"{{{PAGOPA_NS}}}{tag}")
        if text is not None:
            node.text = text
        return node

    root = etree.Element(f"{{{PAGOPA_NS}}}FlussoRiversamento", nsmap={"pay_i": PAGOPA_NS})
    el(root, "versioneOggetto", "1.0")
    el(root, "identificativoFlusso", flow_id)
    el(root, "dataOraFlusso", created.replace(microsecond=0, tzinfo=None).isoformat())
    el(root, "identificativoUnivocoRegolamento", settlement_id)
    el(root, "dataRegolamento", settlement_date.isoformat())
    sender = el(root, "istitutoMittente")
    sender_id = el(sender, "identificativoUnivocoMittente")
    el(sender_id, "tipoIdentificativoUnivoco", "B")
    el(sender_id, "codiceIdentificativoUnivoco", psp_bic)
    el(sender, "denominazioneMittente", psp_name[:70])
    el(root, "codiceBicBancaDiRiversamento", psp_bic)
    receiver = el(root, "istitutoRicevente")
    receiver_id = el(receiver, "identificativoUnivocoRicevente")
    el(receiver_id, "tipoIdentificativoUnivoco", "G")
    el(receiver_id, "codiceIdentificativoUnivoco", creditor_id)
    el(receiver, "denominazioneRicevente", creditor_name[:140])
    el(root, "numeroTotalePagamenti", str(len(lines)))
    el(root, "importoTotalePagamenti", amount_text(sum(line.amount_cents for line in lines)))
    for line in lines:
        block = el(root, "datiSingoliPagamenti")
        el(block, "identificativoUnivocoVersamento", line.iuv)
        el(block, "identificativoUnivocoRiscossione", line.iur)
        el(block, "indiceDatiSingoloPagamento", "1")
        el(block, "singoloImportoPagato", amount_text(line.amount_cents))
        el(block, "codiceEsitoSingoloPagamento", "0")
        el(block, "dataEsitoSingoloPagamento", line.paid_on.isoformat())
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# -- Poste "rendicontazione bollettini" ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PosteSlip:
    """One paid 896 bollettino; ``reel``/``position``/``selection`` make Poste's key."""

    amount_cents: int
    paid_on: dt.date
    code: str  # 18 digits: 16 and their check digits
    reel: int
    position: int
    selection: int
    office: str = "05809101"  # province, office, counter
    channel: str = "CC"


def _fixed(width: int, fields: dict[int, str]) -> str:
    """A record of ``width`` blanks with each value written from its 1-based position."""
    line = [" "] * width
    for start, value in fields.items():
        end = start - 1 + len(value)
        if end > width:
            raise ValueError(f"a value at position {start} runs past {width}: {value!r}")
        line[start - 1 : end] = value
    return "".join(line)


def poste_report(account: str, credited_on: dt.date, slips: Sequence[PosteSlip]) -> bytes:
    """Payment records (type 896) then the 999 summary with their count and total."""
    account = account.rjust(12, "0")
    records = [
        _fixed(
            POSTE_RECORD,
            {
                1: f"{slip.reel:03d}{slip.position:05d}",
                9: f"{slip.selection:07d}",
                16: account,
                28: slip.paid_on.strftime("%y%m%d"),
                34: "896",
                37: f"{slip.amount_cents:010d}",
                47: slip.office,
                55: "2",
                56: credited_on.strftime("%y%m%d"),
                62: slip.code,
                80: slip.channel,
                82: "N",
            },
        )
        for slip in slips
    ]
    total = sum(slip.amount_cents for slip in slips)
    records.append(
        _fixed(
            POSTE_RECORD,
            {
                1: "1",
                2: account,
                14: credited_on.strftime("%y%m%d"),
                34: "999",
                37: f"{len(slips):08d}",
                45: f"{total:012d}",
                57: f"{len(slips):08d}",
                65: f"{total:012d}",
                77: "0" * 8,
                85: "0" * 12,
            },
        )
    )
    return "".join(record + "\r\n" for record in records).encode("ascii")


# -- CBI RH ----------------------------------------------------------------------------------


def cbi_rh(
    *,
    sender_abi: str,
    receiver: str,
    created: dt.date,
    flow_name: str,
    account_iban: str,
    opening_cents: int,
    day: dt.date,
    movements: Sequence[Movement],
) -> bytes:
    """One flow (RH to EF) with one statement (61 to 64) of an Italian account.

    Each movement is a 62 (causale 48, incoming transfer, for credits) followed by its 63s:
    YYY (order date, payer tax code, payer name), YY2 (payer IBAN), ID1 (EndToEndId) and
    RI1/RI2 (remittance, 104 characters each).
    """
    iban = account_iban.replace(" ", "").upper()
    cin, abi, cab, number = iban[4], iban[5:10], iban[10:15], iban[15:27]
    head = {2: "RH", 4: sender_abi, 9: receiver, 14: created.strftime("%d%m%y"), 20: flow_name}
    lines = [_fixed(CBI_RECORD, {1: " ", **head})]
    progressive = "0000001"

    def sign(cents: int) -> str:
        return "D" if cents < 0 else "C"

    def money(cents: int) -> str:
        return f"{abs(cents) // 100:012d},{abs(cents) % 100:02d}"

    lines.append(
        _fixed(
            CBI_RECORD,
            {
                2: "61",
                4: progressive,
                29: "93001",
                50: "CC",
                52: cin,
                53: abi,
                58: cab,
                63: number,
                75: "EUR",
                78: day.strftime("%d%m%y"),
                84: sign(opening_cents),
                85: money(opening_cents),
                100: iban[:2],
                102: iban[2:4],
            },
        )
    )
    for index, m in enumerate(movements, start=1):
        ids = {4: progressive, 11: f"{index:03d}"}
        lines.append(
            _fixed(
                CBI_RECORD,
                {
                    2: "62",
                    **ids,
                    14: m.value_date.strftime("%d%m%y"),
                    20: m.booking_date.strftime("%d%m%y"),
                    26: sign(m.amount_cents),
                    27: money(m.amount_cents),
                    42: "48" if m.amount_cents > 0 or m.reversal else "26",
                    62: m.bank_reference[:16],
                    87: "BONIFICO A VOSTRO FAVORE" if m.amount_cents > 0 else "STORNO",
                },
            )
        )
        details: list[dict[int, str]] = [
            {
                14: "YYY",
                17: m.booking_date.strftime("%d%m%Y"),
                25: m.payer_tax_code[:16],
                41: ascii_upper(m.payer_name)[:40],
            }
        ]
        if m.payer_iban:
            details.append({14: "YY2", 67: m.payer_iban[:34]})
        details.append({14: "ID1", 17: m.bank_reference[:35], 52: m.end_to_end_id or "NOTPROVIDED"})
        text = ascii_upper(m.remittance or m.creditor_reference)[:208]
        for tag, part in (("RI1", text[:104]), ("RI2", text[104:])):
            if part:
                details.append({14: tag, 17: part})
        lines.extend(_fixed(CBI_RECORD, {2: "63", **ids, **detail}) for detail in details)
    closing = opening_cents + sum(m.amount_cents for m in movements)
    lines.append(
        _fixed(
            CBI_RECORD,
            {
                2: "64",
                4: progressive,
                11: "EUR",
                14: day.strftime("%d%m%y"),
                20: sign(closing),
                21: money(closing),
                36: sign(closing),
                37: money(closing),
            },
        )
    )
    lines.append(
        _fixed(
            CBI_RECORD, {1: " ", **head, 2: "EF", 46: "0000001", 83: f"{len(lines) + 1:07d}"}
        )
    )
    return "".join(line + "\r\n" for line in lines).encode("cp1252")


# -- MT940 -----------------------------------------------------------------------------------


def _wrap(tag: str, text: str) -> list[str]:
    """A field over lines of at most 65 characters, none ending in a blank the reader
    would strip: the reader joins the lines back as they were cut."""
    out: list[str] = []
    rest = f":{tag}:{text}"
    while rest:
        cut = min(MT940_LINE, len(rest))
        while cut < len(rest) and cut > 1 and rest[cut - 1] == " ":
            cut -= 1
        out.append(rest[:cut])
        rest = rest[cut:]
    return out


def mt940(
    *,
    account_iban: str,
    reference: str,
    sequence: int,
    day: dt.date,
    opening_cents: int,
    movements: Sequence[Movement],
) -> bytes:
    """One statement: ``:61:`` with the bank reference after ``//``, and ``:86:`` with the
    slash codes /EREF/ /IBAN/ /NAME/ /REMI/ (remittance last, so its text may hold any
    slash)."""

    def balance(cents: int) -> str:
        mark = "D" if cents < 0 else "C"
        return f"{mark}{day.strftime('%y%m%d')}EUR{amount_text(cents, ',')}"

    lines = [f":20:{reference}", f":25:{account_iban}", f":28C:{sequence:05d}/1"]
    lines.append(f":60F:{balance(opening_cents)}")
    for m in movements:
        mark = ("R" if m.reversal else "") + ("D" if m.amount_cents < 0 else "C")
        lines.append(
            f":61:{m.value_date.strftime('%y%m%d')}{m.booking_date.strftime('%m%d')}{mark}"
            f"{amount_text(m.amount_cents, ',')}NTRFNONREF//{m.bank_reference[:16]}"
        )
        parts = [f"/EREF/{m.end_to_end_id or 'NOTPROVIDED'}"]
        if m.payer_iban:
            parts.append(f"/IBAN/{m.payer_iban}")
        if m.payer_name:
            parts.append(f"/NAME/{ascii_upper(m.payer_name)}")
        parts.append(f"/REMI/USTD//{ascii_upper(m.remittance or m.creditor_reference)}")
        lines.extend(_wrap("86", "".join(parts)))
    closing = opening_cents + sum(m.amount_cents for m in movements)
    lines.append(f":62F:{balance(closing)}")
    lines.append("-")
    return "".join(line + "\r\n" for line in lines).encode("latin-1")
