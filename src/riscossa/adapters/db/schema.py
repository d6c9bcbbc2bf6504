"""Alembic wiring: upgrade to head, and refuse to run on a schema this version does not know."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from riscossa.domain.errors import SchemaError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def ensure_schema(engine: Engine, *, auto_create: bool = True) -> None:
    """Create an empty database; refuse an older or unknown schema with what to do about it."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables:
            raise SchemaError(
                "the database holds tables but no Riscossa schema version: "
                "point --db at a Riscossa database or an empty one"
            )
        if auto_create:
            upgrade(engine)
            return
        raise SchemaError("the database is empty: run `riscossa db upgrade`")
    script = ScriptDirectory(str(MIGRATIONS))
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise SchemaError(
            f"the database schema ({current}) is newer than this version of Riscossa knows "
            f"(head {head}): upgrade Riscossa"
        )
    raise SchemaError(
        f"the database schema ({current}) is older than this version ({head}): "
        "run `riscossa db upgrade`"
    )
