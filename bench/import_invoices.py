"""Benchmark: 1M invoices (with their lines) for 100k customers, SQLite and PostgreSQL.

The floor is the same rows, already typed in memory, loaded raw through the driver into the
same schema (SQLite ``executemany``, PostgreSQL ``COPY``). The import reads the CSV as a user
gives it (Italian notation), types, validates, resolves customers, checks existing keys and
writes. Target: within 2x the floor, and under 60 s on PostgreSQL.

    python bench/import_invoices.py [--invoices 1000000] [--customers 100000]
        [--backend sqlite|postgresql|both] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.services.imports import import_file

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LINES = ("energy", "network", "excise", "vat")
LINE_COLUMNS = ("energy", "network", "excise", "vat", "fees", "other")


def it_amount(cents: int) -> str:
    units, rest = divmod(cents, 100)
    return f"{units:,}".replace(",", ".") + f",{rest:02d}"


def make_rows(customers: int, invoices: int, seed: int = 7) -> list[tuple]:
    rng = random.Random(seed)
    start = dt.date(2024, 11, 1)
    rows = []
    for i in range(invoices):
        customer = i % customers
        issue = start + dt.timedelta(days=(i // customers) * 30 + rng.randrange(5))
        due = issue + dt.timedelta(days=20 + rng.randrange(10))
        energy = rng.randrange(2_000, 40_000)
        network = rng.randrange(1_000, 10_000)
        excise = rng.randrange(100, 2_000)
        vat = (energy + network + excise) // 10
        total = energy + network + excise + vat
        rows.append(
            (f"FT{i:09d}", f"C{customer:07d}", issue, due, total, energy, network, excise, vat)
        )
    return rows


def write_files(folder: Path, customers: int, rows: list[tuple]) -> tuple[Path, Path]:
    cust = folder / "clienti.csv"
    with cust.open("w", encoding="utf-8-sig") as out:
        out.write("Codice Cliente;Ragione Sociale;Segmento\n")
        for c in range(customers):
            out.write(f"C{c:07d};Cliente {c};domestico\n")
    inv = folder / "fatture.csv"
    with inv.open("w", encoding="utf-8-sig") as out:
        out.write(
            "Numero Fattura;Codice Cliente;Data Emissione;Data Scadenza;Importo;"
            "Quota Energia;Trasporto;Accise;IVA\n"
        )
        for n, c, issue, due, total, *lines in rows:
            out.write(
                f"{n};{c};{issue:%d/%m/%Y};{due:%d/%m/%Y};{it_amount(total)};"
                + ";".join(it_amount(x) for x in lines)
                + "\n"
            )
    return cust, inv


def fresh_database(backend: str, folder: Path, name: str, pg_url: str) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{folder / (name + '.db')}"
    else:
        admin = build_engine(pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        admin.dispose()
    upgrade(build_engine(url))
    return url


def floor(url: str, customers_file: Path, rows: list[tuple]) -> float:
    """Same invoices with their line amounts, typed in memory, loaded raw through the driver."""
    engine = build_engine(url)
    import_file(engine, "customers", customers_file)
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM customers")).all())
    line_columns = [None] * 6
    positions = {kind: i for i, kind in enumerate(LINE_COLUMNS)}
    invoice_rows = []
    for i, (n, c, issue, due, total, *lines) in enumerate(rows, start=1):
        amounts = list(line_columns)
        for kind, cents in zip(LINES, lines, strict=True):
            amounts[positions[kind]] = cents
        invoice_rows.append(
            (i, n, ids[c], "invoice", issue, due, total, 0, False, "", *amounts, "x" * 32)
        )
    cols = (
        "id, number, customer_id, kind, issue_date, due_date, amount_cents, allocated_cents, "
        "disputed, payment_reference, "
        + ", ".join(f"{k}_cents" for k in LINE_COLUMNS)
        + ", row_hash"
    )
    raw = engine.raw_connection()
    started = time.perf_counter()
    if engine.dialect.name == "sqlite":
        sqlite_rows = [
            (a, b, c, d, e.isoformat(), f.isoformat(), g, h, int(i), *rest)
            for a, b, c, d, e, f, g, h, i, *rest in invoice_rows
        ]
        started = time.perf_counter()
        cur = raw.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.executemany(
            f"INSERT INTO invoices ({cols}) VALUES ({', '.join('?' * 17)})", sqlite_rows
        )
        cur.execute("COMMIT")
    else:
        with (
            raw.driver_connection.cursor() as cur,
            cur.copy(f"COPY invoices ({cols}) FROM STDIN") as copy,
        ):
            for row in invoice_rows:
                copy.write_row(row)
        raw.driver_connection.commit()
    elapsed = time.perf_counter() - started
    raw.close()
    engine.dispose()
    return elapsed


def riscossa_import(url: str, customers_file: Path, invoices_file: Path) -> tuple[float, object]:
    engine = build_engine(url)
    import_file(engine, "customers", customers_file)
    started = time.perf_counter()
    result = import_file(engine, "invoices", invoices_file)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_ADMIN)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="riscossa-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        rows = make_rows(args.customers, args.invoices)
        cust_file, inv_file = write_files(folder, args.customers, rows)
        size = inv_file.stat().st_size / 1e6
        print(
            f"generated {args.invoices:,} invoices ({len(LINES)} lines each) for "
            f"{args.customers:,} customers: {size:.0f} MB CSV in {time.perf_counter() - t0:.1f} s"
        )
        ok = True
        for backend in backends:
            floor_url = fresh_database(backend, folder, "bench_floor", args.pg_url)
            floor_s = floor(floor_url, cust_file, rows)
            url = fresh_database(backend, folder, "bench_import", args.pg_url)
            import_s, result = riscossa_import(url, cust_file, inv_file)
            assert result.imported == args.invoices, result.as_dict()["errors"][:3]
            ratio = import_s / floor_s
            print(
                f"{backend:>10}: import {import_s:6.1f} s ({args.invoices / import_s:,.0f} rows/s)"
                f" | floor {floor_s:6.1f} s ({args.invoices / floor_s:,.0f} rows/s)"
                f" | ratio {ratio:.2f}x (target <= 2x)"
            )
            ok &= ratio <= 2.0
            if backend == "postgresql":
                verdict = "met" if import_s < 60 else "MISSED"
                print(f"{'':>10}  1M-invoice target under 60 s: {verdict}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
