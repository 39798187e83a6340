"""Forms of the tariff pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lk_corporate.clients.forms import ZONE_LABELS, service_choices
from lk_corporate.core.formkit import DecimalStringField, OnceForm, PositiveDecimal, strip


class TariffForm(OnceForm):
    service = SelectField(_l("Service"), [InputRequired()], choices=service_choices)
    zone = SelectField(_l("Zone"), [InputRequired()],
                       choices=[SelectChoice(k, v) for k, v in ZONE_LABELS.items()])
    tariff_group = StringField(_l("Tariff group"), [Length(max=20)], filters=[strip],
                               description=_l("Optional: e.g. a voltage level or consumer group."))
    price = DecimalStringField(_l("Price per unit without VAT"),
                               [InputRequired(), PositiveDecimal(places=6)])
    unit = StringField(_l("Unit"), [DataRequired(), Length(max=20)], filters=[strip],
                       description=_l("E.g. кВт·ч, м³, Гкал."))
    valid_from = DateField(_l("Valid from"), [InputRequired()])
    valid_to = DateField(_l("Valid to (inclusive)"), [Optional()],
                         description=_l("Empty: until further notice."))


class EndTariffForm(FlaskForm):
    valid_to = DateField(_l("Last day of validity"), [InputRequired()])
