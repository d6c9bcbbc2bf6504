"""The daily collections run on a small portfolio: one customer per suppression reason, one
due for the strategy's first step, one whose suspension falls on a Friday."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select

from riscossa.adapters.db import tables as t
from riscossa.adapters.strategy_yaml import parse_strategy_text
from riscossa.domain.errors import ValidationError
from riscossa.domain.strategy import Strategy
from riscossa.services.collections_run import CollectionsSettings, run_collections

AS_OF = dt.date(2026, 11, 20)  # a Friday
DUE = dt.date(2026, 10, 1)
STRATEGY = """
name: test-power
version: "t1"
utility: electricity
engagement: customer
assign:
  - segment: residential
steps:
  - id: sollecito-sms
    action: sms
    channels: [sms]
    wait_days: 5
    from: due_date
    unit_cost: "0.06"
  - id: messa-in-mora
    action: formal_notice
    channels: [pec, raccomandata]
    wait_days: 7
    unit_cost: "6.50"
  - id: sospensione
    action: suspension_request
    channels: [distributor]
    wait_days: 7
    unit_cost: "30.00"
"""
SETTINGS = CollectionsSettings(min_overdue_cents=1000, max_contacts_per_week=3)


def strategies() -> list[Strategy]:
    return [parse_strategy_text(STRATEGY, "test-power.yaml")]


def _customer(conn: Any, code: str, **extra: Any) -> int:
    values = {
        "code": code,
        "kind": "person",
        "name": f"Cliente {code}",
        "segment": "residential",
        "phone": "+393331234567",
        "row_hash": code,
        **extra,
    }
    key = conn.execute(insert(t.customers).values(**values)).inserted_primary_key
    return int(key[0])


def _contract(conn: Any, customer_id: int, code: str, utility: str = "electricity") -> int:
    key = conn.execute(
        insert(t.contracts).values(
            code=code,
            customer_id=customer_id,
            utility=utility,
            status="active",
            payment_method="bank_transfer",
            row_hash=code,
        )
    ).inserted_primary_key
    return int(key[0])


def _invoice(
    conn: Any,
    customer_id: int,
    contract_id: int | None,
    number: str,
    cents: int,
    due: dt.date = DUE,
    *,
    disputed: bool = False,
) -> None:
    conn.execute(
        insert(t.invoices).values(
            number=number,
            customer_id=customer_id,
            contract_id=contract_id,
            kind="invoice",
            issue_date=due - dt.timedelta(days=20),
            due_date=due,
            amount_cents=cents,
            disputed=disputed,
            row_hash=number,
        )
    )


def _run(conn: Any, as_of: dt.date) -> int:
    key = conn.execute(
        insert(t.collection_runs).values(as_of=as_of, created_at=dt.datetime.now(dt.UTC))
    ).inserted_primary_key
    return int(key[0])


def _action(
    conn: Any, run_id: int, customer_id: int, step: str, action: str, channel: str, on: dt.date
) -> None:
    conn.execute(
        insert(t.collection_actions).values(
            run_id=run_id,
            customer_id=customer_id,
            strategy="test-power",
            strategy_version="t1",
            arm="champion",
            step_id=step,
            action=action,
            channel=channel,
            due_date=on,
            amount_cents=10000,
            status="done",
        )
    )


@pytest.fixture
def portfolio(engine: Engine) -> Engine:
    now = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        ids = {}
        for code in (
            "C-ACT",
            "C-PAUSE",
            "C-DISP",
            "C-OLD",
            "C-COVER",
            "C-SMALL",
            "C-PROM",
            "C-CAP",
            "C-SUSP",
            "C-NODISC",
            "C-NOCON",
        ):
            extra = {"non_disconnectable": True} if code == "C-NODISC" else {}
            cid = _customer(conn, code, **extra)
            ids[code] = cid
            contract = None if code == "C-NOCON" else _contract(conn, cid, f"K-{code}")
            cents = 500 if code == "C-SMALL" else 10000
            due = dt.date(2023, 1, 10) if code == "C-OLD" else DUE
            _invoice(conn, cid, contract, f"F-{code}", cents, due, disputed=code == "C-DISP")
        conn.execute(
            insert(t.collection_pauses).values(
                customer_id=ids["C-PAUSE"],
                from_date=AS_OF - dt.timedelta(days=5),
                to_date=AS_OF + dt.timedelta(days=5),
                reason="richiesta del cliente",
                created_by="tester",
                created_at=now,
            )
        )
        conn.execute(
            insert(t.payments).values(
                bank_reference="TRANSIT-1",
                channel="sdd",
                status="in_transit",
                value_date=AS_OF,
                amount_cents=9500,
                customer_id=ids["C-COVER"],
                row_hash="p1",
            )
        )
        conn.execute(
            insert(t.promises).values(
                customer_id=ids["C-PROM"],
                amount_cents=10000,
                promised_date=AS_OF + dt.timedelta(days=3),
                created_on=AS_OF - dt.timedelta(days=2),
                created_by="tester",
            )
        )
        week = _run(conn, AS_OF - dt.timedelta(days=1))
        for back in (1, 2, 3):
            on = AS_OF - dt.timedelta(days=back)
            _action(conn, week, ids["C-CAP"], "x-old", "email", "email", on)
        conn.execute(
            t.collection_actions.update()
            .where(t.collection_actions.c.customer_id == ids["C-CAP"])
            .values(strategy="old-strategy")
        )
        earlier = _run(conn, AS_OF - dt.timedelta(days=10))
        for code in ("C-SUSP", "C-NODISC"):
            on = AS_OF - dt.timedelta(days=10)
            _action(conn, earlier, ids[code], "messa-in-mora", "formal_notice", "raccomandata", on)
    return engine


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_each_reason_suppresses_exactly_its_customer(portfolio: Engine) -> None:
    result = run_collections(
        portfolio, AS_OF, dry_run=True, strategies=strategies(), settings=SETTINGS
    )
    day = result.days[0]
    suppressed = dict(zip(day.suppressed["customer_code"], day.suppressed["reason"], strict=True))
    assert suppressed == {
        "C-PAUSE": "paused",
        "C-DISP": "dispute",
        "C-OLD": "time_barred",
        "C-COVER": "covered",
        "C-SMALL": "under_threshold",
        "C-PROM": "promise_pending",
        "C-NOCON": "no_strategy",
        "C-CAP": "contact_cap",
        "C-NODISC": "supply_refused:non_disconnectable+friday",
    }
    assert day.positions == 11


def test_first_step_due_produces_the_expected_action(portfolio: Engine) -> None:
    result = run_collections(
        portfolio, AS_OF, dry_run=True, strategies=strategies(), settings=SETTINGS
    )
    actions = result.days[0].as_json()["actions"]
    assert actions == [
        {
            "customer": "C-ACT",
            "contract": "K-C-ACT",
            "strategy": "test-power",
            "strategy_version": "t1",
            "arm": "champion",
            "step": "sollecito-sms",
            "action": "sms",
            "channel": "sms",
            "due_date": "2026-11-20",
            "amount_cents": 10000,
            "lot": "20261120-sms",
        }
    ]
    assert result.days[0].cost_cents == 6


def test_suspension_on_a_friday_is_postponed_to_monday(portfolio: Engine) -> None:
    result = run_collections(
        portfolio, AS_OF, dry_run=True, strategies=strategies(), settings=SETTINGS
    )
    postponed = result.days[0].as_json()["postponed"]
    assert postponed == [
        {
            "customer": "C-SUSP",
            "action": "suspension_request",
            "reason": "friday",
            "next_day": "2026-11-23",
        }
    ]


def test_dry_run_writes_nothing_and_simulates_following_days(portfolio: Engine) -> None:
    before = (_count(portfolio, t.collection_runs), _count(portfolio, t.collection_actions))
    result = run_collections(
        portfolio, AS_OF, dry_run=True, days=4, strategies=strategies(), settings=SETTINGS
    )
    assert (_count(portfolio, t.collection_runs), _count(portfolio, t.collection_actions)) == before
    assert result.run_id is None
    assert [d.as_of for d in result.days] == [AS_OF + dt.timedelta(days=k) for k in range(4)]
    # Saturday: the SMS of Friday is not repeated; the suspension waits again.
    saturday = result.days[1].as_json()
    assert saturday["actions"] == []
    assert saturday["postponed"][0]["reason"] == "saturday+pre_holiday"
    # Monday: the suspension goes out, in the distributor's lot.
    monday = result.days[3].as_json()
    assert [(a["customer"], a["action"], a["lot"]) for a in monday["actions"]] == [
        ("C-SUSP", "suspension_request", "20261123-distributor")
    ]


def test_rerun_of_a_date_replaces_its_planned_actions(portfolio: Engine) -> None:
    first = run_collections(portfolio, AS_OF, strategies=strategies(), settings=SETTINGS)
    second = run_collections(portfolio, AS_OF, strategies=strategies(), settings=SETTINGS)
    assert first.run_id == second.run_id
    with portfolio.connect() as conn:
        a = t.collection_actions
        rows = conn.execute(
            select(a.c.step_id, a.c.channel, a.c.amount_cents, a.c.lot_code, a.c.status).where(
                a.c.run_id == second.run_id
            )
        ).all()
        run = conn.execute(
            select(t.collection_runs).where(t.collection_runs.c.id == second.run_id)
        ).one()
    assert [tuple(r) for r in rows] == [("sollecito-sms", "sms", 10000, "20261120-sms", "planned")]
    assert (run.actions, run.suppressed, run.postponed, run.positions) == (1, 9, 1, 11)
    assert run.strategies == '{"test-power": "t1"}'


def test_a_run_before_a_stored_one_is_refused(portfolio: Engine) -> None:
    run_collections(portfolio, AS_OF, strategies=strategies(), settings=SETTINGS)
    with pytest.raises(ValidationError, match="run for 2026-11-20 is stored"):
        run_collections(
            portfolio, AS_OF - dt.timedelta(days=2), strategies=strategies(), settings=SETTINGS
        )


def test_several_days_need_a_dry_run(portfolio: Engine) -> None:
    with pytest.raises(ValidationError, match="needs --dry-run"):
        run_collections(portfolio, AS_OF, days=2, strategies=strategies(), settings=SETTINGS)


def test_shipped_strategies_and_settings_run(portfolio: Engine) -> None:
    result = run_collections(portfolio, AS_OF, dry_run=True)
    actions = {a["customer"]: a for a in result.as_json()["actions"]}
    assert actions["C-ACT"]["strategy"] == "electricity-domestic"
    assert actions["C-ACT"]["action"] in {"sms", "email"}  # champion or challenger arm


def test_a_disputed_item_is_left_out_not_the_whole_customer(portfolio: Engine) -> None:
    with portfolio.begin() as conn:
        cid = conn.execute(
            select(t.customers.c.id).where(t.customers.c.code == "C-ACT")
        ).scalar_one()
        contract = conn.execute(
            select(t.contracts.c.id).where(t.contracts.c.customer_id == cid)
        ).scalar_one()
        _invoice(conn, cid, contract, "F-C-ACT-2", 7000, DUE, disputed=True)
    result = run_collections(
        portfolio, AS_OF, dry_run=True, strategies=strategies(), settings=SETTINGS
    )
    actions = result.days[0].as_json()["actions"]
    assert [(a["customer"], a["amount_cents"]) for a in actions] == [("C-ACT", 10000)]
