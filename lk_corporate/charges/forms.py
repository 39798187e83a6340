"""«Отправить на e-mail»: the month to send, and the once-only submission id (a double click
sends one message)."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange

from lk_corporate.core.formkit import OnceForm
from lk_corporate.core.urls import MAX_ID


class EmailBreakdownForm(OnceForm):
    period = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=MAX_ID)])
