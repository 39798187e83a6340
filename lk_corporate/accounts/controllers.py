"""HTTP handlers of the account flows: parse the form, call the operation, map refusals onto
the form field they belong to. Each view runs as one unit of work (``core.requests``)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lk_corporate.accounts import operations as ops
from lk_corporate.accounts import preferences, sessions
from lk_corporate.accounts.errors import InvalidToken, LoginThrottled
from lk_corporate.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmCodeForm,
    ForgotPasswordForm,
    LinkContractForm,
    LoginForm,
    RegistrationForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SettingsForm,
    notification_form,
)
from lk_corporate.accounts.links import account_links
from lk_corporate.accounts.principal import Principal
from lk_corporate.accounts.settings import AccountSettings
from lk_corporate.accounts.throttle import LoginThrottle
from lk_corporate.clients.models import MeterStatus
from lk_corporate.clients.operations import client_meters, get_client, verification_state
from lk_corporate.core import jobs
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.auth import ACTIVE_CLIENT_KEY, require_client, require_right
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db, limiter
from lk_corporate.core.formkit import claim_submission, current_actor, submit_form
from lk_corporate.core.net import client_ip
from lk_corporate.core.requests import domain_error_message
from lk_corporate.periods.operations import current_period
from lk_corporate.web.hooks import home_endpoint_for


def _settings() -> AccountSettings:
    return AccountSettings.from_config(current_app.config)


def _links() -> Any:
    return account_links(current_app._get_current_object())  # type: ignore[attr-defined]


def _actor() -> Actor:
    return Actor(current_user.id, current_user.login, client_ip())


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home() -> str:
    endpoint = home_endpoint_for(current_user)
    return url_for(endpoint) if endpoint else url_for("web.index")


# --- login / logout ----------------------------------------------------------------------

def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        settings = _settings()
        remember = bool(form.remember.data)
        logged_in = submit_form(
            form, ops.log_in, form.login.data or "", form.password.data or "", ip=client_ip(),
            user_agent=request.user_agent.string or "", remember=remember, settings=settings,
            throttle=LoginThrottle(limiter.limiter, settings))
        if logged_in:
            session.clear()
            login_user(Principal(logged_in.user, logged_in.session.record,
                                 logged_in.session.cookie_id), remember=remember)
            return redirect(_safe_next(form.next.data) or _home())
        status = 429 if _throttled(form) else 401
    elif request.method == "GET":
        form.next.data = request.args.get("next", "")
    return render_template("accounts/login.html", form=form), status


def _throttled(form: LoginForm) -> bool:
    return isinstance(getattr(form, "refusal", None), LoginThrottled)


def logout() -> Response:
    if current_user.is_authenticated:
        ops.log_out(db.session, current_user.user, current_user.login_session.id,
                    ip=client_ip())
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# --- registration ------------------------------------------------------------------------

def register() -> Any:
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegistrationForm()
    if form.validate_on_submit() and (user := submit_form(
            form, ops.register, activation_code=form.activation_code.data or "",
            tax_id=form.tax_id.data or "", contract_number=form.contract_number.data or "",
            email=form.email.data or "", password=form.password.data or "",
            password_repeat=form.password_repeat.data or "", login=form.login.data,
            receive_invoices_by_email=bool(form.receive_invoices_by_email.data),
            settings=_settings(), links=_links(), ip=client_ip())):
        session["registered_login"] = user.login
        return redirect(url_for("accounts.registered", user_id=user.id))
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


def registered(user_id: int) -> Any:
    return render_template("accounts/registered.html", user_id=user_id,
                           login=session.get("registered_login", ""))


def confirm(token: str) -> Any:
    try:
        user = ops.confirm_email(db.session, token=token, ip=client_ip())
    except InvalidToken as exc:
        return render_template("accounts/confirm_failed.html",
                               message=domain_error_message(exc)), 400
    flash(_("Registration confirmed. Please log in."), "success")
    return redirect(url_for("accounts.login", login=user.login))


def confirm_code(user_id: int) -> Any:
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        user = submit_form(form, ops.confirm_email_with_code, user_id=user_id,
                           code=form.code.data or "", ip=client_ip())
        if user:
            flash(_("Registration confirmed. Please log in."), "success")
            return redirect(url_for("accounts.login", login=user.login))
        ops.register_failed_code_attempt(db.session, user_id)
    return render_template("accounts/confirm_code.html", form=form, user_id=user_id), \
        200 if not form.errors else 422


def resend_confirmation() -> Any:
    """Whether the account exists, is confirmed or not: the same answer in the same time —
    the work happens in a background job."""
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        jobs.dispatch("lk.resend_confirmation", form.login.data or "", client_ip())
        flash(_("If the account exists and is not confirmed yet, we have sent a new "
                "confirmation message."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend.html", form=form)


# --- password reset ----------------------------------------------------------------------

def forgot_password() -> Any:
    """The same answer in the same time whether the account exists: the lookup, the token
    and the e-mail happen in a background job after the response."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        jobs.dispatch("lk.request_password_reset", form.login.data or "", client_ip())
        flash(_("If the account exists, we have sent a password reset link to its e-mail."),
              "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


def reset_password(token: str) -> Any:
    try:
        user = ops.check_reset_token(db.session, token)
    except InvalidToken as exc:
        return render_template("accounts/confirm_failed.html",
                               message=domain_error_message(exc)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit() and submit_form(
            form, ops.reset_password, token=token, tax_id=form.tax_id.data or "",
            contract_number=form.contract_number.data or "", password=form.password.data or "",
            password_repeat=form.password_repeat.data or "", ip=client_ip()):
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, login=user.login), \
        200 if not form.errors else 422


# --- profile -----------------------------------------------------------------------------

@login_required
def profile() -> Any:
    user = current_user.user
    form = SettingsForm(obj=user)
    if form.validate_on_submit():
        user.full_name = (form.full_name.data or "").strip()
        user.phone = (form.phone.data or "").strip()
        record(db.session, "profile.updated", actor=_actor(), object_type="user",
               object_id=user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@login_required
def notification_settings() -> Any:
    """«Уведомления»: which e-mail notices this user wants, one switch per kind."""
    user = current_user.user
    kinds = preferences.kinds_for(user)
    form = notification_form(kinds, preferences.preferences(db.session, user.id))
    if form.validate_on_submit():
        preferences.save_preferences(db.session, user,
                                     {kind: bool(form[kind.value].data) for kind in kinds},
                                     actor=_actor())
        flash(_("Saved."), "success")
        return redirect(url_for("accounts.notification_settings"))
    return render_template("accounts/notifications.html", form=form, kinds=kinds)


@login_required
def change_email() -> Any:
    form = ChangeEmailForm()
    if form.validate_on_submit() and submit_form(
            form, ops.request_email_change, current_user.user,
            new_email=form.email.data or "", password=form.password.data or "",
            settings=_settings(), links=_links(), ip=client_ip()):
        flash(_("We have sent a confirmation link to the new address. The address changes "
                "once you follow it."), "info")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form), 200 if not form.errors else 422


def confirm_email_change(token: str) -> Any:
    try:
        ops.confirm_email_change(db.session, token=token, ip=client_ip())
    except InvalidToken as exc:
        return render_template("accounts/confirm_failed.html",
                               message=domain_error_message(exc)), 400
    flash(_("Your e-mail address has been changed."), "success")
    return redirect(url_for("accounts.profile") if current_user.is_authenticated
                    else url_for("accounts.login"))


@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit() and submit_form(
            form, ops.change_password, current_user.user,
            current=form.current_password.data or "", new=form.new_password.data or "",
            repeat=form.new_password_repeat.data or "",
            keep_session_id=current_user.login_session.id, ip=client_ip()):
        flash(_("Your password has been changed. Your other sessions have ended."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), \
        200 if not form.errors else 422


@login_required
def login_sessions() -> Any:
    """«Активные сеансы»: every live login of this user, with a way to end each."""
    return render_template("accounts/sessions.html",
                           logins=sessions.active(db.session, current_user.id),
                           current_id=current_user.login_session.id)


@login_required
def end_login_session(login_id: int) -> Response:
    if login_id == current_user.login_session.id:
        return logout()
    sessions.end(db.session, current_user.id, login_id, actor=_actor())
    flash(_("The session has been ended."), "success")
    return redirect(url_for("accounts.login_sessions"))


@login_required
def end_other_sessions() -> Response:
    count = sessions.end_all(db.session, current_user.id,
                             except_id=current_user.login_session.id, actor=_actor())
    flash(_("Sessions ended: %(n)s.", n=count), "success")
    return redirect(url_for("accounts.login_sessions"))


@login_required
def contracts() -> Any:
    if current_user.is_staff:
        abort(403)
    form = LinkContractForm()
    if form.validate_on_submit() and (membership := submit_form(
            form, ops.link_contract, current_user.user,
            activation_code=form.activation_code.data or "", tax_id=form.tax_id.data or "",
            contract_number=form.contract_number.data or "", ip=client_ip())):
        session[ACTIVE_CLIENT_KEY] = membership.client_id
        flash(_("The contract has been added. You now act for this client."), "success")
        return redirect(url_for("accounts.contracts"))
    return render_template("accounts/contracts.html", form=form), 200 if not form.errors else 422


@login_required
def switch_client() -> Response:
    try:
        wanted = int(request.form.get("client_id", "")[:12])
    except ValueError:
        abort(404)
    if not any(m.client_id == wanted for m in current_user.memberships):
        abort(404)
    session[ACTIVE_CLIENT_KEY] = wanted
    return redirect(_safe_next(request.form.get("next")) or url_for("accounts.dashboard"))


@require_client
def dashboard() -> Any:
    membership = current_user.active_membership
    meters = client_meters(db.session, membership.client_id)
    installed = [m for m in meters if m.status == MeterStatus.INSTALLED]
    today = dt.date.today()
    return render_template(
        "accounts/dashboard.html", client=membership.client,
        period=current_period(db.session), meters=meters, installed=installed,
        expired=[m for m in installed if verification_state(m, today) == "expired"],
        without_number=[m for m in installed if not m.factory_number],
    )


# --- staff: a client's activation codes ---------------------------------------------------

_ISSUED = "lk_issued_codes"


@require_right(R.ACTIVATION_MANAGE)
def issue_code(client_id: int) -> ResponseReturnValue:
    """Issue a code, then show it on the page this redirects to — once: only its hash is
    stored, and a refresh or a second click issues nothing (``core.submissions``)."""
    client = get_client(db.session, client_id)
    if not client.is_active:
        flash(_("The client's contract is not active; activate it before issuing a code."),
              "danger")
        return redirect(url_for("clients.detail", client_id=client.id))
    claim_submission(request.form.get("submission_id"))
    issued = ops.issue_activation_code(db.session, client, actor=current_actor(),
                                       days=_settings().activation_code_days)
    session[_ISSUED] = {**session.get(_ISSUED, {}), str(issued.code.id): issued.plain}
    return redirect(url_for("accounts.issued_code", client_id=client.id, code_id=issued.code.id))


@require_right(R.ACTIVATION_MANAGE)
def issued_code(client_id: int, code_id: int) -> ResponseReturnValue:
    client = get_client(db.session, client_id)
    code = ops.get_activation_code(db.session, client, code_id)
    pending = dict(session.get(_ISSUED, {}))
    plain = pending.pop(str(code.id), None)
    session[_ISSUED] = pending
    return render_template("accounts/code_issued.html", client=client, plain=plain,
                           code=code, expires_at=code.expires_at)


@require_right(R.ACTIVATION_MANAGE)
def revoke_code(client_id: int, code_id: int) -> ResponseReturnValue:
    client = get_client(db.session, client_id)
    code = ops.get_activation_code(db.session, client, code_id)
    ops.revoke_activation_code(db.session, code, actor=current_actor())
    flash(_("Activation code …%(hint)s revoked.", hint=code.code_hint), "success")
    return redirect(url_for("clients.detail", client_id=client.id, _anchor="codes"))


def client_panel(session_: Any, client: Any) -> dict[str, Any]:
    """The activation codes and users panel of the staff's client page."""
    return {"codes": ops.client_activation_codes(session_, client),
            "memberships": ops.client_memberships(session_, client), "now": utcnow()}
