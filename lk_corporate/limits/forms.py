"""The limit request form: the year; the twelve cells of each metering point are read by
name (``operations.cell_name``) since the points are the client's own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired

from lk_corporate.core.formkit import OnceForm


class LimitRequestForm(OnceForm):
    year = IntegerField(_l("Year"), [InputRequired()])
