"""The account forms. Field limits are generous but bounded: a 10 000-character paste gets a
message beside the field, never a database error."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lk_corporate.accounts.preferences import NotificationKind

_REQUIRED = _l("This field is required.")


def _required() -> DataRequired:
    return DataRequired(message=_REQUIRED)


def _max(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class LoginForm(FlaskForm):
    login = StringField(_l("Login or e-mail"), validators=[_required(), _max(254)])
    password = PasswordField(_l("Password"), validators=[_required(), _max(128)])
    remember = BooleanField(_l("Remember me on this computer"))
    next = HiddenField()


class RegistrationForm(FlaskForm):
    activation_code = StringField(
        _l("Activation code"), validators=[_required(), _max(40)],
        description=_l("The code the supplier gave you with the contract."))
    tax_id = StringField(_l("Tax ID (INN / BIN / EDRPOU)"), validators=[_required(), _max(20)])
    contract_number = StringField(_l("Contract number"), validators=[_required(), _max(40)])
    email = EmailField(_l("E-mail"), validators=[_required(), _max(254)],
                       description=_l("We will send a confirmation message there."))
    login = StringField(_l("Login"), validators=[Optional(), _max(60)],
                        description=_l("Leave empty to get the login made from the contract "
                                       "number, e.g. vk123."))
    password = PasswordField(_l("Password"), validators=[_required(), _max(128)],
                             description=_l("At least 10 characters, letters and digits."))
    password_repeat = PasswordField(_l("Confirm password"), validators=[_required(), _max(128)])
    receive_invoices_by_email = BooleanField(
        _l("Receive invoices by e-mail"),
        description=_l("Each new invoice comes with its PDF attached; you can change this "
                       "later under Profile → Notifications."))


class ConfirmCodeForm(FlaskForm):
    code = StringField(_l("Confirmation code"), validators=[_required(), _max(32)])


class ResendConfirmationForm(FlaskForm):
    login = StringField(_l("Login or e-mail"), validators=[_required(), _max(254)])


class ForgotPasswordForm(FlaskForm):
    login = StringField(_l("Login or e-mail"), validators=[_required(), _max(254)])


class ResetPasswordForm(FlaskForm):
    tax_id = StringField(_l("Tax ID (INN / BIN / EDRPOU)"), validators=[_required(), _max(20)])
    contract_number = StringField(_l("Contract number"), validators=[_required(), _max(60)],
                                  description=_l("Supplier staff: your login."))
    password = PasswordField(_l("New password"), validators=[_required(), _max(128)],
                             description=_l("At least 10 characters, letters and digits."))
    password_repeat = PasswordField(_l("Confirm password"), validators=[_required(), _max(128)])


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New e-mail"), validators=[_required(), _max(254)])
    password = PasswordField(_l("Current password"), validators=[_required(), _max(128)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[_required(), _max(128)])
    new_password = PasswordField(_l("New password"), validators=[_required(), _max(128)],
                                 description=_l("At least 10 characters, letters and digits."))
    new_password_repeat = PasswordField(_l("Repeat the new password"),
                                        validators=[_required(), _max(128)])


class LinkContractForm(FlaskForm):
    activation_code = StringField(_l("Activation code"), validators=[_required(), _max(40)])
    tax_id = StringField(_l("Tax ID (INN / BIN / EDRPOU)"), validators=[_required(), _max(20)])
    contract_number = StringField(_l("Contract number"), validators=[_required(), _max(40)])


class SettingsForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Optional(), _max(200)])
    phone = StringField(_l("Phone"), validators=[Optional(), _max(60)])


NOTIFICATION_LABELS: dict[NotificationKind, tuple[Any, Any]] = {
    NotificationKind.INVOICE_ISSUED: (
        _l("A new invoice"), _l("When the supplier issues an invoice to your company.")),
    NotificationKind.INVOICE_PDF: (
        _l("Attach the invoice's PDF"), _l("The new-invoice e-mail carries the signed PDF.")),
    NotificationKind.DOCUMENT_WAITING: (
        _l("A document waits for your signature"),
        _l("A reading act, a limit request or a reconciliation act is ready to be signed.")),
    NotificationKind.DOCUMENT_REJECTED: (
        _l("A document was rejected"), _l("With the supplier's reason.")),
    NotificationKind.MESSAGE_RECEIVED: (
        _l("A new message"), _l("A reply in your correspondence with the supplier; for the "
                                "supplier's staff, a client's new message.")),
    NotificationKind.SERVICE_REQUEST: (
        _l("Repair and service requests"), _l("A request changed its status; for the "
                                              "supplier's staff, a new request arrived.")),
    NotificationKind.READINGS_OPEN: (
        _l("Reading entry opens"), _l("On the calculation date of each billing period.")),
    NotificationKind.READINGS_CLOSING: (
        _l("Reading entry closes in 2 days"), _l("A reminder while there is still time.")),
    NotificationKind.CERTIFICATE_EXPIRING: (
        _l("A signature certificate expires"),
        _l("A certificate registered for your company expires within 30 days.")),
    NotificationKind.READINGS_CORRECTED: (
        _l("A reading was corrected by the supplier"),
        _l("The supplier's engineer corrected a reading of your act, with the reason.")),
}
"""What the «Уведомления» page calls each kind: a label and a line of explanation."""


def notification_form(kinds: list[NotificationKind],
                      current: dict[NotificationKind, bool]) -> FlaskForm:
    """A form with one checkbox per kind the user can receive, named by the kind."""

    class NotificationsForm(FlaskForm):
        pass

    for kind in kinds:
        label, description = NOTIFICATION_LABELS[kind]
        setattr(NotificationsForm, kind.value,
                BooleanField(label, default=current[kind], description=description))
    return NotificationsForm()
