"""The audit pages: admins read the log and the chain's state; nobody else can."""

from __future__ import annotations

import sqlalchemy as sa

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR
from tests.support.factories import create_client, create_client_user, create_staff_user, login


def test_admin_reads_log_and_sees_a_broken_chain(client, session):
    create_staff_user(SUPPLIER_ADMIN, login="admin9")
    login(client, "admin9")
    page = client.get("/staff/audit/?action=login").get_data(as_text=True)
    assert "login.succeeded" in page and "admin9" in page
    assert "не нарушена" in client.get("/staff/audit/chain").get_data(as_text=True)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_entries SET actor = 'forged' WHERE seq = 1"))
    page = client.get("/staff/audit/chain").get_data(as_text=True)
    assert "нарушена" in page and "№1" in page


def test_others_cannot_read_the_log(client, session):
    create_staff_user(SUPPLIER_OPERATOR, login="operator9")
    login(client, "operator9")
    assert client.get("/staff/audit/").status_code == 403
    assert client.get("/staff/audit/chain").status_code == 403
    c = client.application.test_client()
    create_client_user(create_client(), login="clientuser9")
    login(c, "clientuser9")
    assert c.get("/staff/audit/").status_code == 403


def test_filters_survive_hostile_values(client, session):
    create_staff_user(SUPPLIER_ADMIN, login="admin8")
    login(client, "admin8")
    for q in ("?page=x", "?page=-5", "?object=" + "a" * 5000, "?actor=%27%3B--", "?page=99999"):
        assert client.get("/staff/audit/" + q).status_code == 200, q
