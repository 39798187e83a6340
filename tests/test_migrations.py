"""The migrations build exactly the schema the models declare, on the suite's database
(SQLite or PostgreSQL): a column, key or index added to a model without its migration
would exist in the tests' tables only if the tests built them from the models, and a
deployment upgraded with ``lk db upgrade`` would lack it."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask


def test_the_migrations_build_what_the_models_declare(clean_app: Flask) -> None:
    from lk_corporate.core.extensions import db

    with db.engine.connect() as conn:
        differences: list[Any] = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


def test_a_clients_invoices_of_a_period_have_one_key(clean_app: Flask) -> None:
    """The month-end job asks for them twice per client: with a key per column, PostgreSQL
    crossed the client's rows with every invoice of the period (BENCHMARKS.md)."""
    import sqlalchemy as sa

    from lk_corporate.core.extensions import db

    indexes = sa.inspect(db.engine).get_indexes("invoices")
    assert any(ix["column_names"] == ["client_id", "period_id"] for ix in indexes), indexes
