"""Forms of the staff pages: staff users, roles (shape only; meaning is in the operations)."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lk_corporate.accounts.models import User
from lk_corporate.core import rights as R
from lk_corporate.core.formkit import OnceForm, strip
from lk_corporate.core.urls import coerce_id

RIGHT_LABELS = {
    R.READINGS_ENTER: _l("Enter meter readings"),
    R.READINGS_VIEW: _l("View meters and readings"),
    R.DOCUMENTS_VIEW: _l("View documents"),
    R.DOCUMENTS_SIGN: _l("Sign documents for the client"),
    R.MONEY_VIEW: _l("View invoices, payments, balance and tariffs"),
    R.MESSAGES_WRITE: _l("Write to the supplier"),
    R.LIMITS_SUBMIT: _l("Submit consumption-limit requests"),
    R.CLIENTS_VIEW: _l("View clients and meters"),
    R.CLIENTS_MANAGE: _l("Create and edit clients"),
    R.ACTIVATION_MANAGE: _l("Issue and revoke activation codes"),
    R.METERS_MANAGE: _l("Manage metering points and meters"),
    R.CERTIFICATES_MANAGE: _l("Register client certificates"),
    R.READINGS_ENTER_PAPER: _l("Enter readings received on paper"),
    R.READINGS_CONFIRM: _l("Confirm or correct clients' readings (engineer)"),
    R.MESSAGES_ANSWER: _l("Answer client messages"),
    R.DOCUMENTS_REJECT: _l("Reject documents"),
    R.DOCUMENTS_COUNTERSIGN: _l("Countersign acts"),
    R.INVOICES_SIGN: _l("Sign invoices and tax invoices"),
    R.LIMITS_APPROVE: _l("Approve consumption-limit requests"),
    R.STAFF_MANAGE: _l("Manage staff users"),
    R.ROLES_MANAGE: _l("Manage roles, rights and IP allow-lists"),
    R.PERIODS_MANAGE: _l("Manage billing periods"),
    R.TARIFFS_MANAGE: _l("Manage tariffs"),
    R.SUPPLIER_MANAGE: _l("Edit the supplier's requisites"),
    R.AUDIT_VIEW: _l("View the audit log"),
}


class StaffCreateForm(OnceForm):
    login = StringField(_l("Login"), [DataRequired(), Length(max=60)], filters=[strip],
                        render_kw={"autocomplete": "off"})
    full_name = StringField(_l("Full name"), [Length(max=200)], filters=[strip])
    email = StringField(_l("E-mail"), [DataRequired(), Length(max=254)], filters=[strip],
                        render_kw={"type": "email", "autocomplete": "off"})
    role = SelectField(_l("Role"), [InputRequired()], coerce=coerce_id)
    password = PasswordField(_l("Temporary password"), [DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("Hand it over in person; ask the user to change it."))


class StaffEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), [Length(max=200)], filters=[strip])
    role = SelectField(_l("Role"), [InputRequired()], coerce=coerce_id)


class PasswordForm(FlaskForm):
    password = PasswordField(_l("Temporary password"), [DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    password_repeat = PasswordField(_l("Repeat the password"), [DataRequired(), Length(max=128)],
                                    render_kw={"autocomplete": "new-password"})


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoleForm(FlaskForm):
    rights = MultiCheckboxField(_l("Rights"), validate_choice=False)
    ip_allowlist = TextAreaField(
        _l("IP allow-list"), [Length(max=10000)],
        description=_l("One address or network per line, e.g. 10.20.0.0/16. Empty: logins "
                       "from anywhere."),
        render_kw={"rows": 5, "spellcheck": "false"})


def assignee_choices(staff: list[User]) -> list[SelectChoice]:
    """Whom a conversation or a service request can be assigned to: «Nobody», then each
    staff member who can take it (the signed-in one as «Me»)."""
    return [SelectChoice("", gettext("Nobody"))] + [
        SelectChoice(str(u.id), gettext("Me (%(name)s)", name=u.full_name or u.login)
                     if u.id == current_user.id else u.full_name or u.login) for u in staff]
