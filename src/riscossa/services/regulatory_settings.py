"""Load the regulatory clocks: the shipped settings (package data) or a file of one's own.

Errors name the file, the key and the line, as for the other policies: tomllib reports the
line of a syntax error; for a value the domain refuses, the line is found by reading the
file's keys back, down to the entry of a list written one entry per line.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from riscossa.domain.regulatory import RegulatorySettings, parse_regulatory_settings
from riscossa.domain.sdd_policy import PolicyError, PolicyProblem
from riscossa.services.policies import (
    POLICY_PACKAGE,
    key_lines,
    load_toml,
    read_policy_file,
    shipped_policy_text,
)

REGULATORY = "regulatory.toml"

_TOML_LOCATION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_ENTRY = re.compile(r"^(?P<key>[^\[]+)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?$")


@cache
def default_regulatory_settings() -> RegulatorySettings:
    """The shipped settings, parsed once."""
    return parse_regulatory_text(shipped_policy_text(REGULATORY), f"{POLICY_PACKAGE}/{REGULATORY}")


def load_regulatory_settings(path: str | Path | None = None) -> RegulatorySettings:
    """The settings of a TOML file, or the shipped ones when ``path`` is None."""
    if path is None:
        return default_regulatory_settings()
    return parse_regulatory_text(read_policy_file(path, "regulatory settings file"), str(path))


def parse_regulatory_text(text: str, source: str = "<regulatory>") -> RegulatorySettings:
    """Settings from TOML text; PolicyError lists every problem with its key and line."""
    data = load_toml(text, source)
    try:
        return parse_regulatory_settings(data, source)
    except PolicyError as exc:
        located = [PolicyProblem(p.key, p.message, _line_of(p.key, text)) for p in exc.problems]
        raise PolicyError(located, source) from exc


def _line_of(key: str, text: str) -> int | None:
    """The line of ``section.key[i].field``: the i-th entry when the list is written one
    entry per line, else the key's own line, else its nearest written parent."""
    lines = key_lines(text)
    entry = _ENTRY.match(key)
    wanted = tuple(part for part in (entry.group("key") if entry else key).split(".") if part)
    path = wanted
    while path and path not in lines:
        path = path[:-1]
    if not path:
        return None
    start = lines[path]
    if entry is None or path != wanted:
        return start
    index = int(entry.group("index"))
    started = 0
    for offset, line in enumerate(text.splitlines()[start - 1 :]):
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if offset and (stripped.startswith("]") or _starts_key(stripped)):
            break
        started += (line.split("=", 1)[1] if offset == 0 else line).count("{")
        if started > index:
            return start + offset
    return start


def _starts_key(line: str) -> bool:
    return bool(line) and (line.startswith("[") or "=" in line.split("{", 1)[0])
