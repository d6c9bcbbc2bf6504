"""Strategy files in YAML: read with their line numbers, checked by the domain.

Loading is safe only: PyYAML's SafeLoader composes the text into nodes (no Python tags, no
object construction), and the plain data is built here from those nodes, noting the line of
every key and list item so that :func:`riscossa.domain.strategy.parse_strategy` can name it.
Mapping keys are taken as written (``no:`` stays the text "no", not YAML 1.1's false), a key
written twice is refused (PyYAML would keep the last one silently), and tags other than the
standard ones are refused. Anchors and aliases work, within a cap on the nodes they expand to.

The shipped strategies live in ``riscossa/policies/strategies/*.yaml`` (package data) and are
named ``strategies/<file>`` in messages; a folder of the credit manager's files replaces them
as a whole. Files load in name order, which is the order ties between strategies go by.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, partial
from importlib import resources
from pathlib import Path

import yaml

from riscossa.domain.errors import NotFoundError
from riscossa.domain.strategy import (
    KeyPath,
    Strategy,
    StrategyError,
    StrategyProblem,
    check_strategies,
    dotted,
    parse_strategy,
)

STRATEGY_PACKAGE = "riscossa.policies.strategies"
SUFFIXES = (".yaml", ".yml")
MAX_NODES = 20_000  # far beyond any real strategy; stops aliases that expand exponentially
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


class _Refused(Exception):
    def __init__(self, line: int, message: str, path: KeyPath = ()) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.path = path


def read_yaml(text: str, source: str) -> tuple[object, dict[KeyPath, int]]:
    """Plain data (dicts, lists, scalars) and the line (1-based) of each key path."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        raise _error(source, line, f"YAML syntax error: {exc.reason}") from exc
    try:
        node = loader.get_single_node()
        if node is None:
            raise _Refused(1, "the file is empty")
        lines: dict[KeyPath, int] = {(): node.start_mark.line + 1}
        data = _build(loader, node, (), lines, [0], set())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "cannot be read"
        raise _error(source, line, f"YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise _error(source, 1, f"YAML syntax error: {exc}") from exc
    except _Refused as exc:
        raise _error(source, exc.line, exc.message, exc.path) from exc
    finally:
        loader.dispose()
    return data, lines


def parse_strategy_text(text: str, source: str = "<strategy>") -> Strategy:
    """One strategy from YAML text; StrategyError names the file, the line and the key."""
    data, lines = read_yaml(text, source)
    return parse_strategy(data, source, lines)


def load_strategy_file(path: str | Path) -> Strategy:
    file = Path(path)
    return parse_strategy_text(_read(file), str(file))


def load_strategies(folder: str | Path | None = None) -> tuple[Strategy, ...]:
    """Every strategy of a folder (or the shipped ones), checked together: every problem of
    every file is reported at once."""
    if folder is None:
        return shipped_strategies()
    directory = Path(folder)
    if not directory.is_dir():
        raise NotFoundError(f"strategy folder not found: {directory}")
    files = sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
    return _load_all([(str(file), partial(_read, file)) for file in files])


@cache
def shipped_strategies() -> tuple[Strategy, ...]:
    """The strategies shipped with the product, parsed and checked once."""
    folder = resources.files(STRATEGY_PACKAGE)
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(SUFFIXES))
    return _load_all(
        [(f"strategies/{name}", partial(shipped_strategy_text, name)) for name in names]
    )


def shipped_strategy_text(name: str) -> str:
    return resources.files(STRATEGY_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _load_all(files: Iterable[tuple[str, Callable[[], str]]]) -> tuple[Strategy, ...]:
    strategies: list[Strategy] = []
    problems: list[StrategyProblem] = []
    for source, read in files:
        try:
            strategies.append(parse_strategy_text(read(), source))
        except StrategyError as exc:
            problems.extend(exc.problems)
    if not problems:
        try:
            check_strategies(strategies)
        except StrategyError as exc:
            problems.extend(exc.problems)
    if problems:
        raise StrategyError(problems)
    return tuple(strategies)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(f"strategy file not found: {file}") from exc
    except UnicodeDecodeError as exc:
        raise _error(str(file), None, f"not UTF-8 text: {exc.reason}") from exc


def _error(source: str, line: int | None, message: str, path: KeyPath = ()) -> StrategyError:
    return StrategyError([StrategyProblem(source, line, dotted(path), message)])


def _build(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    count: list[int],
    open_nodes: set[int],
) -> object:
    """The value of a node; ``count`` caps the nodes visited, ``open_nodes`` catches an alias
    that contains itself."""
    count[0] += 1
    line = node.start_mark.line + 1
    if count[0] > MAX_NODES:
        raise _Refused(line, f"more than {MAX_NODES} values: is an alias repeating itself?")
    if node.tag not in _PLAIN_TAGS:
        raise _Refused(line, f"the tag {node.tag} is not allowed here")
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_object(node, deep=True)
    if id(node) in open_nodes:
        raise _Refused(line, "an alias refers to a value that contains it")
    open_nodes.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            items: list[object] = []
            for index, item in enumerate(node.value):
                lines.setdefault((*path, index), item.start_mark.line + 1)
                items.append(_build(loader, item, (*path, index), lines, count, open_nodes))
            return items
        assert isinstance(node, yaml.MappingNode)
        loader.flatten_mapping(node)  # merge keys ("<<: *defaults")
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(key_line, "keys must be plain names", path)
            key = str(key_node.value)
            if key in mapping:
                first = lines.get((*path, key), key_line)
                message = f"is written twice (first on line {first})"
                raise _Refused(key_line, message, (*path, key))
            lines.setdefault((*path, key), key_line)
            mapping[key] = _build(loader, value_node, (*path, key), lines, count, open_nodes)
        return mapping
    finally:
        open_nodes.discard(id(node))
