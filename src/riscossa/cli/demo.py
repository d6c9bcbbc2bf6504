"""``riscossa demo``: a realistic portfolio, imported through the real path, summarised."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from riscossa.cli.app import (
    DbOption,
    JsonOption,
    app,
    console,
    err_console,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.cli.ledger import _print_aging, aging_payload
from riscossa.services.collections_run import DayPlan
from riscossa.services.demo_run import DemoOutcome, run_demo
from riscossa.services.iban_verdicts import VERDICT_LABELS


@app.command("demo")
def demo_command(
    customers: Annotated[
        int, typer.Option("--customers", min=1, help="Customers to generate.")
    ] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same portfolio.")] = 42,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Business date (default: today)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the generated files.")] = Path(
        "demo-data"
    ),
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Write XLSX instead of CSV.")] = False,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Generate a demo portfolio, import it into the database and print its aging."""
    riscossa = open_app(db)
    day = as_of.date() if as_of else riscossa.today()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=json_output,
    )
    with progress, handled_errors():
        task = progress.add_task("starting", total=None)
        outcome = run_demo(
            riscossa.engine,
            out,
            customers=customers,
            seed=seed,
            as_of=day,
            file_format="xlsx" if xlsx else "csv",
            step=lambda label: progress.update(task, description=label),
        )
    riscossa.engine.dispose()
    if json_output:
        print_json(_payload(outcome, riscossa.settings.database_url))
        return
    _print(outcome, riscossa.settings.database_url)


def _payload(outcome: DemoOutcome, url: str) -> dict[str, Any]:
    assert outcome.aging is not None
    return {
        "database": url,
        "files": {
            k: str(getattr(outcome.files, k))
            for k in ("customers", "contracts", "invoices", "payments", "mandates", "ground_truth")
        },
        "bad_data": outcome.files.bad_data,
        "imports": {
            k: {
                "imported": r.imported,
                "updated": r.updated,
                "unchanged": r.unchanged,
                "rejected": r.rejected,
                "warnings": len(r.warnings),
                "allocated": r.allocated,
            }
            for k, r in outcome.imports.items()
        },
        "aging": aging_payload(outcome.aging),
        "iban_monitor": outcome.iban_monitor.as_json() if outcome.iban_monitor else None,
        "sdd_collection": outcome.collection.as_json() if outcome.collection else None,
        "sdd_outcomes": outcome.outcomes.as_json() if outcome.outcomes else None,
        "flows": outcome.flows.as_json() if outcome.flows else None,
        "collections": (
            collections_summary(outcome.collections.run_id, outcome.collections.days[0])
            if outcome.collections
            else None
        ),
    }


def collections_summary(run_id: int | None, day: DayPlan) -> dict[str, Any]:
    """The day's run in totals (the actions themselves are in ``collections run --json``)."""
    by_channel = (
        day.actions.group_by("channel")
        .agg(count=pl.len(), amount_cents=pl.col("amount_cents").sum())
        .sort(["count", "channel"], descending=[True, False])
    )
    suppressed = (
        day.suppressed.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
    )
    return {
        "run_id": run_id,
        "as_of": day.as_of.isoformat(),
        "positions": day.positions,
        "actions": day.actions.height,
        "cost_cents": day.cost_cents,
        "by_channel": {
            str(channel): {"count": int(count), "amount_cents": int(amount)}
            for channel, count, amount in by_channel.iter_rows()
        },
        "suppressed": {str(reason): int(count) for reason, count in suppressed.iter_rows()},
        "postponed": day.postponed.height,
        "lots": [
            {
                "code": lot.code,
                "channel": lot.channel,
                "assignee": lot.assignee,
                "count": lot.count,
                "amount_cents": lot.amount_cents,
            }
            for lot in day.lots
        ],
    }


def _print(outcome: DemoOutcome, url: str) -> None:
    assert outcome.aging is not None
    table = Table(title="Demo portfolio imported")
    for header in ("File", "Imported", "Updated", "Unchanged", "Rejected", "Warnings"):
        table.add_column(header, justify="left" if header == "File" else "right")
    for result in outcome.imports.values():
        table.add_row(
            Path(result.file).name,
            str(result.imported),
            str(result.updated),
            str(result.unchanged),
            str(result.rejected),
            str(len(result.warnings)),
        )
    console.print(table)
    bad = ", ".join(f"{k} {v}" for k, v in sorted(outcome.files.bad_data.items()))
    console.print(f"Deliberately bad data in the files (rejected or flagged): {bad}")
    if outcome.iban_monitor is not None:
        monitor = outcome.iban_monitor
        counts = ", ".join(
            f"{VERDICT_LABELS['it'][v]} {n:,}".replace(",", ".")
            for v, n in monitor.verdicts.items()
        )
        console.print(
            f"IBAN monitor: {monitor.checked:,} customers checked: {counts}; "
            f"{monitor.new} new findings, {monitor.alignment} alignment requests "
            f"-> {monitor.output}"
        )
    if outcome.collection is not None and outcome.collection.items:
        col = outcome.collection
        console.print(
            f"Direct debits: {col.items:,} collected for {col.collection_date:%d/%m/%Y} "
            f"({col.total_cents / 100:,.2f} EUR) -> {col.file}"
        )
    if outcome.outcomes is not None:
        out = outcome.outcomes
        reasons = ", ".join(f"{k} {v}" for k, v in out.by_reason.items()) or "none"
        actions = ", ".join(f"{k} {v}" for k, v in out.followups.items()) or "none"
        console.print(
            f"Bank outcomes: {out.applied} rejected ({reasons}); follow-ups opened: {actions}"
        )
    if outcome.flows is not None and outcome.flows.reconcile is not None:
        day, rec = outcome.flows, outcome.flows.reconcile
        files = ", ".join(f"{Path(r.file).name} ({r.file_format})" for r in day.imports)
        rate = f"{rec.matched / rec.payments:.1%}" if rec.payments else "-"
        quality = (
            f"; against the ground truth: precision {day.precision:.2%}, recall {day.recall:.2%}"
            if day.precision is not None and day.recall is not None
            else ""
        )
        console.print(f"Payment flows imported: {files}")
        console.print(
            f"Reconciliation: {rec.payments:,} payments, {rec.matched:,} matched automatically "
            f"({rate}), {rec.suggested:,} for review, {rec.unapplied:,} unapplied{quality}"
        )
    if outcome.collections is not None:
        _print_collections(
            collections_summary(outcome.collections.run_id, outcome.collections.days[0])
        )
    _print_aging(outcome.aging)
    console.print(
        f"Database: {url}\n"
        "Next: [bold]riscossa report aging[/], [bold]riscossa ledger CUSTOMER_CODE[/], "
        f"files in {Path(outcome.imports['customers'].file).parent}/"
    )


def _eur(cents: int) -> str:
    return f"{cents / 100:,.2f} EUR"


def _print_collections(run: dict[str, Any]) -> None:
    channels = ", ".join(
        f"{channel} {c['count']:,} ({_eur(c['amount_cents'])})"
        for channel, c in run["by_channel"].items()
    )
    suppressed = ", ".join(f"{k} {v:,}" for k, v in run["suppressed"].items()) or "none"
    console.print(
        f"Collections run {run['as_of']}: {run['positions']:,} customers in arrears, "
        f"{run['actions']:,} actions ({channels or 'none'}), {run['postponed']:,} postponed; "
        f"suppressed: {suppressed}",
        highlight=False,
    )
    lots = "; ".join(
        f"{lot['code']}"
        + (f" to {lot['assignee']}" if lot["assignee"] else "")
        + f": {lot['count']:,} ({_eur(lot['amount_cents'])})"
        for lot in run["lots"]
    )
    console.print(f"Work lots: {lots or 'none'}", highlight=False)
