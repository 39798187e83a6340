"""HTTP handlers of the supplier administration pages and the client's supplier page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from lk_corporate.accounts import rights as R
from lk_corporate.accounts.models import Role, User
from lk_corporate.accounts.rights import Scope
from lk_corporate.core.auth import require_client, require_right
from lk_corporate.core.errors import DomainError, NotFound
from lk_corporate.core.formkit import apply_error, commit_form, current_actor
from lk_corporate.core.i18n import _lang
from lk_corporate.core.uow import unit_of_work
from lk_corporate.extensions import db
from lk_corporate.supplier import operations as ops
from lk_corporate.supplier.forms import (
    RIGHT_LABELS,
    PasswordForm,
    RoleForm,
    StaffCreateForm,
    StaffEditForm,
    SupplierForm,
)


def _role_label(role: Role) -> str:
    return role.name_ru if _lang() == "ru" else role.name_en


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.id, _role_label(r)) for r in ops.supplier_roles(db.session)]


# --- supplier settings -------------------------------------------------------------------

@require_right(R.SUPPLIER_MANAGE)
def settings() -> ResponseReturnValue:
    current = ops.get_settings(db.session)
    form = SupplierForm(obj=current)
    if form.validate_on_submit():
        data = ops.SupplierData(**{name: (form[name].data if form[name].data is not None else "")
                                   for name in ops.SupplierData.__dataclass_fields__})
        try:
            with unit_of_work() as session:
                ops.update_settings(session, data, actor=current_actor())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("supplier.settings"))
    return render_template("supplier/settings.html", form=form, settings=current)


@require_client
def requisites() -> ResponseReturnValue:
    """The client's page «Реквизиты поставщика»: who the supplier is and how to pay it."""
    return render_template("supplier/requisites.html", settings=ops.get_settings(db.session))


# --- staff users -------------------------------------------------------------------------

def _staff_user(user_id: int) -> User:
    try:
        return ops.get_staff_user(db.session, user_id)
    except NotFound:
        abort(404)


@require_right(R.STAFF_MANAGE)
def staff_users() -> ResponseReturnValue:
    return render_template("supplier/staff_users.html", users=ops.staff_users(db.session),
                           role_label=_role_label)


@require_right(R.STAFF_MANAGE)
def create_staff_user() -> ResponseReturnValue:
    form = StaffCreateForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                user = ops.create_staff(session, login=form.login.data or "",
                                        email=form.email.data or "",
                                        full_name=form.full_name.data or "",
                                        role_id=form.role.data, password=form.password.data or "",
                                        actor=current_actor())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            flash(_("Staff user %(login)s created.", login=user.login), "success")
            return redirect(url_for("supplier.staff_users"))
    return render_template("supplier/staff_user_edit.html", form=form, user=None)


@require_right(R.STAFF_MANAGE)
def edit_staff_user(user_id: int) -> ResponseReturnValue:
    user = _staff_user(user_id)
    form = StaffEditForm(obj=user, data=None if request.method == "POST" else
                         {"role": user.staff_role_id, "full_name": user.full_name})
    form.role.choices = _role_choices()
    if form.validate_on_submit() and commit_form(form, ops.update_staff_user,
                                                 user, full_name=form.full_name.data or "",
                                                 role_id=form.role.data, actor=current_actor()):
        flash(_("Changes saved."), "success")
        return redirect(url_for("supplier.staff_users"))
    return render_template("supplier/staff_user_edit.html", form=form, user=user,
                           role_label=_role_label)


def _set_blocked(user_id: int, blocked: bool) -> ResponseReturnValue:
    user = _staff_user(user_id)
    try:
        with unit_of_work() as session:
            ops.set_staff_blocked(session, user, blocked, actor=current_actor())
    except DomainError as exc:
        flash(_(exc.message, **exc.params), "danger")
    else:
        flash(_("%(login)s is blocked.", login=user.login) if blocked
              else _("%(login)s is unblocked.", login=user.login), "success")
    return redirect(url_for("supplier.staff_users"))


@require_right(R.STAFF_MANAGE)
def block_staff_user(user_id: int) -> ResponseReturnValue:
    return _set_blocked(user_id, True)


@require_right(R.STAFF_MANAGE)
def unblock_staff_user(user_id: int) -> ResponseReturnValue:
    return _set_blocked(user_id, False)


@require_right(R.STAFF_MANAGE)
def staff_password(user_id: int) -> ResponseReturnValue:
    user = _staff_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit() and commit_form(form, ops.set_temporary_password,
                                                 user, password=form.password.data or "",
                                                 repeat=form.password_repeat.data or "",
                                                 actor=current_actor()):
        flash(_("A temporary password is set for %(login)s. Hand it over in person.",
                login=user.login), "success")
        return redirect(url_for("supplier.staff_users"))
    return render_template("supplier/staff_password.html", form=form, user=user)


# --- roles -------------------------------------------------------------------------------

@require_right(R.ROLES_MANAGE)
def roles() -> ResponseReturnValue:
    all_roles = list(db.session.scalars(db.select(Role).order_by(Role.scope.desc(), Role.id)))
    return render_template("supplier/roles.html", roles=all_roles, role_label=_role_label,
                           right_labels=RIGHT_LABELS)


@require_right(R.ROLES_MANAGE)
def edit_role(role_id: int) -> ResponseReturnValue:
    try:
        role = ops.get_role(db.session, role_id)
    except NotFound:
        abort(404)
    form = RoleForm(data=None if request.method == "POST" else
                    {"rights": sorted(role.right_names), "ip_allowlist": role.ip_allowlist})
    form.rights.choices = [SelectChoice(r, RIGHT_LABELS.get(r, r))
                          for r in ops.rights_catalogue(role.scope)]
    is_supplier = role.scope == Scope.SUPPLIER
    if form.validate_on_submit() and commit_form(form, ops.update_role,
                                                 role, rights=form.rights.data or [],
                                                 ip_allowlist=form.ip_allowlist.data if is_supplier else None,
                                                 actor=current_actor()):
        flash(_("Role %(name)s saved.", name=_role_label(role)), "success")
        return redirect(url_for("supplier.roles"))
    return render_template("supplier/role_edit.html", form=form, role=role,
                           role_label=_role_label, is_supplier=is_supplier)

