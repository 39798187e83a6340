"""A supplier, two clients with their users, and staff who answer messages (and one who
does not), for the correspondence tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lk_corporate.accounts.models import User
from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import (
    CLIENT_ACCOUNTANT,
    CLIENT_SIGNER,
    SUPPLIER_ADMIN,
    SUPPLIER_OPERATOR,
)
from lk_corporate.core.storage import FileStore
from tests.support.factories import (
    create_client,
    create_client_user,
    create_staff_user,
    create_supplier,
)


@dataclass
class Correspondents:
    store: FileStore
    firm: Client
    other_firm: Client
    accountant: User  # writes to the supplier (MESSAGES_WRITE)
    colleague: User  # a second accountant of the same firm
    signer: User  # signs only: no correspondence
    stranger: User  # an accountant of the other firm
    operator: User
    operator2: User
    admin: User  # staff without MESSAGES_ANSWER

    def actor(self, user: User) -> Actor:
        return Actor(user.id, user.login, "127.0.0.1")


def make_correspondents(app: Any) -> Correspondents:
    """The rows (committed), for tests/messages and tests/service_requests alike."""
    create_supplier()
    firm = create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»")
    other = create_client(name="ООО «Лютик»", short_name="ООО «Лютик»")
    return Correspondents(
        store=FileStore(Path(app.config["LK_STORAGE_DIR"])),
        firm=firm, other_firm=other,
        accountant=create_client_user(firm, login="buh", email="buh@romashka.example"),
        colleague=create_client_user(firm, login="buh2", email="buh2@romashka.example",
                                     roles=(CLIENT_ACCOUNTANT,), locale="en"),
        signer=create_client_user(firm, login="signer", email="signer@romashka.example",
                                  roles=(CLIENT_SIGNER,)),
        stranger=create_client_user(other, login="lutik", email="buh@lutik.example"),
        operator=create_staff_user(SUPPLIER_OPERATOR, login="operator1"),
        operator2=create_staff_user(SUPPLIER_OPERATOR, login="operator2"),
        admin=create_staff_user(SUPPLIER_ADMIN, login="admin1"),
    )


@pytest.fixture()
def people(session: Any, app: Any) -> Correspondents:
    return make_correspondents(app)


@pytest.fixture(autouse=True)
def _mail_sent_before_the_next_test(app: Any) -> Any:
    """Every message and request sends e-mail on the background pool: let it finish, or the
    next test's table cleanup would race the sender (a deadlock on PostgreSQL)."""
    yield
    assert wait_idle(app)
