"""The correspondence tests' people (a firm, its users, staff who handle requests), and the
wait for the e-mails each request sends."""

from __future__ import annotations

from typing import Any

import pytest

from lk_corporate.core.jobs import wait_idle
from tests.messages.conftest import Correspondents, make_correspondents


@pytest.fixture()
def people(session: Any, app: Any) -> Correspondents:
    return make_correspondents(app)


@pytest.fixture(autouse=True)
def _mail_sent_before_the_next_test(app: Any) -> Any:
    yield
    assert wait_idle(app)
