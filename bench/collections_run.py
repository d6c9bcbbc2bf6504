"""The daily collections run at scale: 1M customers, 3M open items.

Set-up (not timed): customers (residential, business, public administration; some with
phone, email, PEC; a few vulnerable, on bonus sociale or not disconnectable), their
contracts (electricity, gas, water, telco; SDD, transfer, postal slip, pagoPA) and open
invoices, written as CSV and imported through the real import path. About a third of the
customers are in arrears, from a few days to years (some items time-barred); a few items are
disputed, some SDD customers have recent returns, some payments are in transit. Pending
promises and pauses are written in bulk (the web records them one by one). A run a week
earlier (``--history-days``) leaves the actions the timed run continues from.

Timed: ``run_collections(engine, as_of)``, stored, end to end; and the floor, the plain scan
of the same open items fetched completely through the raw driver cursor. Targets: under
60 s, and within 3x the floor.

(Not ``bench/collections.py``: a script of that name would shadow the standard library's
``collections`` for every script in this folder.)

    python bench/collections_run.py [--customers 1000000] [--items 3000000]
                                    [--backend sqlite|postgresql] [--history-days 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, text

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import insert_frame
from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.services.collections_run import run_collections
from riscossa.services.imports import import_file

AS_OF = dt.date(2026, 11, 24)  # a Tuesday: supply actions are allowed
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_SECONDS = 60
TARGET_RATIO = 3
FLOOR_SQL = (
    "SELECT customer_id, due_date, amount_cents - allocated_cents FROM invoices "
    "WHERE allocated_cents < amount_cents AND kind='invoice'"
)
UTILITIES = (("luce", 45), ("gas", 30), ("acqua", 15), ("telefonia", 10))
METHODS = (("rid", 40), ("bonifico", 20), ("bollettino", 30), ("pagopa", 10))
SEGMENTS = (("domestico", 85), ("non domestico", 13), ("pubblica amministrazione", 2))
SDD_REASONS = ("AM04", "MD06", "AC04", "MS02", "MD01")


def weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def it_amount(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def days_past_due(rng: random.Random) -> int:
    """How old a customer's oldest overdue item is: mostly recent, a long tail of old debt."""
    draw = rng.random()
    if draw < 0.50:
        return rng.randint(1, 30)
    if draw < 0.75:
        return rng.randint(31, 90)
    if draw < 0.90:
        return rng.randint(91, 365)
    if draw < 0.97:
        return rng.randint(366, 1095)
    return rng.randint(1096, 2500)


def write_inputs(folder: Path, customers: int, items: int) -> dict[str, Path]:
    """The import files; about a third of the customers in arrears."""
    rng = random.Random(11)
    files = {
        name: folder / f"{name}.csv"
        for name in ("customers", "contracts", "invoices", "sdd_returns", "payments")
    }
    contracts: list[list[str]] = [[] for _ in range(customers)]
    sdd_customers: set[int] = set()
    with (
        files["customers"].open("w", encoding="utf-8") as cust,
        files["contracts"].open("w", encoding="utf-8") as cont,
    ):
        cust.write(
            "Codice Cliente;Ragione Sociale;Segmento;Telefono;Email;PEC;Bonus Sociale;"
            "Vulnerabile;Non Disalimentabile\n"
        )
        cont.write("Codice Contratto;Codice Cliente;Servizio;Modalita Pagamento\n")
        n = 0
        for c in range(customers):
            segment = weighted(rng, SEGMENTS)
            business = segment != "domestico"
            phone = f"+39 3{c % 100:02d} {c:07d}" if rng.random() < 0.8 else ""
            email = f"cliente{c}@example.it" if rng.random() < 0.6 else ""
            pec = f"c{c}@pec.example.it" if business and rng.random() < 0.7 else ""
            bonus = "si" if not business and rng.random() < 0.05 else "no"
            vulnerable = "si" if not business and rng.random() < 0.03 else "no"
            protected = "si" if rng.random() < 0.01 else "no"
            cust.write(
                f"C{c:07d};Cliente {c};{segment};{phone};{email};{pec};{bonus};{vulnerable};"
                f"{protected}\n"
            )
            for _ in range(2 if rng.random() < 0.2 else 1):
                code = f"K{n:08d}"
                n += 1
                method = weighted(rng, METHODS)
                if method == "rid":
                    sdd_customers.add(c)
                cont.write(f"{code};C{c:07d};{weighted(rng, UTILITIES)};{method}\n")
                contracts[c].append(code)
    arrears: list[int] = []
    with files["invoices"].open("w", encoding="utf-8") as inv:
        inv.write(
            "Numero Fattura;Codice Cliente;Codice Contratto;Data Emissione;Data Scadenza;"
            "Importo;Contestata\n"
        )
        n = 0
        base, extra = divmod(items, customers)
        for c in range(customers):
            count = base + (1 if c < extra else 0)
            late = rng.random() < 0.35
            oldest = days_past_due(rng) if late else 0
            if late:
                arrears.append(c)
            for k in range(count):
                if late:
                    due = AS_OF - dt.timedelta(days=oldest - 30 * k)
                else:
                    due = AS_OF + dt.timedelta(days=rng.randint(0, 60))
                cents = rng.randint(300, 999) if rng.random() < 0.05 else rng.randint(2000, 30000)
                disputed = "si" if late and rng.random() < 0.01 else "no"
                contract = contracts[c][k % len(contracts[c])]
                inv.write(
                    f"FT{n:09d};C{c:07d};{contract};{due - dt.timedelta(days=20):%d/%m/%Y};"
                    f"{due:%d/%m/%Y};{it_amount(cents)};{disputed}\n"
                )
                n += 1
    with files["sdd_returns"].open("w", encoding="utf-8") as ret:
        ret.write("Riferimento;Codice Cliente;Causale;Data Addebito;Importo\n")
        for n, c in enumerate(x for x in arrears if x in sdd_customers and rng.random() < 0.3):
            day = AS_OF - dt.timedelta(days=rng.randint(5, 300))
            cents = rng.randint(2000, 30000)
            ret.write(
                f"RET{n:09d};C{c:07d};{rng.choice(SDD_REASONS)};{day:%d/%m/%Y};{it_amount(cents)}\n"
            )
    with files["payments"].open("w", encoding="utf-8") as pay:
        pay.write("Riferimento Banca;Data Valuta;Importo;Stato;Codice Cliente\n")
        for n, c in enumerate(x for x in arrears if rng.random() < 0.02):
            day = AS_OF - dt.timedelta(days=1)
            pay.write(f"TRN{n:09d};{day:%d/%m/%Y};{it_amount(rng.randint(1000, 40000))};")
            pay.write(f"in transito;C{c:07d}\n")
    return files


def promises_and_pauses(engine: Engine, seed: int = 13) -> tuple[int, int]:
    """Pending promises (3%) and pauses (1%) for customers in arrears, written in bulk."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        ids = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT DISTINCT customer_id FROM invoices "
                    "WHERE due_date < :day AND allocated_cents < amount_cents"
                ),
                {"day": AS_OF},
            )
        ]
        promised = [i for i in ids if rng.random() < 0.03]
        paused = [i for i in ids if rng.random() < 0.01]
        insert_frame(
            conn,
            t.promises,
            pl.DataFrame(
                {
                    "customer_id": promised,
                    "amount_cents": [rng.randint(2000, 30000) for _ in promised],
                    "promised_date": [
                        AS_OF + dt.timedelta(days=rng.randint(-5, 10)) for _ in promised
                    ],
                    "tolerance_days": [rng.choice((0, 3, 5)) for _ in promised],
                    "created_on": [AS_OF - dt.timedelta(days=6)] * len(promised),
                    "created_by": ["bench"] * len(promised),
                },
                schema={
                    "customer_id": pl.Int64,
                    "amount_cents": pl.Int64,
                    "promised_date": pl.Date,
                    "tolerance_days": pl.Int64,
                    "created_on": pl.Date,
                    "created_by": pl.Utf8,
                },
            ),
        )
        now = dt.datetime.combine(AS_OF, dt.time(8), tzinfo=dt.UTC)
        insert_frame(
            conn,
            t.collection_pauses,
            pl.DataFrame(
                {
                    "customer_id": paused,
                    "from_date": [AS_OF - dt.timedelta(days=10)] * len(paused),
                    "to_date": [AS_OF + dt.timedelta(days=20)] * len(paused),
                    "reason": ["rateizzazione in valutazione"] * len(paused),
                    "created_by": ["bench"] * len(paused),
                    "created_at": [now] * len(paused),
                },
                schema={
                    "customer_id": pl.Int64,
                    "from_date": pl.Date,
                    "to_date": pl.Date,
                    "reason": pl.Utf8,
                    "created_by": pl.Utf8,
                    "created_at": pl.Datetime("us", "UTC"),
                },
            ),
        )
    return len(promised), len(paused)


def database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        admin = build_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_collections" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "bench_collections"'))
        url = admin.url.set(database="bench_collections").render_as_string(hide_password=False)
        admin.dispose()
    upgrade(build_engine(url))
    return url


def floor(engine: Engine) -> tuple[float, int]:
    """The open items read once through the driver: no join, no typing, no decision."""
    raw = engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = raw.cursor()
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
        cursor.close()
        return time.perf_counter() - started, len(rows)
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=3_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--history-days",
        type=int,
        default=7,
        help="store a run this many days before the timed one (0: no earlier actions)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = write_inputs(folder, args.customers, args.items)
        written = time.perf_counter() - started
        engine = build_engine(database(args.backend, folder))
        laps = []
        for entity in ("customers", "contracts", "invoices", "sdd_returns", "payments"):
            lap = time.perf_counter()
            result = import_file(engine, entity, files[entity])
            if result.rejected:
                raise SystemExit(f"{entity}: {result.rejected} rows rejected: {result.errors[:3]}")
            laps.append(f"{entity} {result.imported:,} in {time.perf_counter() - lap:.1f} s")
        promised, paused = promises_and_pauses(engine)
        history = ""
        if args.history_days:
            lap = time.perf_counter()
            earlier = run_collections(engine, AS_OF - dt.timedelta(days=args.history_days))
            history = (
                f"; earlier run {earlier.days[0].as_of}: {earlier.days[0].actions.height:,} "
                f"actions in {time.perf_counter() - lap:.1f} s"
            )
        print(
            f"set-up ({args.backend}): {time.perf_counter() - started:.1f} s (files "
            f"{written:.1f} s; {'; '.join(laps)}; {promised:,} promises, {paused:,} pauses"
            f"{history})",
            flush=True,
        )

        started = time.perf_counter()
        run = run_collections(engine, AS_OF)
        run_s = time.perf_counter() - started
        floor_s, open_items = floor(engine)

        plan = run.days[0]
        with engine.connect() as conn:
            customers = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
        reasons = (
            plan.suppressed.group_by("reason")
            .len()
            .sort(["len", "reason"], descending=[True, False])
            .head(5)
        )
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in run.seconds.items())
        ratio = run_s / floor_s if floor_s else float("inf")
        print(f"customers {customers:,}; open items {open_items:,}; in arrears {plan.positions:,}")
        print(
            f"actions {plan.actions.height:,}; suppressed {plan.suppressed.height:,}; "
            f"postponed {plan.postponed.height:,}; lots {len(plan.lots):,}"
        )
        print(
            "suppressed by reason (top 5): "
            + ", ".join(f"{r} {n:,}" for r, n in reasons.iter_rows())
        )
        print(f"run {AS_OF}: {run_s:.1f} s ({phases})")
        print(f"floor (driver scan of the open items): {floor_s:.2f} s")
        print(
            f"run/floor {ratio:.1f}x | {'under' if run_s < TARGET_SECONDS else 'OVER'} "
            f"{TARGET_SECONDS} s, {'within' if ratio <= TARGET_RATIO else 'NOT within'} "
            f"{TARGET_RATIO}x the floor"
        )


if __name__ == "__main__":
    main()
