"""HTTP handlers of the account flows: parse the form, call the operation inside a unit of
work, map refusals onto the form field they belong to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lk_corporate.accounts import operations as ops
from lk_corporate.accounts import throttle
from lk_corporate.accounts.errors import AccountError, InvalidToken
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
)
from lk_corporate.accounts.models import User
from lk_corporate.clients.models import MeterStatus
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.auth import ACTIVE_CLIENT_KEY, Principal, require_client
from lk_corporate.core.formkit import apply_error
from lk_corporate.core.net import client_ip
from lk_corporate.core.uow import unit_of_work
from lk_corporate.extensions import db


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home() -> str:
    from lk_corporate.web.hooks import home_endpoint_for

    endpoint = home_endpoint_for(current_user)
    return url_for(endpoint) if endpoint else url_for("web.index")


# --- login / logout ----------------------------------------------------------------------

def login() -> Any:
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        identifier = form.login.data or ""
        if throttle.account_locked(identifier):
            form.form_errors.append(_("Too many failed attempts. Try again in %(n)s minutes.",
                                      n=current_app.config["LK_LOGIN_LOCK_MINUTES"]))
            status = 429
        else:
            try:
                with unit_of_work() as s:
                    user = ops.authenticate(s, identifier, form.password.data or "",
                                            ip=client_ip())
            except AccountError as exc:
                if exc.field == "password":
                    throttle.count_failure(identifier)
                apply_error(form, exc)
                status = 401
            else:
                throttle.clear(identifier)
                session.clear()
                login_user(Principal(user), remember=bool(form.remember.data))
                return redirect(_safe_next(form.next.data) or _home())
    elif request.method == "GET":
        form.next.data = request.args.get("next", "")
    return render_template("accounts/login.html", form=form), status


def logout() -> Response:
    if current_user.is_authenticated:
        with unit_of_work() as s:
            record(s, "logout", actor=Actor(current_user.id, current_user.login, client_ip()),
                   object_type="user", object_id=current_user.id)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# --- registration ------------------------------------------------------------------------

def register() -> Any:
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                user = ops.register(
                    s, activation_code=form.activation_code.data or "",
                    tax_id=form.tax_id.data or "", contract_number=form.contract_number.data or "",
                    email=form.email.data or "", password=form.password.data or "",
                    password_repeat=form.password_repeat.data or "", login=form.login.data,
                    receive_invoices_by_email=bool(form.receive_invoices_by_email.data),
                    ip=client_ip())
                user_id, user_login = user.id, user.login
        except AccountError as exc:
            apply_error(form, exc)
        else:
            session["registered_login"] = user_login
            return redirect(url_for("accounts.registered", user_id=user_id))
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


def registered(user_id: int) -> Any:
    return render_template("accounts/registered.html", user_id=user_id,
                           login=session.get("registered_login", ""))


def confirm(token: str) -> Any:
    try:
        with unit_of_work() as s:
            user = ops.confirm_email(s, token=token, ip=client_ip())
            login_name = user.login
    except InvalidToken as exc:
        return render_template("accounts/confirm_failed.html",
                               message=_(exc.message, **exc.params)), 400  # type: ignore[arg-type]
    flash(_("Registration confirmed. Please log in."), "success")
    return redirect(url_for("accounts.login", login=login_name))


def confirm_code(user_id: int) -> Any:
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                user = ops.confirm_email_with_code(s, user_id=user_id, code=form.code.data or "",
                                                   ip=client_ip())
                login_name = user.login
        except InvalidToken as exc:
            with unit_of_work() as s:
                ops.register_failed_code_attempt(s, user_id)
            apply_error(form, exc)
        else:
            flash(_("Registration confirmed. Please log in."), "success")
            return redirect(url_for("accounts.login", login=login_name))
    return render_template("accounts/confirm_code.html", form=form, user_id=user_id), \
        200 if not form.errors else 422


def resend_confirmation() -> Any:
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        with unit_of_work() as s:
            ops.resend_confirmation(s, form.login.data or "", ip=client_ip())
        flash(_("If the account exists and is not confirmed yet, we have sent a new "
                "confirmation message."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend.html", form=form)


# --- password reset ----------------------------------------------------------------------

def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work() as s:
            ops.request_password_reset(s, form.login.data or "", ip=client_ip())
        flash(_("If the account exists, we have sent a password reset link to its e-mail."),
              "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


def reset_password(token: str) -> Any:
    try:
        user = ops.check_reset_token(db.session, token)
    except InvalidToken as exc:
        db.session.rollback()
        return render_template("accounts/confirm_failed.html",
                               message=_(exc.message, **exc.params)), 400  # type: ignore[arg-type]
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                ops.reset_password(s, token=token, tax_id=form.tax_id.data or "",
                                   contract_number=form.contract_number.data or "",
                                   password=form.password.data or "",
                                   password_repeat=form.password_repeat.data or "",
                                   ip=client_ip())
        except AccountError as exc:
            apply_error(form, exc)
        else:
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, login=user.login), \
        200 if not form.errors else 422


# --- profile -----------------------------------------------------------------------------

@login_required
def profile() -> Any:
    form = SettingsForm(obj=current_user.user)
    if form.validate_on_submit():
        with unit_of_work() as s:
            user = s.get(User, current_user.id)
            assert user is not None
            user.full_name = (form.full_name.data or "").strip()
            user.phone = (form.phone.data or "").strip()
            user.receive_invoices_by_email = bool(form.receive_invoices_by_email.data)
            record(s, "profile.updated", actor=Actor(user.id, user.login, client_ip()),
                   object_type="user", object_id=user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@login_required
def change_email() -> Any:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                user = s.get(User, current_user.id)
                assert user is not None
                ops.request_email_change(s, user, new_email=form.email.data or "",
                                         password=form.password.data or "", ip=client_ip())
        except AccountError as exc:
            apply_error(form, exc)
        else:
            flash(_("We have sent a confirmation link to the new address. The address changes "
                    "once you follow it."), "info")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form), 200 if not form.errors else 422


def confirm_email_change(token: str) -> Any:
    try:
        with unit_of_work() as s:
            ops.confirm_email_change(s, token=token, ip=client_ip())
    except AccountError as exc:
        return render_template("accounts/confirm_failed.html",
                               message=_(exc.message, **exc.params)), 400  # type: ignore[arg-type]
    flash(_("Your e-mail address has been changed."), "success")
    return redirect(url_for("accounts.profile") if current_user.is_authenticated
                    else url_for("accounts.login"))


@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                user = s.get(User, current_user.id)
                assert user is not None
                ops.change_password(s, user, current=form.current_password.data or "",
                                    new=form.new_password.data or "",
                                    repeat=form.new_password_repeat.data or "", ip=client_ip())
                principal = Principal(user)
        except AccountError as exc:
            apply_error(form, exc)
        else:
            # The session version changed: keep this session, every other one ends.
            login_user(principal)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), \
        200 if not form.errors else 422


@login_required
def contracts() -> Any:
    form = LinkContractForm()
    if current_user.is_staff:
        abort(403)
    if form.validate_on_submit():
        try:
            with unit_of_work() as s:
                user = s.get(User, current_user.id)
                assert user is not None
                m = ops.link_contract(s, user, activation_code=form.activation_code.data or "",
                                      tax_id=form.tax_id.data or "",
                                      contract_number=form.contract_number.data or "",
                                      ip=client_ip())
                client_id = m.client_id
        except AccountError as exc:
            apply_error(form, exc)
        else:
            session[ACTIVE_CLIENT_KEY] = client_id
            flash(_("The contract has been added. You now act for this client."), "success")
            return redirect(url_for("accounts.contracts"))
    return render_template("accounts/contracts.html", form=form), 200 if not form.errors else 422


@login_required
def switch_client() -> Response:
    try:
        wanted = int(request.form.get("client_id", ""))
    except ValueError:
        abort(404)
    if not any(m.client_id == wanted for m in current_user.memberships):
        abort(404)
    session[ACTIVE_CLIENT_KEY] = wanted
    return redirect(_safe_next(request.form.get("next")) or url_for("accounts.dashboard"))


@require_client
def dashboard() -> Any:
    import datetime as dt

    from lk_corporate.clients.operations import client_meters, verification_state
    from lk_corporate.periods.operations import current_period

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
