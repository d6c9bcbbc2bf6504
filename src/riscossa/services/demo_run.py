"""The demo's daily cycle: generate a portfolio, import it, monitor IBANs, report.

The demo goes through the same import path as real files, so whatever the demo shows is
what the product does with a customer's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine

from riscossa.domain.ledger import AgingReport
from riscossa.services.demo_portfolio import PortfolioFiles, generate_portfolio
from riscossa.services.iban_monitor import MonitorResult, run_monitor
from riscossa.services.imports import ImportResult, import_file
from riscossa.services.ledger import aging_report

IMPORT_ORDER = ("customers", "contracts", "invoices", "payments")

Step = Callable[[str], None]


@dataclass
class DemoOutcome:
    files: PortfolioFiles
    imports: dict[str, ImportResult] = field(default_factory=dict)
    aging: AgingReport | None = None
    iban_monitor: MonitorResult | None = None


def run_demo(
    engine: Engine,
    out_dir: Path,
    *,
    customers: int,
    seed: int,
    as_of: dt.date,
    file_format: Literal["csv", "xlsx"] = "csv",
    step: Step | None = None,
) -> DemoOutcome:
    announce = step or (lambda _label: None)
    announce("generating the portfolio files")
    files = generate_portfolio(
        out_dir, customers=customers, seed=seed, as_of=as_of, file_format=file_format
    )
    outcome = DemoOutcome(files=files)
    for entity in IMPORT_ORDER:
        path: Path = getattr(files, entity)
        announce(f"importing {path.name}")
        outcome.imports[entity] = import_file(engine, entity, path)
    announce("running the IBAN monitor")
    outcome.iban_monitor = run_monitor(
        engine, as_of, output=out_dir / f"iban-monitor-{as_of.isoformat()}.xlsx"
    )
    announce("computing the aging report")
    with engine.connect() as conn:
        outcome.aging = aging_report(conn, as_of)
    return outcome
