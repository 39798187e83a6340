"""The form of the supplier's requisites (shape only; meaning is in the operations)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length

from lk_corporate.core.formkit import DecimalStringField, digits_only, strip


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
