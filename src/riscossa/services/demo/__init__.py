"""Pieces of the demo portfolio generator; the entry point is ``services.demo_portfolio``."""
