"""HTTP handlers of the client pages: parse the form, call the operation inside a unit of
work, flash and redirect, or put the domain error beside its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lk_corporate.clients import operations as ops
from lk_corporate.clients.forms import (
    SERVICE_LABELS,
    STATUS_LABELS,
    ZONE_LABELS,
    ClientForm,
    MeterForm,
    PointForm,
)
from lk_corporate.clients.models import MeterStatus, Service
from lk_corporate.clients.panels import panels_for
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.urls import page_number
from lk_corporate.supplier.operations import get_settings

PER_PAGE = 25


def _labels() -> dict[str, Any]:
    return {"service_labels": SERVICE_LABELS, "zone_labels": ZONE_LABELS,
            "status_labels": STATUS_LABELS, "today": dt.date.today(),
            "verification_state": ops.verification_state}


def _page() -> int:
    return request.args.get("page", 1, type=page_number)


# --- staff: clients ----------------------------------------------------------------------

@require_right(R.CLIENTS_VIEW)
def index() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:100]
    pagination = db.paginate(ops.search_clients(db.session, q), page=_page(), per_page=PER_PAGE,
                             error_out=False)
    return render_template("clients/index.html", pagination=pagination, q=q)


def _client_data(form: ClientForm) -> ops.ClientData:
    return ops.ClientData(requisites=form.requisites_data(),
                          contract_number=form.contract_number.data or "",
                          contract_date=form.contract_date.data,
                          is_active=bool(form.is_active.data))


@require_right(R.CLIENTS_MANAGE)
def create() -> ResponseReturnValue:
    form = ClientForm()
    if form.validate_on_submit() and (client := submit_form(
            form, ops.create_client, _client_data(form), actor=current_actor())):
        flash(_("Client %(name)s created.", name=client.display_name), "success")
        return redirect(url_for("clients.detail", client_id=client.id))
    return render_template("clients/edit.html", form=form, client=None)


@require_right(R.CLIENTS_MANAGE)
def edit(client_id: int) -> ResponseReturnValue:
    client = ops.get_client(db.session, client_id)
    form = ClientForm(obj=client)
    if form.validate_on_submit() and submit_form(form, ops.update_client,
                                                 client, _client_data(form), actor=current_actor()):
        flash(_("Changes saved."), "success")
        return redirect(url_for("clients.detail", client_id=client.id))
    return render_template("clients/edit.html", form=form, client=client)


@require_right(R.CLIENTS_VIEW)
def detail(client_id: int) -> ResponseReturnValue:
    client = ops.get_client(db.session, client_id)
    return render_template(
        "clients/detail.html", client=client,
        panels=panels_for(db.session, client, current_user.has_right),
        points=ops.client_points(db.session, client.id), **_labels())


# --- staff: metering points and meters ---------------------------------------------------

@require_right(R.METERS_MANAGE)
def create_point(client_id: int) -> ResponseReturnValue:
    client = ops.get_client(db.session, client_id)
    form = PointForm()
    if form.validate_on_submit() and submit_form(
            form, ops.create_point, client,
            ops.PointData(form.name.data or "", form.address.data or ""), actor=current_actor()):
        flash(_("Metering point added."), "success")
        return redirect(url_for("clients.detail", client_id=client.id, _anchor="meters"))
    return render_template("clients/point_edit.html", form=form, client=client, point=None)


@require_right(R.METERS_MANAGE)
def edit_point(client_id: int, point_id: int) -> ResponseReturnValue:
    client = ops.get_client(db.session, client_id)
    point = ops.get_point(db.session, client.id, point_id)
    form = PointForm(obj=point)
    if form.validate_on_submit() and submit_form(
            form, ops.update_point, point,
            ops.PointData(form.name.data or "", form.address.data or ""), actor=current_actor()):
        flash(_("Changes saved."), "success")
        return redirect(url_for("clients.detail", client_id=client.id, _anchor="meters"))
    return render_template("clients/point_edit.html", form=form, client=client, point=point)


def _meter_data(form: MeterForm) -> ops.MeterData:
    return ops.MeterData(
        service=Service(form.service.data), factory_number=form.factory_number.data,
        verification_date=form.verification_date.data, status=MeterStatus(form.status.data),
        digits=int(form.digits.data), decimals=int(form.decimals.data),
        ct_ratio=form.ct_ratio.data, vt_ratio=form.vt_ratio.data, zones=form.zones.data,
        max_consumption=form.max_consumption.data, installed_on=form.installed_on.data,
        removed_on=form.removed_on.data, notes=form.notes.data or "",
        installation_readings=form.installation_readings(),
    )


@require_right(R.METERS_MANAGE)
def create_meter(client_id: int, point_id: int) -> ResponseReturnValue:
    client = ops.get_client(db.session, client_id)
    point = ops.get_point(db.session, client.id, point_id)
    form = MeterForm()
    if request.method == "GET":
        form.ct_ratio.data = Decimal(1)
        form.vt_ratio.data = Decimal(1)
    if form.validate_on_submit() and submit_form(form, ops.create_meter,
                                                 point, _meter_data(form), actor=current_actor()):
        flash(_("Meter added."), "success")
        return redirect(url_for("clients.detail", client_id=client.id, _anchor="meters"))
    return render_template("clients/meter_edit.html", form=form, client=client, point=point,
                           meter=None)


@require_right(R.METERS_MANAGE)
def edit_meter(client_id: int, meter_id: int) -> ResponseReturnValue:
    client = ops.get_client(db.session, client_id)
    meter = ops.get_meter(db.session, client.id, meter_id)
    form = MeterForm(obj=meter)
    if request.method == "GET":
        form.service.data = meter.service.value
        form.status.data = meter.status.value
        for row in meter.installation_readings:
            form[f"installation_{row.zone}"].data = row.value
    if form.validate_on_submit() and submit_form(form, ops.update_meter,
                                                 meter, _meter_data(form), actor=current_actor()):
        flash(_("Changes saved."), "success")
        return redirect(url_for("clients.detail", client_id=client.id, _anchor="meters"))
    return render_template("clients/meter_edit.html", form=form, client=client,
                           point=meter.point, meter=meter)


@require_right(R.CLIENTS_VIEW)
def meters() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:100]
    pagination = db.paginate(ops.search_meters(db.session, q), page=_page(), per_page=PER_PAGE,
                             error_out=False)
    return render_template("clients/meters.html", pagination=pagination, q=q, **_labels())


# --- client side: my meters --------------------------------------------------------------

@require_right(R.READINGS_VIEW)
def my_meters() -> ResponseReturnValue:
    meters = ops.client_meters(db.session, active_client_id())
    overdue = [m for m in meters if m.status == MeterStatus.INSTALLED
               and ops.verification_state(m, dt.date.today()) == "expired"]
    return render_template("clients/my_meters.html", meters=meters, overdue_count=len(overdue),
                           **_labels())


@require_right(R.READINGS_VIEW)
def my_meter(meter_id: int) -> ResponseReturnValue:
    meter = ops.get_meter(db.session, active_client_id(), meter_id)
    return render_template("clients/my_meter.html", meter=meter, **_labels())


@require_right(R.DOCUMENTS_VIEW)
def my_contract() -> ResponseReturnValue:
    """«Договор»: the active client's contract and requisites, as the supplier holds them."""
    client = ops.get_client(db.session, active_client_id())
    return render_template("clients/my_contract.html", client=client,
                           supplier=get_settings(db.session))
