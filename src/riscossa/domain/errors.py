"""One root for every error the product raises on purpose.

Business outcomes over many records (row errors, findings) are returned as data, not raised;
these exceptions are for conditions that stop an operation as a whole.
"""

from __future__ import annotations


class RiscossaError(Exception):
    """Root of every deliberate error; the CLI prints its message without a traceback."""


class ValidationError(RiscossaError):
    """A value broke a domain rule."""


class ImportFileError(RiscossaError):
    """A whole file cannot be imported (unreadable, missing columns, strict mode)."""


class XmlError(ImportFileError):
    """An XML file is malformed, truncated, or uses what bank files never need (DTD, entities)."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


class NotFoundError(RiscossaError):
    """A record named by the user does not exist."""


class AllocationError(RiscossaError):
    """An allocation would exceed the payment or the open item."""


class SchemaError(RiscossaError):
    """The database schema is not the one this version knows."""
