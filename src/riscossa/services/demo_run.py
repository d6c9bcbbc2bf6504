"""The demo's daily cycle: generate a portfolio, import it, monitor IBANs, collect direct
debits, reconcile the day's payments, decide the collection actions, report.

The demo goes through the same import path as real files, so whatever the demo shows is
what the product does with a customer's data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.banking.target2 import add_business_days, earliest_collection_date
from riscossa.config import CreditorSettings
from riscossa.domain.ledger import AgingReport
from riscossa.services.collections_run import CollectionsRunResult, run_collections
from riscossa.services.demo.bank import pick_rejects, status_report
from riscossa.services.demo_flows import FlowDay, run_flow_day
from riscossa.services.demo_portfolio import DEMO_CREDITOR_ID, PortfolioFiles, generate_portfolio
from riscossa.services.iban_monitor import MonitorResult, run_monitor
from riscossa.services.imports import ImportResult, import_file
from riscossa.services.ledger import aging_report
from riscossa.services.sdd_collect import CollectionResult, run_collection
from riscossa.services.sdd_files import creditor_from_settings
from riscossa.services.sdd_outcomes import OutcomeResult, apply_outcomes

IMPORT_ORDER = ("customers", "contracts", "invoices", "payments", "mandates")
DEMO_CREDITOR = CreditorSettings(
    name="Riscossa Demo Energia S.p.A.",
    creditor_id=DEMO_CREDITOR_ID,
    iban="IT60X0542811101000000123456",
    bic="BPMOIT22XXX",
)

Step = Callable[[str], None]


@dataclass
class DemoOutcome:
    files: PortfolioFiles
    imports: dict[str, ImportResult] = field(default_factory=dict)
    aging: AgingReport | None = None
    iban_monitor: MonitorResult | None = None
    collection: CollectionResult | None = None
    outcomes: OutcomeResult | None = None
    flows: FlowDay | None = None
    collections: CollectionsRunResult | None = None


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
    announce("collecting the direct debits due")
    _direct_debit_cycle(engine, out_dir, as_of, seed, outcome)
    announce("importing the day's bank, Poste and pagoPA flows and reconciling them")
    outcome.flows = run_flow_day(
        engine,
        out_dir,
        as_of,
        seed=seed,
        creditor_iban=DEMO_CREDITOR.iban,
        payments=max(50, min(customers // 5, 20_000)),
    )
    # After the day's money, so that whoever has just paid is not dunned.
    announce("deciding the day's collection actions")
    outcome.collections = run_collections(engine, as_of)
    announce("computing the aging report")
    with engine.connect() as conn:
        outcome.aging = aging_report(conn, as_of)
    return outcome


def _direct_debit_cycle(
    engine: Engine, out_dir: Path, as_of: dt.date, seed: int, outcome: DemoOutcome
) -> None:
    """Collect what is due on the first date the bank still takes; let the bank answer."""
    day = earliest_collection_date(as_of)
    collection = run_collection(
        engine,
        day,
        out_dir / f"sdd-{day.isoformat()}.xml",
        creditor_from_settings(DEMO_CREDITOR),
        today=as_of,
    )
    outcome.collection = collection
    if not collection.items or collection.collection_id is None:
        return
    with engine.connect() as conn:
        items = conn.execute(
            select(t.sdd_collection_items.c.end_to_end_id, t.sdd_collection_items.c.amount_cents)
            .where(t.sdd_collection_items.c.collection_id == collection.collection_id)
            .order_by(t.sdd_collection_items.c.id)
        ).all()
    rejects = pick_rejects([(e2e, int(cents)) for e2e, cents in items], random.Random(seed))
    answer_day = add_business_days(day, 1)
    path = out_dir / f"esiti-{answer_day.isoformat()}.xml"
    path.write_bytes(
        status_report(
            collection.message_id,
            rejects,
            dt.datetime.combine(answer_day, dt.time(8, 0)),
            f"ESITI-{collection.message_id}",
        )
    )
    outcome.outcomes = apply_outcomes(engine, path, today=answer_day)
