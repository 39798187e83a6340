"""Notices leave on the background pool: each test lets them finish before the next one
empties the tables."""

from __future__ import annotations

from typing import Any

import pytest

from lk_corporate.core.jobs import wait_idle


@pytest.fixture(autouse=True)
def _mail_sent_before_the_next_test(app: Any) -> Any:
    yield
    assert wait_idle(app)
