"""The forms of the countersigning queue: the selection to countersign, a rejection's
reason, the supplier's choice of how reading acts are accepted."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

from lk_corporate.core.formkit import OnceForm, strip


class BatchForm(OnceForm):
    """The checked documents come as ``document`` values (one checkbox per queue row)."""


class RejectForm(OnceForm):
    reason = TextAreaField(_l("Reason for rejection"), [Length(max=1000)], filters=[strip],
                           render_kw={"rows": 4},
                           description=_l("Required. The client reads it on the document's page "
                                          "and in the e-mail."))


class AcceptanceForm(FlaskForm):
    by_signer = BooleanField(_l("Reading acts are accepted by a supplier signer (not "
                                "automatically)"))
