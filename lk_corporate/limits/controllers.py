"""HTTP handlers of the client's limit request pages: the list with statuses, the form
(twelve months per metering point, prefilled from last year's actual consumption) and each
request's page (the volumes, actual consumption against approved limits, sign and send)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_pgettext

from lk_corporate.clients.operations import get_client
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.db import utcnow
from lk_corporate.core.errors import DomainError
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form, trimmed
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.states import STATUS_LABELS
from lk_corporate.limits import operations as ops
from lk_corporate.limits.forms import LimitRequestForm
from lk_corporate.limits.models import LimitRequest
from lk_corporate.reading_acts.presentation import STATUS_KINDS
from lk_corporate.supplier.operations import get_settings

MONTH_NUMBERS = range(1, ops.MONTHS + 1)
MONTH_SHORT = (
    lazy_pgettext("short month", "Jan"), lazy_pgettext("short month", "Feb"),
    lazy_pgettext("short month", "Mar"), lazy_pgettext("short month", "Apr"),
    lazy_pgettext("short month", "May"), lazy_pgettext("short month", "Jun"),
    lazy_pgettext("short month", "Jul"), lazy_pgettext("short month", "Aug"),
    lazy_pgettext("short month", "Sep"), lazy_pgettext("short month", "Oct"),
    lazy_pgettext("short month", "Nov"), lazy_pgettext("short month", "Dec"))


def _labels() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "status_kinds": STATUS_KINDS,
            "months": MONTH_NUMBERS, "month_names": MONTH_SHORT}


def _today_year() -> int:
    return utcnow().year


@require_right(R.DOCUMENTS_VIEW)
def index() -> ResponseReturnValue:
    """«Заявки на лимиты потребления»: the client's requests, newest first."""
    requests = ops.client_requests(db.session, active_client_id())
    return render_template("limits/index.html", requests=requests, **_labels())


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(trimmed(value), "f")


def _cells(points: list[Any], values: dict[int, ops.Months]) -> dict[str, str]:
    return {ops.cell_name(p.id, m): _text(values.get(p.id, [None] * 12)[m - 1])
            for p in points for m in MONTH_NUMBERS}


class _Create:
    """The page's submission as one operation for ``submit_form``: the cells parsed (a bad
    one refused beside itself), then ``create_limit_request``."""

    def __init__(self, points: list[Any]) -> None:
        self.points = points

    def __call__(self, session: Any, year: int) -> LimitRequest:
        volumes = [ops.PointVolumes(p.id, ops.parse_months(
            p.id, [request.form.get(ops.cell_name(p.id, m)) for m in MONTH_NUMBERS]))
            for p in self.points]
        config = current_app.config
        return ops.create_limit_request(
            session, FileStore(Path(config["LK_STORAGE_DIR"])),
            client=get_client(session, active_client_id()), year=year, points=volumes,
            supplier=get_settings(session), actor=current_actor(),
            base_url=str(config["LK_BASE_URL"]),
            timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"))


@require_right(R.LIMITS_SUBMIT)
def new() -> ResponseReturnValue:
    """The form: a year, then twelve volumes per point (last year's actuals to start from)."""
    client_id = active_client_id()
    years = ops.allowed_years(utcnow().date())
    form = LimitRequestForm()
    if request.method == "GET":
        year = request.args.get("year", type=int)
        form.year.data = year if year in years else (
            years[1] if len(years) > 1 else years[0])
    points = ops.limit_points(db.session, client_id)
    year = form.year.data if isinstance(form.year.data, int) else years[0]
    failed_cell = None
    if request.method == "POST":
        cells = {ops.cell_name(p.id, m): request.form.get(ops.cell_name(p.id, m), "")
                 for p in points for m in MONTH_NUMBERS}
        if form.validate_on_submit() and (created := submit_form(form, _Create(points), year)):
            flash(_("Request № %(number)s is ready: check it, sign it and send it to the "
                    "supplier.", number=created.document.number), "success")
            return redirect(url_for("limits.detail", document_id=created.document_id))
        refusal = getattr(form, "refusal", None)
        failed_cell = refusal.field if isinstance(refusal, DomainError) else None
        status = 422
    else:
        cells = _cells(points, ops.prefill(db.session, client_id, year))
        status = 200
    return render_template("limits/new.html", form=form, points=points, cells=cells,
                           years=years, year=year, failed_cell=failed_cell,
                           cell_name=ops.cell_name, **_labels()), status


@require_right(R.DOCUMENTS_VIEW)
def detail(document_id: int) -> ResponseReturnValue:
    limit_request = ops.get_request(db.session, document_id, client_id=active_client_id())
    document = limit_request.document
    volumes = ops.request_volumes(limit_request)
    points = {p.id: p for p in ops.limit_points(db.session, limit_request.client_id)}
    actual = ops.actual_consumption(db.session, limit_request.client_id, limit_request.year)
    over = ops.months_over_limit(db.session, limit_request.client_id, limit_request.year) \
        if document.status.value == "accepted" else []
    return render_template("limits/detail.html", request_=limit_request, document=document,
                           volumes=volumes, points=points, actual=actual, over=over,
                           **_labels())
