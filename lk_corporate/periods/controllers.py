"""HTTP handlers of the billing period pages."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from flask_login import current_user

from lk_corporate.core import rights as R
from lk_corporate.core.auth import require_any_right, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.periods import operations as ops
from lk_corporate.periods.forms import PeriodForm
from lk_corporate.periods.panels import panels_for

# The period pages: the admin manages periods, the supplier's signer runs the calculation.
# Every supplier employee who sees the clients sees the month's board: the operator chases
# the clients whose act is missing or rejected, the engineer checks readings before the
# calculation. Pressing «Рассчитать» takes INVOICES_SIGN, opening and closing PERIODS_MANAGE.
BOARD_RIGHTS = (R.PERIODS_MANAGE, R.INVOICES_SIGN, R.CLIENTS_VIEW)

# A context: "Open" the status («Открыт») is not "Open" the button («Открыть»).
STATUS_LABELS = {"planned": lazy_pgettext("period status", "Planned"), "open": lazy_pgettext("period status", "Open"),
                 "closed": lazy_pgettext("period status", "Closed")}


@require_any_right(*BOARD_RIGHTS)
def index() -> ResponseReturnValue:
    return render_template("periods/index.html", periods=ops.list_periods(db.session),
                           current=ops.current_period(db.session), status_labels=STATUS_LABELS,
                           window=ops.reading_window,
                           can_manage=current_user.has_right(R.PERIODS_MANAGE))


@require_any_right(*BOARD_RIGHTS)
def detail(period_id: int) -> ResponseReturnValue:
    """The period board: the month, its deadline, and what other packages add (the clients'
    acts, the calculation's progress and its button)."""
    period = ops.get_period(db.session, period_id)
    today = dt.date.today()
    return render_template("periods/detail.html", period=period, status_labels=STATUS_LABELS,
                           window=ops.reading_window(period), today=today,
                           deadline=ops.deadline_state(period, today),
                           panels=panels_for(db.session, period, current_user.has_right),
                           can_manage=current_user.has_right(R.PERIODS_MANAGE))


@require_right(R.PERIODS_MANAGE)
def create() -> ResponseReturnValue:
    form = PeriodForm()
    if request.method == "GET":
        # Suggest the month after the latest one, calculated on its 25th.
        latest = next(iter(ops.list_periods(db.session)), None)
        today = dt.date.today()
        year, month = (latest.year, latest.month) if latest else (today.year, today.month - 1)
        year, month = (year + 1, 1) if month >= 12 else (year, month + 1)
        form.year.data, form.month.data = year, month
        form.calculation_date.data = dt.date(year, month, 25)
    if form.validate_on_submit() and (period := submit_form(
            form, ops.create_period, year=form.year.data, month=form.month.data,
            calculation_date=form.calculation_date.data, actor=current_actor())):
        flash(_("Period %(label)s created.", label=period.label), "success")
        return redirect(url_for("periods.index"))
    return render_template("periods/create.html", form=form)


def _transition(period_id: int, action: str) -> ResponseReturnValue:
    period = ops.get_period(db.session, period_id)
    operation = ops.open_period if action == "open" else ops.close_period
    operation(db.session, period, actor=current_actor())
    flash(_("Period %(label)s is open for readings.", label=period.label) if action == "open"
          else _("Period %(label)s is closed.", label=period.label), "success")
    return redirect(url_for("periods.index"))


@require_right(R.PERIODS_MANAGE)
def open_(period_id: int) -> ResponseReturnValue:
    return _transition(period_id, "open")


@require_right(R.PERIODS_MANAGE)
def close(period_id: int) -> ResponseReturnValue:
    return _transition(period_id, "close")
