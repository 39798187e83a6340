"""The forms of the payment pages: a statement upload, assigning a payment by hand, asking
for (or issuing) a reconciliation act, and the client's disagreement with one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lk_corporate.core.formkit import OnceForm, strip


class StatementForm(OnceForm):
    # No FileRequired: the operation says what is wrong beside the field, like any refusal.
    file = FileField(_l("Bank statement"),
                     description=_l("The 1C client-bank exchange file (1CClientBankExchange, "
                                    "Windows-1251 or UTF-8) or a CSV export of the bank."),
                     render_kw={"accept": ".txt,.csv,text/plain,text/csv"})


class AssignForm(FlaskForm):
    contract_number = StringField(_l("Contract number"), [DataRequired(), Length(max=40)],
                                  filters=[strip])
    invoice_number = StringField(_l("Invoice number (optional)"), [Optional(), Length(max=40)],
                                 filters=[strip],
                                 description=_l("The invoice the payment pays first; without "
                                                "it, the client's oldest open invoices."))


class PeriodForm(OnceForm):
    date_from = DateField(_l("From"), [Optional()])
    date_to = DateField(_l("To"), [Optional()])


class StaffActForm(PeriodForm):
    contract_number = StringField(_l("Contract number"), [DataRequired(), Length(max=40)],
                                  filters=[strip])


class DisagreementForm(OnceForm):
    """The comments per line come as ``line-N`` fields (one per line of the act)."""

    comment = TextAreaField(_l("Comment on the act as a whole"), [Length(max=4000)],
                            filters=[strip], render_kw={"rows": 3})
