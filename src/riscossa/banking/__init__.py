"""Banking standards as small pure modules."""
