"""Alembic environment: the engine comes from the caller (bootstrap), never from a global."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from riscossa.adapters.db.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: the URL comes from alembic.ini
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///riscossa.db")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
