"""``riscossa db``: schema migrations."""

from __future__ import annotations

import typer

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import current_revision, head_revision, upgrade
from riscossa.cli.app import DbOption, app, console, handled_errors
from riscossa.config import Settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Create or migrate the database to this version's schema."""
    with handled_errors():
        settings = Settings.from_env(db)
        engine = build_engine(settings.database_url)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    if before == after:
        console.print(f"Database already at revision {after}.")
    else:
        console.print(f"Database upgraded from {before or 'empty'} to {after}.")


@db_app.command("current")
def db_current(db: DbOption = None) -> None:
    """Show the database's schema revision and the one this version expects."""
    with handled_errors():
        engine = build_engine(Settings.from_env(db).database_url)
        console.print(
            f"database: {current_revision(engine) or 'empty'}; expected: {head_revision()}"
        )
