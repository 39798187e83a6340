"""Audit log pages (right ``audit.view``)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import Select, select

from lk_corporate.audit.presentation import action_label, detail_lines, known_actions
from lk_corporate.core.audit import AuditEntry, verify_chain
from lk_corporate.core.auth import require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import AUDIT_VIEW
from lk_corporate.core.urls import page_number

PER_PAGE = 50


def _filtered() -> tuple[Select[AuditEntry], dict[str, str]]:
    filters = {k: (request.args.get(k) or "").strip()[:100] for k in ("action", "actor", "object")}
    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    if filters["actor"]:
        query = query.where(AuditEntry.actor == filters["actor"])
    if filters["object"]:
        kind, _, ident = filters["object"].partition(":")
        query = query.where(AuditEntry.object_type == kind)
        if ident:
            query = query.where(AuditEntry.object_id == ident)
    return query, filters


@require_right(AUDIT_VIEW)
def index() -> Any:
    query, filters = _filtered()
    page = request.args.get("page", 1, type=page_number)
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return render_template("audit/index.html", pagination=pagination, filters=filters,
                           action_label=action_label, detail_lines=detail_lines,
                           known_actions=known_actions())


@require_right(AUDIT_VIEW)
def chain() -> Any:
    report = verify_chain(db.session)
    return render_template("audit/chain.html", report=report)
