"""The service-request forms: the client's request, the staff's assignment and status move."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from lk_corporate.core.formkit import OnceForm, Required, strip
from lk_corporate.service_requests.labels import KIND_LABELS
from lk_corporate.service_requests.models import RequestKind
from lk_corporate.service_requests.operations import MAX_COMMENT, MAX_DESCRIPTION


class RequestForm(OnceForm):
    kind = SelectField(_l("What is needed"),
                       choices=[SelectChoice("", _l("— choose —"))]
                       + [SelectChoice(k.value, KIND_LABELS[k]) for k in RequestKind],
                       default="")
    place = SelectField(_l("Metering point or meter"), choices=[], validate_choice=False,
                        description=_l("If the request concerns one of them."))
    description = TextAreaField(_l("Description"), [Required(), Length(max=MAX_DESCRIPTION)],
                                render_kw={"rows": 5},
                                description=_l("What happened or what should be done."))
    preferred_date = DateField(_l("Preferred date"), [Optional()],
                               description=_l("When a visit suits you (optional)."))
    contact_phone = StringField(_l("Contact phone"), [Required(), Length(max=60)],
                                filters=[strip], render_kw={"inputmode": "tel",
                                                            "autocomplete": "tel"})


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=False)


class MoveForm(FlaskForm):
    """The next status comes from the button pressed (``target``)."""

    comment = TextAreaField(_l("Comment for the client"), [Length(max=MAX_COMMENT)],
                            render_kw={"rows": 3},
                            description=_l("Required to finish or reject the request."))
