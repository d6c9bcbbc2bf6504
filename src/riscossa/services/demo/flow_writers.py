"""Writers of the payment-flow files the demo's bank, Poste and pagoPA hand over.

Each writer follows the layout its reader in ``riscossa.banking`` documents (camt.053.001.02,
CBI RH CBI-RND-001 v6.05, Poste "rendicontazione bollettini", FlussoRiversamento 1.0.5,
MT940 with structured ``:86:``), so a demo day goes through the same import path as a real
one. They write what they are given: amounts, balances and control totals are computed
here, never taken on trust, so every file adds up. Free text is cut to the field widths and,
in the fixed-width formats, folded to upper-case ASCII as Italian banks send it.

:func:`write_day` lays one day out over the files: the camt.053 of the creditor's main
account also carries a bank fee, the reversals and the pagoPA lump sum whose detail is the
FlussoRiversamento; it gives every payment the bank reference the import will store.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from riscossa.banking.iban import build_iban, italian_bban

CAMT053_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
PAGOPA_NS = "http://www.digitpa.gov.it/schemas/2011/Pagamenti/"
CBI_RECORD = 120
POSTE_RECORD = 200
MT940_LINE = 65


@dataclass(frozen=True, slots=True)
class Movement:
    """One booked movement of a bank account; ``amount_cents`` is negative for a debit.

    ``creditor_reference`` is an RF reference sent as structured remittance (camt
    ``Strd/CdtrRefInf``, with ``remittance`` as its ``AddtlRmtInf``); formats without
    structure carry both as one text. ``reversal`` marks a credit the bank takes back (a
    debit with ``RvslInd``).
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

    @property
    def text(self) -> str:
        """The remittance as one line of free text: the RF first, then the rest."""
        return " ".join(part for part in (self.creditor_reference, self.remittance) if part)


def amount_text(cents: int, decimal: str = ".") -> str:
    """Unsigned cents as ``1234.56`` (or with a decimal comma)."""
    return f"{abs(cents) // 100}{decimal}{abs(cents) % 100:02d}"


def ascii_upper(text: str) -> str:
    """Upper-case ASCII, accents dropped: what fixed-width bank records carry."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.upper().split())


# -- camt.053.001.02 -------------------------------------------------------------------------


def _sub(
    parent: etree._Element, namespace: str, tag: str, text: str | None = None
) -> etree._Element:
    node = etree.SubElement(parent, f"{{{namespace}}}{tag}")
    if text is not None:
        node.text = text
    return node


def _camt(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    return _sub(parent, CAMT053_NS, tag, text)


def _camt_amount(parent: etree._Element, tag: str, cents: int) -> None:
    _camt(parent, tag, amount_text(cents)).set("Ccy", "EUR")


def _camt_balance(parent: etree._Element, code: str, cents: int, day: dt.date) -> None:
    bal = _camt(parent, "Bal")
    _camt(_camt(_camt(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    _camt_amount(bal, "Amt", cents)
    _camt(bal, "CdtDbtInd", "DBIT" if cents < 0 else "CRDT")
    _camt(_camt(bal, "Dt"), "Dt", day.isoformat())


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
    stamp = created.replace(microsecond=0).isoformat()
    root = etree.Element(f"{{{CAMT053_NS}}}Document", nsmap={None: CAMT053_NS})
    body = _camt(root, "BkToCstmrStmt")
    header = _camt(body, "GrpHdr")
    _camt(header, "MsgId", message_id)
    _camt(header, "CreDtTm", stamp)
    stmt = _camt(body, "Stmt")
    _camt(stmt, "Id", statement_id)
    _camt(stmt, "CreDtTm", stamp)
    account = _camt(stmt, "Acct")
    _camt(_camt(account, "Id"), "IBAN", account_iban)
    _camt(account, "Ccy", "EUR")
    if account_owner:
        _camt(_camt(account, "Ownr"), "Nm", account_owner[:140])
    net = sum(m.amount_cents for m in movements)
    _camt_balance(stmt, "OPBD", opening_cents, day)
    _camt_balance(stmt, "CLBD", opening_cents + net, day)
    credits = [m.amount_cents for m in movements if m.amount_cents > 0]
    debits = [-m.amount_cents for m in movements if m.amount_cents < 0]
    summary = _camt(stmt, "TxsSummry")
    totals = _camt(summary, "TtlNtries")
    _camt(totals, "NbOfNtries", str(len(movements)))
    _camt(totals, "Sum", amount_text(sum(credits) + sum(debits)))
    _camt(totals, "TtlNetNtryAmt", amount_text(net))
    _camt(totals, "CdtDbtInd", "DBIT" if net < 0 else "CRDT")
    for tag, amounts in (("TtlCdtNtries", credits), ("TtlDbtNtries", debits)):
        block = _camt(summary, tag)
        _camt(block, "NbOfNtries", str(len(amounts)))
        _camt(block, "Sum", amount_text(sum(amounts)))
    for movement in movements:
        _camt_entry(stmt, movement)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _camt_entry(stmt: etree._Element, m: Movement) -> None:
    debit = m.amount_cents < 0
    entry = _camt(stmt, "Ntry")
    _camt_amount(entry, "Amt", m.amount_cents)
    _camt(entry, "CdtDbtInd", "DBIT" if debit else "CRDT")
    if m.reversal:
        _camt(entry, "RvslInd", "true")
    _camt(entry, "Sts", "BOOK")
    _camt(_camt(entry, "BookgDt"), "Dt", m.booking_date.isoformat())
    _camt(_camt(entry, "ValDt"), "Dt", m.value_date.isoformat())
    _camt(entry, "AcctSvcrRef", m.bank_reference)
    code = _camt(_camt(entry, "BkTxCd"), "Domn")
    _camt(code, "Cd", "PMNT")
    family = _camt(code, "Fmly")
    _camt(family, "Cd", "ICDT" if debit and not m.reversal else "RCDT")
    _camt(family, "SubFmlyCd", "ESCT")
    tx = _camt(_camt(entry, "NtryDtls"), "TxDtls")
    refs = _camt(tx, "Refs")
    _camt(refs, "AcctSvcrRef", m.bank_reference)
    _camt(refs, "EndToEndId", m.end_to_end_id or "NOTPROVIDED")
    _camt_amount(_camt(_camt(tx, "AmtDtls"), "TxAmt"), "Amt", m.amount_cents)
    if m.payer_name or m.payer_iban:
        parties = _camt(tx, "RltdPties")
        if m.payer_name:
            _camt(_camt(parties, "Dbtr"), "Nm", m.payer_name[:140])
        if m.payer_iban:
            _camt(_camt(_camt(parties, "DbtrAcct"), "Id"), "IBAN", m.payer_iban)
    if m.creditor_reference:
        structured = _camt(_camt(tx, "RmtInf"), "Strd")
        reference = _camt(structured, "CdtrRefInf")
        kind = _camt(reference, "Tp")
        _camt(_camt(kind, "CdOrPrtry"), "Cd", "SCOR")
        _camt(kind, "Issr", "ISO")
        _camt(reference, "Ref", m.creditor_reference)
        if m.remittance:
            _camt(structured, "AddtlRmtInf", m.remittance[:140])
    elif m.remittance:
        _camt(_camt(tx, "RmtInf"), "Ustrd", m.remittance[:140])


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
        return _sub(parent, PAGOPA_NS, tag, text)

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
        text = ascii_upper(m.text)[:208]
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
        _fixed(CBI_RECORD, {1: " ", **head, 2: "EF", 46: "0000001", 83: f"{len(lines) + 1:07d}"})
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
    if len(out) > 1 and out[-1] == "-":  # a line of "-" alone would end the message
        out[-2:] = [out[-2][:-1], out[-2][-1] + "-"]
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
        parts.append(f"/REMI/USTD//{ascii_upper(m.text)}")
        lines.extend(_wrap("86", "".join(parts)))
    closing = opening_cents + sum(m.amount_cents for m in movements)
    lines.append(f":62F:{balance(closing)}")
    lines.append("-")
    return "".join(line + "\r\n" for line in lines).encode("latin-1")


# -- one day of files --------------------------------------------------------------------

ROUTES = ("camt053", "cbi_rh", "mt940", "poste", "pagopa")  # the files, in import order
PSP = ("BPPIITRRXXX", "Banca Esempio PSP S.p.A.", "IT47R0306901600000007777777")


@dataclass(frozen=True, slots=True)
class Creditor:
    """Who receives the day's money: the camt account; CBI RH and MT940 report two more
    accounts of the same creditor (same branch and number at two other banks)."""

    name: str
    iban: str
    tax_code: str  # pagoPA istitutoRicevente
    poste_account: str  # conto corrente postale, 12 digits


@dataclass(slots=True)
class DayPayment:
    """One payment as a file carries it. ``route`` names the file; ``order`` sorts it
    within the file; ``code`` is the notice number (pagoPA) or 896 code (Poste);
    ``reversed`` payments are taken back later in the camt statement. ``bank_reference``
    (as the import stores it) and ``end_to_end_id`` are given by :func:`write_day`."""

    route: str
    amount_cents: int
    value_date: dt.date = dt.date.min
    payer_name: str = ""
    payer_iban: str = ""
    payer_tax_code: str = ""
    remittance: str = ""
    creditor_reference: str = ""
    code: str = ""
    order: float = 0.0
    reversed: bool = False
    bank_reference: str = ""
    end_to_end_id: str = ""


def write_day(
    payments: Sequence[DayPayment],
    rng: random.Random,
    day: dt.date,
    creditor: Creditor,
    out_dir: Path,
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Write the day's files (those with payments; the camt always) in import order.

    Returns the paths and the bank references of the pagoPA lump sums. Every reference is
    unique and carries the day, so the import keeps it as it is.
    """
    routes: dict[str, list[DayPayment]] = {route: [] for route in ROUTES}
    for payment in sorted(payments, key=lambda p: p.order):
        routes[payment.route].append(payment)
    stamp = f"{day:%y%m%d}"
    created = dt.datetime.combine(day, dt.time(6, 30))
    flow_id = f"{day.isoformat()}{PSP[0]}-S{day:%j}01"
    settlement = f"TRN{stamp}{day:%j}0001"
    lines = []
    for index, p in enumerate(routes["pagopa"]):
        iur = f"IUR{stamp}{index + 1:07d}"
        p.bank_reference = iur if index == 0 else f"{iur}/{index}"  # as the import keys it
        lines.append(PagopaLine(p.code.replace(" ", "")[1:], iur, p.amount_cents, p.value_date))

    def transfer(p: DayPayment, reference: str) -> Movement:
        p.bank_reference = reference
        if p.reversed or rng.random() < 0.5:
            p.end_to_end_id = f"E2E{reference}"
        return Movement(
            p.amount_cents,
            p.value_date,
            day,
            reference,
            p.payer_name,
            p.payer_iban,
            p.payer_tax_code,
            p.end_to_end_id,
            p.remittance,
            p.creditor_reference,
        )

    serial = iter(range(1, 10**7))
    camt = [transfer(p, f"CT{stamp}{next(serial):07d}") for p in routes["camt053"]]
    for p in routes["camt053"]:
        if p.reversed:  # taken back later in the statement, by end-to-end id
            twins = [
                o
                for o in routes["camt053"]
                if (o.payer_iban, o.amount_cents) == (p.payer_iban, p.amount_cents)
            ]
            at = next(n for n, m in enumerate(camt) if m.bank_reference == p.bank_reference)
            text = " ".join(x for x in ("STORNO", p.creditor_reference, p.remittance) if x)
            camt.insert(
                rng.randint(at + 1, len(camt)),
                Movement(
                    -p.amount_cents,
                    day,
                    day,
                    f"CT{stamp}{next(serial):07d}",
                    p.payer_name,
                    p.payer_iban if len(twins) == 1 else "",
                    end_to_end_id=p.end_to_end_id,
                    remittance=text[:140],
                    reversal=True,
                ),
            )
    lump_sums: tuple[str, ...] = ()
    if lines:
        reference = f"CT{stamp}{next(serial):07d}"
        lump_sums = (reference,)
        total = sum(line.amount_cents for line in lines)
        uri = f"/PUR/LGPE-RIVERSAMENTO/URI/{flow_id}"
        camt.append(Movement(total, day, day, reference, PSP[1], PSP[2], "", settlement, uri))
    fee = Movement(-rng.randrange(150, 1500, 10), day, day, f"CT{stamp}{next(serial):07d}")
    camt.insert(rng.randrange(len(camt) + 1), fee)
    files = [out_dir / f"camt053-{day.isoformat()}.xml"]
    files[-1].write_bytes(
        camt053(
            account_iban=creditor.iban,
            message_id=f"STMT{stamp}0001",
            statement_id=f"STMT{stamp}0001-1",
            created=created,
            day=day,
            opening_cents=rng.randrange(500_000, 25_000_000),
            movements=camt,
            account_owner=creditor.name,
        )
    )
    if routes["cbi_rh"]:
        account = _other_account(creditor.iban, "05034", "03069")
        files.append(out_dir / f"cbi-rh-{day.isoformat()}.txt")
        files[-1].write_bytes(
            cbi_rh(
                sender_abi=account[5:10],
                receiver="A1B2C",
                created=day,
                flow_name=f"RH{day:%Y%m%d}-0001",
                account_iban=account,
                opening_cents=rng.randrange(100_000, 5_000_000),
                day=day,
                movements=[
                    transfer(p, f"RH{stamp}{n:08d}") for n, p in enumerate(routes["cbi_rh"], 1)
                ],
            )
        )
    if routes["mt940"]:
        files.append(out_dir / f"mt940-{day.isoformat()}.sta")
        files[-1].write_bytes(
            mt940(
                account_iban=_other_account(creditor.iban, "02008", "03111"),
                reference=f"MT940{stamp}",
                sequence=day.timetuple().tm_yday,
                day=day,
                opening_cents=rng.randrange(100_000, 5_000_000),
                movements=[
                    transfer(p, f"MT{stamp}{n:08d}") for n, p in enumerate(routes["mt940"], 1)
                ],
            )
        )
    if routes["poste"]:
        slips = []
        for n, p in enumerate(routes["poste"], start=1):
            reel, selection = day.timetuple().tm_yday, day.year % 100 * 100_000 + n
            p.bank_reference = f"{reel:03d}{n:05d}/{selection:07d}"  # Poste's own key
            channel = rng.choice(("CC", "CC", "DP", "DI"))
            slips.append(
                PosteSlip(p.amount_cents, p.value_date, p.code, reel, n, selection, channel=channel)
            )
        files.append(out_dir / f"poste-896-{day.isoformat()}.txt")
        files[-1].write_bytes(poste_report(creditor.poste_account, day, slips))
    if lines:
        files.append(out_dir / f"pagopa-{day.isoformat()}.xml")
        files[-1].write_bytes(
            pagopa_flow(
                flow_id=flow_id,
                created=created,
                settlement_id=settlement,
                settlement_date=day,
                psp_bic=PSP[0],
                psp_name=PSP[1],
                creditor_id=creditor.tax_code,
                creditor_name=creditor.name,
                lines=lines,
            )
        )
    return tuple(files), lump_sums


def _other_account(iban: str, abi: str, fallback: str) -> str:
    """The creditor's account at bank ``abi`` (``fallback`` if ``iban`` is already there)."""
    compact = iban.replace(" ", "").upper()
    bank = fallback if compact[5:10] == abi else abi
    return build_iban("IT", italian_bban(bank, compact[10:15], compact[15:27]))
