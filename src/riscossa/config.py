"""Settings read from the environment, once, by the composition root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_FILE = "riscossa.db"


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


@dataclass(frozen=True)
class Settings:
    database_url: str

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        """``--db`` wins over ``RISCOSSA_DATABASE_URL``, then ``./riscossa.db``."""
        url = database_url or os.environ.get("RISCOSSA_DATABASE_URL") or ""
        if not url:
            url = sqlite_url(DEFAULT_DATABASE_FILE)
        elif "://" not in url:
            url = sqlite_url(url)
        return cls(database_url=url)
