"""SEPA Direct Debit at scale: a 1M-item collection run, then 100k outcomes applied.

Set-up (not timed): customers, SDD contracts, mandates and 1M open invoices imported through
the real import path into a fresh SQLite (or PostgreSQL) database. Timed: `sdd collect`
end to end (selection, in-transit payments and allocations, the pain.008 file), and
`sdd outcomes` on a pain.002 rejecting 100k of those debits. The floor of each is lxml's raw
serialise (collection) or parse (outcomes) of the same document. Targets: the collection
under 60 s, the outcomes under 30 s.

    python bench/sdd.py [--items 1000000] [--rejects 100000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree
from sqlalchemy import text

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.config import CreditorSettings
from riscossa.services.demo.bank import status_report
from riscossa.services.demo.codes import italian_abi_codes, italian_iban
from riscossa.services.imports import import_file
from riscossa.services.sdd_collect import run_collection
from riscossa.services.sdd_files import creditor_from_settings
from riscossa.services.sdd_outcomes import apply_outcomes

TODAY = dt.date(2026, 11, 2)
COLLECTION = dt.date(2026, 11, 10)
PER_CUSTOMER = 5
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CREDITOR = creditor_from_settings(
    CreditorSettings(
        name="Riscossa Bench S.p.A.",
        creditor_id="IT66ZZZA1B2C3D4E5F6G7H8",
        iban="IT60X0542811101000000123456",
        bic="BPMOIT22XXX",
    )
)


def write_files(folder: Path, items: int) -> list[tuple[str, Path]]:
    rng = random.Random(5)
    abis = italian_abi_codes()
    customers = -(-items // PER_CUSTOMER)
    paths = {
        name: folder / f"{name}.csv" for name in ("customers", "contracts", "mandates", "invoices")
    }
    with (
        paths["customers"].open("w") as cust,
        paths["contracts"].open("w") as cont,
        paths["mandates"].open("w") as mand,
    ):
        cust.write("Codice Cliente;Ragione Sociale;Segmento\n")
        cont.write("Codice Contratto;Codice Cliente;Servizio;Modalità Pagamento\n")
        mand.write(
            "Riferimento Mandato;Codice Cliente;Codice Creditore;Data Firma;"
            "Intestatario Conto;IBAN\n"
        )
        for n in range(customers):
            code = f"C{n:07d}"
            iban = italian_iban(rng.choice(abis), f"{rng.randrange(100_000):05d}", f"{n:012d}")
            cust.write(f"{code};Cliente {n};domestico\n")
            cont.write(f"K{n:07d};{code};luce;RID\n")
            mand.write(f"M{n:07d};{code};IT66ZZZA1B2C3D4E5F6G7H8;01/01/2025;Cliente {n};{iban}\n")
    with paths["invoices"].open("w") as inv:
        inv.write(
            "Numero Fattura;Codice Cliente;Codice Contratto;Data Emissione;Data Scadenza;Importo\n"
        )
        for i in range(items):
            n = i // PER_CUSTOMER
            cents = 1_000 + rng.randrange(50_000)
            amount = f"{cents // 100},{cents % 100:02d}"
            inv.write(f"F{i:08d};C{n:07d};K{n:07d};01/10/2026;05/11/2026;{amount}\n")
    return [(k, paths[k]) for k in ("customers", "contracts", "mandates", "invoices")]


def database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_sdd" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "bench_sdd"'))
        url = admin.url.set(database="bench_sdd").render_as_string(hide_password=False)
        admin.dispose()
    upgrade(build_engine(url))
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--rejects", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="riscossa-sdd-"))
    engine = build_engine(database(args.backend, folder))
    started = time.perf_counter()
    for kind, path in write_files(folder, args.items):
        result = import_file(engine, kind, path)
        assert result.rejected == 0, result.errors[:3]
    print(
        f"set-up: {args.items:,} open SDD items imported in {time.perf_counter() - started:.1f} s"
    )

    out = folder / "sdd.xml"
    started = time.perf_counter()
    collection = run_collection(engine, COLLECTION, out, CREDITOR, today=TODAY)
    collect_s = time.perf_counter() - started
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in collection.seconds.items())
    print(f"collection run: {collect_s:.1f} s ({phases})", flush=True)
    tree = etree.parse(str(out))
    started = time.perf_counter()
    etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    serialise_s = time.perf_counter() - started
    file_s = collection.seconds["file"]
    print(
        f"collection: {collection.items:,} debits, {out.stat().st_size / 1e6:.0f} MB | file "
        f"written in {file_s:.1f} s, {file_s / serialise_s:.1f}x lxml's serialise "
        f"({serialise_s:.1f} s), {'under' if file_s < 60 else 'OVER'} 60 s | whole run "
        f"{collect_s:.1f} s ({collection.items / collect_s:,.0f} items/s), "
        f"{collect_s / serialise_s:.1f}x, {'under' if collect_s < 60 else 'OVER'} 60 s"
    )

    ids = [e.text or "" for e in tree.iter("{*}EndToEndId")]
    amounts = [e.text or "0" for e in tree.iter("{*}InstdAmt")]
    rng = random.Random(9)
    chosen = sorted(rng.sample(range(len(ids)), min(args.rejects, len(ids))))
    rejects = [
        (ids[i], int(amounts[i].replace(".", "")), rng.choice(("AM04", "AC04", "MS02", "MD01")))
        for i in chosen
    ]
    answer = folder / "esiti.xml"
    answer.write_bytes(
        status_report(collection.message_id, rejects, dt.datetime(2026, 11, 11, 8), "ESITI-BENCH")
    )
    started = time.perf_counter()
    etree.parse(str(answer))
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    applied = apply_outcomes(engine, answer, today=dt.date(2026, 11, 11))
    outcomes_s = time.perf_counter() - started
    print(
        f"outcomes: {applied.applied:,} R-transactions applied in {outcomes_s:.1f} s "
        f"({applied.applied / outcomes_s:,.0f}/s) | lxml parse {parse_s:.2f} s | ratio "
        f"{outcomes_s / parse_s:.0f}x | {'under' if outcomes_s < 30 else 'OVER'} 30 s "
        f"(reading {applied.seconds['reading']:.1f} s, "
        f"applying {applied.seconds['applying']:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
