"""Reconciliation at scale: 100k payments against 1M open items of 200k customers.

Set-up (not timed): customers with IBAN, tax code and name, and 1M open invoices (a third
with a pagoPA notice number, a third with an RF reference) imported through the real import
path into a fresh SQLite (or PostgreSQL) database; one camt.053 statement of 100k credits
written to disk. The payments are a realistic mix: the creditor's reference, an invoice
number in the text, only the payer's IBAN, only the tax code, only a (sometimes misspelt)
name, several bills in one transfer, partial payments, unknown payers.

Timed: `flows import` of the statement and `reconcile`, from the file to the allocations.
Targets: under 60 s in all; the matching phase at 50,000 payments/s or more. The anchor:
Odoo's reconciliation after its 2023 fix needed 34 s for 1,000 payments (29 payments/s).

    python bench/reconcile.py [--payments 100000] [--items 1000000] [--customers 200000]
                              [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.services.demo.codes import italian_iban, pagopa_notice, rf_reference
from riscossa.services.demo.flow_writers import Movement, camt053
from riscossa.services.flows import import_flow
from riscossa.services.imports import import_file
from riscossa.services.reconcile import reconcile

AS_OF = dt.date(2026, 11, 20)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ODOO_PAYMENTS_PER_SECOND = 1000 / 34
NAMES = ("Mario", "Giulia", "Luca", "Anna", "Paolo", "Sara", "Marco", "Elena", "Andrea", "Chiara")
SURNAMES = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "DeLuca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
]
CREDITOR_IBAN = "IT60X0542811101000000123456"


def tax_code(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    head = "".join(letters[(n // 26**k) % 26] for k in range(6))
    return f"{head}{n % 100:02d}A{n % 28 + 1:02d}H501{letters[n % 26]}"


def write_inputs(
    folder: Path, customers: int, items: int, payments: int
) -> tuple[Path, Path, Path]:
    rng = random.Random(7)
    cust_rows = []
    for c in range(customers):
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {c}"
        iban = italian_iban("05034", f"{11000 + c % 900:05d}", f"{c:012d}")
        cust_rows.append((f"C{c:07d}", name, iban, tax_code(c)))
    per_customer = items // customers
    inv_rows = []
    for c in range(customers):
        for k in range(per_customer):
            n = c * per_customer + k
            issue = AS_OF - dt.timedelta(days=30 + 30 * k + c % 20)
            due = issue + dt.timedelta(days=20)
            cents = 2000 + rng.randrange(30000)
            kind = n % 3
            ref = (
                pagopa_notice(1, n)
                if kind == 0
                else (rf_reference(f"{n:010d}") if kind == 1 else "")
            )
            inv_rows.append((f"2026/{n:07d}", c, issue, due, cents, ref))
    customers_csv = folder / "clienti.csv"
    with customers_csv.open("w", encoding="utf-8") as out:
        out.write("Codice Cliente;Ragione Sociale;IBAN;Codice Fiscale\n")
        out.writelines(f"{a};{b};{i};{t}\n" for a, b, i, t in cust_rows)
    invoices_csv = folder / "fatture.csv"
    with invoices_csv.open("w", encoding="utf-8") as out:
        out.write(
            "Numero Fattura;Codice Cliente;Data Emissione;Data Scadenza;Importo;Codice Avviso\n"
        )
        for number, c, issue, due, cents, ref in inv_rows:
            out.write(
                f"{number};C{c:07d};{issue:%d/%m/%Y};{due:%d/%m/%Y};"
                f"{cents // 100},{cents % 100:02d};{ref}\n"
            )
    statement = folder / "estratto.xml"
    used: set[int] = set()
    entries = []
    for p in range(payments):
        n = rng.randrange(len(inv_rows))
        while n in used:
            n = rng.randrange(len(inv_rows))
        used.add(n)
        number, c, _issue, _due, cents, ref = inv_rows[n]
        _code, name, iban, cf = cust_rows[c]
        draw = rng.random()
        payer_iban, payer = "", name
        if draw < 0.45 and ref:
            remittance = f"PAGAMENTO {ref}"
        elif draw < 0.65:
            remittance = f"saldo fattura {number}"
        elif draw < 0.80:
            remittance, payer_iban = "bolletta", iban
        elif draw < 0.88:
            remittance = f"CF {cf}"
        elif draw < 0.95:
            remittance, payer_iban = "acconto", iban
            cents = max(100, cents // 2)
        else:
            remittance, payer = "bonifico", f"Pagatore Ignoto {p}"
        entries.append((cents, f"BNK{p:08d}", payer, payer_iban, remittance))
    day = dt.date(2026, 11, 19)
    statement.write_bytes(
        camt053(
            account_iban=CREDITOR_IBAN,
            message_id="BENCH",
            statement_id="BENCH-1",
            created=dt.datetime(2026, 11, 19, 20, 0, tzinfo=dt.UTC),
            day=day,
            opening_cents=0,
            movements=[
                Movement(cents, day, day, ref, payer_name=payer, payer_iban=iban, remittance=text)
                for cents, ref, payer, iban, text in entries
            ],
        )
    )
    return customers_csv, invoices_csv, statement


def database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_reconcile" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "bench_reconcile"'))
        url = admin.url.set(database="bench_reconcile").render_as_string(hide_password=False)
        admin.dispose()
    upgrade(build_engine(url))
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        customers_csv, invoices_csv, statement = write_inputs(
            folder, args.customers, args.items, args.payments
        )
        engine = build_engine(database(args.backend, folder))
        import_file(engine, "customers", customers_csv)
        import_file(engine, "invoices", invoices_csv)
        print(
            f"set-up ({args.backend}): {args.customers:,} customers, {args.items:,} open items, "
            f"a statement of {args.payments:,} credits in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        started = time.perf_counter()
        imported = import_flow(engine, statement)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        result = reconcile(engine, as_of=AS_OF)
        reconcile_s = time.perf_counter() - started
        total = import_s + reconcile_s
        matching = result.seconds["matching"]
        rate = result.payments / matching if matching else float("inf")
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        print(f"flows import: {imported.payments:,} payments in {import_s:.1f} s")
        print(f"reconcile: {reconcile_s:.1f} s ({phases})")
        print(
            f"matched automatically {result.matched:,} of {result.payments:,} "
            f"({result.matched / result.payments:.1%}); {result.suggested:,} for review, "
            f"{result.unapplied:,} unapplied"
        )
        print(
            f"files to allocations: {total:.1f} s, {'under' if total < 60 else 'OVER'} 60 s | "
            f"matching phase {rate:,.0f} payments/s, "
            f"{'at least' if rate >= 50_000 else 'UNDER'} 50,000/s, "
            f"{rate / ODOO_PAYMENTS_PER_SECOND:,.0f}x Odoo's 29 payments/s"
        )


if __name__ == "__main__":
    main()
