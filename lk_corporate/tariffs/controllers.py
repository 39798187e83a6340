"""HTTP handlers of the tariff pages (staff) and the client's «Тарифы» page."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lk_corporate.clients.forms import SERVICE_LABELS, ZONE_LABELS
from lk_corporate.clients.models import Service
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.supplier.operations import get_settings
from lk_corporate.tariffs import operations as ops
from lk_corporate.tariffs.forms import EndTariffForm, TariffForm


def _data(form: TariffForm) -> ops.TariffData:
    return ops.TariffData(service=Service(form.service.data), zone=form.zone.data,
                          unit=form.unit.data or "", price=form.price.data,
                          valid_from=form.valid_from.data, valid_to=form.valid_to.data,
                          tariff_group=form.tariff_group.data or "")


def _context() -> dict[str, object]:
    settings = get_settings(db.session)
    return {"service_labels": SERVICE_LABELS, "zone_labels": ZONE_LABELS,
            "today": dt.date.today(), "tariff_state": ops.tariff_state,
            "with_vat": ops.price_with_vat,
            "vat_rate": settings.vat_rate if settings else None}


@require_right(R.TARIFFS_MANAGE)
def index() -> ResponseReturnValue:
    return render_template("tariffs/index.html", groups=ops.grouped_tariffs(db.session),
                           **_context())


@require_right(R.TARIFFS_MANAGE)
def create() -> ResponseReturnValue:
    form = TariffForm()
    if form.validate_on_submit() and submit_form(form, ops.create_tariff,
                                                 _data(form), actor=current_actor()):
        flash(_("Tariff added."), "success")
        return redirect(url_for("tariffs.index"))
    return render_template("tariffs/edit.html", form=form, tariff=None)


@require_right(R.TARIFFS_MANAGE)
def edit(tariff_id: int) -> ResponseReturnValue:
    tariff = ops.get_tariff(db.session, tariff_id)
    form = TariffForm(obj=tariff)
    if request.method == "GET":
        form.service.data = tariff.service.value
    if form.validate_on_submit() and submit_form(form, ops.update_tariff,
                                                 tariff, _data(form), actor=current_actor()):
        flash(_("Changes saved."), "success")
        return redirect(url_for("tariffs.index"))
    return render_template("tariffs/edit.html", form=form, tariff=tariff)


@require_right(R.TARIFFS_MANAGE)
def end(tariff_id: int) -> ResponseReturnValue:
    tariff = ops.get_tariff(db.session, tariff_id)
    form = EndTariffForm(obj=tariff)
    if form.validate_on_submit() and submit_form(form, ops.end_tariff,
                                                 tariff, last_day=form.valid_to.data,
                                                 actor=current_actor()):
        flash(_("The tariff ends on the given day."), "success")
        return redirect(url_for("tariffs.index"))
    return render_template("tariffs/end.html", form=form, tariff=tariff, **_context())


@require_right(R.MONEY_VIEW)
def current() -> ResponseReturnValue:
    """The client's «Тарифы» page: the tariffs of its meters' services and zones in force
    today, those announced, and the history; every tariff when the client has no meters."""
    today = dt.date.today()
    mine = ops.client_tariffs(db.session, active_client_id(), today)
    if mine.in_force or mine.upcoming or mine.history:
        in_force, upcoming, history = mine.in_force, mine.upcoming, mine.history
    else:
        (in_force, upcoming), history = ops.tariffs_in_force(db.session, today), []
    return render_template("tariffs/current.html", in_force=in_force, upcoming=upcoming,
                           history=history, **_context())
