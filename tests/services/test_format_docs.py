from pathlib import Path

from riscossa.services.format_docs import render
from riscossa.services.import_schemas import SCHEMAS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats"


def test_committed_format_docs_match_the_schemas() -> None:
    for name, schema in SCHEMAS.items():
        committed = (DOCS / f"{name}.md").read_text(encoding="utf-8")
        assert committed == render(schema), (
            f"docs/formats/{name}.md is stale: run python -m riscossa.services.format_docs"
        )
