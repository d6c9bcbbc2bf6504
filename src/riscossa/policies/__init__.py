"""Policies shipped with the product as data files, read with importlib.resources."""
