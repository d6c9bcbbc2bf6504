"""Contact outcomes, promises and pauses: what they write, and how the next run reads them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, select

from riscossa.adapters.db import tables as t
from riscossa.domain.errors import NotFoundError, ValidationError
from riscossa.services.collection_outcomes import end_pause, pause_collections, record_outcome
from riscossa.services.collections_run import run_collections
from tests.services.test_collections_run import (
    AS_OF,
    SETTINGS,
    _contract,
    _customer,
    _invoice,
    strategies,
)

NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def ledger(engine: Engine) -> Engine:
    with engine.begin() as conn:
        cid = _customer(conn, "C1")
        _invoice(conn, cid, _contract(conn, cid, "K1"), "F1", 10000)
    return engine


def test_an_outcome_closes_the_latest_action_and_is_audited(ledger: Engine) -> None:
    run = run_collections(ledger, AS_OF, strategies=strategies(), settings=SETTINGS)
    recorded = record_outcome(
        ledger, "C1", "unreachable", actor="mrossi", note="squilla a vuoto", now=NOW
    )
    assert (recorded.outcome, recorded.promise_id) == ("unreachable", None)
    with ledger.connect() as conn:
        action = conn.execute(select(t.collection_actions)).one()
        outcome = conn.execute(select(t.contact_outcomes)).one()
        log = conn.execute(select(t.audit_log)).one()
    assert action.run_id == run.run_id
    assert (recorded.action_id, action.status) == (action.id, "done")
    assert (outcome.outcome, outcome.note, outcome.recorded_by) == (
        "unreachable",
        "squilla a vuoto",
        "mrossi",
    )
    assert (log.actor, log.action, log.entity, log.entity_id) == (
        "mrossi",
        "collection_outcome",
        "contact_outcome",
        str(outcome.id),
    )
    assert json.loads(log.after) == {
        "outcome": "unreachable",
        "note": "squilla a vuoto",
        "action_id": action.id,
    }


def test_a_promise_is_stored_and_suppresses_until_its_date(ledger: Engine) -> None:
    recorded = record_outcome(
        ledger,
        "C1",
        "promise",
        actor="mrossi",
        promise_amount_cents=10000,
        promise_date=dt.date(2026, 11, 25),
        tolerance_days=2,
        now=NOW,
    )
    with ledger.connect() as conn:
        promise = conn.execute(select(t.promises)).one()
    assert (promise.id, promise.amount_cents, promise.promised_date, promise.status) == (
        recorded.promise_id,
        10000,
        dt.date(2026, 11, 25),
        "pending",
    )
    assert recorded.action_id is None  # no action planned yet
    for day, reason in ((dt.date(2026, 11, 27), "promise_pending"), (dt.date(2026, 11, 28), None)):
        plan = run_collections(
            ledger, day, dry_run=True, strategies=strategies(), settings=SETTINGS
        ).days[0]
        assert list(plan.suppressed["reason"]) == ([reason] if reason else [])


def test_bad_outcomes_are_refused(ledger: Engine) -> None:
    with pytest.raises(ValidationError, match="outcome 'maybe' is unknown"):
        record_outcome(ledger, "C1", "maybe", actor="x")
    with pytest.raises(ValidationError, match="needs the promised amount and date"):
        record_outcome(ledger, "C1", "promise", actor="x", promise_amount_cents=100)
    with pytest.raises(ValidationError, match="goes with the promise outcome, not refused"):
        record_outcome(ledger, "C1", "refused", actor="x", promise_date=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError, match="amount must be positive"):
        record_outcome(
            ledger,
            "C1",
            "promise",
            actor="x",
            promise_amount_cents=0,
            promise_date=dt.date(2026, 12, 1),
            now=NOW,
        )
    with pytest.raises(NotFoundError, match="customer 'C9' not found"):
        record_outcome(ledger, "C9", "paid", actor="x")


def test_a_pause_suppresses_until_ended_and_keeps_its_history(ledger: Engine) -> None:
    pause_id = pause_collections(
        ledger, "C1", AS_OF, AS_OF + dt.timedelta(days=30), "reclamo", actor="mrossi", now=NOW
    )

    def reasons() -> list[str]:
        plan = run_collections(
            ledger, AS_OF, dry_run=True, strategies=strategies(), settings=SETTINGS
        ).days[0]
        return list(plan.suppressed["reason"])

    assert reasons() == ["paused"]
    end_pause(ledger, pause_id, actor="mrossi", now=NOW)
    assert reasons() == []
    with ledger.connect() as conn:
        pause = conn.execute(select(t.collection_pauses)).one()
        actions = [r.action for r in conn.execute(select(t.audit_log).order_by(t.audit_log.c.id))]
    assert pause.ended_at is not None
    assert actions == ["collection_pause", "collection_pause_end"]
    with pytest.raises(ValidationError, match=f"pause {pause_id} already ended"):
        end_pause(ledger, pause_id, actor="mrossi")
    with pytest.raises(ValidationError, match="ends \\(2026-11-19\\) before it starts"):
        pause_collections(ledger, "C1", AS_OF, AS_OF - dt.timedelta(days=1), "x", actor="m")
