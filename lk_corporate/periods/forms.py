"""The form for a new billing period."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange

from lk_corporate.core.formkit import OnceForm

MONTHS = [
    (1, _l("January")), (2, _l("February")), (3, _l("March")), (4, _l("April")),
    (5, _l("May")), (6, _l("June")), (7, _l("July")), (8, _l("August")),
    (9, _l("September")), (10, _l("October")), (11, _l("November")), (12, _l("December")),
]


class PeriodForm(OnceForm):
    year = IntegerField(_l("Year"), [InputRequired(), NumberRange(2000, 2100)],
                        render_kw={"inputmode": "numeric"})
    month = SelectField(_l("Month"), [InputRequired()], coerce=int, choices=[SelectChoice(n, label) for n, label in MONTHS])
    calculation_date = DateField(
        _l("Calculation date"), [InputRequired()],
        description=_l("Reading entry opens on this date; the calculation must follow within "
                       "5 days."))
