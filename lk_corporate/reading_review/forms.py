"""The engineer's forms: confirm an act's readings, correct one reading with a reason.

Both carry ``version`` — what the page was made from (``operations.version_of``) — so a form
made before another engineer's change is refused rather than applied to readings nobody
looked at; and both are ``OnceForm``: a double submit runs once.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from lk_corporate.core.formkit import OnceForm, strip


class ConfirmForm(OnceForm):
    version = HiddenField()


class RuleForm(FlaskForm):
    # "1": the period's calculation charges only confirmed acts; "0": any accepted act.
    required = HiddenField()


class CorrectionForm(OnceForm):
    version = HiddenField()
    row = HiddenField()
    # No validators: the operation says what is wrong, beside the field, with the same words
    # for the page and every other caller.
    value = StringField(_l("Corrected reading"), filters=[strip],
                        render_kw={"inputmode": "decimal", "autocomplete": "off",
                                   "maxlength": 40})
    reason = TextAreaField(_l("Reason (the client reads it)"), filters=[strip],
                           render_kw={"rows": 2, "maxlength": 1000})
