"""The demo outbox shows password-reset links, so it answers only on this machine.

An anonymous visitor from the network once took over a staff account: request the staff
member's password reset, read the link at /outbox/, enter the supplier's tax ID.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import SUPPLIER_ADMIN
from tests.support.factories import create_staff_user, post_form

REMOTE = {"REMOTE_ADDR": "10.1.2.3"}
_RESET_LINK = re.compile(r"/password/reset/[\w.-]+")


@pytest.fixture()
def demo_app(clean_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setitem(clean_app.config, "LK_DEMO", True)
    return clean_app


def _request_reset(client: Any, login: str, environ: dict[str, str]) -> None:
    client.environ_base.update(environ)
    response = post_form(client, "/password/forgot", {"login": login})
    assert response.status_code == 302
    assert wait_idle(client.application)  # the reset and its mail happen after the response


def test_a_visitor_from_the_network_cannot_read_a_reset_link(demo_app, session, mailbox):
    create_staff_user(SUPPLIER_ADMIN, login="admin")
    session.commit()
    visitor = demo_app.test_client()
    _request_reset(visitor, "admin", REMOTE)
    assert "/password/reset/" in mailbox.messages[-1].get_content()  # the mail went out
    index = visitor.get("/outbox/", environ_base=REMOTE)
    assert index.status_code == 404
    assert not _RESET_LINK.search(index.get_data(as_text=True))
    for mail_id in range(1, 4):
        page = visitor.get(f"/outbox/{mail_id}", environ_base=REMOTE)
        assert page.status_code == 404 and not _RESET_LINK.search(page.get_data(as_text=True))


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_on_this_machine_the_outbox_shows_the_mail(demo_app, session, mailbox, address):
    create_staff_user(SUPPLIER_ADMIN, login="admin")
    session.commit()
    local = demo_app.test_client()
    _request_reset(local, "admin", {"REMOTE_ADDR": address})
    index = local.get("/outbox/", environ_base={"REMOTE_ADDR": address})
    assert index.status_code == 200
    link = re.search(r'href="(/outbox/\d+)"', index.get_data(as_text=True))
    assert link, index.get_data(as_text=True)
    page = local.get(link.group(1), environ_base={"REMOTE_ADDR": address})
    assert _RESET_LINK.search(page.get_data(as_text=True))


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "::ffff:10.1.2.3", "2001:db8::1"])
def test_other_addresses_get_404(demo_app, address):
    assert demo_app.test_client().get("/outbox/", environ_base={"REMOTE_ADDR": address}) \
        .status_code == 404


def test_through_an_untrusted_local_proxy_the_client_is_unknown(demo_app):
    """nginx or a tunnel on this machine connects from 127.0.0.1 for every visitor."""
    client = demo_app.test_client()
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        response = client.get("/outbox/", headers={header: "203.0.113.9"})
        assert response.status_code == 404, header


@pytest.fixture()
def proxied_app(app_config: dict[str, Any], clean_app: Flask, tmp_path: Any) -> Iterator[Flask]:
    """The demo behind a trusted reverse proxy (LK_TRUST_PROXY): ProxyFix sets the client IP."""
    from lk_corporate.app import create_app

    application = create_app({**app_config, "LK_DEMO": True, "LK_TRUST_PROXY": True},
                             instance_path=str(tmp_path / "instance"))
    with application.app_context():
        yield application


def test_behind_a_trusted_proxy_the_forwarded_address_counts(proxied_app):
    client = proxied_app.test_client()
    far = client.get("/outbox/", headers={"X-Forwarded-For": "10.1.2.3"})
    assert far.status_code == 404
    near = client.get("/outbox/", headers={"X-Forwarded-For": "127.0.0.1"})
    assert near.status_code == 200
