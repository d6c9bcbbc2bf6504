"""What operators record about collections: contact outcomes, promises to pay, pauses.

The CLI and the web call these; each change writes an ``audit_log`` row with who made it. An
outcome is tied to the customer's latest action (marked done), which is how the next daily
run knows where the strategy goes; a promise outcome also records the promise, which keeps
the customer out of the run until the promised date plus its tolerance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from riscossa.adapters.db import tables as t
from riscossa.domain.errors import NotFoundError, ValidationError
from riscossa.domain.promises import PromiseTolerance, PromiseToPay
from riscossa.domain.strategy import Outcome
from riscossa.services.manual_match import audit


@dataclass(frozen=True, slots=True)
class RecordedOutcome:
    outcome_id: int
    customer_code: str
    outcome: str
    action_id: int | None
    promise_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "outcome_id": self.outcome_id,
            "customer": self.customer_code,
            "outcome": self.outcome,
            "action_id": self.action_id,
            "promise_id": self.promise_id,
        }


def _customer_id(conn: Connection, code: str) -> int:
    found = conn.execute(select(t.customers.c.id).where(t.customers.c.code == code)).scalar()
    if found is None:
        raise NotFoundError(f"customer {code!r} not found")
    return int(found)


def record_outcome(
    engine: Engine,
    customer_code: str,
    outcome: str,
    *,
    actor: str,
    note: str = "",
    promise_amount_cents: int | None = None,
    promise_date: dt.date | None = None,
    tolerance_days: int = 0,
    now: dt.datetime | None = None,
) -> RecordedOutcome:
    """Record what came of the latest contact; a ``promise`` needs its amount and date."""
    known = [o.value for o in Outcome]
    if outcome not in known:
        raise ValidationError(f"outcome {outcome!r} is unknown (known: {', '.join(known)})")
    promised = promise_amount_cents is not None or promise_date is not None
    if outcome == Outcome.PROMISE and (promise_amount_cents is None or promise_date is None):
        raise ValidationError("a promise outcome needs the promised amount and date")
    if outcome != Outcome.PROMISE and promised:
        raise ValidationError(
            f"a promised amount or date goes with the promise outcome, not {outcome}"
        )
    now = now or dt.datetime.now(dt.UTC)
    a = t.collection_actions
    with engine.begin() as conn:
        customer_id = _customer_id(conn, customer_code)
        action_id = conn.execute(
            select(a.c.id)
            .where(a.c.customer_id == customer_id, a.c.status != "cancelled")
            .order_by(a.c.due_date.desc(), a.c.id.desc())
            .limit(1)
        ).scalar()
        key = conn.execute(
            insert(t.contact_outcomes).values(
                customer_id=customer_id,
                action_id=action_id,
                outcome=outcome,
                note=note,
                recorded_at=now,
                recorded_by=actor[:100],
            )
        ).inserted_primary_key
        assert key is not None
        outcome_id = int(key[0])
        if action_id is not None:
            conn.execute(
                update(a).where(a.c.id == action_id, a.c.status == "planned").values(status="done")
            )
        promise_id = None
        after: dict[str, Any] = {"outcome": outcome, "note": note, "action_id": action_id}
        if promise_amount_cents is not None and promise_date is not None:
            promise = PromiseToPay(
                customer_code=customer_code,
                amount_cents=promise_amount_cents,
                promised_date=promise_date,
                created_on=now.date(),
                created_by=actor,
                tolerance=PromiseTolerance(days=tolerance_days),
            )
            key = conn.execute(
                insert(t.promises).values(
                    customer_id=customer_id,
                    outcome_id=outcome_id,
                    amount_cents=promise.amount_cents,
                    promised_date=promise.promised_date,
                    tolerance_days=promise.tolerance.days,
                    created_on=promise.created_on,
                    created_by=actor[:100],
                )
            ).inserted_primary_key
            assert key is not None
            promise_id = int(key[0])
            after |= {"promise_cents": promise_amount_cents, "promise_date": promise_date}
        audit(
            conn,
            actor=actor,
            action="collection_outcome",
            entity="contact_outcome",
            entity_id=str(outcome_id),
            customer_id=customer_id,
            before={},
            after=after,
            now=now,
        )
    return RecordedOutcome(outcome_id, customer_code, outcome, action_id, promise_id)


def pause_collections(
    engine: Engine,
    customer_code: str,
    from_date: dt.date,
    to_date: dt.date,
    reason: str,
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> int:
    """Keep a customer out of the daily run from ``from_date`` to ``to_date`` inclusive."""
    if to_date < from_date:
        raise ValidationError(f"pause ends ({to_date}) before it starts ({from_date})")
    if not reason.strip():
        raise ValidationError("a pause needs a reason")
    now = now or dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        customer_id = _customer_id(conn, customer_code)
        values = {"from_date": from_date, "to_date": to_date, "reason": reason[:200]}
        key = conn.execute(
            insert(t.collection_pauses).values(
                customer_id=customer_id, created_by=actor[:100], created_at=now, **values
            )
        ).inserted_primary_key
        assert key is not None
        pause_id = int(key[0])
        audit(
            conn,
            actor=actor,
            action="collection_pause",
            entity="collection_pause",
            entity_id=str(pause_id),
            customer_id=customer_id,
            before={},
            after=values,
            now=now,
        )
    return pause_id


def end_pause(engine: Engine, pause_id: int, *, actor: str, now: dt.datetime | None = None) -> None:
    """End a pause now; the row stays, for the history."""
    now = now or dt.datetime.now(dt.UTC)
    z = t.collection_pauses
    with engine.begin() as conn:
        row = conn.execute(select(z).where(z.c.id == pause_id)).first()
        if row is None:
            raise NotFoundError(f"collection pause {pause_id} not found")
        if row.ended_at is not None:
            raise ValidationError(f"collection pause {pause_id} already ended on {row.ended_at}")
        conn.execute(update(z).where(z.c.id == pause_id).values(ended_at=now))
        audit(
            conn,
            actor=actor,
            action="collection_pause_end",
            entity="collection_pause",
            entity_id=str(pause_id),
            customer_id=row.customer_id,
            before={"ended_at": None},
            after={"ended_at": now},
            now=now,
        )
