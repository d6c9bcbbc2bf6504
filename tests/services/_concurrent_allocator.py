"""A separate OS process that hammers ``allocate`` for the concurrency tests.

Run as ``python _concurrent_allocator.py URL PAYMENT_ID INVOICE_ID AMOUNT_CENTS ATTEMPTS``.
The process opens its own engine and connection, prints ``ready`` and blocks on stdin until
the parent writes a line (a barrier: both workers start together), then tries ATTEMPTS
allocations, each in its own transaction, and prints one JSON line:
``{"succeeded": n, "refused": m, "started": t0, "finished": t1}`` (``time.monotonic()``, one
clock for every process on the machine, so the parent can check the runs overlapped).
Any error other than a refusal ends the process non-zero.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

from riscossa.adapters.db.engine import build_engine
from riscossa.domain.errors import AllocationError
from riscossa.services.allocations import allocate


def main(argv: list[str]) -> int:
    url, payment_id, invoice_id, amount, attempts = argv[0], *map(int, argv[1:5])
    engine = build_engine(url)
    with engine.connect() as conn:  # warm up the pool before the start line
        conn.exec_driver_sql("SELECT 1")
    print("ready", flush=True)
    if not sys.stdin.readline():
        return 2  # the parent went away
    started = time.monotonic()
    succeeded = refused = 0
    for _ in range(attempts):
        try:
            with engine.begin() as conn:
                allocate(
                    conn,
                    payment_id,
                    invoice_id,
                    amount,
                    rule="concurrency-test",
                    now=dt.datetime.now(dt.UTC),
                )
        except AllocationError:
            refused += 1
        else:
            succeeded += 1
    finished = time.monotonic()
    engine.dispose()
    result = {"succeeded": succeeded, "refused": refused, "started": started, "finished": finished}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
