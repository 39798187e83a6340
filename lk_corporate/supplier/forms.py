"""Forms of the supplier administration pages (shape only; meaning is in the operations)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lk_corporate.accounts import rights as R
from lk_corporate.core.formkit import DecimalStringField, digits_only, strip

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


class SupplierForm(FlaskForm):
    name = StringField(_l("Full legal name"), [DataRequired(), Length(max=300)], filters=[strip])
    short_name = StringField(_l("Short name"), [DataRequired(), Length(max=200)], filters=[strip])
    tax_id = StringField(_l("Tax ID (ИНН)"), [DataRequired(), Length(max=20)],
                         filters=[digits_only], render_kw={"inputmode": "numeric"})
    kpp = StringField(_l("КПП"), [Length(max=20)], filters=[digits_only])
    ogrn = StringField(_l("ОГРН"), [Length(max=20)], filters=[digits_only],
                       render_kw={"inputmode": "numeric"})
    address = StringField(_l("Address"), [Length(max=500)], filters=[strip])
    phone = StringField(_l("Phone"), [Length(max=60)], filters=[strip])
    email = StringField(_l("E-mail"), [Length(max=254)], filters=[strip],
                        render_kw={"type": "email"})
    bank_name = StringField(_l("Bank"), [Length(max=300)], filters=[strip])
    bank_bik = StringField(_l("БИК"), [Length(max=20)], filters=[digits_only],
                           render_kw={"inputmode": "numeric"})
    bank_account = StringField(_l("Settlement account"), [Length(max=34)], filters=[digits_only],
                               render_kw={"inputmode": "numeric"})
    bank_correspondent_account = StringField(_l("Correspondent account"), [Length(max=34)],
                                             filters=[digits_only],
                                             render_kw={"inputmode": "numeric"})
    vat_rate = DecimalStringField(_l("VAT rate, %"), [InputRequired()])
    currency = StringField(_l("Currency"), [DataRequired(), Length(max=3)], filters=[strip],
                           description=_l("ISO 4217 code, e.g. RUB."))
    login_prefix = StringField(_l("Login prefix"), [Length(max=10)], filters=[strip],
                               description=_l("Client logins are this prefix and the contract "
                                              "number: vk + 123 = vk123."))
    director = StringField(_l("Director"), [Length(max=200)], filters=[strip])
    chief_accountant = StringField(_l("Chief accountant"), [Length(max=200)], filters=[strip])


class StaffCreateForm(FlaskForm):
    login = StringField(_l("Login"), [DataRequired(), Length(max=60)], filters=[strip],
                        render_kw={"autocomplete": "off"})
    full_name = StringField(_l("Full name"), [Length(max=200)], filters=[strip])
    email = StringField(_l("E-mail"), [DataRequired(), Length(max=254)], filters=[strip],
                        render_kw={"type": "email", "autocomplete": "off"})
    role = SelectField(_l("Role"), [InputRequired()], coerce=int, validate_choice=False)
    password = PasswordField(_l("Temporary password"), [DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("Hand it over in person; ask the user to change it."))


class StaffEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), [Length(max=200)], filters=[strip])
    role = SelectField(_l("Role"), [InputRequired()], coerce=int, validate_choice=False)


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
