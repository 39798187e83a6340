"""PostgreSQL's fast path for the statement importer: a batch of payments goes in with
``COPY`` into a temporary table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING
RETURNING``; allocations go in with one multi-row ``INSERT`` (psycopg2) or one pipelined
``executemany`` of a prepared statement (psycopg 3).

Why not the ORM's or SQLAlchemy Core's multi-row insert: for 16 columns × thousands of rows
their per-parameter work (type processing, then the driver quoting or binding every value)
cost more CPU than the database's whole share of the import. ``COPY``'s text format
is parsed by the server in C, and the temporary table has no index, no foreign key and no
trigger, so filling it costs nearly nothing; the constraints of ``payments`` are checked
once, by the one ``INSERT … SELECT``. The unique key and ``ON CONFLICT DO NOTHING`` stay
the guard against a payment added twice, exactly as on the generic path.

Every function runs on the caller's connection, inside its transaction: the temporary
table is dropped at commit (or with the rollback of a malformed statement).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

__all__ = ["COLUMNS", "copy_payments", "insert_allocations"]

_STAGE = "lk_payments_in"

COLUMNS = ("payer_bik", "payer_account", "number", "date", "amount", "payer_name",
            "payer_tax_id", "purpose", "received_on", "client_id", "matched_by",
            "named_invoice_id")
"""A statement's payment as the importer stages it, in this order (both paths)."""

_CREATE = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ("
           "payer_bik text, payer_account text, number text, date date, amount numeric, "
           "payer_name text, payer_tax_id text, purpose text, received_on date, "
           "client_id integer, matched_by text, named_invoice_id integer) ON COMMIT DROP")

_MOVE = (f"INSERT INTO payments (import_id, {', '.join(COLUMNS)}, allocated, assigned_by, "
         f"created_at) SELECT %(import_id)s, {', '.join(COLUMNS)}, 0, '', %(now)s "
         f"FROM {_STAGE} ON CONFLICT (payer_bik, payer_account, number, date, amount) "
         "DO NOTHING RETURNING id, client_id, amount")

_COPY = f"COPY {_STAGE} ({', '.join(COLUMNS)}) FROM STDIN"
_ALLOCATE = "INSERT INTO payment_allocations (payment_id, invoice_id, amount, created_at) VALUES "


def _psycopg3(conn: Connection) -> bool:
    """The connection's driver: psycopg 3 (``postgresql://``) or psycopg2 (``+psycopg2``)."""
    return conn.dialect.driver == "psycopg"


# COPY's text format: a backslash, a tab, a line feed or a carriage return inside a value
# must be escaped; NULL is \N. Almost no value has one: the search is cheaper than escaping.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES) if _NEEDS_ESCAPE(value) else value
    if isinstance(value, (dt.date, Decimal, int)):
        return str(value)
    raise TypeError(f"cannot stage {type(value).__name__}")


def copy_payments(conn: Connection, rows: Sequence[Sequence[Any]], *, import_id: int,
                  now: dt.datetime) -> list[tuple[int, int | None, Decimal]]:
    """Add ``rows`` (values in the order of ``COLUMNS``) to ``payments``; those whose key is
    already there are skipped. Returns ``(id, client_id, amount)`` of the rows added."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_CREATE)
        data = "".join("\t".join([_field(v) for v in row]) + "\n" for row in rows)
        if _psycopg3(conn):
            with cursor.copy(_COPY) as copy:
                copy.write(data)
        else:
            cursor.copy_expert(_COPY, io.StringIO(data))
        cursor.execute(_MOVE, {"import_id": import_id, "now": now})
        added = [(int(i), c, Decimal(a)) for i, c, a in cursor.fetchall()]
        cursor.execute(f"TRUNCATE {_STAGE}")
        return added
    finally:
        cursor.close()


def insert_allocations(conn: Connection, rows: Sequence[tuple[int, int, Decimal]], *,
                       now: dt.datetime) -> None:
    """Insert ``(payment_id, invoice_id, amount)`` rows into ``payment_allocations``."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    values = [(*row, now) for row in rows]
    try:
        if _psycopg3(conn):
            # psycopg 3 sends executemany's rows in one pipeline, one prepared statement
            cursor.executemany(_ALLOCATE + "(%s, %s, %s, %s)", values)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, _ALLOCATE + "%s", values, page_size=max(len(rows), 1))
    finally:
        cursor.close()
