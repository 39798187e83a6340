"""HTTP handlers of the staff pages: staff users, roles, rights and IP allow-lists."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from lk_corporate.accounts.models import Role
from lk_corporate.core import rights as R
from lk_corporate.core.auth import require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.i18n import _lang
from lk_corporate.core.rights import Scope
from lk_corporate.staff import operations as ops
from lk_corporate.staff.forms import (
    RIGHT_LABELS,
    PasswordForm,
    RoleForm,
    StaffCreateForm,
    StaffEditForm,
)


def _role_label(role: Role) -> str:
    return role.name_ru if _lang() == "ru" else role.name_en


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.id, _role_label(r)) for r in ops.supplier_roles(db.session)]


# --- staff users -------------------------------------------------------------------------

@require_right(R.STAFF_MANAGE)
def staff_users() -> ResponseReturnValue:
    return render_template("staff/staff_users.html", users=ops.staff_users(db.session),
                           role_label=_role_label)


@require_right(R.STAFF_MANAGE)
def create_staff_user() -> ResponseReturnValue:
    form = StaffCreateForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit() and (user := submit_form(
            form, ops.create_staff, login=form.login.data or "", email=form.email.data or "",
            full_name=form.full_name.data or "", role_id=form.role.data,
            password=form.password.data or "", actor=current_actor())):
        flash(_("Staff user %(login)s created.", login=user.login), "success")
        return redirect(url_for("staff.users"))
    return render_template("staff/staff_user_edit.html", form=form, user=None)


@require_right(R.STAFF_MANAGE)
def edit_staff_user(user_id: int) -> ResponseReturnValue:
    user = ops.get_staff_user(db.session, user_id)
    form = StaffEditForm(obj=user, data=None if request.method == "POST" else
                         {"role": user.staff_role_id, "full_name": user.full_name})
    form.role.choices = _role_choices()
    if form.validate_on_submit() and submit_form(form, ops.update_staff_user,
                                                 user, full_name=form.full_name.data or "",
                                                 role_id=form.role.data, actor=current_actor()):
        flash(_("Changes saved."), "success")
        return redirect(url_for("staff.users"))
    return render_template("staff/staff_user_edit.html", form=form, user=user,
                           role_label=_role_label)


def _set_blocked(user_id: int, blocked: bool) -> ResponseReturnValue:
    user = ops.get_staff_user(db.session, user_id)
    ops.set_staff_blocked(db.session, user, blocked, actor=current_actor())
    flash(_("%(login)s is blocked.", login=user.login) if blocked
          else _("%(login)s is unblocked.", login=user.login), "success")
    return redirect(url_for("staff.users"))


@require_right(R.STAFF_MANAGE)
def block_staff_user(user_id: int) -> ResponseReturnValue:
    return _set_blocked(user_id, True)


@require_right(R.STAFF_MANAGE)
def unblock_staff_user(user_id: int) -> ResponseReturnValue:
    return _set_blocked(user_id, False)


@require_right(R.STAFF_MANAGE)
def staff_password(user_id: int) -> ResponseReturnValue:
    user = ops.get_staff_user(db.session, user_id)
    form = PasswordForm()
    if form.validate_on_submit() and submit_form(form, ops.set_temporary_password,
                                                 user, password=form.password.data or "",
                                                 repeat=form.password_repeat.data or "",
                                                 actor=current_actor()):
        flash(_("A temporary password is set for %(login)s. Hand it over in person.",
                login=user.login), "success")
        return redirect(url_for("staff.users"))
    return render_template("staff/staff_password.html", form=form, user=user)


# --- roles -------------------------------------------------------------------------------

@require_right(R.ROLES_MANAGE)
def roles() -> ResponseReturnValue:
    all_roles = list(db.session.scalars(db.select(Role).order_by(Role.scope.desc(), Role.id)))
    return render_template("staff/roles.html", roles=all_roles, role_label=_role_label,
                           right_labels=RIGHT_LABELS)


@require_right(R.ROLES_MANAGE)
def edit_role(role_id: int) -> ResponseReturnValue:
    role = ops.get_role(db.session, role_id)
    form = RoleForm(data=None if request.method == "POST" else
                    {"rights": sorted(role.right_names), "ip_allowlist": role.ip_allowlist})
    form.rights.choices = [SelectChoice(r, RIGHT_LABELS.get(r, r))
                          for r in ops.rights_catalogue(role.scope)]
    is_supplier = role.scope == Scope.SUPPLIER
    if form.validate_on_submit() and submit_form(form, ops.update_role,
                                                 role, rights=form.rights.data or [],
                                                 ip_allowlist=form.ip_allowlist.data if is_supplier else None,
                                                 actor=current_actor()):
        flash(_("Role %(name)s saved.", name=_role_label(role)), "success")
        return redirect(url_for("staff.roles"))
    return render_template("staff/role_edit.html", form=form, role=role,
                           role_label=_role_label, is_supplier=is_supplier)

