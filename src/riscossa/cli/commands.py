"""Imports every command module so that each registers itself on the app."""

from riscossa.cli import collections, db, demo, flows, iban, imports, ledger, registry, sdd  # noqa: F401
