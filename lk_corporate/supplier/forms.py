"""The form of the supplier's requisites (shape only; meaning is in the operations)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length

from lk_corporate.core.formkit import DecimalStringField, RequisitesFields, strip


class SupplierForm(FlaskForm, RequisitesFields):
    vat_rate = DecimalStringField(_l("VAT rate, %"), [InputRequired()])
    currency = StringField(_l("Currency"), [DataRequired(), Length(max=3)], filters=[strip],
                           description=_l("ISO 4217 code, e.g. RUB."))
    login_prefix = StringField(_l("Login prefix"), [Length(max=10)], filters=[strip],
                               description=_l("Client logins are this prefix and the contract "
                                              "number: vk + 123 = vk123."))
    director = StringField(_l("Director"), [Length(max=200)], filters=[strip])
    chief_accountant = StringField(_l("Chief accountant"), [Length(max=200)], filters=[strip])
