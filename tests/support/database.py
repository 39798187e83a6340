"""The test database (SQLite or PostgreSQL), the app bound to it, and per-test cleanup."""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from lk_corporate.config import normalize_database_url


def _requested_url() -> str:
    return normalize_database_url(os.environ.get("LK_TEST_DATABASE_URL", "").strip())


def pytest_report_header(config: pytest.Config) -> str:
    url = _requested_url()
    backend = make_url(url).get_backend_name() if url else "sqlite"
    return f"database backend: {backend}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test session; dropped afterwards."""
    requested = _requested_url()
    if not requested or requested.startswith("sqlite"):
        path = tmp_path_factory.mktemp("db") / "lk_test.sqlite3"
        yield f"sqlite:///{path}"
        return
    server = make_url(requested)
    name = f"lk_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app_config(database_url: str, tmp_path_factory: pytest.TempPathFactory,
               smtp_server: Any) -> dict[str, Any]:
    """The configuration every test app uses (the browser fixtures reuse it)."""
    base = tmp_path_factory.mktemp("instance")
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LK_BASE_URL": "http://127.0.0.1:5000",
        "LK_MAIL_BACKEND": "smtp",
        "LK_SMTP_HOST": smtp_server.host,
        "LK_SMTP_PORT": smtp_server.port,
        "LK_MAIL_DIR": str(base / "outbox"),
        "LK_STORAGE_DIR": str(base / "files"),
        "LK_PKI_DIR": str(base / "pki"),
        "LK_CELERY_BROKER_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Real Argon2id, at the lowest cost: hundreds of hashes per run stay fast.
        "LK_ARGON2_TIME_COST": 1,
        "LK_ARGON2_MEMORY_KIB": 1024,
    }


@pytest.fixture(scope="session")
def app(app_config: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app with the schema built by the real migrations (so they are tested too)."""
    from flask_migrate import upgrade

    from lk_corporate.app import create_app

    instance = tmp_path_factory.mktemp("app-instance")
    application = create_app(app_config, instance_path=str(instance))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade(directory=str(Path(application.root_path) / "migrations"))
    yield application
    with application.app_context():
        from lk_corporate.core.extensions import db

        db.session.remove()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, as in production.

    Tests hold an app context for their own database work; Flask would reuse it for the
    requests made inside, sharing ``g`` (and the CSRF token cached there) between requests.
    Running each request in an empty ``contextvars.Context`` gives it a fresh one.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return contextvars.Context().run(super().open, *args, **kwargs)


def _clear_tables(app: Flask) -> None:
    from lk_corporate.core.extensions import db
    from lk_corporate.core.jobs import wait_idle

    # The previous test's jobs (mail after a response, notices) may still be running on the
    # in-process pool: on PostgreSQL their locks and TRUNCATE's would deadlock.
    wait_idle(app)
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(t.delete())
                conn.execute(sa.text("DELETE FROM sqlite_sequence"))


@pytest.fixture()
def clean_app(app: Flask) -> Iterator[Flask]:
    """The app with empty tables, an app context pushed, and the rate limits and the
    month-end jobs' cached tariffs reset."""
    from lk_corporate.core.extensions import limiter
    from lk_corporate.invoicing.tasks import forget_references

    _clear_tables(app)
    forget_references()
    with app.app_context():
        limiter.reset()
        yield app
        from lk_corporate.core.extensions import db

        db.session.remove()


@pytest.fixture()
def session(clean_app: Flask) -> Any:
    from lk_corporate.core.extensions import db

    return db.session


@pytest.fixture()
def client(clean_app: Flask) -> Any:
    return clean_app.test_client()


REPO = Path(__file__).resolve().parents[2]


def _tree_state(root: Path) -> dict[str, float]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


@pytest.fixture(scope="session", autouse=True)
def _source_tree_untouched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite writes nothing into the checkout: every app and ``lk`` subprocess it starts
    keeps its instance folder (keys, database, PKI, mail) under a temporary directory."""
    instance = REPO / "instance"
    before = _tree_state(instance)
    os.environ["LK_INSTANCE_DIR"] = str(tmp_path_factory.mktemp("lk-instance"))
    yield
    after = _tree_state(instance)
    written = sorted(k for k in after if before.get(k) != after[k])
    assert not written, f"the test run wrote into the source tree: instance/{written}"
