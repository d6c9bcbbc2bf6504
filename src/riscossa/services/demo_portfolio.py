"""Deterministic demo portfolio: the four import files a utility would hand over, plus the truth.

``generate_portfolio`` writes what a user imports, in the dialects real exports use:

- ``clienti`` / ``contratti`` / ``fatture``: Italian headers (aliases from ``import_schemas``),
  Italian choice words, ``;`` separator, UTF-8 with BOM, ``DD/MM/YYYY`` dates, ``1.234,56``.
- ``payments``: English canonical headers and choices, ``,`` separator, UTF-8 without BOM,
  ISO dates and ``1234.56`` — so both import paths get exercised.
- ``ground_truth.csv`` (always CSV, English): which payment pays which invoice and how much.

With ``file_format="xlsx"`` the four import files are XLSX (typed cells); the ground truth stays
CSV. Same seed and parameters give byte-identical files: one ``random.Random(seed)`` and one
Faker seeded with ``seed_instance`` drive everything, in a fixed order.

A few percent of the data is deliberately wrong, as in real hand-overs, and counted in
``PortfolioFiles.bad_data``: broken IBANs (check digits, CIN, length), wrong tax-code check
characters, repeated customer rows (identical or conflicting), invoices of an unknown customer,
unparseable dates and amounts. Rows the import must reject are never paid and never appear in
the ground truth. Payments dated after ``as_of`` are not written: they have not happened yet.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from riscossa.adapters.tabular_writer import (
    ENGLISH_CSV,
    ITALIAN_CSV,
    Cell,
    Column,
    ColumnKind,
    CsvTableWriter,
    TableWriter,
    XlsxTableWriter,
    open_table,
)
from riscossa.services.demo.billing import Calendar, DemoContract, lines, make_contracts
from riscossa.services.demo.codes import pagopa_notice, poste_896, rf_reference
from riscossa.services.demo.paying import Bill, PaymentRecord, PaymentSimulator
from riscossa.services.demo.people import (
    BUSINESS,
    PUBLIC,
    DemoCustomer,
    NamePools,
    make_customers,
)

T, A, D = ColumnKind.TEXT, ColumnKind.AMOUNT, ColumnKind.DATE

CUSTOMER_COLUMNS = tuple(
    Column(h, k)
    for h, k in (
        ("Codice Cliente", T),
        ("Ragione Sociale", T),
        ("Tipo Cliente", T),
        ("Segmento", T),
        ("Codice Fiscale", T),
        ("Partita IVA", T),
        ("E-mail", T),
        ("Telefono", T),
        ("PEC", T),
        ("Indirizzo", T),
        ("CAP", T),
        ("Comune", T),
        ("Provincia", T),
        ("IBAN", T),
        ("Bonus Sociale", T),
        ("Vulnerabile", T),
        ("Non Disalimentabile", T),
    )
)
CONTRACT_COLUMNS = tuple(
    Column(h, k)
    for h, k in (
        ("Codice Contratto", T),
        ("Codice Cliente", T),
        ("Servizio", T),
        ("POD/PDR", T),
        ("Stato", T),
        ("Modalità Pagamento", T),
        ("Data Inizio", D),
        ("Data Fine", D),
    )
)
MANDATE_COLUMNS = tuple(
    Column(h, k)
    for h, k in (
        ("Riferimento Mandato", T),
        ("Codice Cliente", T),
        ("Codice Creditore", T),
        ("Data Firma", D),
        ("Intestatario Conto", T),
        ("IBAN", T),
        ("Data Ultimo Addebito", D),
    )
)
DEMO_CREDITOR_ID = "IT66ZZZA1B2C3D4E5F6G7H8"  # check digits valid; the national part is made up
INVOICE_COLUMNS = tuple(
    Column(h, k)
    for h, k in (
        ("Numero Fattura", T),
        ("Codice Cliente", T),
        ("Codice Contratto", T),
        ("Tipo Documento", T),
        ("Data Emissione", D),
        ("Data Scadenza", D),
        ("Periodo Dal", D),
        ("Periodo Al", D),
        ("Importo Totale", A),
        ("Spesa Materia Energia", A),
        ("Trasporto e Contatore", A),
        ("Accise", A),
        ("Oneri di Sistema", A),
        ("IVA", A),
        ("Contestata", T),
        ("Codice Avviso", T),
    )
)
PAYMENT_COLUMNS = tuple(
    Column(h, k)
    for h, k in (
        ("bank_reference", T),
        ("amount", A),
        ("value_date", D),
        ("booking_date", D),
        ("channel", T),
        ("status", T),
        ("customer_code", T),
        ("payer_name", T),
        ("payer_iban", T),
        ("payer_tax_code", T),
        ("reference", T),
        ("invoice_numbers", T),
    )
)
GROUND_TRUTH_COLUMNS = (Column("bank_reference"), Column("invoice_number"), Column("amount", A))

# Italian words written for the choice columns; each is accepted by import_schemas.
KIND_IT = {"person": "Persona fisica", "business": "Persona giuridica"}
SEGMENT_IT = {
    "residential": "Domestico",
    BUSINESS: "Non domestico",
    PUBLIC: "Pubblica amministrazione",
}
UTILITY_IT = {"electricity": "Luce", "gas": "Gas", "water": "Acqua", "telco": "Telefonia"}
STATUS_IT = {"active": "Attivo", "suspended": "Sospeso", "terminated": "Cessato"}
METHOD_IT = {
    "sdd": "Domiciliazione",
    "bank_transfer": "Bonifico",
    "postal_slip": "Bollettino",
    "pagopa": "PagoPA",
    "card": "Carta",
}
DOC_IT = {"invoice": "Fattura", "credit_note": "Nota di credito"}
YES_NO = ("NO", "SI")
CHANNEL_PREFIX = {
    "sdd": "SDD",
    "bank_transfer": "BON",
    "postal_slip": "BOL",
    "pagopa": "PPA",
    "card": "CRD",
}
_VAGUE = ("pagamento bolletta", "saldo utenze", "pagamento fornitura", "bolletta luce gas")
_BATCH = 20_000


@dataclass(frozen=True)
class PortfolioFiles:
    customers: Path
    contracts: Path
    invoices: Path
    payments: Path
    mandates: Path
    ground_truth: Path
    counts: dict[str, int]  # rows written per file (customers includes repeated rows)
    bad_data: dict[str, int]  # deliberate defects, by kind
    stats: dict[str, int] = field(default_factory=dict)  # behaviours and payment patterns


def generate_portfolio(
    out_dir: Path,
    *,
    customers: int,
    seed: int,
    as_of: dt.date,
    file_format: Literal["csv", "xlsx"] = "csv",
    months: int = 24,
) -> PortfolioFiles:
    """Write the demo files into ``out_dir`` and return their paths and counts."""
    if customers < 1:
        raise ValueError("customers must be at least 1")
    # Millions of long-lived tuples make the cyclic collector rescan the heap again and again
    # (quadratic in practice); nothing built here forms cycles, so pause it for the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(out_dir, customers, seed, as_of, file_format, months)
    finally:
        if collecting:
            gc.enable()


def _generate(
    out_dir: Path,
    customers: int,
    seed: int,
    as_of: dt.date,
    file_format: Literal["csv", "xlsx"],
    months: int,
) -> PortfolioFiles:
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = file_format
    paths = {
        "customers": out_dir / f"clienti.{ext}",
        "contracts": out_dir / f"contratti.{ext}",
        "invoices": out_dir / f"fatture.{ext}",
        "payments": out_dir / f"payments.{ext}",
        "mandates": out_dir / f"mandati.{ext}",
        "ground_truth": out_dir / "ground_truth.csv",
    }
    rng = random.Random(seed)
    cal = Calendar(as_of, months)
    created = dt.datetime.combine(as_of, dt.time())
    people = make_customers(customers, rng, NamePools(seed, 400), as_of)
    contracts = make_contracts(people, rng, cal)
    bad: Counter[str] = Counter()
    counts: Counter[str] = Counter()

    def table(
        name: str, columns: tuple[Column, ...], english: bool = False
    ) -> CsvTableWriter | XlsxTableWriter:
        return open_table(
            paths[name],
            columns,
            file_format=file_format,
            style=ENGLISH_CSV if english else ITALIAN_CSV,
            created=created,
        )

    with table("customers", CUSTOMER_COLUMNS) as out:
        rows = _customer_rows(people, contracts, rng, bad)
        out.write_rows(rows)
        counts["customers"] = len(rows)
    with table("contracts", CONTRACT_COLUMNS) as out:
        out.write_rows(
            (
                c.code,
                people[c.customer].code,
                UTILITY_IT[c.utility],
                c.supply_point,
                STATUS_IT[c.status],
                METHOD_IT[c.method],
                c.start,
                c.end,
            )
            for c in contracts
        )
        counts["contracts"] = len(contracts)
    last_debit = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=5)
    with table("mandates", MANDATE_COLUMNS) as out:
        first_sdd: dict[int, dt.date] = {}
        for c in contracts:
            if c.method == "sdd":
                first_sdd[c.customer] = min(c.start, first_sdd.get(c.customer, c.start))
        out.write_rows(
            (
                f"RSC-{people[index].code}",
                people[index].code,
                DEMO_CREDITOR_ID,
                start,
                people[index].name,
                people[index].iban,
                # the legacy system's last debit: the month before the demo's day, if any
                last_debit if start <= last_debit else None,
            )
            for index, start in sorted(first_sdd.items())
        )
        counts["mandates"] = len(first_sdd)

    sim = PaymentSimulator(rng)
    with table("invoices", INVOICE_COLUMNS) as out:
        counts["invoices"] = _write_invoices(out, people, contracts, cal, rng, sim, bad)
    records = sorted(r for r in sim.records if r[0] <= cal.as_of)
    with (
        table("payments", PAYMENT_COLUMNS, english=True) as out,
        open_table(paths["ground_truth"], GROUND_TRUTH_COLUMNS, style=ENGLISH_CSV) as truth,
    ):
        counts["payments"], counts["allocations"] = _write_payments(
            out, truth, records, people, cal, rng, bad, sim.stats
        )
    stats = dict(sorted(sim.stats.items()))
    for cust in people:
        stats[f"behaviour_{cust.behaviour}"] = stats.get(f"behaviour_{cust.behaviour}", 0) + 1
    return PortfolioFiles(
        **paths, counts=dict(counts), bad_data=dict(sorted(bad.items())), stats=stats
    )


def _customer_rows(
    people: list[DemoCustomer],
    contracts: list[DemoContract],
    rng: random.Random,
    bad: Counter[str],
) -> list[tuple[Cell, ...]]:
    rnd = rng.random
    with_sdd = {c.customer for c in contracts if c.method == "sdd"}
    for cust in people:
        if cust.index in with_sdd or rnd() < 0.3:
            cust.written_iban = cust.iban
            draw = rnd()
            if draw < 0.005:
                digits = int(cust.iban[2:4])
                cust.written_iban = (
                    f"IT{(digits + 1 + int(rnd() * 90)) % 97 + 2:02d}" + cust.iban[4:]
                )
                if cust.written_iban != cust.iban:
                    bad["invalid_iban_check_digits"] += 1
            elif draw < 0.010:
                wrong = chr((ord(cust.iban[4]) - 65 + 1 + int(rnd() * 25)) % 26 + 65)
                cust.written_iban = cust.iban[:4] + wrong + cust.iban[5:]
                bad["invalid_iban_cin"] += 1
            elif draw < 0.015:
                cut = 5 + int(rnd() * 20)
                cust.written_iban = cust.iban[:cut] + cust.iban[cut + 1 :]
                bad["invalid_iban_length"] += 1
        if rnd() < 0.01:
            tax = cust.tax_code
            if len(tax) == 16:
                wrong = chr((ord(tax[-1]) - 65 + 1 + int(rnd() * 25)) % 26 + 65)
                cust.written_tax_code = tax[:-1] + wrong
            else:
                cust.written_tax_code = tax[:-1] + str((int(tax[-1]) + 1 + int(rnd() * 9)) % 10)
                cust.written_vat_number = cust.written_tax_code
            bad["invalid_tax_code"] += 1
    rows = [_customer_row(c) for c in people]
    repeats = max(1, len(people) // 200)
    for index in sorted(rng.sample(range(len(people)), min(repeats, len(people)))):
        row = list(rows[index])
        if rnd() < 0.5:
            bad["duplicate_customer_rows_identical"] += 1
        else:
            row[6] = f"nuovo.{row[6] or 'contatto@example.it'}"
            row[7] = f"3{int(rnd() * 10**9):09d}"
            bad["duplicate_customer_rows_conflicting"] += 1
        rows.append(tuple(row))
    return rows


def _customer_row(c: DemoCustomer) -> tuple[Cell, ...]:
    return (
        c.code,
        c.name,
        KIND_IT[c.kind],
        SEGMENT_IT[c.segment],
        c.written_tax_code,
        c.written_vat_number,
        c.email,
        c.phone,
        c.pec,
        c.address,
        c.postcode,
        c.city,
        c.province,
        c.written_iban,
        YES_NO[c.bonus_sociale],
        YES_NO[c.vulnerable],
        YES_NO[c.non_disconnectable],
    )


def _numbering(contracts: list[DemoContract]) -> tuple[dict[int, int], dict[int, int]]:
    """First sequence number per issue date, so numbers grow with dates within each year."""
    invoices: Counter[int] = Counter()
    credits: Counter[int] = Counter()
    for contract in contracts:
        invoices.update(issue for _, issue in contract.periods)
        credits.update(contract.credit_notes.values())
    return _first_numbers(invoices), _first_numbers(credits)


def _first_numbers(per_day: Counter[int]) -> dict[int, int]:
    start: dict[int, int] = {}
    running: Counter[int] = Counter()
    for day in sorted(per_day):
        year = dt.date.fromordinal(day).year
        start[day] = running[year] + 1
        running[year] += per_day[day]
    return start


class _Dates(dict[int, dt.date]):
    """Ordinal -> date, memoised; ``dates[o]`` stays a C-level lookup."""

    def __missing__(self, ordinal: int) -> dt.date:
        day = self[ordinal] = dt.date.fromordinal(ordinal)
        return day


class _DayKeys(dict[int, str]):
    """Ordinal -> ``YYYYMMDD`` for bank references, memoised."""

    def __missing__(self, ordinal: int) -> str:
        key = self[ordinal] = dt.date.fromordinal(ordinal).strftime("%Y%m%d")
        return key


def _write_invoices(
    out: TableWriter,
    people: list[DemoCustomer],
    contracts: list[DemoContract],
    cal: Calendar,
    rng: random.Random,
    sim: PaymentSimulator,
    bad: Counter[str],
) -> int:
    rnd = rng.random
    next_ft, next_nc = _numbering(contracts)
    dates = _Dates()
    months = cal.months
    sample = min(len(people), 1 + len(people) // 50_000)
    broken = rng.sample(range(len(people)), min(len(people), 2 * sample))
    bad_date, bad_amount = set(broken[:sample]), set(broken[sample:])
    rows: list[tuple[Cell, ...]] = []
    written = 0
    serial = 0
    by_customer: dict[int, list[DemoContract]] = {}
    for contract in contracts:
        by_customer.setdefault(contract.customer, []).append(contract)
    for cust in people:
        bills: list[Bill] = []
        for contract in by_customer.get(cust.index, ()):
            method = contract.method
            for k, issue in contract.periods:
                serial += 1
                month = months[k]
                period_end = months[k + contract.months_per_bill - 1].last
                due = issue + contract.due_days
                seq = next_ft[issue]
                next_ft[issue] = seq + 1
                number = f"FT{dates[issue].year}-{seq:06d}"
                if method == "pagopa":
                    payref = pagopa_notice(1, serial)
                elif method == "postal_slip":
                    payref = poste_896(10**15 + serial)
                else:
                    payref = rf_reference(f"{serial:010d}")
                energy, network, excise, fees, vat = lines(
                    contract, month.month, 850 + int(rnd() * 301)
                )
                total = energy + network + excise + fees + vat
                disputed = rnd() < 0.015
                issue_cell: Cell = dates[issue]
                total_cell: Cell = total
                payable = not disputed
                if cust.index in bad_date:
                    bad_date.discard(cust.index)
                    issue_cell = f"31/02/{dates[issue].year}"
                    bad["unparseable_invoice_dates"] += 1
                    payable = False
                elif cust.index in bad_amount:
                    bad_amount.discard(cust.index)
                    total_cell = "12O,5O"
                    bad["unparseable_invoice_amounts"] += 1
                    payable = False
                rows.append(
                    (
                        number,
                        cust.code,
                        contract.code,
                        "Fattura",
                        issue_cell,
                        dates[due],
                        dates[month.first],
                        dates[period_end],
                        total_cell,
                        energy,
                        network,
                        excise,
                        fees,
                        vat,
                        YES_NO[disputed],
                        payref,
                    )
                )
                bills.append(Bill(number, payref, issue, due, total, method, payable))
                credit_issue = contract.credit_notes.get(k)
                if credit_issue is not None:
                    share = 10 + int(rnd() * 91)
                    parts = [-(x * share // 100) for x in (energy, network, excise, fees)]
                    credit_vat = -((-sum(parts) * contract.vat_rate + 50) // 100)
                    seq = next_nc[credit_issue]
                    next_nc[credit_issue] = seq + 1
                    rows.append(
                        (
                            f"NC{dates[credit_issue].year}-{seq:06d}",
                            cust.code,
                            contract.code,
                            "Nota di credito",
                            dates[credit_issue],
                            dates[credit_issue + 20],
                            dates[month.first],
                            dates[period_end],
                            sum(parts) + credit_vat,
                            *parts,
                            credit_vat,
                            "NO",
                            "",
                        )
                    )
                    sim.stats["credit_notes"] += 1
        bills.sort(key=lambda b: (b.issue, b.number))
        sim.simulate(cust.index, cust.behaviour, bills)
        if len(rows) >= _BATCH:
            out.write_rows(rows)
            written += len(rows)
            rows = []
    for n in range(1 + len(people) // 20_000):  # invoices of a customer nobody knows
        issue = cal.as_of - 40 - n
        rows.append(
            (
                f"FT{dates[issue].year}-X{n + 1:05d}",
                f"C9{n + 1:07d}",
                "",
                "Fattura",
                dates[issue],
                dates[issue + 25],
                None,
                None,
                5368,
                3000,
                1000,
                0,
                400,
                968,
                "NO",
                "",
            )
        )
        bad["unknown_customer_invoices"] += 1
    out.write_rows(rows)
    return written + len(rows)


def _write_payments(
    out: TableWriter,
    truth: TableWriter,
    records: list[PaymentRecord],
    people: list[DemoCustomer],
    cal: Calendar,
    rng: random.Random,
    bad: Counter[str],
    stats: Counter[str],
) -> tuple[int, int]:
    rnd = rng.random
    dates = _Dates()
    day_keys = _DayKeys()
    sample = min(len(records), 1 + len(people) // 50_000)
    broken = rng.sample(range(len(records)), min(len(records), 2 * sample))
    bad_date, bad_amount = set(broken[:sample]), set(broken[sample:])
    rows: list[tuple[Cell, ...]] = []
    truth_rows: list[tuple[Cell, ...]] = []
    allocations = 0
    written = 0
    for i, (day, _, index, amount, channel, allocs) in enumerate(records):
        cust = people[index]
        value = dates[day]
        reference = f"{CHANNEL_PREFIX[channel]}{day_keys[day]}{i + 1:08d}"
        booking_day = day + (1 if channel != "sdd" and rnd() < 0.3 else 0)
        booking: Cell = dates[booking_day] if booking_day <= cal.as_of else None
        status = "booked" if booking is not None else "in_transit"
        code = cust.code
        if channel != "sdd" and rnd() < 0.09:
            code = ""
            stats["unidentified_payments"] += 1
        payer, payer_iban, payer_tax = cust.payer_name, "", ""
        if channel in ("sdd", "bank_transfer"):
            payer_iban = cust.iban
        if channel in ("pagopa", "postal_slip", "card") or rnd() < 0.2:
            payer_tax = cust.tax_code
        if channel == "bank_transfer" and rnd() < 0.015:
            other = people[int(rnd() * len(people))]
            payer, payer_iban, payer_tax = other.payer_name, other.iban, ""
            stats["third_party_payers"] += 1
        numbers = [a[0] for a in allocs]
        text = _causale(channel, allocs, amount, cust.code, rnd())
        declared = " ".join(numbers) if rnd() >= 0.05 else ""
        amount_cell: Cell = amount
        value_cell: Cell = value
        rejected = False
        if i in bad_date:
            value_cell = f"{value.year}-02-30"
            bad["unparseable_payment_dates"] += 1
            rejected = True
        elif i in bad_amount:
            amount_cell = "12O.5O"
            bad["unparseable_payment_amounts"] += 1
            rejected = True
        rows.append(
            (
                reference,
                amount_cell,
                value_cell,
                booking,
                channel,
                status,
                code,
                payer,
                payer_iban,
                payer_tax,
                text,
                declared,
            )
        )
        if not rejected:
            for number, _, cents in allocs:
                truth_rows.append((reference, number, cents))
        if len(rows) >= _BATCH:
            out.write_rows(rows)
            truth.write_rows(truth_rows)
            written += len(rows)
            allocations += len(truth_rows)
            rows, truth_rows = [], []
    out.write_rows(rows)
    truth.write_rows(truth_rows)
    return written + len(rows), allocations + len(truth_rows)


def _causale(
    channel: str, allocs: tuple[tuple[str, str, int], ...], amount: int, code: str, draw: float
) -> str:
    """Remittance text as payers and banks write it: mostly naming the invoice."""
    if not allocs:
        return _VAGUE[int(draw * len(_VAGUE))]
    number, payref, _ = allocs[0]
    if channel == "pagopa":
        return f"/RFB/{payref}/{amount // 100}.{amount % 100:02d}/TXT/Fattura {number}"
    if channel == "postal_slip":
        return f"BOLLETTINO 896 CODICE {payref}"
    if channel == "sdd":
        return f"Addebito SDD fattura {number} cliente {code}"
    if len(allocs) > 1:
        return "Pagamento fatture " + " ".join(a[0] for a in allocs)
    if draw < 0.6:
        return f"Pagamento fattura {number}"
    if draw < 0.75:
        return f"Saldo fatt. n. {number} cod. cliente {code}"
    if draw < 0.85 and payref.startswith("RF"):
        return payref
    return _VAGUE[int((draw - 0.75) * 40) % len(_VAGUE)]
