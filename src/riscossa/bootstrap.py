"""Composition root: the one place that turns settings into an engine, clock and services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import ensure_schema
from riscossa.config import Settings

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock = field(default=utc_now)

    def today(self) -> dt.date:
        """Business dates are Italian dates, whatever the server's zone."""
        from zoneinfo import ZoneInfo

        return self.clock().astimezone(ZoneInfo("Europe/Rome")).date()


def build_app(database_url: str | None = None, *, check_schema: bool = True) -> App:
    settings = Settings.from_env(database_url)
    engine = build_engine(settings.database_url)
    if check_schema:
        ensure_schema(engine)
    return App(settings=settings, engine=engine)
