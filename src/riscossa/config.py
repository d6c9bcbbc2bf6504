"""Settings read from the environment, once, by the composition root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_FILE = "riscossa.db"


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


@dataclass(frozen=True)
class CreditorSettings:
    """Who collects the direct debits: written into every collection file."""

    name: str = ""
    creditor_id: str = ""
    iban: str = ""
    bic: str = ""
    cuc: str = ""  # the CBI customer code, for CBI collection files
    cbi_xsd: str = ""  # CBISDDReqLogMsg.00.01.01.xsd from the bank (CBI does not publish it)

    @classmethod
    def from_env(cls) -> CreditorSettings:
        return cls(
            name=os.environ.get("RISCOSSA_CREDITOR_NAME", ""),
            creditor_id=os.environ.get("RISCOSSA_CREDITOR_ID", ""),
            iban=os.environ.get("RISCOSSA_CREDITOR_IBAN", ""),
            bic=os.environ.get("RISCOSSA_CREDITOR_BIC", ""),
            cuc=os.environ.get("RISCOSSA_CREDITOR_CUC", ""),
            cbi_xsd=os.environ.get("RISCOSSA_CBI_XSD", ""),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    creditor: CreditorSettings = CreditorSettings()

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        """``--db`` wins over ``RISCOSSA_DATABASE_URL``, then ``./riscossa.db``."""
        url = database_url or os.environ.get("RISCOSSA_DATABASE_URL") or ""
        if not url:
            url = sqlite_url(DEFAULT_DATABASE_FILE)
        elif "://" not in url:
            url = sqlite_url(url)
        return cls(database_url=url, creditor=CreditorSettings.from_env())
