"""Integers from URLs, query strings and form fields, bounded to what the database holds.

An ID of 2^63 or more overflows PostgreSQL's BIGINT and SQLite's INTEGER (``OverflowError``
deep in the driver, a 500). Every integer the web layer accepts goes through these, so a
too-large number is simply not found (404) or a field error, like any other wrong number.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# Large enough for any row id we will ever hand out, small enough for a 32-bit column too.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` with an upper bound: a larger number does not match (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: Any, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """For ``request.args.get(name, type=bounded_int)``: ValueError outside the bounds."""
    number = int(str(value).strip())
    if not minimum <= number <= maximum:
        raise ValueError(value)
    return number


def coerce_id(value: Any) -> int | None:
    """A ``SelectField(coerce=coerce_id)``: a foreign or huge number becomes None, which
    ``pre_validate`` then refuses as "not a valid choice"."""
    if value is None or value == "":
        return None
    try:
        return bounded_int(value, minimum=1)
    except (TypeError, ValueError):
        return None


MAX_PAGE = 100_000


def page_number(value: Any) -> int:
    """``?page=``: 1 to ``MAX_PAGE``; anything else is page 1 (``request.args.get('page', 1,
    type=page_number)`` falls back to the default on ValueError)."""
    return bounded_int(value, minimum=1, maximum=MAX_PAGE)
