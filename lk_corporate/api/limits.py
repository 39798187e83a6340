"""``POST /api/v1/limit-requests``: the client's consumption-limit request for a year,
through ``limits.operations.create_limit_request`` as the page makes it."""

from __future__ import annotations

from typing import Any

from flask import current_app

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.endpoints import documents_out, store
from lk_corporate.api.http import json_response
from lk_corporate.api.spec import PREFIX
from lk_corporate.api.views import api_view
from lk_corporate.core import rights as R
from lk_corporate.core.db import DbSession
from lk_corporate.limits import operations as ops
from lk_corporate.supplier.operations import get_settings


@api_view("create_limit_request")
def create(session: DbSession, caller: Caller | None, *, body: s.LimitRequestIn) -> Any:
    assert caller is not None
    client = caller.client(session, body.client_id, R.LIMITS_SUBMIT)
    config = current_app.config
    request = ops.create_limit_request(
        session, store(), client=client, year=body.year,
        points=[ops.PointVolumes(p.point_id, list(p.months)) for p in body.points],
        supplier=get_settings(session), actor=caller.actor, base_url=str(config["LK_BASE_URL"]),
        timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"))
    document = documents_out(session, [request.document])[0]
    response = json_response(s.LimitRequestCreated(document=document), 201)
    response.headers["Location"] = f"{PREFIX}/documents/{document.id}"
    return response
