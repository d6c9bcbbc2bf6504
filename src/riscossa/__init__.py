"""Riscossa: credit management for utilities, telcos and their back-offices."""

__version__ = "0.1.0"
