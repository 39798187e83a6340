"""Fixtures shared by the whole suite: the test database, the app, a real SMTP server.

``LK_TEST_DATABASE_URL`` chooses the database: empty means a SQLite file; a PostgreSQL URL
names a server on which the suite creates a fresh database (``lk_test_<random>``) and drops
it at the end. The schema is built once per session by running the real migrations, and
every test starts from empty tables.
"""

from __future__ import annotations

pytest_plugins = [
    "tests.support.database",
    "tests.support.mail",
    "tests.support.factories",
    "tests.support.live",
]
