"""Loading the bank and branch registry, reading it back, and comparing two loads.

Every load keeps its rows under its own ``load_id``: the newest load is the registry in use,
the older ones stay so that ``registry_diff`` can say what changed (and a wrong load can be
compared before anyone relies on it). Loading content identical to the newest load stores
nothing. With no load at all, the registry is schwifty's bundled list of Italian banks:
names and BICs only, no dates, no branches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Engine,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import Select

from riscossa.adapters.bank_registry_files import (
    SOURCE,
    RegistryFiles,
    SourceFile,
    read_registry_dir,
    schwifty_banks,
)
from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import insert_frame
from riscossa.adapters.registry_batch import (
    BANK_SCHEMA,
    BRANCH_SCHEMA,
    EVENT_SCHEMA,
    RegistrySnapshot,
)
from riscossa.banking.bank_registry import ALWAYS_KNOWN, Bank, BankEvent, BankRegistry, EventKind
from riscossa.domain.errors import NotFoundError, ValidationError

SCHWIFTY = "schwifty"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- load ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    load_id: int
    unchanged: bool
    source_dir: str
    content_hash: str
    banks: int
    events: int
    branches: int
    files: list[SourceFile] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "unchanged": self.unchanged,
            "source_dir": self.source_dir,
            "content_hash": self.content_hash,
            "banks": self.banks,
            "events": self.events,
            "branches": self.branches,
            "files": [f.as_dict() for f in self.files],
            "missing": self.missing,
            "skipped": self.skipped,
        }


def load_registry(engine: Engine, directory: Path, *, now: dt.datetime | None = None) -> LoadResult:
    """Read every register file first, then store them in one transaction (or nothing)."""
    files = read_registry_dir(directory)
    content_hash = files.content_hash
    with engine.begin() as conn:
        latest = conn.execute(_loads().limit(1)).first()
        if latest is not None and latest.content_hash == content_hash:
            return _result(files, int(latest.id), content_hash, directory, unchanged=True)
        load_id = int(
            conn.execute(
                insert(t.bank_registry_loads)
                .values(
                    loaded_at=now or _utc_now(),
                    source=SOURCE,
                    source_dir=str(directory)[:500],
                    content_hash=content_hash,
                    files=files.files_json(),
                    banks=files.banks.height,
                    events=files.events.height,
                    branches=files.branches.height,
                )
                .returning(t.bank_registry_loads.c.id)
            ).scalar_one()
        )
        tag = pl.lit(load_id, dtype=pl.Int64).alias("load_id")
        insert_frame(conn, t.banks, files.banks.with_columns(tag))
        insert_frame(conn, t.bank_events, files.events.with_columns(tag))
        insert_frame(conn, t.branches, files.branches.with_columns(tag))
    return _result(files, load_id, content_hash, directory, unchanged=False)


def _result(
    files: RegistryFiles, load_id: int, content_hash: str, directory: Path, *, unchanged: bool
) -> LoadResult:
    return LoadResult(
        load_id=load_id,
        unchanged=unchanged,
        source_dir=str(directory),
        content_hash=content_hash,
        banks=files.banks.height,
        events=files.events.height,
        branches=files.branches.height,
        files=list(files.files),
        missing=list(files.missing),
        skipped=dict(files.skipped),
    )


def _loads() -> Select[Any]:
    loads = t.bank_registry_loads
    return select(loads.c.id, loads.c.loaded_at, loads.c.content_hash).order_by(loads.c.id.desc())


# --- snapshot ----------------------------------------------------------------------------------


def registry_snapshot(engine: Engine) -> RegistrySnapshot:
    """The registry in use: the newest load, else schwifty's bank list."""
    with engine.connect() as conn:
        latest = conn.execute(_loads().limit(1)).first()
        if latest is None:
            return schwifty_snapshot()
        load_id = int(latest.id)
        return RegistrySnapshot(
            _frame(conn, t.banks, BANK_SCHEMA, load_id),
            _frame(conn, t.bank_events, EVENT_SCHEMA, load_id),
            _frame(conn, t.branches, BRANCH_SCHEMA, load_id),
            source=SOURCE,
            load_id=load_id,
            loaded_at=latest.loaded_at,
        )


def schwifty_snapshot() -> RegistrySnapshot:
    return RegistrySnapshot.from_records(schwifty_banks(), source=SCHWIFTY)


def _frame(conn: Connection, table: Any, schema: pl.Schema, load_id: int) -> pl.DataFrame:
    rows = conn.execute(
        select(*(table.c[name] for name in schema)).where(table.c.load_id == load_id)
    ).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


# --- diff --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankChange:
    abi: str
    name: str
    old_name: str = ""


@dataclass(frozen=True)
class BranchChange:
    abi: str
    cab: str
    town: str
    day: dt.date | None  # opened, or closed
    reason: str = ""


@dataclass(frozen=True)
class EventChange:
    kind: str
    absorbed_abi: str
    successor_abi: str
    effective_date: dt.date
    final_successor_abi: str


@dataclass
class RegistryDiff:
    """What changed between two loads, each judged on the same date (``as_of``)."""

    old_load: int | None
    new_load: int
    as_of: dt.date
    banks_added: list[BankChange]
    banks_retired: list[BankChange]
    banks_renamed: list[BankChange]
    branches_opened: list[BranchChange]
    branches_closed: list[BranchChange]
    new_events: list[EventChange]

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.banks_added,
                self.banks_retired,
                self.banks_renamed,
                self.branches_opened,
                self.branches_closed,
                self.new_events,
            )
        )

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[Any]) -> list[dict[str, Any]]:
            return [item.__dict__ for item in items]

        return {
            "old_load": self.old_load,
            "new_load": self.new_load,
            "as_of": self.as_of,
            "banks_added": rows(self.banks_added),
            "banks_retired": rows(self.banks_retired),
            "banks_renamed": rows(self.banks_renamed),
            "branches_opened": rows(self.branches_opened),
            "branches_closed": rows(self.branches_closed),
            "new_events": rows(self.new_events),
        }


def registry_diff(
    engine: Engine,
    old_load: int | None = None,
    new_load: int | None = None,
    *,
    as_of: dt.date | None = None,
) -> RegistryDiff:
    """Compare two loads (default: the newest with the one before it) with SQL set operations.

    Banks and branches are compared as in force on ``as_of`` (default: the day the newer
    load was made): added/retired/renamed banks, opened/closed branches, and the mergers
    the newer load knows and the older does not.
    """
    with engine.connect() as conn:
        new_id, old_id, loaded_at = _pick_loads(conn, old_load, new_load)
        day = as_of or loaded_at.date()
        return RegistryDiff(
            old_load=old_id,
            new_load=new_id,
            as_of=day,
            banks_added=_banks_only_in(conn, new_id, old_id, day),
            banks_retired=_banks_only_in(conn, old_id, new_id, day),
            banks_renamed=_banks_renamed(conn, old_id, new_id, day),
            branches_opened=_branches_only_in(conn, new_id, old_id, day, opened=True),
            branches_closed=_branches_closed(conn, old_id, new_id, day),
            new_events=_new_events(conn, old_id, new_id),
        )


def _pick_loads(
    conn: Connection, old_load: int | None, new_load: int | None
) -> tuple[int, int | None, dt.datetime]:
    loads = t.bank_registry_loads
    query = select(loads.c.id, loads.c.loaded_at).order_by(loads.c.id.desc())
    if new_load is not None:
        query = query.where(loads.c.id == new_load)
    newest = conn.execute(query.limit(1)).first()
    if newest is None:
        if new_load is not None:
            raise NotFoundError(f"registry load {new_load} does not exist")
        raise NotFoundError("no registry loaded yet: run `riscossa registry load DIR`")
    new_id = int(newest.id)
    if old_load is not None:
        if conn.execute(select(loads.c.id).where(loads.c.id == old_load)).first() is None:
            raise NotFoundError(f"registry load {old_load} does not exist")
        return new_id, old_load, newest.loaded_at
    previous = conn.execute(
        select(loads.c.id).where(loads.c.id < new_id).order_by(loads.c.id.desc()).limit(1)
    ).scalar()
    return new_id, None if previous is None else int(previous), newest.loaded_at


def _in_force(table: Any, load_id: int | None, day: dt.date) -> ColumnElement[bool]:
    """Rows of ``load_id`` whose period covers ``day`` (banks: validity; branches: operation)."""
    columns = table.c
    start, end = (
        (columns.valid_from, columns.valid_to)
        if "valid_from" in columns
        else (columns.opened, columns.closed)
    )
    day_ = literal(day, Date)
    return and_(
        table.c.load_id == (load_id if load_id is not None else -1),
        or_(start.is_(None), start <= day_),
        or_(end.is_(None), end >= day_),
    )


def _banks_only_in(
    conn: Connection, here: int | None, there: int | None, day: dt.date
) -> list[BankChange]:
    """Banks in force on ``day`` in load ``here`` and not in load ``there``."""
    if here is None:
        return []
    mine, other = t.banks.alias("mine"), t.banks.alias("other")
    query = (
        select(mine.c.abi, func.max(mine.c.name))
        .where(
            _in_force(mine, here, day),
            ~exists().where(_in_force(other, there, day), other.c.abi == mine.c.abi),
        )
        .group_by(mine.c.abi)
        .order_by(mine.c.abi)
    )
    return [BankChange(abi, name) for abi, name in conn.execute(query)]


def _banks_renamed(conn: Connection, old: int | None, new: int, day: dt.date) -> list[BankChange]:
    before, after = t.banks.alias("before"), t.banks.alias("after")
    query = (
        select(after.c.abi, after.c.name, func.min(before.c.name))
        .join(before, before.c.abi == after.c.abi)
        .where(_in_force(after, new, day), _in_force(before, old, day))
        .where(
            ~exists().where(
                _in_force(t.banks, old, day),
                t.banks.c.abi == after.c.abi,
                t.banks.c.name == after.c.name,
            )
        )
        .group_by(after.c.abi, after.c.name)
        .order_by(after.c.abi, after.c.name)
    )
    return [BankChange(abi, name, old_name) for abi, name, old_name in conn.execute(query)]


def _branches_only_in(
    conn: Connection, here: int | None, there: int | None, day: dt.date, *, opened: bool
) -> list[BranchChange]:
    """Branches operating on ``day`` in load ``here`` and not in load ``there``."""
    if here is None:
        return []
    mine, other = t.branches.alias("mine"), t.branches.alias("other")
    query = (
        select(mine.c.abi, mine.c.cab, func.max(mine.c.town), func.max(mine.c.opened))
        .where(
            _in_force(mine, here, day),
            ~exists().where(
                _in_force(other, there, day), other.c.abi == mine.c.abi, other.c.cab == mine.c.cab
            ),
        )
        .group_by(mine.c.abi, mine.c.cab)
        .order_by(mine.c.abi, mine.c.cab)
    )
    return [BranchChange(abi, cab, town, _date(d)) for abi, cab, town, d in conn.execute(query)]


def _branches_closed(
    conn: Connection, old: int | None, new: int, day: dt.date
) -> list[BranchChange]:
    """Operating in the old load, not in the new one; with the new load's closing record."""
    if old is None:
        return []
    before, after = t.branches.alias("before"), t.branches.alias("after")
    closing = (
        select(
            after.c.abi,
            after.c.cab,
            func.max(after.c.closed).label("closed"),
            func.max(after.c.closing_reason).label("reason"),
        )
        .where(after.c.load_id == new, after.c.closed.is_not(None))
        .group_by(after.c.abi, after.c.cab)
        .subquery("closing")
    )
    query = (
        select(
            before.c.abi,
            before.c.cab,
            func.max(before.c.town),
            func.max(closing.c.closed),
            func.max(closing.c.reason),
        )
        .outerjoin(closing, and_(closing.c.abi == before.c.abi, closing.c.cab == before.c.cab))
        .where(
            _in_force(before, old, day),
            ~exists().where(
                _in_force(t.branches, new, day),
                t.branches.c.abi == before.c.abi,
                t.branches.c.cab == before.c.cab,
            ),
        )
        .group_by(before.c.abi, before.c.cab)
        .order_by(before.c.abi, before.c.cab)
    )
    return [
        BranchChange(abi, cab, town, _date(closed), reason or "")
        for abi, cab, town, closed, reason in conn.execute(query)
    ]


def _new_events(conn: Connection, old: int | None, new: int) -> list[EventChange]:
    ev, other = t.bank_events, t.bank_events.alias("other")
    query = (
        select(ev.c.kind, ev.c.absorbed_abi, ev.c.successor_abi, ev.c.effective_date)
        .where(
            ev.c.load_id == new,
            ~exists().where(
                other.c.load_id == (old if old is not None else -1),
                other.c.kind == ev.c.kind,
                other.c.absorbed_abi == ev.c.absorbed_abi,
                other.c.successor_abi == ev.c.successor_abi,
                other.c.effective_date == ev.c.effective_date,
            ),
        )
        .order_by(ev.c.effective_date, ev.c.absorbed_abi)
    )
    added = conn.execute(query).all()
    if not added:
        return []
    registry = BankRegistry((), _events(conn, new))
    return [
        EventChange(
            kind,
            absorbed,
            successor,
            _day(day),
            registry.follow(successor, _day(day), dt.date.max),
        )
        for kind, absorbed, successor, day in added
    ]


def _events(conn: Connection, load_id: int) -> list[BankEvent]:
    ev = t.bank_events
    rows = conn.execute(
        select(ev.c.kind, ev.c.absorbed_abi, ev.c.successor_abi, ev.c.effective_date).where(
            ev.c.load_id == load_id
        )
    )
    return [BankEvent(EventKind(k), a, s, _day(d)) for k, a, s, d in rows]


def _date(value: Any) -> dt.date | None:
    """SQLite hands back dates from aggregates as text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _day(value: Any) -> dt.date:
    day = _date(value)
    if day is None:
        raise ValueError("a NOT NULL date column returned NULL")
    return day


# --- one bank ----------------------------------------------------------------------------------


@dataclass
class BankDetails:
    abi: str
    as_of: dt.date
    source: str
    load_id: int | None
    status: str  # in_force | retired | not_yet | not_listed
    name: str
    periods: list[Bank]
    successor_abi: str | None = None
    successor_name: str = ""
    absorbed_into: list[BankEvent] = field(default_factory=list)
    absorbed: list[BankEvent] = field(default_factory=list)
    branches: int = 0
    branches_open: int = 0
    has_branch_data: bool = False

    def as_dict(self) -> dict[str, Any]:
        def event(e: BankEvent) -> dict[str, Any]:
            return {
                "kind": e.kind.value,
                "absorbed_abi": e.absorbed_abi,
                "successor_abi": e.successor_abi,
                "effective_date": e.effective_date,
            }

        return {
            "abi": self.abi,
            "as_of": self.as_of,
            "source": self.source,
            "load_id": self.load_id,
            "status": self.status,
            "name": self.name,
            "periods": [
                {"name": p.name, "bic": p.bic, "valid_from": p.valid_from, "valid_to": p.valid_to}
                for p in self.periods
            ],
            "successor_abi": self.successor_abi,
            "successor_name": self.successor_name,
            "absorbed_into": [event(e) for e in self.absorbed_into],
            "absorbed": [event(e) for e in self.absorbed],
            "has_branch_data": self.has_branch_data,
            "branches": self.branches,
            "branches_open": self.branches_open,
        }


def normalise_abi(text: str) -> str:
    code = text.strip()
    if not code.isdigit() or len(code) > 5:
        raise ValidationError(f"'{text}' is not an ABI code (5 digits)")
    return code.zfill(5)


def bank_details(engine: Engine, abi: str, as_of: dt.date) -> BankDetails:
    """One bank as the registry in use knows it: periods, successor, branch counts."""
    abi = normalise_abi(abi)
    with engine.connect() as conn:
        latest = conn.execute(_loads().limit(1)).first()
        if latest is None:
            registry = BankRegistry(schwifty_banks())
            return _details(abi, as_of, registry, SCHWIFTY, None, 0, 0)
        load_id = int(latest.id)
        registry = BankRegistry(_banks_of(conn, load_id, abi), _events(conn, load_id))
        br = t.branches
        total, open_ = conn.execute(
            select(func.count(), func.count().filter(_in_force(br, load_id, as_of))).where(
                br.c.load_id == load_id, br.c.abi == abi
            )
        ).one()
        details = _details(abi, as_of, registry, SOURCE, load_id, int(total), int(open_))
        if details.successor_abi:
            successor = BankRegistry(_banks_of(conn, load_id, details.successor_abi))
            current = (
                successor.bank(details.successor_abi, as_of)
                or (successor.periods(details.successor_abi) or (None,))[-1]
            )
            details.successor_name = current.name if current else ""
        return details


def _banks_of(conn: Connection, load_id: int, abi: str) -> list[Bank]:
    b = t.banks
    rows = conn.execute(
        select(*(b.c[n] for n in BANK_SCHEMA)).where(b.c.load_id == load_id, b.c.abi == abi)
    )
    return [Bank(*row) for row in rows]


def _details(
    abi: str,
    as_of: dt.date,
    registry: BankRegistry,
    source: str,
    load_id: int | None,
    branches: int,
    branches_open: int,
) -> BankDetails:
    periods = list(registry.periods(abi))
    if not periods:
        if abi in ALWAYS_KNOWN:
            return BankDetails(abi, as_of, source, load_id, "not_listed", ALWAYS_KNOWN[abi], [])
        where = f"load {load_id}" if load_id is not None else "schwifty's bank list"
        raise NotFoundError(f"ABI {abi} is not in the registry ({where})")
    current = registry.bank(abi, as_of)
    retired = registry.last_period_before(abi, as_of)
    status = "in_force" if current else "retired" if retired else "not_yet"
    shown = current or retired or periods[-1]
    absorbed = [e for e in registry.events() if e.successor_abi == abi]
    return BankDetails(
        abi=abi,
        as_of=as_of,
        source=source,
        load_id=load_id,
        status=status,
        name=shown.name,
        periods=periods,
        successor_abi=registry.successor(abi, as_of),
        absorbed_into=list(registry.events_of(abi)),
        absorbed=absorbed,
        branches=branches,
        branches_open=branches_open,
        has_branch_data=branches > 0,
    )
