"""The daily collections run: for every customer in arrears, today's next action or the reason
there is none.

Set-based on purpose (the target is a million customers in a minute): a handful of queries
load the overdue items, the payment history, the actions already taken, outcomes, promises,
pauses and money in transit; polars decides for everyone at once. Python loops run only over
what is small: the distinct combinations of the conditions strategies look at (not the
customers), the distinct due dates for prescription, the channel lots handed to people, and
the champion/challenger hash of the customers whose strategy has a challenger.

Suppression reasons, first that applies wins: ``paused``, ``dispute`` (every overdue item disputed;
disputed items are never dunned),
``time_barred`` (every overdue item prescribed), ``covered`` (money in transit or unapplied
brings what is left under the threshold), ``under_threshold``, ``promise_pending``,
``no_strategy``, ``strategy_ended``, then once the next step is known ``contact_cap``
(contacts in the last 7 days) and ``supply_refused:<reasons>`` (a supply action the law
forbids whatever the day).
A supply action refused only for the day (Friday, Saturday, holiday, pre-holiday) is
*postponed* with the first allowed day; the next run plans it again.

Idempotent per date: a second run of the same ``as_of`` replaces that date's planned actions
(those already done or with an outcome stay, and their customers get nothing new). A run for
a date earlier than a stored run is refused: the later run's decisions depended on it. Dry
runs never write; with ``days`` they simulate the following days, each one seeing the
actions the previous simulated days planned.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from riscossa.adapters.db import tables as t
from riscossa.adapters.db.bulk import driver_frame, insert_frame
from riscossa.adapters.strategy_yaml import shipped_strategies
from riscossa.domain.behaviour_score import HISTORY_COLUMNS, SCORE_COLUMN, ScoreParameters
from riscossa.domain.contracts import Utility
from riscossa.domain.errors import ValidationError
from riscossa.domain.regulatory import (
    CustomerClass,
    RegulatorySettings,
    SupplyAction,
    SuspensionFacts,
    next_allowed_suspension_day,
    supply_of,
    suspension_allowed_on,
    time_barred,
)
from riscossa.domain.strategy import (
    CHAMPION,
    SUPPLY_ACTIONS,
    Action,
    Channel,
    Position,
    Strategy,
    TransitionKind,
    WaitFrom,
    choose_strategy,
)
from riscossa.domain.work_lots import Assignee, AssigneeKind, DueAction, balance_lots
from riscossa.services.behaviour_scores import score_frame
from riscossa.services.dunning_guard import covered_amounts
from riscossa.services.policies import (
    POLICY_PACKAGE,
    load_toml,
    read_policy_file,
    shipped_policy_text,
)
from riscossa.services.regulatory_settings import default_regulatory_settings

COLLECTIONS = "collections.toml"
CONTACT_CHANNELS = frozenset(
    {
        Channel.SMS,
        Channel.EMAIL,
        Channel.LETTER,
        Channel.RACCOMANDATA,
        Channel.PEC,
        Channel.PHONE,
        Channel.FIELD,
    }
)
CONTACT_WINDOW_DAYS = 7
# Which address a channel needs; the others (post, distributor, agency...) always reach.
_NEEDS = {Channel.SMS: "phone", Channel.PHONE: "phone", Channel.EMAIL: "email", Channel.PEC: "pec"}
_SUPPLY_ACTION = {
    Action.POWER_REDUCTION_REQUEST: SupplyAction.POWER_REDUCTION,
    Action.SUSPENSION_REQUEST: SupplyAction.SUSPENSION,
    Action.LIMITATION_REQUEST: SupplyAction.LIMITATION,
}
# The prescription protects consumers, micro-businesses and professionals; the ledger knows
# only the segment, so a business is taken as a micro-business (the customer's side).
_CUSTOMER_CLASS = {
    "residential": CustomerClass.CONSUMER,
    "business": CustomerClass.MICRO_BUSINESS,
    "public_administration": CustomerClass.PUBLIC_ADMINISTRATION,
}
ACTION_COLUMNS = (
    "customer_id",
    "customer_code",
    "contract_id",
    "contract_code",
    "strategy",
    "strategy_version",
    "arm",
    "step_id",
    "action",
    "channel",
    "due_date",
    "amount_cents",
    "unit_cost_cents",
    "lot_code",
)


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionsSettings:
    """Thresholds, contact cap, and who works which channel (``assignees``: channel -> list)."""

    min_overdue_cents: int = 1000
    max_contacts_per_week: int = 3
    assignees: Mapping[str, tuple[Assignee, ...]] = field(default_factory=dict)


def parse_collections_settings(data: Mapping[str, Any], source: str) -> CollectionsSettings:
    def whole(section: Mapping[str, Any], key: str, where: str) -> int:
        value = section.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(f"{source}: {where}.{key} must be a whole number >= 0")
        return value

    thresholds = data.get("thresholds", {})
    by_channel: dict[str, list[Assignee]] = {}
    for index, entry in enumerate(data.get("lots", {}).get("assignees", [])):
        where = f"lots.assignees[{index}]"
        kinds = [k.value for k in AssigneeKind]
        if entry.get("kind") not in kinds:
            raise ValidationError(f"{source}: {where}.kind must be one of {', '.join(kinds)}")
        channels = entry.get("channels")
        known = [c.value for c in Channel]
        if not isinstance(channels, list) or not channels or any(c not in known for c in channels):
            raise ValidationError(f"{source}: {where}.channels must list channels of {known}")
        assignee = Assignee(
            code=str(entry.get("code", "")),
            kind=AssigneeKind(entry["kind"]),
            max_count=whole(entry, "max_count", where),
            max_amount_cents=entry.get("max_amount_cents"),
            region=entry.get("region"),
            skills=frozenset(entry.get("skills", ())),
        )
        for channel in channels:
            by_channel.setdefault(channel, []).append(assignee)
    return CollectionsSettings(
        min_overdue_cents=whole(thresholds, "min_overdue_cents", "thresholds"),
        max_contacts_per_week=whole(thresholds, "max_contacts_per_week", "thresholds"),
        assignees={k: tuple(v) for k, v in by_channel.items()},
    )


@cache
def default_collections_settings() -> CollectionsSettings:
    source = f"{POLICY_PACKAGE}/{COLLECTIONS}"
    return parse_collections_settings(load_toml(shipped_policy_text(COLLECTIONS), source), source)


def load_collections_settings(path: str | Path | None = None) -> CollectionsSettings:
    if path is None:
        return default_collections_settings()
    text = read_policy_file(path, "collections settings file")
    return parse_collections_settings(load_toml(text, str(path)), str(path))


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotSummary:
    code: str
    channel: str
    assignee: str | None
    count: int
    amount_cents: int


@dataclass(frozen=True)
class DayPlan:
    """One day's decisions: ``actions`` (ACTION_COLUMNS), ``suppressed`` (customer_id,
    customer_code, reason) and ``postponed`` (customer_id, customer_code, action, reason,
    next_day)."""

    as_of: dt.date
    positions: int
    actions: pl.DataFrame
    suppressed: pl.DataFrame
    postponed: pl.DataFrame
    lots: tuple[LotSummary, ...]

    @property
    def cost_cents(self) -> int:
        return int(self.actions["unit_cost_cents"].sum()) if self.actions.height else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "positions": self.positions,
            "cost_cents": self.cost_cents,
            "actions": [
                {
                    "customer": r["customer_code"],
                    "contract": r["contract_code"],
                    "strategy": r["strategy"],
                    "strategy_version": r["strategy_version"],
                    "arm": r["arm"],
                    "step": r["step_id"],
                    "action": r["action"],
                    "channel": r["channel"],
                    "due_date": r["due_date"].isoformat(),
                    "amount_cents": r["amount_cents"],
                    "lot": r["lot_code"],
                }
                for r in self.actions.iter_rows(named=True)
            ],
            "suppressed": [
                {"customer": r["customer_code"], "reason": r["reason"]}
                for r in self.suppressed.iter_rows(named=True)
            ],
            "postponed": [
                {
                    "customer": r["customer_code"],
                    "action": r["action"],
                    "reason": r["reason"],
                    "next_day": r["next_day"].isoformat() if r["next_day"] else None,
                }
                for r in self.postponed.iter_rows(named=True)
            ],
            "lots": [
                {
                    "code": lot.code,
                    "channel": lot.channel,
                    "assignee": lot.assignee,
                    "count": lot.count,
                    "amount_cents": lot.amount_cents,
                }
                for lot in self.lots
            ],
        }


@dataclass(frozen=True)
class CollectionsRunResult:
    run_id: int | None
    dry_run: bool
    strategies: Mapping[str, str]
    days: tuple[DayPlan, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        first = self.days[0].as_json()
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "strategies": dict(self.strategies),
            **first,
            "days": [d.as_json() for d in self.days[1:]],
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


# --- the run ---------------------------------------------------------------------------------


def run_collections(
    engine: Engine,
    as_of: dt.date,
    *,
    dry_run: bool = False,
    days: int = 1,
    strategies: Sequence[Strategy] | None = None,
    settings: CollectionsSettings | None = None,
    regulatory: RegulatorySettings | None = None,
) -> CollectionsRunResult:
    """Decide ``as_of``'s actions (and, dry, the ``days`` - 1 following ones); store them
    unless ``dry_run``. See the module docstring for the rules."""
    if days < 1:
        raise ValidationError(f"days must be at least 1, not {days}")
    if days > 1 and not dry_run:
        raise ValidationError("simulating several days (--days) needs --dry-run")
    chosen = tuple(strategies) if strategies is not None else shipped_strategies()
    rules = _Rules(
        chosen,
        settings or default_collections_settings(),
        regulatory or default_regulatory_settings(),
    )
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        seconds[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    last_day = as_of + dt.timedelta(days=days - 1)
    with engine.begin() as conn:
        if not dry_run:
            _check_later_runs(conn, as_of)
        snapshot = _load(conn, as_of, last_day)
        lap("load")
        plans: list[DayPlan] = []
        history = snapshot.actions
        for k in range(days):
            day = as_of + dt.timedelta(days=k)
            plan = _decide(snapshot, history, day, rules)
            plans.append(plan)
            history = pl.concat([history, _as_history(plan.actions)], how="vertical_relaxed")
        lap("decide")
        run_id = None
        if not dry_run:
            run_id = _store(conn, plans[0], rules.versions)
            lap("store")
    return CollectionsRunResult(run_id, dry_run, rules.versions, tuple(plans), seconds)


class _Rules:
    """The strategies and settings, with what the set-based joins need precomputed."""

    def __init__(
        self,
        strategies: Sequence[Strategy],
        settings: CollectionsSettings,
        regulatory: RegulatorySettings,
    ) -> None:
        self.strategies = tuple(strategies)
        self.settings = settings
        self.regulatory = regulatory
        self.by_name = {s.name: s for s in self.strategies}
        self.versions = {s.name: s.version for s in self.strategies}
        spans: dict[str, set[int]] = {"amount": set(), "days": set(), "score": set()}
        for strategy in self.strategies:
            for rule in (*strategy.rules, *strategy.exclusions):
                c = rule.conditions
                for key, span in (
                    ("amount", c.amount_overdue),
                    ("days", c.days_past_due),
                    ("score", c.behaviour_score),
                ):
                    if span.low is not None:
                        spans[key].add(span.low)
                    if span.high is not None:
                        spans[key].add(span.high + 1)
        # Values between two breakpoints meet every rule alike: one band, one strategy choice.
        self.breaks = {k: sorted(v) for k, v in spans.items()}
        minimums = {
            step.min_amount_cents
            for strategy in self.strategies
            for variant in self.variants(strategy)
            for step in variant.steps
            if step.min_amount_cents is not None
        }
        self.step_breaks = sorted(minimums)

    def variants(self, strategy: Strategy) -> list[Strategy]:
        out = [strategy]
        challenger = strategy.challenger
        if challenger is not None and challenger.variant is not None:
            out.append(challenger.variant)
        elif challenger is not None and challenger.strategy in self.by_name:
            out.append(self.by_name[challenger.strategy])
        return out


@dataclass(frozen=True)
class _Snapshot:
    items: pl.DataFrame
    customers: pl.DataFrame
    history: pl.DataFrame
    actions: pl.DataFrame
    outcomes: pl.DataFrame
    promises: pl.DataFrame
    pauses: pl.DataFrame
    covered: pl.DataFrame


_ACTION_SCHEMA = {
    "id": pl.Int64,
    "customer_id": pl.Int64,
    "strategy": pl.Utf8,
    "step_id": pl.Utf8,
    "channel": pl.Utf8,
    "due_date": pl.Date,
}


def _check_later_runs(conn: Connection, as_of: dt.date) -> None:
    later = conn.execute(
        select(func.max(t.collection_runs.c.as_of)).where(t.collection_runs.c.as_of > as_of)
    ).scalar()
    if later is not None:
        raise ValidationError(
            f"a collections run for {later} is stored: a run for {as_of} cannot come after it"
        )


_ARREARS = Table(
    "riscossa_arrears",
    MetaData(),
    Column("customer_id", BigInteger, primary_key=True),
    prefixes=["TEMPORARY"],
)


def _arrears_table(conn: Connection, items: pl.DataFrame) -> Table:
    """The customers in arrears, once, as a temporary table the other reads join to.

    Repeating ``IN (SELECT DISTINCT customer_id FROM invoices WHERE overdue)`` in each of
    eight queries scanned the invoices index eight times: most of the load at 1M customers.
    """
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_ARREARS.name}")
    suffix = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_ARREARS.name} (customer_id BIGINT PRIMARY KEY){suffix}"
    )
    insert_frame(conn, _ARREARS, items.select("customer_id").unique())
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {_ARREARS.name}")
    return _ARREARS


def _load(conn: Connection, as_of: dt.date, last_day: dt.date) -> _Snapshot:
    i, c, k = t.invoices, t.customers, t.contracts
    open_cents = i.c.amount_cents - i.c.allocated_cents
    overdue = and_(i.c.kind == "invoice", open_cents > 0, i.c.due_date < last_day)
    items = driver_frame(
        conn,
        select(
            i.c.id,
            i.c.customer_id,
            i.c.contract_id,
            k.c.code,
            k.c.utility,
            k.c.payment_method,
            i.c.due_date,
            open_cents.label("open_cents"),
            i.c.disputed,
        )
        .select_from(i.outerjoin(k, k.c.id == i.c.contract_id))
        .where(overdue)
        # A third of the items or more are overdue: one pass over the table beats a lookup
        # per row through the due-date index, which SQLite's planner would otherwise pick.
        .with_hint(i, "NOT INDEXED", dialect_name="sqlite"),
        {
            "invoice_id": pl.Int64,
            "customer_id": pl.Int64,
            "contract_id": pl.Int64,
            "contract_code": pl.Utf8,
            "utility": pl.Utf8,
            "payment_method": pl.Utf8,
            "due_date": pl.Date,
            "open_cents": pl.Int64,
            "disputed": pl.Boolean,
        },
    )
    in_arrears = select(_arrears_table(conn, items).c.customer_id)
    customers = driver_frame(
        conn,
        select(
            c.c.id,
            c.c.code,
            c.c.segment,
            c.c.phone != "",
            c.c.email != "",
            c.c.pec != "",
            c.c.vulnerable,
            c.c.bonus_sociale,
            c.c.non_disconnectable,
        ).where(c.c.id.in_(in_arrears)),
        {
            "customer_id": pl.Int64,
            "customer_code": pl.Utf8,
            "segment": pl.Utf8,
            "has_phone": pl.Boolean,
            "has_email": pl.Boolean,
            "has_pec": pl.Boolean,
            "vulnerable": pl.Boolean,
            "bonus_sociale": pl.Boolean,
            "non_disconnectable": pl.Boolean,
        },
    )
    a, r = t.collection_actions, t.collection_runs
    actions = driver_frame(
        conn,
        select(a.c.id, a.c.customer_id, a.c.strategy, a.c.step_id, a.c.channel, a.c.due_date)
        .join(r, r.c.id == a.c.run_id)
        .where(r.c.as_of < as_of, a.c.status != "cancelled", a.c.customer_id.in_(in_arrears)),
        _ACTION_SCHEMA,
    )
    o = t.contact_outcomes
    outcomes = driver_frame(
        conn,
        select(o.c.id, o.c.customer_id, o.c.outcome, func.date(o.c.recorded_at)).where(
            o.c.customer_id.in_(in_arrears)
        ),
        {
            "outcome_id": pl.Int64,
            "customer_id": pl.Int64,
            "outcome": pl.Utf8,
            "outcome_date": pl.Date,
        },
    )
    p = t.promises
    promises = driver_frame(
        conn,
        select(p.c.customer_id, p.c.promised_date, p.c.tolerance_days).where(
            p.c.status == "pending", p.c.customer_id.in_(in_arrears)
        ),
        {"customer_id": pl.Int64, "promised_date": pl.Date, "tolerance_days": pl.Int64},
    )
    z = t.collection_pauses
    pauses = driver_frame(
        conn,
        select(z.c.customer_id, z.c.from_date, z.c.to_date).where(
            z.c.ended_at.is_(None), z.c.to_date >= as_of, z.c.customer_id.in_(in_arrears)
        ),
        {"customer_id": pl.Int64, "from_date": pl.Date, "to_date": pl.Date},
    )
    return _Snapshot(
        items=items,
        customers=customers,
        history=_payment_history(conn, as_of, in_arrears),
        actions=actions,
        outcomes=outcomes,
        promises=promises,
        pauses=pauses,
        covered=covered_amounts(conn),
    )


def _payment_history(conn: Connection, as_of: dt.date, in_arrears: Any) -> pl.DataFrame:
    """The PaymentHistory columns per customer, aggregated in SQL then in polars."""
    window = as_of - dt.timedelta(days=ScoreParameters().window_days)
    i, al, p = t.invoices, t.allocations, t.payments
    paid = driver_frame(
        conn,
        select(i.c.customer_id, i.c.due_date, func.max(p.c.value_date))
        .join(al, al.c.invoice_id == i.c.id)
        .join(p, p.c.id == al.c.payment_id)
        .where(
            i.c.kind == "invoice",
            i.c.allocated_cents >= i.c.amount_cents,
            i.c.due_date >= window,
            i.c.customer_id.in_(in_arrears),
        )
        .group_by(i.c.id, i.c.customer_id, i.c.due_date),
        {"customer_id": pl.Int64, "due_date": pl.Date, "paid_on": pl.Date},
    )
    late = (pl.col("paid_on") - pl.col("due_date")).dt.total_days().clip(lower_bound=0)
    paid_agg = (
        paid.with_columns(late.alias("late"))
        .group_by("customer_id")
        .agg(
            pl.len().cast(pl.Int64).alias("items_paid"),
            (pl.col("late") > 0).sum().cast(pl.Int64).alias("items_paid_late"),
            pl.col("late").sum().cast(pl.Int64).alias("days_late_total"),
            pl.col("late").max().cast(pl.Int64).alias("worst_days_late"),
        )
    )
    s = t.sdd_returns
    rejects = (
        driver_frame(
            conn,
            select(s.c.customer_id, s.c.reason_code).where(
                s.c.collection_date >= window, s.c.customer_id.in_(in_arrears)
            ),
            {"customer_id": pl.Int64, "reason_code": pl.Utf8},
        )
        .group_by("customer_id")
        .agg(pl.col("reason_code").alias("sdd_reject_codes"))
    )
    pr = t.promises
    broken = driver_frame(
        conn,
        select(pr.c.customer_id, func.count())
        .where(
            pr.c.status == "broken",
            pr.c.promised_date >= window,
            pr.c.customer_id.in_(in_arrears),
        )
        .group_by(pr.c.customer_id),
        {"customer_id": pl.Int64, "promises_broken": pl.Int64},
    )
    return (
        paid_agg.join(rejects, on="customer_id", how="full", coalesce=True)
        .join(broken, on="customer_id", how="full", coalesce=True)
        .with_columns(
            pl.col("items_paid", "items_paid_late", "days_late_total", "worst_days_late")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("promises_broken").fill_null(0).cast(pl.Int64),
            pl.lit(0, pl.Int64).alias("plans_broken"),  # no payment plans table yet
        )
    )


def _decide(snap: _Snapshot, history: pl.DataFrame, day: dt.date, rules: _Rules) -> DayPlan:
    settings = rules.settings
    items = snap.items.filter(pl.col("due_date") < day).with_columns(
        (pl.lit(day) - pl.col("due_date")).dt.total_days().alias("days_past_due")
    )
    items = _mark_time_barred(items, snap.customers, day, rules.regulatory)
    # A disputed item is not arrears (ARERA; L. 160/2019): it is left out of what is dunned,
    # and only a customer whose whole overdue balance is disputed is suppressed for it.
    items = items.with_columns((~pl.col("barred") & ~pl.col("disputed")).alias("dunnable"))
    live = items.filter(pl.col("dunnable"))
    largest = (
        live.filter(pl.col("utility").is_not_null())
        .group_by("customer_id", "contract_id", "contract_code", "utility", "payment_method")
        .agg(pl.col("open_cents").sum().alias("contract_cents"))
        .sort("contract_cents", "contract_id", descending=[True, False])
        .unique("customer_id", keep="first", maintain_order=True)
        .drop("contract_cents")
    )
    per_customer = items.group_by("customer_id").agg(
        pl.col("open_cents").filter(pl.col("dunnable")).sum().alias("overdue_cents"),
        pl.col("open_cents").filter(pl.col("barred")).sum().alias("barred_cents"),
        pl.col("due_date").filter(pl.col("dunnable")).min().alias("oldest_due"),
        pl.col("days_past_due").filter(pl.col("dunnable")).max().alias("days_past_due"),
        ((pl.col("disputed") & ~pl.col("barred")).any() & ~pl.col("dunnable").any()).alias(
            "disputed"
        ),
    )
    promised = snap.promises.filter(
        (pl.col("promised_date") + pl.duration(days=pl.col("tolerance_days"))) >= day
    )
    paused = snap.pauses.filter((pl.col("from_date") <= day) & (pl.col("to_date") >= day))
    frame = (
        per_customer.join(snap.customers, on="customer_id", how="inner")
        .join(largest, on="customer_id", how="left")
        .join(snap.covered, on="customer_id", how="left")
        .join(
            promised.select("customer_id").unique().with_columns(pl.lit(True).alias("promise")),
            on="customer_id",
            how="left",
        )
        .join(
            paused.select("customer_id").unique().with_columns(pl.lit(True).alias("paused")),
            on="customer_id",
            how="left",
        )
        .with_columns(
            pl.col("in_transit_cents", "unapplied_cents").fill_null(0),
            pl.col("promise", "paused").fill_null(False),
        )
    )
    covered = pl.col("in_transit_cents") + pl.col("unapplied_cents")
    threshold = settings.min_overdue_cents
    reason = (
        pl.when(pl.col("paused"))
        .then(pl.lit("paused"))
        .when(pl.col("disputed"))
        .then(pl.lit("dispute"))
        .when((pl.col("overdue_cents") == 0) & (pl.col("barred_cents") > 0))
        .then(pl.lit("time_barred"))
        .when((covered > 0) & (pl.col("overdue_cents") - covered < threshold))
        .then(pl.lit("covered"))
        .when(pl.col("overdue_cents") < threshold)
        .then(pl.lit("under_threshold"))
        .when(pl.col("promise"))
        .then(pl.lit("promise_pending"))
        .when(pl.col("utility").is_null())
        .then(pl.lit("no_strategy"))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    frame = frame.with_columns(reason.alias("reason"))
    active = _score(frame.filter(pl.col("reason").is_null()), snap.history)
    active = _assign_strategies(active, rules)
    active = _next_steps(active, history, snap.outcomes, day, rules)
    due_today = active.filter(pl.col("reason").is_null() & (pl.col("step_due") <= day))
    due_today = _pick_channels(due_today)
    due_today = _contact_cap(due_today, history, day, settings.max_contacts_per_week)
    due_today, postponed = _supply_rules(due_today, day, rules.regulatory)
    late_reasons = active.filter(pl.col("reason").is_not_null()).select(
        "customer_id", "customer_code", "reason"
    )
    actions = due_today.filter(pl.col("reason").is_null())
    suppressed = pl.concat(
        [
            frame.filter(pl.col("reason").is_not_null()).select(
                "customer_id", "customer_code", "reason"
            ),
            late_reasons,
            due_today.filter(pl.col("reason").is_not_null()).select(
                "customer_id", "customer_code", "reason"
            ),
        ]
    ).sort("customer_code")
    actions = actions.with_columns(
        pl.lit(day).alias("due_date"), pl.col("overdue_cents").alias("amount_cents")
    )
    actions, lots = _lots(actions, day, rules.settings)
    return DayPlan(
        as_of=day,
        positions=frame.height,
        actions=actions.select(ACTION_COLUMNS).sort("customer_code"),
        suppressed=suppressed,
        postponed=postponed.sort("customer_code"),
        lots=lots,
    )


def _mark_time_barred(
    items: pl.DataFrame, customers: pl.DataFrame, day: dt.date, regulatory: RegulatorySettings
) -> pl.DataFrame:
    """``barred`` per item; time_barred is asked once per distinct due date, utility and
    segment (a handful of billing dates), not per item. Interruptions (a formal notice
    received) are not recorded yet, so the term runs from the due date: the customer's side."""
    items = items.join(customers.select("customer_id", "segment"), on="customer_id", how="left")
    keys = items.select("due_date", "utility", "segment").unique()
    verdicts = []
    for due, utility, segment in keys.iter_rows():
        barred = False
        if utility in {u.value for u in Utility} and segment in _CUSTOMER_CLASS:
            barred = time_barred(
                due,
                day,
                _CUSTOMER_CLASS[segment],
                supply=supply_of(Utility(utility)),
                settings=regulatory,
            )
        verdicts.append((due, utility, segment, barred))
    table = pl.DataFrame(
        verdicts,
        schema={"due_date": pl.Date, "utility": pl.Utf8, "segment": pl.Utf8, "barred": pl.Boolean},
        orient="row",
    )
    return items.join(
        table, on=["due_date", "utility", "segment"], how="left", nulls_equal=True
    ).drop("segment")


def _score(active: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    frame = active.join(history, on="customer_id", how="left").with_columns(
        pl.col(c).fill_null(0)
        for c in HISTORY_COLUMNS
        if c not in ("sdd_reject_codes",) and c != "arrears_days"
    )
    if "sdd_reject_codes" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.List(pl.Utf8)).alias("sdd_reject_codes"))
    frame = frame.with_columns(pl.col("days_past_due").fill_null(0).alias("arrears_days"))
    scored = score_frame(frame)
    return scored.select(*active.columns, SCORE_COLUMN)


def _band(column: str, breaks: list[int]) -> pl.Expr:
    """Which interval between ``breaks`` a value falls in (values in one band match alike)."""
    bounds = pl.Series(breaks or [0], dtype=pl.Int64)
    return pl.col(column).map_batches(
        lambda s: bounds.search_sorted(s.cast(pl.Int64), side="right").cast(pl.UInt32),
        return_dtype=pl.UInt32,
    )


def _assign_strategies(active: pl.DataFrame, rules: _Rules) -> pl.DataFrame:
    """One choose_strategy call per distinct combination of the fields rules look at."""
    flags = [
        pl.when(pl.col(name)).then(pl.lit(name)).otherwise(pl.lit(None, pl.Utf8))
        for name in ("vulnerable", "bonus_sociale", "non_disconnectable")
    ]
    flags.append(
        pl.when(pl.col("payment_method") == "sdd")
        .then(pl.lit("direct_debit"))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    keyed = active.with_columns(
        pl.concat_list(flags).list.drop_nulls().list.join(",").alias("flags"),
        _band("overdue_cents", rules.breaks["amount"]).alias("_ba"),
        _band("days_past_due", rules.breaks["days"]).alias("_bd"),
        _band(SCORE_COLUMN, rules.breaks["score"]).alias("_bs"),
    )
    group_keys = ["segment", "utility", "_ba", "_bd", "_bs", "flags"]
    combos = keyed.group_by(group_keys).agg(
        pl.col("overdue_cents").min(), pl.col("days_past_due").min(), pl.col(SCORE_COLUMN).min()
    )
    chosen: list[str | None] = []
    for row in combos.iter_rows(named=True):
        position = Position(
            customer_code="-",
            utility=row["utility"],
            segment=row["segment"],
            amount_overdue_cents=row["overdue_cents"],
            days_past_due=row["days_past_due"],
            behaviour_score=row[SCORE_COLUMN],
            flags=frozenset(f for f in row["flags"].split(",") if f),
        )
        strategy = choose_strategy(rules.strategies, position)
        chosen.append(None if strategy is None else strategy.name)
    combos = combos.select(group_keys).with_columns(pl.Series("strategy", chosen, pl.Utf8))
    frame = keyed.join(combos, on=group_keys, how="left", nulls_equal=True).drop(
        "_ba", "_bd", "_bs"
    )
    # The arm is a hash of the customer code: a Python call per customer, only for the
    # strategies that have a challenger.
    with_challenger = {s.name for s in rules.strategies if s.challenger is not None}
    arms = [
        rules.by_name[name].arm(code) if name in with_challenger else CHAMPION
        for name, code in zip(frame["strategy"], frame["customer_code"], strict=True)
    ]
    return frame.with_columns(
        pl.Series("arm", arms, pl.Utf8),
        pl.when(pl.col("strategy").is_null())
        .then(pl.lit("no_strategy"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )


def _next_steps(
    active: pl.DataFrame,
    history: pl.DataFrame,
    outcomes: pl.DataFrame,
    day: dt.date,
    rules: _Rules,
) -> pl.DataFrame:
    """The next step and the day it falls due, from the last action and the outcome recorded
    since; next_step is asked once per distinct (strategy, arm, step, outcome, amount band)."""
    last = (
        history.filter(pl.col("due_date") < day)
        .sort("due_date", "id")
        .group_by("customer_id")
        .last()
        .select(
            "customer_id",
            pl.col("strategy").alias("last_strategy"),
            pl.col("step_id").alias("last_step"),
            pl.col("due_date").alias("last_date"),
        )
    )
    latest_outcome = (
        outcomes.filter(pl.col("outcome_date") < day)
        .sort("outcome_date", "outcome_id")
        .group_by("customer_id")
        .last()
        .select("customer_id", "outcome", "outcome_date")
    )
    frame = (
        active.join(last, on="customer_id", how="left")
        .join(latest_outcome, on="customer_id", how="left")
        .with_columns(
            # A strategy change starts the new one from its first step.
            pl.when(pl.col("last_strategy") == pl.col("strategy"))
            .then(pl.col("last_step"))
            .otherwise(None)
            .alias("last_step"),
        )
        .with_columns(
            pl.when(
                pl.col("last_step").is_not_null() & (pl.col("outcome_date") >= pl.col("last_date"))
            )
            .then(pl.col("outcome"))
            .otherwise(None)
            .alias("outcome"),
            _band("overdue_cents", rules.step_breaks).alias("_bm"),
        )
    )
    keys = ["strategy", "arm", "last_step", "outcome", "_bm"]
    combos = (
        frame.filter(pl.col("strategy").is_not_null())
        .group_by(keys)
        .agg(pl.col("overdue_cents").min())
    )
    rows = []
    for row in combos.iter_rows(named=True):
        strategy = rules.by_name[row["strategy"]]
        variant = _variant(strategy, row["arm"], rules)
        current = row["last_step"]
        if current is not None and current not in {s.id for s in variant.steps}:
            current = None
        move = variant.next_step(current, row["outcome"], amount_overdue_cents=row["overdue_cents"])
        step = None if move.step_id is None else variant.step(move.step_id)
        rows.append(
            (
                *(row[k] for k in keys),
                variant.version,
                move.step_id,
                None if step is None else step.action.value,
                None if step is None else [c.value for c in step.channels],
                None if step is None else step.wait_days,
                None if step is None else step.wait_from is WaitFrom.DUE_DATE,
                None if step is None else step.unit_cost_cents,
                move.hold_days if move.kind is TransitionKind.HOLD else None,
                current is None,
            )
        )
    moves = pl.DataFrame(
        rows,
        schema={
            "strategy": pl.Utf8,
            "arm": pl.Utf8,
            "last_step": pl.Utf8,
            "outcome": pl.Utf8,
            "_bm": pl.UInt32,
            "strategy_version": pl.Utf8,
            "step_id": pl.Utf8,
            "action": pl.Utf8,
            "channels": pl.List(pl.Utf8),
            "wait_days": pl.Int64,
            "from_due": pl.Boolean,
            "unit_cost_cents": pl.Int64,
            "hold_days": pl.Int64,
            "entering": pl.Boolean,
        },
        orient="row",
    )
    frame = frame.join(moves, on=keys, how="left", nulls_equal=True)
    wait = pl.duration(days=pl.col("wait_days"))
    from_previous = pl.col("last_date") + wait
    due = (
        pl.when(pl.col("hold_days").is_not_null())
        .then(pl.col("outcome_date") + pl.duration(days=pl.col("hold_days")))
        .when(pl.col("from_due") | pl.col("entering") | pl.col("last_date").is_null())
        .then(pl.col("oldest_due") + wait)
        .otherwise(from_previous)
    )
    return frame.with_columns(due.alias("step_due")).with_columns(
        pl.when(pl.col("reason").is_null() & pl.col("step_id").is_null())
        .then(pl.lit("strategy_ended"))
        .otherwise(pl.col("reason"))
        .alias("reason")
    )


def _variant(strategy: Strategy, arm: str, rules: _Rules) -> Strategy:
    if arm == CHAMPION or strategy.challenger is None:
        return strategy
    challenger = strategy.challenger
    assert challenger is not None
    if challenger.variant is not None:
        return challenger.variant
    return rules.by_name[str(challenger.strategy)]


def _pick_channels(frame: pl.DataFrame) -> pl.DataFrame:
    """The first of the step's channels the customer can be reached on (PEC only with a PEC
    address, ...); the first one written when none can."""
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, pl.Utf8).alias("channel"))
    exploded = (
        frame.select("customer_id", "channels", "has_phone", "has_email", "has_pec")
        .with_columns(pl.int_ranges(pl.col("channels").list.len()).alias("_pos"))
        .explode("channels", "_pos")
    )
    reachable = pl.lit(True)
    for channel, need in _NEEDS.items():
        reachable = (
            pl.when(pl.col("channels") == channel.value)
            .then(pl.col(f"has_{need}"))
            .otherwise(reachable)
        )
    picked = (
        exploded.filter(reachable)
        .sort("customer_id", "_pos")
        .group_by("customer_id")
        .first()
        .select("customer_id", pl.col("channels").alias("channel"))
    )
    return frame.join(picked, on="customer_id", how="left").with_columns(
        pl.col("channel").fill_null(pl.col("channels").list.first())
    )


def _contact_cap(
    frame: pl.DataFrame, history: pl.DataFrame, day: dt.date, cap: int
) -> pl.DataFrame:
    start = day - dt.timedelta(days=CONTACT_WINDOW_DAYS - 1)
    contacts = (
        history.filter(
            (pl.col("due_date") >= start)
            & (pl.col("due_date") < day)
            & pl.col("channel").is_in([c.value for c in CONTACT_CHANNELS])
        )
        .group_by("customer_id")
        .agg(pl.len().alias("_contacts"))
    )
    is_contact = pl.col("channel").is_in([c.value for c in CONTACT_CHANNELS])
    return (
        frame.join(contacts, on="customer_id", how="left")
        .with_columns(
            pl.when(is_contact & (pl.col("_contacts").fill_null(0) >= cap))
            .then(pl.lit("contact_cap"))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
        .drop("_contacts")
    )


def _supply_rules(
    frame: pl.DataFrame, day: dt.date, regulatory: RegulatorySettings
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Supply actions only on a day the law allows; refused for good → suppressed, refused for
    the day → postponed. Asked once per distinct (utility, action, standing facts)."""
    supply_values = [a.value for a in SUPPLY_ACTIONS]
    frame = frame.with_columns(
        (
            (pl.col("utility") == "water")
            & (pl.col("segment") == "residential")
            & (pl.col("action") == Action.SUSPENSION_REQUEST.value)
        ).alias("_water_protected")
    )
    keys = ["utility", "action", "non_disconnectable", "_water_protected"]
    combos = frame.filter(pl.col("action").is_in(supply_values)).select(keys).unique()
    rows = []
    for utility, action, non_disconnectable, water_protected in combos.iter_rows():
        facts = SuspensionFacts(
            supply=supply_of(Utility(utility)),
            arrears_cents=1,
            action=_SUPPLY_ACTION[Action(action)],
            non_disconnectable=bool(non_disconnectable),
            water_protected=bool(water_protected),
        )
        decision = suspension_allowed_on(day, facts)
        verdict = None
        if not decision.allowed:
            kind = "postponed" if decision.passes_with_time else "supply_refused"
            verdict = f"{kind}:{'+'.join(decision.reasons)}"
        later = next_allowed_suspension_day(day, facts) if decision.passes_with_time else None
        rows.append((utility, action, non_disconnectable, water_protected, verdict, later))
    verdicts = pl.DataFrame(
        rows,
        schema={
            "utility": pl.Utf8,
            "action": pl.Utf8,
            "non_disconnectable": pl.Boolean,
            "_water_protected": pl.Boolean,
            "_verdict": pl.Utf8,
            "next_day": pl.Date,
        },
        orient="row",
    )
    frame = frame.join(verdicts, on=keys, how="left", nulls_equal=True)
    waiting = pl.col("reason").is_null() & pl.col("_verdict").str.starts_with("postponed:")
    postponed = frame.filter(waiting).select(
        "customer_id",
        "customer_code",
        "action",
        pl.col("_verdict").str.strip_prefix("postponed:").alias("reason"),
        "next_day",
    )
    refused = pl.col("reason").is_null() & pl.col("_verdict").str.starts_with("supply_refused:")
    frame = (
        frame.filter(~waiting.fill_null(False))
        .with_columns(
            pl.when(refused.fill_null(False))
            .then(pl.col("_verdict"))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
        .drop("_verdict", "next_day", "_water_protected")
    )
    return frame, postponed


def _lots(
    actions: pl.DataFrame, day: dt.date, settings: CollectionsSettings
) -> tuple[pl.DataFrame, tuple[LotSummary, ...]]:
    """Channels worked by people are balanced over their assignees; any other channel is one
    lot for the day. Building DueActions is a Python loop over those channels' actions only."""
    stamp = day.strftime("%Y%m%d")
    lots: list[LotSummary] = []
    codes: list[tuple[int, str | None]] = []
    for (channel,), group in actions.group_by(["channel"], maintain_order=True):
        channel = str(channel)
        people = settings.assignees.get(channel, ())
        if not people:
            code = f"{stamp}-{channel}"
            lots.append(
                LotSummary(code, channel, None, group.height, int(group["amount_cents"].sum()))
            )
            codes.extend((cid, code) for cid in group["customer_id"])
            continue
        due = [
            DueAction(str(cid), code, amount)
            for cid, code, amount in group.select(
                "customer_id", "customer_code", "amount_cents"
            ).iter_rows()
        ]
        plan = balance_lots(due, people)
        for lot in plan.lots:
            if not lot.actions:
                continue
            code = f"{stamp}-{channel}-{lot.assignee.code}"
            lots.append(LotSummary(code, channel, lot.assignee.code, lot.count, lot.amount_cents))
            codes.extend((int(a.action_id), code) for a in lot.actions)
        codes.extend((int(a.action_id), None) for a in plan.overflow_actions)
    table = pl.DataFrame(codes, schema={"customer_id": pl.Int64, "lot_code": pl.Utf8}, orient="row")
    return actions.join(table, on="customer_id", how="left"), tuple(lots)


def _as_history(actions: pl.DataFrame) -> pl.DataFrame:
    return actions.select(
        pl.lit(None, pl.Int64).alias("id"),
        "customer_id",
        "strategy",
        "step_id",
        "channel",
        "due_date",
    ).cast(_ACTION_SCHEMA)  # type: ignore[arg-type]


def _store(conn: Connection, plan: DayPlan, versions: Mapping[str, str]) -> int:
    """Insert or replace the run of ``plan.as_of`` and its planned actions."""
    r, a, o = t.collection_runs, t.collection_actions, t.contact_outcomes
    now = dt.datetime.now(dt.UTC)
    run_id = conn.execute(select(r.c.id).where(r.c.as_of == plan.as_of)).scalar()
    actions = plan.actions
    if run_id is not None:
        referenced = exists().where(o.c.action_id == a.c.id)
        conn.execute(delete(a).where(a.c.run_id == run_id, a.c.status == "planned", ~referenced))
        kept = [row[0] for row in conn.execute(select(a.c.customer_id).where(a.c.run_id == run_id))]
        actions = actions.filter(~pl.col("customer_id").is_in(kept))
    values = {
        "strategies": json.dumps(dict(versions), sort_keys=True),
        "positions": plan.positions,
        "actions": actions.height,
        "suppressed": plan.suppressed.height,
        "postponed": plan.postponed.height,
        "created_at": now,
    }
    if run_id is None:
        key = conn.execute(insert(r).values(as_of=plan.as_of, **values)).inserted_primary_key
        assert key is not None
        run_id = key[0]
    else:
        conn.execute(update(r).where(r.c.id == run_id).values(**values))
    rows = actions.select(
        pl.lit(run_id, pl.Int64).alias("run_id"),
        "customer_id",
        "contract_id",
        "strategy",
        "strategy_version",
        "arm",
        "step_id",
        "action",
        "channel",
        "due_date",
        "amount_cents",
        "lot_code",
        pl.lit("planned").alias("status"),
    )
    insert_frame(conn, a, rows)
    return int(run_id)


def stored_actions(engine: Engine, as_of: dt.date, channel: str | None = None) -> pl.DataFrame:
    """The planned actions of a stored run, with the customer and contract codes."""
    a, r, c, k = t.collection_actions, t.collection_runs, t.customers, t.contracts
    query = (
        select(
            a.c.id,
            c.c.code,
            k.c.code,
            a.c.strategy,
            a.c.step_id,
            a.c.action,
            a.c.channel,
            a.c.due_date,
            a.c.amount_cents,
            a.c.lot_code,
            a.c.customer_id,
        )
        .join(r, r.c.id == a.c.run_id)
        .join(c, c.c.id == a.c.customer_id)
        .outerjoin(k, k.c.id == a.c.contract_id)
        .where(r.c.as_of == as_of, a.c.status != "cancelled")
        .order_by(a.c.lot_code, c.c.code)
    )
    if channel is not None:
        query = query.where(a.c.channel == channel)
    with engine.connect() as conn:
        return driver_frame(
            conn,
            query,
            {
                "action_id": pl.Int64,
                "customer_code": pl.Utf8,
                "contract_code": pl.Utf8,
                "strategy": pl.Utf8,
                "step_id": pl.Utf8,
                "action": pl.Utf8,
                "channel": pl.Utf8,
                "due_date": pl.Date,
                "amount_cents": pl.Int64,
                "lot_code": pl.Utf8,
                "customer_id": pl.Int64,
            },
        )
