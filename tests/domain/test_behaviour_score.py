"""The behaviour score: exact values, the window, the parameters, and the polars twin."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riscossa.domain.behaviour_score import (
    COMPONENTS,
    DEFAULT_REJECT_WEIGHTS,
    SCORE_COLUMN,
    Component,
    PaymentHistory,
    ScoreParameters,
    behaviour_score,
    explain,
    parse_score_parameters,
    summarise_history,
)
from riscossa.domain.errors import ValidationError
from riscossa.services.behaviour_scores import score_frame

AS_OF = dt.date(2026, 3, 31)
ZERO = Component(0.0, 0.0)


def history_of(
    days_late: list[int],
    rejects: tuple[str, ...] = (),
    promises: int = 0,
    plans: int = 0,
    arrears: int = 0,
) -> PaymentHistory:
    """A history from each paid item's days late (0 = on time)."""
    return PaymentHistory(
        items_paid=len(days_late),
        items_paid_late=sum(1 for d in days_late if d > 0),
        days_late_total=sum(days_late),
        worst_days_late=max(days_late, default=0),
        sdd_reject_codes=rejects,
        promises_broken=promises,
        plans_broken=plans,
        arrears_days=arrears,
    )


def only(**parts: Component) -> ScoreParameters:
    """Parameters where only the named components count."""
    base: dict[str, Any] = dict.fromkeys(COMPONENTS, ZERO)
    base.update(parts)
    return ScoreParameters(**base)


def frame_of(histories: list[PaymentHistory]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_code": [f"C{i:04d}" for i in range(len(histories))],
            "items_paid": [h.items_paid for h in histories],
            "items_paid_late": [h.items_paid_late for h in histories],
            "days_late_total": [h.days_late_total for h in histories],
            "worst_days_late": [h.worst_days_late for h in histories],
            "sdd_reject_codes": [list(h.sdd_reject_codes) for h in histories],
            "promises_broken": [h.promises_broken for h in histories],
            "plans_broken": [h.plans_broken for h in histories],
            "arrears_days": [h.arrears_days for h in histories],
        },
        schema_overrides={"sdd_reject_codes": pl.List(pl.String)},
    )


# -- the formula, by hand ---------------------------------------------------------------------

MIXED = history_of([0] * 7 + [5, 5, 30], rejects=("AM04", " am04", "XX99"), promises=1, arrears=12)


def test_every_component_of_a_mixed_history() -> None:
    explanation = explain(MIXED)
    points = {c.name: c.points for c in explanation.contributions}
    assert [c.name for c in explanation.contributions] == list(COMPONENTS)
    assert points == {
        "avg_days_late": 4.0,  # 40 days over 10 items
        "worst_days_late": 7.5,  # 30 × 0.25
        "late_share": 9.0,  # 3 of 10 × 30
        "sdd_rejects": 20.0,  # AM04 3 + AM04 3 + unknown 1 = 7 × 4 = 28, capped at 20
        "broken_promises": 8.0,
        "broken_plans": 0.0,
        "arrears_age": pytest.approx(2.4),
    }
    assert explanation.raw == pytest.approx(49.1)
    assert explanation.score == 49
    assert behaviour_score(MIXED) == 49


def test_explanation_reads_largest_loss_first() -> None:
    lines = explain(MIXED).lines()
    assert lines[0] == "sdd_rejects: 7 × 4 = 28, capped at 20 → -20"
    assert lines[1] == "late_share: 0.3 × 30 = 9 → -9"
    assert "arrears_age: 12 × 0.2 = 2.4 → -2.4" in lines
    assert "broken_plans: 0 → 0" in lines
    assert lines[-1] == "score 49 of 100 (policy default-1)"


def test_a_customer_who_always_paid_on_time_scores_100() -> None:
    assert behaviour_score(history_of([0] * 24)) == 100
    assert behaviour_score(PaymentHistory()) == 100


def test_a_customer_with_everything_wrong_scores_0_not_below() -> None:
    worst = history_of([400] * 5, rejects=("AM04",) * 10, promises=5, plans=3, arrears=900)
    explanation = explain(worst)
    assert explanation.raw == -64.0  # every cap: 25 + 15 + 30 + 20 + 24 + 30 + 20 = 164
    assert explanation.score == 0
    assert all(c.points == c.cap for c in explanation.contributions)


def test_arrears_age_counts_even_without_paid_items() -> None:
    assert behaviour_score(history_of([], arrears=50)) == 90  # 50 × 0.2


@pytest.mark.parametrize(
    ("code", "score"),
    [("AM04", 88), ("MS02", 92), ("MD06", 92), ("AC04", 96), ("FF01", 100), ("ZZ99", 96)],
)
def test_sdd_rejects_weigh_by_reason(code: str, score: int) -> None:
    assert behaviour_score(history_of([], rejects=(code,))) == score


def test_rounding_is_half_up() -> None:
    params = only(avg_days_late=Component(0.5, 100.0))
    assert explain(history_of([3]), params).raw == 98.5
    assert behaviour_score(history_of([3]), params) == 99  # round() would say 98


def test_window_boundaries() -> None:
    params = ScoreParameters(window_days=730)
    first_day_out = AS_OF - dt.timedelta(days=730)
    first_day_in = first_day_out + dt.timedelta(days=1)
    history = summarise_history(
        AS_OF,
        paid_items=[
            (first_day_out - dt.timedelta(days=50), first_day_out),  # out: 50 days late
            (first_day_in - dt.timedelta(days=9), first_day_in),  # in: 9 days late
            (AS_OF, AS_OF),  # in, on time
            (AS_OF, AS_OF + dt.timedelta(days=1)),  # after as_of: out
        ],
        sdd_rejects=[(first_day_out, "AM04"), (first_day_in, "MS02"), (AS_OF, "am04")],
        broken_promises=[first_day_out, AS_OF],
        broken_plans=[first_day_in],
        arrears_days=17,
        params=params,
    )
    assert history == PaymentHistory(
        items_paid=2,
        items_paid_late=1,
        days_late_total=9,
        worst_days_late=9,
        sdd_reject_codes=("MS02", "am04"),
        promises_broken=1,
        plans_broken=1,
        arrears_days=17,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"items_paid": -1}, "items_paid cannot be negative"),
        ({"items_paid": 1, "items_paid_late": 2}, "more items paid late than items paid"),
        ({"items_paid": 2, "items_paid_late": 1, "days_late_total": 5}, "between worst"),
        (
            {"items_paid": 2, "items_paid_late": 1, "days_late_total": 5, "worst_days_late": 4},
            "between worst",
        ),
        ({"arrears_days": -3}, "arrears_days cannot be negative"),
    ],
)
def test_history_refuses_impossible_measures(fields: dict[str, int], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PaymentHistory(**fields)  # type: ignore[arg-type]


# -- parameters ---------------------------------------------------------------------------------


def test_parameters_refuse_negative_weights_and_caps() -> None:
    with pytest.raises(ValidationError, match=r"broken_plans\.weight must be >= 0"):
        ScoreParameters(broken_plans=Component(-1.0, 10.0))
    with pytest.raises(ValidationError, match=r"arrears_age\.cap must be >= 0"):
        ScoreParameters(arrears_age=Component(1.0, float("nan")))
    with pytest.raises(ValidationError, match="reject weight AM04"):
        ScoreParameters(reject_weights={"AM04": -1})
    with pytest.raises(ValidationError, match="window must be at least 1 day"):
        ScoreParameters(window_days=0)


def test_parse_overrides_only_what_it_names() -> None:
    params = parse_score_parameters(
        {
            "version": "credit-2026",
            "window_days": 365,
            "components": {"broken_promises": {"weight": 10}, "arrears_age": {"cap": 40.5}},
            "reject_weights": {"am04": 5, "MS02": 0},
            "default_reject_weight": 2,
        },
        "score.toml",
    )
    assert params.version == "credit-2026"
    assert params.window_days == 365
    assert params.broken_promises == Component(10.0, 24.0)
    assert params.arrears_age == Component(0.2, 40.5)
    assert params.avg_days_late == ScoreParameters().avg_days_late
    assert dict(params.reject_weights) == {"AM04": 5, "MS02": 0}
    assert params.reject_weight("FF01") == 2
    assert parse_score_parameters({}, "empty.toml") == ScoreParameters()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colour": 1}, r"score\.toml: colour: unknown key"),
        ({"components": {"tardiness": {}}}, r"score\.toml: components\.tardiness: unknown"),
        ({"components": {"arrears_age": 3}}, r"components\.arrears_age: must be a table"),
        (
            {"components": {"arrears_age": {"weight": -1}}},
            r"components\.arrears_age\.weight: must be a number >= 0, not -1",
        ),
        (
            {"components": {"arrears_age": {"cap": True}}},
            r"components\.arrears_age\.cap: must be a number",
        ),
        (
            {"components": {"arrears_age": {"ceiling": 3}}},
            r"components\.arrears_age\.ceiling: unknown key",
        ),
        ({"reject_weights": {"AM04": 1.5}}, r"reject_weights\.AM04: must be a whole number"),
        ({"window_days": 0}, r"window_days: must be a whole number >= 1, not 0"),
        ({"version": ""}, r"version: must be a non-empty string"),
    ],
)
def test_parse_names_file_and_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_score_parameters(data, "score.toml")


# -- the column-wise twin -----------------------------------------------------------------------


def test_frame_scores_and_keeps_other_columns() -> None:
    frame = frame_of([MIXED, PaymentHistory(), history_of([], arrears=50)])
    scored = score_frame(frame)
    assert scored["customer_code"].to_list() == ["C0000", "C0001", "C0002"]
    assert scored[SCORE_COLUMN].to_list() == [49, 100, 90]
    assert scored["points_sdd_rejects"].to_list() == [20.0, 0.0, 0.0]
    assert scored["points_avg_days_late"].to_list() == [4.0, 0.0, 0.0]


def test_frame_treats_null_reject_list_as_none() -> None:
    frame = frame_of([history_of([], rejects=("AM04",))]).with_columns(
        pl.lit(None, pl.List(pl.String)).alias("sdd_reject_codes")
    )
    assert score_frame(frame)[SCORE_COLUMN].to_list() == [100]


def test_frame_refuses_missing_columns_and_bad_rows() -> None:
    frame = frame_of([PaymentHistory(), history_of([3])])
    with pytest.raises(ValidationError, match="missing column plans_broken"):
        score_frame(frame.drop("plans_broken"))
    bad = frame.with_columns(pl.Series("items_paid_late", [0, 2]))
    with pytest.raises(ValidationError, match="row 1: more items paid late than items paid"):
        score_frame(bad)
    negative = frame.with_columns(pl.Series("arrears_days", [-1, 0]))
    with pytest.raises(ValidationError, match="row 0: arrears_days cannot be negative"):
        score_frame(negative)
    gaps = frame.with_columns(pl.Series("promises_broken", [None, 0], pl.Int64))
    with pytest.raises(ValidationError, match="column promises_broken has nulls"):
        score_frame(gaps)


CODES = st.sampled_from([*DEFAULT_REJECT_WEIGHTS, "XX01", " am04 ", "ms02"])


@st.composite
def histories(draw: st.DrawFn) -> PaymentHistory:
    return history_of(
        draw(st.lists(st.integers(0, 500), max_size=30)),
        rejects=tuple(draw(st.lists(CODES, max_size=8))),
        promises=draw(st.integers(0, 6)),
        plans=draw(st.integers(0, 4)),
        arrears=draw(st.integers(0, 1500)),
    )


components = st.builds(
    Component,
    weight=st.floats(0, 50, allow_nan=False, allow_infinity=False),
    cap=st.floats(0, 60, allow_nan=False, allow_infinity=False),
)


@st.composite
def parameters(draw: st.DrawFn) -> ScoreParameters:
    parts: dict[str, Any] = {name: draw(components) for name in COMPONENTS}
    weights = draw(st.dictionaries(st.sampled_from(["AM04", "MS02", "AC04"]), st.integers(0, 5)))
    return ScoreParameters(
        reject_weights=MappingProxyType(weights),
        default_reject_weight=draw(st.integers(0, 3)),
        **parts,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=40), st.none() | parameters())
def test_frame_equals_scalar_row_by_row(rows: list[PaymentHistory], params: Any) -> None:
    scored = score_frame(frame_of(rows), params)
    for index, history in enumerate(rows):
        explanation = explain(history, params)
        assert scored[SCORE_COLUMN][index] == explanation.score
        for part in explanation.contributions:
            assert scored[f"points_{part.name}"][index] == part.points  # exactly, not approx


@given(histories(), st.none() | parameters())
def test_score_stays_within_0_and_100(history: PaymentHistory, params: Any) -> None:
    assert 0 <= behaviour_score(history, params) <= 100


@given(
    st.lists(st.integers(0, 500), min_size=1, max_size=30),
    st.data(),
    st.integers(1, 200),
    st.none() | parameters(),
)
def test_paying_later_never_raises_the_score(
    days: list[int], data: st.DataObject, extra: int, params: Any
) -> None:
    which = data.draw(st.integers(0, len(days) - 1))
    later = [d + extra if i == which else d for i, d in enumerate(days)]
    assert behaviour_score(history_of(later), params) <= behaviour_score(history_of(days), params)


@given(histories(), st.integers(1, 400))
def test_older_arrears_never_raise_the_score(history: PaymentHistory, extra: int) -> None:
    older = PaymentHistory(**{**_as_dict(history), "arrears_days": history.arrears_days + extra})
    assert behaviour_score(older) <= behaviour_score(history)


def _as_dict(history: PaymentHistory) -> dict[str, Any]:
    return {name: getattr(history, name) for name in PaymentHistory.__dataclass_fields__}
