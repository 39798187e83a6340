"""HTTP handlers of the readings pages: the client's «Показания» and the operator's paper
readings of a client. Both post the same table to the same operation (``submit_readings``);
they differ in who may, the source recorded, and where the act's page is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from lk_corporate.clients.forms import SERVICE_LABELS, STATUS_LABELS, ZONE_LABELS
from lk_corporate.clients.models import Client
from lk_corporate.clients.operations import get_client, verification_state
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import claim_submission, current_actor
from lk_corporate.core.i18n import message_text
from lk_corporate.core.requests import domain_error_message
from lk_corporate.core.uow import savepoint
from lk_corporate.docflow.states import STATUS_LABELS as DOCUMENT_STATUS_LABELS
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.periods.operations import current_period
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.reading_acts.operations import acts_of_period
from lk_corporate.reading_acts.presentation import STATUS_KINDS
from lk_corporate.readings import operations as ops
from lk_corporate.readings.forms import ReadingsForm
from lk_corporate.readings.models import ReadingStatus
from lk_corporate.readings.rules import Entry, EntryMode

READING_STATUS_LABELS = {
    ReadingStatus.PENDING: N_("Pending: the act is not accepted yet"),
    ReadingStatus.ACCEPTED: N_("Accepted for calculation"),
    ReadingStatus.REJECTED: N_("Rejected by the supplier"),
    ReadingStatus.SUPERSEDED: N_("Replaced"),
}
SOURCE_LABELS = {"client": N_("Website"), "paper": N_("Paper form"), "api": N_("API"),
                 "installation": N_("Installation"),
                 "correction": N_("Corrected by the supplier's engineer")}


def _field(prefix: str, meter_id: int, zone: str) -> str:
    return f"{prefix}-{meter_id}-{zone}"


def _entries(view: ops.ReadingsView) -> list[Entry]:
    """The table as posted: one entry per meter and zone of the page (others are ignored)."""
    form = request.form
    entries = []
    for row in view.rows:
        for z in row.zones:
            raw = (form.get(_field("v", row.meter.id, z.zone)) or "")[:100]
            mode = (EntryMode.CONSUMPTION if form.get(_field("m", row.meter.id, z.zone))
                    == EntryMode.CONSUMPTION.value else EntryMode.READING)
            entries.append(Entry(row.meter.id, z.zone, raw, mode,
                                 bool(form.get(_field("r", row.meter.id, z.zone)))))
    return entries


def _prefill(view: ops.ReadingsView) -> dict[str, dict[str, Any]]:
    """What the inputs show: this period's readings (a new submission replaces the act, so
    unchanged rows are sent again), or what was just posted."""
    values: dict[str, dict[str, Any]] = {}
    if request.method == "POST":
        for e in _entries(view):
            values[f"{e.meter_id}-{e.zone}"] = {"raw": e.raw, "mode": e.mode.value,
                                                "rollover": e.rollover}
        return values
    for row in view.rows:
        for z in row.zones:
            if z.sent is not None and z.sent.status is not ReadingStatus.SUPERSEDED:
                values[f"{row.meter.id}-{z.zone}"] = {
                    "raw": z.sent.entered, "mode": z.sent.mode.value, "rollover": z.sent.rollover}
    return values


def _render(template: str, view: ops.ReadingsView, form: ReadingsForm, *, client: Any,
            errors: dict[str, str] | None = None, form_errors: list[str] | None = None,
            warnings: list[dict[str, Any]] | None = None, **extra: Any) -> str:
    today = context_today()
    return render_template(
        template, view=view, form=form, client=client, values=_prefill(view),
        errors=errors or {}, form_errors=form_errors or [], warnings=warnings or [],
        today=today, verification_state=verification_state, service_labels=SERVICE_LABELS,
        zone_labels=ZONE_LABELS, meter_status_labels=STATUS_LABELS,
        reading_status_labels=READING_STATUS_LABELS, source_labels=SOURCE_LABELS,
        document_status_labels=DOCUMENT_STATUS_LABELS, status_kinds=STATUS_KINDS,
        window_message=(message_text(view.window.message, view.window.params)
                        if not view.window.is_open else ""), **extra)


def context_today() -> dt.date:
    return _settings().today(utcnow())


def _settings() -> ops.ReadingSettings:
    return ops.ReadingSettings.from_config(current_app.config)


def _submit(view: ops.ReadingsView, form: ReadingsForm, *, client_id: int,
            period: BillingPeriod, source: ReadingSource, template: str, client: Any,
            done: Any) -> ResponseReturnValue:
    """Post the table to ``submit_readings``; the page again with the refusal, the warnings
    to confirm, or the act's page."""
    confirm = frozenset(request.form.getlist("confirm"))
    try:
        with savepoint(db.session) as session:
            claim_submission(form.submission_id.data)
            submitted = ops.submit_readings(
                session, context.file_store(), client_id=client_id, period_id=period.id,
                entries=_entries(view), source=source, confirm=confirm, actor=current_actor(),
                settings=_settings(), links=context.act_links())
    except ops.ReadingRefused as exc:
        errors = {f"{e.meter_id}-{e.zone}": message_text(e.message, e.params)
                  for e in exc.errors if e.meter_id is not None}
        general = [message_text(e.message, e.params) for e in exc.errors if e.meter_id is None]
        return _render(template, view, form, client=client, errors=errors,
                       form_errors=general or [domain_error_message(exc)]), 422
    except ops.NeedsConfirmation as exc:
        return _render(template, view, form, client=client, warnings=exc.as_list()), 409
    except ops.AlreadySubmitted as exc:
        flash(domain_error_message(exc), "info")
        return redirect(done(exc.act.document_id))
    except DomainError as exc:  # the window closed meanwhile, the act cannot be printed
        return _render(template, view, form, client=client,
                       form_errors=[domain_error_message(exc)]), 422
    flash(_("Readings submitted: act № %(number)s is issued. Download it, sign it and upload "
            "the signed file.", number=submitted.document.number), "success")
    return redirect(done(submitted.document.id))


# --- the client's page -----------------------------------------------------------------------

@require_right(R.READINGS_VIEW)
def index() -> ResponseReturnValue:
    """«Показания»: every meter of the client, the open period's window and input."""
    client_id = active_client_id()
    client = get_client(db.session, client_id)
    view = ops.readings_view(db.session, client_id, today=context_today())
    return _render("readings/index.html", view, ReadingsForm(), client=client)


@require_right(R.READINGS_ENTER)
def submit() -> ResponseReturnValue:
    client_id = active_client_id()
    client = get_client(db.session, client_id)
    view = ops.readings_view(db.session, client_id, today=context_today())
    form = ReadingsForm()
    if not form.validate_on_submit() or view.window.period is None:
        return _render("readings/index.html", view, form, client=client,
                       form_errors=[_("The form has expired; submit it again.")]
                       if view.window.period else []), 422
    return _submit(view, form, client_id=client_id, period=view.window.period,
                   source=ReadingSource.CLIENT, template="readings/index.html", client=client,
                   done=lambda document_id: url_for("reading_acts.detail",
                                                    document_id=document_id))


# --- the operator's paper readings -------------------------------------------------------------

@require_right(R.READINGS_ENTER_PAPER)
def paper(client_id: int) -> ResponseReturnValue | Response:
    """An operator types in the readings of a client's paper form (source «paper»): the same
    table, the same rules, the same act, which the client then signs."""
    client = get_client(db.session, client_id)
    view = ops.readings_view(db.session, client.id, today=context_today())
    form = ReadingsForm()
    if request.method == "GET":
        return _render("readings/paper.html", view, form, client=client)
    if not form.validate_on_submit() or view.window.period is None:
        return _render("readings/paper.html", view, form, client=client,
                       form_errors=[_("The form has expired; submit it again.")]
                       if view.window.period else []), 422
    return _submit(view, form, client_id=client.id, period=view.window.period,
                   source=ReadingSource.PAPER, template="readings/paper.html", client=client,
                   done=lambda document_id: url_for("reading_acts.staff_detail",
                                                    client_id=client.id,
                                                    document_id=document_id))


def client_panel(session: DbSession, client: Client) -> dict[str, Any]:
    """The readings panel of the staff's client page: this period's acts."""
    period = current_period(session)
    acts = acts_of_period(session, client.id, period.id) if period else []
    return {"period": period, "acts": acts, "status_labels": DOCUMENT_STATUS_LABELS,
            "status_kinds": STATUS_KINDS}
