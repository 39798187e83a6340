"""Row counts of every table: "a refused form changes nothing" is asserted with these."""

from __future__ import annotations

import sqlalchemy as sa

from lk_corporate.core.extensions import db


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            out[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return out


def table_rows(table: str) -> list[tuple]:  # type: ignore[type-arg]
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))]
