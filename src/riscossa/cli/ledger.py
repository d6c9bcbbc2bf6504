"""``riscossa ledger`` and ``riscossa report aging``: a customer's partitario, the portfolio aging.

Tables show Italian money (``1.234,56 €``) for people; ``--json`` writes plain decimal
strings (``"1234.56"``) so that scripts never parse a localised number or a float.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from riscossa.cli.app import (
    DbOption,
    JsonOption,
    app,
    console,
    handled_errors,
    open_app,
    print_json,
)
from riscossa.domain.invoices import InvoiceKind
from riscossa.domain.ledger import NOT_DUE, AgingReport, Ledger, PortfolioTotals
from riscossa.domain.money import Money
from riscossa.services.ledger import aging_report, customer_ledger

report_app = typer.Typer(help="Portfolio reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")

AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Reference date for aging, YYYY-MM-DD (default: today in Italy).",
        show_default=False,
    ),
]

BUCKET_LABELS = {NOT_DUE: "non scaduto"}
SEGMENT_LABELS = {
    "residential": "Domestico",
    "business": "Business",
    "public_administration": "P.A.",
}


def _amount(money: Money) -> str:
    return str(money.amount)


def _aging_json(aging: dict[str, Money]) -> dict[str, str]:
    return {name: _amount(value) for name, value in aging.items()}


@app.command("ledger")
def ledger_command(
    customer_code: Annotated[str, typer.Argument(help="Customer code.")],
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show one customer's open items, balance and aging (partitario)."""
    riscossa = open_app(db)
    try:
        day = as_of.date() if as_of else riscossa.today()
        with handled_errors(), riscossa.engine.connect() as conn:
            ledger = customer_ledger(conn, customer_code, day)
    finally:
        riscossa.engine.dispose()
    if json_output:
        print_json(ledger_payload(ledger))
    else:
        _print_ledger(ledger)


def ledger_payload(ledger: Ledger) -> dict[str, Any]:
    return {
        "customer_code": ledger.customer_code,
        "as_of": ledger.as_of.isoformat(),
        "balance": _amount(ledger.balance),
        "overdue": _amount(ledger.overdue),
        "days_past_due": ledger.days_past_due,
        "buckets": _aging_json(ledger.aging.as_dict()),
        "credit": _amount(ledger.credit),
        "unallocated_payments": _amount(ledger.unallocated_payments),
        "open_credit_notes": _amount(ledger.open_credit_notes),
        "net_balance": _amount(ledger.net_balance),
        "disputed": _amount(ledger.disputed),
        "items": [
            {
                "number": line.item.number,
                "kind": line.item.kind.value,
                "issue_date": line.item.issue_date.isoformat(),
                "due_date": line.item.due_date.isoformat(),
                "amount": _amount(line.item.amount),
                "allocated": _amount(line.item.allocated),
                "open": _amount(line.open_amount),
                "days_past_due": line.days_past_due,
                "bucket": line.bucket,
                "disputed": line.item.disputed,
            }
            for line in ledger.lines
        ],
    }


def _print_ledger(ledger: Ledger) -> None:
    table = Table(
        title=f"Partitario {ledger.customer_code} al {ledger.as_of:%d/%m/%Y}",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        caption="* contestata" if ledger.disputed else None,
    )
    table.add_column("Numero", overflow="fold")
    table.add_column("Tipo", no_wrap=True)
    table.add_column("Emissione", no_wrap=True)
    table.add_column("Scadenza", no_wrap=True)
    table.add_column("Importo", justify="right", no_wrap=True)
    table.add_column("Aperto", justify="right", no_wrap=True)
    table.add_column("Ritardo", justify="right", no_wrap=True)
    for line in ledger.lines:
        item = line.item
        table.add_row(
            item.number + ("*" if item.disputed else ""),
            "nota cr." if item.kind is InvoiceKind.CREDIT_NOTE else "fattura",
            f"{item.issue_date:%d/%m/%Y}",
            f"{item.due_date:%d/%m/%Y}",
            item.amount.format_it(),
            line.open_amount.format_it(),
            str(line.days_past_due) if line.days_past_due else "",
        )
    if not ledger.lines:
        console.print(f"Nessuna partita aperta per {ledger.customer_code}.")
    else:
        console.print(table)
    totals = Table(show_header=False, box=None)
    totals.add_column()
    totals.add_column(justify="right", no_wrap=True)
    totals.add_row("Saldo", ledger.balance.format_it())
    totals.add_row("Scaduto", ledger.overdue.format_it())
    totals.add_row("Giorni di ritardo", str(ledger.days_past_due))
    for name, value in ledger.aging.as_dict().items():
        totals.add_row(f"  {BUCKET_LABELS.get(name, name)}", value.format_it())
    totals.add_row("Credito cliente", ledger.credit.format_it())
    if ledger.disputed:
        totals.add_row("di cui contestato", ledger.disputed.format_it())
    console.print(totals)


@report_app.command("aging")
def aging_command(
    as_of: AsOfOption = None,
    json_output: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Portfolio aging by bucket, in total and per segment."""
    riscossa = open_app(db)
    try:
        day = as_of.date() if as_of else riscossa.today()
        with handled_errors(), riscossa.engine.connect() as conn:
            report = aging_report(conn, day)
    finally:
        riscossa.engine.dispose()
    if json_output:
        print_json(aging_payload(report))
    else:
        _print_aging(report)


def _totals_json(totals: PortfolioTotals) -> dict[str, Any]:
    return {
        "customers": totals.customers,
        "customers_with_overdue": totals.customers_with_overdue,
        "open_items": totals.open_items,
        "open_amount": _amount(totals.open_amount),
        "overdue": _amount(totals.overdue),
        "buckets": _aging_json(totals.aging.as_dict()),
    }


def aging_payload(report: AgingReport) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        **_totals_json(report.total),
        "segments": {name: _totals_json(t) for name, t in report.by_segment.items()},
    }


def _print_aging(report: AgingReport) -> None:
    columns = [("Totale", report.total), *report.by_segment.items()]
    table = Table(title=f"Anzianità del credito al {report.as_of:%d/%m/%Y}")
    table.add_column("", no_wrap=True)
    for name, _totals in columns:
        table.add_column(SEGMENT_LABELS.get(name, name), justify="right", no_wrap=True)

    def row(label: str, values: list[str]) -> None:
        table.add_row(label, *values)

    row("Clienti", [str(t.customers) for _n, t in columns])
    row("con scaduto", [str(t.customers_with_overdue) for _n, t in columns])
    row("Partite aperte", [str(t.open_items) for _n, t in columns])
    row("Aperto", [t.open_amount.format_it() for _n, t in columns])
    row("Scaduto", [t.overdue.format_it() for _n, t in columns])
    for name in report.total.aging.as_dict():
        row(
            f"  {BUCKET_LABELS.get(name, name)}",
            [t.aging.as_dict()[name].format_it() for _n, t in columns],
        )
    console.print(table)
