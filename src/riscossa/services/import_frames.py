"""From a file's text cells to typed, validated columns, and the row errors found on the way.

This is the set-based half of an import: no database, one polars pass per rule. The entity
rules that need the database (known customers, existing keys) live in ``imports``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import polars as pl

from riscossa.adapters.cell_parsing import (
    clean_text,
    italian_preferred,
    parse_amount,
    parse_choice,
    parse_date,
)
from riscossa.adapters.tabular_reader import ROW_COLUMN, Table
from riscossa.domain.errors import ImportFileError
from riscossa.services.import_schemas import (
    BOOL_FALSE,
    BOOL_TRUE,
    EntitySchema,
    FieldSpec,
    FieldType,
    normalise_header,
)

ERR_PREFIX = "__err__"
_BOOL_MAP = {**{v: "true" for v in BOOL_TRUE}, **{v: "false" for v in BOOL_FALSE}}


@dataclass(frozen=True)
class RowError:
    """A problem in one cell: rejected rows carry errors, accepted rows may carry warnings."""

    file: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class TypedTable:
    """Typed columns named after the schema, plus one ``__err__<n>`` column per check."""

    frame: pl.DataFrame
    headers: dict[str, str]  # field name -> header as written in the file
    ignored_columns: list[str]
    checks: list[tuple[str, str]] = field(default_factory=list)  # (error column, field)
    blank_rows: int = 0

    def add_check(self, field_name: str, message: pl.Expr) -> None:
        name = f"{ERR_PREFIX}{len(self.checks)}"
        self.frame = self.frame.with_columns(message.alias(name))
        self.checks.append((name, field_name))

    def header(self, field_name: str) -> str:
        return self.headers.get(field_name, field_name)


def map_headers(table: Table, schema: EntitySchema) -> tuple[dict[str, int], list[str]]:
    """Field name -> column position; refuses missing required columns before any row is read."""
    lookup: dict[str, FieldSpec] = {}
    for spec in schema.fields:
        for name in spec.all_names():
            lookup.setdefault(normalise_header(name), spec)
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(table.headers):
        match = lookup.get(normalise_header(header))
        if match is None:
            ignored.append(header)
            continue
        spec = match
        if spec.name in found:
            first = table.headers[found[spec.name]]
            raise ImportFileError(
                f"{table.path}: columns '{first}' and '{header}' both mean '{spec.name}'; "
                "keep one of them"
            )
        found[spec.name] = index
    missing = [s for s in schema.fields if s.required and s.name not in found]
    if missing:
        wanted = "; ".join(f"'{s.name}' (or: {', '.join(s.aliases[:4])})" for s in missing)
        raise ImportFileError(
            f"{table.path}: required column(s) missing: {wanted}. "
            f"Columns found: {', '.join(repr(h) for h in table.headers) or 'none'}"
        )
    return found, ignored


def type_table(table: Table, schema: EntitySchema) -> TypedTable:
    positions, ignored = map_headers(table, schema)
    frame = table.frame
    mapped = [f"c{i}" for i in positions.values()]
    if mapped:
        blank = pl.all_horizontal([clean_text(pl.col(c)).is_null() for c in mapped])
    else:
        blank = pl.lit(True)
    blank_rows = int(frame.select(blank.sum()).item())
    frame = frame.filter(~blank)
    columns: list[pl.Series] = [frame.get_column(ROW_COLUMN)]
    checks: list[tuple[str, str]] = []

    def check(field_name: str, errors: pl.Series) -> None:
        name = f"{ERR_PREFIX}{len(checks)}"
        columns.append(errors.alias(name))
        checks.append((name, field_name))

    for spec in schema.fields:
        if spec.name not in positions:
            fill = spec.default if spec.default is not None else None
            columns.append(pl.Series(spec.name, [fill] * frame.height, dtype=_dtype(spec)))
            continue
        cells = frame.get_column(f"c{positions[spec.name]}")
        value, error = _parse(spec, cells)
        if spec.default is not None:
            value = value.fill_null(spec.default)
        columns.append(value.alias(spec.name))
        if error is not None:
            check(spec.name, error)
        if spec.required:
            missing = cells.str.strip_chars().fill_null("") == ""
            check(
                spec.name,
                pl.Series([None, "required value missing"], dtype=pl.Utf8).gather(
                    missing.cast(pl.UInt32)
                ),
            )
    headers = {name: table.headers[i] for name, i in positions.items()}
    return TypedTable(
        frame=pl.DataFrame(columns),
        headers=headers,
        ignored_columns=ignored,
        checks=checks,
        blank_rows=blank_rows,
    )


def _dtype(spec: FieldSpec) -> pl.DataType:
    if spec.type is FieldType.AMOUNT:
        return pl.Int64()
    if spec.type is FieldType.DATE:
        return pl.Date()
    if spec.type is FieldType.BOOL:
        return pl.Boolean()
    return pl.Utf8()


def _parse(spec: FieldSpec, cells: pl.Series) -> tuple[pl.Series, pl.Series | None]:
    if spec.type is FieldType.AMOUNT:
        return parse_amount(cells, italian_preferred(cells))
    if spec.type is FieldType.DATE:
        return parse_date(cells)
    if spec.type is FieldType.BOOL:
        value, error = parse_choice(cells, _BOOL_MAP, "yes/no value")
        return value.replace_strict(
            ["true", "false"], [True, False], default=None, return_dtype=pl.Boolean
        ), error
    if spec.type is FieldType.CHOICE:
        return parse_choice(cells, spec.choices, spec.name.replace("_", " "))
    # An apostrophe before = + - @ is the anti-formula guard spreadsheets add: not data.
    frame = pl.DataFrame({"c": cells}).select(
        text=clean_text(pl.col("c")).str.replace(r"^'([=+\-@])", "$1")
    )
    if spec.type is FieldType.CODE:
        frame = frame.select(
            text=pl.col("text").str.replace_all(r"[\s\u00a0]", "").str.to_uppercase()
        )
    if not spec.max_length:
        return frame.get_column("text"), None
    too_long = pl.col("text").str.len_chars() > spec.max_length
    out = frame.select(
        text=pl.when(too_long).then(None).otherwise(pl.col("text")),
        error=pl.when(too_long).then(
            pl.format(f"longer than {spec.max_length} characters: '{{}}'", pl.col("text"))
        ),
    )
    return out.get_column("text"), out.get_column("error")


def flag_duplicates(typed: TypedTable, key: str) -> None:
    """Later rows repeating a key are rejected, naming the row that came first."""
    first_row = pl.col(ROW_COLUMN).first().over(key)
    typed.add_check(
        key,
        pl.when(pl.col(key).is_not_null() & ~pl.col(key).is_first_distinct())
        .then(
            pl.format(
                "duplicate {} '{}' (first at row {})",
                pl.lit(key.replace("_", " ")),
                pl.col(key),
                first_row,
            )
        )
        .otherwise(None),
    )


def split_errors(typed: TypedTable, file_name: str) -> tuple[pl.DataFrame, list[RowError]]:
    """The accepted rows, and every error of the rejected ones, in file order."""
    frame = typed.frame
    errors: list[RowError] = []
    if typed.checks:
        long = pl.concat(
            [
                frame.select(
                    pl.col(ROW_COLUMN).alias("row"),
                    pl.lit(typed.header(field_name)).alias("column"),
                    pl.col(err).alias("message"),
                ).filter(pl.col("message").is_not_null())
                for err, field_name in typed.checks
            ]
        ).sort("row", maintain_order=True)
        errors = [RowError(file_name, int(r), str(c), str(m)) for r, c, m in long.iter_rows()]
        bad = pl.any_horizontal([pl.col(err).is_not_null() for err, _ in typed.checks])
        frame = frame.filter(~bad)
    frame = frame.drop([err for err, _ in typed.checks])
    typed.checks = []
    return frame, errors


def row_hashes(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable digest of a row's canonical values, to tell unchanged rows on re-import."""
    joined = frame.select(
        pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in columns], separator="\x1f")
    ).to_series()
    digests = [hashlib.blake2b(v.encode(), digest_size=16).hexdigest() for v in joined]
    return pl.Series("row_hash", digests, dtype=pl.Utf8)
