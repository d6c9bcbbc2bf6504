"""Imports every command module so that each registers itself on the app."""

from riscossa.cli import db, imports, ledger  # noqa: F401
