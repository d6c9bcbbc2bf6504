"""Imports every command module so that each registers itself on the app."""

from riscossa.cli import db, demo, imports, ledger  # noqa: F401
