"""The service-request pages: the client's list, form and request page; the staff's queue with
assignment and the status moves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from lk_corporate.clients.operations import client_meters, client_points
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.urls import page_number
from lk_corporate.service_requests import operations as ops
from lk_corporate.service_requests.forms import AssignForm, MoveForm, RequestForm
from lk_corporate.service_requests.labels import KIND_LABELS, STATUS_BADGES, STATUS_LABELS
from lk_corporate.service_requests.models import RequestKind, RequestStatus, ServiceRequest
from lk_corporate.staff.forms import assignee_choices

PER_PAGE = 30


def _labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
            "status_badges": STATUS_BADGES}


def _page() -> int:
    return request.args.get("page", 1, type=page_number)


def _today() -> dt.date:
    return dt.datetime.now(get_timezone()).date()


def _place_choices(client_id: int) -> list[SelectChoice]:
    choices = [SelectChoice("", _("— not specified —"))]
    for point in client_points(db.session, client_id):
        choices.append(SelectChoice(f"p:{point.id}",
                                    _("Metering point: %(name)s", name=point.name)))
    for meter in client_meters(db.session, client_id):
        number = meter.factory_number or _("no factory number")
        choices.append(SelectChoice(f"m:{meter.id}", _("Meter No. %(number)s (%(point)s)",
                                                       number=number, point=meter.point.name)))
    return choices


def _place(value: str | None) -> tuple[int | None, int | None]:
    """``p:12`` → (12, None); ``m:34`` → (None, 34); anything else → (None, None)."""
    kind, _sep, number = (value or "").partition(":")
    if not number.isdigit() or len(number) > 12:
        return None, None
    return (int(number), None) if kind == "p" else (None, int(number)) if kind == "m" else (None, None)


# --- the client's pages -------------------------------------------------------------------------

@require_right(R.MESSAGES_WRITE)
def index() -> ResponseReturnValue:
    pagination = db.paginate(ops.client_requests_query(active_client_id()), page=_page(),
                             per_page=PER_PAGE, error_out=False)
    return render_template("service_requests/index.html", pagination=pagination, **_labels())


@require_right(R.MESSAGES_WRITE)
def new() -> ResponseReturnValue:
    client_id = active_client_id()
    form = RequestForm()
    form.place.choices = _place_choices(client_id)
    if request.method == "GET" and not form.contact_phone.data:
        form.contact_phone.data = current_user.phone or ""
    if form.validate_on_submit():
        point_id, meter_id = _place(form.place.data)
        kind = form.kind.data if form.kind.data in RequestKind._value2member_map_ else None
        data = ops.RequestData(kind=RequestKind(kind) if kind else None,
                               description=form.description.data or "",
                               contact_phone=form.contact_phone.data or "", point_id=point_id,
                               meter_id=meter_id, preferred_date=form.preferred_date.data)
        created = submit_form(form, ops.create_request, client_id=client_id, data=data,
                              actor=current_actor(), today=_today())
        if created:
            flash(_("Request No. %(number)s has been sent to the supplier.",
                    number=created.number), "success")
            return redirect(url_for("service_requests.detail", service_request_id=created.id))
    return render_template("service_requests/new.html", form=form, **_labels()), \
        422 if form.errors else 200


@require_right(R.MESSAGES_WRITE)
def detail(service_request_id: int) -> ResponseReturnValue:
    found = ops.get_request(db.session, service_request_id, client_id=active_client_id())
    return render_template("service_requests/detail.html", item=found, **_labels())


# --- staff ------------------------------------------------------------------------------------

@require_right(R.MESSAGES_ANSWER)
def queue() -> ResponseReturnValue:
    box = request.args.get("box", "all")
    box = box if box in ops.BOXES else "all"
    wanted = request.args.get("status", "")
    status = RequestStatus(wanted) if wanted in RequestStatus._value2member_map_ else None
    pagination = db.paginate(ops.queue_query(current_user.id, box=box, status=status),
                             page=_page(), per_page=PER_PAGE, error_out=False)
    return render_template("service_requests/queue.html", pagination=pagination, box=box,
                           status=status, **_labels())


def _staff_page(found: ServiceRequest, move_form: MoveForm) -> ResponseReturnValue:
    assign_form = AssignForm(assignee=str(found.assigned_to_id or ""))
    assign_form.assignee.choices = assignee_choices(ops.handling_staff(db.session))
    moves = [target for target in RequestStatus if ops.REQUEST_STATES.allows(found.status, target)]
    return render_template("service_requests/staff_detail.html", item=found,
                           assign_form=assign_form, move_form=move_form, moves=moves,
                           **_labels()), 422 if move_form.errors else 200


@require_right(R.MESSAGES_ANSWER)
def staff_detail(service_request_id: int) -> ResponseReturnValue:
    found = ops.get_request(db.session, service_request_id, client_id=None)
    return _staff_page(found, MoveForm())


@require_right(R.MESSAGES_ANSWER)
def assign(service_request_id: int) -> ResponseReturnValue:
    found = ops.get_request(db.session, service_request_id, client_id=None)
    form = AssignForm()
    if form.validate_on_submit():
        wanted = (form.assignee.data or "").strip()
        assignee = (current_user.id if wanted == "me"
                    else int(wanted) if wanted.isdigit() and len(wanted) < 12 else None)
        ops.assign(db.session, found, assignee_id=assignee, actor=current_actor())
        flash(_("The request is assigned to %(name)s.",
                name=found.assigned_to.full_name or found.assigned_to.login)
              if found.assigned_to else _("The request is assigned to nobody."), "success")
    return redirect(url_for("service_requests.staff_detail", service_request_id=found.id))


@require_right(R.MESSAGES_ANSWER)
def move(service_request_id: int) -> ResponseReturnValue:
    found = ops.get_request(db.session, service_request_id, client_id=None)
    form = MoveForm()
    wanted = request.form.get("target", "")
    target = RequestStatus(wanted) if wanted in RequestStatus._value2member_map_ else None
    if form.validate_on_submit() and target is not None and submit_form(
            form, ops.move, found, target, comment=form.comment.data or "",
            actor=current_actor()):
        flash(_("Request No. %(number)s: %(status)s.", number=found.number,
                status=STATUS_LABELS[found.status]), "success")
        return redirect(url_for("service_requests.staff_detail", service_request_id=found.id))
    return _staff_page(found, form)


# --- the menu's count ---------------------------------------------------------------------------

def waiting_badge(user: Any) -> int:
    """New requests nobody has taken (and the user's own still new)."""
    return ops.waiting_count(db.session, user.id)
