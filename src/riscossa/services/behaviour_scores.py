"""Behaviour scores for a whole portfolio at once: the column-wise twin of the domain's.

The daily collections run scores every customer in one polars expression instead of a
million calls; ``domain.behaviour_score`` keeps the formula and its explanation, and a test
proves both give the same score row by row.
"""

from __future__ import annotations

from functools import reduce

import polars as pl

from riscossa.domain.behaviour_score import (
    ARREARS_AGE,
    AVG_DAYS_LATE,
    BROKEN_PLANS,
    BROKEN_PROMISES,
    HISTORY_COLUMNS,
    LATE_SHARE,
    MAX_SCORE,
    SCORE_COLUMN,
    SDD_REJECTS,
    WORST_DAYS_LATE,
    ScoreParameters,
)
from riscossa.domain.errors import ValidationError


def score_frame(history: pl.DataFrame, params: ScoreParameters | None = None) -> pl.DataFrame:
    """:func:`behaviour_score` over a frame with one row per customer.

    The frame has the :class:`PaymentHistory` columns (``sdd_reject_codes`` a list of
    strings, null meaning none) and any others, which are kept. Added: ``points_<component>``
    for each component and ``behaviour_score``. The same checks as PaymentHistory's, naming
    the first bad row.
    """

    params = params or ScoreParameters()
    missing = [name for name in HISTORY_COLUMNS if name not in history.columns]
    if missing:
        raise ValidationError(f"payment history frame: missing column {missing[0]}")
    _check_frame(history)

    def number(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Float64)

    paid = pl.col("items_paid")
    codes = params.reject_weights
    reject_units = (
        pl.col("sdd_reject_codes")
        .list.eval(
            pl.element()
            .str.strip_chars()
            .str.to_uppercase()
            .replace_strict(
                list(codes),
                list(codes.values()),
                default=params.default_reject_weight,
                return_dtype=pl.Int64,
            )
        )
        .list.sum()
        .fill_null(0)
    )
    measure: dict[str, pl.Expr] = {
        AVG_DAYS_LATE: pl.when(paid > 0)
        .then(number("days_late_total") / number("items_paid"))
        .otherwise(0.0),
        WORST_DAYS_LATE: number("worst_days_late"),
        LATE_SHARE: pl.when(paid > 0)
        .then(number("items_paid_late") / number("items_paid"))
        .otherwise(0.0),
        SDD_REJECTS: reject_units.cast(pl.Float64),
        BROKEN_PROMISES: number("promises_broken"),
        BROKEN_PLANS: number("plans_broken"),
        ARREARS_AGE: number("arrears_days"),
    }
    points = {
        f"points_{name}": pl.min_horizontal(
            expr * pl.lit(params.component(name).weight, pl.Float64),
            pl.lit(params.component(name).cap, pl.Float64),
        )
        for name, expr in measure.items()
    }
    scored = history.with_columns(**points)
    penalty = reduce(lambda total, column: total + pl.col(column), points, pl.lit(0.0, pl.Float64))
    raw = (pl.lit(float(MAX_SCORE)) - penalty).clip(0.0, float(MAX_SCORE))
    return scored.with_columns((raw + 0.5).floor().cast(pl.Int64).alias(SCORE_COLUMN))


def _check_frame(history: pl.DataFrame) -> None:

    counts = [name for name in HISTORY_COLUMNS if name != "sdd_reject_codes"]
    nulls = [name for name in counts if history[name].null_count()]
    if nulls:
        raise ValidationError(f"payment history frame: column {nulls[0]} has nulls")
    rules: list[tuple[str, pl.Expr]] = [
        (f"{name} cannot be negative", pl.col(name) < 0) for name in counts
    ]
    rules += [
        ("more items paid late than items paid", pl.col("items_paid_late") > pl.col("items_paid")),
        (
            "days_late_total must lie between worst_days_late and "
            "worst_days_late × items_paid_late",
            (pl.col("days_late_total") < pl.col("worst_days_late"))
            | (pl.col("days_late_total") > pl.col("worst_days_late") * pl.col("items_paid_late")),
        ),
    ]
    for message, bad in rules:
        rows = history.select(bad.arg_true()).to_series()
        if rows.len():
            raise ValidationError(f"payment history frame: row {rows[0]}: {message}")
