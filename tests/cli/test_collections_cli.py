"""`riscossa collections run`, `lots export`, `outcome record` on a two-customer ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import riscossa.cli.commands  # noqa: F401  (registers the commands)
from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.adapters.strategy_yaml import shipped_strategies
from riscossa.cli.app import app
from tests.services.test_collections_run import _contract, _customer, _invoice

runner = CliRunner()
AS_OF = "2026-11-20"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'riscossa.db'}"
    engine = build_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        for code, cents in (("C-ACT", 12000), ("C-SMALL", 300)):
            cid = _customer(conn, code, email=f"{code.lower()}@example.it", city="Milano")
            _invoice(conn, cid, _contract(conn, cid, f"K-{code}"), f"F-{code}", cents)
    engine.dispose()
    return url


def _text(output: str) -> str:
    """Rich wraps long lines: compare with the spaces normalised."""
    return " ".join(output.split())


def _first_step() -> tuple[str, str]:
    domestic = next(s for s in shipped_strategies() if s.name == "electricity-domestic")
    if domestic.arm("C-ACT") == "champion":
        return "sollecito-sms", "sms"
    return "sollecito-email", "email"


def test_run_export_and_outcome_from_the_command_line(db: str, tmp_path: Path) -> None:
    step, channel = _first_step()
    dry = runner.invoke(
        app, ["collections", "run", "--as-of", AS_OF, "--dry-run", "--json", "--db", db]
    )
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.output)
    assert payload["run_id"] is None
    assert [
        (a["customer"], a["contract"], a["step"], a["channel"], a["amount_cents"], a["lot"])
        for a in payload["actions"]
    ] == [("C-ACT", "K-C-ACT", step, channel, 12000, f"20261120-{channel}")]
    assert payload["suppressed"] == [{"customer": "C-SMALL", "reason": "under_threshold"}]

    stored = runner.invoke(app, ["collections", "run", "--as-of", AS_OF, "--db", db])
    assert stored.exit_code == 0, stored.output
    assert "1 actions" in _text(stored.output) and "Stored as run 1." in _text(stored.output)

    out = tmp_path / "lotto.csv"
    export = runner.invoke(
        app, ["lots", "export", "--as-of", AS_OF, "--channel", channel, "-o", str(out), "--db", db]
    )
    assert export.exit_code == 0, export.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"20261120-{channel};C-ACT;Cliente C-ACT;")
    assert "120,00" in lines[1] and "F-C-ACT" in lines[1]

    pdf = runner.invoke(
        app,
        [
            "lots",
            "export",
            "--as-of",
            AS_OF,
            "--channel",
            channel,
            "-o",
            str(tmp_path / "x.pdf"),
            "--db",
            db,
        ],
    )
    assert pdf.exit_code == 2
    assert "PDF letters are not available yet" in _text(pdf.output)

    promise = runner.invoke(
        app,
        [
            "outcome",
            "record",
            "C-ACT",
            "promise",
            "--promise-amount",
            "120,00",
            "--promise-date",
            "2026-11-30",
            "--note",
            "paga a fine mese",
            "--json",
            "--db",
            db,
        ],
    )
    assert promise.exit_code == 0, promise.output
    recorded = json.loads(promise.output)
    assert (recorded["customer"], recorded["outcome"], recorded["action_id"]) == (
        "C-ACT",
        "promise",
        1,
    )
    assert recorded["promise_id"] == 1

    later = runner.invoke(
        app, ["collections", "run", "--as-of", "2026-11-24", "--dry-run", "--json", "--db", db]
    )
    assert later.exit_code == 0, later.output
    assert json.loads(later.output)["suppressed"] == [
        {"customer": "C-ACT", "reason": "promise_pending"},
        {"customer": "C-SMALL", "reason": "under_threshold"},
    ]


def test_bad_input_exits_2_with_the_reason(db: str) -> None:
    unknown = runner.invoke(app, ["outcome", "record", "C-ACT", "maybe", "--db", db])
    assert unknown.exit_code == 2
    assert "outcome 'maybe' is unknown" in _text(unknown.output)
    days = runner.invoke(app, ["collections", "run", "--as-of", AS_OF, "--days", "3", "--db", db])
    assert days.exit_code == 2
    assert "needs --dry-run" in _text(days.output)
    nothing = runner.invoke(
        app, ["lots", "export", "--as-of", AS_OF, "--channel", "sms", "-o", "x.csv", "--db", db]
    )
    assert nothing.exit_code == 2
    assert "no stored sms actions for 2026-11-20" in _text(nothing.output)
    assert dt.date.fromisoformat(AS_OF).weekday() == 4
