"""Command line: ``riscossa``. Each command group lives in a module of its own."""

from __future__ import annotations

from riscossa.cli.app import app


def main() -> None:
    from riscossa.cli import commands  # noqa: F401  (registers every command)

    app()
