"""``api_view``: what every ``/api/v1`` view does before and after its own work.

A view is declared for one operation of ``api.spec``::

    @api_view("list_meters")
    def list_meters(session, caller, *, query): ...

and is then called with the request's session, its ``Caller`` (the token's user and rights;
None for the public description) and whatever the operation declares, already validated:
``query`` (the query string's schema), ``body`` (the JSON body's) or ``pdf`` (a PDF body),
plus the URL's path arguments. It returns the operation's answer model (sent as JSON with
the operation's success status) or a finished ``Response`` (a file). The request boundary
(``core.requests``) still runs around it: one unit of work, 404 for ``NotFound``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response
from pydantic import BaseModel

from lk_corporate.api.auth import authenticate
from lk_corporate.api.http import json_body, json_response, pdf_body, query_params
from lk_corporate.api.schemas import NoQuery
from lk_corporate.api.spec import BY_ID, Operation
from lk_corporate.core.extensions import db

VIEWS: dict[str, Callable[..., Response]] = {}
"""operation id → its view, for the operations this build implements."""


def api_view(operation_id: str) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    op: Operation = BY_ID[operation_id]

    def decorator(function: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(function)
        def view(**path_args: int) -> Response:
            session = db.session
            caller = None if op.public else authenticate(session)
            kwargs: dict[str, Any] = {}
            query = query_params(op.query or NoQuery)
            if op.query is not None:
                kwargs["query"] = query
            if op.body == "pdf":
                kwargs["pdf"] = pdf_body()
            elif op.body is not None:
                kwargs["body"] = json_body(op.body)
            result = function(session, caller, **path_args, **kwargs)
            if isinstance(result, Response):
                return result
            if isinstance(op.answer, type):
                assert isinstance(result, op.answer), (operation_id, type(result))
            assert isinstance(result, BaseModel), (operation_id, type(result))
            return json_response(result, op.success)

        VIEWS[operation_id] = view
        return view

    return decorator
