"""The migration moves the registration's «receive invoices by e-mail» flag onto the invoice
PDF preference, and the downgrade moves it back — on a scratch database of the suite's kind
(SQLite, or a fresh database on the PostgreSQL server), migrated by ``lk db`` itself."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support.database import _requested_url

LK = str(Path(sys.executable).parent / "lk")
BEFORE = "3f359aa8bf3b"  # the last revision with users.receive_invoices_by_email


@pytest.fixture()
def scratch_url(tmp_path: Path) -> Iterator[str]:
    requested = _requested_url()
    if not requested or requested.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    server = make_url(requested)
    name = f"lk_mig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _lk_db(url: str, tmp_path: Path, *args: str) -> None:
    env = {**os.environ, "LK_DATABASE_URL": url, "LK_SECRET_KEY": "migration-test",
           "LK_INSTANCE_DIR": str(tmp_path / "instance")}
    done = subprocess.run([LK, "db", *args], env=env, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_invoice_flag_becomes_the_pdf_preference_and_back(scratch_url, tmp_path):
    _lk_db(scratch_url, tmp_path, "upgrade", BEFORE)
    engine = sa.create_engine(scratch_url)
    users = sa.table("users", *(sa.column(c) for c in (
        "id", "login", "email", "password_hash", "full_name", "phone", "is_blocked", "locale",
        "receive_invoices_by_email", "created_at")))
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(users.insert(), [
            {"id": n, "login": f"u{n}", "email": f"u{n}@example.com", "password_hash": "x",
             "full_name": "", "phone": "", "is_blocked": False, "locale": "ru",
             "receive_invoices_by_email": wanted, "created_at": now}
            for n, wanted in ((1, True), (2, False))])
    try:
        _lk_db(scratch_url, tmp_path, "upgrade")
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT user_id, kind, enabled FROM notification_preferences")).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
        assert [tuple(r) for r in rows] == [(1, "invoice_pdf", True)]
        assert "receive_invoices_by_email" not in columns

        _lk_db(scratch_url, tmp_path, "downgrade", BEFORE)
        with engine.connect() as conn:
            flags = conn.execute(sa.text(
                "SELECT id, receive_invoices_by_email FROM users ORDER BY id")).all()
        assert [(r[0], bool(r[1])) for r in flags] == [(1, True), (2, False)]
    finally:
        engine.dispose()
