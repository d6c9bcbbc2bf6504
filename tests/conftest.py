"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``RISCOSSA_TEST_POSTGRES_URL`` (default: the local server, database
``test``); each test process gets a database of its own, migrated once, emptied per test.
Without a reachable server the PostgreSQL half is skipped locally, and fails under CI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from riscossa.adapters.db.engine import build_engine
from riscossa.adapters.db.schema import upgrade
from riscossa.adapters.db.tables import metadata


def _shared() -> Path:
    """The shared fixtures beside the checkout (``../shared``), wherever the clone lives.

    ``RISCOSSA_SHARED_DIR`` wins; then a ``shared`` folder beside the repository or any of
    its ancestors; then the workplace's own ``/work/shared``.
    """
    if os.environ.get("RISCOSSA_SHARED_DIR"):
        return Path(os.environ["RISCOSSA_SHARED_DIR"])
    repo = Path(__file__).resolve().parents[1]
    for folder in repo.parents:
        if (folder / "shared" / "fixtures" / "external").is_dir():
            return folder / "shared"
    return Path("/work/shared")


SHARED = _shared()
EXTERNAL_FIXTURES = SHARED / "fixtures" / "external"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_admin_url() -> str:
    return os.environ.get("RISCOSSA_TEST_POSTGRES_URL", DEFAULT_PG)


def _pg_available() -> str | None:
    """None when reachable, else the reason."""
    try:
        engine = build_engine(_pg_admin_url())
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means: not reachable
        return f"PostgreSQL not reachable at {_pg_admin_url()}: {exc.__class__.__name__}"
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], scope="session")


@pytest.fixture(scope="session")
def _pg_database_url(worker_id: str) -> Iterator[str]:
    reason = _pg_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    admin = build_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"riscossa_test_{worker_id}_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of the parametrised backend."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "riscossa.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("_pg_database_url")
    engine = build_engine(url)
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = build_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """xdist's worker id, or ``main`` without xdist."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"
