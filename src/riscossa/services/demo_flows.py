"""The demo's payment day: flows written from the open items, imported, reconciled, scored.

The generator writes what banks, Poste and pagoPA would send for the day (with typos,
missing references, partial and grouped payments, relatives paying, reversals, strangers)
and the ground truth; the demo imports the files through the real path, runs the matching
engine and measures its automatic allocations against the truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.services.demo.flows import DayFlows, DemoItem, generate_day_flows
from riscossa.services.flows import FlowImportResult, import_flow
from riscossa.services.reconcile import ReconcileResult, reconcile

POSTED_BY_HAND = ("manual", "sdd_collection")


@dataclass
class FlowDay:
    flows: DayFlows
    backlog: ReconcileResult | None = None
    imports: list[FlowImportResult] = field(default_factory=list)
    reconcile: ReconcileResult | None = None
    precision: float | None = None
    recall: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.flows.day.isoformat(),
            "files": [r.as_json() for r in self.imports],
            "generated": dict(self.flows.counts),
            "backlog": self.backlog.as_json() if self.backlog else None,
            "reconcile": self.reconcile.as_json() if self.reconcile else None,
            "precision": self.precision,
            "recall": self.recall,
        }


def demo_items(engine: Engine) -> list[DemoItem]:
    """The open items a payer could pay today, with what the payer knows of them."""
    i, c = t.invoices, t.customers
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                c.c.code,
                c.c.name,
                c.c.iban,
                c.c.tax_code,
                i.c.number,
                i.c.payment_reference,
                i.c.due_date,
                i.c.issue_date,
                (i.c.amount_cents - i.c.allocated_cents).label("open"),
            )
            .join(c, c.c.id == i.c.customer_id)
            .where(
                i.c.kind == "invoice",
                i.c.disputed.is_(False),
                i.c.allocated_cents < i.c.amount_cents,
            )
            .order_by(i.c.id)
        ).all()
    return [DemoItem(*row) for row in rows]


def run_flow_day(
    engine: Engine,
    out_dir: Path,
    day: dt.date,
    *,
    seed: int,
    creditor_iban: str,
    payments: int,
) -> FlowDay:
    # Yesterday's money first: payments already on file but not yet allocated (the legacy
    # backlog) are matched before the day's flows, which are then written against what is
    # really still open.
    outcome_backlog = reconcile(engine, as_of=day)
    items = demo_items(engine)
    flows = generate_day_flows(
        items, random.Random(seed), day, creditor_iban, out_dir / "flussi", payments
    )
    outcome = FlowDay(flows, backlog=outcome_backlog)
    for path in flows.files:
        outcome.imports.append(import_flow(engine, path))
    outcome.reconcile = reconcile(engine, as_of=day)
    outcome.precision, outcome.recall = score(engine, flows.truth)
    return outcome


def score(engine: Engine, truth: Path) -> tuple[float | None, float | None]:
    """Precision and recall of the automatic allocations against the generator's truth.

    A line is right when the same payment pays the same invoice the same amount. Precision
    counts every automatic line of the truth's payments; recall every truth line that names
    an invoice.
    """
    with truth.open(encoding="utf-8") as handle:
        truth_rows = list(csv.DictReader(handle))
    expected = {
        (r["bank_reference"], r["invoice_number"], int(r["amount_cents"]))
        for r in truth_rows
        if r["invoice_number"]
    }
    references = {r["bank_reference"] for r in truth_rows}
    a, p, i = t.allocations, t.payments, t.invoices
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.c.bank_reference, i.c.number, a.c.amount_cents)
            .join(p, p.c.id == a.c.payment_id)
            .join(i, i.c.id == a.c.invoice_id)
            .where(a.c.rule.not_in(POSTED_BY_HAND))
        ).all()
    posted = {(r[0], r[1], int(r[2])) for r in rows if r[0] in references}
    right = len(posted & expected)
    precision = right / len(posted) if posted else None
    recall = right / len(expected) if expected else None
    return precision, recall
