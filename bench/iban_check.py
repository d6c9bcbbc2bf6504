"""`iban check` end to end on a 1M-row XLSX, against the I/O floor.

The floor reads the same input with the same reader (fastexcel) and writes a table of the
output's shape (same rows, same columns, the input's text copied into the added columns)
with the same writer: the I/O no implementation of the command can avoid. Also printed: the
bare round trip (read the input, write it back unchanged). Target: within 2x the floor and
under 60 s.

    python bench/iban_check.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from riscossa.adapters.registry_batch import RegistrySnapshot
from riscossa.adapters.tabular_reader import read_report_input
from riscossa.adapters.xlsx_report import DataSheet, write_report
from riscossa.banking.bank_registry import Bank, BankEvent, EventKind
from riscossa.services.demo.codes import italian_abi_codes, italian_iban
from riscossa.services.iban_check import check_file
from riscossa.services.iban_verdicts import HEADERS

AS_OF = dt.date(2026, 11, 1)
RETIRED = ("05034", "05584", "03104")  # made retired in this bench's registry
SUCCESSOR = "05696"


def make_ibans(n: int, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    abis = [a for a in italian_abi_codes() if a not in RETIRED and a != SUCCESSOR]
    out = []
    for i in range(n):
        r = rnd.random()
        abi = rnd.choice(RETIRED) if r < 0.03 else rnd.choice(abis)
        iban = italian_iban(abi, f"{rnd.randrange(100_000):05d}", f"{rnd.randrange(10**12):012d}")
        if r > 0.97:
            iban = ""  # blanks
        elif r > 0.90:  # a typing error
            pos = rnd.randrange(5, 27)
            iban = iban[:pos] + str((int(iban[pos]) + 1) % 10) + iban[pos + 1 :]
        elif r > 0.85:
            iban = " ".join(iban[j : j + 4] for j in range(0, 27, 4)).lower()
        out.append(iban)
        if i % 250_000 == 0 and i:
            print(f"  generated {i:,} IBANs", flush=True)
    return out


def snapshot() -> RegistrySnapshot:
    banks = [
        Bank(a, f"Banca {a}", valid_from=dt.date(1990, 1, 1))
        for a in italian_abi_codes()
        if a not in RETIRED
    ]
    banks += [
        Bank(
            a, f"Banca cessata {a}", valid_from=dt.date(1990, 1, 1), valid_to=dt.date(2021, 12, 31)
        )
        for a in RETIRED
    ]
    events = [BankEvent(EventKind.ABSORPTION, a, SUCCESSOR, dt.date(2022, 1, 1)) for a in RETIRED]
    return RegistrySnapshot.from_records(banks, events, source="bench")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="riscossa-bench-"))
    ibans = make_ibans(args.rows)
    frame = pl.DataFrame(
        {
            "Codice cliente": [f"C{i:08d}" for i in range(args.rows)],
            "Intestatario": [f"Cliente numero {i}" for i in range(args.rows)],
            "IBAN": ibans,
            "Importo": [float(i % 100_000) / 100 for i in range(args.rows)],
        }
    )
    source = folder / "clienti.xlsx"
    write_report(source, DataSheet("Clienti", frame))
    print(f"input: {args.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB xlsx", flush=True)
    registry = snapshot()

    started = time.perf_counter()
    read = read_report_input(source)
    write_report(folder / "roundtrip.xlsx", DataSheet("Clienti", read))
    roundtrip = time.perf_counter() - started

    started = time.perf_counter()
    read = read_report_input(source)
    shaped = read.with_columns(
        pl.col("IBAN").cast(pl.Utf8).alias(header) for header in HEADERS["it"].values()
    )
    write_report(folder / "floor.xlsx", DataSheet("Verifica IBAN", shaped))
    floor = time.perf_counter() - started

    started = time.perf_counter()
    summary = check_file(source, folder / "esito.xlsx", registry, AS_OF)
    elapsed = time.perf_counter() - started

    print(f"verdicts: {summary.verdicts}; codes: {summary.codes}; proposals {summary.proposals:,}")
    print(f"round trip (read input, write it back)        {roundtrip:6.1f} s")
    print(f"I/O floor (read input, write output's shape)  {floor:6.1f} s")
    print(
        f"iban check                                    {elapsed:6.1f} s "
        f"({args.rows / elapsed:,.0f} rows/s) | ratio {elapsed / floor:.2f}x the floor "
        f"(target <= 2x), {elapsed / roundtrip:.2f}x the round trip | "
        f"{'under' if elapsed < 60 else 'OVER'} 60 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
