"""Reading the Banca d'Italia registers (GIAVA open data) and schwifty's bundled bank list.

The official exports change shape from one download to the next, so this reader is liberal:
file names matched by prefix in any case (``.csv``/``.txt``, also inside a ``.zip``), any
separator and encoding ``tabular_reader`` knows, headers in any case, extra columns ignored,
codes with or without leading zeros, dates as YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD, and an
open end written as nothing or 9999-12-31. It is strict where a mistake would corrupt the
registry: a missing column or an unreadable value stops the whole load, naming file, row
and column.

Rows that cannot appear in an Italian IBAN are skipped and counted, not refused: an
intermediary without ABI (COD_MECC), a branch without CAB (abroad), an event other than a
merger (002) or an absorption (003), or one whose parties have no ABI.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from riscossa.adapters.cell_parsing import fold_text
from riscossa.adapters.registry_batch import BANK_SCHEMA, BRANCH_SCHEMA, EVENT_SCHEMA
from riscossa.adapters.tabular_reader import ROW_COLUMN, read_table
from riscossa.banking.bank_registry import Bank, EventKind
from riscossa.domain.errors import ImportFileError

SOURCE = "bancaditalia"
SUFFIXES = (".csv", ".txt")
SHOWN_ERRORS = 5


@dataclass(frozen=True)
class Column:
    """A field of a register file: the names it goes by (folded), and whether it must be there."""

    names: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class FileSpec:
    kind: str
    prefix: str  # the GIAVA product name
    columns: dict[str, Column]
    required: bool
    aliases: tuple[str, ...] = ()  # names of the CSV inside the portal's zip

    @property
    def names(self) -> tuple[str, ...]:
        return (self.prefix, *self.aliases)


SPECS = (
    FileSpec(
        "banks",
        "VFLUSSO_INTERMEDIARIO",
        {
            "id_int": Column(("id_int",), required=False),
            "abi": Column(("cod_mecc",)),
            "name": Column(("den_int",)),
            "valid_from": Column(("data_i_val",)),
            "valid_to": Column(("data_f_val",)),
            "register": Column(("tipo_albo",), required=False),
            "bic": Column(("cod_bic", "bic", "cod_swift", "bic_code"), required=False),
        },
        required=True,
        aliases=("INTERMEDIARI",),
    ),
    FileSpec(
        "events",
        "VFLUSSO_EVENTO",
        {
            "event": Column(("cod_evento", "tipo_evento")),
            "successor": Column(("id_int_att",)),
            "absorbed": Column(("id_int_pas",)),
            "effective_date": Column(("data_efficacia",)),
        },
        required=False,
        aliases=("EVENTI_STRUTTURALI",),
    ),
    FileSpec(
        "branches",
        "SUCCURSALI_BANCHE",
        {
            "abi": Column(("cod_mecc",)),
            "cab": Column(("cab_sede", "cab")),
            "opened": Column(("data_i_oper",)),
            "closed": Column(("data_f_oper",)),
            "closing_reason_code": Column(("caus_chius",), required=False),
            "closing_reason": Column(("des_caus_chius",), required=False),
            "town": Column(("des_com_ita", "comune"), required=False),
            "branch_id": Column(("id_sede",), required=False),
            "record_from": Column(("data_i_val",), required=False),
            "record_to": Column(("data_f_val",), required=False),
        },
        required=False,
        aliases=("SUCCURSALI",),
    ),
)

# GIAVA event codes kept: the others (openings, name changes, transfers of branches...) do
# not move accounts from one ABI to another.
EVENT_CODES = {"002": EventKind.MERGER, "003": EventKind.ABSORPTION}
# TIPO_ALBO of the registers whose codes appear in IBANs: banks (001), the former e-money
# register (010), payment institutions (012), e-money institutions (016). The others (asset
# managers, financial companies, funds) hold no accounts.
IBAN_REGISTERS = ("001", "010", "012", "016")
OPEN_END_YEAR = 9999
_EDITION = re.compile(r"^\d{4}-?\d{2}-?\d{2}[_\- ]")  # "2026-09-23_INTERMEDIARI.csv"


@dataclass(frozen=True)
class SourceFile:
    kind: str
    name: str  # as the user sees it: "VFLUSSO_EVENTO.csv" or "giava.zip:VFLUSSO_EVENTO.csv"
    sha256: str
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "sha256": self.sha256, "rows": self.rows}


@dataclass(frozen=True)
class RegistryFiles:
    """What a folder of register files says, typed and normalised, ready to store."""

    banks: pl.DataFrame
    events: pl.DataFrame
    branches: pl.DataFrame
    files: tuple[SourceFile, ...]
    missing: tuple[str, ...]  # register files not found (their part of the registry is empty)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Digest of the normalised content: the same registry re-exported hashes the same."""
        digest = hashlib.sha256()
        for name, frame in (
            ("banks", self.banks),
            ("events", self.events),
            ("branches", self.branches),
        ):
            digest.update(name.encode())
            digest.update(frame.sort(frame.columns, nulls_last=True).write_csv().encode())
        return digest.hexdigest()

    def files_json(self) -> str:
        return json.dumps([f.as_dict() for f in self.files], ensure_ascii=False)


def read_registry_dir(directory: Path) -> RegistryFiles:
    """Every register file of ``directory`` (or of the zips in it), all or nothing."""
    if not directory.is_dir():
        raise ImportFileError(f"{directory}: not a folder")
    with tempfile.TemporaryDirectory(prefix="riscossa-registry-") as scratch:
        found = _find_files(directory, Path(scratch))
        missing = tuple(spec.prefix for spec in SPECS if spec.kind not in found)
        required = [spec.prefix for spec in SPECS if spec.required and spec.kind not in found]
        if required:
            raise ImportFileError(
                f"{directory}: no {', '.join(required)} file (.csv or .txt, also inside a .zip)"
            )
        loaded = {s.kind: _load(s, *found[s.kind]) for s in SPECS if s.kind in found}
    skipped: dict[str, int] = {}
    typed_banks, banks = _banks(loaded["banks"], skipped)
    by_id = "id_int" in loaded["banks"].present
    events = _renumberings(typed_banks) if by_id else pl.DataFrame(schema=EVENT_SCHEMA)
    if "events" in loaded:
        found_events = _events(loaded["events"], typed_banks, by_id, skipped)
        events = pl.concat([found_events, events.cast(EVENT_SCHEMA)]).unique(maintain_order=True)
    branches = pl.DataFrame(schema=BRANCH_SCHEMA)
    if "branches" in loaded:
        branches = _branches(loaded["branches"], skipped)
    return RegistryFiles(
        banks=banks.cast(BANK_SCHEMA),
        events=events.cast(EVENT_SCHEMA),
        branches=branches.cast(BRANCH_SCHEMA),
        files=tuple(
            SourceFile(kind, item.name, item.sha256, item.rows) for kind, item in loaded.items()
        ),
        missing=missing,
        skipped={k: v for k, v in skipped.items() if v},
    )


def spec_of(kind: str) -> FileSpec:
    return next(spec for spec in SPECS if spec.kind == kind)


# --- finding and reading the files ---------------------------------------------------------


def _match(file_name: str) -> FileSpec | None:
    """By product name (VFLUSSO_EVENTO...), or as the portal names the CSV in its zip."""
    name = Path(file_name).name
    if not name.lower().endswith(SUFFIXES):
        return None
    bare = _EDITION.sub("", name).upper()
    return next((s for s in SPECS if any(bare.startswith(n) for n in s.names)), None)


def _find_files(directory: Path, scratch: Path) -> dict[str, tuple[str, Path]]:
    """kind -> (name shown to the user, readable path); zip members are extracted to scratch."""
    found: dict[str, tuple[str, Path]] = {}

    def add(spec: FileSpec, shown: str, path: Path) -> None:
        if spec.kind in found:
            raise ImportFileError(
                f"{directory}: two {spec.prefix} files ({found[spec.kind][0]} and {shown}): "
                "keep only one"
            )
        found[spec.kind] = (shown, path)

    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        if path.suffix.lower() == ".zip":
            for shown, member in _zip_members(path, scratch):
                spec = _match(member.name)
                if spec:
                    add(spec, shown, member)
            continue
        spec = _match(path.name)
        if spec:
            add(spec, path.name, path)
    return found


def _zip_members(archive: Path, scratch: Path) -> Iterator[tuple[str, Path]]:
    try:
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                if info.is_dir() or _match(info.filename) is None:
                    continue
                target = scratch / f"{len(list(scratch.iterdir()))}" / Path(info.filename).name
                target.parent.mkdir()
                target.write_bytes(zipped.read(info))
                yield f"{archive.name}:{info.filename}", target
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"{archive.name}: not a readable zip archive ({exc})") from exc


@dataclass(frozen=True)
class _Loaded:
    """A register file's cells, one text column per field of its spec (null when absent)."""

    spec: FileSpec
    name: str
    sha256: str
    frame: pl.DataFrame  # spec fields + ROW_COLUMN
    present: frozenset[str]  # fields whose column the file has
    rows: int


def _load(spec: FileSpec, shown: str, path: Path) -> _Loaded:
    """Map headers to fields; a missing required column stops before any row is typed."""
    try:
        table = read_table(path)
    except ImportFileError as exc:
        raise ImportFileError(str(exc).replace(str(path), shown)) from exc
    headers: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        headers.setdefault(fold_text(header), index)
    columns: dict[str, pl.Expr] = {}
    for key, column in spec.columns.items():
        position = next((headers[n] for n in column.names if n in headers), None)
        if position is None:
            if column.required:
                raise ImportFileError(
                    f"{shown}: column {column.names[0].upper()} is missing "
                    f"(the header has: {', '.join(h for h in table.headers if h)})"
                )
            columns[key] = pl.lit(None, dtype=pl.Utf8)
        else:
            columns[key] = _clean(pl.col(table.column_name(position)))
    frame = table.frame.select(**columns, **{ROW_COLUMN: pl.col(ROW_COLUMN)})
    blank = pl.all_horizontal(pl.col(k).is_null() for k in spec.columns)
    present = frozenset(k for k, c in spec.columns.items() if any(n in headers for n in c.names))
    return _Loaded(spec, shown, table.sha256, frame.filter(~blank), present, table.frame.height)


def _clean(col: pl.Expr) -> pl.Expr:
    text = col.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


# --- typing the cells -----------------------------------------------------------------------

Typed = tuple[pl.Expr, pl.Expr | None]  # value, error message (null when fine)


def _text(col: str, limit: int) -> Typed:
    return pl.col(col).fill_null("").str.slice(0, limit), None


def _code(col: str, width: int, label: str) -> Typed:
    """Zero-padded numeric code, and the error when the cell is not one."""
    text = pl.col(col).str.replace(r"\.0+$", "")
    valid = text.str.contains(rf"^\d{{1,{width}}}$")
    error = pl.when(pl.col(col).is_not_null() & ~valid).then(
        pl.format(f"'{{}}' is not {label} (up to {width} digits)", pl.col(col))
    )
    return pl.when(valid).then(text.str.zfill(width)), error


def _identifier(col: str) -> Typed:
    """Intermediary ids compare without leading zeros: ``0012345`` is ``12345``."""
    text = pl.col(col)
    numeric = text.str.contains(r"^\d+$")
    stripped = text.str.strip_chars_start("0")
    value = (
        pl.when(numeric & (stripped == ""))
        .then(pl.lit("0"))
        .when(numeric)
        .then(stripped)
        .otherwise(text.str.to_uppercase())
    )
    return value, None


def _date(col: str, *, open_end: bool = False) -> Typed:
    """Date value and error; with ``open_end``, a year-9999 date means "still in force"."""
    text = pl.col(col).str.replace(r"[ T]00:00(:00)?(\.0+)?$", "")
    value: pl.Expr = (
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$"))
        .then(text.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .when(text.str.contains(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}$"))
        .then(text.str.replace_all(r"[.\-]", "/").str.strptime(pl.Date, "%d/%m/%Y", strict=False))
        .when(text.str.contains(r"^\d{8}$"))
        .then(text.str.strptime(pl.Date, "%Y%m%d", strict=False))
    )
    error = pl.when(pl.col(col).is_not_null() & value.is_null()).then(
        pl.format("'{}' is not a date (YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD)", pl.col(col))
    )
    if open_end:
        value = pl.when(value.dt.year() == OPEN_END_YEAR).then(None).otherwise(value)
    return value, error


def _required(col: str, typed: Typed) -> Typed:
    value, error = typed
    empty = pl.when(pl.col(col).is_null()).then(pl.lit("empty"))
    return value, empty if error is None else pl.coalesce(empty, error)


def _bic(col: str) -> Typed:
    text = pl.col(col).str.to_uppercase()
    valid = text.str.contains(r"^[A-Z0-9]{8}([A-Z0-9]{3})?$")
    error = pl.when(pl.col(col).is_not_null() & ~valid).then(
        pl.format("'{}' is not a BIC (8 or 11 letters and digits)", pl.col(col))
    )
    return pl.when(valid).then(text).otherwise(pl.lit("")), error


def _typed(loaded: _Loaded, fields: dict[str, Typed], keep: pl.Expr | None = None) -> pl.DataFrame:
    """Apply the typing expressions to the kept rows; any error stops the whole load."""
    frame = loaded.frame if keep is None else loaded.frame.filter(keep)
    header = {k: c.names[0].upper() for k, c in loaded.spec.columns.items()}
    errors = [
        pl.format("{}: {}", pl.lit(header[name]), error)
        for name, (_value, error) in fields.items()
        if error is not None and name in header
    ]
    if errors:
        found = (
            frame.select(ROW_COLUMN, pl.concat_list(errors).list.drop_nulls().alias("messages"))
            .filter(pl.col("messages").list.len() > 0)
            .sort(ROW_COLUMN)
        )
        if found.height:
            lines = [
                f"{loaded.name}, row {row}, {'; '.join(messages)}"
                for row, messages in found.head(SHOWN_ERRORS).iter_rows()
            ]
            if found.height > SHOWN_ERRORS:
                lines.append(f"... and {found.height - SHOWN_ERRORS} more row(s) with errors")
            raise ImportFileError("nothing loaded:\n" + "\n".join(lines))
    return frame.select(ROW_COLUMN, *(value.alias(name) for name, (value, _e) in fields.items()))


def _count(skipped: dict[str, int], reason: str, frame: pl.DataFrame, condition: pl.Expr) -> None:
    skipped[reason] = skipped.get(reason, 0) + frame.filter(condition).height


# --- the three registers -------------------------------------------------------------------


def _banks(loaded: _Loaded, skipped: dict[str, int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed rows with their intermediary id, banks frame with BICs filled from schwifty)."""
    register = pl.col("register").str.zfill(3)
    elsewhere = pl.col("register").is_not_null() & ~register.is_in(IBAN_REGISTERS)
    _count(
        skipped, "intermediaries of registers without IBANs (TIPO_ALBO)", loaded.frame, elsewhere
    )
    no_abi = ~elsewhere & pl.col("abi").is_null()
    _count(skipped, "intermediaries without ABI (COD_MECC)", loaded.frame, no_abi)
    typed = _typed(
        loaded,
        {
            "id_int": _identifier("id_int"),
            "abi": _code("abi", 5, "an ABI code"),
            "name": _text("name", 300),
            "valid_from": _date("valid_from"),
            "valid_to": _date("valid_to", open_end=True),
            "bic": _bic("bic"),
        },
        keep=~elsewhere & ~no_abi,
    )
    schwifty = pl.DataFrame(
        [(b.abi, b.bic) for b in schwifty_banks()],
        schema={"abi": pl.Utf8, "schwifty_bic": pl.Utf8},
        orient="row",
    )
    banks = (
        typed.join(schwifty, on="abi", how="left")
        .select(
            "abi",
            "name",
            pl.when(pl.col("bic") == "")
            .then(pl.col("schwifty_bic").fill_null(""))
            .otherwise(pl.col("bic"))
            .alias("bic"),
            "valid_from",
            "valid_to",
            pl.lit(SOURCE).alias("source"),
        )
        .unique(maintain_order=True)
    )
    return typed, banks


def _renumberings(banks: pl.DataFrame) -> pl.DataFrame:
    """One intermediary (ID_INT) moving to a new ABI code: its accounts follow it."""
    periods = banks.filter(
        pl.col("id_int").is_not_null() & pl.col("valid_from").is_not_null()
    ).sort("id_int", "valid_from", "abi")
    previous = pl.col("abi").shift(1).over("id_int")
    return (
        periods.with_columns(previous=previous)
        .filter(pl.col("previous").is_not_null() & (pl.col("previous") != pl.col("abi")))
        .select(
            pl.lit(EventKind.RENUMBERING.value).alias("kind"),
            pl.col("previous").alias("absorbed_abi"),
            pl.col("abi").alias("successor_abi"),
            pl.col("valid_from").alias("effective_date"),
        )
    )


def _event_kind() -> pl.Expr:
    text = pl.col("event")
    code = text.str.zfill(3)
    words = text.str.to_lowercase()
    kind = pl.lit(None, dtype=pl.Utf8)
    for number, event in EVENT_CODES.items():
        kind = (
            pl.when(text.str.contains(r"^\d+$") & (code == number))
            .then(pl.lit(event.value))
            .otherwise(kind)
        )
    return (
        pl.when(words.str.starts_with("fusion"))
        .then(pl.lit(EventKind.MERGER.value))
        .when(words.str.starts_with("incorpor"))
        .then(pl.lit(EventKind.ABSORPTION.value))
        .otherwise(kind)
    )


def _events(
    loaded: _Loaded, banks: pl.DataFrame, by_id: bool, skipped: dict[str, int]
) -> pl.DataFrame:
    """Mergers and absorptions, their parties turned from intermediary ids into ABI codes."""
    kind = _event_kind()
    _count(
        skipped, "events other than merger (002) or absorption (003)", loaded.frame, kind.is_null()
    )
    party = _identifier if by_id else (lambda col: _code(col, 5, "an ABI code"))
    typed = _typed(
        loaded,
        {
            "kind": (kind, None),
            "absorbed": _required("absorbed", party("absorbed")),
            "successor": _required("successor", party("successor")),
            "effective_date": _required("effective_date", _date("effective_date")),
        },
        keep=kind.is_not_null(),
    ).sort("effective_date")
    if by_id:
        typed = _to_abi(typed, banks, "absorbed").pipe(_to_abi, banks, "successor")
    unmapped = pl.col("absorbed").is_null() | pl.col("successor").is_null()
    _count(skipped, "events between intermediaries without ABI", typed, unmapped)
    same = pl.col("absorbed") == pl.col("successor")
    _count(skipped, "events within one ABI", typed, ~unmapped & same)
    return (
        typed.filter(~unmapped & ~same)
        .select(
            "kind",
            pl.col("absorbed").alias("absorbed_abi"),
            pl.col("successor").alias("successor_abi"),
            "effective_date",
        )
        .unique(maintain_order=True)
    )


def _to_abi(events: pl.DataFrame, banks: pl.DataFrame, side: str) -> pl.DataFrame:
    """The ABI an intermediary had on the event's date (else its nearest later one)."""
    ids = (
        banks.select(
            pl.col("id_int"),
            pl.col("abi").alias("__abi"),
            pl.col("valid_from").fill_null(dt.date.min).alias("__from"),
        )
        .filter(pl.col("id_int").is_not_null())
        .unique()
        .sort("__from", "__abi")
    )
    found = [
        events.join_asof(
            ids,
            left_on="effective_date",
            right_on="__from",
            by_left=side,
            by_right="id_int",
            strategy=strategy,
            check_sortedness=False,  # both sides are sorted on the date just above
        ).get_column("__abi")
        for strategy in ("backward", "forward")
    ]
    return events.with_columns(pl.coalesce(*found).alias(side))


def _branches(loaded: _Loaded, skipped: dict[str, int]) -> pl.DataFrame:
    """Branches in Italy; of a record kept in several versions, the latest one.

    SUCCURSALI_BANCHE versions its records (DATA_I_VAL/DATA_F_VAL) besides the operating
    dates: an older version can still say "open" for a branch the latest one closes. A
    latest version whose validity ended without a successor closes the branch then.
    """
    no_code = (
        pl.col("abi").is_null() | pl.col("cab").is_null() | pl.col("cab").str.contains(r"^0+$")
    )
    _count(skipped, "branches without ABI or CAB (abroad)", loaded.frame, no_code)
    typed = _typed(
        loaded,
        {
            "abi": _code("abi", 5, "an ABI code"),
            "cab": _code("cab", 5, "a CAB code"),
            "town": _text("town", 200),
            "opened": _date("opened"),
            "closed": _date("closed", open_end=True),
            "closing_reason_code": _text("closing_reason_code", 16),
            "closing_reason": _text("closing_reason", 300),
            "branch_id": _identifier("branch_id"),
            "record_from": _date("record_from"),
            "record_to": _date("record_to", open_end=True),
        },
        keep=~no_code,
    )
    if {"record_from", "record_to"} & loaded.present:
        versions = typed.height
        typed = (
            typed.sort(
                pl.col("record_from").fill_null(dt.date.min),
                pl.col("record_to").fill_null(dt.date.max),
                ROW_COLUMN,
            )
            .group_by("branch_id", "abi", "cab", "opened", maintain_order=True)
            .last()
            .with_columns(closed=pl.min_horizontal("closed", "record_to"))
        )
        skipped["superseded branch record versions"] = versions - typed.height
    return typed.select(list(BRANCH_SCHEMA)).unique(maintain_order=True)


# --- schwifty's bundled list -----------------------------------------------------------------


def schwifty_banks() -> list[Bank]:
    """Italian banks known to schwifty: one per ABI (its primary entry), no dates, no branches."""
    from schwifty import registry

    chosen: dict[str, Bank] = {}
    for entry in sorted(
        registry.get_banks_by_country("IT"), key=lambda b: not bool(_attr(b, "primary"))
    ):
        abi = str(_attr(entry, "bank_code") or "")
        if len(abi) != 5 or not abi.isdigit() or abi in chosen:
            continue
        chosen[abi] = Bank(
            abi=abi,
            name=str(_attr(entry, "name") or ""),
            bic=str(_attr(entry, "bic") or "").upper(),
            source="schwifty",
        )
    return [chosen[abi] for abi in sorted(chosen)]


def _attr(entry: Any, name: str) -> Any:
    """schwifty's Bank became an object; older releases return plain dicts."""
    return entry[name] if isinstance(entry, dict) else getattr(entry, name, None)
