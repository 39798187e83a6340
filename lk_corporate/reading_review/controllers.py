"""HTTP handlers of the engineer's pages: a period's acts with their readings, one act with a
correction form per reading, and the two POSTs (confirm, correct)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lk_corporate.core import rights as R
from lk_corporate.core.auth import require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.urls import page_number
from lk_corporate.docflow.states import STATUS_LABELS
from lk_corporate.periods.operations import current_period, get_period, list_periods
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.presentation import STATUS_KINDS
from lk_corporate.reading_review import operations as ops
from lk_corporate.reading_review.forms import ConfirmForm, CorrectionForm, RuleForm


def _labels() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "status_kinds": STATUS_KINDS}


@require_right(R.READINGS_CONFIRM)
def index() -> ResponseReturnValue:
    """«Проверка показаний»: every client's received or accepted act of a period."""
    periods = list_periods(db.session)
    period_id = request.args.get("period", type=page_number)
    period = get_period(db.session, period_id) if period_id else current_period(db.session)
    if period is None and periods:
        period = periods[0]
    reviews = ops.period_reviews(db.session, context.file_store(), period.id) if period else []
    required = ops.confirmation_required(db.session, period.id) if period else False
    return render_template("reading_review/index.html", reviews=reviews, period=period,
                           periods=periods, required=required, rule_form=RuleForm(),
                           **_labels())


@require_right(R.READINGS_CONFIRM)
def rule(period_id: int) -> ResponseReturnValue:
    """Switch the period's rule «подтверждение инженером до расчёта» on or off."""
    form = RuleForm()
    if form.validate_on_submit():
        required = form.required.data == "1"
        ops.require_confirmation(db.session, period_id, required, actor=current_actor())
        flash(_("The calculation of this period now charges only readings an engineer "
                "confirmed.") if required else
              _("The calculation of this period charges every accepted act again."), "success")
    return redirect(url_for("reading_review.index", period=period_id))


def _page(act: Any, *, form: CorrectionForm | None = None,
          confirm_form: ConfirmForm | None = None) -> str:
    review = ops.review_act(db.session, context.file_store(), act)
    forms = {}
    for row in review.rows:
        if form is not None and form.row.data == row.key:
            forms[row.key] = form
        else:
            f = CorrectionForm(formdata=None)
            f.row.data, f.version.data = row.key, review.version
            forms[row.key] = f
    # A refusal of a row the page does not show (it is not in the act) goes on top.
    orphan = [str(e) for e in ((form.form_errors or []) + list(form.value.errors or [])
                               + list(form.reason.errors or []))] \
        if form is not None and form.row.data not in forms else []
    if confirm_form is None:
        confirm_form = ConfirmForm(formdata=None)
        confirm_form.version.data = review.version
    return render_template("reading_review/act.html", review=review, act=act,
                           document=review.document, client=review.document.client,
                           period=review.document.period, forms=forms,
                           confirm_form=confirm_form, orphan_errors=orphan, **_labels())


@require_right(R.READINGS_CONFIRM)
def detail(document_id: int) -> ResponseReturnValue:
    return _page(ops.get_reviewable_act(db.session, document_id))


def _back(document_id: int) -> ResponseReturnValue:
    return redirect(url_for("reading_review.detail", document_id=document_id))


@require_right(R.READINGS_CONFIRM)
def confirm(document_id: int) -> ResponseReturnValue:
    act = ops.get_reviewable_act(db.session, document_id)
    form = ConfirmForm()
    if form.validate_on_submit() and submit_form(form, ops.confirm_readings, act,
                                                 version=form.version.data or "",
                                                 actor=current_actor()):
        flash(_("The readings of act № %(number)s are confirmed.",
                number=act.document.number), "success")
        return _back(document_id)
    db.session.refresh(act)
    return _page(act, confirm_form=form), 422


@require_right(R.READINGS_CONFIRM)
def correct(document_id: int) -> ResponseReturnValue:
    act = ops.get_reviewable_act(db.session, document_id)
    form = CorrectionForm()
    config = current_app.config
    if form.validate_on_submit() and (correction := submit_form(
            form, ops.correct_reading, context.file_store(), act, row_key=form.row.data or "",
            value=form.value.data, reason=form.reason.data, version=form.version.data or "",
            actor=current_actor(), supplier_key=context.supplier_key(),
            base_url=str(config["LK_BASE_URL"]), validation=context.validation_settings(),
            timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"))):
        flash(_("Meter %(meter)s: the reading is corrected to %(value)s; correction № "
                "%(number)s is signed and sent to the client.",
                meter=correction.factory_number, value=form.value.data,
                number=correction.correction_document.number), "success")
        return _back(document_id)
    db.session.refresh(act)
    return _page(act, form=form), 422
