"""Login and password reset do the same work whether or not the account exists, so their
time tells nothing. Checked by what the request does — password hashes verified, SQL
statements run in the request — not by a stopwatch (``bench/bench_login_timing.py`` measures
the times themselves)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import argon2
import pytest
from sqlalchemy import event

from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from tests.support.factories import create_client, create_client_user, login, post_form


@pytest.fixture()
def user(session, supplier):
    return create_client_user(create_client(), login="buh", email="buh@firm.example")


@contextmanager
def work_in_this_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """What the request (run by the test client in this thread) does: Argon2 verifications
    and SQL statements (with their parameters left out)."""
    seen: dict[str, list[str]] = {"verify": [], "sql": []}
    me = threading.get_ident()
    original = argon2.PasswordHasher.verify

    def verify(self, hash, password):  # type: ignore[no-untyped-def]
        if threading.get_ident() == me:
            seen["verify"].append("verify")
        return original(self, hash, password)

    def statement(conn, cursor, sql, params, context, executemany):  # type: ignore[no-untyped-def]
        if threading.get_ident() == me:
            seen["sql"].append(" ".join(sql.split()))

    engine = db.engine
    with monkeypatch.context() as patch:
        patch.setattr(argon2.PasswordHasher, "verify", verify)
        event.listen(engine, "before_cursor_execute", statement)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", statement)


def test_unknown_login_costs_what_a_wrong_password_costs(client, user, monkeypatch, app):
    with work_in_this_thread(monkeypatch) as wrong:
        assert login(client, "buh", "wrong-password-1").status_code == 401
    with work_in_this_thread(monkeypatch) as unknown:
        assert login(app.test_client(), "nobody", "wrong-password-1").status_code == 401
    assert wrong["verify"] == unknown["verify"] == ["verify"]
    assert wrong["sql"] == unknown["sql"]


def test_password_reset_request_costs_the_same_for_any_identifier(client, user, monkeypatch,
                                                                  app, mailbox):
    with work_in_this_thread(monkeypatch) as existing:
        assert post_form(client, "/password/forgot", {"login": "buh"}).status_code == 302
    with work_in_this_thread(monkeypatch) as unknown:
        assert post_form(app.test_client(), "/password/forgot",
                         {"login": "nobody"}).status_code == 302
    assert existing["sql"] == unknown["sql"]
    # The work happens after the response: the real account gets its message.
    assert wait_idle(app)
    assert "/password/reset/" in mailbox.last_to("buh@firm.example").get_content()
