"""The Typer application and what every command shares: --db, JSON output, error handling."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from riscossa.bootstrap import App, build_app
from riscossa.domain.errors import RiscossaError

app = typer.Typer(
    name="riscossa",
    help="Riscossa: credit management for utilities and telcos.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL or SQLite file (default: $RISCOSSA_DATABASE_URL, else ./riscossa.db).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def handled_errors() -> Iterator[None]:
    """Deliberate errors become one red line and exit code 2, never a traceback."""
    try:
        yield
    except RiscossaError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc


def open_app(db: str | None) -> App:
    with handled_errors():
        return build_app(db)


def actor() -> str:
    """Who is at the keyboard, for the audit log: ``RISCOSSA_USER``, else the login name."""
    return os.environ.get("RISCOSSA_USER") or getpass.getuser()


def euro(cents: int) -> str:
    """Cents as Italians read an amount: ``123456`` -> ``1.234,56 €`` (integer arithmetic)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{part:02d} €"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, default=_default, ensure_ascii=False, indent=2))
    sys.stdout.write("\n")
