"""Counting the SQL statements a piece of code sends: a page whose count grows with the rows
it shows runs a query per row (an N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from lk_corporate.core.extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """The statements sent to the app's engine inside the block, in order."""
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
