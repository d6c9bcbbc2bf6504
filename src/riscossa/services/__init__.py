"""Use cases and transaction boundaries."""
