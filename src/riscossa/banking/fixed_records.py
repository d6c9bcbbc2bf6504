"""Fixed-width flat files (CBI RH, Poste bollettini): fields by position, records by length.

Italian banking flat files number their fields from 1, both ends included, and arrive one
record per line (CRLF, LF or CR), or as bare blocks of the record length, sometimes with a
UTF-8 BOM in front and a DOS end-of-file byte behind.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"
_DOS_EOF = b"\x1a"


class Field(NamedTuple):
    """A field as the layout numbers it: 1-based, both ends included."""

    label: str
    start: int
    end: int

    @property
    def positions(self) -> str:
        if self.start == self.end:
            return f"position {self.start}"
        return f"positions {self.start}-{self.end}"

    def of(self, text: str) -> str:
        return text[self.start - 1 : self.end]


def without_bom(data: bytes) -> bytes:
    return data.removeprefix(_BOM)


def first_line(data: bytes, length: int) -> bytes:
    """The first record, for format detection (at most ``length`` bytes)."""
    return _LINE_BREAK.split(without_bom(data)[: length + 2], maxsplit=1)[0][:length]


def split_records(data: bytes, length: int) -> list[bytes]:
    """The raw records of a file, one per line or per ``length`` bytes; trailing blank lines
    and the DOS end-of-file byte dropped. Lengths are the caller's to check (and to name)."""
    data = without_bom(data).rstrip(_DOS_EOF + b"\r\n")
    if b"\n" in data or b"\r" in data:
        chunks = _LINE_BREAK.split(data)
        while chunks and not chunks[-1].strip():
            chunks.pop()
        return chunks
    return [data[i : i + length] for i in range(0, len(data), length)]
