import json
import re
from pathlib import Path

from typer.testing import CliRunner

from riscossa.cli import commands  # noqa: F401
from riscossa.cli.app import app


def test_demo_builds_and_reports_a_portfolio(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    args = [
        "demo",
        "--customers",
        "40",
        "--seed",
        "3",
        "--as-of",
        "2026-06-30",
        "--out",
        str(tmp_path / "files"),
        "--db",
        str(db),
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["imports"]["customers"]["imported"] == 40
    assert payload["imports"]["invoices"]["imported"] > 300
    assert payload["aging"]["customers"] == 40
    again = json.loads(CliRunner().invoke(app, args).stdout)
    assert again["imports"]["invoices"]["imported"] == 0
    assert again["imports"]["invoices"]["unchanged"] == payload["imports"]["invoices"]["imported"]
    monitor = payload["iban_monitor"]
    assert sum(monitor["verdicts"].values()) == monitor["checked"] > 0
    broken = sum(v for k, v in payload["bad_data"].items() if k.startswith("invalid_iban"))
    assert monitor["verdicts"]["ERROR"] >= broken and monitor["new"] >= broken
    assert Path(monitor["output"]).exists()
    assert again["iban_monitor"]["new"] == 0
    assert again["iban_monitor"]["unchanged"] == monitor["new"]
    collection = payload["sdd_collection"]
    assert collection["items"] > 0 and Path(collection["file"]).exists()
    assert collection["collection_date"] == "2026-07-01"  # D-1 = 30/06, the demo's day
    outcomes = payload["sdd_outcomes"]
    assert outcomes is None or outcomes["applied"] == sum(outcomes["by_reason"].values())
    assert again["sdd_collection"]["items"] == 0  # everything due is in transit or held
    run = payload["collections"]
    assert run["as_of"] == "2026-06-30" and run["run_id"] == 1
    assert run["actions"] > 0
    assert run["actions"] == sum(c["count"] for c in run["by_channel"].values())
    assert sum(lot["count"] for lot in run["lots"]) == run["actions"]
    assert sum(lot["amount_cents"] for lot in run["lots"]) == sum(
        c["amount_cents"] for c in run["by_channel"].values()
    )
    assert run["positions"] == run["actions"] + sum(run["suppressed"].values()) + run["postponed"]
    assert run["suppressed"]  # disputed invoices stay open in the demo
    assert again["collections"]["run_id"] == 1  # the same day's run replaced, not added


def test_demo_prints_the_collections_run(tmp_path: Path) -> None:
    args = ["demo", "--customers", "40", "--seed", "3", "--as-of", "2026-06-30"]
    args += ["--out", str(tmp_path / "files"), "--db", str(tmp_path / "demo.db")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    # A second demo run pays again from new flows, so the figures are read, not compared.
    found = re.search(
        r"Collections run 2026-06-30: (\d+) customers in arrears, (\d+) actions \((.+?)\), "
        r"(\d+) postponed; suppressed: (.+?) Work lots: (.+?) ",
        text,
    )
    assert found, text
    positions, actions, channels, postponed, suppressed, lots = found.groups()
    assert 0 < int(actions) <= int(positions)
    assert re.fullmatch(r"(\w+ \d+ \([\d,]+\.\d\d EUR\)(, )?)+", channels)
    assert sum(int(n) for n in re.findall(r"\w+ (\d+) \(", channels)) == int(actions)
    reasons = dict(part.rsplit(" ", 1) for part in suppressed.split(", "))
    assert "dispute" in reasons  # disputed invoices stay open in the demo portfolio
    assert int(actions) + sum(int(n) for n in reasons.values()) + int(postponed) == int(positions)
    assert lots.startswith("20260630-")
