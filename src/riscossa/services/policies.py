"""Load policies: the shipped defaults (package data) or a file the credit manager supplies.

Errors name the file, the key and the line: tomllib reports the line of a syntax error, and
for a value the domain refuses the line is found by reading the file's keys back.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from riscossa.domain.errors import NotFoundError
from riscossa.domain.sdd_policy import PolicyError, PolicyProblem, SddPolicy, parse_policy

POLICY_PACKAGE = "riscossa.policies"
SDD_FOLLOWUPS = "sdd_followups.toml"

_TOML_LOCATION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")
_HEADER = re.compile(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=(.*)$")
_INLINE_KEY = re.compile(r"([A-Za-z0-9_\-]+)\s*=")


def shipped_policy_text(name: str = SDD_FOLLOWUPS) -> str:
    """The text of a policy shipped in riscossa/policies."""
    return resources.files(POLICY_PACKAGE).joinpath(name).read_text(encoding="utf-8")


@cache
def default_sdd_policy() -> SddPolicy:
    """The shipped SDD follow-up policy, parsed once."""
    return parse_sdd_policy(shipped_policy_text(), f"{POLICY_PACKAGE}/{SDD_FOLLOWUPS}")


def load_sdd_policy(path: str | Path | None = None) -> SddPolicy:
    """The SDD follow-up policy of a TOML file, or the shipped one when ``path`` is None."""
    if path is None:
        return default_sdd_policy()
    return parse_sdd_policy(read_policy_file(path, "policy file"), str(path))


def read_policy_file(path: str | Path, what: str) -> str:
    """The text of a policy file the credit manager supplies; a clear error when it is not
    there or not UTF-8."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(f"{what} not found: {file}") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError([PolicyProblem("", f"not UTF-8 text: {exc.reason}")], str(file)) from exc


def load_toml(text: str, source: str) -> dict[str, object]:
    """TOML text as data; a syntax error becomes a PolicyError with its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_LOCATION.search(message)
        line: int | None = None
        if found:  # a line number, or the end of the document: its last line
            line = int(found.group(1)) if found.group(1) else max(len(text.splitlines()), 1)
        problem = PolicyProblem("", _TOML_LOCATION.sub("", message), line)
        raise PolicyError([problem], source) from exc


def parse_sdd_policy(text: str, source: str = "<policy>") -> SddPolicy:
    """A policy from TOML text; PolicyError lists every problem with its key and line."""
    data = load_toml(text, source)
    try:
        return parse_policy(data)
    except PolicyError as exc:
        lines = key_lines(text)
        located = [PolicyProblem(p.key, p.message, _line_of(p.key, lines)) for p in exc.problems]
        raise PolicyError(located, source) from exc


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line (1-based) where each key path is first written: table headers, keys, dotted
    keys and the keys of one-line inline tables. A reading aid for messages, not a parser."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _path(header.group(1))
            found.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = table + _path(key.group(1))
        found.setdefault(path, number)
        value = key.group(2).strip()
        if value.startswith("{"):
            for inner in _INLINE_KEY.findall(value):
                found.setdefault((*path, inner), number)
    return found


def _path(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def _line_of(key: str, lines: dict[tuple[str, ...], int]) -> int | None:
    """The line of the key, else of its nearest written parent (a missing key's table)."""
    path = _path(key) if key else ()
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
