"""The profile form that makes an API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from lk_corporate.api.operations import NAME_LENGTH
from lk_corporate.core.formkit import OnceForm, strip

LIFETIMES = ((30, _l("30 days")), (90, _l("90 days")), (180, _l("180 days")),
             (365, _l("1 year")))


class NewTokenForm(OnceForm):
    name = StringField(_l("Name"), [DataRequired(message=_l("This field is required.")),
                                    Length(max=NAME_LENGTH)], filters=[strip],
                       description=_l("What will use it, e.g. «1C: Бухгалтерия»."))
    days = SelectField(_l("Valid for"), coerce=int, choices=[SelectChoice(days, label) for days, label in LIFETIMES],
                       default=365)
